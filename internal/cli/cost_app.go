package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/config"
	"github.com/fnops/fnops/internal/cost"
	"github.com/fnops/fnops/internal/store"
)

// This file prices an app's stored telemetry: the engine behind `fnops
// cost`, its --by deploy report, the savings hints and check's Cost
// section.

// defaultRegion prices functions when neither --region nor cost.region
// says where the app runs.
const defaultRegion = "us-east-1"

// costFunction is what pricing knows of one function: the cost package's
// view, where it came from in the model, and its allocation.
type costFunction struct {
	fn       cost.Function
	resource string // logical id, "" when the model does not have it
	feature  string
	team     string
	pc       int64 // provisioned concurrency from the model
	archFrom string
}

// costCatalog resolves the functions seen in telemetry against the model.
type costCatalog struct {
	g      *app.Graph
	cfg    config.Cost
	region string
	byName map[string]*costFunction
}

func newCostCatalog(g *app.Graph, cfg config.Cost, region string) *costCatalog {
	return &costCatalog{g: g, cfg: cfg, region: cmpOr(region, cfg.Region, defaultRegion), byName: map[string]*costFunction{}}
}

// get returns the function named name; arch is the telemetry's own
// architecture ("" when the records do not say).
func (c *costCatalog) get(name, arch string) (*costFunction, error) {
	if f := c.byName[name]; f != nil {
		return f, nil
	}
	f := &costFunction{fn: cost.Function{Name: name, Region: c.region, Arch: cost.ArchX86, MemoryMB: 128}, archFrom: "default"}
	var r *app.Resource
	if c.g != nil {
		r = c.g.FunctionByName(name)
	}
	var tags map[string]string
	if r != nil {
		f.resource = r.ID
		tags = r.Tags
		if a := r.Text(app.AttrArchitecture); a != "" {
			f.fn.Arch, f.archFrom = cost.Arch(a), "template"
		}
		if m, ok := r.Int(app.AttrMemorySize); ok {
			f.fn.MemoryMB = m
		}
		if e, ok := r.Int(app.AttrEphemeralStorage); ok && e > 512 {
			f.fn.EphemeralMB = e
		}
		if strings.EqualFold(r.Text(app.AttrPackageType), "image") {
			f.fn.Package = cost.PackageImage
		}
		f.fn.Runtime = r.Text(app.AttrRuntime)
		f.fn.SnapStart = r.Text(app.AttrSnapStart) == "PublishedVersions"
		if pc, ok := r.Int(app.AttrProvisioned); ok && pc > 0 {
			f.pc = pc
		}
	}
	if arch != "" {
		f.fn.Arch, f.archFrom = cost.Arch(arch), "telemetry"
	}
	if _, err := cost.ParseArch(string(f.fn.Arch)); err != nil {
		return nil, fmt.Errorf("function %s: %w", name, err)
	}
	id := f.resource
	f.feature = c.cfg.FeatureOf(id, name, tags)
	f.team = c.cfg.TeamOf(id, name, tags)
	c.byName[name] = f
	return f, nil
}

// costQuery is what to price.
type costQuery struct {
	from, to time.Time // report range; zero: the data's
	freeTier bool
	by       []string // function, version, day, hour, feature, team
}

// costDims are the dimensions --by accepts for ledger rows.
var costDims = []string{"function", "version", "day", "hour", "feature", "team"}

// costRow is one row of a cost report.
type costRow struct {
	Key         map[string]string
	Invocations int64
	MBms        int64
	Split       cost.Split
}

// costResult is a priced range.
type costResult struct {
	From, To    time.Time
	Rows        []costRow
	Total       cost.Money // the bill: line items rounded to cents
	Table       string
	FreeTier    bool
	Region      string
	Implausible map[string]int64 // reason -> records counted, not priced
	Corrected   int64            // records whose billed duration was computed
	Gaps        []store.Gap
	Functions   map[string]*costFunction
}

type hourKey struct {
	fn, ver string
	hour    time.Time
}

// priceApp prices the store's usage in q's range: hourly rollups in time
// order from the 1st of the first month (the hours before q.from move the
// free tier and tiers only), corrected for the raw records whose billing
// fields cannot be priced as reported.
func priceApp(ctx context.Context, st store.Querier, cat *costCatalog, q costQuery) (*costResult, error) {
	res := &costResult{FreeTier: q.freeTier, Region: cat.region, Implausible: map[string]int64{}, Functions: cat.byName}
	res.From, res.To = q.from, q.to
	// Gaps come from their own query over the rollups; run it beside the
	// pricing. A zero From or To leaves the range open.
	type gapsResult struct {
		gaps []store.Gap
		err  error
	}
	gapsDone := make(chan gapsResult, 1)
	go func() {
		g, err := st.Gaps(ctx, store.Filter{From: q.from, To: q.to}, steadyHour)
		gapsDone <- gapsResult{g, err}
	}()
	defer func() { <-gapsDone }()
	var first, last time.Time // the buckets priced
	monthStart := time.Date(res.From.Year(), res.From.Month(), 1, 0, 0, 0, 0, time.UTC)
	// Corrections from the raw records the rollups cannot price as they are,
	// per hour and per day.
	suspects, err := st.BillingSuspects(ctx, store.Filter{From: monthStart, To: res.To})
	if err != nil {
		return nil, err
	}
	fixes := map[time.Duration]map[hourKey]*usageFix{time.Hour: {}, 24 * time.Hour: {}}
	addFix := func(step time.Duration, k hourKey, n, billed, mbms int64) {
		fx := fixes[step][k]
		if fx == nil {
			fx = &usageFix{}
			fixes[step][k] = fx
		}
		fx.n, fx.billed, fx.mbms = fx.n+n, fx.billed+billed, fx.mbms+mbms
	}
	for _, inv := range suspects {
		cf, err := cat.get(inv.Function, inv.Arch)
		if err != nil {
			return nil, err
		}
		// Take the record out as the rollup counted it, and put it back
		// with the billed duration AWS would compute when it is missing.
		n, billed, mbms := int64(-1), -inv.BilledDurationMS, -inv.BilledDurationMS*int64(inv.MemorySizeMB)
		reason := store.Suspect(inv.MemorySizeMB, inv.DurationUS, inv.BilledDurationMS)
		if reason == "missing-billed-duration" {
			b := cost.BilledDurationMS(cf.fn, cost.Invocation{Start: inv.Start, DurationUS: inv.DurationUS,
				InitDurationUS: inv.InitDurationUS, BilledRestoreMS: inv.BilledRestoreMS})
			n, billed, mbms = n+1, billed+b, mbms+b*int64(inv.MemorySizeMB)
		}
		if !inv.Start.Before(res.From) {
			if reason == "missing-billed-duration" {
				res.Corrected++
			} else {
				res.Implausible[reason]++
			}
		}
		for _, step := range []time.Duration{time.Hour, 24 * time.Hour} {
			addFix(step, hourKey{inv.Function, inv.Version, inv.Start.Truncate(step)}, n, billed, mbms)
		}
	}
	// Usage is read in days, and a day is read again hour by hour only when
	// its order matters: when it takes from the free tier or crosses a
	// tier boundary (cost.Ledger.Steady). Reports by hour, and apps with
	// provisioned concurrency (reserved by the hour), read hours.
	step := 24 * time.Hour
	if slices.Contains(q.by, "hour") || cat.hasProvisioned() {
		step = time.Hour
	}
	ledger := cost.NewLedger(cost.Options{FreeTier: q.freeTier})
	keys := map[string]map[string]string{}
	pcHours := map[hourKey]bool{}
	add := func(r store.Rollup, step time.Duration, counted bool) error {
		cf, err := cat.get(r.Function, "")
		if err != nil {
			return err
		}
		u := cost.Usage{Start: r.Start, Requests: r.Invocations, BilledMS: r.BilledMS, MBms: r.BilledMBMS}
		if fx := fixes[step][hourKey{r.Function, r.Version, r.Start}]; fx != nil {
			u.Requests += fx.n
			u.BilledMS += fx.billed
			u.MBms += fx.mbms
		}
		if cf.pc > 0 {
			// Provisioned environments serve up to pc x memory x 1 h of
			// duration an hour; the rest spills over to on-demand.
			capMBms := cf.pc * cf.fn.MemoryMB * step.Milliseconds()
			u.PCMBms = min(u.MBms, capMBms)
			u.MBms -= u.PCMBms
		}
		key, km := costKey(q.by, cf, r.Function, r.Version, r.Start)
		keys[key] = km
		if counted {
			first, last = minTime(first, r.Start), maxTime(last, r.Start.Add(step))
		}
		if err := ledger.Add(cf.fn, u, key, counted); err != nil {
			return fmt.Errorf("price %s at %s: %w", r.Function, r.Start.Format(time.RFC3339), err)
		}
		if cf.pc > 0 && counted && !pcHours[hourKey{fn: r.Function, hour: r.Start}] {
			pcHours[hourKey{fn: r.Function, hour: r.Start}] = true
			if err := ledger.AddProvisioned(cf.fn, r.Start, cf.pc, step, key); err != nil {
				return err
			}
		}
		return nil
	}
	usage := func(f, t time.Time, step time.Duration) ([]store.Rollup, error) {
		return st.Usage(ctx, store.RollupQuery{Filter: store.Filter{From: f, To: t}, Step: step, ByVersion: true})
	}
	phase := func(f, t time.Time, counted bool) error {
		if !t.IsZero() && !f.Before(t) {
			return nil
		}
		rs, err := usage(f, t, step)
		if err != nil {
			return err
		}
		for i := 0; i < len(rs); {
			j := i
			for j < len(rs) && rs[j].Start.Equal(rs[i].Start) {
				j++
			}
			group := rs[i:j]
			if step > time.Hour && !cat.steady(ledger, group, fixes[step]) {
				hours, err := usage(maxTime(f, group[0].Start), minTime(t, group[0].Start.Add(step)), time.Hour)
				if err != nil {
					return err
				}
				for _, r := range hours {
					if err := add(r, time.Hour, counted); err != nil {
						return err
					}
				}
			} else {
				for _, r := range group {
					if err := add(r, step, counted); err != nil {
						return err
					}
				}
			}
			i = j
		}
		return nil
	}
	if !res.From.IsZero() {
		if err := phase(monthStart, res.From, false); err != nil {
			return nil, err
		}
	}
	if err := phase(res.From, res.To, true); err != nil {
		return nil, err
	}
	for _, lr := range ledger.Rows() {
		s, err := ledger.Split(lr)
		if err != nil {
			return nil, err
		}
		res.Rows = append(res.Rows, costRow{Key: keys[lr.Key], Invocations: lr.Invocations, MBms: lr.MBms, Split: s})
	}
	if res.Total, err = ledger.Total(); err != nil {
		return nil, err
	}
	if res.From.IsZero() {
		res.From = first
	}
	if res.To.IsZero() {
		res.To = last
	}
	res.Table = cost.TableFor(res.From).Version
	gr := <-gapsDone
	gapsDone <- gr // for the deferred receive
	if gr.err != nil {
		return nil, gr.err
	}
	res.Gaps = gr.gaps
	return res, nil
}

type usageFix struct{ n, billed, mbms int64 }

// hasProvisioned reports whether the model gives any function provisioned
// concurrency.
func (c *costCatalog) hasProvisioned() bool {
	if c.g == nil {
		return false
	}
	for _, r := range c.g.Of(app.KindFunction) {
		if pc, ok := r.Int(app.AttrProvisioned); ok && pc > 0 {
			return true
		}
	}
	return false
}

// steady reports whether a bucket's usage (one start, every function) is
// steady in the ledger for every architecture and region it touches.
func (c *costCatalog) steady(l *cost.Ledger, group []store.Rollup, fixes map[hourKey]*usageFix) bool {
	sums := map[[2]string]int64{}
	fns := map[[2]string]cost.Function{}
	for _, r := range group {
		cf, err := c.get(r.Function, "")
		if err != nil {
			return false
		}
		k := [2]string{cf.fn.Region, string(cf.fn.Arch)}
		mbms := r.BilledMBMS
		if fx := fixes[hourKey{r.Function, r.Version, r.Start}]; fx != nil {
			mbms += fx.mbms
		}
		sums[k] += mbms
		fns[k] = cf.fn
	}
	for k, mbms := range sums {
		if !l.Steady(fns[k], group[0].Start, mbms) {
			return false
		}
	}
	return true
}

// costKey is the row key of usage under the --by dimensions.
func costKey(by []string, cf *costFunction, fn, ver string, hour time.Time) (string, map[string]string) {
	km := make(map[string]string, len(by))
	parts := make([]string, 0, len(by))
	for _, d := range by {
		var v string
		switch d {
		case "function":
			v = fn
		case "version":
			v = ver
		case "day":
			v = hour.Format("2006-01-02")
		case "hour":
			v = hour.Format("2006-01-02T15:04Z")
		case "feature":
			v = cmpOr(cf.feature, "(none)")
		case "team":
			v = cmpOr(cf.team, "(none)")
		}
		km[d] = v
		parts = append(parts, v)
	}
	return strings.Join(parts, "\x00"), km
}

// steadyHour is the traffic an hour must have on each side of an empty
// stretch for the stretch to be a gap: at 30 an hour a Poisson process
// leaves an hour empty with probability e^-30.
const steadyHour = 30

func minTime(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
