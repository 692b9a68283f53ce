package follow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fnops/fnops/internal/telemetry"
)

// Options configure a Follower. Zero fields take the defaults.
type Options struct {
	// Function names the function of logs that do not name it, as
	// `fnops ingest --function` does.
	Function string
	// Queries describe metric data files without X.query.json beside them.
	Queries *telemetry.MetricQueries
	// Stdin is read for the path "-".
	Stdin io.Reader
	// Poll is how often a file at its end, and the directories, are looked
	// at again (default 250ms).
	Poll time.Duration
	// IdleClose lets go of a file that has not grown for this long
	// (default 30s); it is opened again when it grows.
	IdleClose time.Duration
	// MaxOpen bounds the files decoded at once (default 128). While files
	// wait for a turn, files at their end are let go at once.
	MaxOpen int
	// OnError is told of a file that could not be read; following goes on.
	OnError func(path string, err error)
}

// Follower follows telemetry files, directories and standard input as
// they grow, and decodes what is written into a sink (an Ingester): new
// files in a directory, lines appended to a file, a file rotated (a new
// file at its path, read from its start) or truncated (read again: the
// store drops what it already holds). Gzip and whole-document formats are
// read again from the start when they change; line formats go on from
// where they were.
type Follower struct {
	paths []string
	sink  telemetry.Sink
	opts  Options

	sem     chan struct{}
	waiting atomic.Int32
	wg      sync.WaitGroup

	mu      sync.Mutex
	files   map[string]*tracked
	initial int // files found by the first scan, not yet read to their end
	caught  chan struct{}
	stdinOK bool
}

// tracked is what the follower knows of one file.
type tracked struct {
	running bool
	off     int64       // bytes decoded, for resuming a line format
	info    os.FileInfo // identity and size when last let go
	resume  bool        // the format can be resumed at off
	refused bool        // not telemetry (looked at when it was this size)
	format  telemetry.Format
	whole   bool // gzip or a JSON document: read whole, again when it changes
	// stillSize, stillMod and stillSince: a whole file unchanged since.
	stillSize  int64
	stillMod   time.Time
	stillSince time.Time
	// waitSize and waitSince: the file was too short to tell its format.
	waitSize  int64
	waitSince time.Time
	initial   bool // found by the first scan and not yet at its end
}

// New returns a follower of paths (files, directories, or "-" for
// Options.Stdin) feeding sink, which must be safe for concurrent use.
// Every path must exist.
func New(paths []string, sink telemetry.Sink, opts Options) (*Follower, error) {
	if opts.Poll <= 0 {
		opts.Poll = 250 * time.Millisecond
	}
	if opts.IdleClose <= 0 {
		opts.IdleClose = 30 * time.Second
	}
	if opts.MaxOpen <= 0 {
		opts.MaxOpen = 128
	}
	for _, p := range paths {
		if p == "-" {
			if opts.Stdin == nil {
				return nil, errors.New("follow: - given without standard input")
			}
			continue
		}
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("follow: %w", err)
		}
	}
	return &Follower{paths: paths, sink: sink, opts: opts, sem: make(chan struct{}, opts.MaxOpen),
		files: map[string]*tracked{}, caught: make(chan struct{})}, nil
}

// CaughtUp is closed once every file present at the start has been read
// to its end (and standard input, if followed, has been read to its end
// or has paused for one poll). Records are committed by the sink after.
func (f *Follower) CaughtUp() <-chan struct{} { return f.caught }

// Run follows until ctx ends, then lets every decoder finish what it read
// and returns. It returns early, with nil, when the only input is
// standard input and it ends.
func (f *Follower) Run(ctx context.Context) error {
	stdinDone := make(chan struct{})
	hasStdin := slices.Contains(f.paths, "-")
	if hasStdin {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			defer close(stdinDone)
			f.stdin(ctx)
		}()
	} else {
		f.stdinOK = true
	}
	onlyStdin := hasStdin && !slices.ContainsFunc(f.paths, func(p string) bool { return p != "-" })
	f.scan(ctx, true)
	t := time.NewTicker(f.opts.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			f.wg.Wait()
			return nil
		case <-stdinDone:
			if onlyStdin {
				f.wg.Wait()
				return nil
			}
			stdinDone = nil
		case <-t.C:
			f.scan(ctx, false)
		}
	}
}

func (f *Follower) stdin(ctx context.Context) {
	opts := telemetry.Options{Path: "-", Function: f.opts.Function, Queries: f.opts.Queries}
	r := &pauseReader{r: ctxReader(ctx, f.opts.Stdin), paused: func() { f.markStdin() }}
	// Detect the format from the first line, not the first PeekSize
	// bytes: a pipe may take long to give that many.
	var first []byte
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		first = append(first, buf[:n]...)
		if _, _, ready := sniffBytes(first); ready || err != nil {
			break
		}
	}
	opts.Format = telemetry.Detect(first)
	if _, err := telemetry.Decode(context.WithoutCancel(ctx), io.MultiReader(bytes.NewReader(first), r), opts, f.sink); err != nil && f.opts.OnError != nil {
		f.opts.OnError("-", err)
	}
	f.markStdin()
}

func (f *Follower) markStdin() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.stdinOK {
		f.stdinOK = true
		f.checkCaught()
	}
}

// pauseReader calls paused when a read waits (the writer paused): a
// pipe's Read blocks, so the call comes when a read takes a while.
type pauseReader struct {
	r      io.Reader
	paused func()
	once   sync.Once
}

func (p *pauseReader) Read(b []byte) (int, error) {
	t := time.AfterFunc(100*time.Millisecond, func() { p.once.Do(p.paused) })
	n, err := p.r.Read(b)
	t.Stop()
	return n, err
}

// checkCaught closes caught when nothing initial is left. f.mu held.
func (f *Follower) checkCaught() {
	if f.initial == 0 && f.stdinOK {
		select {
		case <-f.caught:
		default:
			close(f.caught)
		}
	}
}

// scan finds new files and starts a decoder for each file that is new,
// grew after it was let go, or changed.
func (f *Follower) scan(ctx context.Context, first bool) {
	var found []string
	named := map[string]bool{}
	for _, p := range f.paths {
		if p == "-" {
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			continue
		}
		if !info.IsDir() {
			found = append(found, p)
			named[p] = true
			continue
		}
		filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() {
				if path != p && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() && !strings.HasSuffix(path, ".query.json") && !strings.HasPrefix(d.Name(), ".") {
				found = append(found, path)
			}
			return nil
		})
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, path := range found {
		tr := f.files[path]
		if tr == nil {
			tr = &tracked{}
			f.files[path] = tr
			if first {
				tr.initial = true
				f.initial++
			}
		}
		if tr.running {
			continue
		}
		info, err := os.Stat(path)
		if err != nil {
			continue
		}
		if tr.info != nil && os.SameFile(tr.info, info) && info.Size() == tr.info.Size() && info.ModTime().Equal(tr.info.ModTime()) {
			continue // unchanged since it was let go
		}
		if tr.refused && tr.info != nil && os.SameFile(tr.info, info) && info.Size() >= telemetry.PeekSize {
			continue
		}
		format, isTel, ready := sniff(path)
		if !ready {
			// Too little to tell the format: wait for more, or for the
			// file to stop growing.
			if info.Size() != tr.waitSize || tr.waitSince.IsZero() {
				tr.waitSize, tr.waitSince = info.Size(), time.Now()
			}
			if time.Since(tr.waitSince) < settle(f.opts.Poll) {
				continue
			}
			format, isTel = detect(path)
		}
		tr.waitSince = time.Time{}
		if !isTel {
			if named[path] && f.opts.OnError != nil && info.Size() > 0 {
				f.opts.OnError(path, errors.New("not a telemetry format fnops reads"))
			}
			tr.refused, tr.info = true, info
			f.doneInitial(tr)
			continue
		}
		tr.refused, tr.format = false, format
		tr.whole = isGzipPath(path) || !tailable(format)
		if tr.whole {
			// Read whole once it has stopped changing.
			if info.Size() != tr.stillSize || !info.ModTime().Equal(tr.stillMod) || tr.stillSince.IsZero() {
				tr.stillSize, tr.stillMod, tr.stillSince = info.Size(), info.ModTime(), time.Now()
			}
			if time.Since(tr.stillSince) < settle(f.opts.Poll) {
				continue
			}
			tr.stillSince = time.Time{}
		}
		from := int64(0)
		if tr.resume && tr.info != nil && os.SameFile(tr.info, info) && info.Size() >= tr.off {
			from = tr.off
		}
		tr.running = true
		f.wg.Add(1)
		go f.follow(ctx, path, tr, from)
	}
	if first {
		f.checkCaught()
	}
}

// doneInitial marks an initial file as read to its end. f.mu held.
func (f *Follower) doneInitial(tr *tracked) {
	if tr.initial {
		tr.initial = false
		f.initial--
		f.checkCaught()
	}
}

// follow decodes one file from offset from until its tail reader ends it,
// then starts again where that calls for it.
func (f *Follower) follow(ctx context.Context, path string, tr *tracked, from int64) {
	defer f.wg.Done()
	for {
		next, again := f.followOnce(ctx, path, tr, from)
		if !again || ctx.Err() != nil {
			return
		}
		from = next
	}
}

func (f *Follower) followOnce(ctx context.Context, path string, tr *tracked, from int64) (next int64, again bool) {
	f.waiting.Add(1)
	select {
	case f.sem <- struct{}{}:
		f.waiting.Add(-1)
	case <-ctx.Done():
		f.waiting.Add(-1)
		f.letGo(path, tr, 0, false)
		return 0, false
	}
	defer func() { <-f.sem }()
	file, err := os.Open(path)
	if err != nil {
		f.letGo(path, tr, 0, false)
		return 0, false
	}
	defer file.Close()
	opts := telemetry.Options{Path: path, Function: f.opts.Function, Queries: f.opts.Queries, Format: tr.format}
	if tr.whole {
		_, err := telemetry.Decode(context.WithoutCancel(ctx), file, opts, f.sink)
		if err != nil && f.opts.OnError != nil {
			f.opts.OnError(path, err)
		}
		f.letGo(path, tr, 0, false)
		return 0, false
	}
	if _, err := file.Seek(from, io.SeekStart); err != nil {
		from = 0
	}
	t := &tailReader{ctx: ctx, f: file, path: path, poll: f.opts.Poll, off: from, lastData: time.Now(),
		idle: func() time.Duration {
			if f.waiting.Load() > 0 {
				return 0
			}
			return f.opts.IdleClose
		},
		atEnd: func() {
			f.mu.Lock()
			f.doneInitial(tr)
			f.mu.Unlock()
		}}
	if from > 0 {
		t.last = '\n'
	}
	_, err = telemetry.Decode(context.WithoutCancel(ctx), t, opts, f.sink)
	if err != nil && f.opts.OnError != nil {
		f.opts.OnError(path, err)
	}
	resume := true
	switch t.end {
	case endRotated, endTruncated:
		return 0, true
	case endRemoved:
		f.mu.Lock()
		delete(f.files, path)
		f.doneInitial(tr)
		f.mu.Unlock()
		return 0, false
	}
	if t.off == from {
		resume = tr.resume // nothing was read: nothing learnt of the format
	}
	if err != nil {
		resume = false
	}
	f.letGo(path, tr, t.off, resume)
	return 0, false
}

// letGo records where a file was left; scan opens it again when it changes.
func (f *Follower) letGo(path string, tr *tracked, off int64, resume bool) {
	info, _ := os.Stat(path) // its size and time now, to see it change
	f.mu.Lock()
	defer f.mu.Unlock()
	tr.running, tr.off, tr.resume, tr.info = false, off, resume, info
	f.doneInitial(tr)
}

func isGzipPath(path string) bool {
	file, err := os.Open(path)
	if err != nil {
		return false
	}
	defer file.Close()
	var magic [2]byte
	n, _ := file.ReadAt(magic[:], 0)
	return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b
}

// tailable formats are lines, read as they are appended; the others are
// JSON documents, read whole.
func tailable(f telemetry.Format) bool {
	return f == telemetry.FormatText || f == telemetry.FormatJSONLog || f == telemetry.FormatSubscription
}

// settle is how long a file too short to tell its format must stay
// unchanged before its format is guessed from what it holds.
func settle(poll time.Duration) time.Duration { return max(4*poll, 500*time.Millisecond) }

// head reads the start of a file, through gzip: up to PeekSize bytes.
func head(path string) []byte {
	b, _ := telemetry.Head(path)
	return b
}

// sniff detects a file's format from its start. ready is false while
// there is too little to tell: fewer than PeekSize bytes and no whole
// first line (a JSON document's first line must itself be JSON: a JSON
// line, not the "{" of a document being written).
func sniff(path string) (f telemetry.Format, isTelemetry, ready bool) {
	return sniffBytes(head(path))
}

func sniffBytes(b []byte) (f telemetry.Format, isTelemetry, ready bool) {
	if len(b) < telemetry.PeekSize {
		line, _, whole := bytes.Cut(b, []byte("\n"))
		line = bytes.TrimSpace(line)
		if !whole || len(line) == 0 {
			return 0, false, false
		}
		if (line[0] == '{' || line[0] == '[') && !json.Valid(line) {
			return 0, false, false
		}
	}
	return telemetry.Detect(b), telemetry.IsTelemetry(b), true
}

// detect guesses from whatever the file holds.
func detect(path string) (telemetry.Format, bool) {
	b := head(path)
	return telemetry.Detect(b), telemetry.IsTelemetry(b)
}
