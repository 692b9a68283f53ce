package telemetry

import (
	"bufio"
	"bytes"
	"io"
)

// maxJSONValue bounds one top-level JSON value read whole (a subscription
// payload: CloudWatch Logs sends at most about a megabyte).
const maxJSONValue = 64 << 20

// valueSplitter cuts a stream of JSON objects written back to back (with
// or without whitespace between them, as Firehose writes subscription
// payloads) into one object at a time. It only tracks strings and nesting:
// what it returns is checked by whoever parses it. A value that does not
// parse therefore costs only itself, and the next one is read.
type valueSplitter struct {
	br     *bufio.Reader
	buf    []byte
	offset int64 // of the next byte
	start  int64 // offset of the value last returned
}

// next returns the next object (or array). tooLong reports one over
// maxJSONValue, skipped; skipped counts bytes before it that were not
// JSON at all. At the end it returns io.EOF, or io.ErrUnexpectedEOF if the
// input ends inside a value.
func (s *valueSplitter) next() (val []byte, tooLong bool, skipped int, err error) {
	s.buf = s.buf[:0]
	depth := 0
	inStr := false
	for {
		chunk, err := s.br.Peek(max(s.br.Buffered(), 1))
		if len(chunk) == 0 {
			if err == io.EOF && depth > 0 {
				return nil, false, skipped, io.ErrUnexpectedEOF
			}
			if err == nil {
				err = io.EOF
			}
			return nil, false, skipped, err
		}
		i := 0
		done := false
	scan:
		for i < len(chunk) {
			if inStr {
				q := bytes.IndexByte(chunk[i:], '"')
				if q < 0 {
					i = len(chunk)
					break
				}
				j := i + q
				// An odd run of backslashes before the quote escapes it.
				bs := 0
				for k := j - 1; k >= 0 && chunk[k] == '\\'; k-- {
					bs++
				}
				if j-bs == 0 && i == 0 && len(s.buf) > 0 {
					// The run may go on before this chunk.
					for k := len(s.buf) - 1; k >= 0 && s.buf[k] == '\\'; k-- {
						bs++
					}
				}
				i = j + 1
				if bs%2 == 0 {
					inStr = false
				}
				continue
			}
			c := chunk[i]
			switch {
			case c == '"' && depth > 0:
				inStr = true
			case c == '{' || c == '[':
				if depth == 0 {
					s.start = s.offset + int64(i)
				}
				depth++
			case (c == '}' || c == ']') && depth > 0:
				depth--
				if depth == 0 {
					i++
					done = true
					break scan
				}
			case depth == 0:
				if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
					skipped++
				}
				s.offset++
				chunk = chunk[1:]
				s.br.Discard(1)
				continue
			}
			i++
		}
		if len(s.buf)+i <= maxJSONValue {
			s.buf = append(s.buf, chunk[:i]...)
		} else {
			tooLong = true
		}
		s.br.Discard(i)
		s.offset += int64(i)
		if done {
			if tooLong {
				return nil, true, skipped, nil
			}
			return s.buf, false, skipped, nil
		}
	}
}
