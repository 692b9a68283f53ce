package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/rules"
)

// textWriter groups findings by category, then lists suppressed findings
// with their reasons, then a one-line summary. In a pipe each finding is
// one stable line, "file:line:col: severity: message [rule] resource",
// that editors and grep understand; on a terminal the columns are aligned
// and severities coloured.
type textWriter struct{ color bool }

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiBlue   = "\x1b[34m"
)

func (t textWriter) paint(code, s string) string {
	if !t.color {
		return s
	}
	return code + s + ansiReset
}

// cell is one column of a line and the colour it is painted in.
type cell struct{ text, code string }

func sevCode(s app.Severity) string {
	switch s {
	case app.SevError:
		return ansiRed + ansiBold
	case app.SevWarning:
		return ansiYellow
	}
	return ansiBlue
}

// plainLine is a finding as one stable line for pipes:
// "file:line:col: severity: message [rule] resource (why)".
func plainLine(f rules.Finding, why string) []cell {
	line := []cell{{where(f.Pos) + ":", ""}, {f.Severity.String() + ":", ""}, {oneLine(f.Message), ""}, {"[" + f.Rule + "]", ""}}
	if f.Resource != "" {
		line = append(line, cell{f.Resource, ""})
	}
	if why != "" {
		line = append(line, cell{why, ""})
	}
	return line
}

func (t textWriter) Write(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	var suppressed []rules.Finding
	byCat := make(map[rules.Category][]rules.Finding)
	for _, f := range r.Findings {
		if f.Suppressed != nil {
			suppressed = append(suppressed, f)
			continue
		}
		byCat[f.Category] = append(byCat[f.Category], f)
	}
	// section prints a titled group. Each line is a list of cells and a
	// paint function per cell; on a terminal cells are padded to their
	// column's width before painting, so colour codes never skew columns.
	section := func(title string, fs []rules.Finding, line func(rules.Finding) []cell) {
		fmt.Fprintln(bw, t.paint(ansiBold, title))
		rows := make([][]cell, len(fs))
		var widths []int
		for i, f := range fs {
			rows[i] = line(f)
			for j, c := range rows[i] {
				if j >= len(widths) {
					widths = append(widths, 0)
				}
				widths[j] = max(widths[j], len(c.text))
			}
		}
		for _, row := range rows {
			var parts []string
			for j, c := range row {
				text := c.text
				if t.color && j < len(row)-1 {
					text += strings.Repeat(" ", widths[j]-len(text))
				}
				if t.color && c.code != "" {
					text = c.code + text + ansiReset
				}
				parts = append(parts, text)
			}
			sep := " "
			if t.color {
				sep = "  "
			}
			fmt.Fprintln(bw, strings.TrimRight("  "+strings.Join(parts, sep), " "))
		}
		fmt.Fprintln(bw)
	}
	for _, cat := range rules.Categories {
		fs := byCat[cat]
		if len(fs) == 0 {
			continue
		}
		section(string(cat), fs, func(f rules.Finding) []cell {
			if t.color {
				return []cell{{where(f.Pos), ansiDim}, {f.Severity.String(), sevCode(f.Severity)}, {f.Rule, ""}, {f.Resource, ""}, {oneLine(f.Message), ""}}
			}
			return plainLine(f, "")
		})
	}
	if len(suppressed) > 0 {
		section("suppressed", suppressed, func(f rules.Finding) []cell {
			why := oneLine(fmt.Sprintf("(%s %s: %s)", f.Suppressed.Tool, f.Suppressed.Kind, f.Suppressed.Reason))
			if t.color {
				return []cell{{where(f.Pos), ansiDim}, {f.Severity.String(), ""}, {f.Rule, ""}, {f.Resource, ""}, {why, ansiDim}}
			}
			return plainLine(f, why)
		})
	}
	fmt.Fprintln(bw, Summarize(r).Line())
	return bw.Flush()
}

// oneLine keeps a message on its line: one finding, one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
