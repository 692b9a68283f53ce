// Package storetest is the behavioural contract of store.Store: every
// backend runs Run from its own tests, so they all behave alike.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/telemetry"
)

// Run runs the contract suite. open returns a new, empty store for each
// subtest; the suite closes it.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"EmptyStore", testEmpty},
		{"CommitVisibility", testCommitVisibility},
		{"Rollback", testRollback},
		{"InvalidRecords", testInvalid},
		{"DedupeIdempotence", testDedupe},
		{"ConcurrentReaderSeesWholeBatches", testConcurrentReader},
		{"StatsMatchRecomputation", testStats},
		{"RollupsMatchRecomputation", testRollups},
		{"RawScan", testRawScan},
		{"Retention", testRetention},
		{"TimeRangeEdges", testTimeEdges},
		{"Metrics", testMetrics},
		{"Deploys", testDeploys},
		{"UnicodeNames", testUnicode},
		{"LargeBatch", testLargeBatch},
		{"Closed", testClosed},
		{"BillingSuspects", testBillingSuspects},
		{"MemoryUse", testMemoryUse},
		{"Gaps", testGaps},
		{"Usage", testUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { _ = s.Close() })
			tc.fn(t, s)
		})
	}
}

// base is the suite's epoch: a Monday, midnight UTC.
var base = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

// gen makes n varied invocations from seed: 4 functions (one with a
// non-ASCII name), 2 versions, every status, spread over span from base.
func gen(seed uint64, n int, span time.Duration) []telemetry.Invocation {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	fns := []string{"api", "worker", "billing-λ", "cron"}
	out := make([]telemetry.Invocation, n)
	for i := range out {
		fn := fns[r.IntN(len(fns))]
		start := base.Add(time.Duration(r.Int64N(int64(span)/1000)) * time.Microsecond)
		d := 1 + r.Int64N(3_000_000)
		if r.IntN(20) == 0 {
			d = 1 + r.Int64N(900_000_000)
		}
		mem := int32(128 << r.IntN(4))
		st := telemetry.Status(0)
		if x := r.IntN(100); x < 10 {
			st = telemetry.Status(1 + x%4)
		}
		out[i] = telemetry.Invocation{
			Function:         fn,
			Version:          []string{"$LATEST", "7"}[r.IntN(2)],
			EnvID:            fmt.Sprintf("env-%d", r.IntN(8)),
			RequestID:        fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", seed, i>>16, i&0xfff, r.IntN(0x10000), r.Int64N(1<<48)),
			Start:            start,
			End:              start.Add(time.Duration(d) * time.Microsecond),
			DurationUS:       d,
			BilledDurationMS: (d + 999) / 1000,
			MemorySizeMB:     mem,
			MaxMemoryUsedMB:  mem / 2,
			ColdStart:        r.IntN(10) == 0,
			Status:           st,
		}
		if out[i].ColdStart {
			out[i].InitDurationUS = 100_000 + r.Int64N(400_000)
		}
		if st != 0 {
			out[i].ErrorType = "Runtime." + st.String()
		}
	}
	return out
}

func ingest(t *testing.T, s store.Store, invs []telemetry.Invocation, batch int) store.Counts {
	t.Helper()
	var total store.Counts
	for lo := 0; lo < len(invs) || lo == 0; lo += batch {
		app, err := s.Appender(context.Background())
		if err != nil {
			t.Fatalf("Appender: %v", err)
		}
		for i := lo; i < min(lo+batch, len(invs)); i++ {
			if err := app.AddInvocation(&invs[i]); err != nil {
				t.Fatalf("AddInvocation: %v", err)
			}
		}
		res, err := app.Commit(context.Background())
		if err != nil {
			t.Fatalf("Commit: %v", err)
		}
		total = total.Add(res.Invocations)
		if len(invs) == 0 {
			break
		}
	}
	return total
}

func scanAll(t *testing.T, s store.Store, q store.InvocationQuery) []telemetry.Invocation {
	t.Helper()
	var out []telemetry.Invocation
	for inv, err := range s.Invocations(context.Background(), q) {
		if err != nil {
			t.Fatalf("Invocations: %v", err)
		}
		out = append(out, inv)
	}
	return out
}

func stats(t *testing.T, s store.Store, f store.Filter) []store.FunctionStats {
	t.Helper()
	st, err := s.FunctionStats(context.Background(), f)
	if err != nil {
		t.Fatalf("FunctionStats: %v", err)
	}
	return st
}

func totalInvocations(st []store.FunctionStats) int64 {
	var n int64
	for _, s := range st {
		n += s.Invocations
	}
	return n
}

func testEmpty(t *testing.T, s store.Store) {
	ctx := context.Background()
	if st := stats(t, s, store.Filter{}); len(st) != 0 {
		t.Errorf("FunctionStats on empty store = %v", st)
	}
	r, err := s.Rollups(ctx, store.RollupQuery{Durations: true, ByVersion: true})
	if err != nil || len(r) != 0 {
		t.Errorf("Rollups on empty store = %v, %v", r, err)
	}
	if got := scanAll(t, s, store.InvocationQuery{Function: "api"}); len(got) != 0 {
		t.Errorf("Invocations on empty store = %d rows", len(got))
	}
	m, err := s.Metrics(ctx, store.MetricQuery{Namespace: "AWS/SQS", Name: "NumberOfMessagesSent"})
	if err != nil || len(m) != 0 {
		t.Errorf("Metrics on empty store = %v, %v", m, err)
	}
	d, err := s.Deploys(ctx, store.DeployQuery{})
	if err != nil || len(d) != 0 {
		t.Errorf("Deploys on empty store = %v, %v", d, err)
	}
	if v, err := s.SchemaVersion(ctx); err != nil || v < 1 {
		t.Errorf("SchemaVersion = %d, %v; want >= 1", v, err)
	}
	app, err := s.Appender(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := app.Commit(ctx); err != nil || res != (store.CommitResult{}) {
		t.Errorf("empty Commit = %+v, %v", res, err)
	}
	if del, err := s.DeleteRawBefore(ctx, base); err != nil || del != (store.Deleted{}) {
		t.Errorf("DeleteRawBefore on empty store = %+v, %v", del, err)
	}
}

func testCommitVisibility(t *testing.T, s store.Store) {
	ctx := context.Background()
	invs := gen(1, 500, time.Hour)
	app, err := s.Appender(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range invs {
		if err := app.AddInvocation(&invs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if n := totalInvocations(stats(t, s, store.Filter{})); n != 0 {
		t.Errorf("before Commit, readers see %d invocations", n)
	}
	if got := scanAll(t, s, store.InvocationQuery{Function: "api"}); len(got) != 0 {
		t.Errorf("before Commit, scan sees %d invocations", len(got))
	}
	res, err := app.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Invocations != (store.Counts{New: 500}) {
		t.Errorf("Commit = %+v, want 500 new", res.Invocations)
	}
	if n := totalInvocations(stats(t, s, store.Filter{})); n != 500 {
		t.Errorf("after Commit, readers see %d invocations, want 500", n)
	}
	if err := app.AddInvocation(&invs[0]); !errors.Is(err, store.ErrClosed) {
		t.Errorf("AddInvocation after Commit = %v, want ErrClosed", err)
	}
	if _, err := app.Commit(ctx); !errors.Is(err, store.ErrClosed) {
		t.Errorf("second Commit = %v, want ErrClosed", err)
	}
}

func testRollback(t *testing.T, s store.Store) {
	ctx := context.Background()
	invs := gen(2, 300, time.Hour)
	app, err := s.Appender(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range invs {
		if err := app.AddInvocation(&invs[i]); err != nil {
			t.Fatal(err)
		}
	}
	m := telemetry.Metric{Namespace: "AWS/SQS", Name: "X", Time: base, Stat: "Sum", Value: 1}
	if err := app.AddMetric(&m); err != nil {
		t.Fatal(err)
	}
	d := telemetry.Deploy{Function: "api", Version: "7", Time: base}
	if err := app.AddDeploy(&d); err != nil {
		t.Fatal(err)
	}
	if err := app.Rollback(); err != nil {
		t.Fatalf("Rollback: %v", err)
	}
	if err := app.AddInvocation(&invs[0]); !errors.Is(err, store.ErrClosed) {
		t.Errorf("AddInvocation after Rollback = %v, want ErrClosed", err)
	}
	if _, err := app.Commit(ctx); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Commit after Rollback = %v, want ErrClosed", err)
	}
	if n := totalInvocations(stats(t, s, store.Filter{})); n != 0 {
		t.Errorf("after Rollback, %d invocations stored", n)
	}
	if ms, _ := s.Metrics(ctx, store.MetricQuery{Namespace: "AWS/SQS", Name: "X"}); len(ms) != 0 {
		t.Errorf("after Rollback, %d datapoints stored", len(ms))
	}
	if ds, _ := s.Deploys(ctx, store.DeployQuery{}); len(ds) != 0 {
		t.Errorf("after Rollback, %d deploys stored", len(ds))
	}
	// The same records then commit normally: a rollback leaves no trace
	// that would make them duplicates.
	if c := ingest(t, s, invs, 1000); c.New != 300 || c.Duplicates != 0 {
		t.Errorf("ingest after Rollback = %+v, want 300 new", c)
	}
}

func testInvalid(t *testing.T, s store.Store) {
	ctx := context.Background()
	app, err := s.Appender(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var inv *store.Invalid
	bad := telemetry.Invocation{Function: "api", Start: base}
	if err := app.AddInvocation(&bad); !errors.As(err, &inv) {
		t.Errorf("invocation without request id: %v, want *store.Invalid", err)
	}
	if err := app.AddMetric(&telemetry.Metric{Name: "X", Time: base}); !errors.As(err, &inv) {
		t.Errorf("datapoint without namespace: %v, want *store.Invalid", err)
	}
	if err := app.AddDeploy(&telemetry.Deploy{Function: "api"}); !errors.As(err, &inv) {
		t.Errorf("deploy without time: %v, want *store.Invalid", err)
	}
	good := gen(3, 1, time.Minute)[0]
	if err := app.AddInvocation(&good); err != nil {
		t.Fatalf("valid record after invalid ones: %v", err)
	}
	res, err := app.Commit(ctx)
	if err != nil || res.Invocations.New != 1 {
		t.Errorf("Commit = %+v, %v; want 1 new", res, err)
	}
}

func testDedupe(t *testing.T, s store.Store) {
	ctx := context.Background()
	invs := gen(4, 2000, 3*time.Hour)
	// Repeats inside one batch are duplicates too.
	withRepeats := append(slices.Clone(invs), invs[:100]...)
	first := ingest(t, s, withRepeats, len(withRepeats))
	if first != (store.Counts{New: 2000, Duplicates: 100}) {
		t.Errorf("first ingest = %+v, want 2000 new, 100 duplicates", first)
	}
	st1 := stats(t, s, store.Filter{})
	r1, err := s.Rollups(ctx, store.RollupQuery{ByVersion: true, Durations: true})
	if err != nil {
		t.Fatal(err)
	}
	// The same records again, in other batches: all duplicates, nothing
	// changes. A duplicate's other fields do not matter.
	again := slices.Clone(invs)
	slices.Reverse(again)
	again[0].DurationUS++
	second := ingest(t, s, again, 700)
	if second != (store.Counts{Duplicates: 2000}) {
		t.Errorf("second ingest = %+v, want 2000 duplicates", second)
	}
	if st2 := stats(t, s, store.Filter{}); !slices.Equal(st1, st2) {
		t.Errorf("stats changed by duplicates:\n%v\n%v", st1, st2)
	}
	r2, err := s.Rollups(ctx, store.RollupQuery{ByVersion: true, Durations: true})
	if err != nil {
		t.Fatal(err)
	}
	if diff := diffRollups(r1, r2); diff != "" {
		t.Errorf("rollups changed by duplicates: %s", diff)
	}
	if got := len(scanAll(t, s, store.InvocationQuery{Function: "api"})); int64(got) != statsOf(st1, "api").Invocations {
		t.Errorf("scan has %d api rows, stats say %d", got, statsOf(st1, "api").Invocations)
	}
	// Same request id, other function: a different invocation.
	other := invs[0]
	other.Function = "elsewhere"
	if c := ingest(t, s, []telemetry.Invocation{other}, 1); c.New != 1 {
		t.Errorf("same request id in another function = %+v, want new", c)
	}

	// Metrics and deploys: identity, not the whole record.
	m := telemetry.Metric{Namespace: "AWS/SQS", Name: "ApproximateAgeOfOldestMessage",
		Dimensions: map[string]string{"QueueName": "orders", "Region": "eu-west-1"}, Time: base, Stat: "Maximum", Value: 3}
	d := telemetry.Deploy{Function: "api", Stack: "shop", Version: "7", Time: base, Label: "feature: x", Source: "manual"}
	for round := range 2 {
		app, err := s.Appender(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m2 := m
		m2.Dimensions = maps.Clone(m.Dimensions) // same set, another map
		m2.Value = 99                            // not part of the identity
		for _, mm := range []*telemetry.Metric{&m, &m2} {
			if err := app.AddMetric(mm); err != nil {
				t.Fatal(err)
			}
		}
		d2 := d
		d2.Source = "log-stream"
		for _, dd := range []*telemetry.Deploy{&d, &d2} {
			if err := app.AddDeploy(dd); err != nil {
				t.Fatal(err)
			}
		}
		res, err := app.Commit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantNew := int64(1 - round)
		if res.Metrics != (store.Counts{New: wantNew, Duplicates: 2 - wantNew}) ||
			res.Deploys != (store.Counts{New: wantNew, Duplicates: 2 - wantNew}) {
			t.Errorf("round %d: %+v", round, res)
		}
	}
	ms, err := s.Metrics(ctx, store.MetricQuery{Namespace: m.Namespace, Name: m.Name})
	if err != nil || len(ms) != 1 || ms[0].Value != 3 {
		t.Errorf("Metrics = %v, %v; want the first copy only", ms, err)
	}
}

func statsOf(st []store.FunctionStats, fn string) store.FunctionStats {
	for _, s := range st {
		if s.Function == fn {
			return s
		}
	}
	return store.FunctionStats{}
}

func testConcurrentReader(t *testing.T, s store.Store) {
	const batch, batches = 20_000, 4
	invs := gen(5, batch*batches, 6*time.Hour)
	var stop atomic.Bool
	var wg sync.WaitGroup
	var seen sync.Map
	var readErr atomic.Value
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				st, err := s.FunctionStats(context.Background(), store.Filter{})
				if err != nil {
					readErr.Store(err)
					return
				}
				n := totalInvocations(st)
				seen.Store(n, true)
				r, err := s.Rollups(context.Background(), store.RollupQuery{Step: 24 * time.Hour})
				if err != nil {
					readErr.Store(err)
					return
				}
				var m int64
				for _, x := range r {
					m += x.Invocations
				}
				seen.Store(m, true)
			}
		}()
	}
	ingest(t, s, invs, batch)
	stop.Store(true)
	wg.Wait()
	if err, _ := readErr.Load().(error); err != nil {
		t.Fatalf("reader: %v", err)
	}
	seen.Range(func(k, _ any) bool {
		if n := k.(int64); n%batch != 0 {
			t.Errorf("a reader saw %d invocations: part of a batch", n)
		}
		return true
	})
}

// expected recomputes rollups from inputs, as the contract defines them.
func expected(invs []telemetry.Invocation, step time.Duration, byVersion bool) map[string]*store.Rollup {
	out := map[string]*store.Rollup{}
	for _, inv := range invs {
		minute := inv.Start.Truncate(time.Minute)
		b := time.UnixMicro(minute.UnixMicro() / step.Microseconds() * step.Microseconds()).UTC()
		v := ""
		if byVersion {
			v = inv.Version
		}
		k := inv.Function + "\x00" + v + "\x00" + b.String()
		r := out[k]
		if r == nil {
			r = &store.Rollup{Function: inv.Function, Version: v, Start: b, Durations: &store.Sketch{}}
			out[k] = r
		}
		r.Invocations++
		if inv.ColdStart {
			r.ColdStarts++
		}
		if inv.Status != telemetry.StatusSuccess {
			r.Errors++
		}
		switch inv.Status {
		case telemetry.StatusTimeout:
			r.Timeouts++
		case telemetry.StatusOOM:
			r.OOMs++
		case telemetry.StatusInitError:
			r.InitErrors++
		}
		r.BilledMS += inv.BilledDurationMS
		r.BilledMBMS += inv.BilledDurationMS * int64(inv.MemorySizeMB)
		r.DurationSum += inv.DurationUS
		r.DurationMax = max(r.DurationMax, inv.DurationUS)
		r.InitSum += inv.InitDurationUS
		r.Durations.Add(inv.DurationUS)
	}
	return out
}

func testStats(t *testing.T, s store.Store) {
	invs := gen(6, 5000, 48*time.Hour)
	ingest(t, s, invs, 1200)
	want := map[string]*store.FunctionStats{}
	for _, inv := range invs {
		w := want[inv.Function]
		if w == nil {
			w = &store.FunctionStats{Function: inv.Function, First: inv.Start, Last: inv.End}
			want[inv.Function] = w
		}
		w.Invocations++
		if inv.ColdStart {
			w.ColdStarts++
		}
		if inv.Status != telemetry.StatusSuccess {
			w.Errors++
		}
		if inv.Status == telemetry.StatusTimeout {
			w.Timeouts++
		}
		if inv.Status == telemetry.StatusOOM {
			w.OOMs++
		}
		w.BilledMBMS += inv.BilledDurationMS * int64(inv.MemorySizeMB)
		if inv.Start.Before(w.First) {
			w.First = inv.Start
		}
		if inv.End.After(w.Last) {
			w.Last = inv.End
		}
	}
	got := stats(t, s, store.Filter{})
	if len(got) != len(want) {
		t.Fatalf("%d functions, want %d", len(got), len(want))
	}
	for i, g := range got {
		if i > 0 && got[i-1].Function >= g.Function {
			t.Errorf("stats not ordered by function: %q then %q", got[i-1].Function, g.Function)
		}
		if w := want[g.Function]; w == nil || g != *w {
			t.Errorf("stats %s:\n got %+v\nwant %+v", g.Function, g, w)
		}
	}
	// GB-seconds as AWS defines them.
	if g := (store.FunctionStats{BilledMBMS: 1024 * 1000}).BilledGBSeconds(); g != 1 {
		t.Errorf("1024 MB × 1000 ms = %v GB-s, want 1", g)
	}
	// A function filter and a range.
	from, to := base.Add(6*time.Hour), base.Add(18*time.Hour)
	got = stats(t, s, store.Filter{Functions: []string{"api", "cron"}, From: from, To: to})
	var n int64
	for _, inv := range invs {
		if (inv.Function == "api" || inv.Function == "cron") && !inv.Start.Before(from) && inv.Start.Before(to) {
			n++
		}
	}
	if len(got) != 2 || got[0].Function != "api" || got[1].Function != "cron" || totalInvocations(got) != n {
		t.Errorf("filtered stats = %+v, want api and cron with %d invocations", got, n)
	}
}

func testRollups(t *testing.T, s store.Store) {
	ctx := context.Background()
	invs := gen(7, 6000, 5*time.Hour)
	// Small batches in shuffled order, so most minutes are merged across
	// several commits.
	shuffled := slices.Clone(invs)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	ingest(t, s, shuffled, 1000)
	for _, tc := range []struct {
		step      time.Duration
		byVersion bool
	}{{0, true}, {time.Minute, false}, {7 * time.Minute, true}, {time.Hour, false}, {24 * time.Hour, true}} {
		t.Run(fmt.Sprintf("step=%v,byVersion=%v", tc.step, tc.byVersion), func(t *testing.T) {
			got, err := s.Rollups(ctx, store.RollupQuery{Step: tc.step, ByVersion: tc.byVersion, Durations: true})
			if err != nil {
				t.Fatal(err)
			}
			step := tc.step
			if step == 0 {
				step = time.Minute
			}
			want := expected(invs, step, tc.byVersion)
			if len(got) != len(want) {
				t.Fatalf("%d rollups, want %d", len(got), len(want))
			}
			for i, g := range got {
				if i > 0 && !rollupLess(got[i-1], g) {
					t.Errorf("rollups out of order at %d", i)
				}
				w := want[g.Function+"\x00"+g.Version+"\x00"+g.Start.String()]
				if w == nil {
					t.Fatalf("unexpected rollup %s %s %v", g.Function, g.Version, g.Start)
				}
				if d := diffRollup(*w, g); d != "" {
					t.Errorf("%s %s %v: %s", g.Function, g.Version, g.Start, d)
				}
			}
		})
	}
	// Without Durations, no sketch; with a function filter, only it.
	got, err := s.Rollups(ctx, store.RollupQuery{Filter: store.Filter{Functions: []string{"worker"}}, Step: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range got {
		if r.Function != "worker" || r.Durations != nil {
			t.Errorf("filtered rollup %+v", r)
		}
	}
	if _, err := s.Rollups(ctx, store.RollupQuery{Step: 90 * time.Second}); err == nil {
		t.Errorf("Step 90s: no error")
	}
}

func rollupLess(a, b store.Rollup) bool {
	if a.Function != b.Function {
		return a.Function < b.Function
	}
	if a.Version != b.Version {
		return a.Version < b.Version
	}
	return a.Start.Before(b.Start)
}

func diffRollup(want, got store.Rollup) string {
	ws, gs := want.Durations, got.Durations
	want.Durations, got.Durations = nil, nil
	if want != got {
		return fmt.Sprintf("\n got %+v\nwant %+v", got, want)
	}
	if gs.Count() != ws.Count() {
		return fmt.Sprintf("sketch holds %d durations, want %d", gs.Count(), ws.Count())
	}
	for _, q := range []float64{0, 0.5, 0.9, 0.99, 1} {
		// Both are within the sketch's accuracy of the true value, so
		// within about twice it of each other (bins computed by another
		// engine's logarithm may differ by one at a boundary).
		g, w := gs.Quantile(q), ws.Quantile(q)
		if math.Abs(g-w) > 2.1*store.SketchAccuracy*w+1 {
			return fmt.Sprintf("q%v = %v, want %v", q, g, w)
		}
	}
	return ""
}

func diffRollups(a, b []store.Rollup) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d rollups, then %d", len(a), len(b))
	}
	for i := range a {
		if d := diffRollup(a[i], b[i]); d != "" {
			return d
		}
	}
	return ""
}

func testRawScan(t *testing.T, s store.Store) {
	invs := gen(8, 3000, 2*time.Hour)
	ingest(t, s, invs, 1000)
	var want []telemetry.Invocation
	for _, inv := range invs {
		if inv.Function == "worker" {
			want = append(want, inv)
		}
	}
	slices.SortStableFunc(want, func(a, b telemetry.Invocation) int { return a.Start.Compare(b.Start) })
	got := scanAll(t, s, store.InvocationQuery{Function: "worker"})
	if len(got) != len(want) {
		t.Fatalf("scan returned %d rows, want %d", len(got), len(want))
	}
	byID := map[string]telemetry.Invocation{}
	for _, inv := range want {
		byID[inv.RequestID] = inv
	}
	for i, g := range got {
		if i > 0 && g.Start.Before(got[i-1].Start) {
			t.Fatalf("scan not in Start order at %d", i)
		}
		if w := byID[g.RequestID]; g != w {
			t.Fatalf("row %d round trip:\n got %+v\nwant %+v", i, g, w)
		}
	}
	// Breaking out early stops the scan.
	n := 0
	for _, err := range s.Invocations(context.Background(), store.InvocationQuery{Function: "worker"}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 10 {
			break
		}
	}
	if n != 10 {
		t.Errorf("early break after %d rows", n)
	}
	for _, err := range s.Invocations(context.Background(), store.InvocationQuery{}) {
		if err == nil {
			t.Errorf("scan without a function: no error")
		}
		break
	}
}

func testRetention(t *testing.T, s store.Store) {
	ctx := context.Background()
	invs := gen(9, 4000, 4*time.Hour)
	ingest(t, s, invs, 1500)
	m := telemetry.Metric{Namespace: "AWS/Lambda", Name: "Errors", Time: base.Add(time.Hour), Stat: "Sum"}
	m2 := m
	m2.Time = base.Add(3 * time.Hour)
	app, _ := s.Appender(ctx)
	_ = app.AddMetric(&m)
	_ = app.AddMetric(&m2)
	if _, err := app.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	before := stats(t, s, store.Filter{})
	rollBefore, err := s.Rollups(ctx, store.RollupQuery{ByVersion: true, Durations: true})
	if err != nil {
		t.Fatal(err)
	}
	cut := base.Add(2*time.Hour + 30*time.Second) // not on a minute
	var old, oldAPI int64
	for _, inv := range invs {
		if inv.Start.Before(cut) {
			old++
			if inv.Function == "api" {
				oldAPI++
			}
		}
	}
	del, err := s.DeleteRawBefore(ctx, cut)
	if err != nil {
		t.Fatal(err)
	}
	if del != (store.Deleted{Invocations: old, Metrics: 1}) {
		t.Errorf("DeleteRawBefore = %+v, want %d invocations, 1 datapoint", del, old)
	}
	if after := stats(t, s, store.Filter{}); !slices.Equal(before, after) {
		t.Errorf("retention changed stats:\n%v\n%v", before, after)
	}
	rollAfter, err := s.Rollups(ctx, store.RollupQuery{ByVersion: true, Durations: true})
	if err != nil {
		t.Fatal(err)
	}
	if d := diffRollups(rollBefore, rollAfter); d != "" {
		t.Errorf("retention changed rollups: %s", d)
	}
	api := scanAll(t, s, store.InvocationQuery{Function: "api"})
	for _, inv := range api {
		if inv.Start.Before(cut) {
			t.Fatalf("scan returned a deleted row from %v", inv.Start)
		}
	}
	if int64(len(api)) != statsOf(before, "api").Invocations-oldAPI {
		t.Errorf("scan after retention: %d api rows, want %d", len(api), statsOf(before, "api").Invocations-oldAPI)
	}
	// Re-ingesting: the old part is refused as too old (it cannot be told
	// from a duplicate any more), the rest is duplicates; stats unchanged.
	c := ingest(t, s, invs, 4000)
	if c != (store.Counts{Duplicates: int64(len(invs)) - old, TooOld: old}) {
		t.Errorf("re-ingest after retention = %+v, want %d too old, %d duplicates", c, old, int64(len(invs))-old)
	}
	if after := stats(t, s, store.Filter{}); !slices.Equal(before, after) {
		t.Errorf("re-ingest after retention changed stats")
	}
	// A lower cutoff later does not lower the horizon.
	if del, err := s.DeleteRawBefore(ctx, base); err != nil || del != (store.Deleted{}) {
		t.Errorf("lower cutoff = %+v, %v", del, err)
	}
	if c := ingest(t, s, invs[:1], 1); c.New != 0 {
		t.Errorf("after a lower cutoff, an old record was stored: %+v", c)
	}
	// New data after the cutoff is stored.
	fresh := gen(10, 10, time.Hour)
	for i := range fresh {
		fresh[i].Start = fresh[i].Start.Add(4 * time.Hour)
		fresh[i].End = fresh[i].End.Add(4 * time.Hour)
	}
	if c := ingest(t, s, fresh, 10); c.New != 10 {
		t.Errorf("fresh ingest after retention = %+v", c)
	}
}

func testTimeEdges(t *testing.T, s store.Store) {
	ctx := context.Background()
	from, to := base.Add(10*time.Minute), base.Add(20*time.Minute)
	mk := func(id string, start time.Time) telemetry.Invocation {
		return telemetry.Invocation{Function: "edge", Version: "1", RequestID: id, Start: start,
			End: start.Add(time.Millisecond), DurationUS: 1000, BilledDurationMS: 1, MemorySizeMB: 128}
	}
	invs := []telemetry.Invocation{
		mk("before", from.Add(-time.Microsecond)),
		mk("at-from", from),
		mk("inside", from.Add(5*time.Minute+time.Microsecond)),
		mk("before-to", to.Add(-time.Microsecond)),
		mk("at-to", to),
		// Sub-microsecond parts are truncated by the store.
		mk("nanos", from.Add(7*time.Minute+999*time.Nanosecond)),
	}
	ingest(t, s, invs, 10)
	var ids []string
	for _, inv := range scanAll(t, s, store.InvocationQuery{Function: "edge", From: from, To: to}) {
		ids = append(ids, inv.RequestID)
	}
	if want := []string{"at-from", "inside", "nanos", "before-to"}; !slices.Equal(ids, want) {
		t.Errorf("scan [from, to) = %v, want %v", ids, want)
	}
	if n := len(scanAll(t, s, store.InvocationQuery{Function: "edge", From: from})); n != 5 {
		t.Errorf("scan from, open end = %d rows, want 5", n)
	}
	if n := len(scanAll(t, s, store.InvocationQuery{Function: "edge", To: to})); n != 5 {
		t.Errorf("scan open start, to = %d rows, want 5", n)
	}
	if n := len(scanAll(t, s, store.InvocationQuery{Function: "edge", From: to, To: from})); n != 0 {
		t.Errorf("scan of an inverted range = %d rows", n)
	}
	// Stats and rollups apply the range to minutes: "before" is in the
	// minute before from, "at-to" in the minute at to.
	if n := totalInvocations(stats(t, s, store.Filter{From: from, To: to})); n != 4 {
		t.Errorf("stats [from, to) = %d, want 4", n)
	}
	// Metrics and deploys: the same half-open range.
	app, _ := s.Appender(ctx)
	for _, ts := range []time.Time{from.Add(-time.Microsecond), from, to.Add(-time.Microsecond), to} {
		m := telemetry.Metric{Namespace: "N", Name: "M", Time: ts, Stat: "Sum"}
		_ = app.AddMetric(&m)
		d := telemetry.Deploy{Function: "edge", Version: ts.String(), Time: ts}
		_ = app.AddDeploy(&d)
	}
	if _, err := app.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	ms, err := s.Metrics(ctx, store.MetricQuery{Namespace: "N", Name: "M", From: from, To: to})
	if err != nil || len(ms) != 2 || !ms[0].Time.Equal(from) {
		t.Errorf("Metrics [from, to) = %v, %v", ms, err)
	}
	ds, err := s.Deploys(ctx, store.DeployQuery{From: from, To: to})
	if err != nil || len(ds) != 2 || !ds[0].Time.Equal(from) {
		t.Errorf("Deploys [from, to) = %v, %v", ds, err)
	}
}

func testMetrics(t *testing.T, s store.Store) {
	ctx := context.Background()
	app, _ := s.Appender(ctx)
	var all []telemetry.Metric
	for i := range 30 {
		for _, q := range []string{"orders", "payments"} {
			for _, stat := range []string{"Maximum", "Sum"} {
				m := telemetry.Metric{Namespace: "AWS/SQS", Name: "ApproximateAgeOfOldestMessage",
					Dimensions: map[string]string{"QueueName": q}, Time: base.Add(time.Duration(i) * time.Minute),
					Stat: stat, Period: 60, Value: float64(i) + 0.25, Unit: "Seconds"}
				all = append(all, m)
				if err := app.AddMetric(&m); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	other := telemetry.Metric{Namespace: "AWS/SQS", Name: "NumberOfMessagesSent", Time: base, Stat: "Sum", Value: 1}
	_ = app.AddMetric(&other)
	res, err := app.Commit(ctx)
	if err != nil || res.Metrics.New != int64(len(all)+1) {
		t.Fatalf("Commit = %+v, %v", res, err)
	}
	got, err := s.Metrics(ctx, store.MetricQuery{Namespace: "AWS/SQS", Name: "ApproximateAgeOfOldestMessage",
		Dimensions: map[string]string{"QueueName": "orders"}, Stat: "Maximum", From: base.Add(10 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 20 {
		t.Fatalf("orders Maximum from +10m: %d points, want 20", len(got))
	}
	for i, m := range got {
		want := all[(10+i)*4]
		if m.Time != want.Time || m.Value != want.Value || m.Stat != "Maximum" || m.Unit != "Seconds" ||
			m.Period != 60 || !maps.Equal(m.Dimensions, want.Dimensions) {
			t.Fatalf("point %d = %+v, want %+v", i, m, want)
		}
	}
	got, err = s.Metrics(ctx, store.MetricQuery{Namespace: "AWS/SQS", Name: "ApproximateAgeOfOldestMessage"})
	if err != nil || len(got) != len(all) {
		t.Fatalf("all series: %d points, %v; want %d", len(got), err, len(all))
	}
	// Ordered by series, stat, time.
	if got[0].Dimensions["QueueName"] != "orders" || got[0].Stat != "Maximum" || got[len(got)-1].Dimensions["QueueName"] != "payments" {
		t.Errorf("series order: first %+v, last %+v", got[0], got[len(got)-1])
	}
	got, err = s.Metrics(ctx, store.MetricQuery{Namespace: "AWS/SQS", Name: "ApproximateAgeOfOldestMessage",
		Dimensions: map[string]string{"QueueName": "nope"}})
	if err != nil || len(got) != 0 {
		t.Errorf("unknown dimension value: %d points, %v", len(got), err)
	}
	if _, err := s.Metrics(ctx, store.MetricQuery{Name: "x"}); err == nil {
		t.Errorf("metric query without namespace: no error")
	}
}

func testDeploys(t *testing.T, s store.Store) {
	ctx := context.Background()
	ds := []telemetry.Deploy{
		{Function: "api", Version: "7", Time: base.Add(time.Hour), Source: "log-stream"},
		{Function: "", Stack: "shop", Version: "", Time: base.Add(2 * time.Hour), Label: "UPDATE_COMPLETE", Source: "stack-events"},
		{Function: "worker", Version: "3", Time: base.Add(3 * time.Hour), Label: "feature: checkout-v2", Source: "manual"},
	}
	res, err := s.AddDeploys(ctx, ds...)
	if err != nil || res.Deploys != (store.Counts{New: 3}) {
		t.Fatalf("AddDeploys = %+v, %v", res, err)
	}
	got, err := s.Deploys(ctx, store.DeployQuery{})
	if err != nil || !slices.Equal(got, ds) {
		t.Errorf("Deploys = %v, %v; want %v", got, err, ds)
	}
	got, err = s.Deploys(ctx, store.DeployQuery{Function: "api"})
	if err != nil || len(got) != 2 || got[0] != ds[0] || got[1] != ds[1] {
		t.Errorf("Deploys(api) = %v, %v; want api's and the stack-wide one", got, err)
	}
	ok, err := s.RemoveDeploy(ctx, telemetry.Deploy{Function: "worker", Version: "3", Time: ds[2].Time, Label: ds[2].Label})
	if err != nil || !ok {
		t.Errorf("RemoveDeploy = %v, %v", ok, err)
	}
	if ok, err := s.RemoveDeploy(ctx, ds[2]); err != nil || ok {
		t.Errorf("second RemoveDeploy = %v, %v; want false", ok, err)
	}
	if got, _ := s.Deploys(ctx, store.DeployQuery{}); len(got) != 2 {
		t.Errorf("after remove, %d deploys", len(got))
	}
}

func testUnicode(t *testing.T, s store.Store) {
	ctx := context.Background()
	names := []string{"ñandú-λ", "函数-处理", "emoji-🚀", `quote'"back\slash`, "comma,equals=x"}
	var invs []telemetry.Invocation
	for i, n := range names {
		invs = append(invs, telemetry.Invocation{Function: n, Version: "$LATEST", RequestID: "req-" + n,
			Start: base.Add(time.Duration(i) * time.Second), End: base.Add(time.Duration(i)*time.Second + time.Millisecond),
			DurationUS: 1000, BilledDurationMS: 1, MemorySizeMB: 128, ErrorType: "Error:ü"})
	}
	if c := ingest(t, s, invs, 10); c.New != int64(len(names)) {
		t.Fatalf("ingest = %+v", c)
	}
	if c := ingest(t, s, invs, 10); c.Duplicates != int64(len(names)) {
		t.Fatalf("re-ingest = %+v", c)
	}
	st := stats(t, s, store.Filter{Functions: names[:2]})
	if len(st) != 2 {
		t.Errorf("stats for two unicode names: %v", st)
	}
	for _, inv := range invs {
		got := scanAll(t, s, store.InvocationQuery{Function: inv.Function})
		if len(got) != 1 || got[0] != inv {
			t.Errorf("scan %q = %+v", inv.Function, got)
		}
	}
	// Dimension sets whose canonical text would collide without escaping.
	app, _ := s.Appender(ctx)
	d1 := map[string]string{"a": "1,b=2"}
	d2 := map[string]string{"a": "1", "b": "2"}
	for _, d := range []map[string]string{d1, d2, {"队列": "订单"}} {
		m := telemetry.Metric{Namespace: "NS/ü", Name: "Größe", Dimensions: d, Time: base, Stat: "Sum", Value: 1}
		if err := app.AddMetric(&m); err != nil {
			t.Fatal(err)
		}
	}
	res, err := app.Commit(ctx)
	if err != nil || res.Metrics.New != 3 {
		t.Errorf("metrics with escaped dimensions = %+v, %v; want 3 new", res, err)
	}
	ms, err := s.Metrics(ctx, store.MetricQuery{Namespace: "NS/ü", Name: "Größe", Dimensions: map[string]string{"队列": "订单"}})
	if err != nil || len(ms) != 1 {
		t.Errorf("unicode dimension query = %v, %v", ms, err)
	}
}

func testLargeBatch(t *testing.T, s store.Store) {
	n := 200_000
	if testing.Short() {
		n = 20_000
	}
	invs := gen(11, n, 24*time.Hour)
	if c := ingest(t, s, invs, n); c.New != int64(n) {
		t.Fatalf("ingest = %+v", c)
	}
	if got := totalInvocations(stats(t, s, store.Filter{})); got != int64(n) {
		t.Errorf("stats count %d, want %d", got, n)
	}
	var want int
	for _, inv := range invs {
		if inv.Function == "api" {
			want++
		}
	}
	if got := len(scanAll(t, s, store.InvocationQuery{Function: "api"})); got != want {
		t.Errorf("scan count %d, want %d", got, want)
	}
}

func testClosed(t *testing.T, s store.Store) {
	ctx := context.Background()
	app, err := s.Appender(ctx)
	if err != nil {
		t.Fatal(err)
	}
	inv := gen(12, 1, time.Minute)[0]
	_ = app.AddInvocation(&inv)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if _, err := app.Commit(ctx); err == nil {
		t.Errorf("Commit after Close: no error")
	}
	if _, err := s.Appender(ctx); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Appender after Close = %v, want ErrClosed", err)
	}
	if _, err := s.FunctionStats(ctx, store.Filter{}); !errors.Is(err, store.ErrClosed) {
		t.Errorf("FunctionStats after Close = %v, want ErrClosed", err)
	}
}
