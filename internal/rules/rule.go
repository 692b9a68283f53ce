package rules

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// Category groups rules by the operations job they serve.
type Category string

// Categories. A rule belongs to exactly one.
const (
	// CategoryReliability: failures are caught, retried and kept (DLQs,
	// destinations, timeouts that fit together).
	CategoryReliability Category = "reliability"
	// CategorySecurity: least privilege, encryption, public exposure.
	CategorySecurity Category = "security"
	// CategoryObservability: logs, traces and metrics exist and are kept.
	CategoryObservability Category = "observability"
	// CategoryPerformance: latency and throughput settings.
	CategoryPerformance Category = "performance"
	// CategoryCost: settings that waste money.
	CategoryCost Category = "cost"
	// CategoryGovernance: team standards such as tags, naming and allowed
	// runtimes.
	CategoryGovernance Category = "governance"
	// CategoryOperations: the audit itself (suppressions, rule failures).
	CategoryOperations Category = "operations"
)

// Categories lists every category in display order.
var Categories = []Category{
	CategorySecurity, CategoryReliability, CategoryObservability,
	CategoryPerformance, CategoryCost, CategoryGovernance, CategoryOperations,
}

// Rule is one check. Everything but Check is documentation and identity:
// it is what `fnops rules` prints, what docs/rules.md is generated from and
// what SARIF carries as rule metadata.
type Rule struct {
	// ID is stable, kebab-case and never reused: suppressions, baselines
	// and config files name it.
	ID string
	// Title is one line, no final period.
	Title string
	// Severity is the default level of the rule's findings.
	Severity app.Severity
	// Category is the job the rule serves.
	Category Category
	// Description says what is checked and why it matters (Markdown).
	Description string
	// Remediation says how to fix a finding (Markdown); findings carry it
	// unless the rule gives a more specific one.
	Remediation string
	// Aliases are the ids the same check has in other tools, as
	// "tool:id": serverless-rules:ES1005, cdk-nag:Serverless-LambdaTracing,
	// checkov:CKV_AWS_116, kics:<query name>, cfn-lint:E3505,
	// cfn-nag:W89, guard:<rule>. Suppressions written for those tools, and
	// --rule/--skip-rule, accept them.
	Aliases []string
	// HelpURI links to the rule's documentation; DefaultHelpURI(ID) when
	// empty.
	HelpURI string
	// OptIn rules run only when enabled by --rule or the config file.
	OptIn bool
	// Source is the config file a custom rule comes from; "" for built-in
	// rules.
	Source string
	// Fail and Pass are template snippets (YAML) that the rule flags and
	// accepts: `fnops rules ID` prints them and docs/rules.md shows them.
	Fail string
	Pass string
	// Check inspects the graph and reports findings through the Context.
	// It must not modify the graph. A panic is turned into an
	// internal-error finding naming the rule.
	Check func(*Context)
}

// DefaultHelpURI is the documentation link of a built-in rule.
func DefaultHelpURI(id string) string {
	return "https://github.com/fnops/fnops/blob/main/docs/rules.md#" + id
}

// Help returns HelpURI, or the default for a built-in rule's id; "" for
// a custom rule without one (its documentation is its config file).
func (r *Rule) Help() string {
	if r.HelpURI != "" || r.Source != "" {
		return r.HelpURI
	}
	return DefaultHelpURI(r.ID)
}

// AliasTools are the tool prefixes an alias may use.
var AliasTools = []string{"serverless-rules", "cdk-nag", "checkov", "kics", "cfn-lint", "cfn-nag", "guard", "tflint"}

var kebab = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// Validate reports what makes the rule unfit to register.
func (r *Rule) Validate() error {
	var problems []string
	if !kebab.MatchString(r.ID) {
		problems = append(problems, "id must be kebab-case")
	}
	if strings.TrimSpace(r.Title) == "" {
		problems = append(problems, "title is empty")
	}
	if r.Severity.String() == "unknown" {
		problems = append(problems, "severity is not set")
	}
	if !slices.Contains(Categories, r.Category) {
		problems = append(problems, fmt.Sprintf("category %q is not one of %v", r.Category, Categories))
	}
	if r.Check == nil {
		problems = append(problems, "check is nil")
	}
	for _, a := range r.Aliases {
		tool, id, ok := strings.Cut(a, ":")
		if !ok || id == "" || !slices.Contains(AliasTools, tool) {
			problems = append(problems, fmt.Sprintf("alias %q is not tool:id with a tool of %v", a, AliasTools))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("rule %q: %s", r.ID, strings.Join(problems, "; "))
	}
	return nil
}

// Matches reports whether name designates the rule: its id, a glob over
// ids ("function-*"), a full alias ("checkov:CKV_AWS_116") or an alias's
// bare id ("CKV_AWS_116"). Alias ids compare case-insensitively.
func (r *Rule) Matches(name string) bool {
	if name == r.ID {
		return true
	}
	if strings.ContainsAny(name, "*?") && !strings.Contains(name, ":") {
		return wildcard(name, r.ID)
	}
	for _, a := range r.Aliases {
		if strings.EqualFold(a, name) {
			return true
		}
		if _, id, _ := strings.Cut(a, ":"); !strings.Contains(name, ":") && strings.EqualFold(id, name) {
			return true
		}
	}
	return false
}

// aliasOf returns the ids the rule has in the given tools.
func (r *Rule) aliasOf(tools ...string) []string {
	var out []string
	for _, a := range r.Aliases {
		tool, id, _ := strings.Cut(a, ":")
		if slices.Contains(tools, tool) {
			out = append(out, id)
		}
	}
	return out
}
