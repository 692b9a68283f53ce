package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/fnops/fnops/internal/rules"
)

type rulesOptions struct {
	format string
	config string
}

func newRulesCmd(e *env) *cobra.Command {
	o := &rulesOptions{}
	cmd := &cobra.Command{
		Use:   "rules [ID]",
		Short: "List the audit rules, or explain one",
		Long: `Without an argument, list every rule: built-in ones and the custom rules of
./.fnops.yaml (or --config). With an ID (a rule id or another tool's id such
as CKV_AWS_66 or ES1005), explain the rule: what it checks, why, how to fix
it, and a failing and a fixed example.`,
		Example: `  fnops rules
  fnops rules sqs-sse
  fnops rules CKV_AWS_66
  fnops rules --format json | jq -r '.rules[].id'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runRules(e, o, args) },
	}
	cmd.Flags().StringVarP(&o.format, "format", "f", "text", "output format: text|json|markdown")
	cmd.Flags().StringVar(&o.config, "config", "", "also list the custom rules of `FILE` (default ./.fnops.yaml)")
	return cmd
}

func runRules(e *env, o *rulesOptions, args []string) error {
	if o.format != "text" && o.format != "json" && o.format != "markdown" {
		return usageError("unknown --format %q: want text, json or markdown", o.format)
	}
	reg := rules.Builtin()
	cfg, err := loadConfig(".", o.config)
	if err != nil {
		return err
	}
	if cfg.File != "" {
		if _, err := reg.Configure(cfg.Audit, cfg.File); err != nil {
			return withCode(ExitInput, err)
		}
	}
	list := reg.Rules()
	if len(args) == 1 {
		list = reg.Lookup(args[0])
		if len(list) == 0 {
			return usageError("unknown rule %q (fnops rules lists them)", args[0])
		}
	}
	out := e.stdio.Out
	switch {
	case o.format == "json":
		return writeRulesJSON(out, list)
	case o.format == "markdown":
		_, err := out.Write(rules.Markdown(list))
		return err
	case len(args) == 1:
		for i, r := range list {
			if i > 0 {
				fmt.Fprintln(out)
			}
			explainRule(out, r)
		}
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tCATEGORY\tTITLE")
	for _, r := range list {
		title := r.Title
		if r.OptIn {
			title += " (opt-in)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Severity, r.Category, title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "\n%d rules. \"fnops rules ID\" explains one.\n", len(list))
	return nil
}

// rulesDoc is the contract of `fnops rules --format json`.
type rulesDoc struct {
	Version int        `json:"version"`
	Rules   []ruleJSON `json:"rules"`
}

type ruleJSON struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Severity    string   `json:"severity"`
	Category    string   `json:"category"`
	Description string   `json:"description"`
	Remediation string   `json:"remediation"`
	Aliases     []string `json:"aliases"`
	HelpURI     string   `json:"help_uri"`
	OptIn       bool     `json:"opt_in"`
}

func writeRulesJSON(w io.Writer, list []*rules.Rule) error {
	doc := rulesDoc{Version: 1, Rules: []ruleJSON{}}
	for _, r := range list {
		aliases := r.Aliases
		if aliases == nil {
			aliases = []string{}
		}
		doc.Rules = append(doc.Rules, ruleJSON{
			ID: r.ID, Title: r.Title, Severity: r.Severity.String(), Category: string(r.Category),
			Description: r.Description, Remediation: r.Remediation, Aliases: aliases, HelpURI: r.Help(), OptIn: r.OptIn,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func explainRule(w io.Writer, r *rules.Rule) {
	fmt.Fprintf(w, "%s: %s\n", r.ID, r.Title)
	fmt.Fprintf(w, "severity %s, category %s", r.Severity, r.Category)
	if r.OptIn {
		fmt.Fprint(w, ", opt-in")
	}
	fmt.Fprintln(w)
	if len(r.Aliases) > 0 {
		fmt.Fprintf(w, "also known as: %s\n", strings.Join(r.Aliases, ", "))
	}
	fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(r.Description))
	if r.Remediation != "" {
		fmt.Fprintf(w, "\nFix: %s\n", strings.TrimSpace(r.Remediation))
	}
	indent := func(s string) string {
		lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
		return "    " + strings.Join(lines, "\n    ")
	}
	if r.Fail != "" {
		fmt.Fprintf(w, "\nFlagged:\n\n%s\n", indent(r.Fail))
	}
	if r.Pass != "" {
		fmt.Fprintf(w, "\nFixed:\n\n%s\n", indent(r.Pass))
	}
	switch {
	case r.Source != "":
		fmt.Fprintf(w, "\nDefined in %s.\n", r.Source)
	default:
		fmt.Fprintf(w, "\nMore: %s\n", r.Help())
	}
}
