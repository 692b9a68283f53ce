package rules_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/fnops/fnops/internal/iac"
)

func TestZZDump(t *testing.T) {
	p := os.Getenv("DUMP")
	if p == "" {
		t.Skip()
	}
	g := iac.Load([]string{p}, iac.Options{})
	for _, r := range g.Resources {
		if r.Kind == "other" || r.Kind == "alarm" {
			continue
		}
		fmt.Printf("== %s %s %s %s\n", r.ID, r.Kind, r.Type, r.Pos)
		for _, n := range r.AttrNames() {
			a := r.Attrs[n]
			fmt.Printf("   %s = %v [%s %s]\n", n, a.Plain(), a.Origin, a.Pos)
		}
		for _, s := range r.Statements {
			var res []any
			for _, x := range s.Resources {
				res = append(res, x.Plain())
			}
			fmt.Printf("   stmt %s %v %v %v pol=%s %s\n", s.Effect, s.Actions, res, s.Principals, s.Policy, s.Pos)
		}
	}
	for _, e := range g.Edges {
		if e.Kind == "contains" {
			continue
		}
		fmt.Printf("E %s --%s--> %s via %s %s %v\n", e.From, e.Kind, e.To, e.Via, e.Pos, e.Detail)
	}
	for _, d := range g.Diags {
		fmt.Println("D", d)
	}
}
