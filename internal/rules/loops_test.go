package rules

import (
	"strings"
	"testing"

	"github.com/fnops/fnops/internal/iac"
)

// Loops gives the cycles the event-loop rule reports, with the same path
// text, so watch and audit never disagree about what a loop is.
func TestLoopsMatchEventLoopFindings(t *testing.T) {
	g := iac.Load([]string{"../../examples/shop"}, iac.Options{})
	loops := Loops(g)
	if len(loops) == 0 {
		t.Fatal("no loop found in examples/shop, which has one (ProcessUpload writes back to its bucket)")
	}
	e := &Engine{Registry: Builtin()}
	var msgs []string
	for _, f := range e.Run(g) {
		if f.Rule == "event-loop" && strings.Contains(f.Message, "can trigger itself") {
			msgs = append(msgs, f.Message)
		}
	}
	if len(msgs) != len(loops) {
		t.Fatalf("%d loops, %d event-loop findings", len(loops), len(msgs))
	}
	for i, l := range loops {
		if !strings.Contains(msgs[i], l.Path) {
			t.Errorf("loop %d path %q not in finding %q", i, l.Path, msgs[i])
		}
		if len(l.Functions) == 0 || l.Functions[0] != l.Resources[0] {
			t.Errorf("loop %d: functions %v, resources %v: want the closing function first", i, l.Functions, l.Resources)
		}
	}
}
