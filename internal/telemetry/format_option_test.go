package telemetry

import (
	"context"
	"io"
	"testing"
	"time"
)

// chanSink reports each invocation on a channel.
type chanSink struct{ ch chan string }

func (s chanSink) Invocation(inv *Invocation) error { s.ch <- inv.RequestID; return nil }
func (s chanSink) Metric(*Metric) error             { return nil }
func (s chanSink) Deploy(*Deploy) error             { return nil }
func (s chanSink) Reject(Rejected)                  {}

// With Options.Format, Decode does not wait for PeekSize bytes: a line
// written to a pipe that stays open is decoded at once.
func TestDecodeWithFormatDoesNotWaitForPeek(t *testing.T) {
	pr, pw := io.Pipe()
	sink := chanSink{ch: make(chan string, 1)}
	done := make(chan error, 1)
	go func() {
		_, err := Decode(context.Background(), pr, Options{Function: "orders", Format: FormatText}, sink)
		done <- err
	}()
	io.WriteString(pw, "2026-03-01T10:00:00.000000+00:00 2026/03/01/[$LATEST]abc REPORT RequestId: r1\tDuration: 5.00 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\n")
	select {
	case id := <-sink.ch:
		if id != "r1" {
			t.Fatalf("request id %q", id)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the line was not decoded while the pipe stayed open")
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestHeadAndIsTelemetry(t *testing.T) {
	b, err := Head("testdata/nonexistent")
	if err == nil || b != nil {
		t.Fatalf("Head of a missing file: %v %v", b, err)
	}
	if IsTelemetry([]byte(`{"name":"x"}` + "\n")) {
		t.Fatal("a JSON document that is no log record counted as telemetry")
	}
	if !IsTelemetry([]byte(`{"time":"2026-03-01T10:00:00Z","type":"platform.start","record":{}}` + "\n")) {
		t.Fatal("a platform event not counted as telemetry")
	}
}
