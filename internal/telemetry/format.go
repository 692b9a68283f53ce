package telemetry

import (
	"bytes"
	"compress/gzip"
	"io"
)

// Format is a telemetry source format. Every format is recognised from the
// first bytes of its content (see Detect); none needs a flag.
type Format uint8

// Formats.
const (
	FormatUnknown Format = iota
	// FormatText is Lambda's text log lines (START, END, REPORT, INIT_*,
	// RESTORE_*, application lines) one per line, as in a CloudWatch
	// export, with an optional leading timestamp, as `aws logs tail`
	// prints them (timestamp and log stream first) or as `sam logs` does
	// (stream, then timestamp). Lines holding JSON log format records are
	// accepted in the same file.
	FormatText
	// FormatJSONLog is the JSON log format: one JSON object per line, platform
	// events ({"time","type","record"}) and function log records
	// ({"timestamp","level","requestId","message"}).
	FormatJSONLog
	// FormatTelemetryAPI is Telemetry API batches: JSON arrays of events, as
	// an extension receives them, one or more per file.
	FormatTelemetryAPI
	// FormatLogEvents is the JSON that `aws logs filter-log-events` and
	// `aws logs get-log-events` print ({"events":[...]}).
	FormatLogEvents
	// FormatSubscription is CloudWatch Logs subscription payloads
	// ({"messageType":"DATA_MESSAGE",...}), alone, back to back as Firehose
	// writes them, or in the {"awslogs":{"data":...}} envelope Lambda gets.
	FormatSubscription
	// FormatInsights is CloudWatch Logs Insights results: the JSON of
	// `aws logs get-query-results`, or rows of {"field","value"} pairs.
	FormatInsights
	// FormatMetricData is the JSON `aws cloudwatch get-metric-data` prints.
	FormatMetricData
	// FormatMetricQueries is a MetricDataQueries file. It holds no data:
	// Decode reads nothing from it, it describes a FormatMetricData file.
	FormatMetricQueries
	// FormatStackEvents is the JSON `aws cloudformation describe-stack-events`
	// prints.
	FormatStackEvents
)

var formatNames = [...]string{"unknown", "text", "json-log", "telemetry-api", "log-events",
	"subscription", "insights", "metric-data", "metric-queries", "stack-events"}

// String is the format's name as the ingest summary prints it.
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "unknown"
}

// PeekSize is how many leading bytes Detect needs to be sure.
const PeekSize = 4096

var gzipMagic = []byte{0x1f, 0x8b}

// Detect says which format the content starting with peek is in. It looks
// through gzip (it inflates what the peek holds) and reads at most the
// first PeekSize bytes. Content that is neither JSON nor empty is
// FormatText: a text log may hold anything, so text is the fallback.
func Detect(peek []byte) Format {
	if bytes.HasPrefix(peek, gzipMagic) {
		zr, err := gzip.NewReader(bytes.NewReader(peek))
		if err != nil {
			return FormatUnknown
		}
		buf := make([]byte, PeekSize)
		n, _ := io.ReadFull(zr, buf)
		return Detect(buf[:n])
	}
	if len(peek) > PeekSize {
		peek = peek[:PeekSize]
	}
	p := skipSpace(bytes.TrimPrefix(peek, []byte("\xef\xbb\xbf")))
	if len(p) == 0 {
		return FormatUnknown
	}
	switch p[0] {
	case '[':
		q := skipSpace(p[1:])
		switch {
		case len(q) == 0:
			return FormatTelemetryAPI
		case q[0] == '[':
			return FormatInsights
		case q[0] == '{':
			switch firstKey(q) {
			case "field":
				return FormatInsights
			case "Id", "MetricStat", "Expression", "Label", "ReturnData", "Period", "AccountId":
				return FormatMetricQueries
			}
		}
		return FormatTelemetryAPI
	case '{':
		switch firstKey(p) {
		case "awslogs", "messageType", "owner", "logGroup", "logStream", "subscriptionFilters", "logEvents":
			return FormatSubscription
		case "events", "searchedLogStreams", "nextForwardToken", "nextBackwardToken", "nextToken",
			"logStreamName", "logGroupName", "eventId", "ingestionTime":
			return FormatLogEvents
		case "timestamp":
			// A log event (epoch milliseconds) or a function's JSON log
			// record (an ISO string).
			if v := skipSpace(p[bytes.Index(p, []byte(`"timestamp"`))+len(`"timestamp"`):]); len(v) > 1 && v[0] == ':' {
				if c := skipSpace(v[1:]); len(c) > 0 && c[0] >= '0' && c[0] <= '9' {
					return FormatLogEvents
				}
			}
		case "MetricDataResults", "Messages":
			return FormatMetricData
		case "MetricDataQueries":
			return FormatMetricQueries
		case "StackEvents":
			return FormatStackEvents
		case "results", "statistics", "status":
			if bytes.Contains(p, []byte(`"field"`)) || bytes.Contains(p, []byte(`"results"`)) {
				return FormatInsights
			}
		}
		// A JSON log format object, or some other object per line: both are
		// read line by line.
		return FormatJSONLog
	}
	return FormatText
}

func skipSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}

// firstKey is the first key of the JSON object p starts with, or "" when p
// does not start with {"key".
func firstKey(p []byte) string {
	q := skipSpace(p[1:])
	if len(q) == 0 || q[0] != '"' {
		return ""
	}
	end := bytes.IndexByte(q[1:], '"')
	if end < 0 {
		return ""
	}
	return string(q[1 : 1+end])
}
