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
	var ctl []byte
	for c := range 0x80 {
		ctl = append(ctl, byte(c))
	}
	r.SetAttr("escapes", app.NewList(app.Pos{}, app.Str(string(ctl), app.Pos{}),
		app.Str("bad \xff\xfe utf-8, \u2028 \u2029 é 🍰 <&> \\ \"", app.Pos{})))
	nums := app.NewList(app.Pos{})
	for _, v := range []string{"1e3", "1.5", "0x10", "-0", "12345678901234567890", "007", "1E-7", "abc", "3.0"} {
		nums.List = append(nums.List, &app.Node{Kind: app.NumberNode, Scalar: v})
	}
	r.SetAttr("numbers", nums)
	r.SetAttr("bools", app.NewList(app.Pos{}, &app.Node{Kind: app.BoolNode, Scalar: "TRUE"},
		&app.Node{Kind: app.BoolNode, Scalar: "yes"}, app.Bool(false, app.Pos{})))
	dup := app.NewMap(app.Pos{})
	dup.Keys = []string{"z", "a", "m", "a", "b<"}
	dup.Values = []*app.Node{app.Str("1", app.Pos{}), app.Str("first", app.Pos{}), app.NewMap(app.Pos{}),
		app.Str("last", app.Pos{}), app.NewList(app.Pos{}, app.NewList(app.Pos{}))}
	r.SetAttr("duplicates", dup)
	r.SetAttr("deep", app.NewList(app.Pos{}, app.NewList(app.Pos{}, dup, nil)))
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

func TestGraphJSONRefusesWhatJSONCannotHold(t *testing.T) {
	g := app.New()
	r := &app.Resource{ID: "Q", Kind: app.KindQueue}
	r.SetAttr("n", &app.Node{Kind: app.NumberNode, Scalar: "Inf"})
	g.Add(r)
	if err := GraphJSON(&bytes.Buffer{}, g); err == nil {
		t.Fatal("an infinite number was written")
	}
}

// FuzzGraphJSON holds the streaming writer to encoding/json on any text
// in ids, keys, strings and numbers.
func FuzzGraphJSON(f *testing.F) {
	f.Add("Id", "key", "value", "1.5")
	f.Add("\u2028<&>", "\xff", "\x00\x1f\"\\", "1e400")
	f.Fuzz(func(t *testing.T, id, key, val, num string) {
		g := app.New()
		r := &app.Resource{ID: id, Type: val, Name: key, Kind: app.KindQueue}
		m := app.NewMap(app.Pos{})
		m.Keys = []string{key, val, key}
		m.Values = []*app.Node{app.Str(val, app.Pos{}), {Kind: app.NumberNode, Scalar: num}, app.NewList(app.Pos{}, app.Str(key, app.Pos{}))}
		r.SetAttr(key, m)
		r.SetAttr(val, &app.Node{Kind: app.BoolNode, Scalar: num})
		g.Add(r)
		g.Connect(app.Edge{From: id, To: val, Kind: app.Writes, Via: key})
		var got bytes.Buffer
		if err := GraphJSON(&got, g); err != nil {
			return // numbers encoding/json refuses too (Inf, NaN)
		}
		if want := graphJSONWhole(g); !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("got\n%s\nwant\n%s", got.Bytes(), want)
		}
	})
}
