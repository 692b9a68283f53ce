package telemetry

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/bits"
	"time"
	"unicode/utf8"
)

// reportFields is one REPORT line or platform.report event, parsed. The
// decoder keeps one and reuses it.
type reportFields struct {
	id                       []byte
	durUS, initUS, restoreUS int64
	billedMS, billedRestore  int64
	memMB, maxMemMB          int64
	hasDur, hasBilled        bool
	hasMem, hasMax           bool
	hasInit, hasRestore      bool
	status                   string // "", success, error, failure, timeout
	errType                  string
}

func (d *decoder) decodeLines(lr *lineReader) error {
	for {
		line, tooLong, truncated, err := lr.readLine()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", d.opts.Path, err)
		}
		d.pos.Line = int(lr.line)
		if truncated {
			return nil // run rejects the truncated input once
		}
		d.sum.Lines++
		if tooLong {
			d.reject(ReasonLineTooLong)
			continue
		}
		if err := d.tick(); err != nil {
			return err
		}
		if err := d.rawLine(line); err != nil {
			return err
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

func skipWS(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	return b
}

// cutToken splits b at its first space or tab, dropping the whitespace run.
func cutToken(b []byte) (tok, rest []byte) {
	if i := indexSpace(b); i >= 0 {
		return b[:i], skipWS(b[i+1:])
	}
	return b, nil
}

// indexSpace is the index of the first space or tab in b, or -1. Tokens
// are words and request ids, too short for bytes.IndexByte to pay off:
// it tests eight bytes at a time in a register.
func indexSpace(b []byte) int {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		sp, tab := w^(' '*lo), w^('\t'*lo)
		// A zero byte in sp or tab is a space or tab in w.
		if m := (sp-lo)&^sp&hi | (tab-lo)&^tab&hi; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if isSpace(b[i]) {
			return i
		}
	}
	return -1
}

func hasPrefix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[:len(s)]) == s
}

func trimRightSpace(b []byte) []byte {
	for len(b) > 0 {
		c := b[len(b)-1]
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			break
		}
		b = b[:len(b)-1]
	}
	return b
}

// rawLine reads one line of a text log file: an optional timestamp, an
// optional log stream name (aws logs tail puts the timestamp first, sam
// logs the stream first), then the log message. Lines that cannot change
// a record (most application lines, END, XRAY) return before their
// timestamp is parsed or their stream looked up: they are half the lines
// of a busy log.
func (d *decoder) rawLine(line []byte) error {
	rest := line
	var stamp, name []byte
	if looksLikeTime(rest) {
		e := timeEnd(rest)
		stamp, rest = rest[:e], skipWS(rest[e:])
	}
	if looksLikeStreamPrefix(rest) {
		e := streamEnd(rest)
		name, rest = rest[:e], skipWS(rest[e:])
		if stamp == nil && looksLikeTime(rest) {
			e := timeEnd(rest)
			stamp, rest = rest[:e], skipWS(rest[e:])
		}
	}
	if !mayMatter(rest) {
		return nil
	}
	var ts time.Time
	if stamp != nil {
		t, ok := d.stamps.parse(stamp)
		if !ok {
			d.reject(ReasonBadTimestamp)
			return nil
		}
		if !d.checkTime(t) {
			return nil
		}
		ts = t
	}
	st, err := d.stream(nil, name, ts)
	if err != nil {
		return err
	}
	return d.platformLine(st, ts, rest)
}

// tokenEnd is the index of the first space or tab in b at or after from,
// or len(b). Separators in line prefixes are spaces, so the space is found
// with a vector search and a tab before it looked for in the (short) span.
func tokenEnd(b []byte, from int) int {
	if from >= len(b) {
		return len(b)
	}
	end := len(b)
	if i := bytes.IndexByte(b[from:], ' '); i >= 0 {
		end = from + i
	}
	if i := bytes.IndexByte(b[from:end], '\t'); i >= 0 {
		end = from + i
	}
	return end
}

// timeEnd is the length of the ISO timestamp b starts with (see
// looksLikeTime): the shapes Lambda and the CLI print are stepped over
// without a search, anything else ends at the first space or tab.
func timeEnd(b []byte) int {
	i := 19
	if i < len(b) && b[i] == '.' {
		i++
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) {
		switch b[i] {
		case 'Z':
			i++
		case '+', '-':
			if i+6 <= len(b) && b[i+3] == ':' {
				i += 6
			}
		}
	}
	if i == len(b) || isSpace(b[i]) {
		return i
	}
	return tokenEnd(b, 19)
}

// stampTokenEnd is tokenEnd(b, 19) for b starting with a timestamp (see
// looksLikeTime): the fraction and a Z that runtimes print are stepped
// over before any search, since none of them is a space or tab.
func stampTokenEnd(b []byte) int {
	i := 19
	if i < len(b) && b[i] == '.' {
		i++
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && b[i] == 'Z' {
		i++
	}
	if i < len(b) && isSpace(b[i]) {
		return i
	}
	return tokenEnd(b, i)
}

// streamEnd is the length of the log stream name b starts with (see
// looksLikeStreamPrefix). The environment id after the version is 32 hex
// digits; other lengths are found by search.
func streamEnd(b []byte) int {
	for j := 12; j < len(b) && j < 48; j++ {
		if b[j] == ']' {
			if e := j + 33; e == len(b) || e < len(b) && isSpace(b[e]) {
				return e
			}
			break
		}
	}
	return tokenEnd(b, 12)
}

// looksLikeStreamPrefix is a cheap test for a line starting with a Lambda
// log stream name, YYYY/MM/DD/[.
func looksLikeStreamPrefix(b []byte) bool {
	return len(b) >= 13 && b[4] == '/' && b[7] == '/' && b[10] == '/' && b[11] == '[' && b[0] >= '0' && b[0] <= '9'
}

// mayMatter says whether a log message can start, end or enrich a record;
// it errs on the side of yes.
func mayMatter(msg []byte) bool {
	if len(msg) == 0 {
		return false
	}
	switch msg[0] {
	case 'R', 'S', 'I', '{':
		return true
	case 'E':
		if hasPrefix(msg, "END ") {
			return false
		}
	case 'X':
		if hasPrefix(msg, "XRAY ") {
			return false
		}
	}
	_, what := appSignal(msg)
	return what != signalNone
}

// Signals of how an invocation ended, in a function's log lines.
const (
	signalNone = iota
	signalTimeout
	signalExited
)

// appSignal finds the platform's messages in a function's log stream:
// "[<time>] [<request id>] Task timed out after 3.00 seconds" and
// "[<time>] [<request id>] Error: Runtime exited with error: signal: killed".
// They come at the start of the line, after at most a timestamp and a
// request id, so a line costs a few comparisons, not a search: most lines
// of a log are the function's own. It returns the request id, if any.
func appSignal(msg []byte) (id []byte, what int) {
	m := msg
	if looksLikeTime(m) {
		m = skipWS(m[stampTokenEnd(m):])
	}
	if len(m) >= 36 && isRequestID(m[:36]) && (len(m) == 36 || isSpace(m[36])) {
		id, m = m[:36], skipWS(m[36:])
	}
	switch {
	case hasPrefix(m, "Task timed out after"):
		return id, signalTimeout
	case hasPrefix(m, "Error: Runtime exited"), hasPrefix(m, "Runtime exited"):
		return id, signalExited
	}
	return nil, signalNone
}

// message reads one log event's text, which may hold several lines (a
// REPORT and its XRAY line are one event).
func (d *decoder) message(st *streamState, ts time.Time, msg []byte) error {
	for len(msg) > 0 {
		line := msg
		if i := bytes.IndexByte(msg, '\n'); i >= 0 {
			line, msg = msg[:i], msg[i+1:]
		} else {
			msg = nil
		}
		if err := d.platformLine(st, ts, line); err != nil {
			return err
		}
	}
	return nil
}

// platformLine reads one log line of a stream whose time is ts (zero if
// unknown).
func (d *decoder) platformLine(st *streamState, ts time.Time, line []byte) error {
	line = trimRightSpace(line)
	if len(line) == 0 {
		return nil
	}
	if st.hasHeld && line[0] != '{' { // JSON events release in event
		if err := d.releaseBefore(st, line); err != nil {
			return err
		}
	}
	switch line[0] {
	case 'R':
		switch {
		case hasPrefix(line, "REPORT "):
			return d.textReport(st, ts, line[len("REPORT "):])
		case hasPrefix(line, "RequestId: "):
			d.faultLine(st, line[len("RequestId: "):])
			return nil
		case hasPrefix(line, "RESTORE_REPORT"):
			d.phaseReport(st, line[len("RESTORE_REPORT"):])
			return nil
		case hasPrefix(line, "RESTORE_START"):
			return nil
		case hasPrefix(line, "Runtime.") && bytes.IndexByte(line, ' ') < 0:
			// The second line of a fault ("RequestId: ID Error: ...\nRuntime.ExitError").
			if p := st.current(); p.failed && (p.errType == "" || p.errType == "Runtime.ExitError") {
				p.errType = d.internBytes(line)
			}
			return nil
		}
	case 'S':
		if hasPrefix(line, "START RequestId: ") {
			d.textStart(st, ts, line[len("START RequestId: "):])
			return nil
		}
	case 'E':
		if hasPrefix(line, "END RequestId: ") {
			return nil
		}
	case 'I':
		switch {
		case hasPrefix(line, "INIT_REPORT"):
			d.phaseReport(st, line[len("INIT_REPORT"):])
			return nil
		case hasPrefix(line, "INIT_START"):
			return nil
		}
	case 'X':
		if hasPrefix(line, "XRAY ") {
			return nil
		}
	case '{':
		return d.jsonLine(st, ts, line)
	}
	d.appLine(st, line)
	return nil
}

func (d *decoder) textStart(st *streamState, ts time.Time, b []byte) {
	id, rest := cutToken(b)
	if len(id) == 0 {
		d.reject(ReasonBadRecord)
		return
	}
	p := st.add(id)
	p.start = ts
	if hasPrefix(rest, "Version:") {
		v, _ := cutToken(skipWS(rest[len("Version:"):]))
		switch {
		case len(v) == 0:
		case string(v) == st.version:
			p.version = st.version // the usual case: no map lookup
		default:
			p.version = d.internBytes(v)
		}
	}
}

// faultLine reads "RequestId: ID Error: Runtime exited with error: signal: killed",
// what older runtimes log when the runtime process dies.
func (d *decoder) faultLine(st *streamState, b []byte) {
	id, rest := cutToken(b)
	p := st.add(id)
	if !hasPrefix(rest, "Error:") {
		return
	}
	p.failed = true
	if bytes.Contains(rest, []byte("signal: killed")) {
		p.killed = true
	}
	if p.errType == "" && bytes.Contains(rest, []byte("Runtime exited")) {
		p.errType = "Runtime.ExitError"
	}
}

// phaseReport reads the fields of INIT_REPORT and RESTORE_REPORT. Only a
// failure matters here (see initFailed).
func (d *decoder) phaseReport(st *streamState, b []byte) {
	status, errType, phase := []byte(nil), []byte(nil), []byte(nil)
	for b = skipWS(b); len(b) > 0; b = skipWS(b) {
		switch {
		case hasPrefix(b, "Phase:"):
			phase, b = cutToken(skipWS(b[len("Phase:"):]))
		case hasPrefix(b, "Status:"):
			status, b = cutToken(skipWS(b[len("Status:"):]))
		case hasPrefix(b, "Error Type:"):
			errType, b = cutToken(skipWS(b[len("Error Type:"):]))
		default:
			_, b = cutToken(b)
		}
	}
	d.initFailed(st, string(phase), d.internBytes(status), d.internBytes(errType))
}

// appLine looks at a function's own log line for the platform's messages
// that say how an invocation ended: a timeout, or a runtime that exited.
func (d *decoder) appLine(st *streamState, line []byte) {
	id, what := appSignal(line)
	if what == signalNone {
		return
	}
	p := st.current()
	if id != nil {
		p = st.add(id)
	}
	if what == signalTimeout {
		p.timedOut = true
		return
	}
	p.failed = true
	if bytes.Contains(line, []byte("signal: killed")) {
		p.killed = true
	}
	if p.errType == "" {
		p.errType = "Runtime.ExitError"
	}
}

// isRequestID says whether b looks like a UUID, as request ids are.
func isRequestID(b []byte) bool {
	return len(b) == 36 && b[8] == '-' && b[13] == '-' && b[18] == '-' && b[23] == '-'
}

// textReport parses the part of a REPORT line after "REPORT " and emits
// its Invocation. Fields are found by name, not position: production
// Lambda and the runtime interface emulator order them differently, and
// console copies turn the tabs between them into spaces.
func (d *decoder) textReport(st *streamState, ts time.Time, b []byte) error {
	r := &d.rep
	*r = reportFields{}
	b = skipWS(b)
	if !hasPrefix(b, "RequestId:") {
		d.reject(ReasonBadRecord)
		return nil
	}
	r.id, b = cutToken(skipWS(b[len("RequestId:"):]))
	var err error
fields:
	for b = skipWS(b); len(b) > 0 && err == nil; b = skipWS(b) {
		switch b[0] {
		case 'D':
			if hasPrefix(b, "Duration:") {
				r.durUS, b, err = msField(b[len("Duration:"):])
				r.hasDur = true
				continue
			}
		case 'B':
			if hasPrefix(b, "Billed Duration:") {
				r.billedMS, b, err = intField(b[len("Billed Duration:"):])
				r.hasBilled = true
				continue
			}
			if hasPrefix(b, "Billed Restore Duration:") {
				r.billedRestore, b, err = intField(b[len("Billed Restore Duration:"):])
				continue
			}
		case 'M':
			if hasPrefix(b, "Memory Size:") {
				r.memMB, b, err = intField(b[len("Memory Size:"):])
				r.hasMem = true
				continue
			}
			if hasPrefix(b, "Max Memory Used:") {
				r.maxMemMB, b, err = intField(b[len("Max Memory Used:"):])
				r.hasMax = true
				continue
			}
		case 'I':
			if hasPrefix(b, "Init Duration:") {
				r.initUS, b, err = msField(b[len("Init Duration:"):])
				r.hasInit = true
				continue
			}
		case 'R':
			if hasPrefix(b, "Restore Duration:") {
				r.restoreUS, b, err = msField(b[len("Restore Duration:"):])
				r.hasRestore = true
				continue
			}
		case 'S':
			if hasPrefix(b, "Status:") {
				var s []byte
				s, b = cutToken(skipWS(b[len("Status:"):]))
				r.status = statusWord(s)
				continue
			}
		case 'E':
			if hasPrefix(b, "Error Type:") {
				var s []byte
				s, b = cutToken(skipWS(b[len("Error Type:"):]))
				if !utf8.Valid(s) {
					d.reject(ReasonInvalidUTF8)
					return nil
				}
				r.errType = d.internBytes(s)
				continue
			}
		case 'X':
			if hasPrefix(b, "XRAY ") {
				break fields // tracing, up to the end of the line
			}
		}
		_, b = cutToken(b) // a field this decoder does not know: step over a word
	}
	switch {
	case err == errRange:
		d.reject(ReasonOutOfRange)
		return nil
	case err != nil || !r.hasDur || len(r.id) == 0:
		d.reject(ReasonBadRecord)
		return nil
	}
	return d.emit(st, ts, r)
}

func statusWord(s []byte) string {
	switch string(s) {
	case "timeout":
		return "timeout"
	case "error":
		return "error"
	case "failure":
		return "failure"
	case "success":
		return "success"
	}
	return "error" // a status we do not know is still not a success
}

// msField reads "<ws>123.45<ws>ms" into microseconds.
func msField(b []byte) (int64, []byte, error) {
	return numField(b, 3)
}

// intField reads "<ws>123<ws>UNIT" (ms or MB) as an integer.
func intField(b []byte) (int64, []byte, error) {
	return numField(b, 0)
}

// numField reads a number scaled by 10^scale and the unit after it. Plain
// decimals with at most scale fraction digits, which is what Lambda
// writes, are read in one pass; anything else goes through parseScaled.
func numField(b []byte, scale int) (int64, []byte, error) {
	b = skipWS(b)
	var v int64
	i, frac, point := 0, 0, false
	for ; i < len(b) && i < 18; i++ {
		c := b[i]
		if c == '.' && !point {
			point = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		if point {
			frac++
		}
		v = v*10 + int64(c-'0')
	}
	if i > 0 && frac <= scale && (i == len(b) || isSpace(b[i])) && !(point && frac == 0 && i == 1) &&
		v <= maxUnscaled[scale-frac] {
		v *= pow10[scale-frac]
		return v, skipUnits(skipWS(b[i:])), nil
	}
	num, rest := cutToken(b)
	v, err := parseScaled(num, scale)
	return v, skipUnits(rest), err
}

// maxUnscaled[k] is the largest value that can be multiplied by 10^k
// without overflowing an int64: a table, so numField divides nothing.
var maxUnscaled = [...]int64{
	math.MaxInt64, math.MaxInt64 / 10, math.MaxInt64 / 100, math.MaxInt64 / 1000,
}

// skipUnits steps over the unit after a REPORT number.
func skipUnits(b []byte) []byte {
	if len(b) >= 2 && (len(b) == 2 || isSpace(b[2])) && (b[0] == 'm' && b[1] == 's' || b[0] == 'M' && b[1] == 'B') {
		return b[2:]
	}
	return b
}

// isInitErrorType says whether an error type means the function's init
// code failed (so the REPORT that carries it is of a failed, suppressed
// init rerun in the invoke phase).
func isInitErrorType(t string) bool {
	switch t {
	case "Runtime.ImportModuleError", "Runtime.HandlerNotFound", "Runtime.UserCodeSyntaxError",
		"Runtime.MalformedHandlerName", "Runtime.InvalidEntrypoint", "Runtime.InvalidWorkingDir",
		"Runtime.InvalidTaskConfig", "Extension.InitError", "Extension.LaunchError":
		return true
	}
	return false
}

// emit turns a parsed report into an Invocation, enriched with what its
// stream saw of the request before (START time, timeout and error lines),
// and hands it to the sink.
func (d *decoder) emit(st *streamState, ts time.Time, r *reportFields) error {
	if !utf8.Valid(r.id) {
		d.reject(ReasonInvalidUTF8)
		return nil
	}
	if r.memMB > math.MaxInt32 || r.maxMemMB > math.MaxInt32 {
		d.reject(ReasonOutOfRange)
		return nil
	}
	p := st.take(r.id)
	inv := &d.inv
	*inv = Invocation{
		Function:          st.function,
		Version:           st.version,
		EnvID:             st.env,
		RequestID:         d.idString(r.id),
		End:               ts,
		DurationUS:        r.durUS,
		BilledDurationMS:  r.billedMS,
		MemorySizeMB:      int32(r.memMB),
		MaxMemoryUsedMB:   int32(r.maxMemMB),
		InitDurationUS:    r.initUS,
		RestoreDurationUS: r.restoreUS,
		BilledRestoreMS:   r.billedRestore,
		ColdStart:         r.hasInit || r.hasRestore,
	}
	if d.usedSrc == "" {
		d.usedSrc = st.fnSrc
	} else if d.usedSrc != st.fnSrc {
		d.srcMixed = true
	}
	if inv.Version == "" {
		inv.Version = p.version
	}
	if !r.hasMem && st.memMB > 0 {
		inv.MemorySizeMB = st.memMB
	}
	switch {
	case !p.start.IsZero():
		inv.Start = p.start
	case !ts.IsZero():
		// No START time known: the REPORT is written when the invocation
		// ends, so it started Duration before.
		inv.Start = ts.Add(-time.Duration(r.durUS) * time.Microsecond)
	}

	errType := r.errType
	if errType == "" {
		errType = p.errType
	}
	// Any status but success and timeout is a failure, one this decoder
	// does not know included.
	failed := r.status != "" && r.status != "success" && r.status != "timeout" || p.failed || errType != ""
	switch {
	case r.status == "timeout" || p.timedOut:
		inv.Status = StatusTimeout
	case errType == "Runtime.OutOfMemory",
		p.killed && inv.MemorySizeMB > 0 && r.maxMemMB+1 >= int64(inv.MemorySizeMB),
		failed && r.hasMax && r.maxMemMB >= int64(inv.MemorySizeMB) && inv.MemorySizeMB > 0:
		inv.Status = StatusOOM
	case failed && (isInitErrorType(errType) || st.initErr != ""):
		inv.Status = StatusInitError
		if errType == "" {
			errType = st.initErr
		}
	case failed:
		inv.Status = StatusError
	}
	st.initErr = "" // an init failure belongs to the next report only
	inv.ErrorType = errType
	if inv.Status == StatusError {
		// A failed init rerun inside the invocation (a "suppressed init")
		// is reported by an INIT_REPORT with Phase: invoke right after
		// the REPORT. Hold the failure until the stream's next line says
		// whether it is one.
		st.held, st.hasHeld = *inv, true
		d.nHeld++
		if len(d.heldList) > 2*d.nHeld+64 { // drop the released
			kept := d.heldList[:0]
			for _, h := range d.heldList {
				if h.hasHeld && h != st {
					kept = append(kept, h)
				}
			}
			d.heldList = kept
		}
		d.heldList = append(d.heldList, st)
		return nil
	}
	d.sum.Invocations++
	return d.sink.Invocation(inv)
}

// release emits the invocation st holds, if any. initPhase is the Phase,
// status and error type of the line that follows it when that is an
// INIT_REPORT (or platform.initReport), else "".
func (d *decoder) release(st *streamState, phase, status, errType string) error {
	if !st.hasHeld {
		return nil
	}
	st.hasHeld = false
	d.nHeld--
	inv := &d.inv
	*inv = st.held
	if phase == "invoke" && status != "" && status != "success" {
		inv.Status = StatusInitError
		if inv.ErrorType == "" {
			inv.ErrorType = errType
		}
	}
	d.sum.Invocations++
	return d.sink.Invocation(inv)
}

// releaseAll emits every held invocation: at the end of the input, and
// before the stream table is cleared.
func (d *decoder) releaseAll() error {
	if d.nHeld == 0 {
		return nil
	}
	for _, st := range d.heldList { // in the order they were held
		if err := d.release(st, "", "", ""); err != nil {
			return err
		}
	}
	d.heldList = d.heldList[:0]
	return nil
}

// releaseBefore emits what st holds before line (a platform text line) is
// read, telling release about an INIT_REPORT.
func (d *decoder) releaseBefore(st *streamState, line []byte) error {
	if !st.hasHeld {
		return nil
	}
	if !hasPrefix(line, "INIT_REPORT") {
		return d.release(st, "", "", "")
	}
	var phase, status, errType []byte
	for b := skipWS(line[len("INIT_REPORT"):]); len(b) > 0; b = skipWS(b) {
		switch {
		case hasPrefix(b, "Phase:"):
			phase, b = cutToken(skipWS(b[len("Phase:"):]))
		case hasPrefix(b, "Status:"):
			status, b = cutToken(skipWS(b[len("Status:"):]))
		case hasPrefix(b, "Error Type:"):
			errType, b = cutToken(skipWS(b[len("Error Type:"):]))
		default:
			_, b = cutToken(b)
		}
	}
	return d.release(st, string(phase), string(status), d.internBytes(errType))
}

// initFailed notes a failed init (or restore) phase: it makes the stream's
// next failed REPORT an init-error. A report of Phase "invoke" is the
// suppressed init rerun inside an invocation, and Lambda writes it after
// that invocation's REPORT, which carries the same error type (see
// isInitErrorType), so it is not carried over to the next one.
func (d *decoder) initFailed(st *streamState, phase, status, errType string) {
	if status == "" || status == "success" || phase == "invoke" {
		return
	}
	st.initErr = "Runtime.Unknown"
	if errType != "" {
		st.initErr = errType
	}
}
