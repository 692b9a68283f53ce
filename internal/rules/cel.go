package rules

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/cel-go/cel"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/config"
)

// celEnv declares what a custom rule's expression sees:
//
//	resource    the resource under test (see resourceValue)
//	outgoing    edges leaving it: [{kind, via, resource}]
//	incoming    edges entering it: [{kind, via, resource}]
//	neighbours  outgoing then incoming
//
// ("in" is a CEL keyword, hence incoming/outgoing.)
func celEnv() (*cel.Env, error) {
	edges := cel.ListType(cel.MapType(cel.StringType, cel.DynType))
	return cel.NewEnv(
		cel.Variable("resource", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("outgoing", edges),
		cel.Variable("incoming", edges),
		cel.Variable("neighbours", edges),
	)
}

// celCostLimit bounds one evaluation, so a runaway expression (a
// comprehension over a huge property) cannot stall the audit.
const celCostLimit = 1_000_000

// CompileCustom compiles the config file's CEL rules. Errors name the file
// and line of the offending entry (for expressions, the line and column
// inside the file).
func CompileCustom(crs []config.CustomRule, file string) ([]*Rule, error) {
	if len(crs) == 0 {
		return nil, nil
	}
	env, err := celEnv()
	if err != nil {
		return nil, fmt.Errorf("cel environment: %w", err)
	}
	var out []*Rule
	var errs []error
	for _, cr := range crs {
		r, err := compileOne(env, cr, file)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}

func compileOne(env *cel.Env, cr config.CustomRule, file string) (*Rule, error) {
	at := fmt.Sprintf("%s:%d", file, cr.Line)
	sev, ok := app.ParseSeverity(cr.Severity)
	if cr.Severity == "" {
		sev, ok = app.SevWarning, true
	}
	if !ok {
		return nil, fmt.Errorf("%s: custom rule %q: severity %q is not error, warning or info", at, cr.ID, cr.Severity)
	}
	cat := Category(cr.Category)
	if cat == "" {
		cat = CategoryGovernance
	}
	if strings.TrimSpace(cr.Assert) == "" {
		return nil, fmt.Errorf("%s: custom rule %q: assert is empty", at, cr.ID)
	}
	ast, iss := env.Compile(cr.Assert)
	if iss != nil && iss.Err() != nil {
		var msgs []string
		for _, e := range iss.Errors() {
			line, col := cr.AssertLine+e.Location.Line()-1, e.Location.Column()+1
			if e.Location.Line() <= 1 && cr.AssertCol > 0 && !strings.Contains(cr.Assert, "\n") {
				col += cr.AssertCol - 1
			}
			msgs = append(msgs, fmt.Sprintf("%s:%d:%d: custom rule %q: %s", file, line, col, cr.ID, e.Message))
		}
		return nil, errors.New(strings.Join(msgs, "\n"))
	}
	if t := ast.OutputType(); !t.IsExactType(cel.BoolType) && !t.IsExactType(cel.DynType) {
		return nil, fmt.Errorf("%s:%d: custom rule %q: assert must be a bool, is %s", file, cr.AssertLine, cr.ID, t)
	}
	prg, err := env.Program(ast, cel.CostLimit(celCostLimit))
	if err != nil {
		return nil, fmt.Errorf("%s: custom rule %q: %w", at, cr.ID, err)
	}
	kind := app.Kind(cr.Kind)
	if kind != "" && !slices.Contains(knownKinds, kind) {
		return nil, fmt.Errorf("%s: custom rule %q: unknown kind %q (one of %s)", at, cr.ID, cr.Kind, kindList())
	}
	msg := cr.Message
	if msg == "" {
		msg = cr.Title + ": {id}"
	}
	r := &Rule{
		ID:          cr.ID,
		Title:       cr.Title,
		Severity:    sev,
		Category:    cat,
		Description: cr.Description,
		Remediation: cr.Remediation,
		Source:      file,
	}
	if r.Description == "" {
		r.Description = fmt.Sprintf("Custom rule from %s: `%s`", file, strings.TrimSpace(cr.Assert))
	}
	r.Check = func(c *Context) {
		var kinds []app.Kind
		if kind != "" {
			kinds = []app.Kind{kind}
		}
		for _, res := range c.Resources(kinds...) {
			out, _, err := prg.Eval(c.celVars(res))
			if err != nil {
				c.findings = append(c.findings, internalError(
					fmt.Sprintf("custom rule %s cannot be evaluated on %s: %v", r.ID, res.ID, err), res))
				continue
			}
			if ok, isBool := out.Value().(bool); !isBool {
				c.findings = append(c.findings, internalError(
					fmt.Sprintf("custom rule %s yields %v on %s, not a bool", r.ID, out.Value(), res.ID), res))
			} else if !ok {
				c.Reportf(res, nil, "%s", expandMessage(msg, res))
			}
		}
	}
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", at, err)
	}
	return r, nil
}

// expandMessage replaces {id}, {name}, {type} and {kind}.
func expandMessage(msg string, r *app.Resource) string {
	return strings.NewReplacer("{id}", r.ID, "{name}", r.Display(), "{type}", r.Type, "{kind}", string(r.Kind)).Replace(msg)
}

// celVars builds the activation for res, reusing resource values across
// the custom rules of one run.
func (c *Context) celVars(res *app.Resource) map[string]any {
	var out, in []any
	for _, e := range c.Out(res) {
		out = append(out, c.edgeValue(e, e.To))
	}
	for _, e := range c.In(res) {
		in = append(in, c.edgeValue(e, e.From))
	}
	all := append(append([]any{}, out...), in...)
	return map[string]any{
		"resource":   c.resourceValue(res),
		"outgoing":   nonNil(out),
		"incoming":   nonNil(in),
		"neighbours": all,
	}
}

func nonNil(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

func (c *Context) edgeValue(e app.Edge, other string) map[string]any {
	m := map[string]any{"kind": string(e.Kind), "via": e.Via}
	if r := c.Graph.Resource(other); r != nil {
		m["resource"] = c.resourceValue(r)
	} else {
		m["resource"] = map[string]any{"id": other}
	}
	return m
}

// resourceValue is the CEL view of a resource: id, type, kind, name, file,
// line, condition, implicit, attrs (plain values, platform defaults
// included), defaults (names of attrs left at the platform default), tags,
// props and metadata (plain values; unresolved intrinsics stay maps).
func (c *Context) resourceValue(r *app.Resource) map[string]any {
	st := c.state()
	st.mu.Lock()
	v, ok := st.cel[r]
	st.mu.Unlock()
	if ok {
		return v
	}
	attrs := make(map[string]any, len(r.Attrs))
	defaults := []any{}
	for _, k := range r.AttrNames() {
		attrs[k] = r.Attrs[k].Plain()
		if r.Attrs[k] != nil && r.Attrs[k].Origin == app.Default {
			defaults = append(defaults, k)
		}
	}
	tags := make(map[string]any, len(r.Tags))
	for k, v := range r.Tags {
		tags[k] = v
	}
	props, _ := r.Props.Plain().(map[string]any)
	if props == nil {
		props = map[string]any{}
	}
	md, _ := r.Metadata.Plain().(map[string]any)
	if md == nil {
		md = map[string]any{}
	}
	v = map[string]any{
		"id": r.ID, "type": r.Type, "kind": string(r.Kind), "name": r.Display(),
		"file": r.Pos.File, "line": int64(r.Pos.Line), "condition": r.Condition, "implicit": r.Implicit,
		"attrs": attrs, "defaults": defaults, "tags": tags, "props": props, "metadata": md,
	}
	st.mu.Lock()
	if st.cel == nil {
		st.cel = make(map[*app.Resource]map[string]any)
	}
	st.cel[r] = v
	st.mu.Unlock()
	return v
}

// knownKinds are the resource kinds a custom rule may name; a test keeps
// the list in step with internal/app.
var knownKinds = []app.Kind{
	app.KindFunction, app.KindQueue, app.KindTopic, app.KindBucket, app.KindTable, app.KindStream,
	app.KindEventBus, app.KindRule, app.KindSchedule, app.KindAPI, app.KindStateMachine, app.KindRole,
	app.KindPolicy, app.KindLogGroup, app.KindSecret, app.KindParameter, app.KindLayer, app.KindAlias,
	app.KindVersion, app.KindEventSourceMapping, app.KindPermission, app.KindStack, app.KindSubscription,
	app.KindEventInvokeConfig, app.KindURL, app.KindKey, app.KindUserPool, app.KindIoTRule,
	app.KindLogSubscription, app.KindAppSync, app.KindAlarm, app.KindDeploymentGroup, app.KindOther,
}

func kindList() string {
	names := make([]string, len(knownKinds))
	for i, k := range knownKinds {
		names[i] = string(k)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
