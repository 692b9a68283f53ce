package telemetry

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

func reportLine(id string) string {
	return "REPORT RequestId: " + id + "\tDuration: 10.00 ms\tBilled Duration: 10 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\t"
}

func TestBadTextInput(t *testing.T) {
	lines := []string{
		reportLine(reqA),                    // 1 good
		strings.Repeat("x", 2*MaxLineBytes), // 2 too long
		"REPORT RequestId: r3\tDuration: -5.00 ms\tBilled Duration: 10 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB",          // 3
		"REPORT RequestId: r4\tDuration: 5.00 ms\tBilled Duration: 10 ms\tMemory Size: 99999999999 MB\tMax Memory Used: 20 MB",   // 4
		"REPORT RequestId: r\xff5\tDuration: 5.00 ms\tBilled Duration: 10 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB",       // 5
		"2099-01-01T00:00:00.000Z " + reportLine("r6"),                                                                           // 6
		`{"time":"2026-01-01T00:00:00.000Z","type":"platform.bogus","record":{}}`,                                                // 7
		`{"time":"2026-01-01T00:00:00.000Z","type":"platform.report","record":{`,                                                 // 8
		"REPORT RequestId: r9\tBilled Duration: 10 ms",                                                                           // 9
		"REPORT RequestId: r10\tDuration: 1x.00 ms\tBilled Duration: 10 ms",                                                      // 10
		`{"time":"yesterday","type":"platform.report","record":{"requestId":"r","metrics":{"durationMs":1}}}`,                    // 11
		`{"time":"2026-01-01T00:00:00.000Z","type":"platform.report","record":{"requestId":"r","metrics":{"durationMs":1e999}}}`, // 12
		"{'python': 'dict', 'not': 'json'}",                                                                                      // 13: a function's own text, not a reject
		reportLine(reqB),                                                                                                         // 14 good
	}
	c, sum := decodeString(t, strings.Join(lines, "\n")+"\n", Options{Path: "bad.log"})
	if len(c.Invocations) != 2 || c.Invocations[1].RequestID != reqB {
		t.Errorf("invocations: %v", c.Invocations)
	}
	checkStrings(t, "rejects", rejects(c), []string{
		"bad.log:2 line-too-long",
		"bad.log:3 out-of-range",
		"bad.log:4 out-of-range",
		"bad.log:5 invalid-utf8",
		"bad.log:6 future-timestamp",
		"bad.log:7 unknown-type",
		"bad.log:8 bad-json",
		"bad.log:9 bad-record",
		"bad.log:10 bad-record",
		"bad.log:11 bad-timestamp",
		"bad.log:12 out-of-range",
	})
	if sum.Lines != 14 || sum.RejectedTotal() != 11 || sum.Rejected[ReasonOutOfRange] != 3 {
		t.Errorf("summary %+v", sum)
	}
}

func TestTruncatedGzip(t *testing.T) {
	var b strings.Builder
	for range 20000 {
		b.WriteString(reportLine(reqA) + "\n")
	}
	full := gz(t, b.String())
	for _, cut := range []int{5, len(full) / 2, len(full) - 4} {
		c, sum := decodeBytes(t, full[:cut], Options{Path: "x.log.gz"})
		if len(c.Rejected) != 1 || c.Rejected[0].Reason != ReasonTruncated {
			t.Errorf("cut %d: rejects %v", cut, rejects(c))
		}
		// Every invocation that came through is whole.
		for _, inv := range c.Invocations {
			if inv.MaxMemoryUsedMB != 20 || inv.DurationUS != 10000 {
				t.Fatalf("cut %d: partial record %s", cut, fmtInv(inv))
			}
		}
		if cut > len(full)/2-1 && sum.Invocations < 1000 {
			t.Errorf("cut %d: only %d invocations", cut, sum.Invocations)
		}
	}
	// Corrupt data in the middle.
	bad := bytes.Clone(full)
	for i := len(bad) / 2; i < len(bad)/2+64; i++ {
		bad[i] ^= 0x5a
	}
	// Deflate has no checksum before a member's end, so the garbage
	// inflated before the error is read as lines (and rejected or not, like
	// any text); the error itself ends the input and is rejected last.
	c, _ := decodeBytes(t, bad, Options{Path: "x.log.gz"})
	if n := len(c.Rejected); n == 0 || (c.Rejected[n-1].Reason != ReasonBadGzip && c.Rejected[n-1].Reason != ReasonTruncated) {
		t.Errorf("corrupt: rejects %v", rejects(c))
	}
}

func TestBrokenJSONDocuments(t *testing.T) {
	// filter-log-events cut off after its first event: the event is kept.
	in := `{"events":[{"logStreamName":"2026/03/01/[$LATEST]ab","timestamp":1772366400000,"message":"` + reportLine(reqA) + `"},{"logStreamName":"2026/03/01/[$LATEST]ab","timestamp":17723`
	c, _ := decodeBytes(t, []byte(strings.ReplaceAll(in, "\t", `\t`)), Options{Path: "e.json"})
	if len(c.Invocations) != 1 || len(c.Rejected) != 1 || c.Rejected[0].Reason != ReasonTruncated {
		t.Errorf("truncated: %d invocations, rejects %v", len(c.Invocations), rejects(c))
	}
	// A syntax error: rejected with its byte offset.
	in = `{"events":[{"logStreamName":"s","timestamp":1772366400000,"message":"x"},{"logStreamName": nope}]}`
	c, _ = decodeBytes(t, []byte(in), Options{Path: "e.json"})
	if len(c.Rejected) != 1 || c.Rejected[0].Reason != ReasonBadJSON || c.Rejected[0].Offset == 0 || c.Rejected[0].Line != 0 {
		t.Errorf("syntax: rejects %+v", c.Rejected)
	}
	// A value of the wrong type is skipped, the next event is read.
	in = `{"events":[{"logStreamName":7,"timestamp":1772366400000,"message":"x"},{"timestamp":1772366400000,"message":"` + strings.ReplaceAll(reportLine(reqA), "\t", `\t`) + `"}]}`
	c, _ = decodeBytes(t, []byte(in), Options{Path: "e.json"})
	if len(c.Rejected) != 1 || c.Rejected[0].Reason != ReasonBadJSON || len(c.Invocations) != 1 {
		t.Errorf("type: rejects %+v, %d invocations", c.Rejected, len(c.Invocations))
	}
	// Subscription: unknown message type; future timestamp.
	in = `{"messageType":"NEW_MESSAGE","logGroup":"/aws/lambda/x","logStream":"s","logEvents":[]}` +
		subscriptionJSON("/aws/lambda/x", "s", reportLine(reqA)) +
		strings.Replace(subscriptionJSON("/aws/lambda/x", "s", reportLine(reqB)), "1772366400000", "4102444800000", 1)
	c, _ = decodeBytes(t, []byte(in), Options{})
	checkStrings(t, "subscription rejects", []string{c.Rejected[0].Reason, c.Rejected[1].Reason}, []string{ReasonUnknownType, ReasonFutureTime})
	if len(c.Invocations) != 1 {
		t.Errorf("subscription: %d invocations", len(c.Invocations))
	}
}

type failingSink struct{ Collector }

var errSink = errors.New("sink full")

func (f *failingSink) Invocation(*Invocation) error { return errSink }

func TestSinkErrorStops(t *testing.T) {
	var s failingSink
	_, err := Decode(context.Background(), strings.NewReader(reportLine(reqA)+"\n"+reportLine(reqB)+"\n"), Options{}, &s)
	if !errors.Is(err, errSink) {
		t.Errorf("err = %v", err)
	}
}

func TestContextCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var b strings.Builder
	for range 10000 {
		b.WriteString(reportLine(reqA) + "\n")
	}
	var c Collector
	_, err := Decode(ctx, strings.NewReader(b.String()), Options{}, &c)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

func TestValueSplitter(t *testing.T) {
	vals := []string{`{"a":"x\"}\\","b":[1,{"c":"\\\\"}]}`, `[{"d":"]}\\\\\""}]`, `{"e":"` + strings.Repeat(`\\`, 33) + `\""}`}
	in := "  " + vals[0] + vals[1] + "\n junk " + vals[2] + ` {"cut":"`
	for _, size := range []int{16, 17, 19, 4096} {
		sp := valueSplitter{br: bufio.NewReaderSize(strings.NewReader(in), size)}
		var got []string
		var skipped int
		for {
			v, tooLong, sk, err := sp.next()
			skipped += sk
			if err != nil {
				if err != io.ErrUnexpectedEOF {
					t.Errorf("size %d: end %v, want unexpected EOF", size, err)
				}
				break
			}
			if tooLong {
				t.Fatal("too long")
			}
			got = append(got, string(v))
		}
		checkStrings(t, fmt.Sprint("values, buffer ", size), got, vals)
		if skipped != 4 {
			t.Errorf("size %d: skipped %d, want 4", size, skipped)
		}
	}
}

func TestSubscriptionResync(t *testing.T) {
	in := `{"messageType":"DATA_MESSAGE","logEvents":[{"timestamp":1,"message":"x"},]}` +
		subscriptionJSON("/aws/lambda/x", "2026/03/01/[$LATEST]ab", reportLine(reqA))
	c, _ := decodeBytes(t, []byte(in), Options{})
	if len(c.Invocations) != 1 || len(c.Rejected) != 1 || c.Rejected[0].Reason != ReasonBadJSON {
		t.Errorf("%d invocations, rejects %v", len(c.Invocations), rejects(c))
	}
}

// TestTruncatedEveryFormat cuts a gzip file of each JSON format in the
// middle: what was whole is kept, the cut is rejected once, and there is
// no error.
func TestTruncatedEveryFormat(t *testing.T) {
	var sub strings.Builder
	for i := range 200 {
		sub.WriteString(subscriptionJSON("/aws/lambda/x", "2026/03/01/[$LATEST]ab", reportLine(fmt.Sprintf("r%d", i))))
	}
	var events strings.Builder
	events.WriteString(`{"events":[`)
	for i := range 2000 {
		if i > 0 {
			events.WriteString(",")
		}
		fmt.Fprintf(&events, `{"logStreamName":"s","timestamp":1772366400000,"message":%q}`, reportLine(fmt.Sprintf("r%d", i)))
	}
	events.WriteString(`]}`)
	for name, doc := range map[string]string{"subscription": sub.String(), "log-events": events.String()} {
		full := gz(t, doc)
		c, _ := decodeBytes(t, full[:len(full)/2], Options{Path: name + ".gz"})
		if len(c.Invocations) == 0 || len(c.Rejected) != 1 || c.Rejected[0].Reason != ReasonTruncated {
			t.Errorf("%s: %d invocations, rejects %v", name, len(c.Invocations), rejects(c))
		}
		c, _ = decodeBytes(t, []byte(doc[:len(doc)/2]), Options{Path: name})
		if len(c.Invocations) == 0 || len(c.Rejected) != 1 || c.Rejected[0].Reason != ReasonTruncated {
			t.Errorf("%s plain: %d invocations, rejects %v", name, len(c.Invocations), rejects(c))
		}
	}
}
