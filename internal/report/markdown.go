package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// markdownWriter writes a comment ready to post on a pull request: a
// summary line, a table of the findings that count, and the suppressed
// ones with their reasons folded away.
type markdownWriter struct{}

func mdEscape(s string) string {
	s = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "`", "'")
}

func mdIcon(s app.Severity) string {
	switch s {
	case app.SevError:
		return ":x: error"
	case app.SevWarning:
		return ":warning: warning"
	}
	return ":information_source: info"
}

func (markdownWriter) Write(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	sum := Summarize(r)
	fmt.Fprintf(bw, "### fnops audit\n\n%s\n", capitalize(sum.Line()))
	var active, suppressed int
	for _, f := range r.Findings {
		if f.Suppressed == nil {
			active++
		} else {
			suppressed++
		}
	}
	if active > 0 {
		fmt.Fprintf(bw, "\n| Severity | Rule | Resource | Location | Message |\n|---|---|---|---|---|\n")
		for _, f := range r.Findings {
			if f.Suppressed != nil {
				continue
			}
			fmt.Fprintf(bw, "| %s | `%s` | %s | `%s` | %s |\n", mdIcon(f.Severity), f.Rule, mdCode(f.Resource), where(f.Pos), mdEscape(f.Message))
		}
	}
	if suppressed > 0 {
		fmt.Fprintf(bw, "\n<details><summary>%d suppressed</summary>\n\n| Rule | Resource | Location | Reason |\n|---|---|---|---|\n", suppressed)
		for _, f := range r.Findings {
			if f.Suppressed == nil {
				continue
			}
			fmt.Fprintf(bw, "| `%s` | %s | `%s` | %s (%s %s) |\n", f.Rule, mdCode(f.Resource), where(f.Pos),
				mdEscape(f.Suppressed.Reason), f.Suppressed.Tool, f.Suppressed.Kind)
		}
		fmt.Fprintf(bw, "\n</details>\n")
	}
	return bw.Flush()
}

func mdCode(s string) string {
	if s == "" {
		return ""
	}
	return "`" + strings.ReplaceAll(s, "`", "'") + "`"
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
