package telemetry

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func gz(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

func decodeBytes(t *testing.T, input []byte, opts Options) (*Collector, Summary) {
	t.Helper()
	if opts.Now.IsZero() {
		opts.Now = testNow
	}
	var c Collector
	sum, err := Decode(context.Background(), bytes.NewReader(input), opts, &c)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return &c, sum
}

func deploys(c *Collector) []string {
	var out []string
	for _, d := range c.Deploys {
		out = append(out, fmtDeploy(d))
	}
	return out
}

func checkStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func rejects(c *Collector) []string {
	var out []string
	for _, r := range c.Rejected {
		if r.Line > 0 {
			out = append(out, fmt.Sprintf("%s:%d %s", r.File, r.Line, r.Reason))
		} else {
			out = append(out, fmt.Sprintf("%s@%d %s", r.File, r.Offset, r.Reason))
		}
	}
	return out
}

const (
	reqA = "d683b1f7-ac35-4066-ae77-b6ab12a6fb32"
	reqB = "0f2c6c0e-6a3e-4a4c-9b54-8f5d0e4d1a77"
)

func TestTailFormat(t *testing.T) {
	const s12 = "2026/03/01/[12]aa01846ebbac447abcf20f17cb27c146"
	const sl = "2026/03/01/[$LATEST]bb01846ebbac447abcf20f17cb27c146"
	in := "2026-03-01T12:00:00.100000+00:00 " + s12 + " INIT_START Runtime Version: python:3.12.v27\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:abc\n" +
		"2026-03-01T12:00:00.600000+00:00 " + s12 + " START RequestId: " + reqA + " Version: 12\n" +
		"2026-03-01T12:00:00.700000+00:00 " + s12 + " 2026-03-01T12:00:00.700Z\t" + reqA + "\tINFO\thello\n" +
		"2026-03-01T12:00:00.800000+00:00 " + sl + " START RequestId: " + reqB + " Version: $LATEST\n" +
		"2026-03-01T12:00:03.600000+00:00 " + s12 + " 2026-03-01T12:00:03.600Z " + reqA + " Task timed out after 3.00 seconds\n" +
		"2026-03-01T12:00:03.610000+00:00 " + s12 + " END RequestId: " + reqA + "\n" +
		"2026-03-01T12:00:03.610000+00:00 " + s12 + " REPORT RequestId: " + reqA + "\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tStatus: timeout\n" +
		"2026-03-01T12:00:04.000000+00:00 " + sl + " END RequestId: " + reqB + "\n" +
		"2026-03-01T12:00:04.000000+00:00 " + sl + " REPORT RequestId: " + reqB + "\tDuration: 3200.07 ms\tBilled Duration: 3201 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\t\n" +
		// sam logs: stream first, then a zoneless timestamp
		sl + " 2026-03-01T12:00:05.000000 REPORT RequestId: " + reqA + "\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\t\n"
	c, sum := decodeBytes(t, []byte(in), Options{Path: "logs/aws/lambda/orders-api/2026-03-01.log"})
	if sum.Format != FormatText || sum.FunctionSource != FunctionFromPath || sum.Function != "orders-api" {
		t.Errorf("summary %+v", sum)
	}
	checkInvocations(t, c.Invocations, []Invocation{
		{Function: "orders-api", Version: "12", EnvID: "aa01846ebbac447abcf20f17cb27c146", RequestID: reqA,
			Start: ts("2026-03-01T12:00:00.6Z"), End: ts("2026-03-01T12:00:03.61Z"), DurationUS: 3000000, BilledDurationMS: 3000,
			MemorySizeMB: 128, MaxMemoryUsedMB: 60, Status: StatusTimeout},
		{Function: "orders-api", Version: "$LATEST", EnvID: "bb01846ebbac447abcf20f17cb27c146", RequestID: reqB,
			Start: ts("2026-03-01T12:00:00.8Z"), End: ts("2026-03-01T12:00:04Z"), DurationUS: 3200070, BilledDurationMS: 3201,
			MemorySizeMB: 128, MaxMemoryUsedMB: 70},
		{Function: "orders-api", Version: "$LATEST", EnvID: "bb01846ebbac447abcf20f17cb27c146", RequestID: reqA,
			Start: ts("2026-03-01T12:00:04.999Z"), End: ts("2026-03-01T12:00:05Z"), DurationUS: 1000, BilledDurationMS: 1,
			MemorySizeMB: 128, MaxMemoryUsedMB: 70},
	})
	checkStrings(t, "deploys", deploys(c), []string{
		"fn=orders-api stack= ver=12 time=2026-03-01T12:00:00.1Z label=version 12 source=log-stream"})
	checkStrings(t, "rejects", rejects(c), nil)
}

func TestStatusEnrichment(t *testing.T) {
	report := func(id, mem, max, tail string) string {
		return "REPORT RequestId: " + id + "\tDuration: 1500.00 ms\tBilled Duration: 1500 ms\tMemory Size: " + mem + " MB\tMax Memory Used: " + max + " MB\t" + tail + "\n"
	}
	tests := []struct {
		name    string
		in      string
		status  Status
		errType string
	}{
		{"killed at the memory limit is oom", "START RequestId: " + reqA + " Version: $LATEST\nRequestId: " + reqA + " Error: Runtime exited with error: signal: killed\nRuntime.ExitError\nEND RequestId: " + reqA + "\n" + report(reqA, "128", "128", ""), StatusOOM, "Runtime.ExitError"},
		{"killed below the limit is an error", "START RequestId: " + reqA + " Version: $LATEST\nRequestId: " + reqA + " Error: Runtime exited with error: signal: killed\n" + report(reqA, "128", "90", ""), StatusError, "Runtime.ExitError"},
		{"exit status in an app line", "START RequestId: " + reqA + " Version: $LATEST\n2026-03-01T12:00:00.000Z " + reqA + " Error: Runtime exited with error: exit status 1\n" + report(reqA, "128", "90", ""), StatusError, "Runtime.ExitError"},
		{"timeout line without a request id", "START RequestId: " + reqA + " Version: $LATEST\n2025-06-09T23:36:02.676Z Task timed out after 30.06 seconds\n" + report(reqA, "128", "90", ""), StatusTimeout, ""},
		{"timeout line before any START", "2025-06-09T23:36:02.676Z Task timed out after 30.06 seconds\n" + report(reqA, "128", "90", ""), StatusTimeout, ""},
		{"Status: error with Error Type", report(reqA, "128", "90", "Status: error\tError Type: Runtime.ExitError"), StatusError, "Runtime.ExitError"},
		{"Status: error at the memory limit", report(reqA, "128", "128", "Status: error"), StatusOOM, ""},
		{"failed init before the invoke", "INIT_REPORT Init Duration: 87.28 ms\tPhase: init\tStatus: error\tError Type: Runtime.Unknown\n" + report(reqA, "128", "40", "Status: error"), StatusInitError, "Runtime.Unknown"},
		{"failed init, then a good invoke", "INIT_REPORT Init Duration: 87.28 ms\tPhase: init\tStatus: error\tError Type: Runtime.Unknown\n" + report(reqA, "128", "40", "") + report(reqB, "128", "40", "Status: error\tError Type: Handled"), StatusSuccess, ""},
		{"suppressed init of an unlisted error type", report(reqA, "128", "40", "Status: error\tError Type: Runtime.Unknown") +
			"INIT_REPORT Init Duration: 87.28 ms\tPhase: invoke\tStatus: error\tError Type: Runtime.Unknown\n", StatusInitError, "Runtime.Unknown"},
		{"an error followed by the next invocation", report(reqA, "128", "40", "Status: error\tError Type: Handled") +
			"START RequestId: " + reqB + " Version: $LATEST\n" + report(reqB, "128", "40", ""), StatusError, "Handled"},
		{"JSON suppressed init", `{"time":"2026-03-01T12:00:00.010Z","type":"platform.report","record":{"requestId":"` + reqA + `","status":"error","errorType":"Runtime.Unknown","metrics":{"durationMs":10.5,"billedDurationMs":11,"memorySizeMB":128,"maxMemoryUsedMB":12}}}` + "\n" +
			`{"time":"2026-03-01T12:00:00.011Z","type":"platform.initReport","record":{"initializationType":"on-demand","phase":"invoke","status":"error","errorType":"Runtime.Unknown","metrics":{"durationMs":80.0}}}` + "\n", StatusInitError, "Runtime.Unknown"},
		{"JSON runtimeDone error", `{"time":"2026-03-01T12:00:00.000Z","type":"platform.runtimeDone","record":{"requestId":"` + reqA + `","status":"error","errorType":"TypeError"}}` + "\n" +
			`{"time":"2026-03-01T12:00:00.010Z","type":"platform.report","record":{"requestId":"` + reqA + `","status":"error","metrics":{"durationMs":10.5,"billedDurationMs":11,"memorySizeMB":128,"maxMemoryUsedMB":50}}}` + "\n", StatusError, "TypeError"},
		{"JSON report OOM", `{"time":"2026-03-01T12:00:00.010Z","type":"platform.report","record":{"requestId":"` + reqA + `","status":"error","errorType":"Runtime.OutOfMemory","metrics":{"durationMs":10.5,"billedDurationMs":11,"memorySizeMB":128,"maxMemoryUsedMB":127}}}` + "\n", StatusOOM, "Runtime.OutOfMemory"},
		{"JSON report failure", `{"time":"2026-03-01T12:00:00.010Z","type":"platform.report","record":{"requestId":"` + reqA + `","status":"failure","metrics":{"durationMs":10.5,"billedDurationMs":11,"memorySizeMB":128,"maxMemoryUsedMB":12}}}` + "\n", StatusError, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := decodeBytes(t, []byte(tt.in), Options{Function: "f"})
			if len(c.Invocations) == 0 {
				t.Fatalf("no invocation; rejects %v", rejects(c))
			}
			got := c.Invocations[0]
			if got.Status != tt.status || got.ErrorType != tt.errType || got.RequestID != reqA {
				t.Errorf("got %s", fmtInv(got))
			}
		})
	}
}

func TestLogEventsFormat(t *testing.T) {
	const stream = "2026/03/01/[$LATEST]c3ad5cef73594c73806b88d5d3939a98"
	in := `{
    "events": [
        {"logStreamName": "` + stream + `", "timestamp": 1772366400000, "message": "START RequestId: ` + reqA + ` Version: $LATEST\n", "ingestionTime": 1772366400100, "eventId": "1"},
        {"logStreamName": "` + stream + `", "timestamp": 1772366400250, "message": "REPORT RequestId: ` + reqA + `\tDuration: 249.99 ms\tBilled Duration: 250 ms\tMemory Size: 256 MB\tMax Memory Used: 80 MB\t\nXRAY TraceId: 1-6a507b87-0cc4438344b48ef127ab1931\tSegmentId: d0025b207c551fde\tSampled: true\t", "ingestionTime": 1772366400300, "eventId": "2", "logGroupName": "/aws/lambda/pay"}
    ],
    "searchedLogStreams": [{"logStreamName": "x", "searchedCompletely": true}]
}
`
	c, sum := decodeBytes(t, []byte(in), Options{Path: "events.json"})
	if sum.Format != FormatLogEvents {
		t.Fatalf("format %v", sum.Format)
	}
	// The START had no group, the REPORT names /aws/lambda/pay: two streams
	// to the decoder, so the REPORT stands alone.
	checkInvocations(t, c.Invocations, []Invocation{
		{Function: "pay", Version: "$LATEST", EnvID: "c3ad5cef73594c73806b88d5d3939a98", RequestID: reqA,
			Start: ts("2026-03-01T12:00:00.00001Z"), End: ts("2026-03-01T12:00:00.25Z"), DurationUS: 249990, BilledDurationMS: 250,
			MemorySizeMB: 256, MaxMemoryUsedMB: 80},
	})
	if sum.FunctionSource != FunctionFromLogGroup || sum.Lines != 2 {
		t.Errorf("summary %+v", sum)
	}
	// get-log-events has no stream names: the file name gives the function.
	in2 := `{"events":[{"timestamp":1772366400000,"message":"START RequestId: ` + reqA + ` Version: 3\n"},{"timestamp":1772366400250,"message":"REPORT RequestId: ` + reqA + `\tDuration: 249.99 ms\tBilled Duration: 250 ms\tMemory Size: 256 MB\tMax Memory Used: 80 MB\t\n"}],"nextForwardToken":"f/1","nextBackwardToken":"b/1"}`
	c, sum = decodeBytes(t, []byte(in2), Options{Path: "/tmp/orders.json.gz"})
	checkInvocations(t, c.Invocations, []Invocation{
		{Function: "orders", Version: "3", RequestID: reqA,
			Start: ts("2026-03-01T12:00:00Z"), End: ts("2026-03-01T12:00:00.25Z"), DurationUS: 249990, BilledDurationMS: 250,
			MemorySizeMB: 256, MaxMemoryUsedMB: 80},
	})
	if sum.FunctionSource != FunctionFromFileName {
		t.Errorf("summary %+v", sum)
	}
}

func subscriptionJSON(group, stream string, events ...string) string {
	var ev []string
	for i, m := range events {
		ev = append(ev, fmt.Sprintf(`{"id":"%d","timestamp":%d,"message":%q}`, i, 1772366400000+int64(i)*100, m))
	}
	return `{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"` + group + `","logStream":"` + stream +
		`","subscriptionFilters":["all"],"logEvents":[` + strings.Join(ev, ",") + `]}`
}

func TestSubscriptionFormat(t *testing.T) {
	const stream = "2026/03/01/[3]ff01846ebbac447abcf20f17cb27c146"
	p1 := subscriptionJSON("/aws/lambda/pay", stream,
		"START RequestId: "+reqA+" Version: 3\n",
		"REPORT RequestId: "+reqA+"\tDuration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 512 MB\tMax Memory Used: 90 MB\tInit Duration: 200.00 ms\t\n")
	control := `{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1772366400000,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}`
	p2 := subscriptionJSON("/aws/lambda/pay", stream,
		"REPORT RequestId: "+reqB+"\tDuration: 2.00 ms\tBilled Duration: 2 ms\tMemory Size: 512 MB\tMax Memory Used: 91 MB\t\n")
	want := []Invocation{
		{Function: "pay", Version: "3", EnvID: "ff01846ebbac447abcf20f17cb27c146", RequestID: reqA,
			Start: ts("2026-03-01T12:00:00Z"), End: ts("2026-03-01T12:00:00.1Z"), DurationUS: 102250, BilledDurationMS: 103,
			MemorySizeMB: 512, MaxMemoryUsedMB: 90, InitDurationUS: 200000, ColdStart: true},
		{Function: "pay", Version: "3", EnvID: "ff01846ebbac447abcf20f17cb27c146", RequestID: reqB,
			Start: ts("2026-03-01T11:59:59.998Z"), End: ts("2026-03-01T12:00:00Z"), DurationUS: 2000, BilledDurationMS: 2,
			MemorySizeMB: 512, MaxMemoryUsedMB: 91},
	}
	wantDeploy := []string{"fn=pay stack= ver=3 time=2026-03-01T12:00:00Z label=version 3 source=log-stream"}

	// Firehose: each record gzip-compressed by CloudWatch Logs, the records
	// concatenated into one object.
	var firehose []byte
	for _, p := range []string{p1, control, p2} {
		firehose = append(firehose, gz(t, p)...)
	}
	t.Run("firehose", func(t *testing.T) {
		c, sum := decodeBytes(t, firehose, Options{Path: "s3/2026/03/01/delivery-1"})
		checkInvocations(t, c.Invocations, want)
		checkStrings(t, "deploys", deploys(c), wantDeploy)
		if sum.Format != FormatSubscription || sum.Skipped["control-message"] != 1 || sum.FunctionSource != FunctionFromLogGroup {
			t.Errorf("summary %+v", sum)
		}
		checkStrings(t, "rejects", rejects(c), nil)
	})
	t.Run("plain back to back", func(t *testing.T) {
		c, _ := decodeBytes(t, []byte(p1+control+p2), Options{})
		checkInvocations(t, c.Invocations, want)
	})
	t.Run("awslogs envelope", func(t *testing.T) {
		env := `{"awslogs":{"data":"` + base64.StdEncoding.EncodeToString(gz(t, p1)) + `"}}` + "\n" +
			`{"awslogs":{"data":"` + base64.StdEncoding.EncodeToString(gz(t, p2)) + `"}}`
		c, _ := decodeBytes(t, []byte(env), Options{})
		checkInvocations(t, c.Invocations, want)
		checkStrings(t, "rejects", rejects(c), nil)
	})
}

func TestTelemetryAPIManagedInstances(t *testing.T) {
	// Schema 2025-01-29 as Lambda Managed Instances send it: reports carry
	// only durationMs, the environment's memory is in initStart.
	in := `[{"time":"2026-10-08T07:30:27.000Z","type":"platform.initStart","record":{"initializationType":"lambda-managed-instances","phase":"init","runtimeVersion":"nodejs:22.mainline.v122","functionName":"lmi-fn","functionVersion":"7","instanceId":"2026/10/08/lmi-fn[7]abcd1234","instanceMaxMemory":2147483648}},
{"time":"2026-10-08T07:30:28.000Z","type":"platform.start","record":{"requestId":"` + reqA + `","version":"7"}},
{"time":"2026-10-08T07:30:28.100Z","type":"function","record":"2026-10-08T07:30:28.100Z\t` + reqA + `\tINFO\thello"},
{"time":"2026-10-08T07:30:28.013Z","type":"platform.report","record":{"requestId":"` + reqA + `","status":"success","metrics":{"durationMs":12.345}}}]
[{"time":"2026-10-08T07:30:29.000Z","type":"platform.logsDropped","record":{"droppedBytes":10,"droppedRecords":2,"reason":"slow"}},
 {"time":"2026-10-08T07:30:29.000Z","type":"platform.somethingNew","record":{}}]`
	c, sum := decodeBytes(t, []byte(in), Options{Path: "batches.json"})
	if sum.Format != FormatTelemetryAPI || sum.DroppedRecords != 2 || sum.FunctionSource != FunctionFromRecord {
		t.Errorf("summary %+v", sum)
	}
	checkInvocations(t, c.Invocations, []Invocation{
		{Function: "lmi-fn", Version: "7", EnvID: "abcd1234", RequestID: reqA,
			Start: ts("2026-10-08T07:30:28Z"), End: ts("2026-10-08T07:30:28.013Z"), DurationUS: 12345, MemorySizeMB: 2048},
	})
	checkStrings(t, "deploys", deploys(c), []string{"fn=lmi-fn stack= ver=7 time=2026-10-08T07:30:27Z label=version 7 source=log-stream"})
	if len(c.Rejected) != 1 || c.Rejected[0].Reason != ReasonUnknownType || c.Rejected[0].Offset == 0 {
		t.Errorf("rejects %+v", c.Rejected)
	}
}

func TestMetricData(t *testing.T) {
	dir := t.TempDir()
	data := `{
    "MetricDataResults": [
        {"Id": "age", "Label": "ApproximateAgeOfOldestMessage", "Timestamps": ["2026-03-01T12:01:00+00:00", "2026-03-01T12:00:00+00:00"], "Values": [42.0, 7.5], "StatusCode": "Complete"},
        {"Id": "e1", "Label": "errors-rate", "Timestamps": ["2026-03-01T12:00:00+00:00"], "Values": [0.25], "StatusCode": "Complete"}
    ],
    "Messages": []
}`
	queries := `[
  {"Id": "age", "MetricStat": {"Metric": {"Namespace": "AWS/SQS", "MetricName": "ApproximateAgeOfOldestMessage", "Dimensions": [{"Name": "QueueName", "Value": "orders"}]}, "Period": 60, "Stat": "Maximum", "Unit": "Seconds"}, "ReturnData": true},
  {"Id": "e1", "Expression": "m1/m2", "Label": "errors-rate", "Period": 300}
]`
	path := filepath.Join(dir, "sqs.json")
	os.WriteFile(path, []byte(data), 0o644)
	os.WriteFile(QueriesPath(path), []byte(queries), 0o644)
	if got := Detect([]byte(queries)); got != FormatMetricQueries {
		t.Errorf("Detect(queries) = %v", got)
	}
	var c Collector
	sum, err := DecodeFile(context.Background(), path, Options{Now: testNow}, &c)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Format != FormatMetricData || sum.Metrics != 3 || len(sum.Notes) != 0 {
		t.Errorf("summary %+v", sum)
	}
	var got []string
	for _, m := range c.Metrics {
		got = append(got, fmt.Sprintf("%s %s %v %s %s %d %g %s", m.Namespace, m.Name, m.Dimensions, m.Time.Format("15:04:05Z07:00"), m.Stat, m.Period, m.Value, m.Unit))
	}
	checkStrings(t, "metrics", got, []string{
		"AWS/SQS ApproximateAgeOfOldestMessage map[QueueName:orders] 12:01:00Z Maximum 60 42 Seconds",
		"AWS/SQS ApproximateAgeOfOldestMessage map[QueueName:orders] 12:00:00Z Maximum 60 7.5 Seconds",
		" errors-rate map[] 12:00:00Z  300 0.25 ",
	})
	// Without the query file: labels only, and a note.
	os.Remove(QueriesPath(path))
	c = Collector{}
	sum, _ = DecodeFile(context.Background(), path, Options{Now: testNow}, &c)
	if len(c.Metrics) != 3 || c.Metrics[0].Name != "ApproximateAgeOfOldestMessage" || c.Metrics[0].Namespace != "" || len(sum.Notes) != 1 {
		t.Errorf("without queries: %+v %+v", c.Metrics, sum)
	}
	// An explicit queries option.
	q, err := ParseMetricQueries(strings.NewReader(`{"MetricDataQueries":` + queries + `}`))
	if err != nil || q.Len() != 2 {
		t.Fatal(q, err)
	}
	c = Collector{}
	DecodeFile(context.Background(), path, Options{Now: testNow, Queries: q}, &c)
	if c.Metrics[0].Namespace != "AWS/SQS" {
		t.Errorf("explicit queries: %+v", c.Metrics[0])
	}
}

func TestStackEvents(t *testing.T) {
	in := `{
    "StackEvents": [
        {"StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/shop/1", "EventId": "a", "StackName": "shop", "LogicalResourceId": "shop", "PhysicalResourceId": "arn:aws:cloudformation:us-east-1:123456789012:stack/shop/1", "ResourceType": "AWS::CloudFormation::Stack", "Timestamp": "2026-03-01T12:05:00.123000+00:00", "ResourceStatus": "UPDATE_COMPLETE"},
        {"StackId": "x", "EventId": "b", "StackName": "shop", "LogicalResourceId": "shop", "PhysicalResourceId": "x", "ResourceType": "AWS::CloudFormation::Stack", "Timestamp": "2026-03-01T12:04:59.000000+00:00", "ResourceStatus": "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"},
        {"StackId": "x", "EventId": "c", "StackName": "shop", "LogicalResourceId": "OrdersFnVersion1", "PhysicalResourceId": "arn:aws:lambda:us-east-1:123456789012:function:shop-orders-AbC123:14", "ResourceType": "AWS::Lambda::Version", "Timestamp": "2026-03-01T12:04:30.000000+00:00", "ResourceStatus": "CREATE_COMPLETE"},
        {"StackId": "x", "EventId": "d", "StackName": "shop", "LogicalResourceId": "OrdersFn", "PhysicalResourceId": "shop-orders-AbC123", "ResourceType": "AWS::Lambda::Function", "Timestamp": "2026-03-01T12:04:00.000000+00:00", "ResourceStatus": "UPDATE_COMPLETE"},
        {"StackId": "x", "EventId": "e", "StackName": "shop", "LogicalResourceId": "OrdersFn", "PhysicalResourceId": "shop-orders-AbC123", "ResourceType": "AWS::Lambda::Function", "Timestamp": "2026-03-01T12:03:00.000000+00:00", "ResourceStatus": "UPDATE_IN_PROGRESS"}
    ]
}`
	c, sum := decodeBytes(t, []byte(in), Options{})
	if sum.Format != FormatStackEvents || sum.Deploys != 3 || sum.Skipped["stack-event"] != 2 {
		t.Errorf("summary %+v", sum)
	}
	checkStrings(t, "deploys", deploys(c), []string{
		"fn= stack=shop ver= time=2026-03-01T12:05:00.123Z label=UPDATE_COMPLETE source=stack-events",
		"fn=shop-orders-AbC123 stack=shop ver=14 time=2026-03-01T12:04:30Z label=CREATE_COMPLETE source=stack-events",
		"fn=shop-orders-AbC123 stack=shop ver= time=2026-03-01T12:04:00Z label=UPDATE_COMPLETE source=stack-events",
	})
}

func TestResolveFunction(t *testing.T) {
	tests := []struct {
		explicit, path string
		name           string
		src            FunctionSource
	}{
		{"orders", "logs/aws/lambda/pay/x.log", "orders", FunctionFromFlag},
		{"", "logs/aws/lambda/orders-api/2026-03-01.json", "orders-api", FunctionFromPath},
		{"", "/var/log/aws/lambda/orders-api/2026/03/01/x.json.gz", "orders-api", FunctionFromPath},
		{"", "orders-api.log", "orders-api", FunctionFromFileName},
		{"", "dir/orders-api.log.gz", "orders-api", FunctionFromFileName},
		{"", "logs/aws/lambda/orders-api.log", "orders-api", FunctionFromFileName},
		{"", "-", "", ""},
		{"", "", "", ""},
	}
	for _, tt := range tests {
		name, src := ResolveFunction(tt.explicit, tt.path)
		if name != tt.name || src != tt.src {
			t.Errorf("ResolveFunction(%q, %q) = %q, %q; want %q, %q", tt.explicit, tt.path, name, src, tt.name, tt.src)
		}
	}
	// The log group wins over every rule; a custom group falls back on them.
	sub := subscriptionJSON("/aws/lambda/pay", "2026/03/01/[$LATEST]ab", "REPORT RequestId: r\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 1 MB")
	c, sum := decodeBytes(t, []byte(sub), Options{Function: "other"})
	if c.Invocations[0].Function != "pay" || sum.FunctionSource != FunctionFromLogGroup {
		t.Errorf("log group: %s %s", fmtInv(c.Invocations[0]), sum.FunctionSource)
	}
	sub = subscriptionJSON("/shared/app-logs", "2026/03/01/[$LATEST]ab", "REPORT RequestId: r\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 1 MB")
	c, sum = decodeBytes(t, []byte(sub), Options{Function: "other"})
	if c.Invocations[0].Function != "other" || sum.FunctionSource != FunctionFromFlag {
		t.Errorf("custom group: %s %s", fmtInv(c.Invocations[0]), sum.FunctionSource)
	}
}

func TestDetect(t *testing.T) {
	tests := map[string]Format{
		"REPORT RequestId: x\tDuration: 1.00 ms":                            FormatText,
		"2026-03-01T12:00:00.123000+00:00 2026/03/01/[$LATEST]ab":           FormatText,
		`{"time":"2026-10-08T07:30:27.768Z","type":"platform.initStart"}`:   FormatJSONLog,
		`{"timestamp":"2026-10-08T07:30:29.443Z","level":"ERROR"}`:          FormatJSONLog,
		`[{"time":"2022-10-19T13:52:15.636Z","type":"platform.initStart"}]`: FormatTelemetryAPI,
		"{\n    \"events\": [": FormatLogEvents,
		`{"logStreamName":"2019/06/19/[$LATEST]c3","timestamp":1560948335625}`: FormatLogEvents,
		`{"timestamp":1560948335625,"message":"x"}`:                            FormatLogEvents,
		`{"messageType":"DATA_MESSAGE"}`:                                       FormatSubscription,
		`{"awslogs":{"data":"H4sI"}}`:                                          FormatSubscription,
		"{\n    \"MetricDataResults\": [":                                      FormatMetricData,
		`[{"Id":"m1","MetricStat":{}}]`:                                        FormatMetricQueries,
		"{\n    \"StackEvents\": [":                                            FormatStackEvents,
		`[{"field":"@message","value":"REPORT"}]`:                              FormatInsights,
		`{"results":[[{"field":"@message","value":"x"}]],"status":"Complete"}`: FormatInsights,
		"": FormatUnknown,
	}
	for in, want := range tests {
		if got := Detect([]byte(in)); got != want {
			t.Errorf("Detect(%q) = %v, want %v", in, got, want)
		}
		if in != "" {
			if got := Detect(gz(t, in)); got != want {
				t.Errorf("Detect(gzip %q) = %v, want %v", in, got, want)
			}
		}
	}
}

// TestSameRecordAcrossFormats decodes the same log events exported three
// ways; the store dedupes on (function, request id), so every field must
// agree.
func TestSameRecordAcrossFormats(t *testing.T) {
	const stream = "2026/03/01/[5]ee01846ebbac447abcf20f17cb27c146"
	start := "START RequestId: " + reqA + " Version: 5"
	report := reportLine(reqA) + "Init Duration: 120.50 ms\t"
	tail := "2026-03-01T12:00:00.000000+00:00 " + stream + " " + start + "\n" +
		"2026-03-01T12:00:00.010000+00:00 " + stream + " " + report + "\n"
	events := `{"events":[{"logStreamName":"` + stream + `","timestamp":1772366400000,"message":` + fmt.Sprintf("%q", start+"\n") +
		`},{"logStreamName":"` + stream + `","timestamp":1772366400010,"message":` + fmt.Sprintf("%q", report+"\n") + `}]}`
	sub := subscriptionJSON("/aws/lambda/pay", stream, start+"\n", report+"\n")
	sub = strings.Replace(sub, "1772366400100", "1772366400010", 1)
	var got []string
	for _, in := range []string{tail, events, sub} {
		c, _ := decodeBytes(t, []byte(in), Options{Function: "pay"})
		if len(c.Invocations) != 1 || len(c.Deploys) != 1 {
			t.Fatalf("%d invocations, %d deploys from %q", len(c.Invocations), len(c.Deploys), in)
		}
		got = append(got, fmtInv(c.Invocations[0])+" | "+fmtDeploy(c.Deploys[0]))
	}
	if got[0] != got[1] || got[1] != got[2] {
		t.Errorf("formats disagree:\n%s", strings.Join(got, "\n"))
	}
	if !strings.Contains(got[0], "req="+reqA) || !strings.Contains(got[0], "ver=5 env=ee01846ebbac447abcf20f17cb27c146") {
		t.Errorf("record: %s", got[0])
	}
}
