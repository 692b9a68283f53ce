package store

import (
	"context"
	"time"

	"github.com/fnops/fnops/internal/telemetry"
)

// Optional read interfaces. The rollups keep counts and durations but not
// error types or memory, because a rollup row per error type or a memory
// column would widen every minute of every function for two detectors;
// a backend that still holds the raw rows can answer these directly. The
// detectors (internal/detect) use them when the store implements them and
// say "no data" for what depends on them when it does not.

// ErrorCounter counts failed invocations by error type.
type ErrorCounter interface {
	// ErrorCounts returns, per function, bucket of q.Step (aligned to the
	// Unix epoch; 0 is one minute), status and error type, the number of
	// stored raw invocations that did not succeed and started in
	// [q.From, q.To), ordered by function, bucket start, status and error
	// type. Raw retention removes what it deletes from these counts.
	ErrorCounts(ctx context.Context, q BreakdownQuery) ([]ErrorCount, error)
}

// MemoryReporter reports peak memory use.
type MemoryReporter interface {
	// MemoryStats returns, per function and bucket of q.Step, the stored
	// raw invocations' count, their highest Max Memory Used and highest
	// Memory Size, ordered by function and bucket start. Only buckets
	// with raw invocations are returned.
	MemoryStats(ctx context.Context, q BreakdownQuery) ([]MemoryStat, error)
}

// BreakdownQuery selects raw invocations by function and start time and
// buckets them by Step (a whole number of minutes; 0 is one minute).
type BreakdownQuery struct {
	Filter
	Step time.Duration
	// Whole makes one bucket per function of the whole range, Step
	// ignored; its Start is From (the zero time when From is open).
	Whole bool
}

// ErrorCount is the number of failed invocations of one kind in a bucket.
type ErrorCount struct {
	Function  string
	Start     time.Time // bucket start
	Status    telemetry.Status
	ErrorType string // "" when the record gave none
	Count     int64
}

// MemoryStat is the memory use of one function's invocations in a bucket.
type MemoryStat struct {
	Function     string
	Start        time.Time // bucket start
	Invocations  int64
	MaxUsedMB    int32 // highest Max Memory Used
	MemorySizeMB int32 // highest configured Memory Size
}
