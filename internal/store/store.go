package store

import (
	"context"
	"errors"
	"iter"
	"time"

	"github.com/fnops/fnops/internal/telemetry"
)

// Errors a backend returns, matched with errors.Is.
var (
	// ErrClosed is returned by every method called after Close, and by an
	// Appender used after Commit or Rollback.
	ErrClosed = errors.New("store: closed")
	// ErrNewerSchema is returned by Open when the stored schema is newer
	// than this build knows: the file was written by a newer fnops.
	ErrNewerSchema = errors.New("store: schema newer than this fnops")
)

// Store is a telemetry store. All methods are safe for concurrent use by
// multiple goroutines. Readers see a consistent snapshot: every committed
// batch entirely, no uncommitted batch at all.
//
// Times are instants; backends keep them in UTC with microsecond
// precision, and return them in UTC. Ranges are half-open: From is
// inclusive, To is exclusive; a zero From or To leaves that side open.
type Store interface {
	Appendable
	Querier

	// AddDeploys stores deploy markers at once (one small committed batch),
	// with the same identity and dedupe rules as Appender.AddDeploy.
	AddDeploys(ctx context.Context, deploys ...telemetry.Deploy) (CommitResult, error)
	// RemoveDeploy deletes the deploy marker with d's identity (Function,
	// Stack, Version, Time, Label) and reports whether one was there.
	RemoveDeploy(ctx context.Context, d telemetry.Deploy) (bool, error)

	// DeleteRawBefore is raw retention: it deletes stored invocations that
	// started before cutoff and datapoints timed before cutoff, keeping the
	// rollups (so FunctionStats and Rollups still count them) and deploys.
	// Afterwards the store refuses raw records older than the highest cutoff
	// ever applied (CommitResult.TooOld), because it can no longer tell
	// whether they are duplicates, and counting them again would be wrong.
	DeleteRawBefore(ctx context.Context, cutoff time.Time) (Deleted, error)

	// SchemaVersion is the version of the stored schema.
	SchemaVersion(ctx context.Context) (int, error)

	// Close releases the store. A batch not yet committed is rolled back.
	// Close is idempotent.
	Close() error
}

// Appendable hands out appenders.
type Appendable interface {
	// Appender returns a new, empty batch. Each Appender is used by one
	// goroutine at a time; several appenders may be filled concurrently, and
	// their commits are applied one after the other.
	Appender(ctx context.Context) (Appender, error)
}

// Appender is one batch of records. Nothing added is visible to readers
// until Commit returns nil; then all of it is. Commit and Rollback end the
// batch: any later call returns ErrClosed.
//
// Identity (what makes two records the same, so the second is a
// duplicate):
//   - Invocation: Function and RequestID. The backend looks for an earlier
//     copy among invocations whose Start is within MaxInvocation of this
//     one's, which holds for any two reports of the same invocation.
//   - Metric: Namespace, Name, Dimensions (as a set), Time and Stat.
//   - Deploy: Function, Stack, Version, Time and Label.
//
// A record whose identity is already stored, or appears earlier in the
// same batch, is a duplicate: it is counted and dropped, and the stored
// copy is kept unchanged. Ingesting the same records twice therefore
// stores and counts them once.
type Appender interface {
	// AddInvocation adds inv to the batch. The Appender copies what it
	// needs; inv may be reused when it returns. An error means inv was
	// invalid (see Invalid) or the backend failed; the batch stays usable
	// after an invalid record.
	AddInvocation(inv *telemetry.Invocation) error
	// AddMetric adds one datapoint to the batch, like AddInvocation.
	AddMetric(m *telemetry.Metric) error
	// AddDeploy adds one deploy marker to the batch, like AddInvocation.
	AddDeploy(d *telemetry.Deploy) error

	// Commit stores the batch, all of it or (on error) none of it, and says
	// how many records were new, duplicates or too old. After an error the
	// batch is rolled back.
	Commit(ctx context.Context) (CommitResult, error)
	// Rollback discards the batch.
	Rollback() error
}

// MaxInvocation is the longest a Lambda invocation can run (15 minutes).
// Two reports of one invocation cannot start further apart than this.
const MaxInvocation = 15 * time.Minute

// Invalid is the error for a record a store cannot hold (no function or
// request id, a metric with no name ...). Match it with errors.As.
type Invalid struct {
	Reason string
}

func (e *Invalid) Error() string { return "store: invalid record: " + e.Reason }

// CommitResult counts what a commit did, per kind of record.
type CommitResult struct {
	Invocations Counts
	Metrics     Counts
	Deploys     Counts
}

// Counts is what happened to the records of one kind in a batch.
type Counts struct {
	New        int64 // stored by this commit
	Duplicates int64 // already stored, or repeated in the batch
	TooOld     int64 // older than the retention horizon; see DeleteRawBefore
}

// Add returns c + d, field by field.
func (c Counts) Add(d Counts) Counts {
	return Counts{New: c.New + d.New, Duplicates: c.Duplicates + d.Duplicates, TooOld: c.TooOld + d.TooOld}
}

// Deleted counts the raw rows DeleteRawBefore removed.
type Deleted struct {
	Invocations int64
	Metrics     int64
}

// Querier reads the store. Results are ordered as each method says, so
// they are the same from every backend.
type Querier interface {
	// FunctionStats returns one line per function with invocations in
	// [f.From, f.To), ordered by function name. It is computed from the
	// rollups, so it still counts invocations whose raw rows retention
	// deleted; the range is therefore applied to minutes: an invocation
	// counts when the start of the minute it started in is in [From, To).
	FunctionStats(ctx context.Context, f Filter) ([]FunctionStats, error)

	// Rollups returns aggregates of invocations per function, per version
	// (when q.ByVersion) and per bucket of q.Step, ordered by function,
	// version, bucket start. Only buckets with invocations are returned.
	Rollups(ctx context.Context, q RollupQuery) ([]Rollup, error)

	// Invocations scans raw invocations of one function whose Start is in
	// [q.From, q.To), in Start order (ties in an unspecified but stable
	// order). Memory use does not grow with the number of rows. Stop early
	// by breaking out of the loop; an error is yielded once, last.
	Invocations(ctx context.Context, q InvocationQuery) iter.Seq2[telemetry.Invocation, error]

	// Metrics returns the datapoints of q.Namespace and q.Name whose
	// dimensions include every pair in q.Dimensions (and any others), timed
	// in [q.From, q.To), optionally of one Stat, ordered by series
	// (canonical dimensions, then stat) and time.
	Metrics(ctx context.Context, q MetricQuery) ([]telemetry.Metric, error)

	// Deploys returns deploy markers timed in [q.From, q.To), of q.Function
	// when set (a stack-wide deploy, Function "", matches every function),
	// ordered by time, function, version and label.
	Deploys(ctx context.Context, q DeployQuery) ([]telemetry.Deploy, error)

	// Usage is Rollups reduced to what pricing needs, in the order it
	// needs: per function, version (when q.ByVersion) and bucket of q.Step,
	// only Function, Version, Start, Invocations, BilledMS and BilledMBMS
	// are set, ordered by bucket start, function and version. q.Durations
	// is ignored. The same buckets and sums as Rollups.
	Usage(ctx context.Context, q RollupQuery) ([]Rollup, error)

	// Gaps returns the stretches of whole UTC hours in [f.From, f.To) in
	// which a function has no invocations although the hours on both sides
	// have at least minPerHour each: missing telemetry, not idle time.
	// Ordered by start, then function. Computed from the rollups.
	Gaps(ctx context.Context, f Filter, minPerHour int64) ([]Gap, error)

	// BillingSuspects returns the stored raw invocations started in
	// [f.From, f.To) whose billing fields cannot be priced as reported (see
	// Suspect), ordered by Start, function and request id. They are few in
	// real telemetry; pricing corrects the rollups for them.
	BillingSuspects(ctx context.Context, f Filter) ([]telemetry.Invocation, error)

	// MemoryUse summarises the memory the stored raw invocations started in
	// [f.From, f.To) used, per function and configured memory size, ordered
	// by function and memory size.
	MemoryUse(ctx context.Context, f Filter) ([]MemoryUse, error)
}

// Filter picks functions and a time range. Empty Functions means all.
type Filter struct {
	Functions []string
	From, To  time.Time
}

// FunctionStats is the whole-range summary of one function.
type FunctionStats struct {
	Function    string
	Invocations int64
	ColdStarts  int64
	// Errors counts every invocation that did not succeed (error, timeout,
	// oom, init-error), as Lambda's Errors metric does.
	Errors   int64
	Timeouts int64
	OOMs     int64
	// BilledMBMS is the sum of billed milliseconds times configured memory
	// in MB: the exact integer behind GB-seconds.
	BilledMBMS int64
	First      time.Time // earliest Start
	Last       time.Time // latest End
}

// BilledGBSeconds is BilledMBMS in GB-seconds (MB / 1024 × ms / 1000), for
// display; price from BilledMBMS to keep the sum exact.
func (s FunctionStats) BilledGBSeconds() float64 { return MBMSToGBSeconds(s.BilledMBMS) }

// MBMSToGBSeconds converts megabyte-milliseconds to GB-seconds as AWS
// defines them: MB / 1024 × ms / 1000.
func MBMSToGBSeconds(mbms int64) float64 { return float64(mbms) / (1024 * 1000) }

// RollupQuery selects and shapes rollups.
type RollupQuery struct {
	Filter
	// Step is the bucket width, a whole number of minutes; 0 means one
	// minute. Buckets are aligned to the Unix epoch, so 24h buckets are UTC
	// days. From and To are applied to minutes, like FunctionStats.
	Step time.Duration
	// ByVersion keeps versions apart; otherwise Rollup.Version is "".
	ByVersion bool
	// Durations asks for the duration sketch of each bucket.
	Durations bool
}

// Rollup aggregates the invocations of one function (and version) that
// started in one bucket.
type Rollup struct {
	Function string
	Version  string
	Start    time.Time // bucket start
	// Invocations .. InitErrors count invocations; Errors counts every
	// failure, as in FunctionStats.
	Invocations int64
	ColdStarts  int64
	Errors      int64
	Timeouts    int64
	OOMs        int64
	InitErrors  int64
	BilledMS    int64 // sum of billed duration, ms
	BilledMBMS  int64 // sum of billed ms × memory MB (GB-s × 1024 × 1000)
	DurationSum int64 // sum of duration, µs
	DurationMax int64 // max duration, µs
	InitSum     int64 // sum of init duration, µs
	// Durations is the bucket's duration sketch (µs); nil unless
	// RollupQuery.Durations.
	Durations *Sketch
}

// InvocationQuery selects raw invocations. Function is required.
type InvocationQuery struct {
	Function string
	From, To time.Time
}

// MetricQuery selects datapoints. Namespace and Name are required.
type MetricQuery struct {
	Namespace  string
	Name       string
	Dimensions map[string]string // subset match; nil matches every series
	Stat       string            // "" matches every stat
	From, To   time.Time
}

// DeployQuery selects deploy markers; Function "" matches all.
type DeployQuery struct {
	Function string
	From, To time.Time
}
