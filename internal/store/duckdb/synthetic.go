package duckdb

import (
	"context"
	"fmt"
	"time"
)

// WriteSynthetic fills the empty store s with n invocations of functions
// functions ("svc-fn-0" ...), spread evenly over span from start, and their
// minute rollups, as the Appender would have stored them (without
// duration sketches, which no query needs here). It exists for benchmarks
// of the read path at scales the Appender takes many minutes to write: the
// rows are generated inside DuckDB. Durations cycle through 1 ms .. 3 s,
// billed rounded up to the ms; memory cycles through 128, 256, 512 and
// 1024 MB by function.
func (s *Store) WriteSynthetic(ctx context.Context, n int64, functions int, start time.Time, span time.Duration) error {
	if n <= 0 || functions <= 0 || span <= 0 {
		return fmt.Errorf("synthetic: n, functions and span must be positive")
	}
	stepUS := span.Microseconds() / n
	if stepUS == 0 {
		stepUS = 1
	}
	f := functions
	steps := []string{
		fmt.Sprintf(`INSERT INTO names SELECT i::INTEGER, 'svc-fn-' || i FROM range(0, %d) t(i)`, f),
		fmt.Sprintf(`INSERT INTO names VALUES (%d, '$LATEST'), (%d, 'e'), (%d, '')`, f, f+1, f+2),
		fmt.Sprintf(`INSERT INTO invocations SELECT (i %% %d)::INTEGER, %d, %d, gen_random_uuid(), ts, ts + to_microseconds(d),
			d, (d + 999) // 1000, (128 << ((i %% %d) %% 4))::INTEGER, 100, 0, 0, 0, false, 0, %d, %d
			FROM (SELECT i, ?::TIMESTAMP + to_microseconds(i * %d) AS ts, 1000 + (i * 7919) %% 3000000 AS d FROM range(0, %d) t(i))`,
			f, f, f+1, f, f+2, f+2, stepUS, n),
		`INSERT INTO rollup_minute SELECT n.name, '$LATEST', date_trunc('minute', start_ts), count(*), 0, 0, 0, 0, 0,
			sum(billed_ms), sum(billed_ms * memory_mb), sum(duration_us), max(duration_us), 0, min(start_ts), max(end_ts),
			[]::SMALLINT[], []::BIGINT[]
			FROM invocations i JOIN names n ON n.id = i.fn GROUP BY ALL`,
		`CHECKPOINT`,
	}
	for i, q := range steps {
		var args []any
		if i == 2 {
			args = append(args, start.UTC())
		}
		if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("synthetic step %d: %w", i+1, err)
		}
	}
	return nil
}
