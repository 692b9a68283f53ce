package detect

import (
	"fmt"
	"strings"
	"time"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/schedule"
	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/telemetry"
)

// detectDurations runs near-timeout and duration-regression.
func detectDurations(f *frame) error {
	for _, d := range f.fns {
		if !d.seen {
			continue
		}
		f.nearTimeout(d)
		if err := f.regression(d); err != nil {
			return err
		}
	}
	return nil
}

func (f *frame) nearTimeout(d *fnData) {
	if d.timeoutMS == 0 || !f.s.Enabled(KindNearTimeout, d.keys()...) {
		return
	}
	l := f.s.Limit(KindNearTimeout, d.keys()...)
	limitUS := float64(d.timeoutMS) * 1000
	var hits []hit
	for i := range f.n {
		b := d.b[i]
		// A bucket with timeouts is the timeout detector's: its max is the
		// timeout itself.
		if b.inv == 0 || b.timeouts > 0 {
			continue
		}
		frac := float64(b.durMax) / limitUS
		sev := l.severity(frac)
		if sev == "" {
			continue
		}
		hits = appendHit(hits, hit{i: i, sev: sev, ev: Evidence{
			Summary: fmt.Sprintf("the slowest invocation took %s, %s of the %s timeout (threshold %s)", ms(float64(b.durMax)), pct(frac), ms(limitUS), pct(l.Warning)),
			Values:  map[string]float64{"max_duration_ms": float64(b.durMax) / 1000, "timeout_ms": float64(d.timeoutMS), "fraction": frac}, Threshold: l.Warning}})
	}
	// One slow invocation is the tail: info. A warning needs MinCount
	// intervals of the window with near misses.
	w := f.buckets(l.Window)
	for k := range hits {
		n := int64(0)
		for j := k; j >= 0 && hits[k].i-hits[j].i < w; j-- {
			n++
		}
		if n < l.MinCount && hits[k].sev == Warning {
			hits[k].sev = Info
		}
	}
	// An hour without another near miss ends the episode (ops-insights
	// §1.3: not again within 60 minutes).
	f.emit(d, KindNearTimeout, hits, w-1,
		"some invocations come close to the timeout: a slow dependency or input that grows; the next slower one will time out",
		"find the slow calls (X-Ray, logs); set client timeouts below the function's; raise the timeout or memory if the work is legitimately long", nil)
}

// warmupPings counts, per bucket, the invocations a warm-up schedule
// explains: a rule whose input mentions warming up, as
// serverless-plugin-warmup and similar keep-warm setups send. They are
// taken out of latency means (they do nothing and would hide a slowdown).
func (f *frame) warmupPings(d *fnData) []int64 {
	if d.res == nil {
		return nil
	}
	var scheds []*schedule.Schedule
	for _, e := range f.g.In(d.res.ID, app.Triggers) {
		src := f.g.Resource(e.From)
		if !isWarmup(src) {
			continue
		}
		if sc, err := schedule.Parse(src.Text(app.AttrScheduleExpression)); err == nil {
			scheds = append(scheds, sc)
		}
	}
	if len(scheds) == 0 {
		return nil
	}
	out := make([]int64, f.n)
	for _, sc := range scheds {
		for _, t := range sc.Between(f.from, f.at) {
			if i := f.index(t); i >= 0 && i < f.n {
				out[i]++
			}
		}
	}
	return out
}

// isWarmup reports whether r is a schedule rule that only keeps functions
// warm: its targets' input mentions warming.
func isWarmup(r *app.Resource) bool {
	if r == nil || r.Kind != app.KindRule || r.Text(app.AttrScheduleExpression) == "" {
		return false
	}
	return strings.Contains(strings.ToLower(fmt.Sprint(r.Props.Get("Targets").Plain())), "warm")
}

func (f *frame) regression(d *fnData) (err error) {
	if !f.s.Enabled(KindDurationRegression, d.keys()...) {
		return nil
	}
	l := f.s.Limit(KindDurationRegression, d.keys()...)
	w, base := f.buckets(l.Window), f.buckets(l.Baseline)
	pings := f.warmupPings(d)
	inv := func(k int) int64 {
		n := d.b[k].inv
		if pings != nil {
			n = max(0, n-pings[k])
		}
		return n
	}
	// Prefix sums over the buckets that count toward baselines: a bucket
	// judged slow is left out, so a regression does not become its own
	// baseline while it lasts.
	pn, ps := make([]int64, f.n+1), make([]int64, f.n+1)
	var hits []hit
	for i := range f.n {
		slow := false
		if i >= w+base-1 {
			lo, hi := i-w-base+1, i-w+1 // baseline buckets [lo, hi)
			bn, bs := pn[hi]-pn[lo], ps[hi]-ps[lo]
			var wn, ws int64
			for k := i - w + 1; k <= i; k++ {
				wn += inv(k)
				ws += d.b[k].durSum
			}
			if wn >= l.MinInvocations && bn >= l.MinInvocations && bs > 0 {
				bm, wm := float64(bs)/float64(bn), float64(ws)/float64(wn)
				ratio := wm / bm
				if sev := l.severity(ratio); sev != "" {
					slow = true
					onset := i - w + 1
					for k := i - w + 1; k <= i; k++ {
						if n := inv(k); n > 0 && float64(d.b[k].durSum)/float64(n) >= l.Warning*bm {
							onset = k
							break
						}
					}
					hits = appendHit(hits, hit{i: i, sev: sev, onset: f.start(onset), ev: Evidence{
						Summary: fmt.Sprintf("mean duration %s over %v against %s over the previous %v: %.2f× (warning at %.2f×, critical at %.2f×)",
							ms(wm), Human(l.Window), ms(bm), Human(l.Baseline), ratio, l.Warning, l.Critical),
						Values: map[string]float64{"mean_ms": wm / 1000, "baseline_mean_ms": bm / 1000, "ratio": ratio, "invocations": float64(wn)}, Threshold: l.Warning}})
				}
			}
		}
		pn[i+1], ps[i+1] = pn[i], ps[i]
		if !slow {
			pn[i+1] += inv(i)
			ps[i+1] += d.b[i].durSum
		}
	}
	if len(hits) == 0 {
		return nil
	}
	// Means are pulled by the heavy tail (one 20× call among a hundred is
	// +20%): a candidate stands only if the median moved too, from the
	// rollups' duration sketches.
	if hits, err = f.confirmMedians(d, hits, w, base, l.Warning); err != nil || len(hits) == 0 {
		return err
	}
	cause := "invocations take longer than the function's own recent baseline: a slower dependency, more work per request, or less CPU"
	in, ok := f.report(Insight{Kind: KindDurationRegression, Resource: d.id(), Related: f.related(d.res), Cause: cause,
		Fix: "compare the slow window with the baseline in traces; if a deploy started it, roll back or profile the change"}, hits, 1)
	if !ok {
		return nil
	}
	// Across a deploy marker: a deploy shortly before the slowdown is its
	// likely cause.
	deps, err := f.q.Deploys(f.ctx, store.DeployQuery{Function: d.name, From: in.FirstSeen.Add(-l.Window), To: in.FirstSeen.Add(l.Window)})
	if err != nil {
		return fmt.Errorf("detect: deploys: %w", err)
	}
	if dep, ok := lastDeploy(deps); ok {
		in.Cause = fmt.Sprintf("it started with the deploy of %s at %s: the new code is slower", deployName(dep), dep.Time.UTC().Format("2006-01-02 15:04 UTC"))
		in.Fix = "roll back to the previous version, or profile what the deploy changed"
		in.Evidence.Values["deploy_unix"] = float64(dep.Time.Unix())
	}
	if mean := in.Evidence.Values["mean_ms"] - in.Evidence.Values["baseline_mean_ms"]; mean > 0 {
		if last := f.fnMonthly(d, in); last != nil {
			extra := float64(*last) * (1 - 1/in.Evidence.Values["ratio"])
			in.ImpactUSDPerMonth = usd(extra)
		}
	}
	f.out = append(f.out, in)
	return nil
}

// fnMonthly is d's monthly cost at the rate of the insight's last hour.
func (f *frame) fnMonthly(d *fnData, in Insight) *USD {
	j := f.index(in.LastSeen)
	i := j - f.buckets(time.Hour)
	s := d.sum(i, j)
	if v, ok := f.monthlyUSD(d, s.inv, s.billedMBMS, f.start(j).Sub(f.start(max(i, 0)))); ok {
		return usd(v)
	}
	return nil
}

func lastDeploy(ds []telemetry.Deploy) (telemetry.Deploy, bool) {
	if len(ds) == 0 {
		return telemetry.Deploy{}, false
	}
	return ds[len(ds)-1], true
}

func deployName(d telemetry.Deploy) string {
	switch {
	case d.Version != "" && d.Version != "$LATEST":
		return "version " + d.Version
	case d.Label != "":
		return d.Label
	}
	return "a new version"
}

// confirmMedians keeps the hits whose window median is also at least
// ratio times the median of the baseline before it.
func (f *frame) confirmMedians(d *fnData, hits []hit, w, base int, ratio float64) ([]hit, error) {
	rows, err := f.q.Rollups(f.ctx, store.RollupQuery{Filter: store.Filter{Functions: []string{d.name}, From: f.from, To: f.at},
		Step: f.step, Durations: true})
	if err != nil {
		return nil, fmt.Errorf("detect: duration sketches: %w", err)
	}
	sk := make([]*store.Sketch, f.n)
	for _, r := range rows {
		if i := f.index(r.Start); i >= 0 && i < f.n && r.Durations != nil {
			if sk[i] == nil {
				sk[i] = &store.Sketch{}
			}
			sk[i].Merge(r.Durations)
		}
	}
	slow := map[int]bool{}
	for _, h := range hits {
		slow[h.i] = true
	}
	merge := func(lo, hi int, skip bool) *store.Sketch {
		m := &store.Sketch{}
		for k := max(lo, 0); k < hi; k++ {
			if !(skip && slow[k]) {
				m.Merge(sk[k])
			}
		}
		return m
	}
	var out []hit
	for _, h := range hits {
		win := merge(h.i-w+1, h.i+1, false)
		bl := merge(h.i-w-base+1, h.i-w+1, true)
		if win.Count() == 0 || bl.Count() == 0 {
			continue
		}
		wm, bm := win.Quantile(0.5), bl.Quantile(0.5)
		if bm <= 0 || wm/bm < ratio {
			continue
		}
		h.ev.Values["median_ms"], h.ev.Values["baseline_median_ms"] = wm/1000, bm/1000
		h.ev.Summary += fmt.Sprintf("; median %s against %s", ms(wm), ms(bm))
		out = append(out, h)
	}
	return out, nil
}
