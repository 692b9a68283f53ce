package report

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/rules"
)

// Report is what a Writer renders: the findings of one audit and the
// rules that ran.
type Report struct {
	// Tool and Version name the producer ("fnops", "1.2.0").
	Tool    string
	Version string
	// Findings in report order (rules.Sort), suppressed ones included.
	Findings []rules.Finding
	// Rules are the rules that ran, sorted by id.
	Rules []*rules.Rule
	// Resources is the number of resources audited.
	Resources int
	// Diags are the load problems (unreadable or invalid templates). Text
	// formats leave them to the caller's standard error; SARIF carries them
	// as tool execution notifications.
	Diags []app.Diag
}

// Options are the caller's choices that are not in the data.
type Options struct {
	// Color turns on colour and column alignment (text format): set it when
	// writing to a terminal, never in a pipe.
	Color bool
}

// Writer renders a report in one format.
type Writer interface {
	Write(w io.Writer, r *Report) error
}

// formats maps each format name to its constructor.
var formats = map[string]func(Options) Writer{
	"text":     func(o Options) Writer { return textWriter{color: o.Color} },
	"json":     func(Options) Writer { return jsonWriter{} },
	"sarif":    func(Options) Writer { return sarifWriter{} },
	"junit":    func(Options) Writer { return junitWriter{} },
	"markdown": func(Options) Writer { return markdownWriter{} },
	"github":   func(Options) Writer { return githubWriter{} },
}

// Formats returns the format names, sorted.
func Formats() []string {
	names := make([]string, 0, len(formats))
	for n := range formats {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Get returns the writer for a format name.
func Get(name string, opts Options) (Writer, error) {
	f, ok := formats[name]
	if !ok {
		return nil, fmt.Errorf("unknown format %q (one of %s)", name, strings.Join(Formats(), ", "))
	}
	return f(opts), nil
}

// Summary counts a report's findings. Error, Warning, Info and Findings
// count unsuppressed findings only.
type Summary struct {
	Findings   int `json:"findings"`
	Error      int `json:"error"`
	Warning    int `json:"warning"`
	Info       int `json:"info"`
	Suppressed int `json:"suppressed"`
	Resources  int `json:"resources"`
	Rules      int `json:"rules"`
}

// Summarize counts r's findings.
func Summarize(r *Report) Summary {
	s := Summary{Resources: r.Resources, Rules: len(r.Rules)}
	for _, f := range r.Findings {
		if f.Suppressed != nil {
			s.Suppressed++
			continue
		}
		s.Findings++
		switch f.Severity {
		case app.SevError:
			s.Error++
		case app.SevWarning:
			s.Warning++
		default:
			s.Info++
		}
	}
	return s
}

// Line is the one-line summary every human-readable format ends with.
func (s Summary) Line() string {
	var b strings.Builder
	if s.Findings == 0 {
		b.WriteString("no findings")
	} else {
		var parts []string
		for _, c := range []struct {
			n    int
			what string
		}{{s.Error, "error"}, {s.Warning, "warning"}, {s.Info, "info"}} {
			if c.n > 0 {
				parts = append(parts, plural(c.n, c.what))
			}
		}
		fmt.Fprintf(&b, "%s (%s)", plural(s.Findings, "finding"), strings.Join(parts, ", "))
	}
	if s.Suppressed > 0 {
		fmt.Fprintf(&b, ", %d suppressed", s.Suppressed)
	}
	fmt.Fprintf(&b, "; %s checked by %s", plural(s.Resources, "resource"), plural(s.Rules, "rule"))
	return b.String()
}

func plural(n int, what string) string {
	if n == 1 || what == "info" {
		return fmt.Sprintf("%d %s", n, what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// slashPath is a finding's file as a forward-slash path.
func slashPath(p string) string { return filepath.ToSlash(p) }

// where renders a position as file:line:col, "-" when unknown.
func where(p app.Pos) string {
	p.File = slashPath(p.File)
	if s := p.String(); s != "" {
		return s
	}
	return "-"
}

// ruleIndex maps rule ids to their position in r.Rules.
func ruleIndex(r *Report) map[string]int {
	m := make(map[string]int, len(r.Rules))
	for i, ru := range r.Rules {
		m[ru.ID] = i
	}
	return m
}
