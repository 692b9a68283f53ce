package store

import (
	"fmt"
	"math"
	"slices"
)

// SketchAccuracy is the relative accuracy of a Sketch: a quantile it
// returns is within ±1% of a value of the true quantile's rank.
//
// The sketch is DDSketch's logarithmic mapping (Masson, Rim and Lee, VLDB
// 2019) with plain integer bins. It was chosen over DuckDB's
// approx_quantile (a t-digest) and reservoir_quantile because those keep
// no state a row can store: rollups must be merged across commits,
// minutes, versions and backends, and a log-bin histogram merges exactly
// by adding counts. Its answer also does not depend on insertion order,
// so ingesting the same data in other batches gives the same quantiles,
// and every backend can compute the same bins in SQL (SketchBin is one
// logarithm).
const SketchAccuracy = 0.01

// sketchGamma is (1+α)/(1-α), the ratio between bin bounds.
var (
	sketchGamma    = (1 + SketchAccuracy) / (1 - SketchAccuracy)
	sketchLogGamma = math.Log(sketchGamma)
)

// SketchLogGamma is ln((1+α)/(1-α)) for α = SketchAccuracy: a backend
// computing bins in SQL uses ceil(ln(greatest(µs, 1)) / SketchLogGamma).
func SketchLogGamma() float64 { return sketchLogGamma }

// SketchBin is the bin of a duration in µs: ceil(ln(max(us,1)) / ln γ).
// Durations up to about 10^14 µs have bins that fit an int16.
func SketchBin(us int64) int16 {
	if us < 1 {
		us = 1
	}
	return int16(math.Ceil(math.Log(float64(us)) / sketchLogGamma))
}

// sketchValue is the value a bin stands for: the point of (γ^(i-1), γ^i]
// whose relative distance to both bounds is α.
func sketchValue(bin int16) float64 {
	return 2 * math.Pow(sketchGamma, float64(bin)) / (sketchGamma + 1)
}

// Sketch is a mergeable quantile sketch of durations in µs. The zero
// value is empty and ready to use. A Sketch is not safe for concurrent
// mutation.
type Sketch struct {
	bins   []int16 // ascending
	counts []int64 // counts[i] is the count of bins[i], > 0
	n      int64
}

// NewSketch builds a sketch from bins and their counts, as a backend
// reads them back; bins need not be sorted but must be distinct, and
// counts must be positive.
func NewSketch(bins []int16, counts []int64) (*Sketch, error) {
	if len(bins) != len(counts) {
		return nil, fmt.Errorf("sketch: %d bins, %d counts", len(bins), len(counts))
	}
	s := &Sketch{}
	for i, b := range bins {
		if counts[i] <= 0 {
			return nil, fmt.Errorf("sketch: bin %d has count %d", b, counts[i])
		}
		s.addBin(b, counts[i])
	}
	return s, nil
}

// Add records one duration in µs.
func (s *Sketch) Add(us int64) { s.addBin(SketchBin(us), 1) }

func (s *Sketch) addBin(b int16, c int64) {
	i, found := slices.BinarySearch(s.bins, b)
	if found {
		s.counts[i] += c
	} else {
		s.bins = slices.Insert(s.bins, i, b)
		s.counts = slices.Insert(s.counts, i, c)
	}
	s.n += c
}

// Merge adds o's counts to s. o may be nil.
func (s *Sketch) Merge(o *Sketch) {
	if o == nil {
		return
	}
	for i, b := range o.bins {
		s.addBin(b, o.counts[i])
	}
}

// Count is the number of durations recorded.
func (s *Sketch) Count() int64 {
	if s == nil {
		return 0
	}
	return s.n
}

// Bins returns the sketch's bins, ascending, and their counts. The slices
// are the sketch's own: do not modify them.
func (s *Sketch) Bins() (bins []int16, counts []int64) { return s.bins, s.counts }

// Quantile returns the q-quantile (0 ≤ q ≤ 1) in µs: the value at rank
// q×(Count-1) of the sorted durations, within SketchAccuracy relative
// error. It returns 0 for an empty sketch.
func (s *Sketch) Quantile(q float64) float64 {
	if s.Count() == 0 {
		return 0
	}
	q = min(max(q, 0), 1)
	rank := int64(q * float64(s.n-1))
	i := 0
	var cum int64
	for i = range s.bins {
		cum += s.counts[i]
		if cum > rank {
			break
		}
	}
	return sketchValue(s.bins[i])
}
