package detect

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/store"
)

// detectCoverage says what the data cannot tell: no telemetry at all,
// functions of the templates without telemetry and the reverse, gaps in
// the data, and clocks of two sources that disagree.
func detectCoverage(f *frame) error {
	lo := f.reportFrom()
	anyRecent := false
	for _, d := range f.fns {
		if d.seen && f.index(d.last) > lo {
			anyRecent = true
		}
	}
	if !anyRecent && f.s.Enabled(KindNoData) {
		f.out = append(f.out, Insight{Kind: KindNoData, Severity: Info, Resource: "app", Related: []string{},
			FirstSeen: f.at.Add(-f.s.Lookback), LastSeen: f.at, State: NoData,
			Evidence: Evidence{Summary: fmt.Sprintf("no invocations in the store between %s and %s: nothing can be judged, which is not the same as nothing wrong",
				f.at.Add(-f.s.Lookback).Format(time.RFC3339), f.at.Format(time.RFC3339)), Values: map[string]float64{}},
			Cause: "no telemetry was ingested for this period (or the evaluation time is past the data)",
			Fix:   "ingest the functions' logs and metrics (fnops ingest), or evaluate at a time the data covers (--at)"})
		return nil
	}
	hasFunctions := len(f.g.Of(app.KindFunction)) > 0
	for _, d := range f.fns {
		switch {
		case d.res == nil && hasFunctions && d.seen && f.s.Enabled(KindUnknownFunction, d.name):
			f.out = append(f.out, Insight{Kind: KindUnknownFunction, Severity: Info, Resource: d.name, Related: []string{},
				FirstSeen: d.first, LastSeen: d.last, State: Open,
				Evidence: Evidence{Summary: fmt.Sprintf("function %s has telemetry but is in none of the templates; it is watched without its memory, timeout or triggers", d.name),
					Values: map[string]float64{}},
				Cause: "the function belongs to another stack, was renamed, or was created outside the templates",
				Fix:   "add its template to the app directory, or leave it: detectors that need the model (near-timeout, schedules, queues) skip it"})
		case d.res != nil && (!d.seen || f.index(d.last) <= lo) && f.s.Enabled(KindNoData, d.keys()...):
			since := "never in the store's data"
			if d.seen {
				since = "last invoked " + d.last.Format("2006-01-02 15:04 UTC")
			}
			f.out = append(f.out, Insight{Kind: KindNoData, Severity: Info, Resource: d.id(), Related: f.related(d.res),
				FirstSeen: f.at.Add(-f.s.Lookback), LastSeen: f.at, State: NoData,
				Evidence: Evidence{Summary: fmt.Sprintf("no invocations of %s in the last %v (%s): its detectors cannot judge it", d.id(), Human(f.s.Lookback), since),
					Values: map[string]float64{}},
				Cause: "the function was not invoked, or its logs were not ingested",
				Fix:   "if it should run, check its triggers; else ingest its log group (/aws/lambda/NAME or its shared group)"})
		}
	}
	f.gaps()
	return f.skew()
}

// gaps finds stretches of the lookback where no function at all has data
// while traffic around them is steady: lost telemetry, not a quiet app.
func (f *frame) gaps() {
	if !f.s.Enabled(KindTelemetryGap) {
		return
	}
	total := make([]int64, f.n)
	var first, last = -1, -1
	for i := range f.n {
		for _, d := range f.fns {
			total[i] += d.b[i].inv
		}
		if total[i] > 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return
	}
	typical := median(total[first : last+1])
	// Zero buckets are expected now and then below a few invocations a
	// bucket; above ten, a run of two empty buckets is improbable.
	if typical < 10 {
		return
	}
	lo := max(first, f.reportFrom())
	for i := lo; i <= last; i++ {
		if total[i] != 0 {
			continue
		}
		j := i
		for j <= last && total[j] == 0 {
			j++
		}
		if j-i >= 2 && j <= last {
			f.out = append(f.out, Insight{Kind: KindTelemetryGap, Severity: Info, Resource: "app", Related: []string{},
				FirstSeen: f.start(i), LastSeen: f.start(j), State: NoData,
				Evidence: Evidence{Summary: fmt.Sprintf("no invocations of any function from %s to %s, where %.0f per %v are usual: detectors cannot judge this stretch",
					f.start(i).Format("2006-01-02 15:04"), f.start(j).Format("15:04 UTC"), typical, Human(f.step)),
					Values: map[string]float64{"typical_per_bucket": typical, "minutes": f.start(j).Sub(f.start(i)).Minutes()}},
				Cause: "telemetry for this stretch was not ingested (a failed export, a missing file)",
				Fix:   "ingest the missing logs; fnops ingest is idempotent, so re-ingesting a whole day is safe"})
		}
		i = j
	}
}

// skew compares each function's invocations per minute in its logs with
// the Lambda Invocations metric: when the two line up best shifted by a
// minute or more, one source's clock (or its time zone handling) is off.
func (f *frame) skew() error {
	if !f.s.Enabled(KindClockSkew) {
		return nil
	}
	from := f.at.Add(-6 * time.Hour)
	ms, err := f.q.Metrics(f.ctx, store.MetricQuery{Namespace: "AWS/Lambda", Name: "Invocations", Stat: "Sum", From: from, To: f.at})
	if err != nil {
		return fmt.Errorf("detect: metrics: %w", err)
	}
	n := int(f.at.Sub(from) / time.Minute)
	metric := map[string][]float64{}
	for _, m := range ms {
		fn := m.Dimensions["FunctionName"]
		if len(m.Dimensions) != 1 || fn == "" {
			continue
		}
		if i := int(m.Time.Sub(from) / time.Minute); i >= 0 && i < n {
			if metric[fn] == nil {
				metric[fn] = make([]float64, n)
			}
			metric[fn][i] += m.Value
		}
	}
	if len(metric) == 0 {
		return nil
	}
	names := make([]string, 0, len(metric))
	for fn := range metric {
		names = append(names, fn)
	}
	slices.Sort(names)
	rows, err := f.q.Rollups(f.ctx, store.RollupQuery{Filter: store.Filter{Functions: names, From: from, To: f.at}, Step: time.Minute})
	if err != nil {
		return fmt.Errorf("detect: rollups: %w", err)
	}
	logs := map[string][]float64{}
	for _, r := range rows {
		if i := int(r.Start.Sub(from) / time.Minute); i >= 0 && i < n {
			if logs[r.Function] == nil {
				logs[r.Function] = make([]float64, n)
			}
			logs[r.Function][i] += float64(r.Invocations)
		}
	}
	for _, fn := range names {
		a, b := logs[fn], metric[fn]
		if a == nil {
			continue
		}
		var total float64
		for _, v := range a {
			total += v
		}
		if total < 100 {
			continue // too little to align
		}
		best, bestErr := 0, math.Inf(1)
		zero := mismatch(a, b, 0)
		for lag := -10; lag <= 10; lag++ {
			if e := mismatch(a, b, lag); e < bestErr-1e-9 {
				best, bestErr = lag, e
			}
		}
		// Shifted must fit much better than unshifted to be called skew.
		if best == 0 || bestErr > 0.5*zero {
			continue
		}
		d := f.fn(fn)
		f.out = append(f.out, Insight{Kind: KindClockSkew, Severity: Info, Resource: d.id(), Related: []string{},
			FirstSeen: from, LastSeen: f.at, State: Open,
			Evidence: Evidence{Summary: fmt.Sprintf("invocations in the logs line up with the CloudWatch Invocations metric only when shifted by %+d minutes (mismatch %.0f shifted, %.0f as stamped)", best, bestErr, zero),
				Values: map[string]float64{"skew_minutes": float64(best), "mismatch": bestErr, "mismatch_unshifted": zero}},
			Cause: "the two sources' clocks or time zones disagree: detectors that join them (stuck-queue, throttles) may mis-time events by that much",
			Fix:   "check the exporter's time zone and clock; CloudWatch timestamps are UTC"})
	}
	return nil
}

// mismatch is the absolute difference between a and b shifted by lag.
func mismatch(a, b []float64, lag int) float64 {
	var e float64
	for i := range a {
		j := i + lag
		if j < 0 || j >= len(b) {
			continue
		}
		e += math.Abs(a[i] - b[j])
	}
	return e
}
