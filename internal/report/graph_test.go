package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac"
	"github.com/fnops/fnops/internal/iac/corpus"
)

// graphJSONWhole is the contract encoded the plain way: the whole graphDoc
// at once. GraphJSON streams and must give exactly these bytes.
func graphJSONWhole(g *app.Graph) []byte {
	doc := graphDoc{Version: 1, Resources: []graphResource{}, Edges: []graphEdge{}}
	for _, r := range g.Resources {
		attrs := make(map[string]any, len(r.Attrs))
		for k, v := range r.Attrs {
			attrs[k] = v.Plain()
		}
		doc.Resources = append(doc.Resources, graphResource{
			ID: r.ID, Type: r.Type, Kind: r.Kind, Name: r.Name,
			File: r.Pos.File, Line: r.Pos.Line, Attrs: attrs,
		})
	}
	for _, e := range g.Edges {
		doc.Edges = append(doc.Edges, graphEdge{From: e.From, To: e.To, Kind: e.Kind, Via: e.Via})
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func TestGraphJSONStreamsTheWholeDocument(t *testing.T) {
	dir := t.TempDir()
	if _, err := corpus.Generate(dir, 40, 3); err != nil {
		t.Fatal(err)
	}
	loaded := iac.Load([]string{dir}, iac.Options{})
	if len(loaded.Resources) == 0 || len(loaded.Edges) == 0 {
		t.Fatalf("corpus loaded %d resources, %d edges", len(loaded.Resources), len(loaded.Edges))
	}
	odd := app.New()
	r := &app.Resource{ID: "Odd<&>\"Id\"", Type: "AWS::SQS::Queue", Kind: app.KindQueue, Name: "naïve\tname\u2028",
		Pos: app.Pos{File: "dir/t.yaml", Line: 3}}
	r.SetAttr("nested", app.NewList(app.Pos{}, app.Str("a<b", app.Pos{}), app.NewMap(app.Pos{}), app.NewList(app.Pos{})))
	r.SetAttr("number", app.Int(-12, app.Pos{}))
	r.SetAttr("null", &app.Node{})
	odd.Add(r)
	odd.Add(&app.Resource{ID: "NoAttrs", Kind: app.KindTopic})
	odd.Connect(app.Edge{From: "Odd<&>\"Id\"", To: "NoAttrs", Kind: app.Writes, Via: "iam:sns:Publish"})
	noEdges := app.New()
	noEdges.Add(&app.Resource{ID: "Only", Kind: app.KindTopic})

	for name, g := range map[string]*app.Graph{"empty": app.New(), "corpus": loaded, "odd": odd, "no edges": noEdges} {
		t.Run(name, func(t *testing.T) {
			var got bytes.Buffer
			if err := GraphJSON(&got, g); err != nil {
				t.Fatal(err)
			}
			want := graphJSONWhole(g)
			if !bytes.Equal(got.Bytes(), want) {
				i := 0
				for i < min(got.Len(), len(want)) && got.Bytes()[i] == want[i] {
					i++
				}
				t.Fatalf("streamed output differs at byte %d of %d:\ngot  %q\nwant %q", i, len(want),
					got.Bytes()[max(0, i-40):min(got.Len(), i+40)], want[max(0, i-40):min(len(want), i+40)])
			}
		})
	}
}
