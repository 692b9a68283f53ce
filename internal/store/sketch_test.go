package store

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSketchAccuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, dist := range []struct {
		name string
		gen  func() int64
	}{
		{"uniform", func() int64 { return 1 + r.Int64N(10_000_000) }},
		{"lognormal", func() int64 { return int64(math.Exp(r.NormFloat64()*2 + 10)) }},
		{"tiny", func() int64 { return r.Int64N(3) }},
	} {
		t.Run(dist.name, func(t *testing.T) {
			var s, a, b Sketch
			vals := make([]int64, 20_000)
			for i := range vals {
				vals[i] = dist.gen()
				s.Add(vals[i])
				if i%2 == 0 {
					a.Add(vals[i])
				} else {
					b.Add(vals[i])
				}
			}
			a.Merge(&b)
			slices.Sort(vals)
			for _, q := range []float64{0, 0.01, 0.5, 0.9, 0.99, 0.999, 1} {
				exact := float64(max(vals[int(q*float64(len(vals)-1))], 1))
				got := s.Quantile(q)
				if math.Abs(got-exact) > SketchAccuracy*exact+1e-9 {
					t.Errorf("q%v = %v, exact %v: off by more than %v", q, got, exact, SketchAccuracy)
				}
				if m := a.Quantile(q); m != got {
					t.Errorf("q%v: merged halves give %v, whole %v", q, m, got)
				}
			}
			if s.Count() != int64(len(vals)) {
				t.Errorf("Count = %d", s.Count())
			}
			bins, counts := s.Bins()
			r, err := NewSketch(bins, counts)
			if err != nil || r.Quantile(0.5) != s.Quantile(0.5) {
				t.Errorf("NewSketch round trip: %v", err)
			}
		})
	}
	var empty Sketch
	if empty.Quantile(0.5) != 0 || (*Sketch)(nil).Count() != 0 {
		t.Errorf("empty sketch")
	}
	if _, err := NewSketch([]int16{1}, []int64{0}); err == nil {
		t.Errorf("zero count accepted")
	}
}

func TestCanonicalDimensions(t *testing.T) {
	for _, tc := range []struct {
		in   map[string]string
		want string
	}{
		{nil, ""},
		{map[string]string{"QueueName": "orders"}, "QueueName=orders"},
		{map[string]string{"b": "2", "a": "1"}, "a=1,b=2"},
		{map[string]string{"a": "1,b=2"}, `a=1\,b\=2`},
		{map[string]string{`k\`: "v"}, `k\\=v`},
		{map[string]string{"队列": "订单"}, "队列=订单"},
	} {
		if got := CanonicalDimensions(tc.in); got != tc.want {
			t.Errorf("CanonicalDimensions(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
