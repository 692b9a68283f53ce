package rules

import "github.com/fnops/fnops/internal/app"

// value returns the normalized attribute attr of r, falling back to the
// raw property prop (a path under Properties) when the loader did not set
// the attribute. Rules use it so that they read one name whatever the
// format, and still work on a resource type the loader does not normalize.
func value(r *app.Resource, attr string, prop ...string) *app.Node {
	if n := r.Attr(attr); n != nil {
		return n
	}
	if len(prop) == 0 {
		return nil
	}
	return r.Props.Path(prop...)
}
