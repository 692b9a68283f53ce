package telemetry

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
)

// IsTelemetry reports whether the first bytes of a file (PeekSize of them,
// after gzip is undone) are telemetry some decoder reads. Walking a
// directory, `fnops ingest` and `fnops watch` skip the files it refuses.
// JSON lines are the fallback for any JSON object, so a file of them is
// taken only when its first line is a log record (a platform event or a
// function's JSON log line), not some other JSON document.
func IsTelemetry(peek []byte) bool {
	switch Detect(peek) {
	case FormatUnknown:
		return false
	case FormatJSONLog:
		line, _, _ := bytes.Cut(peek, []byte("\n"))
		var rec map[string]json.RawMessage
		if json.Unmarshal(line, &rec) != nil {
			return false
		}
		for _, k := range []string{"type", "time", "timestamp", "level", "message", "requestId"} {
			if _, ok := rec[k]; ok {
				return true
			}
		}
		return false
	}
	return true
}

// Head returns the first PeekSize bytes of a file (fewer if it is
// shorter), after gzip is undone. The error is the file's, or gzip's
// when its header is bad.
func Head(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == gzipMagic[0] && magic[1] == gzipMagic[1] {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		r = zr
	}
	peek := make([]byte, PeekSize)
	n, _ := io.ReadFull(r, peek)
	return peek[:n], nil
}
