package duckdb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/telemetry"
)

// rawFilter is the WHERE clause of f over invocations i joined to names f.
func rawFilter(f store.Filter) *where {
	var w where
	w.timeRange("i.start_ts", f.From, f.To)
	if len(f.Functions) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(f.Functions)), ", ")
		args := make([]any, len(f.Functions))
		for i, fn := range f.Functions {
			args[i] = fn
		}
		w.add("f.name IN ("+ph+")", args...)
	}
	return &w
}

// Usage sums three columns of rollup_minute per bucket.
func (s *Store) Usage(ctx context.Context, q store.RollupQuery) ([]store.Rollup, error) {
	if s.isClosed() {
		return nil, store.ErrClosed
	}
	stepUS, w, version, err := rollupScan("usage", q)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(`SELECT (epoch_us(minute) // %d) * %d AS b, function, %s AS v,
		sum(invocations)::BIGINT, sum(billed_ms)::BIGINT, sum(billed_mbms)::BIGINT
		FROM rollup_minute%s GROUP BY ALL ORDER BY 1, 2, 3`, stepUS, stepUS, version, w.String()), w.args...)
	if err != nil {
		return nil, fmt.Errorf("usage: %w", err)
	}
	defer rows.Close()
	var out []store.Rollup
	for rows.Next() {
		var r store.Rollup
		var b int64
		if err := rows.Scan(&b, &r.Function, &r.Version, &r.Invocations, &r.BilledMS, &r.BilledMBMS); err != nil {
			return nil, fmt.Errorf("usage: %w", err)
		}
		r.Start = time.UnixMicro(b).UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("usage: %w", err)
	}
	return out, nil
}

// Gaps finds the holes between hourly sums with window functions, so only
// the gaps leave DuckDB.
func (s *Store) Gaps(ctx context.Context, f store.Filter, minPerHour int64) ([]store.Gap, error) {
	if s.isClosed() {
		return nil, store.ErrClosed
	}
	var w where
	w.timeRange("minute", f.From, f.To)
	w.functions(f.Functions)
	const hourUS = 3_600_000_000
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(`SELECT function, h, next_h FROM (
			SELECT function, h, n, lead(h) OVER w AS next_h, lead(n) OVER w AS next_n FROM (
				SELECT function, epoch_us(minute) // %d AS h, sum(invocations) AS n
				FROM rollup_minute%s GROUP BY ALL)
			WINDOW w AS (PARTITION BY function ORDER BY h))
		WHERE next_h > h + 1 AND n >= ? AND next_n >= ? ORDER BY h, function`, hourUS, w.String()),
		append(w.args, minPerHour, minPerHour)...)
	if err != nil {
		return nil, fmt.Errorf("gaps: %w", err)
	}
	defer rows.Close()
	var out []store.Gap
	for rows.Next() {
		var g store.Gap
		var h, next int64
		if err := rows.Scan(&g.Function, &h, &next); err != nil {
			return nil, fmt.Errorf("gaps: %w", err)
		}
		g.From, g.To = time.UnixMicro((h+1)*hourUS).UTC(), time.UnixMicro(next*hourUS).UTC()
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("gaps: %w", err)
	}
	return out, nil
}

// BillingSuspects selects the rows store.Suspect flags, with its rules
// written in SQL.
func (s *Store) BillingSuspects(ctx context.Context, f store.Filter) ([]telemetry.Invocation, error) {
	if s.isClosed() {
		return nil, store.ErrClosed
	}
	w := rawFilter(f)
	w.add(fmt.Sprintf(`(i.memory_mb < %d OR i.memory_mb > %d OR (i.billed_ms = 0 AND i.duration_us > 0)
		OR i.billed_ms < 0 OR i.billed_ms > %d)`,
		store.MinMemoryMB, store.MaxMemoryMB, store.MaxBilledMS))
	rows, err := s.db.QueryContext(ctx, `SELECT f.name, v.name, e.name,
		coalesce(r.request_id, i.request_uuid::VARCHAR) AS rid, i.start_ts, i.end_ts,
		i.duration_us, i.billed_ms, i.memory_mb, i.max_memory_mb, i.init_us, i.restore_us, i.billed_restore_ms,
		i.cold, i.status, t.name, a.name
		FROM invocations i
		JOIN names f ON f.id = i.fn JOIN names v ON v.id = i.version JOIN names e ON e.id = i.env
		JOIN names t ON t.id = i.error_type JOIN names a ON a.id = i.arch
		LEFT JOIN request_ids r ON r.fn = i.fn AND r.request_uuid = i.request_uuid`+
		w.String()+` ORDER BY i.start_ts, f.name, rid`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("billing suspects: %w", err)
	}
	defer rows.Close()
	var out []telemetry.Invocation
	for rows.Next() {
		var inv telemetry.Invocation
		var status uint8
		if err := rows.Scan(&inv.Function, &inv.Version, &inv.EnvID, &inv.RequestID, &inv.Start, &inv.End,
			&inv.DurationUS, &inv.BilledDurationMS, &inv.MemorySizeMB, &inv.MaxMemoryUsedMB,
			&inv.InitDurationUS, &inv.RestoreDurationUS, &inv.BilledRestoreMS, &inv.ColdStart,
			&status, &inv.ErrorType, &inv.Arch); err != nil {
			return nil, fmt.Errorf("billing suspects: %w", err)
		}
		inv.Start, inv.End, inv.Status = inv.Start.UTC(), inv.End.UTC(), telemetry.Status(status)
		out = append(out, inv)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("billing suspects: %w", err)
	}
	return out, nil
}

// MemoryUse aggregates max_memory_mb of the raw rows.
func (s *Store) MemoryUse(ctx context.Context, f store.Filter) ([]store.MemoryUse, error) {
	if s.isClosed() {
		return nil, store.ErrClosed
	}
	w := rawFilter(f)
	rows, err := s.db.QueryContext(ctx, `SELECT f.name, i.memory_mb, count(*)::BIGINT, max(i.max_memory_mb),
		quantile_disc(i.max_memory_mb, 0.99)
		FROM invocations i JOIN names f ON f.id = i.fn`+w.String()+` GROUP BY ALL ORDER BY 1, 2`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("memory use: %w", err)
	}
	defer rows.Close()
	var out []store.MemoryUse
	for rows.Next() {
		var m store.MemoryUse
		if err := rows.Scan(&m.Function, &m.MemoryMB, &m.Invocations, &m.MaxUsedMB, &m.P99UsedMB); err != nil {
			return nil, fmt.Errorf("memory use: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("memory use: %w", err)
	}
	return out, nil
}
