package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// WriterSink writes each notification as text to a writer (stdout):
//
//	2026-03-01T10:04:00Z OPEN critical runaway-loop orders-api: ...
//	    details, indented
type WriterSink struct {
	name string
	mu   sync.Mutex
	w    io.Writer
}

// NewWriterSink returns a text sink named name writing to w.
func NewWriterSink(name string, w io.Writer) *WriterSink { return &WriterSink{name: name, w: w} }

// Name implements Sink.
func (s *WriterSink) Name() string { return s.name }

// Send implements Sink.
func (s *WriterSink) Send(_ context.Context, n Notification) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s %s %s", n.At.UTC().Format(time.RFC3339), n.verb(), n.Alert.Severity, n.Alert.Kind, n.Alert.Resource)
	if n.PreviousSeverity != "" {
		fmt.Fprintf(&b, " (was %s)", n.PreviousSeverity)
	}
	if n.Alert.Title != "" {
		fmt.Fprintf(&b, ": %s", n.Alert.Title)
	}
	b.WriteByte('\n')
	if n.Event != EventResolve && n.Alert.Details != "" {
		for line := range strings.SplitSeq(strings.TrimRight(n.Alert.Details, "\n"), "\n") {
			b.WriteString("    ")
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := io.WriteString(s.w, b.String()); err != nil {
		return &SendError{Err: err}
	}
	return nil
}

// JSONWriterSink writes each notification's JSON, one per line, to a
// writer (stdout with --format json).
type JSONWriterSink struct {
	name string
	mu   sync.Mutex
	w    io.Writer
}

// NewJSONWriterSink returns a JSON-lines sink named name writing to w.
func NewJSONWriterSink(name string, w io.Writer) *JSONWriterSink {
	return &JSONWriterSink{name: name, w: w}
}

// Name implements Sink.
func (s *JSONWriterSink) Name() string { return s.name }

// Send implements Sink.
func (s *JSONWriterSink) Send(_ context.Context, n Notification) error {
	line, err := jsonLine(n)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.w.Write(line); err != nil {
		return &SendError{Err: err}
	}
	return nil
}

// FileSink appends each notification's JSON, one per line, to a file.
type FileSink struct {
	name string
	path string
	mu   sync.Mutex
}

// NewFileSink returns a JSON-lines sink appending to path (its directory
// is created on first write).
func NewFileSink(name, path string) *FileSink { return &FileSink{name: name, path: path} }

// Name implements Sink.
func (s *FileSink) Name() string { return s.name }

// Send implements Sink. The file is opened for each line, so it can be
// rotated under it; a write error is retried.
func (s *FileSink) Send(_ context.Context, n Notification) error {
	line, err := jsonLine(n)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
		return &SendError{Retryable: true, Err: err}
	}
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return &SendError{Retryable: true, Err: err}
	}
	_, werr := f.Write(line)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return &SendError{Retryable: true, Err: werr}
	}
	return nil
}

// jsonLine is n's JSON and a newline.
func jsonLine(n Notification) ([]byte, error) {
	line, err := json.Marshal(n)
	if err != nil {
		return nil, &SendError{Err: fmt.Errorf("encode notification: %w", err)}
	}
	return append(line, '\n'), nil
}
