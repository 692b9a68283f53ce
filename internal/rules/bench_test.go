package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/config"
)

// bigGraph is an app of n functions, each fed by a queue and writing to
// a log group, with one suppression comment per function in its source.
func bigGraph(n int) (*app.Graph, []byte) {
	g := app.New()
	var src strings.Builder
	src.WriteString("Resources:\n")
	line := 2
	for i := range n {
		fn := res(fmt.Sprintf("Fn%d", i), app.KindFunction, "AWS::Lambda::Function", line, map[string]*app.Node{
			app.AttrMemorySize: def(app.Int(128, app.Pos{})),
			app.AttrTimeout:    at(line+3, app.Int(10, app.Pos{})),
			app.AttrTracing:    def(app.Str("PassThrough", app.Pos{})),
			app.AttrRuntime:    at(line+4, app.Str("python3.13", app.Pos{})),
		})
		fn.Tags = map[string]string{"owner": "team"}
		fmt.Fprintf(&src, "  # fnops:ignore function-tracing -- bench\n  Fn%d:\n    Type: AWS::Lambda::Function\n    Properties:\n      Timeout: 10\n      Runtime: python3.13\n", i)
		fn.Pos.Line = line + 1
		line += 6
		q := res(fmt.Sprintf("Q%d", i), app.KindQueue, "AWS::SQS::Queue", line, map[string]*app.Node{app.AttrSSE: def(app.Str("sqs-managed", app.Pos{}))})
		fmt.Fprintf(&src, "  Q%d:\n    Type: AWS::SQS::Queue\n", i)
		line += 2
		lg := res(fmt.Sprintf("Logs%d", i), app.KindLogGroup, "AWS::Logs::LogGroup", line, nil)
		fmt.Fprintf(&src, "  Logs%d:\n    Type: AWS::Logs::LogGroup\n", i)
		line += 2
		g.Add(fn)
		g.Add(q)
		g.Add(lg)
		g.Connect(app.Edge{From: q.ID, To: fn.ID, Kind: app.Triggers})
		g.Connect(app.Edge{From: fn.ID, To: lg.ID, Kind: app.Writes})
	}
	return g, []byte(src.String())
}

func BenchmarkEngine(b *testing.B) {
	for _, n := range []int{100, 2000} {
		b.Run(fmt.Sprintf("functions=%d", n), func(b *testing.B) {
			g, src := bigGraph(n)
			reg := Builtin()
			custom, err := CompileCustom([]config.CustomRule{
				{ID: "owner-tag", Title: "t", Kind: "function", Assert: "has(resource.tags.owner)", Line: 1, AssertLine: 1},
				{ID: "queue-fed", Title: "t", Kind: "function", Assert: `!incoming.exists(e, e.kind == "triggers" && e.resource.kind == "queue") || resource.attrs.timeout <= 60`, Line: 2, AssertLine: 2},
			}, ".fnops.yaml")
			if err != nil {
				b.Fatal(err)
			}
			if err := reg.Add(custom...); err != nil {
				b.Fatal(err)
			}
			e := &Engine{Registry: reg, ReadFile: func(string) ([]byte, error) { return src, nil }}
			b.ReportAllocs()
			for b.Loop() {
				if fs := e.Run(g); len(fs) < 2*n {
					b.Fatalf("%d findings", len(fs))
				}
			}
		})
	}
}

// FuzzSuppressionComments feeds arbitrary templates to the comment
// scanner and the block finder: they must never panic.
func FuzzSuppressionComments(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*", "*.yaml"))
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(string(data), 2)
		}
	}
	f.Add("a: 1 # fnops:ignore x,y -- why\n  #checkov:skip=\n# kics-scan ignore-block\n", 1)
	f.Fuzz(func(t *testing.T, src string, line int) {
		lines := strings.Split(src, "\n")
		for _, c := range directives(lines) {
			parseIgnore(strings.TrimPrefix(c.text, "fnops:ignore"))
			nextContent(lines, c.line)
			blockEnd(lines, c.line+1)
		}
		blockEnd(lines, line)
		g := graphOf(res("R", app.KindLogGroup, "AWS::Logs::LogGroup", line, nil))
		(&Engine{Registry: Builtin(), ReadFile: func(string) ([]byte, error) { return []byte(src), nil }}).Run(g)
	})
}
