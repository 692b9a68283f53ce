package rules

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/config"
)

// Ids of the rules the engine itself reports under.
const (
	InternalErrorID     = "internal-error"
	UnusedSuppressionID = "unused-suppression"
	SuppressionReasonID = "suppression-reason"
)

// Engine runs rules over a graph.
type Engine struct {
	// Registry knows every rule (built-in and custom); suppressions are
	// resolved against it. Required.
	Registry *Registry
	// Rules are the rules to run; nil runs Registry.Select(Selection{}).
	Rules []*Rule
	// Suppressions come from the config file, named by ConfigFile.
	Suppressions []config.Suppression
	ConfigFile   string
	// IncludeDisabled also audits resources whose condition is false.
	IncludeDisabled bool
	// ReadFile reads template sources for comment suppressions; nil uses
	// os.ReadFile. Each file is read at most once per Run.
	ReadFile func(string) ([]byte, error)
	// Now is the audit's date, for the rules about dates (runtime
	// deprecation); nil uses time.Now.
	Now func() time.Time
}

// runState is what one Run shares between rules: values built once and
// read by many rules.
type runState struct {
	mu      sync.Mutex // guards cel and memo: rules run in parallel
	cel     map[*app.Resource]map[string]any
	out, in map[string][]app.Edge // edges by resource, built before the rules run
	memo    map[string]*memoEntry // see once
}

// memoEntry is one value of once, built by the first rule that asks.
type memoEntry struct {
	once sync.Once
	v    any
}

// edges returns the edges leaving and entering id, indexing the graph on
// first use so that rules visiting every resource stay linear.
func (s *runState) edges(g *app.Graph, id string) (out, in []app.Edge) {
	if s.out == nil {
		s.out, s.in = make(map[string][]app.Edge), make(map[string][]app.Edge)
		for _, e := range g.Edges {
			s.out[e.From] = append(s.out[e.From], e)
			s.in[e.To] = append(s.in[e.To], e)
		}
	}
	return s.out[id], s.in[id]
}

// Run runs the rules and returns every finding, suppressed ones included,
// sorted by Compare and fingerprinted. It does not fail: a rule that
// panics becomes an internal-error finding naming it.
func (e *Engine) Run(g *app.Graph) []Finding {
	run := e.Rules
	if run == nil {
		run, _ = e.Registry.Select(Selection{})
	}
	shared := &runState{}
	// Rules only read the graph and the shared indexes, so they run in
	// parallel; the lazy parts are built first (the graph's id index, the
	// edge index) or guarded (once, CEL values). Findings keep rule order.
	g.Resource("")
	shared.edges(g, "")
	results := make([][]Finding, len(run))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(run)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = e.runRule(g, run[i], shared)
			}
		}()
	}
	for i := range run {
		next <- i
	}
	close(next)
	wg.Wait()
	var out []Finding
	for _, fs := range results {
		out = append(out, fs...)
	}
	if ir := e.Registry.Get(InternalErrorID); ir != nil {
		for i := range out {
			if out[i].Rule == InternalErrorID {
				out[i].Severity = ir.Severity
			}
		}
	}
	if !e.IncludeDisabled {
		out = slices.DeleteFunc(out, func(f Finding) bool {
			r := g.Resource(f.Resource)
			return r != nil && r.Disabled
		})
	}
	out = e.suppress(g, run, out)
	Sort(out)
	return out
}

func (e *Engine) runRule(g *app.Graph, r *Rule, shared *runState) (out []Finding) {
	c := &Context{Graph: g, Rule: r, includeDisabled: e.IncludeDisabled, shared: shared, now: e.now()}
	defer func() {
		if p := recover(); p != nil {
			out = append(c.findings, internalError(fmt.Sprintf("rule %s failed and was stopped: %v", r.ID, p), nil))
		}
	}()
	r.Check(c)
	return c.findings
}

// internalError builds a finding of the internal-error rule; Run gives it
// the severity the registry has for that rule.
func internalError(msg string, res *app.Resource) Finding {
	f := Finding{Rule: InternalErrorID, Severity: app.SevError, Category: CategoryOperations, Message: msg,
		Remediation: "Report this as a fnops bug (or fix the custom rule), with the template that triggers it."}
	if res != nil {
		f.Resource, f.Pos = res.ID, res.Pos
	}
	return f
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Engine) readFile(name string) ([]byte, error) {
	if e.ReadFile != nil {
		return e.ReadFile(name)
	}
	return os.ReadFile(name)
}

func engineRules() []*Rule {
	return []*Rule{
		{
			ID:       InternalErrorID,
			Title:    "A rule failed to run",
			Severity: app.SevError,
			Category: CategoryOperations,
			Description: "A rule stopped with an internal error (a bug in a built-in rule, or a custom CEL rule " +
				"that cannot be evaluated on some resource). The audit went on without it, so its findings may be " +
				"missing.",
			Remediation: "For a custom rule, fix its expression (guard optional fields with has()). For a " +
				"built-in rule, report a bug with the template that triggers it.",
			Check: func(*Context) {},
		},
		{
			ID:       SuppressionReasonID,
			Title:    "Suppression without a reason",
			Severity: app.SevWarning,
			Category: CategoryOperations,
			Description: "A `# fnops:ignore` comment or `Metadata.fnops.ignore` entry accepts a finding without " +
				"saying why. The reason is what a reviewer reads in every report and what tells a later reader " +
				"whether the suppression still holds. (Config-file suppressions cannot omit it.)",
			Remediation: "Add the reason: `# fnops:ignore RULE -- why`, or `reason:` in Metadata.",
			Fail: `Resources:
  Fn:
    # fnops:ignore function-tracing
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/fn
      Code: {ZipFile: "def handler(e, c): pass"}
`,
			Pass: `Resources:
  Fn:
    # fnops:ignore function-tracing -- traced with OpenTelemetry
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Role: arn:aws:iam::123456789012:role/fn
      Code: {ZipFile: "def handler(e, c): pass"}
`,
			Check: func(*Context) {},
		},
		{
			ID:       UnusedSuppressionID,
			Title:    "Suppression that suppresses nothing",
			Severity: app.SevWarning,
			Category: CategoryOperations,
			Description: "A fnops suppression (a `# fnops:ignore` comment, `Metadata.fnops.ignore` or a config-file " +
				"entry) matched no finding, or names a rule that does not exist. Stale suppressions hide the next " +
				"real problem. Suppressions written for other tools (checkov, cfn-lint, cdk-nag, KICS, cfn_nag, " +
				"cfn-guard) are not reported: they may target checks fnops does not have.",
			Remediation: "Delete the suppression, or fix the rule id it names.",
			Fail: `Resources:
  Fn:
    # fnops:ignore function-tracing -- traced by OpenTelemetry
    Type: AWS::Lambda::Function
    Properties:
      TracingConfig: {Mode: Active}
`,
			Pass: `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      TracingConfig: {Mode: Active}
`,
			Check: func(*Context) {},
		},
	}
}

// sortedKeys returns m's keys sorted.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// fileIsJSON reports whether a template file is JSON (no comments).
func fileIsJSON(name string, lines []string) bool {
	if strings.HasSuffix(strings.ToLower(name), ".json") {
		return true
	}
	for _, l := range lines {
		if t := strings.TrimSpace(l); t != "" {
			return strings.HasPrefix(t, "{")
		}
	}
	return false
}
