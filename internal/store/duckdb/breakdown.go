package duckdb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/telemetry"
)

var (
	_ store.ErrorCounter   = (*Store)(nil)
	_ store.MemoryReporter = (*Store)(nil)
)

// breakdownWhere selects raw rows by the query's functions and range, and
// returns the bucket expression for its step.
func breakdownWhere(q store.BreakdownQuery) (*where, string, error) {
	step := q.Step
	if step == 0 || q.Whole {
		step = time.Minute
	}
	if step < time.Minute || step%time.Minute != 0 {
		return nil, "", fmt.Errorf("step %v is not a whole number of minutes", q.Step)
	}
	w := &where{}
	// The bounds are cast to the column's type, so DuckDB compares
	// TIMESTAMPs (and prunes by the row groups' ranges) rather than
	// casting every row to the parameter's TIMESTAMPTZ.
	if !q.From.IsZero() {
		w.add("i.start_ts >= ?::TIMESTAMP", q.From.UTC())
	}
	if !q.To.IsZero() {
		w.add("i.start_ts < ?::TIMESTAMP", q.To.UTC())
	}
	if len(q.Functions) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(q.Functions)), ", ")
		args := make([]any, len(q.Functions))
		for i, f := range q.Functions {
			args[i] = f
		}
		w.add("i.fn IN (SELECT id FROM names WHERE name IN ("+ph+"))", args...)
	}
	if q.Whole {
		from := int64(0)
		if !q.From.IsZero() {
			from = q.From.UnixMicro()
		}
		return w, fmt.Sprintf("%d::BIGINT", from), nil
	}
	us := step.Microseconds()
	return w, fmt.Sprintf("(epoch_us(i.start_ts) // %d) * %d", us, us), nil
}

// ErrorCounts groups the raw failed invocations; status is a narrow
// column, so the scan reads little more than it.
func (s *Store) ErrorCounts(ctx context.Context, q store.BreakdownQuery) ([]store.ErrorCount, error) {
	if s.isClosed() {
		return nil, store.ErrClosed
	}
	w, bucket, err := breakdownWhere(q)
	if err != nil {
		return nil, fmt.Errorf("error counts: %w", err)
	}
	w.add("i.status <> 0")
	rows, err := s.db.QueryContext(ctx, `SELECT f.name, b, status, t.name, n FROM (
		SELECT i.fn, `+bucket+` AS b, i.status, i.error_type, count(*) AS n
		FROM invocations i`+w.String()+` GROUP BY ALL) g
		JOIN names f ON f.id = g.fn JOIN names t ON t.id = g.error_type
		ORDER BY 1, 2, 3, 4`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("error counts: %w", err)
	}
	defer rows.Close()
	var out []store.ErrorCount
	for rows.Next() {
		var c store.ErrorCount
		var b int64
		var status uint8
		if err := rows.Scan(&c.Function, &b, &status, &c.ErrorType, &c.Count); err != nil {
			return nil, fmt.Errorf("error counts: %w", err)
		}
		c.Start, c.Status = bucketTime(b, q), telemetry.Status(status)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("error counts: %w", err)
	}
	return out, nil
}

// MemoryStats takes the peaks of the raw rows per function and bucket.
func (s *Store) MemoryStats(ctx context.Context, q store.BreakdownQuery) ([]store.MemoryStat, error) {
	if s.isClosed() {
		return nil, store.ErrClosed
	}
	w, bucket, err := breakdownWhere(q)
	if err != nil {
		return nil, fmt.Errorf("memory stats: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT f.name, b, n, used, size FROM (
		SELECT i.fn, `+bucket+` AS b, count(*) AS n, max(i.max_memory_mb) AS used, max(i.memory_mb) AS size
		FROM invocations i`+w.String()+` GROUP BY ALL) g
		JOIN names f ON f.id = g.fn ORDER BY 1, 2`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("memory stats: %w", err)
	}
	defer rows.Close()
	var out []store.MemoryStat
	for rows.Next() {
		var m store.MemoryStat
		var b int64
		if err := rows.Scan(&m.Function, &b, &m.Invocations, &m.MaxUsedMB, &m.MemorySizeMB); err != nil {
			return nil, fmt.Errorf("memory stats: %w", err)
		}
		m.Start = bucketTime(b, q)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("memory stats: %w", err)
	}
	return out, nil
}

// bucketTime is a bucket's start: the query's From (zero when open) for a
// whole-range bucket.
func bucketTime(us int64, q store.BreakdownQuery) time.Time {
	if q.Whole && q.From.IsZero() {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}
