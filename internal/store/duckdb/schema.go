package duckdb

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/fnops/fnops/internal/store"
)

// migrations are the schema, as ordered SQL: migrations[i] takes a file
// from version i to i+1. Append only; never edit a released step.
var migrations = []string{
	// 1: the first schema.
	`
-- names holds every function, version, environment, error type and
-- architecture string once; raw rows refer to them by id, which makes
-- them narrow and cheap to write and scan.
CREATE TABLE names (id INTEGER NOT NULL, name VARCHAR NOT NULL);
-- An invocation's identity is (fn, request_uuid).
CREATE TABLE invocations (
	fn INTEGER NOT NULL, -- names.id
	version INTEGER NOT NULL, -- names.id
	env INTEGER NOT NULL, -- names.id
	-- The request id when it is a canonical lowercase UUID (as Lambda's
	-- are), else the xxh3-128 of it, and the id itself is in request_ids.
	-- A VARCHAR column here, even all NULL, made inserts 2.5 times slower.
	request_uuid UUID NOT NULL,
	start_ts TIMESTAMP NOT NULL, -- UTC
	end_ts TIMESTAMP NOT NULL,
	duration_us BIGINT NOT NULL,
	billed_ms BIGINT NOT NULL,
	memory_mb INTEGER NOT NULL,
	max_memory_mb INTEGER NOT NULL,
	init_us BIGINT NOT NULL,
	restore_us BIGINT NOT NULL,
	billed_restore_ms BIGINT NOT NULL,
	cold BOOLEAN NOT NULL,
	status UTINYINT NOT NULL, -- telemetry.Status
	error_type INTEGER NOT NULL, -- names.id
	arch INTEGER NOT NULL -- names.id
);
CREATE TABLE request_ids (
	fn INTEGER NOT NULL,
	request_uuid UUID NOT NULL,
	start_ts TIMESTAMP NOT NULL, -- for retention
	request_id VARCHAR NOT NULL
);
CREATE TABLE rollup_minute (
	function VARCHAR NOT NULL,
	version VARCHAR NOT NULL,
	minute TIMESTAMP NOT NULL,
	invocations BIGINT NOT NULL,
	cold_starts BIGINT NOT NULL,
	errors BIGINT NOT NULL,
	timeouts BIGINT NOT NULL,
	ooms BIGINT NOT NULL,
	init_errors BIGINT NOT NULL,
	billed_ms BIGINT NOT NULL,
	billed_mbms BIGINT NOT NULL, -- billed ms × memory MB
	duration_sum_us BIGINT NOT NULL,
	duration_max_us BIGINT NOT NULL,
	init_sum_us BIGINT NOT NULL,
	first_start TIMESTAMP NOT NULL,
	last_end TIMESTAMP NOT NULL,
	dur_bins SMALLINT[] NOT NULL, -- store.Sketch bins, ascending
	dur_counts BIGINT[] NOT NULL
);
CREATE TABLE metrics (
	k1 UBIGINT NOT NULL, -- identity: xxh3-128 of namespace, name, dims, time, stat
	k2 UBIGINT NOT NULL,
	namespace VARCHAR NOT NULL,
	name VARCHAR NOT NULL,
	dims VARCHAR NOT NULL, -- store.CanonicalDimensions
	dim_map MAP(VARCHAR, VARCHAR) NOT NULL,
	ts TIMESTAMP NOT NULL,
	stat VARCHAR NOT NULL,
	period INTEGER NOT NULL,
	value DOUBLE NOT NULL,
	unit VARCHAR NOT NULL
);
CREATE TABLE deploys (
	function VARCHAR NOT NULL,
	stack VARCHAR NOT NULL,
	version VARCHAR NOT NULL,
	ts TIMESTAMP NOT NULL,
	label VARCHAR NOT NULL,
	source VARCHAR NOT NULL
);
-- raw_horizon_us: the highest retention cutoff applied (µs since epoch).
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO meta VALUES ('raw_horizon_us', -9223372036854775807);
`,
}

// SchemaVersion is the schema version this build writes.
var SchemaVersion = len(migrations)

// migrate brings the database to len(steps), one transaction per step.
func migrate(ctx context.Context, db *sql.DB, steps []string) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT now()::TIMESTAMP)`); err != nil {
		return fmt.Errorf("create schema_version: %w", err)
	}
	have, err := readVersion(ctx, db)
	if err != nil {
		return err
	}
	if have > len(steps) {
		return fmt.Errorf("%w: file has schema %d, this build knows up to %d", store.ErrNewerSchema, have, len(steps))
	}
	for v := have; v < len(steps); v++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrate to %d: %w", v+1, err)
		}
		if _, err := tx.ExecContext(ctx, steps[v]); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("migrate to %d: %w", v+1, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (?)`, v+1); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("migrate to %d: %w", v+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate to %d: %w", v+1, err)
		}
	}
	return nil
}

func readVersion(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int, error) {
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT max(version) FROM schema_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return int(v.Int64), nil
}
