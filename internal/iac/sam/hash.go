package sam

import (
	"hash/fnv"
	"strconv"

	"github.com/fnops/fnops/internal/app"
)

// contentHash is a stable hash of the values of nodes, used for the suffixes
// the translator puts in generated logical ids (FunctionVersion<hash>,
// ServerlessRestApiDeployment<hash>). The translator hashes other inputs
// (SHA-1 over its own JSON serialisation plus, for versions, the code
// location), so the suffix is not the translator's: what matters to fnops
// is that it is stable for the same content and changes when the content
// does. Positions and origins are not hashed.
//
// Only the first hashBudget values are hashed, so that a hostile template
// (one huge Globals value shared by many functions) cannot make id
// generation quadratic; ids stay deterministic.
func contentHash(nodes ...*app.Node) string {
	h := fnv.New64a()
	var buf []byte
	budget := hashBudget
	for _, n := range nodes {
		buf = appendNode(buf[:0], n, &budget)
		h.Write(buf)
		h.Write([]byte{0})
	}
	s := strconv.FormatUint(h.Sum64(), 16)
	for len(s) < 16 {
		s = "0" + s
	}
	return s
}

const hashBudget = 4096

func appendNode(b []byte, n *app.Node, budget *int) []byte {
	if n == nil {
		return append(b, '~')
	}
	if *budget <= 0 {
		return b
	}
	*budget--
	switch n.Kind {
	case app.ListNode:
		b = append(b, '[')
		for _, it := range n.List {
			b = appendNode(b, it, budget)
			b = append(b, ',')
		}
		return append(b, ']')
	case app.MapNode:
		b = append(b, '{')
		for i, k := range n.Keys {
			b = strconv.AppendQuote(b, k)
			b = append(b, ':')
			b = appendNode(b, n.Values[i], budget)
			b = append(b, ',')
		}
		return append(b, '}')
	case app.NullNode:
		return append(b, 'n')
	}
	b = append(b, byte('0'+n.Kind))
	return strconv.AppendQuote(b, n.Scalar)
}
