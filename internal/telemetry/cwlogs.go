package telemetry

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"
)

// logEvent is one CloudWatch Logs event as filter-log-events,
// get-log-events and subscription payloads write it.
type logEvent struct {
	LogStreamName string      `json:"logStreamName"`
	LogGroupName  string      `json:"logGroupName"`
	Timestamp     json.Number `json:"timestamp"`
	Message       string      `json:"message"`
}

// logEvent decodes the message of one CloudWatch Logs event of a stream
// of a group (either may be "") at epoch milliseconds ms.
func (d *decoder) logEvent(group, stream string, ms json.Number, msg string) error {
	return d.logEventBytes(strBytes(group), strBytes(stream), strBytes(string(ms)), strBytes(msg))
}

// logEventBytes is logEvent on slices, which it only reads.
func (d *decoder) logEventBytes(group, stream, ms, msg []byte) error {
	d.sum.Lines++
	if err := d.tick(); err != nil {
		return err
	}
	var ts time.Time
	if len(ms) > 0 {
		v, err := parseScaled(ms, 0)
		if err != nil {
			if err == errRange {
				d.reject(ReasonOutOfRange)
			} else {
				d.reject(ReasonBadTimestamp)
			}
			return nil
		}
		if v > 1<<53 {
			d.reject(ReasonOutOfRange)
			return nil
		}
		ts = time.UnixMilli(v).UTC()
		if !d.checkTime(ts) {
			return nil
		}
	}
	if !utf8.Valid(stream) || !utf8.Valid(group) {
		d.reject(ReasonInvalidUTF8)
		return nil
	}
	st, err := d.stream(group, stream, ts)
	if err != nil {
		return err
	}
	return d.message(st, ts, msg)
}

// strBytes is a read-only view of s, without a copy. Nothing that gets it
// writes to it.
func strBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// topLevel reads a stream of JSON objects one after another (most files
// hold one; Firehose and shell appends make several) and calls field for
// each key of each, which must consume the key's value from dec.
func (d *decoder) topLevel(r io.Reader, field func(dec *json.Decoder, key string) error) error {
	return d.topLevelEnd(r, field, nil)
}

// topLevelEnd is topLevel that also calls end, if not nil, after each object.
func (d *decoder) topLevelEnd(r io.Reader, field func(dec *json.Decoder, key string) error, end func() error) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	for {
		d.pos.Line, d.pos.Offset = 0, dec.InputOffset()
		tok, err := dec.Token()
		if d.jsonStop(dec, err) {
			return nil
		}
		if err != nil {
			continue
		}
		if tok != json.Delim('{') {
			d.reject(ReasonBadJSON)
			return nil
		}
		for dec.More() {
			tok, err := dec.Token()
			if d.jsonStopIn(dec, err) {
				return nil
			}
			key, _ := tok.(string)
			if err := field(dec, key); err != nil {
				if _, ok := err.(stopError); ok {
					return nil
				}
				return err
			}
		}
		if _, err := dec.Token(); d.jsonStopIn(dec, err) { // the closing brace
			return nil
		}
		if end != nil {
			if err := end(); err != nil {
				return err
			}
		}
	}
}

// stopError tells topLevel that the document cannot be read further; the
// reason has been rejected already.
type stopError struct{}

func (stopError) Error() string { return "stop" }

// skipValue consumes a value the decoder does not need.
func (d *decoder) skipValue(dec *json.Decoder) error {
	var raw json.RawMessage
	if err := dec.Decode(&raw); d.jsonStopIn(dec, err) {
		return stopError{}
	}
	return nil
}

// eachElement calls fn with dec positioned on each element of the array
// that is the next value.
func (d *decoder) eachElement(dec *json.Decoder, fn func() error) error {
	tok, err := dec.Token()
	if d.jsonStopIn(dec, err) {
		return stopError{}
	}
	if tok != json.Delim('[') {
		if tok == nil {
			return nil // null
		}
		d.reject(ReasonBadJSON)
		return stopError{}
	}
	for dec.More() {
		d.pos.Line, d.pos.Offset = 0, dec.InputOffset()
		if err := fn(); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); d.jsonStopIn(dec, err) {
		return stopError{}
	}
	return nil
}

// decodeLogEvents reads the JSON of aws logs filter-log-events and
// get-log-events ({"events":[...]}), one event at a time however long the
// array, and bare event objects one after another (what jq '.events[]'
// makes of it).
func (d *decoder) decodeLogEvents(r io.Reader) error {
	var group string
	var ev, bare logEvent
	var raw json.RawMessage
	var fe fastEvent
	field := func(dec *json.Decoder, key string) error {
		switch key {
		case "events":
			return d.eachElement(dec, func() error {
				raw = raw[:0]
				if err := dec.Decode(&raw); d.jsonStopIn(dec, err) {
					return stopError{}
				} else if err != nil {
					return nil
				}
				if parseLogEventFast(raw, &fe) {
					msg := fe.msg
					if fe.escaped {
						d.msgBuf = unescape(d.msgBuf[:0], msg)
						msg = d.msgBuf
					}
					g := fe.group
					if len(g) == 0 {
						g = strBytes(group)
					}
					return d.logEventBytes(g, fe.stream, fe.ts, msg)
				}
				ev = logEvent{}
				if err := json.Unmarshal(raw, &ev); err != nil {
					d.jsonValueErr(err)
					return nil
				}
				g := ev.LogGroupName
				if g == "" {
					g = group
				}
				return d.logEvent(g, ev.LogStreamName, ev.Timestamp, ev.Message)
			})
		case "logGroupName":
			if err := dec.Decode(&bare.LogGroupName); d.jsonStopIn(dec, err) {
				return stopError{}
			}
			group = bare.LogGroupName
			return nil
		case "logStreamName", "timestamp", "message":
			var dst any = &bare.LogStreamName
			switch key {
			case "timestamp":
				dst = &bare.Timestamp
			case "message":
				dst = &bare.Message
			}
			if err := dec.Decode(dst); d.jsonStopIn(dec, err) {
				return stopError{}
			}
			return nil
		}
		return d.skipValue(dec)
	}
	end := func() error {
		e := bare
		bare = logEvent{}
		if e.Message == "" && e.LogStreamName == "" && e.Timestamp == "" {
			return nil
		}
		return d.logEvent(e.LogGroupName, e.LogStreamName, e.Timestamp, e.Message)
	}
	return d.topLevelEnd(r, field, end)
}

// subscriptionPayload is what a CloudWatch Logs subscription delivers, or
// the envelope a Lambda subscriber receives it in.
type subscriptionPayload struct {
	AWSLogs *struct {
		Data string `json:"data"`
	} `json:"awslogs"`
	MessageType string     `json:"messageType"`
	LogGroup    string     `json:"logGroup"`
	LogStream   string     `json:"logStream"`
	LogEvents   []logEvent `json:"logEvents"`
}

// decodeSubscription reads subscription payloads: one, several back to
// back without separators (Firehose to S3), or the {"awslogs":{"data"}}
// envelope (base64 of gzip of a payload). Each payload is at most what
// one PutSubscriptionFilter delivery holds, so it is decoded whole.
func (d *decoder) decodeSubscription(lr *lineReader) error {
	sp := valueSplitter{br: lr.br}
	var p subscriptionPayload
	for {
		raw, tooLong, skipped, err := sp.next()
		d.pos.Line, d.pos.Offset = 0, sp.start
		if skipped > 0 {
			d.pos.Offset = sp.offset
			d.reject(ReasonBadJSON)
		}
		switch {
		case err == io.EOF:
			return nil
		case err == io.ErrUnexpectedEOF:
			if d.src.err == nil {
				d.reject(ReasonTruncated)
			}
			return nil
		case err != nil:
			return fmt.Errorf("read %s: %w", d.opts.Path, err)
		case tooLong:
			d.reject(ReasonLineTooLong)
			continue
		}
		if ok, err := d.payloadFast(raw); ok || err != nil {
			if err != nil {
				return err
			}
			continue
		}
		p = subscriptionPayload{}
		if err := json.Unmarshal(raw, &p); err != nil {
			d.jsonValueErr(err)
			continue
		}
		if err := d.payload(&p, 0); err != nil {
			return err
		}
	}
}

func (d *decoder) payload(p *subscriptionPayload, depth int) error {
	if p.AWSLogs != nil {
		if depth > 0 {
			d.reject(ReasonBadRecord)
			return nil
		}
		return d.envelope(p.AWSLogs.Data)
	}
	switch p.MessageType {
	case "DATA_MESSAGE", "":
	case "CONTROL_MESSAGE":
		d.skip("control-message")
		return nil
	default:
		d.reject(ReasonUnknownType)
		return nil
	}
	for i := range p.LogEvents {
		e := &p.LogEvents[i]
		if err := d.logEvent(p.LogGroup, p.LogStream, e.Timestamp, e.Message); err != nil {
			return err
		}
	}
	return nil
}

// envelope decodes the data of an {"awslogs":{"data":...}} event: base64,
// then gzip, then one or more payloads.
func (d *decoder) envelope(data string) error {
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		d.reject(ReasonBadRecord)
		return nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		d.reject(ReasonBadGzip)
		return nil
	}
	dec := json.NewDecoder(zr)
	dec.UseNumber()
	for {
		var p subscriptionPayload
		err := dec.Decode(&p)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if strings.Contains(err.Error(), "unexpected EOF") {
				d.reject(ReasonTruncated)
			} else {
				d.reject(ReasonBadJSON)
			}
			return nil
		}
		if err := d.payload(&p, 1); err != nil {
			return err
		}
	}
}

// decodeTelemetryAPI reads Telemetry API batches: JSON arrays of events,
// one or more per file, event by event.
func (d *decoder) decodeTelemetryAPI(r io.Reader) error {
	dec := json.NewDecoder(r)
	var raw json.RawMessage
	st, err := d.stream(nil, nil, time.Time{})
	if err != nil {
		return err
	}
	for {
		d.pos.Line, d.pos.Offset = 0, dec.InputOffset()
		tok, err := dec.Token()
		if d.jsonStop(dec, err) {
			return nil
		} else if err != nil {
			continue
		}
		if tok != json.Delim('[') {
			d.reject(ReasonBadJSON)
			return nil
		}
		for dec.More() {
			d.pos.Line, d.pos.Offset = 0, dec.InputOffset()
			raw = raw[:0]
			err := dec.Decode(&raw)
			if d.jsonStopIn(dec, err) {
				return nil
			}
			if err != nil {
				continue
			}
			d.sum.Lines++
			if err := d.tick(); err != nil {
				return err
			}
			if err := d.eventJSON(st, time.Time{}, raw); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); d.jsonStopIn(dec, err) {
			return nil
		}
	}
}

// insightsField is one cell of a Logs Insights result row.
type insightsField struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

// decodeInsights reads Logs Insights results: {"results":[[row]...]} as
// get-query-results prints it, an array of rows, or a single row. A row's
// @message is decoded like a log event's; @logStream, @timestamp and @log
// ("ACCOUNT:/aws/lambda/NAME") place it.
func (d *decoder) decodeInsights(r io.Reader) error {
	dec := json.NewDecoder(r)
	for {
		d.pos.Line, d.pos.Offset = 0, dec.InputOffset()
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if d.jsonStop(dec, err) {
			return nil
		}
		if err != nil {
			continue
		}
		var rows [][]insightsField
		v := skipSpace(raw)
		switch {
		case len(v) > 0 && v[0] == '{':
			var top struct {
				Results [][]insightsField `json:"results"`
			}
			err = json.Unmarshal(v, &top)
			rows = top.Results
		case len(v) > 1 && v[0] == '[' && bytes.HasPrefix(skipSpace(v[1:]), []byte("{")):
			var row []insightsField
			err = json.Unmarshal(v, &row)
			rows = [][]insightsField{row}
		default:
			err = json.Unmarshal(v, &rows)
		}
		if err != nil {
			d.reject(ReasonBadJSON)
			continue
		}
		for _, row := range rows {
			if err := d.insightsRow(row); err != nil {
				return err
			}
		}
	}
}

func (d *decoder) insightsRow(row []insightsField) error {
	var msg, stream, group, stamp string
	for _, f := range row {
		switch f.Field {
		case "@message":
			msg = f.Value
		case "@logStream":
			stream = f.Value
		case "@log":
			group = f.Value
			if i := strings.IndexByte(group, ':'); i >= 0 {
				group = group[i+1:]
			}
		case "@timestamp":
			stamp = f.Value
		}
	}
	if msg == "" {
		d.skip("insights-row")
		return nil
	}
	var ms json.Number
	if stamp != "" {
		t, ok := parseTime([]byte(stamp))
		if !ok {
			d.reject(ReasonBadTimestamp)
			return nil
		}
		ms = json.Number(string(appendInt(nil, t.UnixMilli())))
	}
	return d.logEvent(group, stream, ms, msg)
}
