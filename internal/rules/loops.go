package rules

import (
	"slices"

	"github.com/fnops/fnops/internal/app"
)

// Loop is one cycle the event-loop rule reports, for analyses that watch
// the same cycles at run time (internal/detect's runaway-loop).
type Loop struct {
	// Resources are the ids on the cycle in flow order, starting at the
	// function whose write closes it (the account's default event bus,
	// which no template declares, is left out).
	Resources []string
	// Functions are the functions among Resources, in the same order.
	Functions []string
	// Path says the cycle in words, as the audit finding does:
	// "A writes to B (s3:PutObject) → B triggers A (...)".
	Path string
	// Undetected names the services on the cycle that Lambda's recursive
	// loop detection does not follow (DynamoDB streams, Kinesis,
	// EventBridge, ...); empty when AWS would stop the loop itself.
	Undetected []string
}

// Loops returns the cycles of g's "can cause an invocation of" relation,
// exactly those the event-loop rule reports, in the same order. g is not
// modified.
func Loops(g *app.Graph) []Loop {
	lg := newLoopGraph(&Context{Graph: g})
	var out []Loop
	for _, l := range lg.cycles() {
		path, _ := lg.describe(l)
		x := Loop{Path: path}
		for _, r := range lg.resources(l) {
			x.Resources = append(x.Resources, r.ID)
			if r.Kind == app.KindFunction {
				x.Functions = append(x.Functions, r.ID)
			}
		}
		for _, i := range l.nodes {
			if s, ok := loopServicesUndetected[lg.nodes[i].Kind]; ok && !slices.Contains(x.Undetected, s) {
				x.Undetected = append(x.Undetected, s)
			}
		}
		out = append(out, x)
	}
	return out
}
