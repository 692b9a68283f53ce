package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/fnops/fnops/internal/cost"
	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/telemetry"
)

// deployWindow is what a function did in the window before or after a
// deploy, from its raw invocations.
type deployWindow struct {
	From, To      time.Time
	Invocations   int64
	PerInvocation cost.Money // list price, no free tier
	P50MS, P95MS  float64    // duration
	MemP50MB      int32      // Max Memory Used
	MemP95MB      int32
	traffic       cost.Traffic
}

// deployImpact is one deploy, before against after.
type deployImpact struct {
	Deploy        telemetry.Deploy
	Function      string
	Before, After deployWindow
	// Change in percent, after against before; nil when before is empty.
	PerInvocationPct, P50Pct, P95Pct, MemP95Pct *float64
	// Monthly is the projected monthly dollar impact at the current
	// (after-window) traffic: (after - before) cost per invocation x
	// invocations a 730-hour month at that rate.
	Monthly cost.Money
}

// deployImpacts compares each function deploy in [from, to) over window
// before and after it, cut at the function's neighbouring deploys so each
// window holds one version. A stack-wide deploy counts for every function
// with telemetry.
func deployImpacts(ctx context.Context, st store.Store, cat *costCatalog, from, to time.Time, window time.Duration) ([]deployImpact, error) {
	fs, err := st.FunctionStats(ctx, store.Filter{})
	if err != nil {
		return nil, err
	}
	var out []deployImpact
	for _, f := range fs {
		ds, err := st.Deploys(ctx, store.DeployQuery{Function: f.Function})
		if err != nil {
			return nil, err
		}
		// Stack events name the functions an update changed; when there
		// are such markers, the stack-wide ones say nothing more about this
		// function. One marker per instant: a version seen in the logs and
		// its stack event are the same deploy.
		if slices.ContainsFunc(ds, func(d telemetry.Deploy) bool { return d.Function != "" }) {
			ds = slices.DeleteFunc(ds, func(d telemetry.Deploy) bool { return d.Function == "" })
		}
		ds = slices.CompactFunc(ds, func(a, b telemetry.Deploy) bool { return a.Time.Equal(b.Time) })
		cf, err := cat.get(f.Function, "")
		if err != nil {
			return nil, err
		}
		for i, d := range ds {
			if (!from.IsZero() && d.Time.Before(from)) || (!to.IsZero() && !d.Time.Before(to)) {
				continue
			}
			bFrom, aTo := d.Time.Add(-window), d.Time.Add(window)
			if i > 0 && ds[i-1].Time.After(bFrom) {
				bFrom = ds[i-1].Time
			}
			if i+1 < len(ds) && ds[i+1].Time.Before(aTo) {
				aTo = ds[i+1].Time
			}
			imp := deployImpact{Deploy: d, Function: f.Function}
			if imp.Before, err = measureWindow(ctx, st, cf, bFrom, d.Time); err != nil {
				return nil, err
			}
			if imp.After, err = measureWindow(ctx, st, cf, d.Time, aTo); err != nil {
				return nil, err
			}
			if imp.Before.Invocations == 0 && imp.After.Invocations == 0 {
				continue
			}
			if imp.Before.Invocations > 0 && imp.After.Invocations > 0 {
				imp.PerInvocationPct = pctChange(imp.Before.PerInvocation.Float(), imp.After.PerInvocation.Float())
				imp.P50Pct = pctChange(imp.Before.P50MS, imp.After.P50MS)
				imp.P95Pct = pctChange(imp.Before.P95MS, imp.After.P95MS)
				imp.MemP95Pct = pctChange(float64(imp.Before.MemP95MB), float64(imp.After.MemP95MB))
				perMonth := new(big.Rat).SetFrac(big.NewInt(imp.After.Invocations), big.NewInt(int64(aTo.Sub(d.Time))))
				perMonth.Mul(perMonth, big.NewRat(int64(cost.HoursPerMonth*time.Hour), 1))
				imp.Monthly = imp.After.PerInvocation.Sub(imp.Before.PerInvocation).Mul(perMonth)
			}
			out = append(out, imp)
		}
	}
	slices.SortFunc(out, func(a, b deployImpact) int {
		return cmp.Or(a.Deploy.Time.Compare(b.Deploy.Time), cmp.Compare(a.Function, b.Function))
	})
	return out, nil
}

func pctChange(before, after float64) *float64 {
	if before == 0 {
		return nil
	}
	p := (after - before) / before * 100
	return &p
}

// measureWindow reads the function's raw invocations in [from, to).
func measureWindow(ctx context.Context, st store.Querier, cf *costFunction, from, to time.Time) (deployWindow, error) {
	w := deployWindow{From: from, To: to}
	var durs []int64
	var mems []int32
	tr := cost.Traffic{Window: to.Sub(from)}
	for inv, err := range st.Invocations(ctx, store.InvocationQuery{Function: cf.fn.Name, From: from, To: to}) {
		if err != nil {
			return w, err
		}
		if store.Suspect(inv.MemorySizeMB, inv.DurationUS, inv.BilledDurationMS) != "" {
			continue
		}
		tr.Invocations++
		tr.BilledMS += inv.BilledDurationMS
		tr.MBms += inv.BilledDurationMS * int64(inv.MemorySizeMB)
		durs = append(durs, inv.DurationUS)
		mems = append(mems, inv.MaxMemoryUsedMB)
	}
	w.Invocations, w.traffic = tr.Invocations, tr
	if tr.Invocations == 0 {
		return w, nil
	}
	var err error
	if w.PerInvocation, err = cost.PerInvocation(cf.fn, tr, from); err != nil {
		return w, err
	}
	slices.Sort(durs)
	slices.Sort(mems)
	w.P50MS, w.P95MS = float64(nearestRank(durs, 50))/1000, float64(nearestRank(durs, 95))/1000
	w.MemP50MB, w.MemP95MB = nearestRank(mems, 50), nearestRank(mems, 95)
	return w, nil
}

// nearestRank is the p-th percentile of sorted values by the nearest-rank
// method: the value at rank ceil(p/100 x n).
func nearestRank[T int64 | int32](sorted []T, p int) T {
	n := len(sorted)
	r := (p*n + 99) / 100
	return sorted[max(r, 1)-1]
}

// deployReportDoc is the versioned JSON of `fnops cost --by deploy`.
type deployReportDoc struct {
	Version  int               `json:"version"`
	Currency string            `json:"currency"`
	Window   string            `json:"window"`
	Deploys  []deployReportRow `json:"deploys"`
}

type deployReportRow struct {
	Function   string             `json:"function"`
	Time       time.Time          `json:"time"`
	Version    string             `json:"version,omitempty"`
	Label      string             `json:"label,omitempty"`
	Source     string             `json:"source"`
	Before     deployWindowDoc    `json:"before"`
	After      deployWindowDoc    `json:"after"`
	ChangePct  map[string]float64 `json:"change_pct"`
	MonthlyUSD string             `json:"monthly_impact_usd"`
}

type deployWindowDoc struct {
	From          time.Time `json:"from"`
	To            time.Time `json:"to"`
	Invocations   int64     `json:"invocations"`
	PerInvocation string    `json:"usd_per_invocation"`
	P50MS         float64   `json:"p50_ms"`
	P95MS         float64   `json:"p95_ms"`
	MemP50MB      int32     `json:"memory_p50_mb"`
	MemP95MB      int32     `json:"memory_p95_mb"`
}

func windowDoc(w deployWindow) deployWindowDoc {
	return deployWindowDoc{w.From, w.To, w.Invocations, w.PerInvocation.StringPlaces(10), w.P50MS, w.P95MS, w.MemP50MB, w.MemP95MB}
}

func round1(f float64) float64 { return float64(int64(f*10+sign(f)*0.5)) / 10 }

func sign(f float64) float64 {
	if f < 0 {
		return -1
	}
	return 1
}

func runDeployReport(ctx context.Context, e *env, o *costOptions, s *costSetup, from, to time.Time) error {
	if o.window <= 0 {
		return usageError("--window must be positive")
	}
	imps, err := deployImpacts(ctx, s.st, s.cat, from, to, o.window)
	if err != nil {
		return withCode(ExitInput, err)
	}
	if o.top > 0 {
		slices.SortStableFunc(imps, func(a, b deployImpact) int { return absCmp(b.Monthly, a.Monthly) })
		imps = imps[:min(o.top, len(imps))]
	}
	doc := deployReportDoc{Version: 1, Currency: "USD", Window: o.window.String(), Deploys: []deployReportRow{}}
	for _, im := range imps {
		row := deployReportRow{Function: im.Function, Time: im.Deploy.Time.UTC(), Version: im.Deploy.Version, Label: im.Deploy.Label,
			Source: im.Deploy.Source, Before: windowDoc(im.Before), After: windowDoc(im.After), ChangePct: map[string]float64{},
			MonthlyUSD: im.Monthly.String()}
		for k, p := range map[string]*float64{"usd_per_invocation": im.PerInvocationPct, "p50": im.P50Pct, "p95": im.P95Pct, "memory_p95": im.MemP95Pct} {
			if p != nil {
				row.ChangePct[k] = round1(*p)
			}
		}
		doc.Deploys = append(doc.Deploys, row)
	}
	switch o.format {
	case "json":
		enc := json.NewEncoder(e.stdio.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	case "csv":
		return usageError("--by deploy: --format csv is not offered; use text or json")
	}
	writeDeployReportText(e.stdio.Out, doc)
	return nil
}

// absCmp compares |a| and |b|.
func absCmp(a, b cost.Money) int {
	x, y := a.Rat(), b.Rat()
	return x.Abs(x).Cmp(y.Abs(y))
}

func pctString(m map[string]float64, k string) string {
	p, ok := m[k]
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%+.1f%%", p)
}

func writeDeployReportText(w io.Writer, doc deployReportDoc) {
	if len(doc.Deploys) == 0 {
		fmt.Fprintln(w, "no deploys with telemetry around them: fnops deploys list shows the markers")
		return
	}
	fmt.Fprintf(w, "Deploys, %s before against %s after (cut at the neighbouring deploys); list prices, no free tier\n", doc.Window, doc.Window)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "time\tfunction\tversion\tlabel\t$/inv before\t$/inv after\tchange\tp50 ms\tp95 ms\tp95 change\tmem p95 MB\tmonthly impact")
	for _, d := range doc.Deploys {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f -> %.1f\t%.1f -> %.1f\t%s\t%d -> %d\t%s$%s\n",
			d.Time.Format("2006-01-02 15:04"), d.Function, d.Version, d.Label, d.Before.PerInvocation, d.After.PerInvocation,
			pctString(d.ChangePct, "usd_per_invocation"), d.Before.P50MS, d.After.P50MS, d.Before.P95MS, d.After.P95MS,
			pctString(d.ChangePct, "p95"), d.Before.MemP95MB, d.After.MemP95MB, plusSign(d.MonthlyUSD), trimMinus(d.MonthlyUSD))
	}
	tw.Flush()
}

func plusSign(s string) string {
	if len(s) > 0 && s[0] == '-' {
		return "-"
	}
	return "+"
}

func trimMinus(s string) string {
	if len(s) > 0 && s[0] == '-' {
		return s[1:]
	}
	return s
}
