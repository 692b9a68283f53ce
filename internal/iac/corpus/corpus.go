package corpus

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// Size bounds of a generated template, in bytes.
const (
	MinSize = 5 << 10
	MaxSize = 10 << 10
)

// Generate writes n templates into dir (created if missing), named
// t0000-<service>.yaml or .json, and returns their paths in index order.
// File i holds exactly Template(i, seed). Existing files of the same name
// are overwritten; nothing else in dir is touched.
func Generate(dir string, n int, seed int64) ([]string, error) {
	if n < 0 {
		return nil, fmt.Errorf("generate corpus: negative count %d", n)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("generate corpus: %w", err)
	}
	paths := make([]string, 0, n)
	for i := range n {
		data := Template(i, seed)
		ext := ".yaml"
		if IsJSON(data) {
			ext = ".json"
		}
		p := filepath.Join(dir, fmt.Sprintf("t%04d-%s%s", i, serviceName(i, seed), ext))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return nil, fmt.Errorf("generate corpus: %w", err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// Template returns template i of the corpus for seed: YAML or JSON, SAM or
// plain CloudFormation, between MinSize and MaxSize bytes. The same i and
// seed always give the same bytes.
func Template(i int, seed int64) []byte {
	g := newGen(newRNG(seed, i))
	return g.build()
}

// IsJSON reports whether a generated template is JSON (it starts with '{').
func IsJSON(data []byte) bool {
	return len(bytes.TrimLeft(data, " \n")) > 0 && bytes.TrimLeft(data, " \n")[0] == '{'
}

func serviceName(i int, seed int64) string {
	return pick(newRNG(seed, i), services)
}

// rng is splitmix64: tiny, fast and fixed forever, unlike math/rand whose
// streams may change between Go releases.
type rng struct{ s uint64 }

func newRNG(seed int64, i int) *rng {
	r := &rng{s: uint64(seed)*0x9E3779B97F4A7C15 ^ (uint64(i)+1)*0xD1B54A32D192ED03}
	r.next()
	return r
}

func (r *rng) next() uint64 {
	r.s += 0x9E3779B97F4A7C15
	z := r.s
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// intn returns a number in [0, n).
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// chance is true pct times in a hundred.
func (r *rng) chance(pct int) bool { return r.intn(100) < pct }

func pick[T any](r *rng, xs []T) T { return xs[r.intn(len(xs))] }
