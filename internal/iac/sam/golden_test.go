package sam

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnops/fnops/internal/iac/cfn"
)

var update = flag.Bool("update", false, "rewrite golden files")

// goldenResource is how a transformed resource is rendered in the golden
// files.
type goldenResource struct {
	ID          string   `json:"id"`
	Type        string   `json:"type"`
	WrittenType string   `json:"writtenType,omitempty"`
	Implicit    bool     `json:"implicit,omitempty"`
	Line        int      `json:"line"`
	Condition   string   `json:"condition,omitempty"`
	DependsOn   []string `json:"dependsOn,omitempty"`
	Attributes  any      `json:"attributes,omitempty"`
	Properties  any      `json:"properties"`
}

type golden struct {
	Format    string           `json:"format"`
	Resources []goldenResource `json:"resources"`
	Diags     []string         `json:"diags,omitempty"`
}

func render(t *cfn.Template) []byte {
	out := golden{Format: t.Format}
	for _, r := range t.Resources {
		gr := goldenResource{ID: r.ID, Type: r.Type, WrittenType: r.WrittenType, Implicit: r.Implicit,
			Line: r.Pos.Line, Condition: r.Condition, DependsOn: r.DependsOn, Properties: r.Properties.Plain()}
		attrs := map[string]any{}
		for _, k := range []string{"DeletionPolicy", "UpdateReplacePolicy", "UpdatePolicy", "Metadata"} {
			if v := r.Node.Get(k); v != nil {
				attrs[k] = v.Plain()
			}
		}
		if len(attrs) > 0 {
			gr.Attributes = attrs
		}
		out.Resources = append(out.Resources, gr)
	}
	for _, d := range t.Diags {
		out.Diags = append(out.Diags, d.Error())
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(out)
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/golden/*.yaml")
	if len(files) == 0 {
		t.Fatal("no golden inputs")
	}
	for _, in := range files {
		name := strings.TrimSuffix(filepath.Base(in), ".yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			tpl, err := cfn.Parse(name+".yaml", data)
			if err != nil {
				t.Fatal(err)
			}
			Transform(tpl)
			got := render(tpl)
			path := filepath.Join("testdata/golden", name+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file; run go test -run TestGolden -update and review the diff", name)
			}
			// Deterministic: a second run gives the same bytes.
			tpl2, _ := cfn.Parse(name+".yaml", data)
			Transform(tpl2)
			if !bytes.Equal(render(tpl2), got) {
				t.Errorf("%s: output differs between two runs", name)
			}
		})
	}
}
