package detect

import (
	"fmt"
	"strings"
	"time"

	"github.com/fnops/fnops/internal/schedule"
)

// detectSchedules compares the runs the model's schedule expressions
// (rate and cron, UTC) expect with the invocations seen: schedule-missed
// for runs that did not happen, schedule-overrun for runs longer than the
// period (which overlap the next).
func detectSchedules(f *frame) error {
	total := make([]int64, f.n) // every function's invocations: is there data at all?
	for _, d := range f.fns {
		for i := range f.n {
			total[i] += d.b[i].inv
		}
	}
	for _, d := range f.fns {
		scheds := f.schedulesOf(d.res)
		if len(scheds) == 0 {
			continue
		}
		f.missed(d, scheds, total)
		f.overrun(d, scheds)
	}
	return nil
}

func (f *frame) missed(d *fnData, scheds []*schedule.Schedule, total []int64) {
	if !f.s.Enabled(KindScheduleMissed, d.keys()...) {
		return
	}
	l := f.s.Limit(KindScheduleMissed, d.keys()...)
	type run struct {
		t      time.Time
		expr   string
		missed bool
	}
	var runs []run
	var exprs []string
	for _, sc := range scheds {
		exprs = append(exprs, sc.Expr)
		slack := l.Grace
		if sc.Every > 0 {
			slack += sc.Every // a rate's phase is unknown: any run in the period counts
		}
		for _, t := range sc.Between(f.from, f.at.Add(-slack)) {
			lo, hi := f.index(t), f.index(t.Add(slack))
			var ran, data int64
			for k := max(lo, 0); k <= min(hi, f.n-1); k++ {
				ran += d.b[k].inv
				data += total[k]
			}
			if data == 0 {
				continue // no telemetry at all then: cannot tell
			}
			runs = append(runs, run{t, sc.Expr, ran == 0})
		}
	}
	if len(runs) == 0 {
		return
	}
	// The last streak of missed runs.
	end := len(runs) - 1
	for end >= 0 && !runs[end].missed {
		end--
	}
	if end < 0 {
		return
	}
	start := end
	for start > 0 && runs[start-1].missed {
		start--
	}
	streak := end - start + 1
	last := runs[end].t
	if last.Before(f.at.Add(-f.s.Lookback)) {
		return
	}
	sev := l.severity(float64(streak))
	if sev == "" {
		return
	}
	state := Resolved
	if end == len(runs)-1 {
		state = Open
	}
	lastRan := "never in the store's data"
	for k := f.index(runs[start].t) - 1; k >= 0; k-- {
		if d.b[k].inv > 0 {
			lastRan = "last ran " + f.start(k).Format("2006-01-02 15:04 UTC")
			break
		}
	}
	f.out = append(f.out, Insight{Kind: KindScheduleMissed, Severity: sev, Resource: d.id(), Related: f.related(d.res),
		FirstSeen: runs[start].t, LastSeen: minTime(last.Add(l.Grace), f.at), State: state,
		Evidence: Evidence{Summary: fmt.Sprintf("%d scheduled run(s) of %s did not happen, the first at %s (grace %v; warning at %.0f, critical at %.0f in a row); %s",
			streak, strings.Join(exprs, ", "), runs[start].t.Format("2006-01-02 15:04 UTC"), Human(l.Grace), l.Warning, l.Critical, lastRan),
			Values: map[string]float64{"missed_runs": float64(streak)}, Threshold: l.Warning},
		Cause: "the schedule fired no invocation: the rule was disabled or deleted, the function's permission was removed, or it is throttled to 0",
		Fix:   "check the rule's state and targets (aws events describe-rule / list-targets-by-rule) and the function's resource policy and concurrency"})
}

func (f *frame) overrun(d *fnData, scheds []*schedule.Schedule) {
	if !f.s.Enabled(KindScheduleOverrun, d.keys()...) {
		return
	}
	l := f.s.Limit(KindScheduleOverrun, d.keys()...)
	period := time.Duration(0)
	for _, sc := range scheds {
		if p := sc.Period(); p > 0 && (period == 0 || p < period) {
			period = p
		}
	}
	if period == 0 {
		return
	}
	var hits []hit
	for i := range f.n {
		b := d.b[i]
		if b.inv == 0 {
			continue
		}
		frac := float64(b.durMax) / float64(period.Microseconds())
		sev := l.severity(frac)
		if sev == "" {
			continue
		}
		overlap := ""
		if frac >= 1 {
			overlap = "; runs overlap"
		}
		hits = appendHit(hits, hit{i: i, sev: sev, ev: Evidence{
			Summary: fmt.Sprintf("a run took %s against a period of %v (%s; warning at %s, critical at %s)%s", ms(float64(b.durMax)), Human(period), pct(frac), pct(l.Warning), pct(l.Critical), overlap),
			Values:  map[string]float64{"max_duration_ms": float64(b.durMax) / 1000, "period_s": period.Seconds(), "fraction": frac}, Threshold: l.Warning}})
	}
	f.emit(d, KindScheduleOverrun, hits, f.buckets(period),
		"runs take about as long as the schedule's period: the next run starts before this one ends, so two work on the same data",
		"make runs idempotent and take a lock (DynamoDB conditional write) or set reserved concurrency to 1; split the work or lengthen the period", nil)
}
