package cost

import (
	"errors"
	"math"
	"math/bits"
)

// TierMeter splits one month's on-demand duration of one architecture in one
// region and account across the price tiers, in the order it is added: the
// part of a record that fits under a tier's upper bound is priced in that
// tier and the rest in the next, so a record that crosses a boundary is
// split at the boundary exactly (to the MB-ms). The zero value is unusable;
// use NewTierMeter.
type TierMeter struct {
	bounds []int64 // cumulative upper bounds in MB-ms; the last is MaxInt64
	used   int64
}

// NewTierMeter returns a meter at the start of a month for tiers, which must
// be in order of their bounds with the last unbounded (UpToGBs 0), and at
// most MaxTiers long.
func NewTierMeter(tiers []Tier) *TierMeter {
	m := &TierMeter{bounds: make([]int64, len(tiers))}
	for i, t := range tiers {
		if t.UpToGBs == 0 {
			m.bounds[i] = math.MaxInt64
		} else {
			m.bounds[i] = t.UpToGBs * gbsMBms
		}
	}
	return m
}

// Used is the volume added so far, in MB-ms.
func (m *TierMeter) Used() int64 { return m.used }

// Room is how many MB-ms fit before the next tier boundary.
func (m *TierMeter) Room() int64 {
	for _, b := range m.bounds {
		if b > m.used {
			return b - m.used
		}
	}
	return 0
}

// errOverflow is returned when a quantity does not fit in int64 (9.2e18
// MB-ms is 9 trillion GB-s, about $150 million in one line item).
var errOverflow = errors.New("usage too large to price (int64 overflow)")

// Add adds mbms MB-ms and returns how many of them fall in each tier.
func (m *TierMeter) Add(mbms int64) (split [MaxTiers]int64, err error) {
	if mbms < 0 {
		return split, errors.New("negative duration")
	}
	if _, ok := addChecked(m.used, mbms); !ok {
		return split, errOverflow
	}
	left := mbms
	for i, b := range m.bounds {
		if left == 0 {
			break
		}
		room := b - m.used
		if room <= 0 {
			continue
		}
		take := min(room, left)
		split[i] += take
		m.used += take
		left -= take
	}
	return split, nil
}

func addChecked(a, b int64) (int64, bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, false
	}
	return s, true
}

// mulChecked multiplies non-negative numbers.
func mulChecked(xs ...int64) (int64, bool) {
	p := uint64(1)
	for _, x := range xs {
		if x < 0 {
			return 0, false
		}
		hi, lo := bits.Mul64(p, uint64(x))
		if hi != 0 || lo > math.MaxInt64 {
			return 0, false
		}
		p = lo
	}
	return int64(p), true
}
