package telemetry

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// jsonEvent is one JSON log format record: a platform event
// ({"time","type","record"}, the same shape as a Telemetry API event) or a
// function's log record ({"timestamp","level","requestId","message"}).
type jsonEvent struct {
	Time   string      `json:"time"`
	Type   string      `json:"type"`
	Record recordField `json:"record"`
}

// recordField is an event's record: an object for platform events, a
// string (the raw log line) for function and extension events.
type recordField struct {
	text   string
	isText bool
	r      platformRecord
}

func (f *recordField) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) > 0 && b[0] == '"':
		f.isText = true
		return json.Unmarshal(b, &f.text)
	case len(b) > 0 && b[0] == '{':
		return json.Unmarshal(b, &f.r)
	}
	return nil
}

// platformRecord is the union of the platform event records' fields this
// decoder reads. Numbers stay decimal text (json.Number) so durations
// convert to microseconds exactly.
type platformRecord struct {
	RequestID         string      `json:"requestId"`
	Status            string      `json:"status"`
	ErrorType         string      `json:"errorType"`
	Version           string      `json:"version"`
	FunctionName      string      `json:"functionName"`
	FunctionVersion   string      `json:"functionVersion"`
	InstanceID        string      `json:"instanceId"`
	InstanceMaxMemory json.Number `json:"instanceMaxMemory"`
	Phase             string      `json:"phase"`
	DroppedRecords    json.Number `json:"droppedRecords"`
	Metrics           struct {
		DurationMs              json.Number `json:"durationMs"`
		BilledDurationMs        json.Number `json:"billedDurationMs"`
		MemorySizeMB            json.Number `json:"memorySizeMB"`
		MaxMemoryUsedMB         json.Number `json:"maxMemoryUsedMB"`
		InitDurationMs          json.Number `json:"initDurationMs"`
		RestoreDurationMs       json.Number `json:"restoreDurationMs"`
		BilledRestoreDurationMs json.Number `json:"billedRestoreDurationMs"`
	} `json:"metrics"`
}

// jsonLine reads one line holding a JSON object, in a text or JSON log
// file or a log event's message. A line that does not parse is rejected
// only when it claims to be a platform event: functions log all sorts of
// text that starts with a brace.
func (d *decoder) jsonLine(st *streamState, ts time.Time, line []byte) error {
	if d.sum.Format != FormatJSONLog && !bytes.Contains(line, []byte(`"platform.`)) {
		// A function's structured log line in a text log: not worth a
		// JSON parse, it cannot change a record.
		d.skip("function-log")
		return nil
	}
	return d.eventJSON(st, ts, line)
}

// eventJSON reads one event object: by hand when it can (see jsonfast.go),
// else with encoding/json.
func (d *decoder) eventJSON(st *streamState, ts time.Time, line []byte) error {
	ev := &d.evb
	if !parseEventFast(line, ev) {
		d.ev = jsonEvent{}
		if err := json.Unmarshal(line, &d.ev); err != nil {
			if d.jsonValueErr(err) {
				return nil
			}
		}
		ev.fromJSONEvent(&d.ev)
	}
	if len(ev.typ) > 0 && !utf8.Valid(line) {
		d.reject(ReasonInvalidUTF8)
		return nil
	}
	return d.event(st, ts, ev)
}

// jsonValueErr rejects what encoding/json said of one value and reports
// whether the value is lost (a type error in a field still leaves the rest).
func (d *decoder) jsonValueErr(err error) bool {
	var rng *json.UnmarshalTypeError
	if errors.As(err, &rng) && strings.HasPrefix(rng.Value, "number ") {
		d.reject(ReasonOutOfRange)
		return true
	}
	d.reject(ReasonBadJSON)
	return true
}

// event handles one platform or function event (JSON log format or
// Telemetry API); ts is the enclosing log event's time, used when the event
// has none of its own.
func (d *decoder) event(st *streamState, ts time.Time, ev *evBytes) error {
	if len(ev.typ) == 0 {
		// A function's JSON log record, or some object a function logged.
		d.skip("function-log")
		return nil
	}
	if len(ev.time) > 0 {
		t, ok := parseTime(ev.time)
		if !ok {
			d.reject(ReasonBadTimestamp)
			return nil
		}
		ts = t
	}
	if !ts.IsZero() && !d.checkTime(ts) {
		return nil
	}
	rec := &ev.rec
	if st.hasHeld {
		var phase, status, errType string
		if string(ev.typ) == "platform.initReport" {
			phase, status, errType = string(rec.phase), string(rec.status), d.internBytes(rec.errorType)
		}
		if err := d.release(st, phase, status, errType); err != nil {
			return err
		}
	}
	switch string(ev.typ) {
	case "platform.report":
		return d.jsonReport(st, ts, rec)
	case "platform.start":
		if len(rec.requestID) == 0 {
			d.reject(ReasonBadRecord)
			return nil
		}
		p := st.add(rec.requestID)
		p.start = ts
		if len(rec.version) > 0 {
			p.version = d.internBytes(rec.version)
		}
	case "platform.runtimeDone":
		if len(rec.requestID) == 0 {
			d.reject(ReasonBadRecord)
			return nil
		}
		p := st.add(rec.requestID)
		switch string(rec.status) {
		case "", "success":
		case "timeout":
			p.timedOut = true
		default:
			p.failed = true
		}
		if len(rec.errorType) > 0 && p.errType == "" {
			p.errType = d.internBytes(rec.errorType)
		}
	case "platform.initStart":
		return d.initStart(st, ts, rec)
	case "platform.initReport", "platform.initRuntimeDone", "platform.restoreReport", "platform.restoreRuntimeDone":
		d.initFailed(st, string(rec.phase), d.internBytes(rec.status), d.internBytes(rec.errorType))
	case "platform.logsDropped":
		if n, err := parseScaled(rec.droppedRecords, 0); err == nil {
			d.sum.DroppedRecords += n
		}
	case "platform.restoreStart", "platform.extension", "platform.telemetrySubscription":
		d.skip(d.internBytes(ev.typ))
	case "function", "extension":
		if ev.isText {
			return d.message(st, ts, ev.text)
		}
		d.skip("function-log")
	default:
		d.reject(ReasonUnknownType)
	}
	return nil
}

// initStart takes what a platform.initStart says about its environment:
// the function, its version, the instance (a log stream name with the
// function inserted) and its memory. Telemetry API batches have no log
// group or stream, so this is all they say about where they come from.
func (d *decoder) initStart(st *streamState, ts time.Time, rec *recBytes) error {
	if len(rec.functionName) > 0 && st.fnSrc != FunctionFromLogGroup {
		st.function, st.fnSrc = d.internBytes(rec.functionName), FunctionFromRecord
	}
	if ver, env, ok := parseStreamName(rec.instance); ok {
		if st.version == "" {
			st.version = d.internBytes(ver)
		}
		st.env = d.internBytes(env)
	} else if len(rec.functionVersion) > 0 && st.version == "" {
		st.version = d.internBytes(rec.functionVersion)
	}
	if len(rec.instanceMaxMemory) > 0 {
		if b, err := parseScaled(rec.instanceMaxMemory, 0); err == nil && b/(1<<20) < 1<<31 {
			st.memMB = int32(b / (1 << 20))
		}
	}
	v := st.version
	if len(rec.functionVersion) > 0 {
		v = d.internBytes(rec.functionVersion)
	}
	return d.newVersion(st.function, v, ts)
}

func (d *decoder) jsonReport(st *streamState, ts time.Time, rec *recBytes) error {
	r := &d.rep
	*r = reportFields{id: rec.requestID, status: d.internBytes(rec.status), errType: d.internBytes(rec.errorType)}
	var bad error
	num := func(n []byte, scale int, dst *int64) bool {
		if len(n) == 0 {
			return false
		}
		v, err := parseScaled(n, scale)
		if err != nil && bad == nil {
			bad = err
		}
		*dst = v
		return true
	}
	r.hasDur = num(rec.dur, 3, &r.durUS)
	r.hasBilled = num(rec.billed, 0, &r.billedMS)
	r.hasMem = num(rec.mem, 0, &r.memMB)
	r.hasMax = num(rec.maxMem, 0, &r.maxMemMB)
	r.hasInit = num(rec.init, 3, &r.initUS)
	r.hasRestore = num(rec.restore, 3, &r.restoreUS)
	num(rec.billedRestore, 0, &r.billedRestore)
	switch {
	case bad == errRange:
		d.reject(ReasonOutOfRange)
		return nil
	case bad != nil || !r.hasDur || len(r.id) == 0:
		d.reject(ReasonBadRecord)
		return nil
	}
	return d.emit(st, ts, r)
}

// jsonStopIn is jsonStop inside a value, where the end of the input is a
// truncation.
func (d *decoder) jsonStopIn(dec *json.Decoder, err error) bool {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return d.jsonStop(dec, err)
}

// jsonStop maps an error of a json.Decoder reading a document to rejects.
// It reports whether decoding of the document must stop: after a syntax
// error or a truncation the decoder cannot find its place again, while a
// value of the wrong type has been read through and the next one can
// follow.
func (d *decoder) jsonStop(dec *json.Decoder, err error) bool {
	if err == nil {
		return false
	}
	if err == io.EOF {
		return true
	}
	if d.src.err != nil {
		return true // truncated or corrupt compressed input: run rejects it once
	}
	var syn *json.SyntaxError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		d.pos.Line, d.pos.Offset = 0, dec.InputOffset()
		d.reject(ReasonTruncated)
		return true
	case errors.As(err, &syn):
		d.pos.Line, d.pos.Offset = 0, syn.Offset
		d.reject(ReasonBadJSON)
		return true
	}
	// encoding/json says "number 1e999" for a number too large for its
	// field, plain "number" for a number where a string belongs.
	var rng *json.UnmarshalTypeError
	if errors.As(err, &rng) && strings.HasPrefix(rng.Value, "number ") {
		d.reject(ReasonOutOfRange)
		return false
	}
	d.reject(ReasonBadJSON)
	return false
}
