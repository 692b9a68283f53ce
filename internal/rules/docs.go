package rules

import (
	"bytes"
	"fmt"
	"strings"
)

// Markdown renders the rule reference (docs/rules.md): an index by
// category, then each rule with its metadata and examples. The output
// depends only on the rules, so the file can be checked for staleness.
func Markdown(rs []*Rule) []byte {
	var b bytes.Buffer
	b.WriteString("# fnops rules\n\n")
	b.WriteString("<!-- Generated from the rule registry by `go test ./internal/rules -run TestDocs -update`. Do not edit. -->\n\n")
	fmt.Fprintf(&b, "%d rules. Each has a stable id; `fnops rules ID` prints the same text, and suppressions, "+
		"`--rule`/`--skip-rule` and `.fnops.yaml` accept the id or any alias.\n\n", len(rs))
	for _, cat := range Categories {
		var in []*Rule
		for _, r := range rs {
			if r.Category == cat {
				in = append(in, r)
			}
		}
		if len(in) == 0 {
			continue
		}
		fmt.Fprintf(&b, "## %s\n\n| id | severity | title | aliases |\n|---|---|---|---|\n", cat)
		for _, r := range in {
			fmt.Fprintf(&b, "| [%s](#%s) | %s | %s | %s |\n", r.ID, r.ID, r.Severity, mdCell(r.Title), mdCell(strings.Join(r.Aliases, ", ")))
		}
		b.WriteString("\n")
	}
	b.WriteString("## Reference\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "\n### %s\n\n**%s**. Severity %s, category %s", r.ID, r.Title, r.Severity, r.Category)
		if r.OptIn {
			b.WriteString(", opt-in (enable it with `--rule` or `audit.rules.enable`)")
		}
		b.WriteString(".\n\n")
		b.WriteString(strings.TrimSpace(r.Description) + "\n\n")
		if r.Remediation != "" {
			b.WriteString("**Fix:** " + strings.TrimSpace(r.Remediation) + "\n\n")
		}
		if len(r.Aliases) > 0 {
			b.WriteString("**Same check elsewhere:** `" + strings.Join(r.Aliases, "`, `") + "`\n\n")
		}
		if r.Fail != "" {
			b.WriteString("Flagged:\n\n```yaml\n" + strings.TrimRight(r.Fail, "\n") + "\n```\n\n")
		}
		if r.Pass != "" {
			b.WriteString("Fixed:\n\n```yaml\n" + strings.TrimRight(r.Pass, "\n") + "\n```\n")
		}
	}
	return b.Bytes()
}

func mdCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
