package rules

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac"
)

// TestSnippets checks the Fail and Pass examples that `fnops rules ID`
// and docs/rules.md show for the single-resource families: Fail must be
// flagged by its rule and Pass must not, with the rule enabled (opt-in
// rules included) beside every default rule.
func TestSnippets(t *testing.T) {
	var mine []*Rule
	for _, f := range [][]*Rule{deliveryRules(), messagingRules(), s3Rules(), apiRules(), stepFunctionsRules(), dynamoDBRules()} {
		mine = append(mine, f...)
	}
	reg := Builtin()
	for _, r := range mine {
		for _, c := range []struct {
			name, src string
			fail      bool
		}{{"fail", r.Fail, true}, {"pass", r.Pass, false}} {
			t.Run(r.ID+"/"+c.name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "template.yaml")
				if err := os.WriteFile(path, []byte(c.src), 0o644); err != nil {
					t.Fatal(err)
				}
				g := iac.Load([]string{path}, iac.Options{})
				for _, d := range g.Diags {
					if d.Severity == app.SevError {
						t.Fatalf("load: %v", d)
					}
				}
				run, err := reg.Select(Selection{Enable: []string{r.ID}})
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, f := range (&Engine{Registry: reg, Rules: run}).Run(g) {
					if f.Rule == InternalErrorID {
						t.Errorf("internal error: %s", f.Message)
					}
					if f.Rule == r.ID && f.Suppressed == nil {
						n++
						if !c.fail {
							t.Errorf("flagged: %s", f.Message)
						}
					}
				}
				if c.fail && n == 0 {
					t.Errorf("Fail snippet is not flagged")
				}
			})
		}
	}
}
