package iac

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac/cfn"
	"github.com/fnops/fnops/internal/iac/sam"
	"github.com/fnops/fnops/internal/iac/sls"
)

// Options are the inputs of a load that the templates cannot supply.
type Options struct {
	// Params override template Parameters (--param Key=Value).
	Params map[string]string
	// Region and Account fill the pseudo parameters; "" keeps them symbolic.
	Region  string
	Account string
	// Exclude holds globs of paths (relative to each scanned directory) to
	// skip; "**" spans directories.
	Exclude []string
	// Workers bounds parallelism; 0 means GOMAXPROCS.
	Workers int
	// Stage is the Serverless Framework stage (--stage); "" leaves each
	// service's provider.stage, then "dev". Params also serve as the
	// services' --param values.
	Stage string
	// Env reads ${env:NAME} in Serverless Framework services; nil reads
	// the process environment.
	Env func(name string) (string, bool)
}

// Load finds the templates under paths and loads them into one graph. It
// never fails as a whole: unreadable files, parse errors and bad references
// are diagnostics on the graph (errors make the CLI exit 2), and every other
// file is still loaded.
//
// A template loaded as another's nested stack is part of its parent (ids
// "Parent/Child") and is not loaded again on its own. When more than one
// top-level template is loaded, each resource id is prefixed with its
// template's path ("api/template.yaml#OrdersFunction") to keep ids unique.
func Load(paths []string, opts Options) *app.Graph {
	l := &loader{opts: opts}
	return l.load(paths)
}

type loader struct {
	opts Options
	// regions holds the region each Serverless Framework service deploys
	// to (provider.region when --region is not given).
	regions map[*cfn.Template]string
	mu      sync.Mutex
	raw     map[string][]byte // file contents by clean path; nil: read from disk each time
	loaded  map[string]bool   // files loaded as a root or a nested stack
}

func (l *loader) markLoaded(file string) {
	l.mu.Lock()
	if l.loaded == nil {
		l.loaded = make(map[string]bool)
	}
	l.loaded[filepath.Clean(file)] = true
	l.mu.Unlock()
}

func (l *loader) wasLoaded(file string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.loaded[filepath.Clean(file)]
}

// parsed is one discovered file after phase one.
type parsed struct {
	cand  candidate
	tpl   *cfn.Template
	diags []app.Diag
	// includes are files a Serverless Framework service read through
	// ${file(...)}: part of that service, not templates of their own.
	includes []string
}

// loadedFile is one discovered file after loading: its graph when it was
// loaded as a root, and its parse problems.
type loadedFile struct {
	file  string // the template's path, "" when the file is no template
	child bool   // some template names it as a nested stack
	graph *app.Graph
	diags []app.Diag
}

// load streams: each file is read, parsed, transformed and adapted by one
// worker, and its graph compacted (app.Compactor), before the worker takes
// the next; no document outlives its file's turn. Only the files that name
// nested stacks are parsed beforehand, to learn which files are someone's
// child and so are loaded as part of their parent rather than on their own.
func (l *loader) load(paths []string) *app.Graph {
	g := app.New()
	cands, errs := discover(paths, l.opts.Exclude)
	for _, err := range errs {
		g.Diag(pathPos(err), app.SevError, errText(err))
	}
	children := l.children(cands)

	// Each worker streams its files through parse, transform, adapt and
	// compaction. A child is parsed on its own only for its diagnostics.
	files := make([]loadedFile, len(cands))
	compactors := l.parallelWith(len(cands), func(c *app.Compactor, i int) {
		p := l.parseCandidate(cands[i])
		f := &files[i]
		f.diags = p.diags
		if p.tpl == nil {
			return
		}
		f.file = p.tpl.File
		if f.child = children[filepath.Clean(f.file)]; !f.child {
			f.graph = l.adapt(p.tpl)
			c.Graph(f.graph)
		}
	})
	// Templates that name each other as nested stacks in a loop have no
	// root: load the first of each such group on its own, so the loop is
	// reported and nothing is silently left out.
	c := compactors[0]
	for i := range files {
		f := &files[i]
		if !f.child || l.wasLoaded(f.file) {
			continue
		}
		p := l.parseCandidate(cands[i])
		if p.tpl == nil {
			continue
		}
		f.graph = l.adapt(p.tpl)
		c.Graph(f.graph)
	}
	var roots []string
	var graphs []*app.Graph
	for i := range files {
		g.Diags = append(g.Diags, files[i].diags...)
		if !files[i].child && files[i].graph != nil {
			roots, graphs = append(roots, files[i].file), append(graphs, files[i].graph)
		}
	}
	for i := range files {
		if files[i].child && files[i].graph != nil {
			roots, graphs = append(roots, files[i].file), append(graphs, files[i].graph)
		}
	}
	relNames := relativeNames(roots)
	for i, sub := range graphs {
		if len(roots) > 1 {
			sub.Prefix(relNames[i] + "#")
		}
		g.Merge(sub)
	}
	g.Sort()
	return g
}

// nestedMarkers are the resource types that nest a stack. A file that
// holds neither (nor an escape sequence that could spell one) names no
// nested stack and need not be parsed to know it.
var nestedMarkers = [][]byte{[]byte("CloudFormation::Stack"), []byte("Serverless::Application"), []byte(`\u`), []byte(`\x`), []byte(`\U`)}

// children returns the clean paths of the files that some template among
// cands names as a nested stack. It parses only the files whose bytes
// could name one.
func (l *loader) children(cands []candidate) map[string]bool {
	var mu sync.Mutex
	children := make(map[string]bool)
	l.parallel(len(cands), func(i int) {
		data, err := l.read(cands[i].path)
		if err != nil {
			return
		}
		service := sls.IsServiceFile(cands[i].path) && bytes.Contains(data, []byte("${file("))
		if !service && !slices.ContainsFunc(nestedMarkers, func(m []byte) bool { return bytes.Contains(data, m) }) {
			return
		}
		p := l.parseCandidate(cands[i])
		if p.tpl == nil {
			return
		}
		l.region(p.tpl) // not adapted here: drop its entry
		locs := nestedLocations(p.tpl)
		mu.Lock()
		for _, loc := range locs {
			children[filepath.Clean(filepath.Join(filepath.Dir(p.tpl.File), loc))] = true
		}
		// Files a service includes with ${file(...)} are part of it.
		for _, inc := range p.includes {
			children[filepath.Clean(inc)] = true
		}
		mu.Unlock()
	})
	return children
}

// parallelWith is parallel with one Compactor per worker, which it returns
// (at least one).
func (l *loader) parallelWith(n int, fn func(*app.Compactor, int)) []*app.Compactor {
	workers := max(1, min(l.workers(), n))
	cs := make([]*app.Compactor, workers)
	for w := range cs {
		cs[w] = app.NewCompactor()
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(cs[w], i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return cs
}

func (l *loader) workers() int {
	if l.opts.Workers > 0 {
		return l.opts.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// parallel runs fn(0..n-1) on at most Workers goroutines.
func (l *loader) parallel(n int, fn func(int)) {
	l.parallelWith(n, func(_ *app.Compactor, i int) { fn(i) })
}

// parseCandidate reads and parses one discovered file. Files found by
// walking that are not templates are dropped silently; a file the user
// named must be one.
func (l *loader) parseCandidate(c candidate) parsed {
	p := parsed{cand: c}
	fail := func(line int, msg string) parsed {
		p.diags = append(p.diags, app.Diag{Pos: app.Pos{File: c.path, Line: line}, Severity: app.SevError, Message: msg})
		return p
	}
	if sls.IsScriptServiceFile(c.path) {
		return fail(0, "a Serverless Framework service in JavaScript/TypeScript is not run by fnops; print it to YAML first: "+sls.PrintCommand)
	}
	data, err := l.read(c.path)
	if err != nil {
		return fail(0, errText(err))
	}
	if sls.IsServiceFile(c.path) {
		return l.parseService(p, data)
	}
	if !looksLikeTemplate(data) {
		if c.explicit {
			return fail(0, "not a CloudFormation, SAM or CDK template (no top-level Resources)")
		}
		return p
	}
	tpl, err := l.parse(c.path, data)
	if err != nil {
		var d app.Diag
		if asDiag(err, &d) {
			p.diags = append(p.diags, d)
			return p
		}
		return fail(0, err.Error())
	}
	if !tpl.Root.IsMap() || (tpl.Root.Get("Resources") == nil && tpl.Root.Get("AWSTemplateFormatVersion") == nil) {
		if c.explicit {
			return fail(0, "not a CloudFormation, SAM or CDK template (no top-level Resources)")
		}
		return p
	}
	p.tpl = tpl
	return p
}

// parseService loads a Serverless Framework service into the
// CloudFormation it deploys as.
func (l *loader) parseService(p parsed, data []byte) parsed {
	env := l.opts.Env
	if env == nil {
		env = os.LookupEnv
	}
	svc, err := sls.Load(p.cand.path, data, sls.Inputs{Stage: l.opts.Stage, Region: l.opts.Region,
		Account: l.opts.Account, Params: l.opts.Params, Env: env,
		ReadFile: func(file string) ([]byte, error) { return l.read(file) }})
	if err != nil {
		var d app.Diag
		if !asDiag(err, &d) {
			d = app.Diag{Pos: app.Pos{File: p.cand.path}, Severity: app.SevError, Message: err.Error()}
		}
		p.diags = append(p.diags, d)
		return p
	}
	p.tpl, p.includes = svc.Template, svc.Files
	for _, f := range svc.Files {
		l.markLoaded(f)
	}
	l.mu.Lock()
	if l.regions == nil {
		l.regions = make(map[*cfn.Template]string)
	}
	l.regions[svc.Template] = svc.Region
	l.mu.Unlock()
	return p
}

// region is the region t deploys to: --region, else (for a Serverless
// Framework service) its provider.region. The entry is dropped once read,
// so no template outlives its turn.
func (l *loader) region(t *cfn.Template) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.regions[t]
	delete(l.regions, t)
	if ok {
		return r
	}
	return l.opts.Region
}

// parse parses data as a template and applies the format's transform.
func (l *loader) parse(file string, data []byte) (*cfn.Template, error) {
	tpl, err := cfn.Parse(file, data)
	if err != nil {
		return nil, err
	}
	if isCDK(file, tpl) {
		tpl.Format = "cdk"
	}
	if slices.ContainsFunc(tpl.Transforms(), func(s string) bool { return strings.HasPrefix(s, "AWS::Serverless") }) {
		sam.Transform(tpl)
	}
	return tpl, nil
}

// read returns a file's contents, refusing files over the parser's limit
// before reading them. Contents are read afresh each time unless l.raw
// caches them (benchmarks do, to measure the work, not the disk).
func (l *loader) read(file string) ([]byte, error) {
	if l.raw != nil {
		l.mu.Lock()
		data, ok := l.raw[filepath.Clean(file)]
		l.mu.Unlock()
		if ok {
			return data, nil
		}
	}
	info, err := os.Stat(file)
	if err != nil {
		return nil, err
	}
	if info.Size() > cfn.MaxFileSize {
		return nil, fmt.Errorf("%s: file is %d bytes, more than the %d-byte limit for templates", file, info.Size(), cfn.MaxFileSize)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if l.raw != nil {
		l.mu.Lock()
		l.raw[filepath.Clean(file)] = data
		l.mu.Unlock()
	}
	return data, nil
}

// adapt turns one root template into its graph, loading nested stacks
// through loadChild.
func (l *loader) adapt(t *cfn.Template) *app.Graph {
	l.markLoaded(t.File)
	return cfn.Adapt(t, cfn.Options{
		Params:    l.opts.Params,
		Region:    l.region(t),
		Account:   l.opts.Account,
		LoadChild: l.loadChild,
	})
}

// loadChild loads a nested stack's template from a location relative to
// its parent. Each call parses afresh: transforms rewrite templates in
// place, and one child may be used by several parents.
func (l *loader) loadChild(parentFile, location string) (*cfn.Template, error) {
	if !isLocal(location) {
		return nil, fmt.Errorf("nested stack location %q is not a local file", location)
	}
	file := filepath.Join(filepath.Dir(parentFile), location)
	l.markLoaded(file)
	data, err := l.read(file)
	if err != nil {
		return nil, err
	}
	return l.parse(file, data)
}

// nestedLocations lists the local template locations t names as nested
// stacks, before or after the SAM transform.
func nestedLocations(t *cfn.Template) []string {
	var out []string
	for _, r := range t.Resources {
		var loc string
		switch r.Type {
		case "AWS::CloudFormation::Stack":
			loc = r.Properties.Get("TemplateURL").Text()
		case "AWS::Serverless::Application":
			loc = r.Properties.Get("Location").Text()
		}
		if loc != "" && isLocal(loc) {
			out = append(out, loc)
		}
	}
	return out
}

// isLocal reports whether a TemplateURL/Location names a local file rather
// than an S3 or HTTPS URL.
func isLocal(loc string) bool {
	return !strings.Contains(loc, "://") && !strings.HasPrefix(loc, "s3.") && !strings.HasPrefix(loc, "https:")
}

// isCDK reports whether a template is CDK synthesizer output.
func isCDK(file string, t *cfn.Template) bool {
	if strings.Contains(filepath.ToSlash(file), "cdk.out/") {
		return true
	}
	for _, r := range t.Resources {
		if r.Metadata.Get("aws:cdk:path") != nil {
			return true
		}
	}
	return false
}

// relativeNames gives each root the shortest path that tells it apart:
// its path relative to the directory that was scanned.
func relativeNames(roots []string) []string {
	names := make([]string, len(roots))
	for i, r := range roots {
		names[i] = filepath.ToSlash(r)
	}
	prefix := commonDir(names)
	for i := range names {
		names[i] = strings.TrimPrefix(names[i], prefix)
	}
	return names
}

func commonDir(names []string) string {
	if len(names) == 0 {
		return ""
	}
	prefix := names[0][:strings.LastIndex(names[0], "/")+1]
	for _, n := range names[1:] {
		for !strings.HasPrefix(n, prefix) {
			prefix = prefix[:strings.LastIndex(strings.TrimSuffix(prefix, "/"), "/")+1]
		}
	}
	return prefix
}

func asDiag(err error, d *app.Diag) bool {
	v, ok := err.(app.Diag)
	if ok {
		*d = v
	}
	return ok
}

// pathPos extracts the file of a *fs.PathError for a diagnostic.
func pathPos(err error) app.Pos {
	if pe, ok := err.(*os.PathError); ok {
		return app.Pos{File: pe.Path}
	}
	return app.Pos{}
}

func errText(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return fmt.Sprintf("cannot %s: %v", pe.Op, pe.Err)
	}
	return err.Error()
}
