package telemetry

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// seedFiles adds every file of testdata/samples whose name matches one
// of the patterns to the corpus.
func seedFiles(f *testing.F, patterns ...string) {
	for _, p := range patterns {
		paths, _ := filepath.Glob(filepath.Join("testdata", "samples", p))
		for _, path := range paths {
			b, err := os.ReadFile(path)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
}

// decodeFuzz decodes data and checks what must hold of any input: no
// panic, no error (bad input is rejected, never an error), and records
// within their fields' ranges.
func decodeFuzz(t *testing.T, data []byte) *Collector {
	var c Collector
	sum, err := Decode(context.Background(), bytes.NewReader(data), Options{Function: "f", Path: "fuzz.log", Now: testNow}, &c)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if int64(len(c.Invocations)) != sum.Invocations || int64(len(c.Rejected)) != sum.RejectedTotal() {
		t.Fatalf("summary %+v disagrees with %d invocations, %d rejects", sum, len(c.Invocations), len(c.Rejected))
	}
	for _, inv := range c.Invocations {
		if inv.DurationUS < 0 || inv.BilledDurationMS < 0 || inv.MemorySizeMB < 0 || inv.MaxMemoryUsedMB < 0 ||
			inv.InitDurationUS < 0 || inv.RestoreDurationUS < 0 || inv.BilledRestoreMS < 0 {
			t.Fatalf("negative field: %s", fmtInv(inv))
		}
		if inv.RequestID == "" {
			t.Fatalf("no request id: %s", fmtInv(inv))
		}
		if inv.End.After(testNow.Add(24*60*60*1e9)) || inv.Start.After(testNow.Add(24*60*60*1e9)) {
			t.Fatalf("future record: %s", fmtInv(inv))
		}
	}
	return &c
}

// sameNumbers reports whether two invocations agree on every number a
// REPORT line carries.
func sameNumbers(a, b Invocation) bool {
	return a.RequestID == b.RequestID && a.DurationUS == b.DurationUS && a.BilledDurationMS == b.BilledDurationMS &&
		a.MemorySizeMB == b.MemorySizeMB && a.MaxMemoryUsedMB == b.MaxMemoryUsedMB &&
		a.InitDurationUS == b.InitDurationUS && a.RestoreDurationUS == b.RestoreDurationUS &&
		a.BilledRestoreMS == b.BilledRestoreMS && a.ColdStart == b.ColdStart
}

// roundTrip checks that each decoded invocation, rendered as a REPORT line
// and decoded again, has the same numbers.
func roundTrip(t *testing.T, c *Collector) {
	for _, inv := range c.Invocations {
		if inv.RestoreDurationUS == 0 && inv.BilledRestoreMS != 0 {
			continue // Billed Restore Duration alone: the line format has no place for it
		}
		if strings.ContainsAny(inv.RequestID, " \t\r\n") {
			continue // a JSON request id with spaces cannot be one text token
		}
		line := AppendReportLine(nil, &inv)
		var again Collector
		if _, err := Decode(context.Background(), bytes.NewReader(line), Options{Now: testNow}, &again); err != nil {
			t.Fatal(err)
		}
		if len(again.Invocations) != 1 || !sameNumbers(inv, again.Invocations[0]) {
			t.Fatalf("round trip of %s\nvia %q\ngave %v (rejects %v)", fmtInv(inv), line, again.Invocations, again.Rejected)
		}
	}
}

func FuzzText(f *testing.F) {
	seedFiles(f, "*.log")
	f.Add([]byte("2026-03-01T12:00:00.123000+00:00 2026/03/01/[12]aa01846ebbac447abcf20f17cb27c146 START RequestId: " + reqA + " Version: 12\n" +
		"2026-03-01T12:00:03.600000+00:00 2026/03/01/[12]aa01846ebbac447abcf20f17cb27c146 2026-03-01T12:00:03.600Z " + reqA + " Task timed out after 3.00 seconds\n" +
		"2026-03-01T12:00:03.610000+00:00 2026/03/01/[12]aa01846ebbac447abcf20f17cb27c146 " + reportLine(reqA) + "Status: timeout\n"))
	f.Add([]byte("REPORT RequestId: r\tDuration: 1e5 ms\tBilled Duration: 99999999999999999999 ms\tMemory Size: 2147483648 MB"))
	f.Fuzz(func(t *testing.T, data []byte) {
		roundTrip(t, decodeFuzz(t, data))
	})
}

// FuzzReportLine renders arbitrary numbers as a REPORT line and checks
// they decode back unchanged.
func FuzzReportLine(f *testing.F) {
	f.Add("8e226b81-d237-45fe-859b-645ebee73b1d", int64(106580), int64(607), int32(512), int32(83), int64(500390), int64(0), int64(0), uint8(0), "")
	f.Add("xxxxx", int64(127100), int64(154), int32(2048), int32(212), int64(0), int64(325930), int64(26), uint8(3), "Runtime.OutOfMemory")
	f.Fuzz(func(t *testing.T, id string, dur, billed int64, mem, max int32, init, restore, brestore int64, status uint8, errType string) {
		if id == "" || strings.ContainsAny(id, " \t\r\n") || strings.ContainsAny(errType, " \t\r\n") {
			return
		}
		inv := Invocation{RequestID: id, DurationUS: dur, BilledDurationMS: billed, MemorySizeMB: mem, MaxMemoryUsedMB: max,
			InitDurationUS: init, RestoreDurationUS: restore, BilledRestoreMS: brestore, Status: Status(status % 5), ErrorType: errType}
		if dur < 0 || billed < 0 || mem < 0 || max < 0 || init < 0 || restore <= 0 && brestore != 0 || restore < 0 || brestore < 0 {
			return
		}
		inv.ColdStart = init > 0 || restore > 0
		line := AppendReportLine(nil, &inv)
		var c Collector
		if _, err := Decode(context.Background(), bytes.NewReader(line), Options{Now: testNow}, &c); err != nil {
			t.Fatal(err)
		}
		if len(c.Invocations) != 1 {
			if utf8Invalid(id) || utf8Invalid(errType) {
				return
			}
			t.Fatalf("%q: %d invocations, rejects %v", line, len(c.Invocations), c.Rejected)
		}
		if !sameNumbers(inv, c.Invocations[0]) {
			t.Fatalf("%q:\n got %s\nwant %s", line, fmtInv(c.Invocations[0]), fmtInv(inv))
		}
	})
}

func utf8Invalid(s string) bool { return !utf8.ValidString(s) }

func FuzzJSONLog(f *testing.F) {
	seedFiles(f, "jsonlog-*.json", "telemetry-rust.json", "logs-dropped.json")
	f.Add([]byte(`{"time":"2026-01-01T00:00:00.000Z","type":"platform.report","record":{"requestId":"r","metrics":{"durationMs":1e999}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fast := decodeFuzz(t, data)
		roundTrip(t, fast)
		sameAsSlow(t, data, fast)
	})
}

func FuzzTelemetryAPI(f *testing.F) {
	seedFiles(f, "telemetry-rust-batch.json")
	f.Add([]byte(`[{"time":"2026-10-08T07:30:27.000Z","type":"platform.initStart","record":{"functionName":"lmi-fn","functionVersion":"7","instanceId":"2026/10/08/lmi-fn[7]abcd1234","instanceMaxMemory":2147483648}},{"time":"2026-10-08T07:30:28.013Z","type":"platform.report","record":{"requestId":"r","status":"success","metrics":{"durationMs":12.345}}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 0 && data[0] != '[' {
			data = append([]byte{'['}, data...)
		}
		roundTrip(t, decodeFuzz(t, data))
	})
}

func FuzzSubscription(f *testing.F) {
	seedFiles(f, "subscription.json", "awslogs-envelope.json")
	p := subscriptionJSON("/aws/lambda/pay", "2026/03/01/[3]ff01", "START RequestId: "+reqA+" Version: 3\n", reportLine(reqA))
	f.Add([]byte(p + p))
	f.Add(gz(f, p))
	f.Add([]byte(`{"awslogs":{"data":"` + base64.StdEncoding.EncodeToString(gz(f, p)) + `"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fast := decodeFuzz(t, data)
		roundTrip(t, fast)
		sameAsSlow(t, data, fast)
	})
}

// sameAsSlow decodes data again with the hand-written JSON readers off and
// checks that encoding/json gives the same records, and rejects something
// exactly when the fast path does: on broken JSON the two may stop at
// different points of the same bad value, and count it once or twice.
func sameAsSlow(t *testing.T, data []byte, fast *Collector) {
	fastPaths = false
	defer func() { fastPaths = true }()
	slow := decodeFuzz(t, data)
	show := func(c *Collector) string {
		var b strings.Builder
		for _, inv := range c.Invocations {
			b.WriteString(fmtInv(inv) + "\n")
		}
		for _, d := range c.Deploys {
			b.WriteString(fmtDeploy(d) + "\n")
		}
		fmt.Fprintf(&b, "rejects: %v\n", len(c.Rejected) > 0)
		return b.String()
	}
	if a, b := show(fast), show(slow); a != b {
		t.Fatalf("fast and encoding/json paths disagree on %q:\nfast:\n%s%v\nslow:\n%s%v", data, a, fast.Rejected, b, slow.Rejected)
	}
}

func FuzzLogEvents(f *testing.F) {
	seedFiles(f, "log-event.json", "insights-row.json")
	f.Add([]byte(`{"events":[{"logStreamName":"2026/03/01/[$LATEST]ab","timestamp":1772366400000,"message":"REPORT RequestId: r\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 1 MB"}],"logGroupName":"/aws/lambda/x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fast := decodeFuzz(t, data)
		roundTrip(t, fast)
		sameAsSlow(t, data, fast)
	})
}

func FuzzMetricData(f *testing.F) {
	f.Add([]byte(`{"MetricDataResults":[{"Id":"age","Label":"L","Timestamps":["2026-03-01T12:01:00+00:00"],"Values":[42.0],"StatusCode":"Complete"}],"Messages":[]}`))
	f.Add([]byte(`{"MetricDataResults":[{"Id":"a","Timestamps":["2026-03-01T12:01:00+00:00","x"],"Values":[1e400,2]}]}`))
	q, err := ParseMetricQueries(strings.NewReader(`[{"Id":"age","MetricStat":{"Metric":{"Namespace":"AWS/SQS","MetricName":"M","Dimensions":[{"Name":"QueueName","Value":"q"}]},"Period":60,"Stat":"Maximum"}}]`))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var c Collector
		if _, err := Decode(context.Background(), bytes.NewReader(data), Options{Queries: q, Now: testNow}, &c); err != nil {
			t.Fatal(err)
		}
		ParseMetricQueries(bytes.NewReader(data))
	})
}

func FuzzStackEvents(f *testing.F) {
	f.Add([]byte(`{"StackEvents":[{"StackName":"shop","LogicalResourceId":"V","PhysicalResourceId":"arn:aws:lambda:us-east-1:1:function:f:14","ResourceType":"AWS::Lambda::Version","Timestamp":"2026-03-01T12:04:30.000000+00:00","ResourceStatus":"CREATE_COMPLETE"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		decodeFuzz(t, data)
	})
}

// FuzzJSONFast checks the hand-written event reader against encoding/json:
// whatever it accepts, encoding/json reads to the same fields.
func FuzzJSONFast(f *testing.F) {
	seedFiles(f, "jsonlog-*.json", "telemetry-rust.json", "logs-dropped.json")
	f.Add([]byte(`{"time":"2026-01-01T00:00:00.000Z","Type":"platform.report","record":{"requestId":"r","metrics":{"durationMs":1.5}}}`))
	f.Add([]byte(`{"time":null,"type":"platform.report","record":{"requestId":"r","metrics":5}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for line := range bytes.Lines(data) {
			line = bytes.TrimRight(line, "\n")
			var fast evBytes
			if !parseEventFast(line, &fast) || !utf8.Valid(line) {
				continue
			}
			var j jsonEvent
			if err := json.Unmarshal(line, &j); err != nil {
				t.Fatalf("fast path accepted %q, encoding/json: %v", line, err)
			}
			var slow evBytes
			slow.fromJSONEvent(&j)
			norm := func(e evBytes) string { return fmt.Sprintf("%q", []any{e.time, e.typ, e.isText, e.text, e.rec}) }
			if norm(fast) != norm(slow) {
				t.Fatalf("%q:\nfast %s\nslow %s", line, norm(fast), norm(slow))
			}
		}
	})
}
