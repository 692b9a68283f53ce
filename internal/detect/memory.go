package detect

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/telemetry"
)

// leakGrowth is how far above its baseline peak a function's peak memory
// must climb, and keep climbing, to be called a leak: ordinary deploys
// move memory by a few percent and a bucket's peak by about ten.
const leakGrowth = 1.3

type memBucket struct {
	inv        int64
	used, size int32
}

// detectMemory runs high-memory (near the allocation, or growing since a
// deploy) and memory-overprovisioned, from the raw rows' memory peaks.
func detectMemory(f *frame) error {
	mr, ok := f.q.(store.MemoryReporter)
	if !ok {
		f.storeCannot("memory use", KindHighMemory, KindMemoryOverprovisioned)
		return nil
	}
	// Buckets only as far back as high-memory looks; the over-provisioning
	// peak over its baseline in one bucket per function: the raw scan is
	// the cost, and a bucket key on every row doubles it.
	from := maxTime(f.from, f.at.Add(-f.s.Lookback-f.s.longest(KindHighMemory)).Truncate(f.step))
	rows, err := mr.MemoryStats(f.ctx, store.BreakdownQuery{Filter: store.Filter{From: from, To: f.at}, Step: f.step})
	if err != nil {
		return fmt.Errorf("detect: memory: %w", err)
	}
	peaks, err := f.memoryPeaks(mr)
	if err != nil {
		return err
	}
	mem := map[*fnData][]memBucket{}
	for _, r := range rows {
		d := f.fn(r.Function)
		i := f.index(r.Start)
		if i < 0 || i >= f.n {
			continue
		}
		if mem[d] == nil {
			mem[d] = make([]memBucket, f.n)
		}
		mem[d][i] = memBucket{r.Invocations, r.MaxUsedMB, r.MemorySizeMB}
	}
	for _, d := range f.fns {
		if m := mem[d]; m != nil {
			if err := f.highMemory(d, m); err != nil {
				return err
			}
		}
	}
	for _, p := range peaks {
		f.overprovisioned(f.fn(p.Function), p)
	}
	return nil
}

// memoryPeaks is each function's peak over its memory-overprovisioned
// baseline: one whole-range query for the functions on the global
// baseline, and one more per baseline that functions override it with,
// for those functions only. The store's MemoryUse (fnops cost) is not
// used: it has no buckets, groups by memory size and computes a 99th
// percentile, so it is slower for a peak (docs/BENCHMARKS.md, Watch).
func (f *frame) memoryPeaks(mr store.MemoryReporter) ([]store.MemoryStat, error) {
	global := f.s.Limit(KindMemoryOverprovisioned).Baseline
	own := map[time.Duration][]string{} // baseline → functions overriding with it
	overridden := map[string]bool{}
	for _, d := range f.fns {
		if b := f.s.Limit(KindMemoryOverprovisioned, d.keys()...).Baseline; b != global && f.s.Enabled(KindMemoryOverprovisioned, d.keys()...) {
			own[b] = append(own[b], d.name)
			overridden[d.name] = true
		}
	}
	query := func(baseline time.Duration, fns []string) ([]store.MemoryStat, error) {
		rows, err := mr.MemoryStats(f.ctx, store.BreakdownQuery{Filter: store.Filter{Functions: fns, From: f.at.Add(-baseline), To: f.at}, Whole: true})
		if err != nil {
			return nil, fmt.Errorf("detect: memory: %w", err)
		}
		return rows, nil
	}
	rows, err := query(global, nil)
	if err != nil {
		return nil, err
	}
	peaks := slices.DeleteFunc(rows, func(p store.MemoryStat) bool { return overridden[p.Function] })
	for _, b := range slices.Sorted(maps.Keys(own)) {
		rows, err := query(b, own[b])
		if err != nil {
			return nil, err
		}
		peaks = append(peaks, rows...)
	}
	return peaks, nil
}

// storeCannot says, once, that the store cannot answer what some kinds
// need.
func (f *frame) storeCannot(what string, kinds ...string) {
	for _, k := range kinds {
		if !f.s.Enabled(k) {
			continue
		}
		f.out = append(f.out, Insight{Kind: k, Severity: Info, Resource: "store", Related: []string{},
			FirstSeen: f.from, LastSeen: f.at, State: NoData,
			Evidence: Evidence{Summary: "this store keeps no " + what + ", so " + k + " cannot be judged", Values: map[string]float64{}},
			Cause:    "the store backend does not answer " + what + " queries",
			Fix:      "use the embedded DuckDB store, which keeps the raw invocations"})
	}
}

func (f *frame) highMemory(d *fnData, m []memBucket) error {
	if !f.s.Enabled(KindHighMemory, d.keys()...) {
		return nil
	}
	l := f.s.Limit(KindHighMemory, d.keys()...)
	base := f.buckets(l.Baseline)
	var hits []hit
	var peaks []int32 // baseline bucket peaks, for the leak test
	// No bucket can be leakGrowth above a median that is at least the
	// lowest peak: a cheap filter before the median.
	lowest := int32(math.MaxInt32)
	for _, b := range m {
		if b.inv > 0 {
			lowest = min(lowest, b.used)
		}
	}
	for i := range f.n {
		b := m[i]
		if b.inv == 0 || b.size == 0 {
			continue
		}
		frac := float64(b.used) / float64(b.size)
		if sev := l.severity(frac); sev != "" && d.b[i].ooms == 0 {
			hits = appendHit(hits, hit{i: i, sev: sev, ev: Evidence{
				Summary: fmt.Sprintf("peak memory %d MB of %d MB (%s; threshold %s)", b.used, b.size, pct(frac), pct(l.Warning)),
				Values:  map[string]float64{"max_memory_used_mb": float64(b.used), "memory_mb": float64(b.size), "fraction": frac}, Threshold: l.Warning}})
			continue
		}
		// The leak test: this bucket's and the previous bucket's peaks
		// far above the median peak of the baseline before them.
		if i == 0 || m[i-1].inv == 0 || d.b[i].ooms > 0 || d.b[i-1].ooms > 0 ||
			float64(min(b.used, m[i-1].used)) < leakGrowth*float64(lowest) {
			continue
		}
		peaks = peaks[:0]
		for k := max(0, i-base); k < i-1; k++ {
			if m[k].inv > 0 && !hitAt(hits, k) {
				peaks = append(peaks, m[k].used)
			}
		}
		if len(peaks) < 12 {
			continue
		}
		slices.Sort(peaks)
		med := float64(peaks[len(peaks)/2])
		g0, g1 := float64(m[i-1].used)/med, float64(b.used)/med
		if g0 >= leakGrowth && g1 >= leakGrowth && b.used >= m[i-1].used {
			hits = appendHit(hits, hit{i: i, sev: Warning, onset: f.start(i - 1), ev: Evidence{
				Summary: fmt.Sprintf("peak memory climbing: %d MB now, %.2f× the usual peak of %.0f MB (leak test at %.2f×; %s of %d MB)",
					b.used, g1, med, leakGrowth, pct(frac), b.size),
				Values: map[string]float64{"max_memory_used_mb": float64(b.used), "baseline_peak_mb": med, "growth": g1, "memory_mb": float64(b.size)}, Threshold: leakGrowth}})
		}
	}
	in, ok := f.report(Insight{Kind: KindHighMemory, Resource: d.id(), Related: f.related(d.res),
		Cause: "invocations use nearly all of the function's memory; the next larger input is an out-of-memory kill",
		Fix:   "raise MemorySize, or reduce what each invocation holds in memory"}, hits, 2)
	if !ok {
		return nil
	}
	if _, leak := in.Evidence.Values["growth"]; leak {
		in.Cause = "memory grows from invocation to invocation in each environment: state kept across invocations (a leak)"
		in.Fix = "find what is kept in globals or caches between invocations; until fixed, raising memory only delays the out-of-memory kills"
		deps, err := f.q.Deploys(f.ctx, store.DeployQuery{Function: d.name, From: in.FirstSeen.Add(-time.Hour), To: in.FirstSeen.Add(f.step)})
		if err != nil {
			return fmt.Errorf("detect: deploys: %w", err)
		}
		if dep, ok := lastDeploy(deps); ok {
			in.FirstSeen = dep.Time.UTC()
			in.Cause = fmt.Sprintf("memory has grown from invocation to invocation since the deploy of %s at %s: a leak in the new code",
				deployName(dep), dep.Time.UTC().Format("2006-01-02 15:04 UTC"))
			in.Fix = "roll back the deploy; then find what the new code keeps between invocations"
		}
	}
	f.out = append(f.out, in)
	return nil
}

func hitAt(hits []hit, i int) bool {
	n := len(hits)
	return n > 0 && (hits[n-1].i == i || (n > 1 && hits[n-2].i == i))
}

// overprovisioned compares the peak over the baseline with the allocation
// and prices the right-sized memory.
func (f *frame) overprovisioned(d *fnData, p store.MemoryStat) {
	if !f.s.Enabled(KindMemoryOverprovisioned, d.keys()...) {
		return
	}
	l := f.s.Limit(KindMemoryOverprovisioned, d.keys()...)
	lo := max(f.index(f.at.Add(-l.Baseline)), 0)
	inv, used, size := p.Invocations, p.MaxUsedMB, p.MemorySizeMB
	if inv < l.MinInvocations || size == 0 || d.sum(f.n-1, f.n).ooms > 0 {
		return
	}
	frac := float64(used) / float64(size)
	sev := l.severityBelow(frac)
	if sev == "" {
		return
	}
	// Keep a third above the peak, in 64 MB steps, at least 128 MB.
	proposed := max(128, (int64(float64(used)*4/3)+63)/64*64)
	if proposed >= int64(size) {
		return
	}
	first := lo
	for first < f.n-1 && d.b[first].inv == 0 {
		first++
	}
	s := d.sum(first, f.n)
	span := f.at.Sub(f.start(first))
	var impact *USD
	if now, ok := f.monthlyUSD(d, 0, s.billedMBMS, span); ok {
		impact = usd(now * (1 - float64(proposed)/float64(size)))
	}
	f.out = append(f.out, Insight{Kind: KindMemoryOverprovisioned, Severity: sev, Resource: d.id(), Related: f.related(d.res),
		FirstSeen: f.start(first), LastSeen: f.at, State: Open, ImpactUSDPerMonth: impact,
		Evidence: Evidence{Summary: fmt.Sprintf("peak memory %d MB of %d MB over %d invocations in %v (%s; fires below %s); %d MB would keep a third in hand",
			used, size, inv, Human(span.Round(time.Minute)), pct(frac), pct(l.threshold()), proposed),
			Values: map[string]float64{"max_memory_used_mb": float64(used), "memory_mb": float64(size), "proposed_mb": float64(proposed), "invocations": float64(inv)}, Threshold: l.threshold()},
		Cause: "the function is allocated far more memory than it uses; memory is what Lambda bills",
		Fix:   fmt.Sprintf("set MemorySize to %d MB and watch its duration (less memory is also less CPU); fnops tune measures the trade-off", proposed)})
}

// detectNewErrors reports error types that did not occur in the baseline.
func detectNewErrors(f *frame) error {
	ec, ok := f.q.(store.ErrorCounter)
	if !ok {
		f.storeCannot("error types", KindNewError)
		return nil
	}
	from := maxTime(f.from, f.at.Add(-f.s.Lookback-f.s.longest(KindNewError)).Truncate(f.step))
	rows, err := ec.ErrorCounts(f.ctx, store.BreakdownQuery{Filter: store.Filter{From: from, To: f.at}, Step: f.step})
	if err != nil {
		return fmt.Errorf("detect: error types: %w", err)
	}
	series := map[fnType][]int64{}
	var order []fnType
	for _, r := range rows {
		if r.Status != telemetry.StatusError && r.Status != telemetry.StatusInitError {
			continue
		}
		k := fnType{f.fn(r.Function), r.ErrorType}
		if k.typ == "" {
			k.typ = "(no error type)"
		}
		i := f.index(r.Start)
		if i < 0 || i >= f.n {
			continue
		}
		if series[k] == nil {
			series[k] = make([]int64, f.n)
			order = append(order, k)
		}
		series[k][i] += r.Count
	}
	f.errorTypes = map[*fnData]map[string][]int64{}
	for k, v := range series {
		if f.errorTypes[k.d] == nil {
			f.errorTypes[k.d] = map[string][]int64{}
		}
		f.errorTypes[k.d][k.typ] = v
	}
	for _, k := range order {
		d := k.d
		if !f.s.Enabled(KindNewError, d.keys()...) {
			continue
		}
		l := f.s.Limit(KindNewError, d.keys()...)
		w, base := f.buckets(l.Window), f.buckets(l.Baseline)
		s := series[k]
		var in *Insight
		for i := range f.n {
			if s[i] == 0 {
				continue
			}
			// New: the function was seen for the whole baseline before and
			// the type never.
			if !d.seen || f.start(i).Sub(d.first) < l.Baseline {
				continue
			}
			seenBefore := false
			for j := max(0, i-base); j < i; j++ {
				if s[j] > 0 {
					seenBefore = true
					break
				}
			}
			if seenBefore {
				continue
			}
			var n int64
			last := i
			for j := i; j < min(f.n, i+w); j++ {
				if s[j] > 0 {
					n += s[j]
					last = j
				}
			}
			sev := l.severity(float64(n))
			if n < l.MinCount || sev == "" {
				continue
			}
			x := Insight{Kind: KindNewError, Severity: sev, Resource: d.id(), Related: f.related(d.res), Signature: k.typ,
				FirstSeen: f.start(i), LastSeen: f.start(last + 1), State: Resolved,
				Evidence: Evidence{Summary: fmt.Sprintf("%s: %d times in the first %v, never in the %v before (info at %.0f, warning at %.0f)",
					k.typ, n, Human(l.Window), Human(l.Baseline), l.Info, l.Warning),
					Values: map[string]float64{"count": float64(n)}, Threshold: l.threshold()},
				Cause: "a failure the function has not had before: a new code path, a changed input or a dependency failing in a new way",
				Fix:   "read the first occurrences in the logs (the error type is " + k.typ + "); if it started with a deploy, roll back"}
			if f.at.Sub(x.FirstSeen) <= l.Window {
				x.State = Open
			}
			in = &x
		}
		if in != nil && in.LastSeen.After(f.at.Add(-f.s.Lookback)) {
			f.out = append(f.out, *in)
		}
	}
	return nil
}

// fnType is one function's error type.
type fnType struct {
	d   *fnData
	typ string
}
