package telemetry

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// countSink counts records and keeps nothing, so benchmarks measure the
// decoder alone.
type countSink struct{ inv, met, dep, rej int }

func (s *countSink) Invocation(*Invocation) error { s.inv++; return nil }
func (s *countSink) Metric(*Metric) error         { s.met++; return nil }
func (s *countSink) Deploy(*Deploy) error         { s.dep++; return nil }
func (s *countSink) Reject(Rejected)              { s.rej++ }

func uuid(r *rand.Rand, dst []byte) []byte {
	const hex = "0123456789abcdef"
	for i := range 36 {
		switch i {
		case 8, 13, 18, 23:
			dst = append(dst, '-')
		default:
			dst = append(dst, hex[r.IntN(16)])
		}
	}
	return dst
}

// writeTextLog writes about n lines of `aws logs tail` output as a busy
// function makes it: per invocation START, one or two application lines,
// END and REPORT (cold starts with INIT_START and Init Duration, some with
// an XRAY line, a few timeouts and errors), over 32 log streams. It
// returns the number of lines and of REPORT lines written.
func writeTextLog(w io.Writer, n int) (lines, reports int) {
	bw := bufio.NewWriterSize(w, 1<<16)
	r := rand.New(rand.NewPCG(1, 2))
	var streams []string
	for i := range 32 {
		ver := "$LATEST"
		if i%4 != 0 {
			ver = fmt.Sprint(10 + i%3)
		}
		env := uuid(r, nil)
		env = bytes.ReplaceAll(env, []byte("-"), nil)
		streams = append(streams, "2026/03/01/["+ver+"]"+string(env))
	}
	t := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var line, id []byte
	emit := func(stream string, at time.Time, msg ...[]byte) {
		line = at.AppendFormat(line[:0], "2006-01-02T15:04:05.000000-07:00")
		line = append(line, ' ')
		line = append(line, stream...)
		line = append(line, ' ')
		for _, m := range msg {
			line = append(line, m...)
		}
		line = append(line, '\n')
		bw.Write(line)
		lines++
	}
	var inv Invocation
	var rep []byte
	for lines < n {
		stream := streams[r.IntN(len(streams))]
		id = uuid(r, id[:0])
		t = t.Add(time.Duration(r.IntN(5000)) * time.Microsecond)
		cold := r.IntN(50) == 0
		if cold {
			emit(stream, t, []byte("INIT_START Runtime Version: nodejs:22.mainline.v122\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:775dab0d220a0b97f3ec34fe1692d7a07b5d13049153b00f03204c9543bd69e4"))
		}
		emit(stream, t, []byte("START RequestId: "), id, []byte(" Version: $LATEST"))
		for range 1 + r.IntN(2) {
			emit(stream, t, t.AppendFormat(nil, "2006-01-02T15:04:05.000Z"), []byte("\t"), id, []byte("\tINFO\tprocessed order batch size=25 status=ok"))
		}
		dur := int64(1000 + r.IntN(400000))
		end := t.Add(time.Duration(dur) * time.Microsecond)
		emit(stream, end, []byte("END RequestId: "), id)
		inv = Invocation{RequestID: string(id), DurationUS: dur / 10 * 10, BilledDurationMS: (dur + 999) / 1000,
			MemorySizeMB: 512, MaxMemoryUsedMB: int32(80 + r.IntN(100))}
		if cold {
			inv.InitDurationUS = int64(100000 + r.IntN(500000))
		}
		switch r.IntN(200) {
		case 0:
			inv.Status = StatusTimeout
		case 1:
			inv.Status, inv.ErrorType = StatusError, "Runtime.ExitError"
		}
		rep = AppendReportLine(rep[:0], &inv)
		emit(stream, end, rep)
		reports++
		if r.IntN(10) == 0 {
			emit(stream, end, []byte("XRAY TraceId: 1-6a507b87-0cc4438344b48ef127ab1931\tSegmentId: d0025b207c551fde\tSampled: true\t"))
		}
	}
	bw.Flush()
	return lines, reports
}

var benchText struct {
	once           sync.Once
	data           []byte
	lines, reports int
	path           string
	wc, wcCPU      time.Duration
}

// cpuTime is the CPU time this process has used, user and system. Beside
// wall time it is the fairer measure on a shared machine: other processes
// slow the wall clock, not the work done.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDecodeReport decodes about a million lines of text logs (see
// writeTextLog). It writes the same file to the temp dir and times
// `wc -l` over it once, so the report can set the decoder's speed beside
// the fastest a line can be found.
func BenchmarkDecodeReport(b *testing.B) {
	bt := &benchText
	bt.once.Do(func() {
		var buf bytes.Buffer
		bt.lines, bt.reports = writeTextLog(&buf, 1_000_000)
		bt.data = buf.Bytes()
		bt.path = os.TempDir() + "/fnops-telemetry-bench.log"
		if err := os.WriteFile(bt.path, bt.data, 0o644); err == nil {
			if _, err := exec.LookPath("wc"); err == nil {
				exec.Command("wc", "-l", bt.path).Run() // warm the page cache
				best, bestCPU := time.Duration(1<<62), time.Duration(1<<62)
				for range 3 {
					cmd := exec.Command("wc", "-l", bt.path)
					start := time.Now()
					if cmd.Run() == nil {
						best = min(best, time.Since(start))
						bestCPU = min(bestCPU, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
					}
				}
				bt.wc, bt.wcCPU = best, bestCPU
			}
		}
	})
	b.SetBytes(int64(len(bt.data)))
	b.ReportAllocs()
	var sink countSink
	ctx := context.Background()
	opts := Options{Function: "orders-api", Now: testNow}
	cpu0 := cpuTime()
	for b.Loop() {
		sink = countSink{}
		sum, err := Decode(ctx, bytes.NewReader(bt.data), opts, &sink)
		if err != nil || sink.inv != bt.reports || sink.rej != 0 {
			b.Fatalf("err %v, %d invocations of %d, %d rejected %v", err, sink.inv, bt.reports, sink.rej, sum.Rejected)
		}
	}
	cpu := (cpuTime() - cpu0).Seconds() / float64(b.N)
	per := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(bt.lines)/per, "lines/s")
	b.ReportMetric(float64(bt.reports)/per, "reports/s")
	b.ReportMetric(float64(bt.reports)/cpu, "reports/cpu-s")
	if bt.wc > 0 {
		b.ReportMetric(float64(bt.lines)/bt.wc.Seconds(), "wc-l-lines/s")
		b.ReportMetric(float64(bt.lines)/bt.wcCPU.Seconds(), "wc-l-lines/cpu-s")
	}
}

// BenchmarkDecodeJSONLog decodes JSON log format lines (platform.start,
// an application record, platform.runtimeDone, platform.report per
// invocation).
func BenchmarkDecodeJSONLog(b *testing.B) {
	var buf bytes.Buffer
	reports := 0
	for i := 0; buf.Len() < 16<<20; i++ {
		id := fmt.Sprintf("%08x-9cdd-4145-b1f6-7c50ef8a2a36", i)
		fmt.Fprintf(&buf, `{"time":"2026-10-08T07:30:28.235Z","type":"platform.start","record":{"requestId":"%s","functionArn":"arn:aws:lambda:eu-central-1:825765399535:function:tenner-notifier","version":"$LATEST"}}`+"\n", id)
		fmt.Fprintf(&buf, `{"timestamp":"2026-10-08T07:30:29.443Z","level":"INFO","requestId":"%s","message":"processed"}`+"\n", id)
		fmt.Fprintf(&buf, `{"time":"2026-10-08T07:30:29.460Z","type":"platform.runtimeDone","record":{"requestId":"%s","status":"success","metrics":{"durationMs":1233.96,"producedBytes":40}}}`+"\n", id)
		fmt.Fprintf(&buf, `{"time":"2026-10-08T07:30:29.470Z","type":"platform.report","record":{"requestId":"%s","metrics":{"durationMs":1233.96,"billedDurationMs":1234,"memorySizeMB":256,"maxMemoryUsedMB":123},"status":"success"}}`+"\n", id)
		reports++
	}
	benchDecode(b, buf.Bytes(), reports)
}

// BenchmarkDecodeSubscription decodes Firehose-style concatenated gzip
// subscription payloads of text lines.
func BenchmarkDecodeSubscription(b *testing.B) {
	var text bytes.Buffer
	writeTextLog(&text, 200_000)
	var out bytes.Buffer
	reports := 0
	var events []string
	sc := bufio.NewScanner(&text)
	flush := func() {
		if len(events) > 0 {
			out.Write(gz(b, subscriptionJSON("/aws/lambda/orders-api", "2026/03/01/[$LATEST]aa01846ebbac447abcf20f17cb27c146", events...)))
			events = events[:0]
		}
	}
	for sc.Scan() {
		_, rest := cutToken(sc.Bytes())
		_, msg := cutToken(rest)
		if hasPrefix(msg, "REPORT") {
			reports++
		}
		events = append(events, string(msg))
		if len(events) == 500 {
			flush()
		}
	}
	flush()
	benchDecode(b, out.Bytes(), reports)
}

func benchDecode(b *testing.B, data []byte, reports int) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var sink countSink
	opts := Options{Function: "f", Now: testNow}
	cpu0 := cpuTime()
	for b.Loop() {
		sink = countSink{}
		sum, err := Decode(context.Background(), bytes.NewReader(data), opts, &sink)
		if err != nil || sink.inv != reports || sink.rej != 0 {
			b.Fatalf("err %v, %d invocations of %d, %v", err, sink.inv, reports, sum.Rejected)
		}
	}
	b.ReportMetric(float64(reports)/(b.Elapsed().Seconds()/float64(b.N)), "reports/s")
	b.ReportMetric(float64(reports)/((cpuTime()-cpu0).Seconds()/float64(b.N)), "reports/cpu-s")
}

// BenchmarkDecodeReportOnly decodes nothing but REPORT lines, as a
// CloudWatch export with a leading timestamp has them: the REPORT parser
// alone.
func BenchmarkDecodeReportOnly(b *testing.B) {
	var buf bytes.Buffer
	r := rand.New(rand.NewPCG(3, 4))
	var id, line []byte
	t := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	n := 0
	for ; n < 500_000; n++ {
		id = uuid(r, id[:0])
		t = t.Add(time.Millisecond)
		dur := int64(1000 + r.IntN(400000))
		inv := Invocation{RequestID: string(id), DurationUS: dur / 10 * 10, BilledDurationMS: (dur + 999) / 1000,
			MemorySizeMB: 1024, MaxMemoryUsedMB: int32(80 + r.IntN(100))}
		if n%50 == 0 {
			inv.InitDurationUS = 250130
		}
		line = t.AppendFormat(line[:0], "2006-01-02T15:04:05.000Z ")
		line = AppendReportLine(line, &inv)
		buf.Write(append(line, '\n'))
	}
	benchDecode(b, buf.Bytes(), n)
}

// BenchmarkDecodeLogEvents decodes `aws logs filter-log-events` output of
// text lines.
func BenchmarkDecodeLogEvents(b *testing.B) {
	var text bytes.Buffer
	writeTextLog(&text, 200_000)
	var out bytes.Buffer
	out.WriteString("{\n    \"events\": [\n")
	reports := 0
	sc := bufio.NewScanner(&text)
	first := true
	for sc.Scan() {
		_, rest := cutToken(sc.Bytes())
		stream, msg := cutToken(rest)
		if hasPrefix(msg, "REPORT") {
			reports++
		}
		if !first {
			out.WriteString(",\n")
		}
		first = false
		fmt.Fprintf(&out, `        {"logStreamName": %q, "timestamp": 1772366400000, "message": %q, "ingestionTime": 1772366400100, "eventId": "3881024"}`, stream, string(msg)+"\n")
	}
	out.WriteString("\n    ],\n    \"searchedLogStreams\": []\n}\n")
	benchDecode(b, out.Bytes(), reports)
}
