package detect

import (
	"fmt"
	"math"
)

// detectInvocations runs the detectors that need only the rollups' counts:
// error-rate, timeout, oom, cold-starts, invocation-surge, and throttles
// from the Lambda metric.
func detectInvocations(f *frame) error {
	throttles, err := f.throttleSeries()
	if err != nil {
		return err
	}
	for _, d := range f.fns {
		if !d.seen && throttles[d.name] == nil {
			continue
		}
		f.errorRate(d)
		f.timeouts(d)
		f.ooms(d)
		f.coldStarts(d)
		f.surge(d)
		f.throttles(d, throttles[d.name])
	}
	return nil
}

// onsetOf is the start of the first bucket in [i, j) where pick > 0.
func (f *frame) onsetOf(d *fnData, i, j int, pick func(bucket) int64) (t0 int) {
	for k := max(i, 0); k < j; k++ {
		if pick(d.b[k]) > 0 {
			return k
		}
	}
	return j - 1
}

func (f *frame) errorRate(d *fnData) {
	if !f.s.Enabled(KindErrorRate, d.keys()...) {
		return
	}
	l := f.s.Limit(KindErrorRate, d.keys()...)
	w := f.buckets(l.Window)
	var hits []hit
	for i := range f.n {
		if d.b[i].errs == 0 {
			continue // a window is judged when it ends in a bucket with errors or right after
		}
		for j := i; j < min(i+w, f.n); j++ {
			s := d.sum(j-w+1, j+1)
			if s.inv < l.MinInvocations || s.errs < l.MinCount {
				continue
			}
			rate := float64(s.errs) / float64(s.inv)
			sev := l.severity(rate)
			if sev == "" {
				continue
			}
			hits = appendHit(hits, hit{i: j, sev: sev, w: rate, onset: f.start(f.onsetOf(d, j-w+1, j+1, func(b bucket) int64 { return b.errs })),
				ev: Evidence{Summary: fmt.Sprintf("%d of %d invocations failed in %v (%s; threshold %s, at least %d errors)",
					s.errs, s.inv, Human(l.Window), pct(rate), pct(l.threshold()), l.MinCount),
					Values: map[string]float64{"errors": float64(s.errs), "invocations": float64(s.inv), "error_rate": rate}, Threshold: l.threshold()}})
		}
	}
	f.emit(d, KindErrorRate, hits, 1,
		"the function is failing: a bad deploy, a failing dependency, or bad input (see the error types in its logs)",
		"look at the error types and the last deploy; roll back if it started with one; add retries with backoff for a flaky dependency", nil)
}

// appendHit adds h, keeping the worse of two hits on one bucket.
func appendHit(hits []hit, h hit) []hit {
	if n := len(hits); n > 0 && hits[n-1].i == h.i {
		if h.sev.Rank() > hits[n-1].sev.Rank() {
			hits[n-1] = h
		}
		return hits
	}
	if n := len(hits); n > 0 && hits[n-1].i > h.i {
		return hits
	}
	return append(hits, h)
}

func (f *frame) timeouts(d *fnData) {
	if !f.s.Enabled(KindTimeout, d.keys()...) {
		return
	}
	l := f.s.Limit(KindTimeout, d.keys()...)
	w := f.buckets(l.Window)
	var hits []hit
	for i := range f.n {
		if d.b[i].timeouts == 0 {
			continue
		}
		s := d.sum(i-w+1, i+1)
		frac := float64(s.timeouts) / float64(max(s.inv, 1))
		// One timeout in a quiet window is the heavy tail; MinCount of
		// them is a problem.
		sev := Severity("")
		switch {
		case !math.IsNaN(l.Warning) && float64(s.timeouts) >= l.Warning && s.timeouts >= l.MinCount:
			sev = Warning
		case s.timeouts > 0:
			sev = Info
		}
		if !math.IsNaN(l.Critical) && s.inv >= l.MinInvocations && frac >= l.Critical {
			sev = Critical
		}
		if sev == "" {
			continue
		}
		hits = appendHit(hits, hit{i: i, sev: sev, w: float64(s.timeouts), onset: f.start(f.onsetOf(d, i-w+1, i+1, func(b bucket) int64 { return b.timeouts })),
			ev: Evidence{Summary: fmt.Sprintf("%d of %d invocations hit %s in %v (%s; warning at %d, critical at %s)",
				s.timeouts, s.inv, d.timeoutText(), Human(l.Window), pct(frac), max(l.MinCount, int64(l.Warning)), pct(l.Critical)),
				Values: d.timeoutValues(map[string]float64{"timeouts": float64(s.timeouts), "invocations": float64(s.inv)}), Threshold: l.Warning}})
	}
	f.emit(d, KindTimeout, hits, 2,
		"invocations run until the timeout kills them: a slow or hanging downstream call, or a timeout set below the work's real duration",
		"set client timeouts on downstream calls below the function's timeout; raise the timeout only if the work really needs it", nil)
}

// timeoutText names the function's timeout; the telemetry says an
// invocation timed out, but only the templates say after how long.
func (d *fnData) timeoutText() string {
	switch {
	case d.timeoutMS > 0:
		return "the " + ms(float64(d.timeoutMS)*1000) + " timeout"
	case d.res == nil:
		return "their timeout (unknown: the function is not in the templates)"
	}
	return "their timeout (unknown: the template does not say it)"
}

// timeoutValues adds timeout_ms to v when the timeout is known.
func (d *fnData) timeoutValues(v map[string]float64) map[string]float64 {
	if d.timeoutMS > 0 {
		v["timeout_ms"] = float64(d.timeoutMS)
	}
	return v
}

func (f *frame) ooms(d *fnData) {
	if !f.s.Enabled(KindOOM, d.keys()...) {
		return
	}
	l := f.s.Limit(KindOOM, d.keys()...)
	w := f.buckets(l.Window)
	var hits []hit
	for i := range f.n {
		if d.b[i].ooms == 0 {
			continue
		}
		s := d.sum(i-w+1, i+1)
		sev := l.severity(float64(s.ooms))
		if sev == "" {
			continue
		}
		hits = appendHit(hits, hit{i: i, sev: sev, w: float64(s.ooms), onset: f.start(f.onsetOf(d, i-w+1, i+1, func(b bucket) int64 { return b.ooms })),
			ev: Evidence{Summary: fmt.Sprintf("%d of %d invocations ran out of memory (%d MB) in %v", s.ooms, s.inv, d.memMB, Human(l.Window)),
				Values: map[string]float64{"oom": float64(s.ooms), "invocations": float64(s.inv), "memory_mb": float64(d.memMB)}, Threshold: l.threshold()}})
	}
	f.emit(d, KindOOM, hits, 2,
		"invocations were killed for exceeding the function's memory: a large input, or memory kept across invocations (a leak)",
		"raise MemorySize (it also buys CPU), stream large inputs instead of loading them whole, and check for state kept in globals", nil)
}

func (f *frame) coldStarts(d *fnData) {
	if !f.s.Enabled(KindColdStarts, d.keys()...) {
		return
	}
	l := f.s.Limit(KindColdStarts, d.keys()...)
	w := f.buckets(l.Window)
	var hits []hit
	for i := w - 1; i < f.n; i++ {
		s := d.sum(i-w+1, i+1)
		if s.inv < l.MinInvocations || s.cold == 0 {
			continue
		}
		rate := float64(s.cold) / float64(s.inv)
		sev := l.severity(rate)
		if sev == "" {
			continue
		}
		hits = appendHit(hits, hit{i: i, sev: sev, ev: Evidence{
			Summary: fmt.Sprintf("%d of %d invocations were cold starts in %v (%s; info at %s, warning at %s)", s.cold, s.inv, Human(l.Window), pct(rate), pct(l.Info), pct(l.Warning)),
			Values:  map[string]float64{"cold_starts": float64(s.cold), "invocations": float64(s.inv), "cold_start_rate": rate}, Threshold: l.threshold()}})
	}
	f.emit(d, KindColdStarts, hits, 1,
		"new execution environments are being created for many requests: bursty traffic, frequent deploys, or a large package slowing init",
		"trim the package and init work; use SnapStart (Java, Python, .NET) or provisioned concurrency for latency-critical paths", nil)
}

func (f *frame) surge(d *fnData) {
	if !f.s.Enabled(KindInvocationSurge, d.keys()...) {
		return
	}
	l := f.s.Limit(KindInvocationSurge, d.keys()...)
	w := f.buckets(l.Window)
	base := f.buckets(l.Baseline)
	// The running maximum of window counts over the baseline: a monotonic
	// deque over window sums.
	sums := make([]int64, f.n)
	for i := range f.n {
		sums[i] = d.sum(i-w+1, i+1).inv
	}
	var hits []hit
	var dq []int
	firstData := -1
	for i := range f.n {
		if firstData < 0 && d.b[i].inv > 0 {
			firstData = i
		}
		// baseline is windows ending in [i-w-base+1, i-w] (before this window)
		j := i - w
		if j >= 0 {
			for len(dq) > 0 && sums[dq[len(dq)-1]] <= sums[j] {
				dq = dq[:len(dq)-1]
			}
			dq = append(dq, j)
		}
		for len(dq) > 0 && dq[0] <= i-w-base {
			dq = dq[1:]
		}
		if firstData < 0 || i-firstData < base || len(dq) == 0 || sums[i] < l.MinCount {
			continue // no full baseline yet
		}
		peak := sums[dq[0]]
		ratio := float64(sums[i]) / float64(max(peak, 1))
		sev := l.severity(ratio)
		if sev == "" {
			continue
		}
		hits = appendHit(hits, hit{i: i, sev: sev, onset: f.start(i - w + 1), ev: Evidence{
			Summary: fmt.Sprintf("%d invocations in %v, %.2f× the busiest %v of the previous %v (%d); info at %.2f×, warning at %.2f×",
				sums[i], Human(l.Window), ratio, Human(l.Window), Human(l.Baseline), peak, l.Info, l.Warning),
			Values: map[string]float64{"invocations": float64(sums[i]), "baseline_peak": float64(peak), "ratio": ratio}, Threshold: l.threshold()}})
	}
	var impact *USD
	if len(hits) > 0 {
		h := hits[len(hits)-1]
		s := d.sum(h.i-w+1, h.i+1)
		if v, ok := f.monthlyUSD(d, s.inv, s.billedMBMS, l.Window); ok {
			impact = usd(v)
		}
	}
	f.emit(d, KindInvocationSurge, hits, 1,
		"more invocations than the busiest time of the baseline: more traffic (good), a retry storm, or a runaway trigger",
		"check where the extra invocations come from (API, queue, schedule, another function); if it is not real demand, throttle the function and fix the trigger", impact)
}

// throttleSeries reads AWS/Lambda Throttles per function name, per frame
// bucket.
func (f *frame) throttleSeries() (map[string][]float64, error) {
	ms, err := f.metrics("AWS/Lambda", "Throttles", nil)
	if err != nil {
		return nil, err
	}
	out := map[string][]float64{}
	for _, m := range ms {
		fn := m.Dimensions["FunctionName"]
		if fn == "" || len(m.Dimensions) != 1 || (m.Stat != "Sum" && m.Stat != "") {
			continue
		}
		i := f.index(m.Time)
		if i < 0 || i >= f.n {
			continue
		}
		if out[fn] == nil {
			out[fn] = make([]float64, f.n)
			f.fn(fn)
		}
		out[fn][i] += m.Value
	}
	return out, nil
}

func (f *frame) throttles(d *fnData, th []float64) {
	if th == nil || !f.s.Enabled(KindThrottles, d.keys()...) {
		return
	}
	l := f.s.Limit(KindThrottles, d.keys()...)
	w := f.buckets(l.Window)
	var hits []hit
	for i := range f.n {
		if th[i] == 0 {
			continue
		}
		var t float64
		for k := max(0, i-w+1); k <= i; k++ {
			t += th[k]
		}
		inv := d.sum(i-w+1, i+1).inv
		frac := t / (t + float64(inv))
		sev := Severity("")
		switch {
		case !math.IsNaN(l.Critical) && frac >= l.Critical:
			sev = Critical
		case d.reserved:
			sev = Info // reserved concurrency throttles by design
		case !math.IsNaN(l.Warning) && frac > l.Warning:
			sev = Warning
		}
		if sev == "" {
			continue
		}
		hits = appendHit(hits, hit{i: i, sev: sev, ev: Evidence{
			Summary: fmt.Sprintf("%.0f requests throttled against %d invocations in %v (%s; critical at %s)", t, inv, Human(l.Window), pct(frac), pct(l.Critical)),
			Values:  map[string]float64{"throttles": t, "invocations": float64(inv), "throttle_rate": frac}, Threshold: l.Warning}})
	}
	cause := "requests were refused for lack of concurrency: the account's regional limit, or the function's reserved concurrency"
	if d.reserved {
		cause = "requests were refused by the function's reserved concurrency"
	}
	f.emit(d, KindThrottles, hits, 1, cause,
		"raise reserved concurrency or the account limit; for SQS sources cap the mapping's MaximumConcurrency instead of reserving, so messages are not burned toward the DLQ", nil)
}
