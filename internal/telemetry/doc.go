// Package telemetry decodes what the Lambda platform and CloudWatch write
// (REPORT lines, the JSON log format, Telemetry API batches, CloudWatch Logs
// subscription payloads, get-metric-data output, stack events) into one set
// of records: Invocation, Metric and Deploy. Each source format has its own
// decoder file; the format of an input is detected from its content.
package telemetry
