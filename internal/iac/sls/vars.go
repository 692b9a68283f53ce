package sls

import (
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac/cfn"
)

// Limits of variable resolution. No service, however hostile, makes the
// resolver loop or balloon: references nest at most MaxVarDepth deep, one
// resolution performs at most MaxVarSteps lookups, an interpolated string
// grows to at most MaxVarString bytes, and what whole-value references
// copy in adds up to at most MaxVarNodes nodes.
const (
	MaxVarDepth  = 64
	MaxVarSteps  = 1 << 18
	MaxVarString = 1 << 20
	MaxVarNodes  = cfn.MaxNodes
)

// Inputs are what a service's variables may read that the service itself
// does not hold.
type Inputs struct {
	// Stage is --stage (${opt:stage}); "" leaves provider.stage, then "dev".
	Stage string
	// Region is --region (${opt:region}); "" leaves provider.region, then
	// us-east-1.
	Region string
	// Account fills ${aws:accountId}; "" keeps it symbolic.
	Account string
	// Params are --param key=value: ${param:key} before the service's own
	// params for the stage.
	Params map[string]string
	// Options are the other ${opt:name} values.
	Options map[string]string
	// Env reads ${env:NAME}; nil reads nothing.
	Env func(name string) (string, bool)
	// ReadFile reads ${file(...)} targets (paths joined to the service's
	// directory); nil makes every file missing.
	ReadFile func(path string) ([]byte, error)
}

// resolver resolves the variables of one service document.
type resolver struct {
	file string
	root *app.Node
	in   Inputs

	diags    []app.Diag
	memo     map[*app.Node]*app.Node
	active   map[*app.Node]bool
	cycled   map[*app.Node]bool
	sizes    map[*app.Node]int
	files    map[string]*app.Node
	symbolic map[string]app.Pos

	stage, region string
	steps, copied int
	failed        bool // a limit was hit: stop resolving
}

func newResolver(file string, root *app.Node, in Inputs) *resolver {
	r := &resolver{file: file, root: root, in: in,
		memo: make(map[*app.Node]*app.Node, 256), active: make(map[*app.Node]bool, 16), cycled: map[*app.Node]bool{},
		sizes: map[*app.Node]int{}, files: map[string]*app.Node{}, symbolic: map[string]app.Pos{}}
	r.stage = in.Stage
	if r.stage == "" {
		r.stage = r.text(root.Path("provider", "stage"), "dev")
	}
	r.region = in.Region
	if r.region == "" {
		r.region = r.text(root.Path("provider", "region"), "us-east-1")
	}
	return r
}

// text resolves n to a string, def when it is absent or does not resolve
// to a scalar.
func (r *resolver) text(n *app.Node, def string) string {
	if n == nil {
		return def
	}
	v := r.value(n, 0)
	if s, ok := v.String(); ok && s != "" && !strings.Contains(s, "${") {
		return s
	}
	return def
}

func (r *resolver) diag(p app.Pos, sev app.Severity, format string, args ...any) {
	if p.File == "" {
		p.File = r.file
	}
	r.diags = append(r.diags, app.Diag{Pos: p, Severity: sev, Message: fmt.Sprintf(format, args...)})
}

// limit reports a limit once and stops resolution.
func (r *resolver) limit(p app.Pos, format string, args ...any) {
	if !r.failed {
		r.diag(p, app.SevError, format, args...)
	}
	r.failed = true
}

// resolve returns the whole document with every variable resolved.
func (r *resolver) resolve() *app.Node { return r.value(r.root, 0) }

// value returns n with its variables resolved. Unchanged subtrees are
// returned as they are; changed ones are copies, so the written document
// is never modified.
func (r *resolver) value(n *app.Node, depth int) *app.Node {
	if n == nil {
		return nil
	}
	if n.Kind != app.StringNode && n.Kind != app.ListNode && n.Kind != app.MapNode {
		return n
	}
	if n.Kind == app.StringNode && !strings.Contains(n.Scalar, "${") {
		return n
	}
	if v, ok := r.memo[n]; ok {
		return v
	}
	if r.active[n] {
		if !r.cycled[n] {
			r.cycled[n] = true
			what := "this value"
			if n.Kind == app.StringNode {
				what = n.Scalar
			}
			r.diag(n.Pos, app.SevError, "variable cycle: %s refers back to itself", what)
		}
		return n
	}
	if depth > MaxVarDepth {
		r.limit(n.Pos, "variables nest more than %d deep", MaxVarDepth)
		return n
	}
	r.active[n] = true
	var out *app.Node
	switch n.Kind {
	case app.StringNode:
		out = r.str(n, depth)
	case app.ListNode:
		out = n
		for i, it := range n.List {
			if v := r.value(it, depth); v != it {
				if out == n {
					c := *n
					c.List = append([]*app.Node(nil), n.List...)
					out = &c
				}
				out.List[i] = v
			}
		}
	case app.MapNode:
		out = n
		for i, it := range n.Values {
			if v := r.value(it, depth); v != it {
				if out == n {
					c := *n
					c.Values = append([]*app.Node(nil), n.Values...)
					out = &c
				}
				out.Values[i] = v
			}
		}
	}
	delete(r.active, n)
	r.memo[n] = out
	return out
}

// str resolves the variables of one string. A string that is exactly one
// variable takes the variable's value, whatever its type; otherwise the
// values are interpolated as text.
func (r *resolver) str(n *app.Node, depth int) *app.Node {
	s := n.Scalar
	if start, end, ok := nextVar(s, 0); ok && start == 0 && end == len(s) {
		v, ok := r.variable(s[2:end-1], s, n.Pos, depth)
		if !ok {
			return n
		}
		return at(v, n)
	}
	text, ok := r.interpolate(s, n.Pos, depth)
	if !ok || text == s {
		return n
	}
	c := *n
	c.Scalar = text
	return &c
}

// at places a resolved scalar at the position it was used, so findings
// point at the line that uses it; maps and lists keep their own.
func at(v *app.Node, use *app.Node) *app.Node {
	if v == nil || !v.IsScalar() {
		if v == nil {
			return &app.Node{Kind: app.NullNode, Pos: use.Pos, Origin: use.Origin}
		}
		return v
	}
	c := *v
	c.Pos, c.Origin = use.Pos, use.Origin
	return &c
}

// interpolate replaces every variable of s by its text.
func (r *resolver) interpolate(s string, p app.Pos, depth int) (string, bool) {
	var b strings.Builder
	changed := false
	for i := 0; i < len(s); {
		start, end, ok := nextVar(s, i)
		if !ok {
			b.WriteString(s[i:])
			break
		}
		b.WriteString(s[i:start])
		whole := s[start:end]
		v, found := r.variable(s[start+2:end-1], whole, p, depth)
		switch {
		case !found:
			b.WriteString(whole)
		case v == nil || v.Kind == app.NullNode:
			b.WriteString("null")
			changed = true
		case v.IsScalar():
			b.WriteString(v.Scalar)
			changed = true
		default:
			r.diag(p, app.SevError, "variable %s is a %s and cannot be part of a longer string", whole, shape(v))
			b.WriteString(whole)
		}
		if b.Len() > MaxVarString {
			r.limit(p, "variables grow a string past %d bytes", MaxVarString)
			return s, false
		}
		i = end
	}
	return b.String(), changed
}

func shape(v *app.Node) string {
	if v.IsList() {
		return "list"
	}
	return "map"
}

// nextVar finds the next framework variable ${source:...} or
// ${source(...)...} of s at or after i; CloudFormation's own ${Name} and
// ${AWS::Region} in Fn::Sub strings are not variables and are skipped.
// end is past the closing brace.
func nextVar(s string, i int) (start, end int, ok bool) {
	for {
		j := strings.Index(s[i:], "${")
		if j < 0 {
			return 0, 0, false
		}
		start = i + j
		end = closeVar(s, start+2)
		if end < 0 {
			return 0, 0, false
		}
		if isVarBody(s[start+2 : end-1]) {
			return start, end, true
		}
		i = start + 2
	}
}

// closeVar returns the index past the brace that closes a variable whose
// body starts at i, -1 when it is not closed. Nested variables and quoted
// strings are skipped.
func closeVar(s string, i int) int {
	depth := 1
	for ; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '"':
			if k := strings.IndexByte(s[i+1:], c); k >= 0 {
				i += k + 1
			}
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}

// isVarBody reports whether body starts with a source name followed by
// ':' (not '::', which is CloudFormation's AWS:: namespace) or '('.
func isVarBody(body string) bool {
	body = strings.TrimSpace(body)
	k := 0
	for k < len(body) && (isLetter(body[k]) || k > 0 && body[k] >= '0' && body[k] <= '9') {
		k++
	}
	if k == 0 || k == len(body) {
		return false
	}
	switch body[k] {
	case '(':
		return true
	case ':':
		return k+1 >= len(body) || body[k+1] != ':'
	}
	return false
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// splitTop splits s at the commas outside nested variables, parentheses
// and quotes, appending the parts to out.
func splitTop(out []string, s string) []string {
	depth, last := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '"':
			if k := strings.IndexByte(s[i+1:], c); k >= 0 {
				i += k + 1
			}
		case '{', '(':
			depth++
		case '}', ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[last:i])
				last = i + 1
			}
		}
	}
	return append(out, s[last:])
}

// variable resolves one variable body ("self:custom.x, 'default'"). found
// is false when it resolves to nothing and has no default; the variable is
// then kept as written.
func (r *resolver) variable(body, whole string, p app.Pos, depth int) (*app.Node, bool) {
	if r.failed {
		return nil, false
	}
	r.steps++
	if r.steps > MaxVarSteps {
		r.limit(p, "more than %d variable lookups; refusing to resolve further", MaxVarSteps)
		return nil, false
	}
	if depth > MaxVarDepth {
		r.limit(p, "variables nest more than %d deep", MaxVarDepth)
		return nil, false
	}
	var buf [4]string // a value and its defaults: no allocation
	parts := splitTop(buf[:0], body)
	v, state := r.lookup(strings.TrimSpace(parts[0]), whole, p, depth, len(parts) > 1)
	if state == found {
		return v, true
	}
	if state == symbolic {
		return &app.Node{Kind: app.StringNode, Scalar: v.Scalar, Pos: p}, true
	}
	if state == failed {
		return nil, false
	}
	for _, f := range parts[1:] {
		if v, ok := r.fallback(strings.TrimSpace(f), p, depth); ok {
			return v, true
		}
	}
	if len(parts) == 1 {
		r.diag(p, app.SevWarning, "variable %s cannot be resolved and has no default; kept as written", whole)
	} else {
		r.diag(p, app.SevWarning, "variable %s: neither the value nor any default resolves; kept as written", whole)
	}
	return nil, false
}

// fallback evaluates one default: a quoted string, a number, true, false,
// null, or another variable (with or without ${}).
func (r *resolver) fallback(f string, p app.Pos, depth int) (*app.Node, bool) {
	switch {
	case f == "":
		return nil, false
	case len(f) >= 2 && (f[0] == '\'' || f[0] == '"') && f[len(f)-1] == f[0]:
		text, ok := r.interpolate(f[1:len(f)-1], p, depth+1)
		if !ok {
			text = f[1 : len(f)-1]
		}
		return &app.Node{Kind: app.StringNode, Scalar: text, Pos: p}, true
	case f == "true" || f == "false":
		return &app.Node{Kind: app.BoolNode, Scalar: f, Pos: p}, true
	case f == "null":
		return &app.Node{Kind: app.NullNode, Pos: p}, true
	}
	if _, err := strconv.ParseFloat(f, 64); err == nil {
		return &app.Node{Kind: app.NumberNode, Scalar: f, Pos: p}, true
	}
	if strings.HasPrefix(f, "${") && strings.HasSuffix(f, "}") {
		f = f[2 : len(f)-1]
	}
	if !isVarBody(f) {
		// A bare word: the framework reads it as a string.
		return &app.Node{Kind: app.StringNode, Scalar: f, Pos: p}, true
	}
	// A variable default: resolved quietly, so that its own absence lets
	// the next default be tried.
	v, state := r.lookup(f, "${"+f+"}", p, depth+1, true)
	switch state {
	case found:
		return v, true
	case symbolic:
		return &app.Node{Kind: app.StringNode, Scalar: v.Scalar, Pos: p}, true
	}
	return nil, false
}

// lookup outcomes.
type outcome uint8

const (
	missing  outcome = iota // nothing there: try the defaults
	found                   // resolved
	symbolic                // needs AWS: kept as written, named
	failed                  // an error already reported
)

// lookup resolves "source:address" or "source(arg):address". quiet
// suppresses the diagnostics of a missing value (a default follows).
func (r *resolver) lookup(ref, whole string, p app.Pos, depth int, quiet bool) (*app.Node, outcome) {
	// Nested variables in the reference itself: ${self:custom.${sls:stage}}.
	if strings.Contains(ref, "${") {
		text, _ := r.interpolate(ref, p, depth+1)
		if strings.Contains(text, "${") {
			return nil, missing
		}
		ref = text
	}
	src, rest := ref, ""
	var arg string
	if k := strings.IndexAny(ref, ":("); k >= 0 {
		src = ref[:k]
		if ref[k] == '(' {
			closeAt := strings.LastIndexByte(ref, ')')
			if closeAt < k {
				r.diag(p, app.SevError, "variable %s: unclosed %s(", whole, src)
				return nil, failed
			}
			arg = strings.TrimSpace(ref[k+1 : closeAt])
			rest = strings.TrimPrefix(ref[closeAt+1:], ":")
		} else {
			rest = ref[k+1:]
		}
	}
	rest = strings.TrimSpace(rest)
	switch src {
	case "self":
		v, ok := r.path(r.root, rest, p, depth)
		return r.outcome(v, ok)
	case "opt":
		switch rest {
		case "stage":
			if r.in.Stage != "" {
				return app.Str(r.in.Stage, p), found
			}
		case "region":
			if r.in.Region != "" {
				return app.Str(r.in.Region, p), found
			}
		default:
			if v, ok := r.in.Options[rest]; ok {
				return app.Str(v, p), found
			}
		}
		return nil, missing
	case "sls":
		switch rest {
		case "stage":
			return app.Str(r.stage, p), found
		case "instanceId":
			return r.note(ref, p)
		}
		r.diag(p, app.SevWarning, "variable %s: the framework has no sls:%s", whole, rest)
		return nil, failed
	case "env":
		if r.in.Env != nil {
			if v, ok := r.in.Env(rest); ok {
				return app.Str(v, p), found
			}
		}
		return nil, missing
	case "param":
		if v, ok := r.in.Params[rest]; ok {
			return app.Str(v, p), found
		}
		for _, stage := range []string{r.stage, "default"} {
			if v := r.root.Path("params", stage, rest); v != nil {
				return r.outcome(r.value(v, depth+1), true)
			}
		}
		return nil, missing
	case "file":
		return r.fileVar(arg, rest, whole, p, depth, quiet)
	case "strToBool":
		switch strings.ToLower(strings.TrimSpace(arg)) {
		case "true", "1":
			return app.Bool(true, p), found
		case "false", "0", "null", "":
			return app.Bool(false, p), found
		}
		r.diag(p, app.SevError, "variable %s: %q is not a boolean (true, false, 1 or 0)", whole, arg)
		return nil, failed
	case "aws":
		switch rest {
		case "accountId":
			if r.in.Account != "" {
				return app.Str(r.in.Account, p), found
			}
		case "region":
			return app.Str(r.region, p), found
		}
		return r.note(ref, p)
	case "ssm", "cf", "s3":
		return r.note(ref, p)
	}
	r.diag(p, app.SevWarning, "variable %s: unknown source %q; kept as written", whole, src)
	return nil, failed
}

func (r *resolver) outcome(v *app.Node, ok bool) (*app.Node, outcome) {
	if !ok || v == nil || v.Kind == app.NullNode {
		return nil, missing
	}
	if v.Kind == app.StringNode && strings.HasPrefix(v.Scalar, "${") && !strings.Contains(v.Scalar[2:], "${") {
		if _, end, ok := nextVar(v.Scalar, 0); ok && end == len(v.Scalar) {
			// The value is itself a variable that stayed symbolic or did
			// not resolve: pass it on as written.
			return v, found
		}
	}
	if !v.IsScalar() {
		r.copied += r.size(v)
		if r.copied > MaxVarNodes {
			r.limit(v.Pos, "variables copy more than %d values; refusing a document that grows this much", MaxVarNodes)
			return nil, failed
		}
	}
	return v, found
}

// size counts the nodes of n, capped so that counting stays cheap.
func (r *resolver) size(n *app.Node) int {
	if n == nil {
		return 0
	}
	if s, ok := r.sizes[n]; ok {
		return s
	}
	s := 1
	for _, c := range n.List {
		s = min(s+r.size(c), MaxVarNodes+1)
	}
	for _, c := range n.Values {
		s = min(s+r.size(c), MaxVarNodes+1)
	}
	r.sizes[n] = s
	return s
}

// note records a variable that stays symbolic (it needs AWS, or is
// random), once per text, and returns it as written with its nested
// variables resolved.
func (r *resolver) note(ref string, p app.Pos) (*app.Node, outcome) {
	whole := "${" + ref + "}"
	if _, ok := r.symbolic[whole]; !ok {
		r.symbolic[whole] = p
	}
	return app.Str(whole, p), symbolic
}

// path follows a dotted address ("custom.tables.orders", "list.0",
// "list[0]") from n, resolving each step, so that a step that is itself a
// variable is followed too.
func (r *resolver) path(n *app.Node, addr string, p app.Pos, depth int) (*app.Node, bool) {
	// Containers on the way are walked as written, not resolved whole: a
	// reference into the map being resolved (custom.b: ${self:custom.a})
	// is not a cycle. Only a step that is itself a variable is resolved.
	n = r.step(n, depth)
	addr = indexReplacer.Replace(addr)
	for _, k := range strings.Split(addr, ".") {
		if k == "" {
			continue
		}
		var next *app.Node
		switch {
		case n.IsMap():
			next = n.Get(k)
		case n.IsList():
			if i, err := strconv.Atoi(k); err == nil && i >= 0 && i < len(n.List) {
				next = n.List[i]
			}
		}
		if next == nil {
			return nil, false
		}
		n = r.step(next, depth)
		if r.failed {
			return nil, false
		}
	}
	if n == nil {
		return nil, false
	}
	if n.Kind == app.StringNode {
		// Already resolved by step.
		return n, true
	}
	return r.value(n, depth+1), true
}

func (r *resolver) step(n *app.Node, depth int) *app.Node {
	if n != nil && n.Kind == app.StringNode {
		return r.value(n, depth+1)
	}
	return n
}

// fileVar resolves ${file(./x.yml):address}. The file's own variables are
// resolved in the service's context, as the framework does.
func (r *resolver) fileVar(arg, addr, whole string, p app.Pos, depth int, quiet bool) (*app.Node, outcome) {
	name := strings.Trim(arg, `'" `)
	if name == "" {
		r.diag(p, app.SevError, "variable %s: file() needs a path", whole)
		return nil, failed
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".js", ".cjs", ".mjs", ".ts":
		r.diag(p, app.SevWarning, "variable %s: JavaScript files are not run; kept as written (run `serverless print` to resolve it)", whole)
		return nil, failed
	}
	full := name
	if !filepath.IsAbs(full) {
		full = filepath.Join(filepath.Dir(r.file), filepath.FromSlash(name))
	}
	doc, ok := r.files[full]
	if !ok {
		doc = r.readFile(full, name, whole, p, quiet)
		r.files[full] = doc
	}
	if doc == nil {
		if quiet {
			return nil, missing
		}
		return nil, failed
	}
	v, ok := r.path(doc, addr, p, depth)
	return r.outcome(v, ok)
}

func (r *resolver) readFile(full, name, whole string, p app.Pos, quiet bool) *app.Node {
	if r.in.ReadFile == nil {
		if !quiet {
			r.diag(p, app.SevError, "variable %s: cannot read %s", whole, name)
		}
		return nil
	}
	data, err := r.in.ReadFile(full)
	if err != nil {
		if !quiet {
			r.diag(p, app.SevError, "variable %s: cannot read %s: %v", whole, name, unwrapPath(err))
		}
		return nil
	}
	if len(data) == 0 {
		return nil
	}
	doc, diags, err := cfn.ParseDocument(full, data)
	r.diags = append(r.diags, diags...)
	if err != nil {
		d, ok := err.(app.Diag)
		if !ok {
			d = app.Diag{Pos: app.Pos{File: full}, Severity: app.SevError, Message: err.Error()}
		}
		r.diags = append(r.diags, d)
		r.diag(p, app.SevError, "variable %s: %s does not parse", whole, name)
		return nil
	}
	return doc
}

// unwrapPath drops the path from an *os.PathError: the diagnostic names it.
func unwrapPath(err error) error {
	type unwrapper interface{ Unwrap() error }
	if u, ok := err.(unwrapper); ok && u.Unwrap() != nil {
		return u.Unwrap()
	}
	return err
}

// symbolicVars lists the variables that need AWS, in order of position.
func (r *resolver) symbolicVars() []string {
	out := make([]string, 0, len(r.symbolic))
	for k := range r.symbolic {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := r.symbolic[out[i]], r.symbolic[out[j]]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return out[i] < out[j]
	})
	return out
}
