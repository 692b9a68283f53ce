package iac

import (
	"path/filepath"
	"testing"
)

// BenchmarkLoadServerless is read (cached) + variables + compile + model +
// edges of examples/orders-sls (8 functions, 63 resources, two ${file()}
// includes) on one core: the Foundation's templates-per-second target
// applied to a Serverless Framework service.
func BenchmarkLoadServerless(b *testing.B) {
	file := filepath.Join("..", "..", "examples", "orders-sls", "serverless.yml")
	l := &loader{opts: Options{Workers: 1, Env: func(string) (string, bool) { return "", false }}, raw: make(map[string][]byte)}
	data, err := l.read(file)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		p := l.parseService(parsed{cand: candidate{path: file}}, data)
		if p.tpl == nil || len(p.includes) != 2 {
			b.Fatalf("service not loaded: %v", p.diags)
		}
		if g := l.adapt(p.tpl); len(g.Resources) != 63 {
			b.Fatalf("%d resources, want 63", len(g.Resources))
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "services/s")
}
