// Package duckdb is the embedded store: telemetry in one DuckDB file,
// implementing store.Store.
//
// Layout: raw tables (invocations, metrics), deploys, and rollup_minute,
// one row per function, version and minute with the counters and the
// duration sketch the analyses need, so they never scan raw rows. The
// schema is versioned (schema_version) and migrated forward on Open.
//
// Ingest: an Appender streams rows through DuckDB's appender into
// connection-local staging tables; Commit then, in one transaction, drops
// the rows already stored (a join on a 128-bit identity hash, limited to
// the batch's time window so it reads only the recent part of the table),
// inserts the rest and merges their rollups. Commits are serialized within
// a process; DuckDB allows one writing process per file.
package duckdb
