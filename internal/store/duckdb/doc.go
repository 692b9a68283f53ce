// Package duckdb is the embedded store: telemetry in one DuckDB file,
// implementing store.Store.
//
// Layout (schema.go, versioned in schema_version and migrated forward on
// Open):
//   - invocations: raw rows. Strings that repeat (function, version,
//     environment, error type, arch) are ids into names; the request id
//     is a UUID column (Lambda's are UUIDs; any other id is kept in
//     request_ids and hashed into the column). The identity is (function
//     id, request UUID).
//   - rollup_minute: one row per function, version and minute with the
//     counters, exact integer MB-ms, duration sum and max, and a
//     store.Sketch of durations. FunctionStats and Rollups read only this,
//     so they stay fast and survive raw retention.
//   - metrics (with canonical dimension text and a MAP), deploys, meta.
//
// Ingest: an Appender keeps its batch's invocations in Go column buffers.
// Commit, in one transaction, reads them through table functions
// (fnops_inv_keys, fnops_inv_batch: typed, allocation-free vector writes,
// on every DuckDB thread): it finds the rows already stored (a semi-join
// against only the batch's time window ± store.MaxInvocation, which
// DuckDB prunes by row-group min/max) and the repeats inside the batch,
// drops them from the buffers, inserts the rest, aggregates their rollups
// in Go and merges them into rollup_minute. Metrics and deploys, a few a
// second, go through duckdb.Appender into TEMP staging tables. Commits
// are serialized within the process; DuckDB allows one writing process
// per file.
package duckdb
