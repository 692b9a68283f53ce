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
	b.WriteString(usage)
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

// usage is the fixed part of docs/rules.md: how to run, silence and read
// the audit.
const usage = `## Running

` + "```" + `sh
fnops audit [PATH...]                       # text; exit 1 on an unsuppressed error
fnops audit . --format sarif -o fnops.sarif # json, sarif, junit, markdown, github
fnops audit . --fail-on warning --skip-rule function-tracing --rule CKV_AWS_27
fnops audit . --write-baseline base.json    # accept today's findings...
fnops audit . --baseline base.json          # ...and fail only on new ones
` + "```" + `

Exit status: 0 clean, 1 an unsuppressed finding at or above ` + "`--fail-on`" + `
(default error), 2 bad usage or unreadable input (after the report), 3 a rule
failed (see ` + "`internal-error`" + `).

## Suppressing a finding

Every suppression carries a reason, shown in every report.

` + "```" + `yaml
Resources:
  # fnops:ignore function-tracing -- traced with OpenTelemetry
  Orders:
    Type: AWS::Serverless::Function
  Archive:
    Type: AWS::Logs::LogGroup
    Metadata:                      # works in JSON templates and CDK output too
      fnops:
        ignore:
          - {rule: log-group-retention, reason: kept by policy}
` + "```" + `

A comment inside or directly above a resource applies to that resource;
elsewhere (Globals) to its line or the next. ` + "`.fnops.yaml`" + ` takes
` + "`audit.suppressions: [{rule, resource, path, reason}]`" + ` with globs. The
suppressions written for checkov, cfn-lint, cdk-nag, cfn_nag, cfn-guard and
KICS apply through the aliases below (see docs/adding-a-rule.md). A fnops
suppression that matches nothing is an ` + "`unused-suppression`" + ` warning, one
without a reason a ` + "`suppression-reason`" + ` warning.

## Output

` + "`--format json`" + ` is a versioned contract:
` + "`{\"version\":1,\"findings\":[{\"rule\",\"severity\",\"category\",\"resource\",\"related\",\"file\",\"line\",\"column\",\"message\",\"remediation\"}],\"summary\":{...}}`" + `.
Suppressed findings are listed too, with ` + "`\"suppressed\": {\"kind\", \"tool\", \"reason\", \"file\", \"line\"}`" + `
(kind: comment, metadata, config or baseline); the summary's severity counts
leave them out. SARIF results carry ` + "`partialFingerprints.fnops/v1`" + ` (rule,
resource and file, not line: moving code does not reopen an alert) and
SARIF suppressions with the reason as justification.

## Opt-in rules

Rules marked opt-in below are standards some teams hold and others find
noise (tags, VPC, reserved concurrency, customer KMS keys, arm64, AWS
managed policies, secret rotation). They run only when named:
` + "`fnops audit . --rule function-tags`" + ` (which runs only the rules named), or
` + "`audit.rules.enable: [function-tags, secret-rotation]`" + ` in ` + "`.fnops.yaml`" + `, which
adds them to the default set.

`
