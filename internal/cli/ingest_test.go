package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/fnops/fnops/internal/sim"
)

// TestSimulateIngestTruth is the round trip the telemetry issue asks for:
// what the simulator writes, ingested, gives exactly its ground truth per
// function (counts, cold starts, failures and billed MB-ms), and ingesting
// it again stores nothing twice.
func TestSimulateIngestTruth(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "sim")
	db := filepath.Join(dir, "store.duckdb")
	if _, stderr, code := runCLI(t, "simulate", "../../examples/shop", "--out", out, "--days", "0.25",
		"--start", "2026-11-16", "--seed", "4", "--stack-name", "shop",
		"--incident", "oom:GetProductFunction@1h+30m", "--incident", "poison-message:FulfilmentFunction@2h"); code != 0 {
		t.Fatalf("simulate: exit %d: %s", code, stderr)
	}
	var truth sim.Truth
	data, err := os.ReadFile(filepath.Join(out, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &truth); err != nil {
		t.Fatal(err)
	}

	ingest := func() ingestSummary {
		stdout, stderr, code := runCLI(t, "ingest", "--store", db, "--format", "json", out)
		if code != 0 {
			t.Fatalf("ingest: exit %d: %s", code, stderr)
		}
		var s ingestSummary
		if err := json.Unmarshal([]byte(stdout), &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := ingest()
	var total int64
	for _, f := range truth.Functions {
		total += f.Invocations
	}
	if first.New.Invocations != total || first.Records.Invocations != total {
		t.Errorf("first ingest: %d read, %d new; the simulator wrote %d", first.Records.Invocations, first.New.Invocations, total)
	}
	if first.New.Metrics == 0 || (len(truth.Deploys) > 0 && first.New.Deploys == 0) {
		t.Errorf("first ingest stored %d metrics and %d deploys", first.New.Metrics, first.New.Deploys)
	}
	again := ingest()
	if again.New.Invocations != 0 || again.Duplicates.Invocations != total || again.New.Metrics != 0 {
		t.Errorf("second ingest: %d new invocations, %d duplicates (want 0 and %d), %d new metrics",
			again.New.Invocations, again.Duplicates.Invocations, total, again.New.Metrics)
	}

	stdout, stderr, code := runCLI(t, "stats", "--store", db, "--format", "json", "../../examples/shop")
	if code != 0 {
		t.Fatalf("stats: exit %d: %s", code, stderr)
	}
	var doc statsDoc
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]functionStats{}
	for _, f := range doc.Functions {
		got[f.Function] = f
	}
	for _, want := range truth.Functions {
		if want.Invocations == 0 {
			continue
		}
		g, ok := got[want.Function]
		if !ok {
			t.Errorf("%s: not in the store", want.Function)
			continue
		}
		failures := want.Errors + want.Timeouts + want.OOM
		if g.Invocations != want.Invocations || g.ColdStarts != want.ColdStarts || g.Errors != failures ||
			g.Timeouts != want.Timeouts || g.OOM != want.OOM || g.GBSeconds != gbSeconds(want.BilledMBMS) {
			t.Errorf("%s: store has %+v, truth %+v", want.Function, g, want)
		}
		if g.Resource != want.Resource {
			t.Errorf("%s matched to resource %q, want %q", want.Function, g.Resource, want.Resource)
		}
	}
}
