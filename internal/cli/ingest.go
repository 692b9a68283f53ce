package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fnops/fnops/internal/store/duckdb"
	"github.com/fnops/fnops/internal/telemetry"
	"github.com/spf13/cobra"
)

type ingestOptions struct {
	store    storeOptions
	function string
	queries  string
	format   string
	batch    int
	progress bool
}

func newIngestCmd(e *env) *cobra.Command {
	o := &ingestOptions{}
	cmd := &cobra.Command{
		Use:   "ingest FILE|DIR|-...",
		Short: "Load Lambda logs, platform events and CloudWatch metrics into the store",
		Long: `Decode telemetry and add it to the app's store (APP/.fnops/fnops.duckdb, see
--app and --store). Each input's format is detected from its content, gzip or
not: Lambda text logs (raw, "aws logs tail", filter-log-events and
get-log-events JSON), CloudWatch Logs subscription payloads and Firehose
files of them, the JSON log format, Telemetry API batches, get-metric-data
output (with X.query.json beside X.json, or --queries), and
describe-stack-events JSON. Directories are walked; files that are not
telemetry are skipped.

Ingesting the same data twice stores it once. Records are committed in
batches, each whole or not at all. Input that cannot be decoded is counted
by reason and reported with its file and line; everything else is still
ingested, and the command then exits 2.

Logs that do not name their function (raw lines, "aws logs tail",
filter-log-events JSON) take it from --function, else from the path after
aws/lambda/ (logs/aws/lambda/orders-api/2026-03-01.log), else from the file
name (orders-api.log).`,
		Example: `  fnops ingest logs/
  aws logs tail /aws/lambda/orders-api --since 1h | fnops ingest --function orders-api -
  fnops ingest --app examples/shop sim/ --format json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runIngest(cmd.Context(), e, o, args) },
	}
	f := cmd.Flags()
	o.store.addFlags(f)
	f.StringVar(&o.function, "function", "", "function `NAME` for logs that do not name it")
	f.StringVar(&o.queries, "queries", "", "get-metric-data query `FILE` for metric data files without X.query.json beside them")
	f.StringVarP(&o.format, "format", "f", "text", "summary format: text|json")
	f.IntVar(&o.batch, "batch", defaultIngestBatch, "records per committed batch")
	f.BoolVar(&o.progress, "progress", true, "show progress on a terminal")
	return cmd
}

// ingestSummary is the versioned JSON summary of `fnops ingest`.
type ingestSummary struct {
	Version     int              `json:"version"`
	Store       string           `json:"store"`
	Files       int              `json:"files"`
	Skipped     []string         `json:"skipped_files"`
	Records     recordCounts     `json:"records"`
	New         recordCounts     `json:"new"`
	Duplicates  recordCounts     `json:"duplicates"`
	TooOld      recordCounts     `json:"too_old"`
	Rejected    map[string]int64 `json:"rejected"`
	Samples     []rejectSample   `json:"rejected_samples"`
	Inputs      []inputSummary   `json:"inputs"`
	Seconds     float64          `json:"seconds"`
	PerSecond   float64          `json:"invocations_per_second"`
	rejectCount int64
}

type recordCounts struct {
	Invocations int64 `json:"invocations"`
	Metrics     int64 `json:"metrics"`
	Deploys     int64 `json:"deploys"`
}

type rejectSample struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Offset int64  `json:"offset,omitempty"`
	Reason string `json:"reason"`
}

type inputSummary struct {
	Path           string           `json:"path"`
	Format         string           `json:"format"`
	Function       string           `json:"function,omitempty"`
	FunctionSource string           `json:"function_source,omitempty"`
	Invocations    int64            `json:"invocations"`
	Metrics        int64            `json:"metrics"`
	Deploys        int64            `json:"deploys"`
	Rejected       map[string]int64 `json:"rejected,omitempty"`
	Notes          []string         `json:"notes,omitempty"`
}

const maxRejectSamples = 20

// defaultIngestBatch is --batch's default. Go holds about 150 bytes per
// invocation of a batch, and up to decodeWorkers+1 batches are in flight.
const defaultIngestBatch = 250_000

// ingestStoreOptions tune DuckDB for ingest: one thread, because the
// decoders need the other cores and the commits run one at a time anyway,
// and a small buffer pool, because a bulk append reads little back.
var ingestStoreOptions = duckdb.Options{Threads: 1, MemoryLimit: 64 << 20}

// ingestGoMemoryLimit is the Go heap's soft limit during ingest, unless
// GOMEMLIMIT says otherwise: the batches in flight and the decoders'
// buffers fit in it, and the collector runs harder rather than letting
// the heap double past it.
const ingestGoMemoryLimit = 160 << 20

func setIngestMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(ingestGoMemoryLimit)
	}
}

func runIngest(ctx context.Context, e *env, o *ingestOptions, args []string) error {
	if o.format != "text" && o.format != "json" {
		return usageError("unknown --format %q: want text or json", o.format)
	}
	if o.batch <= 0 {
		return usageError("--batch must be positive")
	}
	var queries *telemetry.MetricQueries
	if o.queries != "" {
		q, err := telemetry.LoadMetricQueries(o.queries)
		if err != nil {
			return usageError("--queries: %v", err)
		}
		queries = q
	}
	inputs, skipped, err := ingestInputs(args)
	if err != nil {
		return withCode(ExitInput, err)
	}
	setIngestMemoryLimit()
	st, path, err := o.store.openWith(ctx, "", ingestStoreOptions)
	if err != nil {
		return err
	}
	defer st.Close()
	sum := &ingestSummary{Version: 1, Store: path, Skipped: skipped, Rejected: map[string]int64{}, Samples: []rejectSample{}, Inputs: []inputSummary{}}
	began := time.Now()
	list := make([]ingestInput, len(inputs))
	for i, in := range inputs {
		list[i] = ingestInput{path: in, in: e.stdio.In, opts: telemetry.Options{Function: o.function, Queries: queries}}
	}
	var stored atomic.Int64
	var prog *progress
	if o.progress && IsTerminal(e.stdio.Err) {
		prog = startProgress(e.stdio.Err, len(inputs), &stored)
	}
	results, res, err := ingestFiles(ctx, st, list, o.batch, &stored, prog.fileDone)
	prog.stop()
	if err != nil {
		return err
	}
	for i, r := range results {
		s := r.sum
		sum.Files++
		sum.Records.Invocations += s.Invocations
		sum.Records.Metrics += s.Metrics
		sum.Records.Deploys += s.Deploys
		for r, n := range s.Rejected {
			sum.Rejected[r] += n
		}
		sum.rejectCount += r.rejected
		for _, smp := range r.samples {
			if len(sum.Samples) < maxRejectSamples {
				sum.Samples = append(sum.Samples, smp)
			}
		}
		sum.Inputs = append(sum.Inputs, inputSummary{Path: inputs[i], Format: s.Format.String(), Function: s.Function,
			FunctionSource: string(s.FunctionSource), Invocations: s.Invocations, Metrics: s.Metrics,
			Deploys: s.Deploys, Rejected: s.Rejected, Notes: s.Notes})
	}
	sum.New = recordCounts{res.Invocations.New, res.Metrics.New, res.Deploys.New}
	sum.Duplicates = recordCounts{res.Invocations.Duplicates, res.Metrics.Duplicates, res.Deploys.Duplicates}
	sum.TooOld = recordCounts{res.Invocations.TooOld, res.Metrics.TooOld, res.Deploys.TooOld}
	sum.Seconds = time.Since(began).Seconds()
	if sum.Seconds > 0 {
		sum.PerSecond = float64(sum.Records.Invocations) / sum.Seconds
	}
	if o.format == "json" {
		enc := json.NewEncoder(e.stdio.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sum); err != nil {
			return withCode(ExitInternal, err)
		}
	} else {
		writeIngestText(e.stdio.Out, sum)
	}
	for _, r := range sum.Samples {
		fmt.Fprintf(e.stdio.Err, "%s: rejected: %s\n", rejectPos(r), r.Reason)
	}
	if more := sum.rejectCount - int64(len(sum.Samples)); more > 0 {
		fmt.Fprintf(e.stdio.Err, "... and %d more rejected inputs (counts by reason in the summary)\n", more)
	}
	if sum.rejectCount > 0 {
		return inputError()
	}
	return nil
}

func rejectPos(r rejectSample) string {
	switch {
	case r.Line > 0:
		return fmt.Sprintf("%s:%d", r.File, r.Line)
	case r.Offset > 0:
		return fmt.Sprintf("%s: byte %d", r.File, r.Offset)
	}
	return r.File
}

func writeIngestText(w io.Writer, s *ingestSummary) {
	fmt.Fprintf(w, "ingested %d files into %s in %.1fs (%.0f invocations/s)\n", s.Files, s.Store, s.Seconds, s.PerSecond)
	fmt.Fprintf(w, "  invocations  %d read, %d new, %d duplicates\n", s.Records.Invocations, s.New.Invocations, s.Duplicates.Invocations)
	fmt.Fprintf(w, "  metrics      %d read, %d new, %d duplicates\n", s.Records.Metrics, s.New.Metrics, s.Duplicates.Metrics)
	fmt.Fprintf(w, "  deploys      %d read, %d new, %d duplicates\n", s.Records.Deploys, s.New.Deploys, s.Duplicates.Deploys)
	if n := s.TooOld.Invocations + s.TooOld.Metrics; n > 0 {
		fmt.Fprintf(w, "  too old      %d (older than the store's raw retention)\n", n)
	}
	if len(s.Skipped) > 0 {
		fmt.Fprintf(w, "  skipped      %d files that are not telemetry\n", len(s.Skipped))
	}
	reasons := make([]string, 0, len(s.Rejected))
	for r := range s.Rejected {
		reasons = append(reasons, r)
	}
	slices.Sort(reasons)
	for _, r := range reasons {
		fmt.Fprintf(w, "  rejected     %d %s\n", s.Rejected[r], r)
	}
	// How functions were named, once per rule, so a wrong guess shows.
	named := map[string][]string{}
	for _, in := range s.Inputs {
		if in.Invocations > 0 && in.FunctionSource != "" && in.FunctionSource != string(telemetry.FunctionFromLogGroup) && in.FunctionSource != string(telemetry.FunctionFromRecord) {
			named[in.FunctionSource] = append(named[in.FunctionSource], in.Function)
		}
	}
	for _, src := range slices.Sorted(mapsKeys(named)) {
		fns := slices.Compact(slices.Sorted(slices.Values(named[src])))
		fmt.Fprintf(w, "  function names from the %s: %s\n", src, strings.Join(fns, ", "))
	}
	for _, in := range s.Inputs {
		for _, n := range in.Notes {
			fmt.Fprintf(w, "  note: %s: %s\n", in.Path, n)
		}
	}
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// ingestInputs expands the arguments into files. Directories are walked
// (hidden directories and query files skipped); files found by walking
// that are not telemetry are skipped and listed, while a file named on the
// command line is always decoded.
func ingestInputs(args []string) (files, skipped []string, err error) {
	for _, a := range args {
		if a == "-" {
			files = append(files, a)
			continue
		}
		info, err := os.Stat(a)
		if err != nil {
			return nil, nil, err
		}
		if !info.IsDir() {
			files = append(files, a)
			continue
		}
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != a && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(p, ".query.json") || !d.Type().IsRegular() {
				return nil
			}
			if !looksLikeTelemetry(p) {
				skipped = append(skipped, p)
				return nil
			}
			files = append(files, p)
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return files, skipped, nil
}

// looksLikeTelemetry peeks at a file (through gzip) and asks the decoders
// whether they know its format.
func looksLikeTelemetry(path string) bool {
	head, err := telemetry.Head(path)
	if err != nil {
		return true // let the decoder report it
	}
	return telemetry.IsTelemetry(head)
}

// progress draws a one-line progress report on a terminal.
type progress struct {
	w     io.Writer
	files int
	done  int
	mu    sync.Mutex
	stopc chan struct{}
	wg    sync.WaitGroup
}

func startProgress(w io.Writer, files int, stored *atomic.Int64) *progress {
	p := &progress{w: w, files: files, stopc: make(chan struct{})}
	began := time.Now()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stopc:
				fmt.Fprint(w, "\r\033[K")
				return
			case <-t.C:
				n := stored.Load()
				p.mu.Lock()
				done := p.done
				p.mu.Unlock()
				rate := float64(n) / cmp.Or(time.Since(began).Seconds(), 1)
				fmt.Fprintf(w, "\r\033[Kfiles %d/%d  invocations %d  (%.0f/s)", done, p.files, n, rate)
			}
		}
	}()
	return p
}

func (p *progress) fileDone() {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.done++
	p.mu.Unlock()
}

func (p *progress) stop() {
	if p == nil {
		return
	}
	select {
	case <-p.stopc:
	default:
		close(p.stopc)
	}
	p.wg.Wait()
}
