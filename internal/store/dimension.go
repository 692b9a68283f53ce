package store

import (
	"slices"
	"strings"
)

// CanonicalDimensions is the stable text form of a dimension set, part of
// a datapoint's identity: "k=v" pairs sorted by key and joined by ",",
// with "\", "," and "=" inside keys and values escaped by a "\". Equal
// maps give equal strings, and different maps different strings.
func CanonicalDimensions(dims map[string]string) string {
	if len(dims) == 0 {
		return ""
	}
	keys := make([]string, 0, len(dims))
	for k := range dims {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		escapeDimension(&b, k)
		b.WriteByte('=')
		escapeDimension(&b, dims[k])
	}
	return b.String()
}

func escapeDimension(b *strings.Builder, s string) {
	if !strings.ContainsAny(s, `\,=`) {
		b.WriteString(s)
		return
	}
	for _, r := range s {
		if r == '\\' || r == ',' || r == '=' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
}
