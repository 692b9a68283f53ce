package rules

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// Limits that keep loop finding linear-ish on odd graphs: a graph with
// thousands of elementary cycles is reported in part rather than hanging
// the audit.
const (
	maxLoops     = 100
	maxLoopSteps = 200000
)

func eventLoopRule() *Rule {
	return &Rule{
		ID:       "event-loop",
		Title:    "Function can trigger itself through other services",
		Severity: app.SevError,
		Category: CategoryReliability,
		Description: "A function that writes to the bucket, queue, topic, event bus, stream or table that " +
			"triggers it (directly, or through other functions and state machines, over any number of " +
			"hops) can run in a loop that bills until someone notices. Lambda's recursive loop detection " +
			"stops loops through SQS, SNS, S3 and Lambda after about 16 rounds, and only with recent SDKs; " +
			"loops through DynamoDB streams, Kinesis, EventBridge or Step Functions are never stopped.\n\n" +
			"fnops finds every elementary cycle of the \"can cause an invocation of\" relation and reports " +
			"each once, on the function whose write closes it, with the whole path. An S3 hop counts only " +
			"when the write can match the notification: the granted key pattern (`bucket/thumbnails/*`) " +
			"against the trigger's prefix and suffix, and the granted actions against its events; a grant " +
			"on the whole bucket always matches. A subscription filter policy or a mapping's filter " +
			"criteria on the path is taken as the guard AWS recommends, since what the code publishes " +
			"cannot be read; an EventBridge rule whose `source` is only `aws.*` cannot match events a " +
			"function puts, nor one whose sources the function's `events:PutEvents` grant excludes by an " +
			"`events:source` condition. The account's default event bus counts though no template declares " +
			"it: rules that name no bus listen on it. Grants on `*` are not followed. A function writes its logs to its log group, so " +
			"a log subscription that feeds that group back to it is a loop too (its filter pattern is no " +
			"guard: a failing shipper logs the very errors it ships).\n\n" +
			"`RecursiveLoop: Allow` turns Lambda's loop detection off: it is an error on a function in a " +
			"loop, and a warning on its own (suppress it with the reason when the recursion is intended).",
		Remediation: "Break the loop: write to another bucket, queue or topic than the one that triggers the " +
			"function, or filter the trigger on a prefix, suffix or attribute the function never writes; keep " +
			"`RecursiveLoop: Terminate`, and cap the function with reserved concurrency.",
		Fail: `Transform: AWS::Serverless-2016-10-31
Resources:
  Images:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: images-bucket
  Thumbnail:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      Policies:
        - S3CrudPolicy:
            BucketName: images-bucket
      Events:
        Uploaded:
          Type: S3
          Properties:
            Bucket: !Ref Images
            Events: s3:ObjectCreated:*
            Filter:
              S3Key:
                Rules:
                  - Name: suffix
                    Value: .jpg
`,
		Pass: `Transform: AWS::Serverless-2016-10-31
Resources:
  Images:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: images-bucket
  Thumbnail:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs22.x
      Handler: index.handler
      Policies:
        - Statement:
            - Effect: Allow
              Action: s3:PutObject
              Resource: arn:aws:s3:::images-bucket/thumbnails/*
      Events:
        Uploaded:
          Type: S3
          Properties:
            Bucket: !Ref Images
            Events: s3:ObjectCreated:*
            Filter:
              S3Key:
                Rules:
                  - Name: prefix
                    Value: uploads/
`,
		Check: checkLoops,
	}
}

// loopGraph is the "can cause an invocation of" relation over the graph's
// resources, functions first so that every cycle through a function is
// found from its first function.
type loopGraph struct {
	c      *Context
	nodes  []*app.Resource
	index  map[string]int
	nFuncs int
	adj    [][]int
	edges  map[[2]int][]app.Edge
}

func newLoopGraph(c *Context) *loopGraph {
	lg := &loopGraph{c: c, index: map[string]int{}, edges: map[[2]int][]app.Edge{}}
	rs := c.Resources()
	for _, r := range rs {
		if r.Kind == app.KindFunction {
			lg.index[r.ID] = len(lg.nodes)
			lg.nodes = append(lg.nodes, r)
		}
	}
	lg.nFuncs = len(lg.nodes)
	for _, r := range rs {
		if r.Kind != app.KindFunction {
			lg.index[r.ID] = len(lg.nodes)
			lg.nodes = append(lg.nodes, r)
		}
	}
	lg.adj = make([][]int, len(lg.nodes))
	for _, e := range c.Graph.Edges {
		u, ok1 := lg.index[e.From]
		v, ok2 := lg.index[e.To]
		if !ok1 || !ok2 || !lg.causes(lg.nodes[u], lg.nodes[v], e) {
			continue
		}
		k := [2]int{u, v}
		if _, seen := lg.edges[k]; !seen {
			lg.adj[u] = append(lg.adj[u], v)
		}
		lg.edges[k] = append(lg.edges[k], e)
	}
	lg.logEdges(rs)
	lg.defaultBus()
	for u := range lg.adj {
		slices.Sort(lg.adj[u])
	}
	return lg
}

// logEdges adds what the graph leaves implicit: every function writes its
// logs to its log group, which a subscription filter may feed back to it.
func (lg *loopGraph) logEdges(rs []*app.Resource) {
	groups := map[string]*app.Resource{}
	for _, r := range rs {
		if r.Kind == app.KindLogGroup && r.Name != "" {
			groups[r.Name] = r
		}
	}
	for u := 0; u < lg.nFuncs; u++ {
		fn := lg.nodes[u]
		n := fn.Attr(app.AttrLogGroupName)
		var lgr *app.Resource
		if name, arg, ok := n.Intrinsic(); ok && (name == "Ref" || name == "Fn::GetAtt") {
			id := arg.Text()
			if arg.IsList() && len(arg.List) > 0 {
				id = arg.List[0].Text()
			}
			lgr = lg.c.Graph.Resource(id)
		} else if s := n.Text(); s != "" {
			lgr = groups[s]
		}
		if lgr == nil || lgr.Kind != app.KindLogGroup {
			continue
		}
		v, ok := lg.index[lgr.ID]
		if !ok || len(lg.c.Out(lgr, app.Triggers)) == 0 {
			continue
		}
		lg.add(u, v, app.Edge{From: fn.ID, To: lgr.ID, Kind: app.Writes, Via: "logs",
			Pos: posOr(n, fn.Pos), Detail: map[string]string{"actions": "logs:PutLogEvents"}})
	}
}

// add records edge e from node u to node v.
func (lg *loopGraph) add(u, v int, e app.Edge) {
	k := [2]int{u, v}
	if _, seen := lg.edges[k]; !seen {
		lg.adj[u] = append(lg.adj[u], v)
	}
	lg.edges[k] = append(lg.edges[k], e)
}

// defaultBusID names the account's default event bus in loop paths; it is
// no resource of the graph.
const defaultBusID = "the default event bus"

// defaultBus adds the account's default event bus, which templates use
// without declaring it: functions and state machines granted
// events:PutEvents on it write to it, and rules that name no bus listen
// on it.
func (lg *loopGraph) defaultBus() {
	var rules []int
	for i, r := range lg.nodes {
		if r.Kind == app.KindRule && onDefaultBus(r) && patternOf(r) != nil && !awsOnlySource(r) &&
			len(lg.c.In(r, app.Routes)) == 0 && len(lg.c.Out(r, app.Triggers)) > 0 {
			rules = append(rules, i)
		}
	}
	if len(rules) == 0 {
		return
	}
	bus := &app.Resource{ID: defaultBusID, Kind: app.KindEventBus, Name: "default"}
	b := -1
	for u, r := range lg.nodes {
		if r.Kind != app.KindFunction && r.Kind != app.KindStateMachine {
			continue
		}
		stmts, _ := roleStatements(lg.c, r)
		for _, st := range stmts {
			if !allows(st, "events:PutEvents") || !grantsDefaultBus(st) {
				continue
			}
			if b < 0 {
				b = len(lg.nodes)
				lg.nodes = append(lg.nodes, bus)
				lg.index[bus.ID] = b
				lg.adj = append(lg.adj, nil)
			}
			lg.add(u, b, app.Edge{From: r.ID, To: bus.ID, Kind: app.Writes, Via: "iam:events:PutEvents", Pos: st.Pos,
				Detail: map[string]string{"actions": "events:PutEvents"}})
			break
		}
	}
	if b < 0 {
		return
	}
	for _, i := range rules {
		r := lg.nodes[i]
		lg.add(b, i, app.Edge{From: bus.ID, To: r.ID, Kind: app.Routes, Via: r.ID, Pos: r.Pos})
	}
}

// onDefaultBus reports whether an EventBridge rule listens on the
// account's default bus: it names no bus, or names "default".
func onDefaultBus(rule *app.Resource) bool {
	n := rule.Props.Get("EventBusName")
	return n == nil || n.Text() == "default"
}

// patternOf returns a rule's event pattern, nil for a schedule.
func patternOf(rule *app.Resource) *app.Node {
	if p := rule.Attr(app.AttrEventPattern); p != nil {
		return p
	}
	return rule.Props.Get("EventPattern")
}

// grantsDefaultBus reports whether a statement names the default event
// bus among its resources (a grant on "*" is not followed).
func grantsDefaultBus(s app.Statement) bool {
	for _, r := range s.Resources {
		if p, ok := pattern(r); ok && strings.HasSuffix(p, ":event-bus/default") {
			return true
		}
	}
	return false
}

// causes reports whether events flowing along e from u can lead to an
// invocation at v.
func (lg *loopGraph) causes(u, v *app.Resource, e app.Edge) bool {
	switch e.Kind {
	case app.Triggers:
		if esm := lg.c.Graph.Resource(e.Via); esm != nil && esm.Kind == app.KindEventSourceMapping &&
			(esm.Attr(app.AttrFilter) != nil || esm.Props.Get("FilterCriteria") != nil) {
			return false
		}
		return true
	case app.Invokes:
		return true
	case app.Subscribes:
		return e.Detail["filter_policy"] == ""
	case app.Routes:
		return u.Kind != app.KindEventBus || !awsOnlySource(v)
	case app.Writes:
		return e.Detail["wildcard"] != "true"
	case app.OnSuccess, app.OnFailure, app.DeadLetter:
		return u.Kind == app.KindFunction
	}
	return false
}

// awsOnlySource reports whether an EventBridge rule's pattern matches only
// events from AWS services ("aws.*" sources), which PutEvents refuses.
func awsOnlySource(rule *app.Resource) bool {
	p := patternOf(rule)
	if s, ok := p.String(); ok { // a JSON string
		var m map[string]any
		if json.Unmarshal([]byte(s), &m) != nil {
			return false
		}
		src, _ := m["source"].([]any)
		if len(src) == 0 {
			return false
		}
		for _, x := range src {
			if s, ok := x.(string); !ok || !strings.HasPrefix(s, "aws.") {
				return false
			}
		}
		return true
	}
	src := p.Get("source")
	if src.Len() == 0 && !src.IsScalar() {
		return false
	}
	for _, it := range src.Items() {
		if s, ok := it.String(); !ok || !strings.HasPrefix(s, "aws.") {
			return false
		}
	}
	return true
}

// loop is one elementary cycle: node indexes starting at its first
// function.
type loop struct {
	nodes []int
}

// cycles enumerates the elementary cycles through functions. Each is
// found once, from its first function (the lowest index), searching only
// inside that function's strongly connected component.
func (lg *loopGraph) cycles() []loop {
	var out []loop
	steps := 0
	comp := lg.components()
	size := make(map[int]int)
	for _, c := range comp {
		size[c]++
	}
	onPath := make([]bool, len(lg.nodes))
	for s := 0; s < lg.nFuncs && len(out) < maxLoops; s++ {
		if size[comp[s]] == 1 && !slices.Contains(lg.adj[s], s) {
			continue // on no cycle
		}
		path := []int{s}
		onPath[s] = true
		var dfs func(u int)
		dfs = func(u int) {
			for _, v := range lg.adj[u] {
				if v < s || comp[v] != comp[s] || len(out) >= maxLoops || steps > maxLoopSteps {
					continue
				}
				steps++
				if len(path) > 1 && !lg.passes(path[len(path)-2], u, v) {
					continue
				}
				if v == s {
					out = append(out, loop{nodes: slices.Clone(path)})
					continue
				}
				if onPath[v] {
					continue
				}
				onPath[v] = true
				path = append(path, v)
				dfs(v)
				path = path[:len(path)-1]
				onPath[v] = false
			}
		}
		dfs(s)
		onPath[s] = false
	}
	return out
}

// components labels each node with its strongly connected component
// (Tarjan's algorithm, iterative so deep chains cannot overflow the
// stack).
func (lg *loopGraph) components() []int {
	n := len(lg.nodes)
	index := make([]int, n)
	low := make([]int, n)
	comp := make([]int, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i], comp[i] = -1, -1
	}
	var stack []int
	next, ncomp := 0, 0
	type frame struct{ v, i int }
	for root := range n {
		if index[root] >= 0 {
			continue
		}
		call := []frame{{root, 0}}
		index[root], low[root] = next, next
		next++
		stack = append(stack, root)
		onStack[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			if f.i < len(lg.adj[f.v]) {
				w := lg.adj[f.v][f.i]
				f.i++
				switch {
				case index[w] < 0:
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					call = append(call, frame{w, 0})
				case onStack[w]:
					low[f.v] = min(low[f.v], index[w])
				}
				continue
			}
			v := f.v
			call = call[:len(call)-1]
			if len(call) > 0 {
				p := call[len(call)-1].v
				low[p] = min(low[p], low[v])
			}
			if low[v] == index[v] {
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp[w] = ncomp
					if w == v {
						break
					}
				}
				ncomp++
			}
		}
	}
	return comp
}

// passes reports whether what p sends into u can go on to v: for a
// bucket, whether a written key and action can fire the notification;
// for an event bus, whether the sources the writer may put can match
// the rule's pattern. Other resources pass everything on.
func (lg *loopGraph) passes(p, u, v int) bool {
	switch lg.nodes[u].Kind {
	case app.KindBucket:
		_, _, ok := lg.bucketPair(p, u, v)
		return ok
	case app.KindEventBus:
		return lg.busPasses(p, u, v)
	}
	return true
}

// busPasses reports whether events writer p may put on a bus can match
// rule r's pattern: false only when every grant of events:PutEvents
// limits events:source by condition and none of those sources is one the
// pattern accepts.
func (lg *loopGraph) busPasses(p, bus, r int) bool {
	want := patternSources(lg.nodes[r])
	if want == nil {
		return true
	}
	// Only grants say what may be put; an environment variable alone
	// says nothing about sources.
	granted := false
	for _, in := range lg.edges[[2]int{p, bus}] {
		granted = granted || strings.HasPrefix(in.Via, "iam:")
	}
	if !granted {
		return true
	}
	stmts, _ := roleStatements(lg.c, lg.nodes[p])
	for _, s := range stmts {
		if !allows(s, "events:PutEvents") {
			continue
		}
		allowed := conditionValues(s.Condition, "events:source")
		if allowed == nil {
			return true
		}
		for _, a := range allowed {
			for _, w := range want {
				if wildcard(a, w) {
					return true
				}
			}
		}
	}
	return false
}

// patternSources returns the exact `source` values of an EventBridge
// rule's pattern; nil when the pattern accepts any source or uses
// content filters (prefix, anything-but ...) that cannot be listed.
func patternSources(rule *app.Resource) []string {
	p := patternOf(rule)
	var src []any
	if s, ok := p.String(); ok {
		var m map[string]any
		if json.Unmarshal([]byte(s), &m) != nil {
			return nil
		}
		src, _ = m["source"].([]any)
	} else if n := p.Get("source"); n != nil {
		for _, it := range n.Items() {
			if s, ok := it.String(); ok {
				src = append(src, s)
			} else {
				return nil
			}
		}
	}
	var out []string
	for _, x := range src {
		s, ok := x.(string)
		if !ok {
			return nil
		}
		out = append(out, s)
	}
	return out
}

// conditionValues returns the values a statement's condition allows for
// key under a string-matching operator; nil when the key is not
// constrained.
func conditionValues(cond *app.Node, key string) []string {
	if !cond.IsMap() {
		return nil
	}
	var out []string
	found := false
	for i, op := range cond.Keys {
		base := op[strings.LastIndexByte(op, ':')+1:]
		if base != "StringEquals" && base != "StringLike" {
			continue
		}
		vals := cond.Values[i]
		if !vals.IsMap() {
			continue
		}
		for j, k := range vals.Keys {
			if strings.EqualFold(k, key) {
				found = true
				out = append(out, vals.Values[j].Strings()...)
			}
		}
	}
	if !found {
		return nil
	}
	return out
}

// bucketPair returns a write edge p→b and a trigger edge b→n that overlap.
func (lg *loopGraph) bucketPair(p, b, n int) (app.Edge, app.Edge, bool) {
	ins, outs := lg.edges[[2]int{p, b}], lg.edges[[2]int{b, n}]
	// Prefer IAM grants, which say which keys and actions; environment
	// variables say only that the function is told about the bucket.
	slices.SortStableFunc(ins, func(x, y app.Edge) int {
		return boolRank(strings.HasPrefix(y.Via, "iam:")) - boolRank(strings.HasPrefix(x.Via, "iam:"))
	})
	for _, in := range ins {
		for _, out := range outs {
			if lg.overlaps(lg.nodes[p], lg.nodes[b], in, out) {
				return in, out, true
			}
		}
	}
	return app.Edge{}, app.Edge{}, false
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// overlaps reports whether the write in (by writer into bucket) can cause
// the notification out.
func (lg *loopGraph) overlaps(writer, bucket *app.Resource, in, out app.Edge) bool {
	if in.Kind != app.Writes || out.Kind != app.Triggers {
		return true
	}
	var actions []string
	if a := in.Detail["actions"]; a != "" {
		actions = strings.Split(a, ",")
	}
	if len(actions) > 0 && !eventsCausedBy(out.Detail["events"], actions) {
		return false
	}
	filter := globEscape(out.Detail["prefix"]) + "*" + globEscape(out.Detail["suffix"])
	for _, key := range lg.writeKeys(writer, bucket, in, actions) {
		if globsIntersect(key, filter) {
			return true
		}
	}
	return false
}

// s3EventActions maps S3 notification event types to the actions that
// cause them.
var s3EventActions = []struct {
	event   string
	actions []string
}{
	{"s3:ObjectCreated", []string{"s3:PutObject"}},
	{"s3:ObjectRemoved", []string{"s3:DeleteObject", "s3:DeleteObjectVersion"}},
	{"s3:ObjectTagging", []string{"s3:PutObjectTagging", "s3:DeleteObjectTagging"}},
	{"s3:ObjectAcl", []string{"s3:PutObjectAcl"}},
	{"s3:ObjectRestore", []string{"s3:RestoreObject"}},
}

// eventsCausedBy reports whether any of the granted actions causes one of
// the notification's events (a comma-separated list; empty is unknown).
func eventsCausedBy(events string, actions []string) bool {
	if strings.TrimSpace(events) == "" {
		return true
	}
	for _, ev := range strings.Split(events, ",") {
		ev = strings.TrimSpace(ev)
		for _, ea := range s3EventActions {
			if !strings.HasPrefix(ev, ea.event) && !wildcard(ev, ea.event+":Any") {
				continue
			}
			for _, want := range ea.actions {
				for _, a := range actions {
					if actionMatches(a, want) {
						return true
					}
				}
			}
		}
	}
	return false
}

// writeKeys returns the object-key globs writer may write in bucket
// through the grant behind edge in; ["*"] when they cannot be told.
func (lg *loopGraph) writeKeys(writer, bucket *app.Resource, in app.Edge, actions []string) []string {
	if !strings.HasPrefix(in.Via, "iam:") {
		return []string{"*"}
	}
	stmts, _ := roleStatements(lg.c, writer)
	var keys []string
	for _, s := range stmts {
		if !allows(s, actions...) {
			continue
		}
		for _, r := range s.Resources {
			yes, known := refersTo(r, bucket.ID)
			if known && !yes {
				continue
			}
			p, ok := pattern(r)
			if !ok {
				keys = append(keys, "*")
				continue
			}
			if p == "*" {
				keys = append(keys, "*")
				continue
			}
			rest, isS3 := cutS3(p)
			if !isS3 {
				continue
			}
			bkt, key, hasKey := strings.Cut(rest, "/")
			if !hasKey {
				continue // the bucket itself: no object is written through it
			}
			if !yes && !bucketMayBe(bkt, bucket) {
				continue
			}
			keys = append(keys, key)
		}
	}
	if len(keys) == 0 {
		return []string{"*"}
	}
	return keys
}

// cutS3 returns what follows "arn:<partition>:s3:::" in an ARN glob.
func cutS3(p string) (string, bool) {
	parts := strings.SplitN(p, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" || (parts[2] != "s3" && parts[2] != "*") {
		return "", false
	}
	return parts[5], true
}

// bucketMayBe reports whether the bucket-name glob g can name bucket.
func bucketMayBe(g string, bucket *app.Resource) bool {
	switch {
	case bucket.Name == "":
		return true // a generated name: anything with a wildcard may match it
	case strings.Contains(bucket.Name, "${"):
		return globsIntersect(g, subWildcards(bucket.Name, nil))
	}
	return wildcard(g, bucket.Name)
}

// globEscape makes literal text safe to use in a glob (S3 filters are
// literal).
func globEscape(s string) string {
	return strings.NewReplacer("*", "?", "?", "?").Replace(s)
}

// globsIntersect reports whether some string matches both globs, where
// "*" is any run of characters and "?" any one.
func globsIntersect(a, b string) bool {
	type key struct{ i, j int }
	memo := map[key]bool{}
	var f func(i, j int) bool
	f = func(i, j int) bool {
		k := key{i, j}
		if v, ok := memo[k]; ok {
			return v
		}
		memo[k] = false
		var r bool
		switch {
		case i == len(a) && j == len(b):
			r = true
		case i < len(a) && a[i] == '*':
			r = f(i+1, j) || (j < len(b) && f(i, j+1))
		case j < len(b) && b[j] == '*':
			r = f(i, j+1) || (i < len(a) && f(i+1, j))
		case i == len(a) || j == len(b):
			r = false
		default:
			r = (a[i] == b[j] || a[i] == '?' || b[j] == '?') && f(i+1, j+1)
		}
		memo[k] = r
		return r
	}
	return f(0, 0)
}

// loopServicesUndetected are the kinds Lambda's recursive loop detection
// does not follow.
var loopServicesUndetected = map[app.Kind]string{
	app.KindTable:        "DynamoDB streams",
	app.KindStream:       "Kinesis",
	app.KindEventBus:     "EventBridge",
	app.KindRule:         "EventBridge",
	app.KindStateMachine: "Step Functions",
	app.KindLogGroup:     "CloudWatch Logs",
}

func checkLoops(c *Context) {
	lg := newLoopGraph(c)
	loops := lg.cycles()
	inLoop := map[string]loop{}
	for _, l := range loops {
		fn := lg.nodes[l.nodes[0]]
		path, first := lg.describe(l)
		for _, i := range l.nodes {
			if r := lg.nodes[i]; r.Kind == app.KindFunction {
				if _, seen := inLoop[r.ID]; !seen {
					inLoop[r.ID] = l
				}
			}
		}
		var undetected []string
		for _, i := range l.nodes {
			if s, ok := loopServicesUndetected[lg.nodes[i].Kind]; ok && !slices.Contains(undetected, s) {
				undetected = append(undetected, s)
			}
		}
		stop := "Lambda stops it only after about 16 rounds, and only where it can trace the chain"
		if len(undetected) > 0 {
			stop = "Lambda's loop detection does not follow " + strings.Join(undetected, " or ") + ", so nothing stops it"
		}
		var related []string
		for _, r := range lg.resources(l)[1:] {
			related = append(related, r.ID)
		}
		c.Report(Issue{
			Resource: fn,
			Pos:      first.Pos,
			Related:  related,
			Message:  fmt.Sprintf("function %s can trigger itself: %s; %s", fn.ID, path, stop),
		})
	}
	for _, fn := range c.Resources(app.KindFunction) {
		n := fn.Attr(app.AttrRecursiveLoop)
		if n == nil {
			n = fn.Props.Get("RecursiveLoop")
		}
		if IsDefault(n) || !strings.EqualFold(n.Text(), "Allow") {
			continue
		}
		if l, ok := inLoop[fn.ID]; ok {
			path, _ := lg.describe(l)
			c.Report(Issue{
				Resource: fn,
				At:       n,
				Related:  resourceIDs(lg.resources(l)...),
				Message:  fmt.Sprintf("RecursiveLoop: Allow turns off Lambda's loop detection for %s, which is in a loop: %s", fn.ID, path),
			})
			continue
		}
		reportMilder(c, Issue{
			Resource: fn,
			At:       n,
			Message: fmt.Sprintf("RecursiveLoop: Allow turns off Lambda's loop detection for %s: no loop is wired in the "+
				"template, but its code may build one (suppress with the reason if the recursion is intended)", fn.ID),
		})
	}
}

// resources returns the graph resources of a loop, in order (the default
// event bus, which is none, left out).
func (lg *loopGraph) resources(l loop) []*app.Resource {
	var out []*app.Resource
	for _, i := range l.nodes {
		if r := lg.nodes[i]; r.ID != defaultBusID {
			out = append(out, r)
		}
	}
	return out
}

// describe renders a loop as "A writes to B (...) → B triggers A (...)"
// and returns the first hop's edge, where the loop's first function acts.
func (lg *loopGraph) describe(l loop) (string, app.Edge) {
	var parts []string
	var first app.Edge
	n := len(l.nodes)
	for k := 0; k < n; k++ {
		u, v := l.nodes[k], l.nodes[(k+1)%n]
		var e app.Edge
		switch {
		case lg.nodes[v].Kind == app.KindBucket:
			e, _, _ = lg.bucketPair(u, v, l.nodes[(k+2)%n])
		case lg.nodes[u].Kind == app.KindBucket:
			_, e, _ = lg.bucketPair(l.nodes[(k-1+n)%n], u, v)
		}
		if e.From == "" {
			es := lg.edges[[2]int{u, v}]
			e = es[0]
			for _, x := range es {
				if strings.HasPrefix(x.Via, "iam:") || len(x.Detail) > len(e.Detail) {
					e = x
					break
				}
			}
		}
		if k == 0 {
			first = e
		}
		text := lg.hopText(e)
		if to := lg.nodes[v]; to.Kind == app.KindBucket && e.Kind == app.Writes && strings.HasPrefix(e.Via, "iam:") {
			var actions []string
			if a := e.Detail["actions"]; a != "" {
				actions = strings.Split(a, ",")
			}
			keys := lg.writeKeys(lg.nodes[u], to, e, actions)
			slices.Sort(keys)
			keys = slices.Compact(keys)
			if slices.Contains(keys, "*") {
				text += " on any key"
			} else {
				text += " on keys " + strings.Join(keys, ", ")
			}
		}
		parts = append(parts, text)
	}
	return strings.Join(parts, " → "), first
}

// hopText says what one edge of a loop does.
func (lg *loopGraph) hopText(e app.Edge) string {
	from, to := lg.nodes[lg.index[e.From]], lg.nodes[lg.index[e.To]]
	verb := map[app.EdgeKind]string{
		app.Triggers: "triggers", app.Invokes: "invokes", app.Subscribes: "delivers to",
		app.Routes: "routes to", app.Writes: "writes to", app.OnSuccess: "sends results to",
		app.OnFailure: "sends failures to", app.DeadLetter: "sends dead letters to",
	}[e.Kind]
	var detail []string
	switch {
	case e.Detail["actions"] != "":
		detail = append(detail, strings.ReplaceAll(e.Detail["actions"], ",", ", "))
	case strings.HasPrefix(e.Via, "env:"):
		detail = append(detail, "environment variable "+strings.TrimPrefix(e.Via, "env:"))
	}
	if e.Via == "logs" {
		return fmt.Sprintf("%s logs to %s", from.ID, to.ID)
	}
	if ev := e.Detail["events"]; ev != "" {
		detail = append(detail, ev)
	}
	if p := e.Detail["prefix"]; p != "" {
		detail = append(detail, "prefix "+p)
	}
	if s := e.Detail["suffix"]; s != "" {
		detail = append(detail, "suffix "+s)
	}
	if e.Kind == app.Triggers && e.Detail["source_type"] != "" {
		detail = append(detail, e.Detail["source_type"]+" mapping")
	}
	text := fmt.Sprintf("%s %s %s", from.ID, verb, to.ID)
	if len(detail) > 0 {
		text += " (" + strings.Join(detail, "; ") + ")"
	}
	return text
}
