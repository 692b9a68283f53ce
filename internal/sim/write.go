package sim

import (
	"bufio"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// logWriter writes one function's log lines as `aws logs tail` prints them
// (`<time with µs and offset> <log stream> <message>`), one file a day under
// logs/aws/lambda/<function>/, the layout log exports use, so ingest takes
// the function name from the path.
type logWriter struct {
	cfg  *Config
	name string
	day  string
	f    *os.File
	gz   *gzip.Writer
	w    *bufio.Writer
	buf  []byte
	err  error
}

func newLogWriter(cfg *Config, name string) *logWriter {
	return &logWriter{cfg: cfg, name: name, buf: make([]byte, 0, 1024)}
}

func (l *logWriter) open(t time.Time) {
	day := t.Format("2006-01-02")
	if day == l.day || l.err != nil {
		return
	}
	l.close()
	l.err = nil
	l.day = day
	dir := filepath.Join(l.cfg.Out, "logs", "aws", "lambda", l.name)
	if l.err = os.MkdirAll(dir, 0o755); l.err != nil {
		return
	}
	path := filepath.Join(dir, day+".log")
	if l.cfg.Gzip {
		path += ".gz"
	}
	if l.f, l.err = os.Create(path); l.err != nil {
		return
	}
	var w io.Writer = l.f
	if l.cfg.Gzip {
		l.gz, _ = gzip.NewWriterLevel(l.f, gzip.BestSpeed)
		w = l.gz
	}
	l.w = bufio.NewWriterSize(w, 256<<10)
}

// close flushes and closes the current file, returning the first error
// met while writing it.
func (l *logWriter) close() error {
	if l.f == nil {
		return l.err
	}
	if err := l.w.Flush(); err != nil && l.err == nil {
		l.err = err
	}
	if l.gz != nil {
		if err := l.gz.Close(); err != nil && l.err == nil {
			l.err = err
		}
		l.gz = nil
	}
	if err := l.f.Close(); err != nil && l.err == nil {
		l.err = err
	}
	l.f = nil
	l.day = ""
	return l.err
}

// appendTail appends the `aws logs tail` prefix: ISO time with
// microseconds and a +00:00 offset, then the stream.
func appendTail(b []byte, t time.Time, stream string) []byte {
	b = t.UTC().AppendFormat(b, "2006-01-02T15:04:05.000000")
	b = append(b, "+00:00 "...)
	b = append(b, stream...)
	return append(b, ' ')
}

// appendMS appends a 10 µs count as milliseconds with two decimals, the
// way REPORT prints durations.
func appendMS(b []byte, v10 int64) []byte {
	b = strconv.AppendInt(b, v10/100, 10)
	b = append(b, '.')
	frac := v10 % 100
	if frac < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, frac, 10)
}

var runtimeARNHash = "d1b5b4ad5bc4c8f0c0b6b5e0c5a4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6"

// invocation writes the lines of one invocation: INIT_START on a cold
// start, START, an error or timeout line when it failed, END and REPORT.
func (l *logWriter) invocation(s *fnSim, e *env, arrive, start, end time.Time, cold bool, init10, dur10, billed int64, used int32, status int, errType string) {
	l.open(arrive)
	if l.err != nil {
		return
	}
	b := l.buf[:0]
	var rid [36]byte
	id := s.requestID(rid[:0])
	if cold {
		b = appendTail(b, arrive, e.stream)
		b = append(b, "INIT_START Runtime Version: "...)
		b = append(b, runtimeVersion(s.p.runtime)...)
		b = append(b, "\tRuntime Version ARN: arn:aws:lambda:"...)
		b = append(b, l.cfg.Region...)
		b = append(b, "::runtime:"...)
		b = append(b, runtimeARNHash...)
		b = append(b, '\n')
	}
	b = appendTail(b, start, e.stream)
	b = append(b, "START RequestId: "...)
	b = append(b, id...)
	b = append(b, " Version: "...)
	b = append(b, s.version...)
	b = append(b, '\n')
	switch status {
	case statusError:
		b = appendTail(b, end, e.stream)
		b = end.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
		b = append(b, '\t')
		b = append(b, id...)
		b = append(b, "\tERROR\tInvoke Error \t{\"errorType\":\""...)
		b = append(b, errType...)
		b = append(b, "\",\"errorMessage\":\"request failed\"}\n"...)
	case statusTimeout:
		b = appendTail(b, end, e.stream)
		b = end.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
		b = append(b, ' ')
		b = append(b, id...)
		b = append(b, " Task timed out after "...)
		b = appendMS(b, s.p.timeoutMS/10)
		b = append(b, " seconds\n"...)
	}
	b = appendTail(b, end, e.stream)
	b = append(b, "END RequestId: "...)
	b = append(b, id...)
	b = append(b, '\n')
	b = appendTail(b, end, e.stream)
	b = append(b, "REPORT RequestId: "...)
	b = append(b, id...)
	b = append(b, "\tDuration: "...)
	b = appendMS(b, dur10)
	b = append(b, " ms\tBilled Duration: "...)
	b = strconv.AppendInt(b, billed, 10)
	b = append(b, " ms\tMemory Size: "...)
	b = strconv.AppendInt(b, int64(s.p.memMB), 10)
	b = append(b, " MB\tMax Memory Used: "...)
	b = strconv.AppendInt(b, int64(used), 10)
	b = append(b, " MB"...)
	if cold {
		b = append(b, "\tInit Duration: "...)
		b = appendMS(b, init10)
		b = append(b, " ms"...)
	}
	switch status {
	case statusTimeout:
		b = append(b, "\tStatus: timeout"...)
	case statusError, statusOOM:
		b = append(b, "\tStatus: error\tError Type: "...)
		b = append(b, errType...)
	}
	b = append(b, '\n')
	l.buf = b
	_, l.err = l.w.Write(b)
}

// runtimeVersion is the INIT_START runtime version for a runtime
// identifier, in the form Lambda prints (python:3.12.v36).
func runtimeVersion(rt string) string {
	for i := 0; i < len(rt); i++ {
		if rt[i] >= '0' && rt[i] <= '9' {
			name, ver := rt[:i], rt[i:]
			if name == "nodejs" {
				return "nodejs:" + trimX(ver) + ".v45"
			}
			return name + ":" + trimX(ver) + ".v36"
		}
	}
	return rt + ":v1"
}

func trimX(v string) string {
	if n := len(v); n > 2 && v[n-2:] == ".x" {
		return v[:n-2]
	}
	return v
}
