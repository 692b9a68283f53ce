package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"time"

	duck "github.com/duckdb/duckdb-go/v2"
	"github.com/zeebo/xxh3"

	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/telemetry"
)

// Staging tables are TEMP: private to the connection, never visible to
// readers, and cheap to empty.
const stagingDDL = `
CREATE TEMP TABLE IF NOT EXISTS stage_inv AS SELECT * FROM invocations LIMIT 0;
CREATE TEMP TABLE IF NOT EXISTS stage_metric (
	k1 UBIGINT, k2 UBIGINT, namespace VARCHAR, name VARCHAR, dims VARCHAR,
	dim_keys VARCHAR[], dim_values VARCHAR[], ts TIMESTAMP, stat VARCHAR,
	period INTEGER, value DOUBLE, unit VARCHAR);
CREATE TEMP TABLE IF NOT EXISTS stage_deploy AS SELECT * FROM deploys LIMIT 0;
DELETE FROM stage_inv; DELETE FROM stage_metric; DELETE FROM stage_deploy;`

type key = [2]uint64

// appender is one batch. It holds a pooled connection (its staging tables
// live there) from Appender until Commit or Rollback.
type appender struct {
	s    *Store
	ctx  context.Context
	conn *sql.Conn
	done bool

	inv, metric, deploy *duck.Appender

	// Identities seen in this batch: a repeat is a duplicate, counted
	// here, without a trip through DuckDB.
	invSeen, metricSeen map[key]struct{}
	buf                 []byte
	args                []driver.Value

	invRows, metricRows    int64
	invDups, metricDups    int64
	minStart, maxStart     time.Time
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
	return &appender{
		s: s, ctx: ctx, conn: conn,
		invSeen:    make(map[key]struct{}),
		metricSeen: make(map[key]struct{}),
		args:       make([]driver.Value, 0, 19),
	}, nil
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

func (a *appender) hash(parts ...string) key {
	a.buf = a.buf[:0]
	for i, p := range parts {
		if i > 0 {
			a.buf = append(a.buf, 0)
		}
		a.buf = append(a.buf, p...)
	}
	h := xxh3.Hash128(a.buf)
	return key{h.Hi, h.Lo}
}

// AddInvocation stages one invocation.
func (a *appender) AddInvocation(inv *telemetry.Invocation) error {
	if a.done {
		return store.ErrClosed
	}
	if inv.Function == "" || inv.RequestID == "" {
		return &store.Invalid{Reason: "invocation without function or request id"}
	}
	k := a.hash(inv.Function, inv.RequestID)
	if _, dup := a.invSeen[k]; dup {
		a.invDups++
		return nil
	}
	if a.inv == nil {
		var err error
		if a.inv, err = a.newDuckAppender("stage_inv"); err != nil {
			return err
		}
	}
	start, end := inv.Start.UTC(), inv.End.UTC()
	err := a.inv.AppendRow(k[0], k[1], inv.Function, inv.Version, inv.EnvID, inv.RequestID,
		start, end, inv.DurationUS, inv.BilledDurationMS, inv.MemorySizeMB, inv.MaxMemoryUsedMB,
		inv.InitDurationUS, inv.RestoreDurationUS, inv.BilledRestoreMS,
		inv.ColdStart, uint8(inv.Status), inv.ErrorType, inv.Arch)
	if err != nil {
		return fmt.Errorf("append invocation: %w", err)
	}
	a.invSeen[k] = struct{}{}
	if a.invRows == 0 || start.Before(a.minStart) {
		a.minStart = start
	}
	if a.invRows == 0 || start.After(a.maxStart) {
		a.maxStart = start
	}
	a.invRows++
	return nil
}

// AddMetric stages one datapoint.
func (a *appender) AddMetric(m *telemetry.Metric) error {
	if a.done {
		return store.ErrClosed
	}
	if m.Namespace == "" || m.Name == "" {
		return &store.Invalid{Reason: "datapoint without namespace or name"}
	}
	ts := m.Time.UTC()
	dims := store.CanonicalDimensions(m.Dimensions)
	k := a.hash(m.Namespace, m.Name, dims, ts.Format(time.RFC3339Nano), m.Stat)
	if _, dup := a.metricSeen[k]; dup {
		a.metricDups++
		return nil
	}
	if a.metric == nil {
		var err error
		if a.metric, err = a.newDuckAppender("stage_metric"); err != nil {
			return err
		}
	}
	keys := make([]string, 0, len(m.Dimensions))
	for k := range m.Dimensions {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	vals := make([]string, len(keys))
	for i, k := range keys {
		vals[i] = m.Dimensions[k]
	}
	if err := a.metric.AppendRow(k[0], k[1], m.Namespace, m.Name, dims, keys, vals, ts,
		m.Stat, m.Period, m.Value, m.Unit); err != nil {
		return fmt.Errorf("append datapoint: %w", err)
	}
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
	for _, app := range []*duck.Appender{a.inv, a.metric, a.deploy} {
		if app != nil {
			_ = app.Clear() // nothing flushed needs keeping
			err = errors.Join(err, app.Close())
		}
	}
	a.inv, a.metric, a.deploy = nil, nil, nil
	if _, e := a.conn.ExecContext(context.Background(),
		`DELETE FROM stage_inv; DELETE FROM stage_metric; DELETE FROM stage_deploy;`); e != nil {
		// A connection whose staging could not be emptied is not reused.
		_ = a.conn.Raw(func(any) error { return driver.ErrBadConn })
		err = errors.Join(err, e)
	}
	a.invSeen, a.metricSeen = nil, nil
	return errors.Join(err, a.conn.Close())
}

// Commit moves the staged rows that are new into the store, in one
// transaction.
func (a *appender) Commit(ctx context.Context) (res store.CommitResult, err error) {
	if a.done {
		return res, store.ErrClosed
	}
	a.done = true
	res.Invocations.Duplicates = a.invDups
	res.Metrics.Duplicates = a.metricDups
	// Flush what the DuckDB appenders hold into staging.
	for _, app := range []*duck.Appender{a.inv, a.metric, a.deploy} {
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
	debugT("insert")
	if err = tx.Commit(); err != nil {
		return store.CommitResult{}, a.release(fmt.Errorf("commit: %w", err))
	}
	debugT("txcommit")
	return res, a.release(nil)
}

func (a *appender) commitTx(ctx context.Context, tx *sql.Tx, res *store.CommitResult) error {
	var horizonUS int64
	if err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'raw_horizon_us'`).Scan(&horizonUS); err != nil {
		return fmt.Errorf("read horizon: %w", err)
	}
	horizon := time.UnixMicro(max(horizonUS, minTimeUS)).UTC()
	if a.invRows > 0 {
		if err := commitInvocations(ctx, tx, horizon, a.minStart, a.maxStart, &res.Invocations); err != nil {
			return err
		}
	}
	if a.metricRows > 0 {
		if err := commitMetrics(ctx, tx, horizon, a.minMetricTS, a.maxMetric, &res.Metrics); err != nil {
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

func commitInvocations(ctx context.Context, tx *sql.Tx, horizon, lo, hi time.Time, c *store.Counts) error {
	var err error
	debugT("start")
	if c.TooOld, err = execCount(ctx, tx, `DELETE FROM stage_inv WHERE start_ts < ?`, horizon); err != nil {
		return fmt.Errorf("drop too old: %w", err)
	}
	// An earlier copy of a staged invocation started within MaxInvocation
	// of it, so only that window of the table is read: DuckDB skips the
	// row groups outside it by their min/max.
	dups, err := execCount(ctx, tx, `DELETE FROM stage_inv s USING invocations i
		WHERE i.start_ts BETWEEN ? AND ? AND s.k1 = i.k1 AND s.k2 = i.k2`,
		lo.Add(-store.MaxInvocation), hi.Add(store.MaxInvocation))
	if err != nil {
		return fmt.Errorf("dedupe: %w", err)
	}
	c.Duplicates += dups
	debugT("dedupe")
	if c.New, err = execCount(ctx, tx, `INSERT INTO invocations SELECT * FROM stage_inv`); err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	debugT("insert")
	if c.New == 0 {
		return nil
	}
	for _, q := range rollupSQL {
		if _, err := tx.ExecContext(ctx, q, store.SketchLogGamma()); err != nil {
			return fmt.Errorf("rollup: %w", err)
		}
		debugT("rollup")
	}
	return nil
}

// rollupSQL aggregates the staged (new) invocations per function, version
// and minute, and merges them into rollup_minute: rows for minutes already
// there are replaced by their sum. The first statement takes the sketch's
// ln γ as its parameter; the others ignore it.
var rollupSQL = []string{
	`CREATE OR REPLACE TEMP TABLE roll_new AS
WITH b AS (
	SELECT function, version, date_trunc('minute', start_ts) AS minute,
		CAST(ceil(ln(greatest(duration_us, 1)) / $1::DOUBLE) AS SMALLINT) AS bin,
		count(*) AS n,
		count(*) FILTER (WHERE cold) AS cold_starts,
		count(*) FILTER (WHERE status <> 0) AS errors,
		count(*) FILTER (WHERE status = 2) AS timeouts,
		count(*) FILTER (WHERE status = 3) AS ooms,
		count(*) FILTER (WHERE status = 4) AS init_errors,
		sum(billed_ms) AS billed_ms,
		sum(billed_ms * memory_mb) AS billed_mbms,
		sum(duration_us) AS duration_sum_us,
		max(duration_us) AS duration_max_us,
		sum(init_us) AS init_sum_us,
		min(start_ts) AS first_start,
		max(end_ts) AS last_end
	FROM stage_inv GROUP BY ALL)
SELECT function, version, minute,
	sum(n)::BIGINT AS invocations, sum(cold_starts)::BIGINT AS cold_starts,
	sum(errors)::BIGINT AS errors, sum(timeouts)::BIGINT AS timeouts,
	sum(ooms)::BIGINT AS ooms, sum(init_errors)::BIGINT AS init_errors,
	sum(billed_ms)::BIGINT AS billed_ms, sum(billed_mbms)::BIGINT AS billed_mbms,
	sum(duration_sum_us)::BIGINT AS duration_sum_us, max(duration_max_us) AS duration_max_us,
	sum(init_sum_us)::BIGINT AS init_sum_us,
	min(first_start) AS first_start, max(last_end) AS last_end,
	list(bin ORDER BY bin) AS dur_bins, list(n::BIGINT ORDER BY bin) AS dur_counts
FROM b GROUP BY function, version, minute`,
	`CREATE OR REPLACE TEMP TABLE roll_old AS
SELECT r.* FROM rollup_minute r SEMI JOIN roll_new n
	ON r.function = n.function AND r.version = n.version AND r.minute = n.minute`,
	`DELETE FROM rollup_minute r USING roll_old o
	WHERE r.function = o.function AND r.version = o.version AND r.minute = o.minute`,
	`INSERT INTO rollup_minute
WITH u AS (
	SELECT * FROM roll_old
	UNION ALL
	SELECT * FROM roll_new n SEMI JOIN roll_old o
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
SELECT * FROM roll_new n WHERE NOT EXISTS (
	SELECT 1 FROM roll_old o WHERE o.function = n.function AND o.version = n.version AND o.minute = n.minute)`,
}

func commitMetrics(ctx context.Context, tx *sql.Tx, horizon, lo, hi time.Time, c *store.Counts) error {
	var err error
	if c.TooOld, err = execCount(ctx, tx, `DELETE FROM stage_metric WHERE ts < ?`, horizon); err != nil {
		return fmt.Errorf("drop too old datapoints: %w", err)
	}
	// A datapoint's time is part of its identity: only that window of the
	// table can hold an earlier copy.
	dups, err := execCount(ctx, tx, `DELETE FROM stage_metric s USING metrics m
		WHERE m.ts BETWEEN ? AND ? AND s.k1 = m.k1 AND s.k2 = m.k2`, lo, hi)
	if err != nil {
		return fmt.Errorf("dedupe datapoints: %w", err)
	}
	c.Duplicates += dups
	if c.New, err = execCount(ctx, tx, `INSERT INTO metrics
		SELECT k1, k2, namespace, name, dims, map(dim_keys, dim_values), ts, stat, period, value, unit
		FROM stage_metric`); err != nil {
		return fmt.Errorf("insert datapoints: %w", err)
	}
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

var debugLast = time.Now()

func debugT(what string) {
	if os.Getenv("FNOPS_STORE_DEBUG") != "" {
		fmt.Fprintf(os.Stderr, "%s %v\n", what, time.Since(debugLast))
	}
	debugLast = time.Now()
}
