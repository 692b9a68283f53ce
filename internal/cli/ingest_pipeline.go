package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/telemetry"
)

// decodeWorkers is how many inputs are decoded at once. Each fills its
// own batch, and a third goroutine commits the full ones: on two cores the
// decoders keep running while DuckDB writes, instead of waiting for it.
const decodeWorkers = 2

// ingestInput is one input to decode: a path, or "-" for in.
type ingestInput struct {
	path string
	in   io.Reader // for "-"
	opts telemetry.Options
}

// inputResult is what decoding one input gave.
type inputResult struct {
	sum      telemetry.Summary
	rejected int64          // inputs rejected
	samples  []rejectSample // the first maxRejectSamples of them
	err      error          // a read or sink error: the ingest stops
}

// ingestFiles decodes inputs (decodeWorkers at a time) into st, committing
// every batch records, and returns each input's result in input order and
// the commits' totals. A batch holds records of one input or of several
// consecutive inputs of one worker; each commit is all or nothing. The
// first read, sink or commit error stops the ingest: batches not yet
// committed are rolled back, and it is returned.
func ingestFiles(ctx context.Context, st store.Store, inputs []ingestInput, batch int, stored *atomic.Int64, fileDone func()) ([]inputResult, store.CommitResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c := &committer{ctx: ctx, st: st, batch: batch, full: make(chan store.Appender), stored: stored}
	c.wg.Add(1)
	go c.loop()

	results := make([]inputResult, len(inputs))
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range min(decodeWorkers, len(inputs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &batchWriter{c: c}
			for {
				i := int(next.Add(1) - 1)
				if i >= len(inputs) || ctx.Err() != nil {
					break
				}
				r := &results[i]
				in := inputs[i]
				sink := &ingestSink{w: w, res: r}
				if in.path == "-" {
					in.opts.Path = "-"
					r.sum, r.err = telemetry.Decode(ctx, in.in, in.opts, sink)
				} else {
					r.sum, r.err = telemetry.DecodeFile(ctx, in.path, in.opts, sink)
				}
				if r.err != nil {
					cancel()
					break
				}
				if fileDone != nil {
					fileDone()
				}
			}
			w.flush()
		}()
	}
	wg.Wait()
	close(c.full)
	c.wg.Wait()
	for i, r := range results {
		if r.err != nil && !errors.Is(r.err, context.Canceled) && !errors.Is(r.err, errCommitFailed) {
			return results, c.res, withCode(ExitInput, fmt.Errorf("ingest %s: %w", inputs[i].path, r.err))
		}
	}
	if c.err != nil {
		return results, c.res, withCode(ExitInternal, fmt.Errorf("ingest: %w", c.err))
	}
	for i, r := range results {
		if r.err != nil {
			return results, c.res, withCode(ExitInput, fmt.Errorf("ingest %s: %w", inputs[i].path, r.err))
		}
	}
	return results, c.res, nil
}

// committer commits full batches, one after the other, on its own
// goroutine. After an error it rolls back every batch it is handed.
type committer struct {
	ctx    context.Context
	st     store.Store
	batch  int
	full   chan store.Appender
	stored *atomic.Int64
	wg     sync.WaitGroup

	failed atomic.Bool
	res    store.CommitResult // owned by loop until wg.Wait
	err    error
}

func (c *committer) loop() {
	defer c.wg.Done()
	for app := range c.full {
		if c.err != nil {
			_ = app.Rollback()
			continue
		}
		res, err := app.Commit(c.ctx)
		if err != nil {
			c.err = err
			c.failed.Store(true)
			continue
		}
		c.res.Invocations = c.res.Invocations.Add(res.Invocations)
		c.res.Metrics = c.res.Metrics.Add(res.Metrics)
		c.res.Deploys = c.res.Deploys.Add(res.Deploys)
		if c.stored != nil {
			i := res.Invocations
			c.stored.Add(i.New + i.Duplicates + i.TooOld)
		}
	}
}

// errCommitFailed stops a decoder once a commit failed; the commit's own
// error is the one reported.
var errCommitFailed = errors.New("an earlier commit failed")

// batchWriter is one decoder's open batch. Records go straight into the
// store's Appender (which copies what it keeps), and a full batch is
// handed to the committer.
type batchWriter struct {
	c       *committer
	app     store.Appender
	pending int
}

func (w *batchWriter) appender() (store.Appender, error) {
	if w.app == nil {
		if w.c.failed.Load() {
			return nil, errCommitFailed
		}
		app, err := w.c.st.Appender(w.c.ctx)
		if err != nil {
			return nil, err
		}
		w.app = app
	}
	return w.app, nil
}

// added counts a record the appender took. An invalid record is skipped
// (the decoder already vetted it); any other error stops the ingest.
func (w *batchWriter) added(err error) error {
	if err != nil {
		var inv *store.Invalid
		if !asInvalid(err, &inv) {
			return err
		}
		return nil
	}
	w.pending++
	if w.pending >= w.c.batch {
		return w.handOver()
	}
	return nil
}

func (w *batchWriter) handOver() error {
	app := w.app
	w.app, w.pending = nil, 0
	select {
	case w.c.full <- app:
	case <-w.c.ctx.Done():
		_ = app.Rollback()
		return w.c.ctx.Err()
	}
	if w.c.failed.Load() {
		return errCommitFailed
	}
	return nil
}

func (w *batchWriter) addInvocation(inv *telemetry.Invocation) error {
	app, err := w.appender()
	if err != nil {
		return err
	}
	return w.added(app.AddInvocation(inv))
}

func (w *batchWriter) addMetric(m *telemetry.Metric) error {
	app, err := w.appender()
	if err != nil {
		return err
	}
	return w.added(app.AddMetric(m))
}

func (w *batchWriter) addDeploy(d *telemetry.Deploy) error {
	app, err := w.appender()
	if err != nil {
		return err
	}
	return w.added(app.AddDeploy(d))
}

// flush hands over what is left; after a cancelled ingest, it rolls back.
func (w *batchWriter) flush() {
	if w.app == nil {
		return
	}
	if w.c.ctx.Err() != nil {
		_ = w.app.Rollback()
		w.app = nil
		return
	}
	_ = w.handOver()
}

// ingestSink hands decoded records to a batch writer and keeps the first
// rejected inputs as samples.
type ingestSink struct {
	w   *batchWriter
	res *inputResult
}

func (s *ingestSink) Invocation(inv *telemetry.Invocation) error { return s.w.addInvocation(inv) }
func (s *ingestSink) Metric(m *telemetry.Metric) error           { return s.w.addMetric(m) }
func (s *ingestSink) Deploy(d *telemetry.Deploy) error           { return s.w.addDeploy(d) }
func (s *ingestSink) Reject(r telemetry.Rejected) {
	s.res.rejected++
	if len(s.res.samples) < maxRejectSamples {
		s.res.samples = append(s.res.samples, rejectSample{File: r.File, Line: r.Line, Offset: r.Offset, Reason: r.Reason})
	}
}
