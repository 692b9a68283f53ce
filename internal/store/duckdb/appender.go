package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"time"

	duck "github.com/duckdb/duckdb-go/v2"
	"github.com/zeebo/xxh3"

	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/telemetry"
)

// Staging tables are TEMP: private to the connection, never visible to
// readers, and cheap to empty.
const stagingDDL = `
CREATE TEMP TABLE IF NOT EXISTS stage_series (
	sid INTEGER, namespace VARCHAR, name VARCHAR, dims VARCHAR, dim_keys VARCHAR[], dim_values VARCHAR[],
	stat VARCHAR, unit VARCHAR);
CREATE TEMP TABLE IF NOT EXISTS stage_deploy AS SELECT * FROM deploys LIMIT 0;
CREATE TEMP TABLE IF NOT EXISTS stage_names AS SELECT * FROM names LIMIT 0;
CREATE TEMP TABLE IF NOT EXISTS stage_roll AS SELECT * FROM rollup_minute LIMIT 0;
CREATE TEMP TABLE IF NOT EXISTS stage_rid AS SELECT * FROM request_ids LIMIT 0;
DELETE FROM stage_series; DELETE FROM stage_deploy; DELETE FROM stage_names; DELETE FROM stage_roll; DELETE FROM stage_rid;`

type key = [2]uint64

// appender is one batch. It holds a pooled connection (its staging tables
// live there) from Appender until Commit or Rollback.
type appender struct {
	s    *Store
	conn *sql.Conn
	done bool

	seriesApp, deploy, names *duck.Appender

	metrics      *metricBatch // the batch's datapoints, series in stage_series
	metricHandle int64
	seriesIDs    map[string]int32
	lastSeries   metricSeries

	batch  *invBatch // the batch's invocations
	roll   rollups   // their rollups, counted as they are added
	handle int64     // batch's handle for fnops_inv_batch

	// Datapoint identities seen in this batch: a repeat is a duplicate.
	// (Invocations are checked in DuckDB at commit, where it costs less.)
	metricSeen map[key]struct{}
	buf        []byte

	// Name ids this appender resolved, and those it must write to the
	// names table because no commit has yet.
	localNames map[string]int32
	newNames   map[string]int32
	last       [5]string
	lastID     [5]int32
	lastSet    [5]bool

	invRows, metricRows    int64
	metricDups             int64
	minStart, maxStart     int64 // µs
	minMetricTS, maxMetric time.Time
	deploys                int64
}

// Appender starts a batch.
func (s *Store) Appender(ctx context.Context) (store.Appender, error) {
	if s.isClosed() {
		return nil, store.ErrClosed
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("appender: %w", err)
	}
	if _, err := conn.ExecContext(ctx, stagingDDL); err != nil {
		conn.Close()
		return nil, fmt.Errorf("appender: staging: %w", err)
	}
	a := &appender{
		s: s, conn: conn,
		batch:      s.getBatch(),
		handle:     s.nextHandle.Add(1),
		metricSeen: make(map[key]struct{}),
		seriesIDs:  make(map[string]int32),
		localNames: make(map[string]int32),
		newNames:   make(map[string]int32),
	}
	s.batches.Store(a.handle, a.batch)
	return a, nil
}

func (a *appender) newDuckAppender(table string) (*duck.Appender, error) {
	var app *duck.Appender
	err := a.conn.Raw(func(dc any) error {
		var err error
		app, err = duck.NewAppender(dc.(driver.Conn), "temp", "main", table)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("appender %s: %w", table, err)
	}
	return app, nil
}

// AddInvocation stages one invocation.
func (a *appender) AddInvocation(inv *telemetry.Invocation) error {
	if a.done {
		return store.ErrClosed
	}
	if inv.Function == "" || inv.RequestID == "" {
		return &store.Invalid{Reason: "invocation without function or request id"}
	}
	var ids [5]int32
	for i, n := range [5]string{inv.Function, inv.Version, inv.EnvID, inv.ErrorType, inv.Arch} {
		id, err := a.nameID(i, n)
		if err != nil {
			return err
		}
		ids[i] = id
	}
	a.batch.add(&ids, inv)
	a.roll.add(a.batch, a.batch.len()-1)
	start := inv.Start.UnixMicro()
	if a.invRows == 0 || start < a.minStart {
		a.minStart = start
	}
	if a.invRows == 0 || start > a.maxStart {
		a.maxStart = start
	}
	a.invRows++
	return nil
}

// nameID resolves the name in column col (function, version, env, error
// type, arch) to its id; consecutive records mostly repeat them.
func (a *appender) nameID(col int, n string) (int32, error) {
	if a.lastSet[col] && n == a.last[col] {
		return a.lastID[col], nil
	}
	id, ok := a.localNames[n]
	if !ok {
		v := a.s.names.id(n)
		id = v.id
		a.localNames[n] = id
		if !v.persisted {
			a.newNames[n] = id
			if a.names == nil {
				var err error
				if a.names, err = a.newDuckAppender("stage_names"); err != nil {
					return 0, err
				}
			}
			if err := a.names.AppendRow(id, n); err != nil {
				return 0, fmt.Errorf("append name: %w", err)
			}
		}
	}
	a.last[col], a.lastID[col], a.lastSet[col] = n, id, true
	return id, nil
}

// AddMetric stages one datapoint.
func (a *appender) AddMetric(m *telemetry.Metric) error {
	if a.done {
		return store.ErrClosed
	}
	if m.Namespace == "" || m.Name == "" {
		return &store.Invalid{Reason: "datapoint without namespace or name"}
	}
	ts := m.Time.UTC().Truncate(time.Microsecond) // as stored
	sid, dims, err := a.series(m)
	if err != nil {
		return err
	}
	// The identity hash, as a.hash(namespace, name, dims, ts, stat) would
	// make it, without formatting the time into a new string.
	a.buf = append(a.buf[:0], m.Namespace...)
	a.buf = append(append(a.buf, 0), m.Name...)
	a.buf = append(append(a.buf, 0), dims...)
	a.buf = ts.AppendFormat(append(a.buf, 0), time.RFC3339Nano)
	a.buf = append(append(a.buf, 0), m.Stat...)
	h := xxh3.Hash128(a.buf)
	k := key{h.Hi, h.Lo}
	if _, dup := a.metricSeen[k]; dup {
		a.metricDups++
		return nil
	}
	if a.metrics == nil {
		a.metrics = &metricBatch{}
		a.metricHandle = a.s.nextHandle.Add(1)
		a.s.batches.Store(a.metricHandle, a.metrics)
	}
	a.metrics.add(k, sid, ts.UnixMicro(), m.Period, m.Value)
	a.metricSeen[k] = struct{}{}
	if a.metricRows == 0 || ts.Before(a.minMetricTS) {
		a.minMetricTS = ts
	}
	if a.metricRows == 0 || ts.After(a.maxMetric) {
		a.maxMetric = ts
	}
	a.metricRows++
	return nil
}

// AddDeploy stages one deploy marker.
func (a *appender) AddDeploy(d *telemetry.Deploy) error {
	if a.done {
		return store.ErrClosed
	}
	if d.Time.IsZero() {
		return &store.Invalid{Reason: "deploy without time"}
	}
	if a.deploy == nil {
		var err error
		if a.deploy, err = a.newDuckAppender("stage_deploy"); err != nil {
			return err
		}
	}
	if err := a.deploy.AppendRow(d.Function, d.Stack, d.Version, d.Time.UTC(), d.Label, d.Source); err != nil {
		return fmt.Errorf("append deploy: %w", err)
	}
	a.deploys++
	return nil
}

// Rollback discards the batch.
func (a *appender) Rollback() error {
	if a.done {
		return store.ErrClosed
	}
	a.done = true
	return a.release(nil)
}

// release closes the DuckDB appenders, empties staging and returns the
// connection to the pool, joining any error to err.
func (a *appender) release(err error) error {
	for _, app := range []*duck.Appender{a.seriesApp, a.deploy, a.names} {
		if app != nil {
			_ = app.Clear() // nothing flushed needs keeping
			err = errors.Join(err, app.Close())
		}
	}
	a.seriesApp, a.deploy, a.names = nil, nil, nil
	a.s.batches.Delete(a.handle)
	if a.metrics != nil {
		a.s.batches.Delete(a.metricHandle)
		a.metrics = nil
	}
	a.seriesIDs = nil
	a.s.putBatch(a.batch)
	a.batch = nil
	if _, e := a.conn.ExecContext(context.Background(),
		`DELETE FROM stage_series; DELETE FROM stage_deploy; DELETE FROM stage_names; DELETE FROM stage_roll; DELETE FROM stage_rid;`); e != nil {
		// A connection whose staging could not be emptied is not reused.
		_ = a.conn.Raw(func(any) error { return driver.ErrBadConn })
		err = errors.Join(err, e)
	}
	a.metricSeen = nil
	a.roll = rollups{}
	return errors.Join(err, a.conn.Close())
}

// Commit moves the staged rows that are new into the store, in one
// transaction.
func (a *appender) Commit(ctx context.Context) (res store.CommitResult, err error) {
	if a.done {
		return res, store.ErrClosed
	}
	a.done = true
	res.Metrics.Duplicates = a.metricDups
	// Flush what the buffers and DuckDB appenders hold into staging.
	for _, app := range []*duck.Appender{a.seriesApp, a.deploy, a.names} {
		if app != nil {
			if err = app.Flush(); err != nil {
				return store.CommitResult{}, a.release(fmt.Errorf("commit: flush: %w", err))
			}
		}
	}
	if a.s.isClosed() {
		return store.CommitResult{}, a.release(store.ErrClosed)
	}
	a.s.commitMu.Lock()
	defer a.s.commitMu.Unlock()
	tx, err := a.conn.BeginTx(ctx, nil)
	if err != nil {
		return store.CommitResult{}, a.release(fmt.Errorf("commit: %w", err))
	}
	if err = a.commitTx(ctx, tx, &res); err != nil {
		_ = tx.Rollback()
		return store.CommitResult{}, a.release(fmt.Errorf("commit: %w", err))
	}
	if err = tx.Commit(); err != nil {
		return store.CommitResult{}, a.release(fmt.Errorf("commit: %w", err))
	}
	a.s.names.persisted(a.newNames)
	return res, a.release(nil)
}

func (a *appender) commitTx(ctx context.Context, tx *sql.Tx, res *store.CommitResult) error {
	var horizonUS int64
	if err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'raw_horizon_us'`).Scan(&horizonUS); err != nil {
		return fmt.Errorf("read horizon: %w", err)
	}
	horizon := time.UnixMicro(max(horizonUS, minTimeUS)).UTC()
	if len(a.newNames) > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO names SELECT * FROM stage_names s
			WHERE NOT EXISTS (SELECT 1 FROM names n WHERE n.id = s.id)`); err != nil {
			return fmt.Errorf("insert names: %w", err)
		}
	}
	if a.invRows > 0 {
		lo, hi := time.UnixMicro(a.minStart).UTC(), time.UnixMicro(a.maxStart).UTC()
		if err := a.commitInvocations(ctx, tx, horizonUS, lo, hi, &res.Invocations); err != nil {
			return err
		}
	}
	if a.metricRows > 0 {
		if err := a.commitMetrics(ctx, tx, horizon, &res.Metrics); err != nil {
			return err
		}
	}
	if a.deploys > 0 {
		if err := commitDeploys(ctx, tx, a.deploys, &res.Deploys); err != nil {
			return err
		}
	}
	return nil
}

// minTimeUS keeps the "no horizon yet" sentinel inside time.Time's range.
const minTimeUS = math.MinInt64 / 2

func (a *appender) commitInvocations(ctx context.Context, tx *sql.Tx, horizonUS int64, lo, hi time.Time, c *store.Counts) error {
	b := a.batch
	gone := make([]bool, b.len())
	var dropped int64
	for i, st := range b.start {
		if st < horizonUS {
			gone[i] = true
			c.TooOld++
			dropped++
		}
	}
	// Duplicates: rows stored already, and repeats within the batch
	// (all but the first). An earlier copy of an invocation started
	// within MaxInvocation of it, so only that window of the table is
	// read: DuckDB skips the row groups outside it by their min/max.
	// Finding repeats here rather than in a Go set at Add costs less CPU
	// (DuckDB's partitioned hash table, on every core) and no Go memory.
	// Only the batch's functions are read, too: rows are stored in
	// batches of few functions, so most row groups' fn min/max rule them
	// out, where the time window alone let every function's rows of the
	// same hours be read and joined.
	rows, err := tx.QueryContext(ctx, fmt.Sprintf(`SELECT b.row, 0 FROM %[1]s(%[2]d) b SEMI JOIN (
		SELECT fn, request_uuid FROM invocations WHERE start_ts BETWEEN ? AND ? AND fn IN (%[3]s)) i
		ON b.fn = i.fn AND b.request_uuid = i.request_uuid
		UNION ALL
		SELECT min(row), count(*) FROM %[1]s(%[2]d) GROUP BY fn, request_uuid HAVING count(*) > 1`,
		keysFunc, a.handle, b.fnList()), lo.Add(-store.MaxInvocation), hi.Add(store.MaxInvocation))
	if err != nil {
		return fmt.Errorf("dedupe: %w", err)
	}
	type ident struct {
		fn int32
		id duck.UUID
	}
	repeated := map[ident]int64{} // identity → its first row, for repeats in the batch
	for rows.Next() {
		var r, n int64
		if err := rows.Scan(&r, &n); err != nil {
			rows.Close()
			return fmt.Errorf("dedupe: %w", err)
		}
		if n > 0 {
			repeated[ident{b.fn[r], b.ridUUID[r]}] = r
			continue
		}
		if !gone[r] {
			gone[r] = true
			c.Duplicates++
			dropped++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("dedupe: %w", err)
	}
	if len(repeated) > 0 {
		for i := range b.fn {
			first, ok := repeated[ident{b.fn[i], b.ridUUID[i]}]
			if ok && int64(i) != first && !gone[i] {
				gone[i] = true
				c.Duplicates++
				dropped++
			}
		}
	}
	if dropped > 0 {
		b.drop(gone)
	}
	if b.len() == 0 {
		return nil
	}
	if c.New, err = execCount(ctx, tx, fmt.Sprintf(`INSERT INTO invocations SELECT * FROM %s(%d)`,
		batchFunc, a.handle)); err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	if err := a.insertRequestTexts(ctx, tx); err != nil {
		return err
	}
	if err := a.stageRollups(dropped > 0); err != nil {
		return fmt.Errorf("rollup: %w", err)
	}
	for _, q := range rollupSQL {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("rollup: %w", err)
		}
	}
	return nil
}

// insertRequestTexts stores the request ids that are not UUIDs.
func (a *appender) insertRequestTexts(ctx context.Context, tx *sql.Tx) error {
	b := a.batch
	var app *duck.Appender
	for i, t := range b.ridText {
		if t == "" {
			continue
		}
		if app == nil {
			var err error
			if app, err = a.newDuckAppender("stage_rid"); err != nil {
				return err
			}
		}
		if err := app.AppendRow(b.fn[i], b.ridUUID[i], time.UnixMicro(b.start[i]).UTC(), t); err != nil {
			_ = app.Close()
			return fmt.Errorf("stage request id: %w", err)
		}
	}
	if app == nil {
		return nil
	}
	if err := app.Close(); err != nil {
		return fmt.Errorf("stage request ids: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO request_ids SELECT * FROM stage_rid`); err != nil {
		return fmt.Errorf("insert request ids: %w", err)
	}
	return nil
}

// rollupSQL merges the batch's rollups (stage_roll, aggregated in Go by
// stageRollups) into rollup_minute: rows for minutes already there are
// replaced by their sum.
var rollupSQL = []string{
	`CREATE OR REPLACE TEMP TABLE roll_old AS
SELECT r.* FROM rollup_minute r SEMI JOIN stage_roll n
	ON r.function = n.function AND r.version = n.version AND r.minute = n.minute`,
	`DELETE FROM rollup_minute r USING roll_old o
	WHERE r.function = o.function AND r.version = o.version AND r.minute = o.minute`,
	`INSERT INTO rollup_minute
WITH u AS (
	SELECT * FROM roll_old
	UNION ALL
	SELECT * FROM stage_roll n SEMI JOIN roll_old o
		ON o.function = n.function AND o.version = n.version AND o.minute = n.minute),
bins AS (
	SELECT function, version, minute, bin, sum(n)::BIGINT AS n FROM (
		SELECT function, version, minute, unnest(dur_bins) AS bin, unnest(dur_counts) AS n FROM u)
	GROUP BY ALL),
sk AS (
	SELECT function, version, minute, list(bin ORDER BY bin) AS dur_bins, list(n ORDER BY bin) AS dur_counts
	FROM bins GROUP BY ALL),
agg AS (
	SELECT function, version, minute,
		sum(invocations)::BIGINT AS invocations, sum(cold_starts)::BIGINT AS cold_starts,
		sum(errors)::BIGINT AS errors, sum(timeouts)::BIGINT AS timeouts,
		sum(ooms)::BIGINT AS ooms, sum(init_errors)::BIGINT AS init_errors,
		sum(billed_ms)::BIGINT AS billed_ms, sum(billed_mbms)::BIGINT AS billed_mbms,
		sum(duration_sum_us)::BIGINT AS duration_sum_us, max(duration_max_us) AS duration_max_us,
		sum(init_sum_us)::BIGINT AS init_sum_us,
		min(first_start) AS first_start, max(last_end) AS last_end
	FROM u GROUP BY ALL)
SELECT agg.*, sk.dur_bins, sk.dur_counts FROM agg JOIN sk USING (function, version, minute)
UNION ALL
SELECT * FROM stage_roll n WHERE NOT EXISTS (
	SELECT 1 FROM roll_old o WHERE o.function = n.function AND o.version = n.version AND o.minute = n.minute)`,
}

func (a *appender) commitMetrics(ctx context.Context, tx *sql.Tx, horizon time.Time, c *store.Counts) error {
	horizonUS := horizon.UnixMicro()
	for _, ts := range a.metrics.ts {
		if ts < horizonUS {
			c.TooOld++
		}
	}
	// A datapoint's time is part of its identity: only that window of the
	// table can hold an earlier copy.
	n, err := execCount(ctx, tx, fmt.Sprintf(insertMetricSQL, metricFunc, a.metricHandle),
		horizon, a.minMetricTS, a.maxMetric)
	if err != nil {
		return fmt.Errorf("insert datapoints: %w", err)
	}
	c.New = n
	c.Duplicates += int64(a.metrics.len()) - c.TooOld - n
	return nil
}

func commitDeploys(ctx context.Context, tx *sql.Tx, staged int64, c *store.Counts) error {
	var err error
	if c.New, err = execCount(ctx, tx, `INSERT INTO deploys
		SELECT DISTINCT ON (function, stack, version, ts, label) * FROM stage_deploy s
		WHERE NOT EXISTS (SELECT 1 FROM deploys d WHERE d.function = s.function AND d.stack = s.stack
			AND d.version = s.version AND d.ts = s.ts AND d.label = s.label)`); err != nil {
		return fmt.Errorf("insert deploys: %w", err)
	}
	c.Duplicates = staged - c.New
	return nil
}
