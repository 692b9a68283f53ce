package telemetry

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testNow is the clock every test decodes with.
var testNow = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// fmtInv is an Invocation on one line, for readable diffs.
func fmtInv(v Invocation) string {
	tm := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("fn=%s ver=%s env=%s req=%s start=%s end=%s dur=%d billed=%d mem=%d max=%d init=%d restore=%d brestore=%d cold=%v status=%s err=%s",
		v.Function, v.Version, v.EnvID, v.RequestID, tm(v.Start), tm(v.End), v.DurationUS, v.BilledDurationMS,
		v.MemorySizeMB, v.MaxMemoryUsedMB, v.InitDurationUS, v.RestoreDurationUS, v.BilledRestoreMS, v.ColdStart, v.Status, v.ErrorType)
}

func fmtDeploy(d Deploy) string {
	return fmt.Sprintf("fn=%s stack=%s ver=%s time=%s label=%s source=%s", d.Function, d.Stack, d.Version,
		d.Time.UTC().Format(time.RFC3339Nano), d.Label, d.Source)
}

func decodeString(t *testing.T, input string, opts Options) (*Collector, Summary) {
	t.Helper()
	if opts.Now.IsZero() {
		opts.Now = testNow
	}
	var c Collector
	sum, err := Decode(context.Background(), strings.NewReader(input), opts, &c)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return &c, sum
}

func checkInvocations(t *testing.T, got, want []Invocation) {
	t.Helper()
	n := max(len(got), len(want))
	for i := range n {
		var g, w string
		if i < len(got) {
			g = fmtInv(got[i])
		}
		if i < len(want) {
			w = fmtInv(want[i])
		}
		if g != w {
			t.Errorf("invocation %d:\n got %s\nwant %s", i, g, w)
		}
	}
}

// TestSamples decodes every sample of the reference telemetry-samples.txt
// (copied byte for byte into testdata/samples) to exactly the records it
// describes.
func TestSamples(t *testing.T) {
	const fn = "fn" // Options.Function for the files that do not name theirs
	tests := []struct {
		file     string
		format   Format
		want     []Invocation
		deploys  []string
		dropped  int64
		lines    int64
		fnSource FunctionSource
	}{
		{file: "console.log", format: FormatText, lines: 5, want: []Invocation{
			{Function: fn, Version: "$LATEST", RequestID: "8e226b81-d237-45fe-859b-645ebee73b1d",
				Start: ts("2025-12-15T05:09:21.261Z"), End: ts("2025-12-15T05:09:21.368Z"),
				DurationUS: 106580, BilledDurationMS: 607, MemorySizeMB: 512, MaxMemoryUsedMB: 83, InitDurationUS: 500390, ColdStart: true},
			{Function: fn, RequestID: "4a258780-4764-4a56-ae5e-c9a638f9d52f",
				Start: ts("2025-12-15T05:09:34.7538Z"), End: ts("2025-12-15T05:09:34.777Z"),
				DurationUS: 23200, BilledDurationMS: 24, MemorySizeMB: 512, MaxMemoryUsedMB: 83},
		}},
		{file: "blog.log", format: FormatText, lines: 2, want: []Invocation{
			{Function: fn, RequestID: "xxxxx", DurationUS: 250060, BilledDurationMS: 251, MemorySizeMB: 1024, MaxMemoryUsedMB: 350, InitDurationUS: 100770, ColdStart: true},
			{Function: fn, RequestID: "xxxxx", DurationUS: 250060, BilledDurationMS: 351, MemorySizeMB: 1024, MaxMemoryUsedMB: 350, InitDurationUS: 100770, ColdStart: true},
		}},
		{file: "oom.log", format: FormatText, lines: 1, want: []Invocation{
			{Function: fn, RequestID: "806ab12b-e660-4a4a-8d9a-eee01e457f98", DurationUS: 376256590, BilledDurationMS: 376257,
				MemorySizeMB: 10239, MaxMemoryUsedMB: 10239, InitDurationUS: 551730, ColdStart: true, Status: StatusOOM, ErrorType: "Runtime.OutOfMemory"},
		}},
		{file: "xray-inline.log", format: FormatText, lines: 1, want: []Invocation{
			{Function: fn, RequestID: "c793869b-ee49-115b-a5b6-4fd21e8dedac", DurationUS: 128830, BilledDurationMS: 200,
				MemorySizeMB: 128, MaxMemoryUsedMB: 74, InitDurationUS: 166620, ColdStart: true},
		}},
		{file: "xray-line.log", format: FormatText, lines: 2, want: []Invocation{
			{Function: fn, RequestID: "b92a770e-7c92-4a13-84e3-613428ff991f", DurationUS: 3100, BilledDurationMS: 546,
				MemorySizeMB: 2048, MaxMemoryUsedMB: 95, InitDurationUS: 542010, ColdStart: true},
		}},
		{file: "timeout.log", format: FormatText, lines: 1, want: []Invocation{
			{Function: fn, RequestID: "d602a1ed-503f-4ff7-9639-650e773dbbee", DurationUS: 600000000, BilledDurationMS: 600477,
				MemorySizeMB: 1536, MaxMemoryUsedMB: 1035, InitDurationUS: 476750, ColdStart: true, Status: StatusTimeout},
		}},
		{file: "suppressed-init.log", format: FormatText, lines: 2, want: []Invocation{
			{Function: fn, RequestID: "25a27ba9-e9af-489b-af00-005778ebb745", DurationUS: 97300, BilledDurationMS: 98,
				MemorySizeMB: 1024, MaxMemoryUsedMB: 43, Status: StatusInitError, ErrorType: "Runtime.ImportModuleError"},
		}},
		{file: "snapstart.log", format: FormatText, lines: 5, want: []Invocation{
			{Function: fn, Version: "1", RequestID: "24addd09-6e64-49fb-b187-94ba9b60b59a", DurationUS: 127100, BilledDurationMS: 154,
				MemorySizeMB: 2048, MaxMemoryUsedMB: 212, RestoreDurationUS: 325930, BilledRestoreMS: 26, ColdStart: true},
		}},
		{file: "fault.log", format: FormatText, lines: 2},
		{file: "timed-out.log", format: FormatText, lines: 1},
		{file: "jsonlog-cold-warm.json", format: FormatJSONLog, lines: 5, fnSource: FunctionFromRecord,
			deploys: nil, want: []Invocation{
				{Function: "tenner-notifier", Version: "$LATEST", EnvID: "22be53a8cfde4e68b844f8ec293b2543", RequestID: "79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36",
					Start: ts("2026-10-08T07:30:28.235Z"), End: ts("2026-10-08T07:30:29.470Z"),
					DurationUS: 1233960, BilledDurationMS: 1698, MemorySizeMB: 256, MaxMemoryUsedMB: 123, InitDurationUS: 463512, ColdStart: true},
				{Function: "tenner-notifier", Version: "$LATEST", EnvID: "22be53a8cfde4e68b844f8ec293b2543", RequestID: "f0c9f58b-8ebe-4e84-a656-95eb6eee865a",
					Start: ts("2026-10-08T07:30:41.076855Z"), End: ts("2026-10-08T07:30:42.149Z"),
					DurationUS: 1072145, BilledDurationMS: 1073, MemorySizeMB: 256, MaxMemoryUsedMB: 125},
			}},
		{file: "jsonlog-timeout.json", format: FormatJSONLog, lines: 2, want: []Invocation{
			{Function: fn, RequestID: "aec7a529-47f9-4090-be01-c9ed91bf83cf", Start: ts("2026-07-09T06:05:45.581Z"), End: ts("2026-07-09T06:05:50.581Z"),
				DurationUS: 5000000, BilledDurationMS: 5000, MemorySizeMB: 128, MaxMemoryUsedMB: 94, Status: StatusTimeout},
		}},
		{file: "jsonlog-2024.json", format: FormatJSONLog, lines: 2, want: []Invocation{
			{Function: fn, RequestID: "4b142fc3-17b8-4cdb-a46b-a8dbe7918715", Start: ts("2024-05-20T16:29:45.010358Z"), End: ts("2024-05-20T16:29:45.022Z"),
				DurationUS: 11642, BilledDurationMS: 12, MemorySizeMB: 128, MaxMemoryUsedMB: 67, InitDurationUS: 174055, ColdStart: true},
		}},
		{file: "telemetry-rust.json", format: FormatJSONLog, lines: 8, want: []Invocation{rustReport}},
		{file: "telemetry-rust-batch.json", format: FormatTelemetryAPI, lines: 8, want: []Invocation{rustReport}},
		{file: "logs-dropped.json", format: FormatJSONLog, lines: 1, dropped: 123},
		{file: "awslogs-envelope.json", format: FormatSubscription, lines: 2},
		{file: "subscription.json", format: FormatSubscription, lines: 2},
		{file: "log-event.json", format: FormatLogEvents, lines: 1, want: []Invocation{
			{Function: fn, Version: "$LATEST", EnvID: "c3ad5cef73594c73806b88d5d3939a98", RequestID: "69594c41-8463-4f69-b9b4-ff6c49813475",
				Start: ts("2019-06-19T12:45:35.53566Z"), End: ts("2019-06-19T12:45:35.625Z"),
				DurationUS: 89340, BilledDurationMS: 100, MemorySizeMB: 128, MaxMemoryUsedMB: 111},
		}},
		{file: "insights-row.json", format: FormatInsights, lines: 1, want: []Invocation{
			{Function: fn, RequestID: "76269889-7d50-4d6d-a3f1-9b4f5322f47c", DurationUS: 14970, BilledDurationMS: 15, MemorySizeMB: 128, MaxMemoryUsedMB: 67},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "samples", tt.file)
			var c Collector
			sum, err := DecodeFile(context.Background(), path, Options{Function: fn, Now: testNow}, &c)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Format != tt.format {
				t.Errorf("format %v, want %v", sum.Format, tt.format)
			}
			if len(c.Rejected) > 0 {
				t.Errorf("rejected: %+v", c.Rejected)
			}
			checkInvocations(t, c.Invocations, tt.want)
			var deps []string
			for _, d := range c.Deploys {
				deps = append(deps, fmtDeploy(d))
			}
			if strings.Join(deps, "\n") != strings.Join(tt.deploys, "\n") {
				t.Errorf("deploys:\n%s\nwant\n%s", strings.Join(deps, "\n"), strings.Join(tt.deploys, "\n"))
			}
			if sum.DroppedRecords != tt.dropped {
				t.Errorf("dropped %d, want %d", sum.DroppedRecords, tt.dropped)
			}
			wantSrc := tt.fnSource
			if wantSrc == "" {
				wantSrc = FunctionFromFlag
			}
			if sum.FunctionSource != wantSrc {
				t.Errorf("function source %q, want %q", sum.FunctionSource, wantSrc)
			}
			if sum.Lines != tt.lines {
				t.Errorf("lines %d, want %d", sum.Lines, tt.lines)
			}
			if sum.Invocations != int64(len(tt.want)) {
				t.Errorf("summary counts %d invocations, want %d", sum.Invocations, len(tt.want))
			}
		})
	}
}

var rustReport = Invocation{Function: "fn", Version: "$LATEST", RequestID: "459921b5-681c-4a96-beb0-81e0aa586026",
	Start: ts("2022-10-21T14:05:03.165Z"), End: ts("2022-10-21T14:05:05.766Z"),
	DurationUS: 2599400, BilledDurationMS: 2600, MemorySizeMB: 128, MaxMemoryUsedMB: 94, InitDurationUS: 549040, ColdStart: true}

// TestSamplesCovered checks that testdata/samples still holds every line
// of the reference samples file, which lives in shared/ beside the
// repository.
func TestSamplesCovered(t *testing.T) {
	ref, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "reference", "telemetry-samples.txt"))
	if err != nil {
		t.Skipf("reference samples not beside the repository: %v", err)
	}
	var all strings.Builder
	files, _ := filepath.Glob(filepath.Join("testdata", "samples", "*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	for _, line := range strings.Split(string(ref), "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !strings.Contains(all.String(), line) {
			t.Errorf("sample line not in testdata/samples: %.80q", line)
		}
	}
}
