package cost

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// Whatever the records, each one's quantities add up to its MB-ms, the
// month's tier totals do not depend on the order of the records (only the
// attribution does), and the totals are what the tier bounds say.
func TestMonthSplitProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	type rec struct {
		mem, durUS, count int64
		arch              Arch
	}
	for trial := range 50 {
		recs := make([]rec, 1+r.IntN(40))
		for i := range recs {
			recs[i] = rec{
				mem:   128 + r.Int64N(10240-128+1),
				durUS: r.Int64N(900_000_000),
				count: 1 + r.Int64N(2_000_000),
				arch:  Archs()[r.IntN(2)],
			}
		}
		run := func(order []rec) map[Arch][MaxTiers]int64 {
			m := NewMonth(nov, Options{FreeTier: trial%2 == 0})
			for _, x := range order {
				f := fn("us-east-1", x.arch, x.mem)
				inv := Invocation{Start: nov, DurationUS: x.durUS, Count: x.count}
				c, err := m.Invocation(f, inv)
				if err != nil {
					t.Fatal(err)
				}
				want := x.mem * BilledDurationMS(f, inv) * x.count
				got := c.FreeMBms
				for _, q := range c.DurationMBms {
					got += q
				}
				if got != want {
					t.Fatalf("record %+v: split %d of %d MB-ms", x, got, want)
				}
			}
			out := map[Arch][MaxTiers]int64{}
			for _, c := range m.Charges() {
				out[c.Arch] = c.DurationMBms
			}
			return out
		}
		a := run(recs)
		rev := slices.Clone(recs)
		slices.Reverse(rev)
		if trial%2 == 1 { // without the free tier, which goes to whoever comes first
			if b := run(rev); a[ArchX86] != b[ArchX86] || a[ArchARM] != b[ArchARM] {
				t.Fatalf("order changed the tier totals: %v vs %v", a, b)
			}
		}
		for arch, split := range a {
			bounds := NewTierMeter(TableFor(nov).prices["us-east-1"][arch].Duration).bounds
			if split[1] > 0 && split[0] != bounds[0] {
				t.Errorf("%s: tier 2 used before tier 1 was full: %v", arch, split)
			}
			if split[2] > 0 && split[1] != bounds[1]-bounds[0] {
				t.Errorf("%s: tier 3 used before tier 2 was full: %v", arch, split)
			}
		}
	}
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"0.0000166667", "0.2", "10", "-1.5", "1/3", "1e3", "", "0x1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMoney(s)
		if err != nil {
			return
		}
		// A decimal that parsed prints back as the same number.
		back, err := ParseMoney(m.Exact())
		if err != nil || back.Cmp(m) != 0 {
			t.Fatalf("%q -> %s -> %v, %v", s, m.Exact(), back.Exact(), err)
		}
		_ = m.String()
	})
}
