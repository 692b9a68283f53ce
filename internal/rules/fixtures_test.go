package rules_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac"
	"github.com/fnops/fnops/internal/rules"
)

// untestable are the rules no template can trigger.
var untestable = map[string]string{
	rules.InternalErrorID: "reported only when a rule panics; see TestPanickingRuleBecomesFinding",
}

// fixtureDate is the date fixtures are audited at, so that the rules
// about dates (runtime deprecation) judge them the same every day.
func fixtureDate() time.Time { return time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC) }

// TestFixtures is the test of every rule: each registered rule has
// testdata/<id>/ with at least one fail_* and one pass_* template (YAML
// or JSON). Every fail_* file must yield at least one unsuppressed finding
// of the rule and every pass_* file none, with all default rules (and the rule itself, when opt-in) running
// and suppressions applied, as `fnops audit` would.
func TestFixtures(t *testing.T) {
	reg := rules.Builtin()
	for _, r := range reg.Rules() {
		if why, ok := untestable[r.ID]; ok {
			t.Logf("%s: no fixtures: %s", r.ID, why)
			continue
		}
		t.Run(r.ID, func(t *testing.T) {
			files, _ := filepath.Glob(filepath.Join("testdata", r.ID, "*"))
			var fails, passes int
			for _, file := range files {
				base := filepath.Base(file)
				wantFail := strings.HasPrefix(base, "fail_")
				switch {
				case wantFail:
					fails++
				case strings.HasPrefix(base, "pass_"):
					passes++
				default:
					continue
				}
				t.Run(base, func(t *testing.T) {
					g := iac.Load([]string{file}, iac.Options{})
					for _, d := range g.Diags {
						if d.Severity == app.SevError {
							t.Fatalf("load: %v", d)
						}
					}
					run, err := reg.Select(rules.Selection{Enable: []string{r.ID}})
					if err != nil {
						t.Fatal(err)
					}
					e := &rules.Engine{Registry: reg, Rules: run, Now: fixtureDate}
					var got []rules.Finding
					for _, f := range e.Run(g) {
						if f.Rule == r.ID && f.Suppressed == nil {
							got = append(got, f)
						}
					}
					if wantFail && len(got) == 0 {
						t.Errorf("no %s finding", r.ID)
					}
					if !wantFail && len(got) > 0 {
						for _, f := range got {
							t.Errorf("unexpected: %s: %s", f.Pos, f.Message)
						}
					}
				})
			}
			if fails == 0 || passes == 0 {
				t.Errorf("testdata/%s needs at least one fail_* and one pass_* fixture (has %d and %d)", r.ID, fails, passes)
			}
		})
	}
}
