package telemetry

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// streamReader reads JSON from a buffered stream one value at a time,
// tracking only strings and nesting (as valueSplitter does); each value
// is then checked by whoever parses it. It lets the log events decoder
// walk {"events":[...]} of any length without encoding/json's scanner,
// which costs more than everything else together.
type streamReader struct {
	br  *bufio.Reader
	buf []byte
	off int64
}

var errStreamSyntax = fmt.Errorf("json syntax")

// peek returns the next byte that is not whitespace, without taking it.
func (s *streamReader) peek() (byte, error) {
	for {
		b, err := s.br.Peek(1)
		if err != nil {
			return 0, err
		}
		switch b[0] {
		case ' ', '\t', '\n', '\r':
			s.br.Discard(1)
			s.off++
		default:
			return b[0], nil
		}
	}
}

// expect takes the next non-space byte, which must be c.
func (s *streamReader) expect(c byte) error {
	got, err := s.peek()
	if err != nil {
		return err
	}
	if got != c {
		return errStreamSyntax
	}
	s.br.Discard(1)
	s.off++
	return nil
}

// value reads the next value's bytes. They stay valid until the next call.
// An input that ends inside the value is io.ErrUnexpectedEOF.
func (s *streamReader) value() ([]byte, error) {
	s.buf = s.buf[:0]
	c, err := s.peek()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	depth, inStr := 0, false
	scalar := c != '{' && c != '[' && c != '"'
	for {
		chunk, err := s.br.Peek(max(s.br.Buffered(), 1))
		if len(chunk) == 0 {
			if err == io.EOF && scalar && len(s.buf) > 0 {
				return s.buf, nil // a number at the very end
			}
			if err == io.EOF || err == nil {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		i, done := 0, false
	scan:
		for i < len(chunk) {
			if inStr {
				q := bytes.IndexByte(chunk[i:], '"')
				if q < 0 {
					i = len(chunk)
					break
				}
				j := i + q
				bs := 0
				for k := j - 1; k >= 0 && chunk[k] == '\\'; k-- {
					bs++
				}
				if j-bs == 0 && i == 0 {
					for k := len(s.buf) - 1; k >= 0 && s.buf[k] == '\\'; k-- {
						bs++
					}
				}
				i = j + 1
				if bs%2 == 0 {
					inStr = false
					if depth == 0 {
						done = true
						break scan
					}
				}
				continue
			}
			c := chunk[i]
			if scalar {
				switch c {
				case ',', ']', '}', ' ', '\t', '\n', '\r', '"', '{', '[':
					done = true
					break scan
				}
				i++
				continue
			}
			switch c {
			case '"':
				inStr = true
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					i++
					done = true
					break scan
				}
			}
			i++
		}
		if len(s.buf)+i > maxJSONValue {
			return nil, errStreamSyntax
		}
		s.buf = append(s.buf, chunk[:i]...)
		s.br.Discard(i)
		s.off += int64(i)
		if done {
			return s.buf, nil
		}
	}
}

// decodeLogEventsStream is decodeLogEvents without encoding/json's
// scanner: the same records and the same reasons for rejects (byte offsets
// may differ), events read one at a time by hand and checked with
// encoding/json only when the hand-written reader gives up on one.
func (d *decoder) decodeLogEventsStream(lr *lineReader) error {
	s := &streamReader{br: lr.br}
	var group string
	var bare, ev logEvent
	var fe fastEvent
	// fail rejects a syntax error or a truncation and ends the document.
	fail := func(err error) error {
		d.pos.Line, d.pos.Offset = 0, s.off
		switch {
		case err == io.ErrUnexpectedEOF || err == io.EOF:
			if d.src.err == nil {
				d.reject(ReasonTruncated)
			}
		case err == errStreamSyntax:
			d.reject(ReasonBadJSON)
		default:
			return fmt.Errorf("read %s: %w", d.opts.Path, err)
		}
		return nil
	}
	// field reads a value with encoding/json into dst, rejecting what it
	// says: stop for a syntax error (the document ends), !ok for a value
	// of the wrong type (it is skipped).
	field := func(raw []byte, dst any) (stop, ok bool) {
		if !json.Valid(raw) {
			d.pos.Line, d.pos.Offset = 0, s.off
			d.reject(ReasonBadJSON)
			return true, false
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			d.jsonValueErr(err)
			return false, false
		}
		return false, true
	}
	for {
		if _, err := s.peek(); err == io.EOF {
			return nil
		}
		d.pos.Line, d.pos.Offset = 0, s.off
		if err := s.expect('{'); err != nil {
			return fail(err)
		}
		first := true
		for {
			c, err := s.peek()
			if err != nil {
				return fail(err)
			}
			if c == '}' && first {
				break
			}
			if !first {
				if c == '}' {
					break
				}
				if err := s.expect(','); err != nil {
					return fail(err)
				}
			}
			first = false
			raw, err := s.value()
			if err != nil {
				return fail(err)
			}
			var key string
			if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &key) != nil {
				return fail(errStreamSyntax)
			}
			if err := s.expect(':'); err != nil {
				return fail(err)
			}
			if key == "events" {
				if c, err := s.peek(); err != nil {
					return fail(err)
				} else if c == '[' {
					if err := d.streamEvents(s, &fe, &ev, group, fail, field); err != nil {
						if _, ok := err.(stopError); ok {
							return nil
						}
						return err
					}
					continue
				}
			}
			raw, err = s.value()
			if err != nil {
				return fail(err)
			}
			var stop bool
			switch key {
			case "events":
				var v json.RawMessage
				if stop, _ = field(raw, &v); !stop && string(raw) != "null" {
					d.reject(ReasonBadJSON) // as eachElement: events must be an array
					return nil
				}
			case "logGroupName":
				stop, _ = field(raw, &bare.LogGroupName)
				group = bare.LogGroupName
			case "logStreamName":
				stop, _ = field(raw, &bare.LogStreamName)
			case "timestamp":
				stop, _ = field(raw, &bare.Timestamp)
			case "message":
				stop, _ = field(raw, &bare.Message)
			default:
				var v json.RawMessage
				stop, _ = field(raw, &v)
			}
			if stop {
				return nil
			}
		}
		s.br.Discard(1) // the closing brace
		s.off++
		e := bare
		bare = logEvent{}
		if e.Message != "" || e.LogStreamName != "" || e.Timestamp != "" {
			if err := d.logEvent(e.LogGroupName, e.LogStreamName, e.Timestamp, e.Message); err != nil {
				return err
			}
		}
	}
}

// streamEvents reads the events array, s positioned on its '['.
func (d *decoder) streamEvents(s *streamReader, fe *fastEvent, ev *logEvent, group string,
	fail func(error) error, field func([]byte, any) (bool, bool)) error {
	s.br.Discard(1)
	s.off++
	first := true
	for {
		c, err := s.peek()
		if err != nil {
			return stopOr(fail(err))
		}
		if c == ']' && first {
			break
		}
		if !first {
			if c == ']' {
				break
			}
			if err := s.expect(','); err != nil {
				return stopOr(fail(err))
			}
		}
		first = false
		d.pos.Line, d.pos.Offset = 0, s.off
		raw, err := s.value()
		if err != nil {
			return stopOr(fail(err))
		}
		if parseLogEventFast(raw, fe) {
			msg := fe.msg
			if fe.escaped {
				d.msgBuf = unescape(d.msgBuf[:0], msg)
				msg = d.msgBuf
			}
			g := fe.group
			if len(g) == 0 {
				g = strBytes(group)
			}
			if err := d.logEventBytes(g, fe.stream, fe.ts, msg); err != nil {
				return err
			}
			continue
		}
		*ev = logEvent{}
		stop, ok := field(raw, ev)
		if stop {
			return stopError{}
		}
		if !ok {
			continue
		}
		if err := d.jsonStreamEvent(ev, group); err != nil {
			return err
		}
	}
	s.br.Discard(1) // ']'
	s.off++
	return nil
}

func (d *decoder) jsonStreamEvent(ev *logEvent, group string) error {
	g := ev.LogGroupName
	if g == "" {
		g = group
	}
	return d.logEvent(g, ev.LogStreamName, ev.Timestamp, ev.Message)
}

// stopOr turns a nil result of fail (the reject is made) into stopError.
func stopOr(err error) error {
	if err == nil {
		return stopError{}
	}
	return err
}
