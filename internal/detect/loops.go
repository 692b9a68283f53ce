package detect

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/fnops/fnops/internal/cost"
	"github.com/fnops/fnops/internal/rules"
	"github.com/fnops/fnops/internal/store"
)

// accountConcurrency is the default regional concurrency limit: the most a
// runaway can grow to before throttling caps it.
const accountConcurrency = 1000

// detectLoops watches the functions on the graph's loops (the audit's
// event-loop cycles, a function invoking itself included) minute by
// minute: invocations growing geometrically there is a runaway loop, on
// any service, those AWS's loop detection does not follow included.
func detectLoops(f *frame) error {
	if !f.s.Enabled(KindRunawayLoop) {
		return nil
	}
	loops := rules.Loops(f.g)
	onLoop := map[string][]rules.Loop{}
	var names []string
	for _, l := range loops {
		for _, id := range l.Functions {
			if d := f.byID[id]; d != nil && d.seen {
				if onLoop[id] == nil {
					names = append(names, d.name)
				}
				onLoop[id] = append(onLoop[id], l)
			}
		}
	}
	if len(names) == 0 {
		return f.droppedRecursions()
	}
	from := f.at.Add(-f.s.Lookback - time.Hour)
	rows, err := f.q.Rollups(f.ctx, store.RollupQuery{Filter: store.Filter{Functions: names, From: from, To: f.atMinute}, Step: time.Minute})
	if err != nil {
		return fmt.Errorf("detect: loop rollups: %w", err)
	}
	n := int(f.atMinute.Sub(from) / time.Minute)
	counts := map[string][]int64{}
	mbms := map[string][]int64{}
	for _, r := range rows {
		if counts[r.Function] == nil {
			counts[r.Function], mbms[r.Function] = make([]int64, n), make([]int64, n)
		}
		if i := int(r.Start.Sub(from) / time.Minute); i >= 0 && i < n {
			counts[r.Function][i] += r.Invocations
			mbms[r.Function][i] += r.BilledMBMS
		}
	}
	for _, d := range f.fns {
		ls := onLoop[d.id()]
		if ls == nil || !f.s.Enabled(KindRunawayLoop, d.keys()...) {
			continue
		}
		if in, ok := f.runaway(d, ls, from, counts[d.name], mbms[d.name]); ok {
			f.out = append(f.out, in)
		}
	}
	return f.droppedRecursions()
}

func (f *frame) runaway(d *fnData, ls []rules.Loop, from time.Time, c, mbms []int64) (Insight, bool) {
	if c == nil {
		return Insight{}, false
	}
	l := f.s.Limit(KindRunawayLoop, d.keys()...)
	k := max(1, int(l.Window/time.Minute))
	minute := func(i int) time.Time { return from.Add(time.Duration(i) * time.Minute) }
	var first, last, peak int = -1, -1, -1
	var growth float64
	var onset int
	var startBase float64
	for i := 60 + k; i < len(c); i++ {
		// Once running, the loop lasts while the count stays far above
		// where it started, growing or not (throttling flattens it).
		if first >= 0 && i-last <= 5 && c[i] >= l.MinCount && float64(c[i]) >= 3*(startBase+1) {
			last = i
			if c[i] >= c[peak] {
				peak = i
			}
			continue
		}
		if c[i] < l.MinCount || c[i-k] <= 0 {
			continue
		}
		g := math.Pow(float64(c[i])/float64(c[i-k]), 1/float64(k))
		base := median(c[max(0, i-k-60) : i-k])
		if g < l.Critical || float64(c[i]) < 3*(base+1) {
			continue
		}
		if last >= 0 && i-last > 5 {
			first = -1 // a new episode
		}
		if first < 0 {
			first, startBase = i, base
			// The loop began when the count left its usual level.
			onset = i
			lim := base + 2*math.Sqrt(base) + 1
			for j := i - 1; j >= max(0, i-30) && float64(c[j]) > lim; j-- {
				onset = j
			}
		}
		last = i
		if peak < 0 || c[i] >= c[peak] {
			peak, growth = i, g
		}
	}
	if last < 0 || minute(last+1).Before(f.at.Add(-f.s.Lookback)) {
		return Insight{}, false
	}
	loop := ls[0]
	related := slices.DeleteFunc(slices.Clone(loop.Resources), func(id string) bool { return id == d.id() })
	perMin := float64(c[last])
	var perInvUSD float64
	if v, ok := f.monthlyUSD(d, c[last], mbms[last], cost.HoursPerMonth*time.Hour); ok && c[last] > 0 {
		perInvUSD = v / float64(c[last])
	}
	// Projected: growing at the observed rate for the next hour until the
	// account's concurrency caps it.
	meanS := 0.1
	if s := d.sum(0, f.n); s.inv > 0 {
		meanS = float64(s.durSum) / float64(s.inv) / 1e6
	}
	capPerMin := accountConcurrency / math.Max(meanS, 0.001) * 60
	var hour float64
	rate := perMin
	for range 60 {
		rate = math.Min(rate*growth, capPerMin)
		hour += rate
	}
	hourUSD := hour * perInvUSD
	stop := "Lambda's recursive loop detection stops loops through SQS, SNS, S3 and Lambda after about 16 rounds, and only with recent SDKs"
	if len(loop.Undetected) > 0 {
		stop = "Lambda's loop detection does not follow " + strings.Join(loop.Undetected, " or ") + ": nothing stops this loop but you"
	}
	in := Insight{Kind: KindRunawayLoop, Severity: Critical, Resource: d.id(), Related: related,
		FirstSeen: minute(onset), LastSeen: minute(last + 1), State: Resolved, ImpactUSDPerMonth: usd(hourUSD * 24 * 30),
		Evidence: Evidence{Summary: fmt.Sprintf("invocations growing %.2f× a minute (threshold %.2f×) to %.0f a minute on the loop %s; projected $%s in the next hour if it goes on",
			growth, l.Critical, float64(c[peak]), loop.Path, formatCents(hourUSD)),
			Values: map[string]float64{"growth_per_minute": growth, "invocations_per_minute": float64(c[last]), "peak_per_minute": float64(c[peak]),
				"projected_usd_per_hour": hourUSD}, Threshold: l.Critical},
		Cause: "the function's output triggers it again: " + loop.Path + "; " + stop,
		Fix: "stop it now: set the function's reserved concurrency to 0 (aws lambda put-function-concurrency --reserved-concurrent-executions 0) or disable the trigger; " +
			"then break the loop (write elsewhere, or filter the trigger on a prefix or attribute the function never writes)"}
	if !minute(last + 1).Before(f.atMinute.Add(-2 * time.Minute)) {
		in.State = Open
	}
	return in, true
}

func median(v []int64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return float64(s[len(s)/2])
}

// droppedRecursions reports what AWS's own loop detection saw: Lambda's
// RecursiveInvocationsDropped metric, emitted at once (its e-mail comes
// hours later).
func (f *frame) droppedRecursions() error {
	ms, err := f.metrics("AWS/Lambda", "RecursiveInvocationsDropped", nil)
	if err != nil {
		return err
	}
	for name, s := range f.seriesBy(ms, "FunctionName", "Sum") {
		d := f.fn(name)
		if !f.s.Enabled(KindRunawayLoop, d.keys()...) || f.reported(KindRunawayLoop, d.id()) {
			continue
		}
		in, ok := f.minuteEpisode(s, 5, func(i int) (Severity, Evidence) {
			if s.v[i] <= 0 {
				return "", Evidence{}
			}
			return Critical, Evidence{Summary: fmt.Sprintf("Lambda dropped %.0f recursive invocations in a minute (RecursiveInvocationsDropped > 0)", s.v[i]),
				Values: map[string]float64{"recursive_invocations_dropped": s.v[i]}, Threshold: 0}
		})
		if !ok {
			continue
		}
		in.Kind, in.Resource, in.Related = KindRunawayLoop, d.id(), f.related(d.res)
		in.Cause = "the function is in a loop that Lambda's recursive loop detection stopped after about 16 rounds; the events it dropped went to the source's DLQ or the function's on-failure destination, and the work they carried is not done"
		in.Fix = "break the loop (write elsewhere, or filter the trigger); look in the DLQ or failure destination for the dropped events"
		f.out = append(f.out, in)
	}
	return nil
}

// reported says whether an insight of kind on resource is already out.
func (f *frame) reported(kind, resource string) bool {
	for _, in := range f.out {
		if in.Kind == kind && in.Resource == resource {
			return true
		}
	}
	return false
}
