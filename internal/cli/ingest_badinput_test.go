package cli

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIngestBadInput is the "bad input" list end to end: every
// bad line is counted by reason and reported with its file and line, the
// good records of the same files are all stored, a truncated gzip file
// keeps what came before the cut, the exit code is 2, and the summary says
// which rule named each file's function.
func TestIngestBadInput(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs", "aws", "lambda", "orders-api")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	const stream = "2026/11/16/[$LATEST]4b548d1d012e0986f2897c3f278d95ba"
	report := func(i int) string {
		return fmt.Sprintf("2026-11-16T00:00:%02d.500000+00:00 %s REPORT RequestId: c2280645-b976-4a82-bb00-%012d\tDuration: 35.25 ms\tBilled Duration: 36 ms\tMemory Size: 512 MB\tMax Memory Used: 168 MB",
			i, stream, i)
	}
	lines := []string{
		report(1),
		strings.Repeat("x", 2<<20), // 2: longer than 1 MB
		report(3),
		"2026-11-16T00:00:04.500000+00:00 " + stream + " REPORT RequestId: r\xff4\tDuration: 5.00 ms\tBilled Duration: 10 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB", // 4: invalid UTF-8
		"2099-01-01T00:00:00.000000+00:00 " + stream + " REPORT RequestId: r5\tDuration: 5.00 ms\tBilled Duration: 10 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB",     // 5: far future
		"2026-11-16T00:00:06.500000+00:00 " + stream + " REPORT RequestId: r6\tDuration: 5.00 ms\tBilled Duration: 10 ms\tMemory Size: 99999999999 MB\tMax Memory Used: 20 MB",
		report(7),
	}
	if err := os.WriteFile(filepath.Join(logs, "2026-11-16.log"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A gzip file cut in the middle: the reports before the cut count.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	for i := 10; i < 2000; i++ {
		fmt.Fprintln(zw, report(i%60))
	}
	zw.Close()
	cut := gz.Bytes()[:gz.Len()*2/3]
	if err := os.WriteFile(filepath.Join(dir, "payments.log.gz"), cut, 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := runCLI(t, "ingest", "--store", filepath.Join(dir, "s.duckdb"), "--format", "json", dir)
	if code != ExitInput {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitInput, stderr)
	}
	var sum ingestSummary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	log := filepath.Join(logs, "2026-11-16.log")
	for _, want := range []string{
		log + ":2: rejected: line-too-long",
		log + ":4: rejected: invalid-utf8",
		log + ":5: rejected: future-timestamp",
		log + ":6: rejected: out-of-range",
		filepath.Join(dir, "payments.log.gz") + ": byte ",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	for reason, n := range map[string]int64{"line-too-long": 1, "invalid-utf8": 1, "future-timestamp": 1, "out-of-range": 1, "truncated": 1} {
		if sum.Rejected[reason] != n {
			t.Errorf("rejected[%s] = %d, want %d (%v)", reason, sum.Rejected[reason], n, sum.Rejected)
		}
	}
	sources := map[string]string{}
	var fromGz int64
	for _, in := range sum.Inputs {
		sources[filepath.Base(in.Path)] = in.FunctionSource + " " + in.Function
		if strings.HasSuffix(in.Path, ".gz") {
			fromGz = in.Invocations
		}
	}
	if sources["2026-11-16.log"] != "path orders-api" || sources["payments.log.gz"] != "file-name payments" {
		t.Errorf("function sources: %v", sources)
	}
	if fromGz == 0 || fromGz >= 1990 {
		t.Errorf("%d invocations from the truncated gzip, want some but not all 1990", fromGz)
	}
	// Within one stream, duplicate request ids repeat: 60 distinct in the gzip.
	if sum.Records.Invocations != 3+fromGz || sum.New.Invocations+sum.Duplicates.Invocations != sum.Records.Invocations {
		t.Errorf("records %+v new %+v duplicates %+v", sum.Records, sum.New, sum.Duplicates)
	}
}
