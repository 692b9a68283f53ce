package rules

import (
	"fmt"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/app"
)

func TestGlobsIntersect(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{"*", "uploads/*.jpg", true},
		{"thumbnails/*", "uploads/*", false},
		{"thumbnails/*", "*.jpg", true},
		{"thumbnails/*.png", "*.jpg", false},
		{"thumbnails/*", "thumb*", true},
		{"a?c", "abc", true},
		{"a?c", "ab", false},
		{"", "*", true},
		{"", "x*", false},
		{"x*y*z", "*q*", true},
		{"x", "y", false},
	}
	for _, c := range cases {
		if got := globsIntersect(c.a, c.b); got != c.want {
			t.Errorf("globsIntersect(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := globsIntersect(c.b, c.a); got != c.want {
			t.Errorf("globsIntersect(%q, %q) = %v, want %v", c.b, c.a, got, c.want)
		}
	}
}

func TestEventsCausedBy(t *testing.T) {
	cases := []struct {
		events  string
		actions []string
		want    bool
	}{
		{"s3:ObjectCreated:*", []string{"s3:PutObject"}, true},
		{"s3:ObjectCreated:Put", []string{"s3:*"}, true},
		{"s3:ObjectCreated:*", []string{"s3:DeleteObject"}, false},
		{"s3:ObjectRemoved:*", []string{"s3:DeleteObject"}, true},
		{"s3:ObjectCreated:*,s3:ObjectRemoved:*", []string{"s3:DeleteObject"}, true},
		{"s3:Replication:*", []string{"s3:PutObject"}, false},
		{"", []string{"s3:GetObject"}, true},
		{"s3:*", []string{"s3:Put*"}, true},
	}
	for _, c := range cases {
		if got := eventsCausedBy(c.events, c.actions); got != c.want {
			t.Errorf("eventsCausedBy(%q, %v) = %v, want %v", c.events, c.actions, got, c.want)
		}
	}
}

// TestFlowOddShapes runs every flow rule over a graph of odd shapes
// (edges to missing resources, unresolved values, nil props, a function
// invoking itself) and checks none panics and the self-invocation loop
// is found.
func TestFlowOddShapes(t *testing.T) {
	p := app.Pos{File: "t.yaml", Line: 1}
	unresolved := &app.Node{Kind: app.MapNode, Keys: []string{"Ref"}, Values: []*app.Node{app.Str("Param", p)}}
	g := app.New()
	fn := &app.Resource{ID: "Fn", Kind: app.KindFunction, Pos: p}
	fn.SetAttr(app.AttrTimeout, unresolved)
	fn.SetAttr(app.AttrRecursiveLoop, unresolved)
	g.Add(fn)
	q := &app.Resource{ID: "Q", Kind: app.KindQueue, Pos: p}
	q.SetAttr(app.AttrVisibilityTimeout, unresolved)
	q.SetAttr(app.AttrMaxReceiveCount, unresolved)
	g.Add(q)
	esm := &app.Resource{ID: "M", Kind: app.KindEventSourceMapping, Pos: p}
	esm.SetAttr(app.AttrSource, app.Str("Q", p))
	esm.SetAttr(app.AttrFunction, app.Str("Fn", p))
	esm.SetAttr(app.AttrBatchSize, unresolved)
	g.Add(esm)
	esm2 := &app.Resource{ID: "M2", Kind: app.KindEventSourceMapping, Pos: p}
	esm2.SetAttr(app.AttrSource, app.Str("arn:aws:kinesis:eu-west-1:1:stream/x", p))
	esm2.SetAttr(app.AttrFunction, app.Str("Missing", p))
	g.Add(esm2)
	sm := &app.Resource{ID: "SM", Kind: app.KindStateMachine, Pos: p}
	g.Add(sm)
	tbl := &app.Resource{ID: "T", Kind: app.KindTable, Pos: p}
	tbl.SetAttr(app.AttrWriteCapacity, unresolved)
	g.Add(tbl)
	g.Add(&app.Resource{ID: "B", Kind: app.KindBucket, Pos: p})
	g.Connect(app.Edge{From: "Q", To: "Fn", Kind: app.Triggers, Via: "M"})
	g.Connect(app.Edge{From: "Fn", To: "Fn", Kind: app.Invokes, Via: "iam:lambda:InvokeFunction"})
	g.Connect(app.Edge{From: "Fn", To: "Nowhere", Kind: app.Writes, Via: "iam:sqs:SendMessage"})
	g.Connect(app.Edge{From: "Fn", To: "T", Kind: app.Writes, Via: "iam:dynamodb:PutItem"})
	g.Connect(app.Edge{From: "Fn", To: "B", Kind: app.Writes, Via: "iam:s3:PutObject", Detail: map[string]string{"actions": "s3:PutObject"}})
	g.Connect(app.Edge{From: "B", To: "Fn", Kind: app.Triggers, Via: "LambdaConfigurations[0]"})
	g.Connect(app.Edge{From: "SM", To: "Fn", Kind: app.Invokes, Via: "state:Missing"})
	g.Connect(app.Edge{From: "Fn", To: "Q", Kind: app.DeadLetter})
	g.Connect(app.Edge{From: "Ghost", To: "Fn", Kind: app.Triggers})
	g.Sort()

	reg, err := NewRegistry(flowRules()...)
	if err != nil {
		t.Fatal(err)
	}
	loops := 0
	for _, f := range (&Engine{Registry: reg}).Run(g) {
		if f.Rule == InternalErrorID {
			t.Errorf("rule failed: %s", f.Message)
		}
		if f.Rule == "event-loop" {
			loops++
		}
	}
	// Fn → Fn, Fn → Q → Fn (dead letters), Fn → B → Fn.
	if loops != 3 {
		t.Errorf("%d event-loop findings, want 3", loops)
	}
}

// TestEventLoopBounded feeds the loop finder a graph with astronomically
// many elementary cycles (every function writes every queue, every queue
// triggers every function) and checks it stops at its limits, quickly.
func TestEventLoopBounded(t *testing.T) {
	g := app.New()
	const n = 40
	for i := range n {
		g.Add(&app.Resource{ID: fmt.Sprintf("F%02d", i), Kind: app.KindFunction})
		g.Add(&app.Resource{ID: fmt.Sprintf("Q%02d", i), Kind: app.KindQueue})
	}
	for i := range n {
		for j := range n {
			g.Connect(app.Edge{From: fmt.Sprintf("F%02d", i), To: fmt.Sprintf("Q%02d", j), Kind: app.Writes, Via: "iam:sqs:SendMessage"})
			g.Connect(app.Edge{From: fmt.Sprintf("Q%02d", j), To: fmt.Sprintf("F%02d", i), Kind: app.Triggers})
		}
	}
	g.Sort()
	reg, err := NewRegistry(eventLoopRule())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	fs := (&Engine{Registry: reg}).Run(g)
	if len(fs) == 0 || len(fs) > maxLoops {
		t.Errorf("%d findings, want 1..%d", len(fs), maxLoops)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}
