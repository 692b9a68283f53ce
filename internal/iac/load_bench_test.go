package iac

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac/corpus"
)

// BenchmarkLoadTemplate is parse + SAM transform + model + edges of one
// typical template on one core: the unit of the templates-per-second
// target (≥ 2,000/s).
func BenchmarkLoadTemplate(b *testing.B) { benchLoadTemplate(b, false) }

// BenchmarkLoadTemplateCompacted adds what a directory load does to keep
// its memory down: each graph copied into its worker's app.Compactor
// (strings interned, equal subtrees stored once), a new Compactor every
// 600 templates.
func BenchmarkLoadTemplateCompacted(b *testing.B) { benchLoadTemplate(b, true) }

func benchLoadTemplate(b *testing.B, compact bool) {
	dir := b.TempDir()
	files, err := corpus.Generate(dir, 64, 1)
	if err != nil {
		b.Fatal(err)
	}
	var bytes int64
	for _, f := range files {
		info, _ := os.Stat(f)
		bytes += info.Size()
	}
	l := &loader{opts: Options{Workers: 1}, raw: make(map[string][]byte)}
	for _, f := range files { // read once: the benchmark measures the work, not the disk
		if _, err := l.read(f); err != nil {
			b.Fatal(err)
		}
	}
	c := app.NewCompactor()
	b.SetBytes(bytes / int64(len(files)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f := files[i%len(files)]
		i++
		data, _ := l.read(f)
		tpl, err := l.parse(f, data)
		if err != nil {
			b.Fatal(err)
		}
		g := l.adapt(tpl)
		if len(g.Resources) == 0 {
			b.Fatal("empty graph")
		}
		if compact {
			c.Graph(g)
			if i%600 == 0 { // a directory load's worth, then a new load
				c = app.NewCompactor()
			}
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "templates/s")
}

// BenchmarkLoadDir600 is `fnops graph DIR` on 600 templates, from disk,
// with every core: the "600 templates in under 0.5 s" target.
func BenchmarkLoadDir600(b *testing.B) {
	dir := b.TempDir()
	if _, err := corpus.Generate(dir, 600, 1); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		g := Load([]string{dir}, Options{})
		if len(g.Files) == 0 && len(g.Resources) == 0 {
			b.Fatal("nothing loaded")
		}
	}
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "cores")
}

// TestLoadCorpus loads a generated corpus and checks nothing in it is
// reported as a problem: the generator writes valid templates, so any
// diagnostic is a loader bug.
func TestLoadCorpus(t *testing.T) {
	dir := t.TempDir()
	files, err := corpus.Generate(dir, 60, 2)
	if err != nil {
		t.Fatal(err)
	}
	g := Load([]string{dir}, Options{})
	for _, d := range g.Diags {
		t.Errorf("%v", d)
	}
	seen := map[string]bool{}
	for _, r := range g.Resources {
		seen[r.Pos.File] = true
	}
	for _, f := range files {
		if !seen[f] && !seen[filepath.Clean(f)] {
			t.Errorf("%s: no resources loaded", f)
		}
	}
}
