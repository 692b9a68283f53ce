package detect

import (
	"fmt"
	"time"
)

// The absolute floors a cost jump must also clear, in dollars a month:
// both a percentage and an amount, as cost anomaly tools do.
const (
	costInfoFloor    = 0.10
	costWarningFloor = 1.0
)

// detectCost compares each function's estimated cost over the window with
// the window before it, evaluated hourly.
func detectCost(f *frame) error {
	for _, d := range f.fns {
		if !d.seen || !f.s.Enabled(KindCostJump, d.keys()...) {
			continue
		}
		l := f.s.Limit(KindCostJump, d.keys()...)
		w, base := f.buckets(l.Window), f.buckets(l.Baseline)
		hour := f.buckets(time.Hour)
		var hits []hit
		var impact float64
		for i := f.n - 1; i >= w+base-1; i -= hour {
			cur := d.sum(i-w+1, i+1)
			prev := d.sum(i-w-base+1, i-w+1)
			if prev.inv == 0 || d.first.After(f.start(i-w-base+1)) {
				continue // no full baseline
			}
			cm, ok1 := f.monthlyUSD(d, cur.inv, cur.billedMBMS, l.Window)
			pm, ok2 := f.monthlyUSD(d, prev.inv, prev.billedMBMS, l.Baseline)
			if !ok1 || !ok2 || pm <= 0 {
				continue
			}
			up := cm/pm - 1
			sev := l.severity(up)
			switch {
			case cm-pm < costInfoFloor:
				sev = "" // cents are not a jump
			case sev == Warning && cm-pm < costWarningFloor:
				sev = Info // a large jump of a few dimes is no warning
			}
			if sev == "" {
				continue
			}
			if impact == 0 {
				impact = cm - pm
			}
			hits = append([]hit{{i: i, sev: sev, onset: f.start(i - w + 1), ev: Evidence{
				Summary: fmt.Sprintf("estimated $%s a month at the last %v's rate against $%s in the %v before: +%s (info at +%s and $0.10 a month; warning at +%s and $1 a month)",
					formatCents(cm), Human(l.Window), formatCents(pm), Human(l.Baseline), pct(up), pct(l.Info), pct(l.Warning)),
				Values: map[string]float64{"usd_per_month": cm, "baseline_usd_per_month": pm, "increase": up}, Threshold: l.threshold()}}}, hits...)
		}
		var imp *USD
		if impact > 0 {
			imp = usd(impact)
		}
		f.emit(d, KindCostJump, hits, hour,
			"the function costs more than it did: more invocations, longer ones, or more memory",
			"see which changed (fnops cost by day and version); a deploy that made it slower or a traffic change explains most jumps", imp)
	}
	return nil
}
