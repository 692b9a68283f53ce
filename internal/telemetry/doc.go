// Package telemetry decodes what the Lambda platform and CloudWatch write
// (REPORT lines, the JSON log format, Telemetry API batches, CloudWatch Logs
// subscription payloads, get-metric-data output, stack events) into one set
// of records: Invocation, Metric and Deploy. Each source format has its own
// decoder file; the format of an input is detected from its content.
//
// # Use
//
// Decode (or DecodeFile) reads one input, gzip or not, in any Format, and
// streams records to a Sink in input order, with constant memory whatever
// the input's size. Bad input never stops it: each bad line or event goes
// to Sink.Reject with its file and line (or byte offset) and is counted by
// reason in the Summary.
//
//	var c telemetry.Collector
//	sum, err := telemetry.DecodeFile(ctx, "logs/aws/lambda/orders-api/2026-03-01.log.gz",
//		telemetry.Options{Now: time.Now()}, &c)
//
// # Which function
//
// Formats that carry the log group (subscription payloads, filter-log-events
// with logGroupName, Logs Insights' @log) name the function /aws/lambda/NAME.
// Telemetry API batches name it in platform.initStart. For the rest,
// ResolveFunction applies Options.Function, then the path component after
// aws/lambda/, then the file's base name; Summary.FunctionSource says which.
//
// # Records
//
// One Invocation per REPORT line or platform.report event. What the same
// log stream said of the request before it (START time and version,
// "Task timed out", a runtime killed by a signal, platform.runtimeDone,
// a failed INIT_REPORT) enriches it; per stream only the few requests
// between START and REPORT are remembered. Version and environment id come
// from the log stream name (2026/03/01/[12]a1b2... is version 12, env
// a1b2...). Durations are read from their decimal text into exact
// microseconds. The first time a numbered version appears in a stream name
// it is also a Deploy (Source "log-stream"); describe-stack-events gives
// stack and function Deploys (Source "stack-events").
//
// # Speed
//
// The text path is hand-written: no regexp, no splitting, no allocation per
// line (strings are interned, request ids carved from shared chunks, the
// Invocation handed to the sink reused). Application lines, which are most
// of a busy log, are dismissed after a few byte comparisons.
// BenchmarkDecodeReport measures it.
package telemetry
