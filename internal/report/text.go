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
	type group struct {
		title string
		rows  [][]cell
	}
	var groups []group
	byCat := make(map[rules.Category][][]cell)
	var suppressed [][]cell
	for _, f := range r.Findings {
		if f.Suppressed == nil {
			byCat[f.Category] = append(byCat[f.Category], t.row(f))
		} else {
			suppressed = append(suppressed, t.suppressedRow(f))
		}
	}
	for _, cat := range rules.Categories {
		if rows := byCat[cat]; len(rows) > 0 {
			groups = append(groups, group{string(cat), rows})
		}
	}
	if len(suppressed) > 0 {
		groups = append(groups, group{"suppressed", suppressed})
	}
	// On a terminal, cells are padded to their column's width over the
	// whole report before painting, so colour codes never skew columns.
	var widths []int
	for _, g := range groups {
		for _, row := range g.rows {
			for j, c := range row {
				if j >= len(widths) {
					widths = append(widths, 0)
				}
				widths[j] = max(widths[j], len(c.text))
			}
		}
	}
	bw := bufio.NewWriter(w)
	sep := " "
	if t.color {
		sep = "  "
	}
	for _, g := range groups {
		fmt.Fprintln(bw, t.paint(ansiBold, g.title))
		for _, row := range g.rows {
			parts := make([]string, 0, len(row))
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
			fmt.Fprintln(bw, strings.TrimRight("  "+strings.Join(parts, sep), " "))
		}
		fmt.Fprintln(bw)
	}
	fmt.Fprintln(bw, Summarize(r).Line())
	return bw.Flush()
}

// row is an unsuppressed finding's line.
func (t textWriter) row(f rules.Finding) []cell {
	if t.color {
		return []cell{{where(f.Pos), ansiDim}, {f.Severity.String(), sevCode(f.Severity)}, {f.Rule, ""}, {f.Resource, ""}, {oneLine(f.Message), ""}}
	}
	return plainLine(f, "")
}

// suppressedRow is a suppressed finding's line, with why.
func (t textWriter) suppressedRow(f rules.Finding) []cell {
	why := oneLine(fmt.Sprintf("(%s %s: %s)", f.Suppressed.Tool, f.Suppressed.Kind, f.Suppressed.Reason))
	if t.color {
		return []cell{{where(f.Pos), ansiDim}, {f.Severity.String(), ""}, {f.Rule, ""}, {f.Resource, ""}, {why, ansiDim}}
	}
	return plainLine(f, why)
}

// oneLine keeps a message on its line: one finding, one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
