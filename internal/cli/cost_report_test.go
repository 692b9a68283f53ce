package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/cost"
	"github.com/fnops/fnops/internal/sim"
	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/store/duckdb"
	"github.com/fnops/fnops/internal/telemetry"
)

// simStore simulates the shop from start for days, ingests it into a new
// store in dir and returns the store path and the ground truth.
func simStore(t *testing.T, dir, start string, days string, extra ...string) (string, *sim.Truth) {
	t.Helper()
	out := filepath.Join(dir, "sim")
	db := filepath.Join(dir, "store.duckdb")
	args := append([]string{"simulate", "../../examples/shop", "--out", out, "--days", days, "--start", start,
		"--seed", "7", "--stack-name", "shop"}, extra...)
	if _, stderr, code := runCLI(t, args...); code != 0 {
		t.Fatalf("simulate: exit %d: %s", code, stderr)
	}
	if _, stderr, code := runCLI(t, "ingest", "--store", db, out); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, stderr)
	}
	var truth sim.Truth
	data, err := os.ReadFile(filepath.Join(out, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &truth); err != nil {
		t.Fatal(err)
	}
	return db, &truth
}

func costReportJSON(t *testing.T, args ...string) costDoc {
	t.Helper()
	stdout, stderr, code := runCLI(t, append([]string{"cost", "../../examples/shop", "--format", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("cost %v: exit %d: %s", args, code, stderr)
	}
	var doc costDoc
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	return doc
}

// rawRecords reads every raw record of the store in time order, and each
// function's pricing from the simulator's truth (not from the catalog the
// command uses).
func rawRecords(t *testing.T, db string, truth *sim.Truth) ([]telemetry.Invocation, map[string]cost.Function) {
	t.Helper()
	ctx := context.Background()
	st, err := duckdb.Open(ctx, db, duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fns := map[string]cost.Function{}
	var all []telemetry.Invocation
	for _, f := range truth.Functions {
		fns[f.Function] = cost.Function{Name: f.Function, Region: "us-east-1", Arch: cost.Arch(f.Arch), MemoryMB: int64(f.MemoryMB)}
		for inv, err := range st.Invocations(ctx, store.InvocationQuery{Function: f.Function}) {
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, inv)
		}
	}
	slices.SortStableFunc(all, func(a, b telemetry.Invocation) int { return a.Start.Compare(b.Start) })
	return all, fns
}

// recompute prices the records one by one, in time order, with cost.Month
// (the calculator's engine, not the ledger the command uses). It returns
// the bill of the records started in [from, to) (to zero: open), each
// function's exact amount (meaningful without the free tier: with it, the
// shares depend on the order inside an hour), and their count.
func recompute(t *testing.T, all []telemetry.Invocation, fns map[string]cost.Function, freeTier bool, from, to time.Time) (cost.Money, map[string]cost.Money, int64) {
	t.Helper()
	type key struct {
		month time.Time
		fn    string
	}
	var month *cost.Month
	charges := map[key]*cost.Charge{}
	var n int64
	for _, inv := range all {
		if month == nil || inv.Start.Month() != month.Start().Month() {
			month = cost.NewMonth(inv.Start, cost.Options{FreeTier: freeTier})
		}
		fn := fns[inv.Function]
		c, err := month.Invocation(fn, cost.Invocation{Start: inv.Start, MemoryMB: int64(inv.MemorySizeMB), DurationUS: inv.DurationUS,
			InitDurationUS: inv.InitDurationUS, BilledDurationMS: inv.BilledDurationMS})
		if err != nil {
			t.Fatal(err)
		}
		if inv.Start.Before(from) || (!to.IsZero() && !inv.Start.Before(to)) {
			continue
		}
		n++
		k := key{month.Start(), inv.Function}
		if charges[k] == nil {
			charges[k] = &cost.Charge{Region: fn.Region, Arch: fn.Arch}
		}
		if err := charges[k].Add(c); err != nil {
			t.Fatal(err)
		}
	}
	type bill struct {
		month time.Time
		arch  cost.Arch
	}
	totals := map[bill]*cost.Charge{}
	perFn := map[string]cost.Money{}
	for k, c := range charges {
		items, err := cost.TableFor(k.month).LineItems(*c)
		if err != nil {
			t.Fatal(err)
		}
		for _, li := range items {
			perFn[k.fn] = perFn[k.fn].Add(li.Amount)
		}
		b := bill{k.month, c.Arch}
		if totals[b] == nil {
			totals[b] = &cost.Charge{Region: c.Region, Arch: c.Arch}
		}
		if err := totals[b].Add(*c); err != nil {
			t.Fatal(err)
		}
	}
	var total cost.Money
	for k, c := range totals {
		items, err := cost.TableFor(k.month).LineItems(*c)
		if err != nil {
			t.Fatal(err)
		}
		total = total.Add(cost.Total(items))
	}
	return total, perFn, n
}

// On simulated telemetry that crosses a month boundary, fnops cost's total
// is the bill of an independent per-record recomputation, to the cent:
// without the free tier (and then every function's share too), with it,
// and from a --since inside the month, where the month's earlier usage has
// already taken part of the free tier.
func TestCostEqualsPerRecordRecomputation(t *testing.T) {
	dir := t.TempDir()
	// 15 API requests a second: October's part alone passes the free
	// tier's million requests.
	db, truth := simStore(t, dir, "2026-10-31T00:00:00Z", "1.25", "--rate", "api=15/s")
	all, fns := rawRecords(t, db, truth)
	since := time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		args     []string
		freeTier bool
		from     time.Time
	}{
		{"no free tier", nil, false, time.Time{}},
		{"free tier", []string{"--free-tier"}, true, time.Time{}},
		{"free tier from mid-month", []string{"--free-tier", "--since", since.Format(time.RFC3339)}, true, since},
		{"mid-month to the next month", []string{"--since", since.Format(time.RFC3339), "--until", "2026-11-01T03:00:00Z"}, false, since},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var to time.Time
			if i := slices.Index(tc.args, "--until"); i >= 0 {
				to, _ = time.Parse(time.RFC3339, tc.args[i+1])
			}
			wantTotal, perFn, n := recompute(t, all, fns, tc.freeTier, tc.from, to)
			doc := costReportJSON(t, append([]string{"--store", db}, tc.args...)...)
			if doc.Total != wantTotal.String() {
				t.Errorf("total_usd %s, per-record recomputation %s", doc.Total, wantTotal)
			}
			if wantTotal.IsZero() {
				t.Fatal("the recomputation priced nothing")
			}
			var got int64
			for _, r := range doc.Rows {
				got += r.Invocations
				if !tc.freeTier {
					if want := perFn[r.Key["function"]].String(); r.Total != want {
						t.Errorf("%s: total_usd %s, recomputed %s", r.Key["function"], r.Total, want)
					}
				}
			}
			if got != n {
				t.Errorf("rows hold %d invocations, the range %d", got, n)
			}
		})
	}
	// By day: one row for each day, of both months.
	byDay := costReportJSON(t, "--store", db, "--by", "day")
	var days []string
	for _, r := range byDay.Rows {
		days = append(days, r.Key["day"])
	}
	if want := []string{"2026-10-31", "2026-11-01"}; !slices.Equal(days, want) {
		t.Errorf("days %v, want %v", days, want)
	}
}

// The bill crosses the 6 billion GB-s x86 tier inside one hour: written
// straight into a store, 10 GB functions running 900 s.
func TestCostTierCrossing(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "store.duckdb")
	ctx := context.Background()
	st, err := duckdb.Open(ctx, db, duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// 9,000 GB-s each (10,240 MB x 900 s); 6e9 GB-s is 666,666.67 of them.
	// 700,000 over 70 hours from the 1st: the boundary falls in hour 66.
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	app, err := st.Appender(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const n = 700_000
	var invs []telemetry.Invocation
	for i := range n {
		at := start.Add(time.Duration(int64(i) * int64(70*time.Hour/n)))
		inv := telemetry.Invocation{Function: []string{"big-a", "big-b"}[i%2], Version: "1", RequestID: "r" + itoa(i), Start: at,
			End: at.Add(900 * time.Second), DurationUS: 899_999_000, BilledDurationMS: 900_000, MemorySizeMB: 10240, MaxMemoryUsedMB: 9000}
		invs = append(invs, inv)
		if err := app.AddInvocation(&inv); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := app.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	st.Close()
	doc := costReportJSON(t, "--store", db, "--by", "hour")
	// Recompute per record.
	m := cost.NewMonth(start, cost.Options{})
	for _, inv := range invs {
		if _, err := m.Invocation(cost.Function{Name: inv.Function, Region: "us-east-1", Arch: cost.ArchX86, MemoryMB: 10240},
			cost.Invocation{Start: inv.Start, BilledDurationMS: inv.BilledDurationMS, DurationUS: inv.DurationUS}); err != nil {
			t.Fatal(err)
		}
	}
	items, err := m.LineItems()
	if err != nil {
		t.Fatal(err)
	}
	var tier2 bool
	for _, li := range items {
		tier2 = tier2 || li.Name == "Duration, tier 2"
	}
	if !tier2 {
		t.Fatal("the recomputation never reached tier 2")
	}
	if want := cost.Total(items).String(); doc.Total != want {
		t.Errorf("total %s, per-record %s", doc.Total, want)
	}
	// Hours before the boundary cost the tier-1 price, hours after the
	// tier-2 price, and the crossing hour lies between.
	price := func(r costDocRow) float64 {
		var usd, gbs float64
		_ = json.Unmarshal([]byte(r.Duration), &usd)
		_ = json.Unmarshal([]byte(r.GBSeconds), &gbs)
		return usd / gbs
	}
	var crossing int
	for _, r := range doc.Rows {
		p := price(r)
		switch {
		case p > 0.0000166:
		case p < 0.0000151 && p > 0.0000149:
		default:
			crossing++
			if !strings.HasPrefix(r.Key["hour"], "2026-11-03T18") {
				t.Errorf("hour %s priced at %.10f per GB-s, between the tiers", r.Key["hour"], p)
			}
		}
	}
	if crossing != 1 {
		t.Errorf("%d hours between the tiers, want the one the boundary falls in", crossing)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// A deploy that made a function 80% slower shows up with the right sign
// and size: duration up by about 80%, cost per invocation and the monthly
// projection up.
func TestCostByDeploySlowerFunction(t *testing.T) {
	dir := t.TempDir()
	db, truth := simStore(t, dir, "2026-11-16", "0.5", "--deploys", "0",
		"--incident", "duration-regression:ListProductsFunction@6h+6h")
	var fn string
	for _, f := range truth.Functions {
		if f.Resource == "ListProductsFunction" {
			fn = f.Function
		}
	}
	if _, stderr, code := runCLI(t, "deploys", "add", "--store", db, "--function", fn, "--at", "2026-11-16T06:00:00Z",
		"--label", "feature: slow-search"); code != 0 {
		t.Fatalf("deploys add: %s", stderr)
	}
	stdout, stderr, code := runCLI(t, "cost", "../../examples/shop", "--store", db, "--by", "deploy", "--window", "4h", "--format", "json")
	if code != 0 {
		t.Fatalf("cost --by deploy: %s", stderr)
	}
	var doc deployReportDoc
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	var row *deployReportRow
	for i := range doc.Deploys {
		if doc.Deploys[i].Function == fn && doc.Deploys[i].Label == "feature: slow-search" {
			row = &doc.Deploys[i]
		}
	}
	if row == nil {
		t.Fatalf("no row for the deploy of %s in %s", fn, stdout)
	}
	if p50 := row.ChangePct["p50"]; p50 < 65 || p50 > 95 {
		t.Errorf("p50 change %+.1f%%, want about +80%%", p50)
	}
	// Duration is 80% longer, requests cost the same: the cost per
	// invocation rises by 80% of the duration's share of it.
	var before float64
	_ = json.Unmarshal([]byte(row.Before.PerInvocation), &before)
	want := 80 * (before - 0.0000002) / before
	if c := row.ChangePct["usd_per_invocation"]; c < want-8 || c > want+8 {
		t.Errorf("cost per invocation change %+.1f%%, want about %+.1f%%", c, want)
	}
	if strings.HasPrefix(row.MonthlyUSD, "-") || row.MonthlyUSD == "0.00" {
		t.Errorf("monthly impact %s, want a positive amount", row.MonthlyUSD)
	}
	if row.Before.Invocations == 0 || row.After.Invocations == 0 {
		t.Errorf("empty windows: %+v", row)
	}
	// list and remove round trip.
	out, _, _ := runCLI(t, "deploys", "list", "--store", db, "--function", fn)
	if !strings.Contains(out, "feature: slow-search") {
		t.Errorf("deploys list:\n%s", out)
	}
	if _, _, code := runCLI(t, "deploys", "remove", "--store", db, "--function", fn, "--at", "2026-11-16T06:00:00Z", "--label", "feature: slow-search"); code != 0 {
		t.Error("remove failed")
	}
	if _, _, code := runCLI(t, "deploys", "remove", "--store", db, "--function", fn, "--at", "2026-11-16T06:00:00Z", "--label", "feature: slow-search"); code != ExitInput {
		t.Errorf("removing a missing marker: exit %d, want 2", code)
	}
}

// Implausible records are counted and shown, not priced; a record without
// a Billed Duration is priced from Duration and Init; an hour of silence
// inside steady traffic is a gap.
func TestCostBadRecordsAndGaps(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "store.duckdb")
	ctx := context.Background()
	st, err := duckdb.Open(ctx, db, duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	app, _ := st.Appender(ctx)
	var i int
	add := func(at time.Time, billed int64, mem int32, dur, init int64) {
		i++
		inv := telemetry.Invocation{Function: "f", Version: "1", RequestID: "r" + itoa(i), Start: at, End: at.Add(time.Second),
			DurationUS: dur, BilledDurationMS: billed, MemorySizeMB: mem, InitDurationUS: init}
		if err := app.AddInvocation(&inv); err != nil {
			t.Fatal(err)
		}
	}
	for h := range 6 {
		if h == 2 || h == 3 {
			continue // the gap
		}
		for k := range 100 {
			add(start.Add(time.Duration(h)*time.Hour+time.Duration(k)*time.Second), 100, 1024, 99_500, 0)
		}
	}
	add(start.Add(10*time.Minute), 100, 20000, 99_500, 0)      // implausible memory
	add(start.Add(11*time.Minute), 2_000_000, 1024, 99_500, 0) // implausible billed duration
	add(start.Add(12*time.Minute), 0, 1024, 99_500, 200_250)   // missing: ceil(99.5 + 200.25) = 300 ms
	if _, err := app.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	st.Close()
	stdout, stderr, code := runCLI(t, "cost", t.TempDir(), "--store", db, "--format", "json")
	if code != 0 {
		t.Fatal(stderr)
	}
	var doc costDoc
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	// 401 priced invocations: 400 x 100 ms + 300 ms at 1 GB.
	if len(doc.Rows) != 1 || doc.Rows[0].Invocations != 401 || doc.Rows[0].GBSeconds != "40.3" {
		t.Errorf("rows %+v, want 401 invocations and 40.3 GB-s", doc.Rows)
	}
	for _, want := range []string{"not priced: 1 records with implausible-billed-duration", "not priced: 1 records with implausible-memory",
		"1 records had no Billed Duration", "gap: no telemetry from 2026-11-02T02:00:00Z to 2026-11-02T04:00:00Z for f,"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

func TestCostGoldenAndBadUsage(t *testing.T) {
	dir := t.TempDir()
	db, _ := simStore(t, dir, "2026-11-16", "0.25", "--deploys", "1")
	for _, tc := range []struct{ name, args string }{
		{"report-function.txt", "--by function"},
		{"report-function-day.json", "--by function,version --format json"},
		{"report-team.csv", "--by feature,day --format csv --top 3"},
	} {
		stdout, stderr, code := runCLI(t, append([]string{"cost", "../../examples/shop", "--store", db}, strings.Fields(tc.args)...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.args, code, stderr)
		}
		golden(t, filepath.Join("testdata", "cost", tc.name), stdout)
	}
	for _, args := range [][]string{
		{"--by", "colour"}, {"--by", "deploy,day"}, {"--format", "xml"}, {"--since", "yesterday"},
		{"--since", "2026-11-17", "--until", "2026-11-16"}, {"--region", "mars-north-1"},
	} {
		_, stderr, code := runCLI(t, append([]string{"cost", "../../examples/shop", "--store", db}, args...)...)
		if code != ExitInput || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a message", args, code, stderr)
		}
	}
	if _, stderr, code := runCLI(t, "cost", dir, "--store", filepath.Join(dir, "none.duckdb")); code != ExitInput || !strings.Contains(stderr, "no store") {
		t.Errorf("missing store: exit %d %s", code, stderr)
	}
}

func TestCostSavingsBreakEvenAndCheck(t *testing.T) {
	dir := t.TempDir()
	db, truth := simStore(t, dir, "2026-11-16", "0.25", "--deploys", "1")
	stdout, stderr, code := runCLI(t, "cost", "savings", "../../examples/shop", "--store", db, "--format", "json")
	if code != 0 {
		t.Fatal(stderr)
	}
	var doc struct {
		Savings []saving `json:"savings"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Savings) == 0 {
		t.Fatal("no savings on the shop, whose functions use under half their memory")
	}
	for _, s := range doc.Savings {
		if s.Kind != "memory" || !strings.Contains(s.Detail, "would do") {
			t.Errorf("hint %+v: the shop is all arm64, so only memory hints", s)
		}
	}
	// arm64 prices duration 20% below x86: the hint is that share of the
	// duration cost, exactly.
	fn := cost.Function{Name: "f", Region: "us-east-1", Arch: cost.ArchX86, MemoryMB: 1024}
	tr := cost.Traffic{Window: 24 * time.Hour, Invocations: 1000, BilledMS: 100_000, MBms: 100_000 * 1024}
	hints, err := savingsHints([]observed{{cf: &costFunction{fn: fn}, traffic: tr,
		memory: store.MemoryUse{Function: "f", MemoryMB: 1024, Invocations: 1000, MaxUsedMB: 900, P99UsedMB: 880}}}, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	// 100 GB-s a day x 730/24 x (0.0000166667 - 0.0000133334).
	diff, _ := cost.ParseMoney("0.0000033333")
	want := diff.Mul(bigRat(100*730, 24))
	if len(hints) != 1 || hints[0].Kind != "arm64" || hints[0].amount.Cmp(want) != 0 {
		t.Errorf("hints %+v, want one arm64 hint of $%s", hints, want.Exact())
	}

	var name string
	for _, f := range truth.Functions {
		if f.Resource == "CreateOrderFunction" {
			name = f.Function
		}
	}
	for _, arg := range []string{name, "CreateOrderFunction"} {
		stdout, stderr, code = runCLI(t, "cost", "breakeven", arg, "../../examples/shop", "--store", db)
		if code != 0 {
			t.Fatalf("breakeven %s: %s", arg, stderr)
		}
		for _, want := range []string{"Lambda now: $", "Assumptions:", "Fargate arm64", "EC2 t4g.small", "req/s", name} {
			if !strings.Contains(stdout, want) {
				t.Errorf("breakeven output lacks %q:\n%s", want, stdout)
			}
		}
	}
	if _, stderr, code := runCLI(t, "cost", "breakeven", "NoSuchFunction", "../../examples/shop", "--store", db); code != ExitInput || !strings.Contains(stderr, "functions:") {
		t.Errorf("unknown function: exit %d %s", code, stderr)
	}

	stdout, _, _ = runCLI(t, "check", "../../examples/shop", "--store", db)
	cost := stdout[strings.Index(stdout, "\nCost\n"):]
	for _, want := range []string{"November 2026 so far: $", "projected for the month", "top functions this month", "savings available"} {
		if !strings.Contains(cost, want) {
			t.Errorf("check's Cost section lacks %q:\n%s", want, cost)
		}
	}
}
