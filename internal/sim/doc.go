// Package sim writes realistic Lambda telemetry for an app model, in the
// formats AWS writes it (`aws logs tail` text lines with START, END, REPORT
// and INIT_START; get-metric-data JSON with its query file; describe-stack-
// events JSON), deterministic for a seed, with injectable incidents and a
// ground-truth file of what was written and injected.
//
// Traffic enters at the app's entry points (API routes, schedules, event
// rules, buckets nobody in the app writes to) with a daily and weekly shape
// and flows along the graph's edges to the functions downstream. Each
// function is simulated on its own, minute by minute, with its own random
// stream, so the output does not depend on goroutine scheduling: execution
// environments are reused and recycled (cold starts fall out of concurrency
// and idle time), durations and memory are heavy-tailed, deploys change them.
package sim
