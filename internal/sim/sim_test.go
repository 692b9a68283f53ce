package sim

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac"
)

var start = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)

func shop(t testing.TB) *app.Graph {
	t.Helper()
	g := iac.Load([]string{"../../examples/shop"}, iac.Options{})
	if g.HasErrors() {
		t.Fatalf("example does not load: %v", g.Diags)
	}
	return g
}

func simulate(t testing.TB, cfg Config) (*Truth, string) {
	t.Helper()
	cfg.Out = t.TempDir()
	if cfg.Start.IsZero() {
		cfg.Start = start
	}
	if cfg.StackName == "" {
		cfg.StackName = "shop"
	}
	truth, err := Run(context.Background(), shop(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return truth, cfg.Out
}

// digest hashes every file of dir, names included.
func digest(t *testing.T, dir string) string {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		io.WriteString(h, rel)
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(h, f)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestDeterministic(t *testing.T) {
	cfg := Config{Span: 3 * time.Hour, Seed: 7, Gzip: true, Deploys: 1}
	_, a := simulate(t, cfg)
	_, b := simulate(t, cfg)
	if digest(t, a) != digest(t, b) {
		t.Error("two runs with the same seed wrote different files")
	}
	cfg.Seed = 8
	_, c := simulate(t, cfg)
	if digest(t, a) == digest(t, c) {
		t.Error("a different seed wrote the same files")
	}
}

// reportCounts counts the REPORT lines written per function directory and
// sums their billed MB-ms, read back from the text as a person would.
func reportCounts(t *testing.T, dir string) map[string][2]int64 {
	out := map[string][2]int64{}
	files, _ := filepath.Glob(filepath.Join(dir, "logs/aws/lambda/*/*.log*"))
	for _, file := range files {
		fn := filepath.Base(filepath.Dir(file))
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = f
		if strings.HasSuffix(file, ".gz") {
			zr, err := gzip.NewReader(f)
			if err != nil {
				t.Fatal(err)
			}
			r = zr
		}
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			line := sc.Text()
			i := strings.Index(line, " REPORT RequestId: ")
			if i < 0 {
				continue
			}
			var billed, mem int64
			for _, field := range strings.Split(line[i:], "\t") {
				if v, ok := strings.CutPrefix(field, "Billed Duration: "); ok {
					billed = atoi(t, strings.TrimSuffix(v, " ms"))
				}
				if v, ok := strings.CutPrefix(field, "Memory Size: "); ok {
					mem = atoi(t, strings.TrimSuffix(v, " MB"))
				}
			}
			c := out[fn]
			c[0]++
			c[1] += billed * mem
			out[fn] = c
		}
		f.Close()
	}
	return out
}

func atoi(t *testing.T, s string) int64 {
	var v int64
	for _, r := range s {
		if r < '0' || r > '9' {
			t.Fatalf("not a number: %q", s)
		}
		v = v*10 + int64(r-'0')
	}
	return v
}

func TestTruthMatchesLogs(t *testing.T) {
	truth, dir := simulate(t, Config{Span: 6 * time.Hour, Seed: 3, Deploys: 1})
	got := reportCounts(t, dir)
	var total int64
	for _, f := range truth.Functions {
		c := got[f.Function]
		if c[0] != f.Invocations || c[1] != f.BilledMBMS {
			t.Errorf("%s: logs have %d invocations and %d MB-ms, truth says %d and %d", f.Function, c[0], c[1], f.Invocations, f.BilledMBMS)
		}
		total += f.Invocations
	}
	if total < 10000 {
		t.Errorf("only %d invocations in 6 hours of the shop: traffic does not flow", total)
	}
	for _, f := range truth.Functions {
		if f.Invocations == 0 && !strings.Contains(f.Resource, "AlarmNotifier") {
			t.Errorf("%s has no invocations: the graph does not reach it", f.Resource)
		}
	}
}

func TestIncidents(t *testing.T) {
	at := func(d time.Duration) time.Time { return start.Add(d) }
	truth, dir := simulate(t, Config{Span: 4 * time.Hour, Seed: 5, Incidents: []Incident{
		{Kind: IncidentRunawayLoop, Target: "ProcessUploadFunction", At: at(time.Hour), For: 15 * time.Minute},
		{Kind: IncidentOOM, Target: "GetProductFunction", At: at(2 * time.Hour)},
		{Kind: IncidentPoisonMessage, Target: "FulfilmentFunction", At: at(90 * time.Minute)},
		{Kind: IncidentScheduleStops, Target: "NightlyReportFunction", At: at(time.Hour)},
	}})
	if len(truth.Incidents) != 4 {
		t.Fatalf("%d incidents in the truth, want 4", len(truth.Incidents))
	}
	by := map[string]FunctionTruth{}
	for _, f := range truth.Functions {
		by[f.Resource] = f
	}
	if by["GetProductFunction"].OOM == 0 {
		t.Error("oom incident wrote no out-of-memory invocations")
	}
	if by["FulfilmentFunction"].Errors == 0 {
		t.Error("poison message wrote no failing invocations")
	}
	if up := by["ProcessUploadFunction"].Invocations; up < 2000 {
		t.Errorf("runaway loop: only %d invocations of ProcessUploadFunction", up)
	}
	for _, in := range truth.Incidents {
		if in.Kind == IncidentRunawayLoop && (len(in.Path) == 0 || in.Path[0] != "ProcessUploadFunction") {
			t.Errorf("loop path %v", in.Path)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "metrics/2026-11-16.query.json")); err != nil {
		t.Error(err)
	}
}

func TestIncidentErrors(t *testing.T) {
	for _, in := range []Incident{
		{Kind: IncidentRunawayLoop, Target: "GetOrderFunction", At: start},
		{Kind: IncidentPoisonMessage, Target: "GetOrderFunction", At: start},
		{Kind: IncidentScheduleStops, Target: "GetOrderFunction", At: start},
		{Kind: IncidentOOM, Target: "NoSuchFunction", At: start},
	} {
		_, err := Run(context.Background(), shop(t), Config{Start: start, Span: time.Hour, Incidents: []Incident{in}, Out: t.TempDir()})
		if err == nil {
			t.Errorf("%s on %s: no error", in.Kind, in.Target)
		}
	}
	if _, err := ParseIncident("oom:Fn@2h+30m", start); err != nil {
		t.Error(err)
	}
	for _, s := range []string{"oom", "flood:Fn@1h", "oom:@1h", "oom:Fn@soon", "oom:Fn@1h+ever"} {
		if _, err := ParseIncident(s, start); err == nil {
			t.Errorf("ParseIncident(%q): no error", s)
		}
	}
}

// BenchmarkSimulate measures invocations written per second (uncompressed
// text; gzip roughly triples the cost).
func BenchmarkSimulate(b *testing.B) {
	g := shop(b)
	dir := b.TempDir()
	var n int64
	for b.Loop() {
		truth, err := Run(context.Background(), g, Config{Start: start, Span: 24 * time.Hour, Seed: 1, Rates: map[string]float64{"api": 10}, Out: dir})
		if err != nil {
			b.Fatal(err)
		}
		n = 0
		for _, f := range truth.Functions {
			n += f.Invocations
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "invocations/s")
}
