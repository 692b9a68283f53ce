package telemetry

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// A hand-written reader for the one JSON shape that comes in millions: a
// platform event ({"time","type","record":{...,"metrics":{...}}}) on one
// line. It takes what the decoder needs as slices of the input, without
// reflection or allocation, and validates the whole line as it goes. It
// gives up on anything unusual (an escaped string, invalid UTF-8, a
// duplicate key) and the caller then uses encoding/json, so it never has to
// be complete, only right on what it accepts.

// fastPaths switches the hand-written readers on; tests switch them off to
// compare with encoding/json.
var fastPaths = true

// evBytes is a platform or function event, as slices of the input.
type evBytes struct {
	time, typ []byte
	isText    bool   // record is a string (function and extension events)
	text      []byte // that string, unescaped
	rec       recBytes
}

// recBytes is the union of the platform records' fields the decoder reads;
// numbers are their JSON text.
type recBytes struct {
	requestID, status, errorType, version    []byte
	functionName, functionVersion, instance  []byte
	phase, instanceMaxMemory, droppedRecords []byte
	dur, billed, mem, maxMem                 []byte
	init, restore, billedRestore             []byte
}

type jscan struct {
	b   []byte
	i   int
	bad bool
}

func (s *jscan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *jscan) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// str reads a string without escapes and returns its content; an escape
// or a control character gives up.
func (s *jscan) str() []byte {
	if s.peek() != '"' {
		s.bad = true
		return nil
	}
	start := s.i + 1
	for j := start; j < len(s.b); j++ {
		c := s.b[j]
		if c == '"' {
			s.i = j + 1
			return s.b[start:j]
		}
		if c == '\\' || c < 0x20 {
			break
		}
	}
	s.bad = true
	return nil
}

// num reads a number as JSON's grammar has it.
func (s *jscan) num() []byte {
	s.ws()
	b, i := s.b, s.i
	start := i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		s.bad = true
		return nil
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			s.bad = true
			return nil
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			s.bad = true
			return nil
		}
	}
	s.i = i
	return b[start:i]
}

func (s *jscan) lit(w string) {
	if len(s.b)-s.i >= len(w) && string(s.b[s.i:s.i+len(w)]) == w {
		s.i += len(w)
		return
	}
	s.bad = true
}

// skip reads any value and drops it; depth bounds nesting.
func (s *jscan) skip(depth int) {
	if depth > 32 {
		s.bad = true
		return
	}
	switch s.peek() {
	case '"':
		s.str()
	case '{':
		s.object(func(key []byte) { s.skip(depth + 1) })
	case '[':
		s.i++
		if s.peek() == ']' {
			s.i++
			return
		}
		for !s.bad {
			s.skip(depth + 1)
			switch s.peek() {
			case ',':
				s.i++
			case ']':
				s.i++
				return
			default:
				s.bad = true
			}
		}
	case 't':
		s.lit("true")
	case 'f':
		s.lit("false")
	case 'n':
		s.lit("null")
	default:
		s.num()
	}
}

// object reads an object, calling field for each key with s positioned on
// the value, which field must read.
func (s *jscan) object(field func(key []byte)) {
	if s.peek() != '{' {
		s.bad = true
		return
	}
	s.i++
	if s.peek() == '}' {
		s.i++
		return
	}
	for !s.bad {
		key := s.str()
		if s.bad || s.peek() != ':' {
			s.bad = true
			return
		}
		s.i++
		field(key)
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return
		default:
			s.bad = true
		}
	}
}

// setOnce stores v in *dst; a key seen twice gives up (encoding/json keeps
// the last, and matching that is not worth it).
func (s *jscan) setOnce(dst *[]byte, v []byte) {
	if *dst != nil {
		s.bad = true
	}
	if v == nil {
		v = []byte{}
	}
	*dst = v
}

// strOrNull reads a string, or null (as encoding/json leaves a string
// field alone for null).
func (s *jscan) strOrNull(dst *[]byte) {
	if s.peek() == 'n' {
		s.lit("null")
		return
	}
	s.setOnce(dst, s.str())
}

func (s *jscan) numOrNull(dst *[]byte) {
	if s.peek() == 'n' {
		s.lit("null")
		return
	}
	s.setOnce(dst, s.num())
}

// Keys each level reads. encoding/json matches keys without regard to case,
// so a key that matches one of these only that way makes the fast path
// give up rather than read it differently.
var (
	eventKeys   = []string{"time", "type", "record"}
	recordKeys  = []string{"requestId", "status", "errorType", "version", "functionName", "functionVersion", "instanceId", "phase", "instanceMaxMemory", "droppedRecords", "metrics"}
	metricsKeys = []string{"durationMs", "billedDurationMs", "memorySizeMB", "maxMemoryUsedMB", "initDurationMs", "restoreDurationMs", "billedRestoreDurationMs"}
)

// other skips the value of a key the level does not read.
func (s *jscan) other(key []byte, known []string) {
	for _, k := range known {
		if len(k) == len(key) && bytes.EqualFold(key, []byte(k)) {
			s.bad = true
			return
		}
	}
	s.skip(0)
}

// parseEventFast reads line as a platform event. ok is false when the
// line must go through encoding/json instead.
func parseEventFast(line []byte, ev *evBytes) (ok bool) {
	*ev = evBytes{}
	if !fastPaths {
		return false
	}
	s := jscan{b: line}
	s.object(func(key []byte) {
		switch string(key) {
		case "time":
			s.strOrNull(&ev.time)
		case "type":
			s.strOrNull(&ev.typ)
		case "record":
			switch s.peek() {
			case '{':
				s.record(&ev.rec)
			case '"':
				ev.isText = true
				s.setOnce(&ev.text, s.str())
			default:
				s.skip(0)
			}
		default:
			s.other(key, eventKeys)
		}
	})
	s.ws()
	return !s.bad && s.i == len(line)
}

func (s *jscan) record(r *recBytes) {
	s.object(func(key []byte) {
		switch string(key) {
		case "requestId":
			s.strOrNull(&r.requestID)
		case "status":
			s.strOrNull(&r.status)
		case "errorType":
			s.strOrNull(&r.errorType)
		case "version":
			s.strOrNull(&r.version)
		case "functionName":
			s.strOrNull(&r.functionName)
		case "functionVersion":
			s.strOrNull(&r.functionVersion)
		case "instanceId":
			s.strOrNull(&r.instance)
		case "phase":
			s.strOrNull(&r.phase)
		case "instanceMaxMemory":
			s.numOrNull(&r.instanceMaxMemory)
		case "droppedRecords":
			s.numOrNull(&r.droppedRecords)
		case "metrics":
			switch s.peek() {
			case 'n':
				s.lit("null")
				return
			case '{':
			default:
				s.bad = true // encoding/json rejects the event: let it say so
				return
			}
			s.object(func(key []byte) {
				switch string(key) {
				case "durationMs":
					s.numOrNull(&r.dur)
				case "billedDurationMs":
					s.numOrNull(&r.billed)
				case "memorySizeMB":
					s.numOrNull(&r.mem)
				case "maxMemoryUsedMB":
					s.numOrNull(&r.maxMem)
				case "initDurationMs":
					s.numOrNull(&r.init)
				case "restoreDurationMs":
					s.numOrNull(&r.restore)
				case "billedRestoreDurationMs":
					s.numOrNull(&r.billedRestore)
				default:
					s.other(key, metricsKeys)
				}
			})
		default:
			s.other(key, recordKeys)
		}
	})
}

// fromJSONEvent fills ev from what encoding/json decoded, for the slow path.
func (ev *evBytes) fromJSONEvent(j *jsonEvent) {
	b := func(s string) []byte {
		if s == "" {
			return nil
		}
		return []byte(s)
	}
	r := &j.Record.r
	*ev = evBytes{
		time: b(j.Time), typ: b(j.Type), isText: j.Record.isText, text: b(j.Record.text),
		rec: recBytes{
			requestID: b(r.RequestID), status: b(r.Status), errorType: b(r.ErrorType), version: b(r.Version),
			functionName: b(r.FunctionName), functionVersion: b(r.FunctionVersion), instance: b(r.InstanceID),
			phase: b(r.Phase), instanceMaxMemory: b(string(r.InstanceMaxMemory)), droppedRecords: b(string(r.DroppedRecords)),
			dur: b(string(r.Metrics.DurationMs)), billed: b(string(r.Metrics.BilledDurationMs)),
			mem: b(string(r.Metrics.MemorySizeMB)), maxMem: b(string(r.Metrics.MaxMemoryUsedMB)),
			init: b(string(r.Metrics.InitDurationMs)), restore: b(string(r.Metrics.RestoreDurationMs)),
			billedRestore: b(string(r.Metrics.BilledRestoreDurationMs)),
		},
	}
}

// Keys of a subscription payload and its events (see other).
var (
	payloadKeys = []string{"awslogs", "messageType", "logGroup", "logStream", "logEvents"}
	eventKeys2  = []string{"logStreamName", "logGroupName", "timestamp", "message"}
)

// fastEvent is one log event, as slices of its JSON.
type fastEvent struct {
	ts, msg       []byte
	escaped       bool // msg is still JSON-escaped
	stream, group []byte
}

// logEvent reads one log event object ({"logStreamName","timestamp",
// "message",...}) into ev.
func (s *jscan) logEvent(ev *fastEvent) {
	var seenTS, seenMsg bool
	s.object(func(key []byte) {
		switch string(key) {
		case "timestamp":
			if seenTS {
				s.bad = true
			}
			seenTS = true
			s.numOrNull(&ev.ts)
		case "message":
			if seenMsg || s.peek() == 'n' {
				s.bad = true
			}
			seenMsg = true
			ev.msg, ev.escaped = s.strEsc()
		case "logStreamName":
			s.strOrNull(&ev.stream)
		case "logGroupName":
			s.strOrNull(&ev.group)
		case "id", "eventId":
			var x []byte
			s.strOrNull(&x)
		default:
			s.other(key, eventKeys2)
		}
	})
}

// parseLogEventFast reads raw as one log event. ok is false when it must
// go through encoding/json instead.
func parseLogEventFast(raw []byte, ev *fastEvent) (ok bool) {
	*ev = fastEvent{}
	if !fastPaths || !utf8.Valid(raw) {
		return false
	}
	s := jscan{b: raw}
	s.logEvent(ev)
	s.ws()
	return !s.bad && s.i == len(raw)
}

// strEsc reads a string that may hold escapes, checking them, and returns
// its raw content and whether it has any.
func (s *jscan) strEsc() (raw []byte, escaped bool) {
	if s.peek() != '"' {
		s.bad = true
		return nil, false
	}
	start := s.i + 1
	for j := start; j < len(s.b); j++ {
		c := s.b[j]
		switch {
		case c == '"':
			s.i = j + 1
			return s.b[start:j], escaped
		case c < 0x20:
			s.bad = true
			return nil, false
		case c == '\\':
			escaped = true
			j++
			if j >= len(s.b) {
				s.bad = true
				return nil, false
			}
			switch s.b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(s.b) {
					s.bad = true
					return nil, false
				}
				for _, h := range s.b[j+1 : j+5] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						s.bad = true
						return nil, false
					}
				}
				j += 4
			default:
				s.bad = true
				return nil, false
			}
		}
	}
	s.bad = true
	return nil, false
}

// unescape appends the JSON string content raw, unescaped, to dst. \u
// escapes go through encoding/json, which knows surrogate pairs and what
// to do with broken ones.
func unescape(dst, raw []byte) []byte {
	if bytes.Contains(raw, []byte(`\u`)) {
		var s string
		q := make([]byte, 0, len(raw)+2)
		q = append(append(append(q, '"'), raw...), '"')
		if json.Unmarshal(q, &s) == nil {
			return append(dst, s...)
		}
		return dst
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		switch raw[i] {
		case 'n':
			c = '\n'
		case 't':
			c = '\t'
		case 'r':
			c = '\r'
		case 'b':
			c = '\b'
		case 'f':
			c = '\f'
		default: // " \ /
			c = raw[i]
		}
		dst = append(dst, c)
	}
	return dst
}

// payloadFast decodes one subscription payload by hand. It reports false,
// having decoded nothing, when the payload must go through encoding/json
// (an envelope, invalid UTF-8, an unusual shape).
func (d *decoder) payloadFast(raw []byte) (bool, error) {
	if !fastPaths || !utf8.Valid(raw) {
		return false, nil
	}
	s := jscan{b: raw}
	var mt, group, stream []byte
	seenEvents := false
	events := d.fastEvents[:0]
	s.object(func(key []byte) {
		switch string(key) {
		case "messageType":
			s.strOrNull(&mt)
		case "logGroup":
			s.strOrNull(&group)
		case "logStream":
			s.strOrNull(&stream)
		case "awslogs":
			s.bad = true
		case "logEvents":
			if seenEvents {
				s.bad = true // encoding/json keeps the last: not worth matching
				return
			}
			seenEvents = true
			switch s.peek() {
			case 'n':
				s.lit("null")
				return
			case '[':
			default:
				s.bad = true
				return
			}
			s.i++
			if s.peek() == ']' {
				s.i++
				return
			}
			for !s.bad {
				var ev fastEvent
				if s.peek() == 'n' {
					s.lit("null")
				} else {
					s.logEvent(&ev)
				}
				events = append(events, ev)
				switch s.peek() {
				case ',':
					s.i++
				case ']':
					s.i++
					return
				default:
					s.bad = true
				}
			}
		default:
			s.other(key, payloadKeys)
		}
	})
	s.ws()
	d.fastEvents = events[:0]
	if s.bad || s.i != len(raw) {
		return false, nil
	}
	switch string(mt) {
	case "DATA_MESSAGE", "":
	case "CONTROL_MESSAGE":
		d.skip("control-message")
		return true, nil
	default:
		d.reject(ReasonUnknownType)
		return true, nil
	}
	for _, ev := range events {
		msg := ev.msg
		if ev.escaped {
			d.msgBuf = unescape(d.msgBuf[:0], msg)
			msg = d.msgBuf
		}
		if err := d.logEventBytes(group, stream, ev.ts, msg); err != nil {
			return true, err
		}
	}
	return true, nil
}
