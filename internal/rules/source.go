package rules

import (
	"bytes"
	"strings"
)

// sources reads template files lazily, once each, for comment
// suppressions: the model keeps positions, not comments.
type sources struct {
	read  func(string) ([]byte, error)
	files map[string][]string
}

// lines returns the lines of file (1-based: lines[0] is line 1), nil when
// it cannot be read.
func (s *sources) lines(file string) []string {
	if ls, ok := s.files[file]; ok {
		return ls
	}
	data, err := s.read(file)
	var ls []string
	if err == nil {
		data = bytes.TrimPrefix(data, []byte("\ufeff"))
		ls = strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	}
	s.files[file] = ls
	return ls
}

// indent is the number of leading spaces of a line.
func indent(line string) int { return len(line) - len(strings.TrimLeft(line, " \t")) }

// isContent reports whether a line holds YAML content (not blank, not
// only a comment).
func isContent(line string) bool {
	t := strings.TrimSpace(line)
	return t != "" && !strings.HasPrefix(t, "#")
}

// blockEnd returns the last line (1-based) of the YAML block that starts
// at line start: the lines after it that are indented deeper, ignoring
// blank and comment lines.
func blockEnd(lines []string, start int) int {
	if start < 1 || start > len(lines) {
		return start
	}
	base := indent(lines[start-1])
	end := start
	for i := start + 1; i <= len(lines); i++ {
		l := lines[i-1]
		if !isContent(l) {
			continue
		}
		if indent(l) <= base {
			break
		}
		end = i
	}
	return end
}

// nextContent returns the first content line after line n, or n when
// there is none.
func nextContent(lines []string, n int) int {
	for i := n + 1; i <= len(lines); i++ {
		if isContent(lines[i-1]) {
			return i
		}
	}
	return n
}

// comment is a suppression directive found in a comment.
type comment struct {
	line     int
	text     string // after '#', trimmed
	trailing bool   // the line has content before the comment
}

// directivePrefixes are the comment texts that may suppress something.
var directivePrefixes = []string{"fnops:ignore", "checkov:skip=", "kics-scan ", "dd-iac-scan "}

// directives finds the suppression comments of a file. A '#' starts a
// comment at the start of a line or after a space; only comments that
// begin with a known directive are kept, so a '#' inside a quoted string
// is harmless unless it spells a directive.
func directives(lines []string) []comment {
	var out []comment
	for i, l := range lines {
		for j := 0; j < len(l); j++ {
			if l[j] != '#' || (j > 0 && l[j-1] != ' ' && l[j-1] != '\t') {
				continue
			}
			text := strings.TrimSpace(l[j+1:])
			for _, p := range directivePrefixes {
				if strings.HasPrefix(text, p) && wordEnd(text, len(p)) {
					out = append(out, comment{line: i + 1, text: text, trailing: strings.TrimSpace(l[:j]) != ""})
					break
				}
			}
			break
		}
	}
	return out
}

// wordEnd reports whether text ends a word at i: "fnops:ignore x" and
// "fnops:ignore" do, "fnops:ignored" does not.
func wordEnd(text string, i int) bool {
	if i >= len(text) {
		return true
	}
	switch text[i-1] {
	case '=', ' ':
		return true
	}
	return text[i] == ' ' || text[i] == '\t' || text[i] == '='
}
