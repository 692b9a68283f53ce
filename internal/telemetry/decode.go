package telemetry

import (
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Options configure one Decode call, which reads one file (or stream).
type Options struct {
	// Function names the function whose logs these are, for formats that
	// do not carry the log group. It wins over Path.
	Function string
	// Path is the file's path, used in Rejected records, to find the
	// function name (a component after aws/lambda/, else the file's base
	// name without extensions) and the query file beside a metric data
	// file. "" or "-" for standard input.
	Path string
	// Queries describe a get-metric-data file's ids (namespace, metric,
	// dimensions, stat, period). When nil, Decode reads X.query.json
	// beside a file X.json (or X.json.gz), if there is one.
	Queries *MetricQueries
	// Format, when not FormatUnknown, is the input's format (inside gzip):
	// Decode does not detect it. Detecting waits for PeekSize bytes or the
	// end of input, which a followed file or pipe may not give for a long
	// time; the caller detects from what it has (fnops watch).
	Format Format
	// Now is the decoder's clock. Timestamps more than a day after it are
	// rejected as "future-timestamp". The zero value means time.Now().
	Now time.Time
}

// Sink receives decoded records in input order, except that a failed
// invocation waits for the next line of its log stream (which may say it
// was a failed init). The pointers passed to
// Invocation, Metric and Deploy are only valid during the call: the decoder
// reuses the record for the next one, so a sink that keeps it copies it (a
// struct copy is enough: strings are immutable and Metric.Dimensions is
// never modified after it is handed out, though it may be shared between
// records). A non-nil error from a sink stops Decode, which returns it.
type Sink interface {
	Invocation(*Invocation) error
	Metric(*Metric) error
	Deploy(*Deploy) error
	// Reject is told about each input that could not be decoded; decoding
	// goes on. The Summary counts them by reason too.
	Reject(Rejected)
}

// FunctionSource says how the function a record belongs to was found.
type FunctionSource string

// Function sources, strongest first. Decode uses the log group when the
// format carries one (/aws/lambda/NAME); then the function named by the
// records themselves (a platform.initStart's functionName, as Telemetry API
// batches carry); then Options.Function; then the path; then the file name.
const (
	FunctionFromLogGroup FunctionSource = "log-group"
	FunctionFromRecord   FunctionSource = "record"
	FunctionFromFlag     FunctionSource = "flag"
	FunctionFromPath     FunctionSource = "path"
	FunctionFromFileName FunctionSource = "file-name"
)

// Reasons a Rejected record gives.
const (
	ReasonLineTooLong   = "line-too-long"    // a line over MaxLineBytes; skipped without being held in memory
	ReasonInvalidUTF8   = "invalid-utf8"     // a field that must be text is not UTF-8
	ReasonBadJSON       = "bad-json"         // JSON that does not parse, or has the wrong shape
	ReasonTruncated     = "truncated"        // the input ends inside a gzip member or a JSON value
	ReasonBadGzip       = "bad-gzip"         // corrupt gzip data
	ReasonUnknownType   = "unknown-type"     // an event type or message type this decoder does not know
	ReasonOutOfRange    = "out-of-range"     // a number negative or too large for its field
	ReasonFutureTime    = "future-timestamp" // more than a day after Options.Now
	ReasonBadTimestamp  = "bad-timestamp"    // a timestamp that does not parse
	ReasonBadRecord     = "bad-record"       // a platform line or event missing what it must have
	ReasonUnknownFormat = "unknown-format"   // content that no decoder reads
)

// MaxLineBytes is the longest line the line-oriented decoders read. Longer
// lines are skipped (and rejected) without being held in memory whole.
const MaxLineBytes = 1 << 20

// Summary is what one Decode call read.
type Summary struct {
	Path   string
	Format Format
	// Function is the function name Decode falls back on for records that
	// do not name their log group ("" when no rule gave one).
	// FunctionSource is the rule that named the functions of the
	// invocations: "log-group" or "record" when every invocation was named
	// so, else the rule that gave Function.
	Function       string
	FunctionSource FunctionSource
	Bytes          int64 // bytes read, after decompression
	Lines          int64 // lines (text formats) or events (JSON formats) read
	Invocations    int64
	Metrics        int64
	Deploys        int64
	// Rejected counts rejected inputs by reason (the Reason* constants).
	Rejected map[string]int64
	// Skipped counts inputs read on purpose without a record: CONTROL_MESSAGE
	// payloads, platform events that carry nothing the store keeps.
	Skipped map[string]int64
	// DroppedRecords is the sum of platform.logsDropped droppedRecords: log
	// records Lambda did not deliver to a Telemetry API subscriber.
	DroppedRecords int64
	// Notes say what the summary should tell the user, e.g. a metric data
	// file read without its query file.
	Notes []string
}

// RejectedTotal is the number of rejected inputs, all reasons together.
func (s *Summary) RejectedTotal() int64 {
	var n int64
	for _, c := range s.Rejected {
		n += c
	}
	return n
}

// DecodeFile opens path and decodes it with Decode; opts.Path is set to path.
func DecodeFile(ctx context.Context, path string, opts Options, sink Sink) (Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return Summary{Path: path}, fmt.Errorf("open telemetry: %w", err)
	}
	defer f.Close()
	opts.Path = path
	return Decode(ctx, f, opts, sink)
}

// Decode reads one input in any Format, detected from its content (gzip is
// undone first, whatever is inside), and sends the records to sink in
// input order. Memory stays bounded whatever the input's size: lines are
// read through a fixed buffer, JSON arrays of events element by element,
// and per log stream the decoder keeps only the few requests that have
// started and not yet reported.
//
// Bad input does not stop decoding: each bad line or event is passed to
// sink.Reject and counted in the Summary, and the rest is read. Decode
// returns an error only when reading r fails (other than by corrupt or
// truncated data, which is rejected), when a sink returns one, or when ctx
// ends.
func Decode(ctx context.Context, r io.Reader, opts Options, sink Sink) (Summary, error) {
	d := newDecoder(ctx, opts, sink)
	err := d.run(r)
	if err == nil {
		err = d.releaseAll()
	}
	d.finish()
	return d.sum, err
}

type decoder struct {
	ctx   context.Context
	opts  Options
	sink  Sink
	sum   Summary
	limit time.Time // timestamps after this are from the future

	fn       string // fallback function name
	fnSrc    FunctionSource
	usedSrc  FunctionSource // the source that named the invocations so far
	srcMixed bool           // true once two sources were used

	src *countReader

	pos      Rejected // position of what is being decoded, for Reject
	intern   map[string]string
	groups   map[string]map[string]*streamState // log group, log stream
	nStreams int
	last     *streamState
	recent   [256]*streamState // streams by streamSlot, in front of groups
	lastIntn string            // the string internBytes returned last
	nHeld    int               // streams holding a failed invocation
	heldList []*streamState    // streams that held one, in order (some released since)
	arena    []byte            // backs request id strings, see idString
	deploys  map[[2]string]struct{}

	inv    Invocation
	rep    reportFields
	ev     jsonEvent // encoding/json's target, on the slow path
	evb    evBytes
	stamps stampCache
	// Reused by the subscription fast path.
	fastEvents []fastEvent
	msgBuf     []byte
	ticker     int
}

func newDecoder(ctx context.Context, opts Options, sink Sink) *decoder {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	d := &decoder{
		ctx:     ctx,
		opts:    opts,
		sink:    sink,
		limit:   now.Add(24 * time.Hour),
		intern:  make(map[string]string),
		groups:  make(map[string]map[string]*streamState),
		deploys: make(map[[2]string]struct{}),
	}
	d.sum.Path = opts.Path
	d.sum.Rejected = map[string]int64{}
	d.sum.Skipped = map[string]int64{}
	d.pos.File = opts.Path
	d.fn, d.fnSrc = ResolveFunction(opts.Function, opts.Path)
	return d
}

// ResolveFunction applies the rules for a file that does not name its log
// group: an explicit name (FunctionFromFlag), else the path component after
// aws/lambda/ (FunctionFromPath: logs/aws/lambda/orders-api/2026-03-01.json
// is orders-api), else the file's base name without extensions
// (FunctionFromFileName: orders-api.log.gz is orders-api). It returns
// "", "" when none applies (standard input without a name).
func ResolveFunction(explicit, path string) (string, FunctionSource) {
	if explicit != "" {
		return explicit, FunctionFromFlag
	}
	if path == "" || path == "-" {
		return "", ""
	}
	p := filepath.ToSlash(path)
	if i := strings.LastIndex(p, "aws/lambda/"); i >= 0 {
		rest := p[i+len("aws/lambda/"):]
		if j := strings.IndexByte(rest, '/'); j > 0 {
			return rest[:j], FunctionFromPath
		}
	}
	base := p[strings.LastIndexByte(p, '/')+1:]
	if j := strings.IndexByte(base, '.'); j >= 0 {
		base = base[:j]
	}
	if base == "" {
		return "", ""
	}
	return base, FunctionFromFileName
}

// functionOf gives the function for a log group: /aws/lambda/NAME is NAME;
// any other group (a custom LoggingConfig.LogGroup may hold many functions)
// or none falls back on the options' rules, and a custom group is used
// whole only when they give nothing.
func (d *decoder) functionOf(group string) (string, FunctionSource) {
	if name, ok := strings.CutPrefix(group, "/aws/lambda/"); ok && name != "" {
		return name, FunctionFromLogGroup
	}
	if d.fn != "" || group == "" {
		return d.fn, d.fnSrc
	}
	return group, FunctionFromLogGroup
}

func (d *decoder) finish() {
	d.sum.Function, d.sum.FunctionSource = d.fn, d.fnSrc
	if d.usedSrc != "" && !d.srcMixed {
		d.sum.FunctionSource = d.usedSrc
	}
}

// reject counts and reports the input at the current position.
func (d *decoder) reject(reason string) {
	d.sum.Rejected[reason]++
	p := d.pos
	p.Reason = reason
	d.sink.Reject(p)
}

func (d *decoder) skip(what string) { d.sum.Skipped[what]++ }

// checkTime rejects timestamps from the far future.
func (d *decoder) checkTime(t time.Time) bool {
	if t.After(d.limit) {
		// A decoder on a followed stream (fnops watch) lives for days:
		// unless Options.Now fixes the clock, the limit moves with it.
		if d.opts.Now.IsZero() {
			d.limit = time.Now().Add(24 * time.Hour)
		}
		if t.After(d.limit) {
			d.reject(ReasonFutureTime)
			return false
		}
	}
	return true
}

// tick is called once per line or event; it checks ctx now and then.
func (d *decoder) tick() error {
	d.ticker++
	if d.ticker&4095 == 0 {
		return d.ctx.Err()
	}
	return nil
}

// readChunk caps one read of the input. The line buffer is MaxLineBytes,
// and filling it whole would stream each megabyte through memory twice
// (copied in, then scanned): chunks this size are scanned while still in
// the CPU's cache.
const readChunk = 64 << 10

// countReader counts bytes and turns corrupt or truncated compressed data
// into a clean end of input, remembering why, so each decoder ends the way
// it ends at EOF and Decode then rejects the rest once.
type countReader struct {
	r   io.Reader
	n   int64
	err error // the data error that ended the input, if any
}

func (c *countReader) Read(p []byte) (int, error) {
	if len(p) > readChunk {
		p = p[:readChunk]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || isFlateError(err) {
			c.err = err
			return n, io.EOF
		}
	}
	return n, err
}

func isFlateError(err error) bool {
	var ce flate.CorruptInputError
	return errors.As(err, &ce)
}

func (d *decoder) run(r io.Reader) error {
	// One buffer between the reader and the decoders for plain input; a
	// second, after inflating, for gzip.
	d.src = &countReader{r: r}
	lr := newLineReader(d.src)
	defer lr.release()
	gz := false
	if head := lr.peek(2); len(head) == 2 && head[0] == gzipMagic[0] && head[1] == gzipMagic[1] {
		zr, err := gzip.NewReader(lr.br)
		if err != nil {
			d.pos.Line, d.pos.Offset = 0, 0
			if errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF {
				d.reject(ReasonTruncated)
			} else {
				d.reject(ReasonBadGzip)
			}
			return nil
		}
		d.src = &countReader{r: zr}
		lr = newLineReader(d.src)
		defer lr.release()
		gz = true
	}
	f := d.opts.Format
	var peek []byte
	if f == FormatUnknown {
		peek = lr.peek(PeekSize)
		f = Detect(peek)
	}
	d.sum.Format = f
	var err error
	switch f {
	case FormatUnknown:
		if len(skipSpace(peek)) > 0 {
			d.reject(ReasonUnknownFormat)
		}
	case FormatText, FormatJSONLog:
		err = d.decodeLines(lr)
	case FormatTelemetryAPI:
		err = d.decodeTelemetryAPI(lr)
	case FormatLogEvents:
		if fastPaths {
			err = d.decodeLogEventsStream(lr)
		} else {
			err = d.decodeLogEvents(lr)
		}
	case FormatSubscription:
		err = d.decodeSubscription(lr)
	case FormatInsights:
		err = d.decodeInsights(lr)
	case FormatMetricData:
		err = d.decodeMetricData(lr)
	case FormatMetricQueries:
		d.skip("metric-queries")
	case FormatStackEvents:
		err = d.decodeStackEvents(lr)
	}
	d.sum.Bytes = d.src.n
	if d.src.err != nil && err == nil {
		d.pos.Line, d.pos.Offset = 0, d.src.n
		if gz && (errors.Is(d.src.err, io.ErrUnexpectedEOF)) {
			d.reject(ReasonTruncated)
		} else {
			d.reject(ReasonBadGzip)
		}
	}
	return err
}
