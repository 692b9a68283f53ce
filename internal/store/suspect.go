package store

import "time"

// Plausible bounds of an invocation's billing fields. Lambda memory is 128
// to 10,240 MB; an invocation runs at most 15 minutes and its INIT phase at
// most 10 seconds, so nothing bills more than 910 seconds.
const (
	MinMemoryMB = 128
	MaxMemoryMB = 10240
	MaxBilledMS = 15*60*1000 + 10*1000
)

// Suspect says why an invocation's billing fields cannot be priced as
// reported, or "" when they can: "missing-billed-duration" (Billed
// Duration 0 with a Duration: price it from Duration and Init),
// "implausible-memory" (Memory Size outside MinMemoryMB..MaxMemoryMB),
// "implausible-billed-duration" (negative or above MaxBilledMS).
// Backends select rows with exactly these rules. Each is a bound on one
// column, which a columnar backend answers from its block statistics
// without reading the rows: the query stays cheap at hundreds of millions
// of rows (a Billed Duration below Duration, which needs every row read, is
// not checked).
func Suspect(memoryMB int32, durationUS, billedMS int64) string {
	switch {
	case memoryMB < MinMemoryMB || memoryMB > MaxMemoryMB:
		return "implausible-memory"
	case billedMS == 0 && durationUS > 0:
		return "missing-billed-duration"
	case billedMS < 0 || billedMS > MaxBilledMS:
		return "implausible-billed-duration"
	}
	return ""
}

// MemoryUse is the memory one function used at one configured size.
type MemoryUse struct {
	Function    string
	MemoryMB    int32 // configured Memory Size
	Invocations int64
	MaxUsedMB   int32 // the largest Max Memory Used
	P99UsedMB   int32 // the 99th percentile of Max Memory Used (nearest rank)
}

// Gap is a stretch [From, To) of whole hours without telemetry of Function.
type Gap struct {
	Function string
	From, To time.Time
}
