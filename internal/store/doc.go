// Package store holds telemetry: invocations, CloudWatch datapoints and
// deploy markers, with the per-minute rollups the analyses (cost, detect,
// tune) read.
//
// The package is the contract; backends live in sub-packages (duckdb, the
// embedded default; clickhouse, later) and every backend passes the same
// behavioural suite in storetest. Callers depend on the Store interface
// only, so a backend can be swapped without them changing.
//
// Writes go through an Appender: records are added to a batch that is then
// committed whole or rolled back, and a reader never sees half a batch.
// Ingest is idempotent: a record already stored (by its identity, see
// Appender) is counted as a duplicate and not stored again, so the same
// file can be ingested twice safely.
package store
