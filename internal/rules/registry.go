package rules

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/config"
)

// All returns a fresh copy of every built-in rule. Each family file
// contributes a function returning its rules; adding a family is adding
// it here.
func All() []*Rule {
	families := [][]*Rule{
		engineRules(),
		flowRules(),
		lambdaRules(),
		logRules(),
		sqsRules(),
		runtimeRules(),
		lambdaConfigRules(),
		invokeRules(),
		iamRules(),
		functionLogRules(),
		secretRules(),
		pollRules(),
		deliveryRules(),
		messagingRules(),
		s3Rules(),
		apiRules(),
		stepFunctionsRules(),
		dynamoDBRules(),
	}
	var all []*Rule
	for _, f := range families {
		all = append(all, f...)
	}
	return all
}

// Registry is a set of rules by id. It holds its own copies, so changing a
// severity in one registry never leaks into another.
type Registry struct {
	rules []*Rule // sorted by ID
	byID  map[string]*Rule
}

// NewRegistry validates rs and returns a registry of copies of them. Ids
// must be unique.
func NewRegistry(rs ...*Rule) (*Registry, error) {
	g := &Registry{byID: make(map[string]*Rule)}
	return g, g.Add(rs...)
}

// Builtin returns a registry of All. It panics when a built-in rule is
// malformed, which the package's tests rule out.
func Builtin() *Registry {
	g, err := NewRegistry(All()...)
	if err != nil {
		panic(err)
	}
	return g
}

// Add validates and registers copies of rs; nothing is added on error.
func (g *Registry) Add(rs ...*Rule) error {
	var errs []error
	seen := make(map[string]bool)
	for _, r := range rs {
		if err := r.Validate(); err != nil {
			errs = append(errs, err)
			continue
		}
		if g.byID[r.ID] != nil || seen[r.ID] {
			errs = append(errs, fmt.Errorf("rule %q: registered twice", r.ID))
		}
		seen[r.ID] = true
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	for _, r := range rs {
		c := *r
		c.Aliases = slices.Clone(r.Aliases)
		g.rules = append(g.rules, &c)
		g.byID[c.ID] = &c
	}
	slices.SortFunc(g.rules, func(a, b *Rule) int { return cmp.Compare(a.ID, b.ID) })
	return nil
}

// Rules returns every registered rule, sorted by id.
func (g *Registry) Rules() []*Rule { return slices.Clone(g.rules) }

// Get returns the rule with the given id, or nil.
func (g *Registry) Get(id string) *Rule { return g.byID[id] }

// Lookup returns the rules name designates (see Rule.Matches), sorted by
// id: one for an id, possibly several for a glob or an alias.
func (g *Registry) Lookup(name string) []*Rule {
	if r := g.byID[name]; r != nil {
		return []*Rule{r}
	}
	var out []*Rule
	for _, r := range g.rules {
		if r.Matches(name) {
			out = append(out, r)
		}
	}
	return out
}

// SetSeverity changes the severity of every rule name designates.
func (g *Registry) SetSeverity(name string, sev app.Severity) error {
	rs := g.Lookup(name)
	if len(rs) == 0 {
		return fmt.Errorf("unknown rule %q", name)
	}
	for _, r := range rs {
		r.Severity = sev
	}
	return nil
}

// Selection says which rules run. Each entry is an id, alias or glob.
type Selection struct {
	// Only, when non-empty, restricts the run to these rules (opt-in
	// rules included): --rule.
	Only []string
	// Skip removes rules: --skip-rule.
	Skip []string
	// Enable adds opt-in rules; Disable removes rules (config file).
	Enable  []string
	Disable []string
}

// Select returns the rules s designates, sorted by id. A name that
// designates no rule is an error, so a typo never silently runs nothing.
func (g *Registry) Select(s Selection) ([]*Rule, error) {
	var errs []error
	set := func(names []string) map[*Rule]bool {
		m := make(map[*Rule]bool)
		for _, n := range names {
			rs := g.Lookup(n)
			if len(rs) == 0 {
				errs = append(errs, fmt.Errorf("unknown rule %q (see fnops rules)", n))
			}
			for _, r := range rs {
				m[r] = true
			}
		}
		return m
	}
	only, skip, enable, disable := set(s.Only), set(s.Skip), set(s.Enable), set(s.Disable)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	var out []*Rule
	for _, r := range g.rules {
		on := (!r.OptIn || enable[r]) && !disable[r]
		if len(s.Only) > 0 {
			on = only[r]
		}
		if on && !skip[r] {
			out = append(out, r)
		}
	}
	return out, nil
}

// Configure applies a config file's audit section: it compiles and adds
// the custom rules, applies severity overrides, and returns the selection
// the file asks for. file names the config in errors.
func (g *Registry) Configure(a config.Audit, file string) (Selection, error) {
	custom, err := CompileCustom(a.CustomRules, file)
	if err != nil {
		return Selection{}, err
	}
	if err := g.Add(custom...); err != nil {
		return Selection{}, fmt.Errorf("%s: %w", file, err)
	}
	var errs []error
	names := make([]string, 0, len(a.Rules.Severity))
	for n := range a.Rules.Severity {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		sev, ok := app.ParseSeverity(a.Rules.Severity[n])
		if !ok {
			errs = append(errs, fmt.Errorf("%s: rules.severity.%s: %q is not error, warning or info", file, n, a.Rules.Severity[n]))
			continue
		}
		if err := g.SetSeverity(n, sev); err != nil {
			errs = append(errs, fmt.Errorf("%s: rules.severity: %w", file, err))
		}
	}
	return Selection{Enable: a.Rules.Enable, Disable: a.Rules.Disable}, errors.Join(errs...)
}
