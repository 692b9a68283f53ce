package duckdb

import (
	"context"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/telemetry"
)

// where builds a WHERE clause from conditions and their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// timeRange adds [from, to) on col, leaving zero ends open.
func (w *where) timeRange(col string, from, to time.Time) {
	if !from.IsZero() {
		w.add(col+" >= ?", from.UTC())
	}
	if !to.IsZero() {
		w.add(col+" < ?", to.UTC())
	}
}

func (w *where) functions(fns []string) {
	if len(fns) == 0 {
		return
	}
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(fns)), ", ")
	args := make([]any, len(fns))
	for i, f := range fns {
		args[i] = f
	}
	w.add("function IN ("+ph+")", args...)
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// FunctionStats sums the rollups per function.
func (s *Store) FunctionStats(ctx context.Context, f store.Filter) ([]store.FunctionStats, error) {
	if s.isClosed() {
		return nil, store.ErrClosed
	}
	var w where
	w.timeRange("minute", f.From, f.To)
	w.functions(f.Functions)
	rows, err := s.db.QueryContext(ctx, `SELECT function, sum(invocations)::BIGINT, sum(cold_starts)::BIGINT,
		sum(errors)::BIGINT, sum(timeouts)::BIGINT, sum(ooms)::BIGINT, sum(billed_mbms)::BIGINT,
		min(first_start), max(last_end)
		FROM rollup_minute`+w.String()+` GROUP BY function ORDER BY function`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("function stats: %w", err)
	}
	defer rows.Close()
	var out []store.FunctionStats
	for rows.Next() {
		var st store.FunctionStats
		if err := rows.Scan(&st.Function, &st.Invocations, &st.ColdStarts, &st.Errors, &st.Timeouts,
			&st.OOMs, &st.BilledMBMS, &st.First, &st.Last); err != nil {
			return nil, fmt.Errorf("function stats: %w", err)
		}
		st.First, st.Last = st.First.UTC(), st.Last.UTC()
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("function stats: %w", err)
	}
	return out, nil
}

// Rollups aggregates rollup_minute into buckets of q.Step.
func (s *Store) Rollups(ctx context.Context, q store.RollupQuery) ([]store.Rollup, error) {
	if s.isClosed() {
		return nil, store.ErrClosed
	}
	stepUS, w, version, err := rollupScan("rollups", q)
	if err != nil {
		return nil, err
	}
	// The bucket is computed from epoch µs so any step aligns to the Unix
	// epoch (time_bucket would align to 2000-01-03).
	bucket := fmt.Sprintf("(epoch_us(minute) // %d) * %d", stepUS, stepUS)
	rows, err := s.db.QueryContext(ctx, `SELECT function, `+version+` AS v, `+bucket+` AS b,
		sum(invocations)::BIGINT, sum(cold_starts)::BIGINT, sum(errors)::BIGINT, sum(timeouts)::BIGINT,
		sum(ooms)::BIGINT, sum(init_errors)::BIGINT, sum(billed_ms)::BIGINT, sum(billed_mbms)::BIGINT,
		sum(duration_sum_us)::BIGINT, max(duration_max_us), sum(init_sum_us)::BIGINT
		FROM rollup_minute`+w.String()+` GROUP BY ALL ORDER BY 1, 2, 3`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("rollups: %w", err)
	}
	defer rows.Close()
	var out []store.Rollup
	for rows.Next() {
		var r store.Rollup
		var b int64
		if err := rows.Scan(&r.Function, &r.Version, &b, &r.Invocations, &r.ColdStarts, &r.Errors,
			&r.Timeouts, &r.OOMs, &r.InitErrors, &r.BilledMS, &r.BilledMBMS, &r.DurationSum,
			&r.DurationMax, &r.InitSum); err != nil {
			return nil, fmt.Errorf("rollups: %w", err)
		}
		r.Start = time.UnixMicro(b).UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("rollups: %w", err)
	}
	if q.Durations && len(out) > 0 {
		if err := s.rollupSketches(ctx, out, version, bucket, &w); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// rollupSketches fills Durations of out (ordered by function, version,
// bucket) by merging the minute sketches' bins in SQL.
func (s *Store) rollupSketches(ctx context.Context, out []store.Rollup, version, bucket string, w *where) error {
	rows, err := s.db.QueryContext(ctx, `SELECT function, v, b, bin, sum(n)::BIGINT FROM (
		SELECT function, `+version+` AS v, `+bucket+` AS b, unnest(dur_bins) AS bin, unnest(dur_counts) AS n
		FROM rollup_minute`+w.String()+`) GROUP BY ALL ORDER BY 1, 2, 3, 4`, w.args...)
	if err != nil {
		return fmt.Errorf("rollup sketches: %w", err)
	}
	defer rows.Close()
	i := 0
	var bins []int16
	var counts []int64
	flush := func() error {
		if len(bins) == 0 {
			return nil
		}
		sk, err := store.NewSketch(bins, counts)
		if err != nil {
			return err
		}
		out[i].Durations = sk
		bins, counts = nil, nil
		return nil
	}
	for rows.Next() {
		var fn, v string
		var b, n int64
		var bin int16
		if err := rows.Scan(&fn, &v, &b, &bin, &n); err != nil {
			return fmt.Errorf("rollup sketches: %w", err)
		}
		t := time.UnixMicro(b).UTC()
		for i < len(out) && (out[i].Function != fn || out[i].Version != v || !out[i].Start.Equal(t)) {
			if err := flush(); err != nil {
				return err
			}
			i++
		}
		if i == len(out) {
			return fmt.Errorf("rollup sketches: bucket %s %s %v not in rollups", fn, v, t)
		}
		bins = append(bins, bin)
		counts = append(counts, n)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("rollup sketches: %w", err)
	}
	return flush()
}

// scanPage is the most rows one query of a raw scan returns. DuckDB
// materializes a result before the first row is read, so the scan walks
// the range in windows that the rollups say hold about this many rows.
const scanPage = 50_000

// Invocations scans raw rows of one function in windows of time.
func (s *Store) Invocations(ctx context.Context, q store.InvocationQuery) iter.Seq2[telemetry.Invocation, error] {
	return func(yield func(telemetry.Invocation, error) bool) {
		if s.isClosed() {
			yield(telemetry.Invocation{}, store.ErrClosed)
			return
		}
		if q.Function == "" {
			yield(telemetry.Invocation{}, fmt.Errorf("invocations: no function"))
			return
		}
		windows, err := s.scanWindows(ctx, q)
		if err != nil {
			yield(telemetry.Invocation{}, err)
			return
		}
		for _, win := range windows {
			more, err := s.scanWindow(ctx, q.Function, win[0], win[1], yield)
			if err != nil {
				yield(telemetry.Invocation{}, fmt.Errorf("invocations: %w", err))
				return
			}
			if !more {
				return
			}
		}
	}
}

// scanWindows splits [q.From, q.To) at minute bounds into windows of about
// scanPage rows by the rollup counts. Zero times are the open ends; the
// first window starts at q.From and the last ends at q.To.
func (s *Store) scanWindows(ctx context.Context, q store.InvocationQuery) ([][2]time.Time, error) {
	var w where
	w.add("function = ?", q.Function)
	if !q.From.IsZero() {
		w.add("minute >= date_trunc('minute', ?::TIMESTAMP)", q.From.UTC())
	}
	if !q.To.IsZero() {
		w.add("minute < ?", q.To.UTC())
	}
	rows, err := s.db.QueryContext(ctx, `SELECT minute, sum(invocations)::BIGINT FROM rollup_minute`+
		w.String()+` GROUP BY minute ORDER BY minute`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("invocations: plan: %w", err)
	}
	defer rows.Close()
	var out [][2]time.Time
	from := q.From // zero: open
	var n int64
	for rows.Next() {
		var m time.Time
		var c int64
		if err := rows.Scan(&m, &c); err != nil {
			return nil, fmt.Errorf("invocations: plan: %w", err)
		}
		m = m.UTC()
		if n > 0 && n+c > scanPage && m.After(from) {
			out = append(out, [2]time.Time{from, m})
			from, n = m, 0
		}
		n += c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("invocations: plan: %w", err)
	}
	return append(out, [2]time.Time{from, q.To}), nil
}

func (s *Store) scanWindow(ctx context.Context, fn string, from, to time.Time,
	yield func(telemetry.Invocation, error) bool) (bool, error) {
	var w where
	w.add("i.fn = (SELECT min(id) FROM names WHERE name = ?)", fn)
	w.timeRange("i.start_ts", from, to)
	rows, err := s.db.QueryContext(ctx, `SELECT f.name, v.name, e.name,
		coalesce(r.request_id, i.request_uuid::VARCHAR), i.start_ts, i.end_ts,
		i.duration_us, i.billed_ms, i.memory_mb, i.max_memory_mb, i.init_us, i.restore_us, i.billed_restore_ms,
		i.cold, i.status, t.name, a.name
		FROM invocations i
		JOIN names f ON f.id = i.fn JOIN names v ON v.id = i.version JOIN names e ON e.id = i.env
		JOIN names t ON t.id = i.error_type JOIN names a ON a.id = i.arch
		LEFT JOIN request_ids r ON r.fn = i.fn AND r.request_uuid = i.request_uuid`+
		w.String()+` ORDER BY i.start_ts, i.request_uuid`, w.args...)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var inv telemetry.Invocation
		var status uint8
		if err := rows.Scan(&inv.Function, &inv.Version, &inv.EnvID, &inv.RequestID, &inv.Start, &inv.End,
			&inv.DurationUS, &inv.BilledDurationMS, &inv.MemorySizeMB, &inv.MaxMemoryUsedMB,
			&inv.InitDurationUS, &inv.RestoreDurationUS, &inv.BilledRestoreMS, &inv.ColdStart,
			&status, &inv.ErrorType, &inv.Arch); err != nil {
			return false, err
		}
		inv.Start, inv.End, inv.Status = inv.Start.UTC(), inv.End.UTC(), telemetry.Status(status)
		if !yield(inv, nil) {
			return false, nil
		}
	}
	return true, rows.Err()
}

// Metrics reads datapoints of one metric.
func (s *Store) Metrics(ctx context.Context, q store.MetricQuery) ([]telemetry.Metric, error) {
	if s.isClosed() {
		return nil, store.ErrClosed
	}
	if q.Namespace == "" || q.Name == "" {
		return nil, fmt.Errorf("metrics: namespace and name are required")
	}
	var w where
	w.add("namespace = ?", q.Namespace)
	w.add("name = ?", q.Name)
	if q.Stat != "" {
		w.add("stat = ?", q.Stat)
	}
	for _, k := range slices.Sorted(maps.Keys(q.Dimensions)) {
		w.add("map_extract_value(dim_map, ?) = ?", k, q.Dimensions[k])
	}
	w.timeRange("ts", q.From, q.To)
	rows, err := s.db.QueryContext(ctx, `SELECT namespace, name, map_keys(dim_map), map_values(dim_map),
		ts, stat, period, value, unit FROM metrics`+w.String()+` ORDER BY dims, stat, ts`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	defer rows.Close()
	var out []telemetry.Metric
	for rows.Next() {
		var m telemetry.Metric
		var keys, vals []any
		if err := rows.Scan(&m.Namespace, &m.Name, &keys, &vals, &m.Time, &m.Stat, &m.Period, &m.Value, &m.Unit); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
		if len(keys) > 0 {
			m.Dimensions = make(map[string]string, len(keys))
			for i, k := range keys {
				m.Dimensions[k.(string)] = vals[i].(string)
			}
		}
		m.Time = m.Time.UTC()
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return out, nil
}

// Deploys lists deploy markers.
func (s *Store) Deploys(ctx context.Context, q store.DeployQuery) ([]telemetry.Deploy, error) {
	if s.isClosed() {
		return nil, store.ErrClosed
	}
	var w where
	if q.Function != "" {
		w.add("(function = ? OR function = '')", q.Function)
	}
	w.timeRange("ts", q.From, q.To)
	rows, err := s.db.QueryContext(ctx, `SELECT function, stack, version, ts, label, source FROM deploys`+
		w.String()+` ORDER BY ts, function, version, label, stack`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("deploys: %w", err)
	}
	defer rows.Close()
	var out []telemetry.Deploy
	for rows.Next() {
		var d telemetry.Deploy
		if err := rows.Scan(&d.Function, &d.Stack, &d.Version, &d.Time, &d.Label, &d.Source); err != nil {
			return nil, fmt.Errorf("deploys: %w", err)
		}
		d.Time = d.Time.UTC()
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("deploys: %w", err)
	}
	return out, nil
}

// rollupScan is what every query over rollup_minute by step starts from:
// the bucket width in µs (a whole number of minutes, one by default), the
// WHERE clause for the query's range and functions, and the expression
// that groups by version or not.
func rollupScan(op string, q store.RollupQuery) (stepUS int64, w where, version string, err error) {
	step := q.Step
	if step == 0 {
		step = time.Minute
	}
	if step < time.Minute || step%time.Minute != 0 {
		return 0, w, "", fmt.Errorf("%s: step %v is not a whole number of minutes", op, q.Step)
	}
	w.timeRange("minute", q.From, q.To)
	w.functions(q.Functions)
	version = "''"
	if q.ByVersion {
		version = "version"
	}
	return step.Microseconds(), w, version, nil
}
