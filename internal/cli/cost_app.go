package cli

import (
	"cmp"
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
	Gaps        []costGap
	Functions   map[string]*costFunction
}

// costGap is a stretch with no telemetry for a function that had steady
// traffic on both sides of it: missing data, not zero cost.
type costGap struct {
	Function string
	From, To time.Time
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
	if res.From.IsZero() || res.To.IsZero() {
		fs, err := st.FunctionStats(ctx, store.Filter{From: q.from, To: q.to})
		if err != nil {
			return nil, err
		}
		var first, last time.Time
		for _, s := range fs {
			first, last = minTime(first, s.First), maxTime(last, s.Last)
		}
		if len(fs) == 0 {
			return res, nil // nothing stored in the range
		}
		if res.From.IsZero() {
			res.From = first.Truncate(time.Hour)
		}
		if res.To.IsZero() {
			res.To = last.Truncate(time.Hour).Add(time.Hour)
		}
	}
	if res.From.IsZero() {
		return res, nil // an empty store
	}
	monthStart := time.Date(res.From.Year(), res.From.Month(), 1, 0, 0, 0, 0, time.UTC)
	rq := func(f, t time.Time) ([]store.Rollup, error) {
		if !f.Before(t) {
			return nil, nil
		}
		rs, err := st.Rollups(ctx, store.RollupQuery{Filter: store.Filter{From: f, To: t}, Step: time.Hour, ByVersion: true})
		if err != nil {
			return nil, err
		}
		slices.SortFunc(rs, func(a, b store.Rollup) int {
			return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Function, b.Function), cmp.Compare(a.Version, b.Version))
		})
		return rs, nil
	}
	before, err := rq(monthStart, res.From)
	if err != nil {
		return nil, err
	}
	during, err := rq(res.From, res.To)
	if err != nil {
		return nil, err
	}
	// Corrections from the raw records the rollups cannot price as they are.
	suspects, err := st.BillingSuspects(ctx, store.Filter{From: monthStart, To: res.To})
	if err != nil {
		return nil, err
	}
	type fix struct{ n, billed, mbms int64 }
	fixes := map[hourKey]*fix{}
	for _, inv := range suspects {
		cf, err := cat.get(inv.Function, inv.Arch)
		if err != nil {
			return nil, err
		}
		k := hourKey{inv.Function, inv.Version, inv.Start.Truncate(time.Hour)}
		fx := fixes[k]
		if fx == nil {
			fx = &fix{}
			fixes[k] = fx
		}
		// Take the record out as the rollup counted it ...
		fx.n--
		fx.billed -= inv.BilledDurationMS
		fx.mbms -= inv.BilledDurationMS * int64(inv.MemorySizeMB)
		reason := store.Suspect(inv.MemorySizeMB, inv.DurationUS, inv.BilledDurationMS)
		if reason != "missing-billed-duration" {
			if !inv.Start.Before(res.From) {
				res.Implausible[reason]++
			}
			continue
		}
		// ... and put it back with the billed duration AWS would compute.
		b := cost.BilledDurationMS(cf.fn, cost.Invocation{Start: inv.Start, DurationUS: inv.DurationUS,
			InitDurationUS: inv.InitDurationUS, BilledRestoreMS: inv.BilledRestoreMS})
		fx.n++
		fx.billed += b
		fx.mbms += b * int64(inv.MemorySizeMB)
		if !inv.Start.Before(res.From) {
			res.Corrected++
		}
	}
	ledger := cost.NewLedger(cost.Options{FreeTier: q.freeTier})
	keys := map[string]map[string]string{}
	pcHours := map[hourKey]bool{}
	add := func(r store.Rollup, counted bool) error {
		cf, err := cat.get(r.Function, "")
		if err != nil {
			return err
		}
		u := cost.Usage{Start: r.Start, Requests: r.Invocations, BilledMS: r.BilledMS, MBms: r.BilledMBMS}
		if fx := fixes[hourKey{r.Function, r.Version, r.Start}]; fx != nil {
			u.Requests += fx.n
			u.BilledMS += fx.billed
			u.MBms += fx.mbms
			delete(fixes, hourKey{r.Function, r.Version, r.Start})
		}
		if cf.pc > 0 {
			// Provisioned environments serve up to pc x memory x 1 h of
			// duration an hour; the rest spills over to on-demand.
			capMBms := cf.pc * cf.fn.MemoryMB * time.Hour.Milliseconds()
			u.PCMBms = min(u.MBms, capMBms)
			u.MBms -= u.PCMBms
		}
		key, km := costKey(q.by, cf, r.Function, r.Version, r.Start)
		keys[key] = km
		if err := ledger.Add(cf.fn, u, key, counted); err != nil {
			return fmt.Errorf("price %s at %s: %w", r.Function, r.Start.Format(time.RFC3339), err)
		}
		if cf.pc > 0 && counted && !pcHours[hourKey{fn: r.Function, hour: r.Start}] {
			pcHours[hourKey{fn: r.Function, hour: r.Start}] = true
			if err := ledger.AddProvisioned(cf.fn, r.Start, cf.pc, time.Hour, key); err != nil {
				return err
			}
		}
		return nil
	}
	for _, r := range before {
		if err := add(r, false); err != nil {
			return nil, err
		}
	}
	for _, r := range during {
		if err := add(r, true); err != nil {
			return nil, err
		}
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
	res.Table = cost.TableFor(res.From).Version
	res.Gaps = findGaps(during)
	return res, nil
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

// findGaps finds, per function, runs of hours with no invocations between
// two hours of steady traffic (rollups of one hour each, any order).
func findGaps(rs []store.Rollup) []costGap {
	per := map[string]map[time.Time]int64{}
	for _, r := range rs {
		m := per[r.Function]
		if m == nil {
			m = map[time.Time]int64{}
			per[r.Function] = m
		}
		m[r.Start] += r.Invocations
	}
	var out []costGap
	for fn, m := range per {
		hours := make([]time.Time, 0, len(m))
		for h := range m {
			hours = append(hours, h)
		}
		slices.SortFunc(hours, func(a, b time.Time) int { return a.Compare(b) })
		for i := 1; i < len(hours); i++ {
			prev, next := hours[i-1], hours[i]
			if next.Sub(prev) > time.Hour && m[prev] >= steadyHour && m[next] >= steadyHour {
				out = append(out, costGap{Function: fn, From: prev.Add(time.Hour), To: next})
			}
		}
	}
	slices.SortFunc(out, func(a, b costGap) int { return cmp.Or(a.From.Compare(b.From), cmp.Compare(a.Function, b.Function)) })
	return out
}

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

// traffic is a function's observed usage in [from, to), for projections.
func functionTraffic(ctx context.Context, st store.Querier, fn string, from, to time.Time) (cost.Traffic, error) {
	fs, err := st.FunctionStats(ctx, store.Filter{Functions: []string{fn}, From: from, To: to})
	if err != nil || len(fs) == 0 {
		return cost.Traffic{Window: to.Sub(from)}, err
	}
	rs, err := st.Rollups(ctx, store.RollupQuery{Filter: store.Filter{Functions: []string{fn}, From: from, To: to}, Step: 24 * time.Hour})
	if err != nil {
		return cost.Traffic{}, err
	}
	t := cost.Traffic{Window: to.Sub(from)}
	for _, r := range rs {
		t.Invocations += r.Invocations
		t.BilledMS += r.BilledMS
		t.MBms += r.BilledMBMS
	}
	return t, nil
}
