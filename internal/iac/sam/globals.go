package sam

import (
	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac/cfn"
)

// globalSections maps each Globals section to the resource type it applies
// to.
var globalSections = map[string]string{
	"Function":     typeFunction,
	"Api":          typeAPI,
	"HttpApi":      typeHTTPAPI,
	"SimpleTable":  typeSimpleTable,
	"StateMachine": typeStateMachine,
	"LayerVersion": typeLayer,
}

func (x *tx) readGlobals() {
	gl := x.t.Section("Globals")
	if gl == nil {
		return
	}
	if !gl.IsMap() {
		x.diag(gl.Pos, app.SevError, "Globals is not a map")
		return
	}
	x.globals = make(map[string]*app.Node, len(gl.Keys))
	for i, k := range gl.Keys {
		typ, ok := globalSections[k]
		if !ok {
			x.diag(keyPos(gl, k), app.SevError, "Globals: unsupported section %q", k)
			continue
		}
		v := gl.Values[i]
		if !v.IsMap() {
			x.diag(posOr(v, keyPos(gl, k)), app.SevError, "Globals.%s is not a map", k)
			continue
		}
		x.globals[typ] = v
	}
}

// withGlobals returns the properties of r of type typ merged with Globals the
// way the translator merges them: maps are merged key by key with the
// resource winning, lists are the global items followed by the resource's,
// anything else (scalars, intrinsics) is the resource's value when it has
// one. Merged values keep their nodes, so a Timeout that came from Globals
// points at the Globals line. The written Properties are not modified.
func (x *tx) withGlobals(r *cfn.Resource, typ string) *app.Node {
	local := x.props(r)
	gl := x.globals[typ]
	if gl == nil {
		return local
	}
	return mergeGlobal(gl, local)
}

func mergeGlobal(gl, local *app.Node) *app.Node {
	out := &app.Node{Kind: app.MapNode, Pos: local.Pos, Origin: local.Origin}
	out.Keys = make([]string, 0, len(gl.Keys)+len(local.Keys))
	out.Values = make([]*app.Node, 0, len(gl.Keys)+len(local.Keys))
	out.KeyPos = make([]app.Pos, 0, len(gl.Keys)+len(local.Keys))
	for i, k := range local.Keys {
		v := local.Values[i]
		if g := gl.Get(k); g != nil {
			v = mergeValue(g, v)
		}
		out.Keys = append(out.Keys, k)
		out.Values = append(out.Values, v)
		out.KeyPos = append(out.KeyPos, keyPos(local, k))
	}
	for i, k := range gl.Keys {
		if local.Get(k) != nil {
			continue
		}
		out.Keys = append(out.Keys, k)
		// Shared, not cloned, by every resource it lands in: nothing edits
		// a value in place (see resolvePropertyRefs), and a huge Globals
		// value must not be copied once per function.
		out.Values = append(out.Values, gl.Values[i])
		out.KeyPos = append(out.KeyPos, keyPos(gl, k))
	}
	return out
}

func mergeValue(g, l *app.Node) *app.Node {
	_, _, gi := g.Intrinsic()
	_, _, li := l.Intrinsic()
	switch {
	case gi || li:
		return l
	case g.IsMap() && l.IsMap():
		return mergeGlobal(g, l)
	case g.IsList() && l.IsList():
		out := &app.Node{Kind: app.ListNode, Pos: l.Pos, Origin: l.Origin,
			List: make([]*app.Node, 0, len(g.List)+len(l.List))}
		out.List = append(out.List, g.List...)
		out.List = append(out.List, l.List...)
		return out
	}
	return l
}
