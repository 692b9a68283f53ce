package telemetry

import "time"

// Status is how an invocation ended.
type Status uint8

// Statuses. The zero value is success.
const (
	StatusSuccess   Status = iota
	StatusError            // the function returned or threw an error
	StatusTimeout          // "Task timed out", Status: timeout
	StatusOOM              // out of memory (Runtime.OutOfMemory, Max Memory Used = Memory Size with an error)
	StatusInitError        // the init phase failed
)

var statusNames = [...]string{"success", "error", "timeout", "oom", "init-error"}

// String is the status's name in every output: success, error, timeout,
// oom, init-error.
func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "unknown"
}

// ParseStatus is the inverse of String.
func ParseStatus(s string) (Status, bool) {
	for i, n := range statusNames {
		if n == s {
			return Status(i), true
		}
	}
	return 0, false
}

// Invocation is one invocation of a function, as its REPORT record (or the
// equivalent platform.report event) describes it. Durations are kept in
// microseconds, which holds the 0.01 ms precision Lambda reports exactly;
// billed durations are whole milliseconds, as billed.
type Invocation struct {
	Function  string // function name (from the log group /aws/lambda/NAME or the record)
	Version   string // "$LATEST", "12", ... from the log stream's [N] part
	EnvID     string // execution environment id: the log stream's last part
	RequestID string
	Start     time.Time // when the invocation started (UTC)
	End       time.Time // when it ended (UTC)

	DurationUS        int64 // Duration
	BilledDurationMS  int64 // Billed Duration
	MemorySizeMB      int32 // Memory Size
	MaxMemoryUsedMB   int32 // Max Memory Used
	InitDurationUS    int64 // Init Duration (cold starts of on-demand functions), 0 if none
	RestoreDurationUS int64 // Restore Duration (SnapStart), 0 if none
	BilledRestoreMS   int64 // Billed Restore Duration (SnapStart), 0 if none

	ColdStart bool
	Status    Status
	ErrorType string // "Runtime.ExitError", "Runtime.OutOfMemory", a function error type ...
	// Arch is "x86_64" or "arm64" when the source says (it rarely does);
	// otherwise the app model supplies it.
	Arch string
}

// Metric is one CloudWatch datapoint.
type Metric struct {
	Namespace  string            // AWS/SQS, AWS/Lambda, AWS/Kinesis, AWS/DynamoDB ...
	Name       string            // ApproximateAgeOfOldestMessage, IteratorAge ...
	Dimensions map[string]string // QueueName=..., FunctionName=...
	Time       time.Time
	Stat       string // Average, Sum, Maximum, Minimum, SampleCount, p99 ...
	Period     int32  // seconds, 0 when unknown
	Value      float64
	Unit       string
}

// Deploy is a deploy marker: a new function version seen in telemetry, a
// stack update, or a label a person added.
type Deploy struct {
	Function string // function name; "" for a stack-wide deploy
	Stack    string // stack name, if known
	Version  string
	Time     time.Time
	Label    string // "feature: checkout-v2", "UPDATE_COMPLETE", ...
	Source   string // "log-stream", "stack-events", "manual"
}

// Rejected is an input that could not be decoded, counted by reason and
// reported with its position.
type Rejected struct {
	File   string
	Line   int   // 1-based line, 0 when the format has none
	Offset int64 // byte offset, when Line is 0
	Reason string
}
