package cli

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// costDate pins the month: the clock is never read by these tests.
const costDate = "--date=2026-11-01"

// Every worked example of shared/reference/lambda-cost-and-telemetry.md
// §1.4 (examples 1-7), the tiered-pricing blog's and the 1 ms billing
// blog's, to the cent: every line item and the total.
func TestCostCalcWorkedExamples(t *testing.T) {
	type line struct{ name, quantity, unit, usd string }
	for _, tc := range []struct {
		name  string
		args  string
		items []line
		total string
	}{
		{"1 mobile backend", "--memory-mb 1536 --invocations 3000000 --duration-ms 120 --free-tier",
			[]line{
				{"Requests, free tier", "1000000", "requests", "0.00"},
				{"Requests", "2000000", "requests", "0.40"},
				{"Duration, free tier", "400000", "GB-s", "0.00"},
				{"Duration, tier 1", "140000", "GB-s", "2.33"},
			}, "2.73"},
		{"2 streaming telemetry", "--memory-mb 1024 --invocations 7440000 --duration-ms 2000",
			[]line{
				{"Requests", "7440000", "requests", "1.49"},
				{"Duration, tier 1", "14880000", "GB-s", "248.00"},
			}, "249.49"},
		{"3 BERT inference", "--memory-mb 4096 --invocations 6000000 --duration-ms 280 --ephemeral-mb 2048 --free-tier",
			[]line{
				{"Requests, free tier", "1000000", "requests", "0.00"},
				{"Requests", "5000000", "requests", "1.00"},
				{"Duration, free tier", "400000", "GB-s", "0.00"},
				{"Duration, tier 1", "6320000", "GB-s", "105.33"},
				{"Ephemeral storage", "2520000", "GB-s", "0.08"},
			}, "106.41"},
		{"4 app launch PC", "--memory-mb 1536 --invocations 3000000 --duration-ms 120 --pc 100 --pc-hours 8 --pc-invocations 500000 --pc-duration-ms 100 --free-tier",
			[]line{
				{"Requests, free tier", "1000000", "requests", "0.00"},
				{"Requests", "2000000", "requests", "0.40"},
				{"Duration, free tier", "400000", "GB-s", "0.00"},
				{"Duration, tier 1", "50000", "GB-s", "0.83"},
				{"Provisioned concurrency", "4320000", "GB-s", "18.00"},
				{"Provisioned concurrency duration", "75000", "GB-s", "0.73"},
			}, "19.96"},
		{"5 cyber monday PC", "--memory-mb 4096 --invocations 2000000 --pc 7 --pc-hours 24 --pc-invocations 2000000 --pc-duration-ms 280",
			[]line{
				{"Requests", "2000000", "requests", "0.40"},
				{"Provisioned concurrency", "2419200", "GB-s", "10.08"},
				{"Provisioned concurrency duration", "2240000", "GB-s", "21.78"},
			}, "32.26"},
		{"6 SnapStart", "--memory-mb 1024 --invocations 7440000 --duration-ms 2000 --snapstart-versions 1 --snapstart-hours 744 --snapstart-restores 74400",
			[]line{
				{"Requests", "7440000", "requests", "1.49"},
				{"Duration, tier 1", "14880000", "GB-s", "248.00"},
				{"SnapStart cache", "2678400", "GB-s", "4.03"},
				{"SnapStart restore", "74400", "GB", "10.40"},
			}, "263.92"},
		{"7 response streaming", "--memory-mb 1536 --invocations 3000000 --duration-ms 500 --free-tier --free-tier-streamed-used-gb 100 --stream-responses 2000000x100KB --stream-responses 1000000x7MB",
			[]line{
				{"Requests, free tier", "1000000", "requests", "0.00"},
				{"Requests", "2000000", "requests", "0.40"},
				{"Duration, free tier", "400000", "GB-s", "0.00"},
				{"Duration, tier 1", "1850000", "GB-s", "30.83"},
				{"Response streaming", "976.5625", "GB", "7.81"},
			}, "39.04"},
		{"7 with --streamed-gb", "--memory-mb 1536 --invocations 3000000 --duration-ms 500 --free-tier --free-tier-streamed-used-gb 100 --streamed-gb 976.5625",
			[]line{
				{"Requests, free tier", "1000000", "requests", "0.00"},
				{"Requests", "2000000", "requests", "0.40"},
				{"Duration, free tier", "400000", "GB-s", "0.00"},
				{"Duration, tier 1", "1850000", "GB-s", "30.83"},
				{"Response streaming", "976.5625", "GB", "7.81"},
			}, "39.04"},
		// TIERBLOG: 9 billion GB-s, tiered compute $145,000.20.
		{"tiered pricing", "--memory-mb 2048 --invocations 75000000 --duration-ms 60000",
			[]line{
				{"Requests", "75000000", "requests", "15.00"},
				{"Duration, tier 1", "6000000000", "GB-s", "100000.20"},
				{"Duration, tier 2", "3000000000", "GB-s", "45000.00"},
			}, "145015.20"},
		// 1 ms billing blog: compute $28.00 with 1 ms, $100.00 with 100 ms.
		{"1 ms billing", "--memory-mb 1024 --invocations 60000000 --duration-ms 28",
			[]line{
				{"Requests", "60000000", "requests", "12.00"},
				{"Duration, tier 1", "1680000", "GB-s", "28.00"},
			}, "40.00"},
		{"100 ms billing before December 2020", "--memory-mb 1024 --invocations 60000000 --duration-ms 28 --date 2020-11-30",
			[]line{
				{"Requests", "60000000", "requests", "12.00"},
				{"Duration, tier 1", "6000000", "GB-s", "100.00"},
			}, "112.00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"cost", "calc", costDate, "--format", "json"}, strings.Fields(tc.args)...)
			stdout, stderr, code := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var got struct {
				Version   int `json:"version"`
				LineItems []struct {
					Name, Quantity, Unit, USD string
				} `json:"line_items"`
				TotalUSD string `json:"total_usd"`
			}
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("%v\n%s", err, stdout)
			}
			if got.Version != 1 {
				t.Errorf("version %d", got.Version)
			}
			if len(got.LineItems) != len(tc.items) {
				t.Fatalf("%d line items, want %d:\n%s", len(got.LineItems), len(tc.items), stdout)
			}
			for i, w := range tc.items {
				g := got.LineItems[i]
				if (line{g.Name, g.Quantity, g.Unit, g.USD}) != w {
					t.Errorf("line %d = %+v, want %+v", i, g, w)
				}
			}
			if got.TotalUSD != tc.total {
				t.Errorf("total %s, want %s", got.TotalUSD, tc.total)
			}
		})
	}
}

// Golden files of the text and JSON output, rewritten with -update.
func TestCostCalcGolden(t *testing.T) {
	for _, tc := range []struct{ name, args string }{
		{"mobile-backend", "--memory-mb 1536 --invocations 3000000 --duration-ms 120 --free-tier"},
		{"provisioned", "--memory-mb 1536 --invocations 3000000 --duration-ms 120 --pc 100 --pc-hours 8 --pc-invocations 500000 --pc-duration-ms 100 --free-tier"},
		{"snapstart", "--memory-mb 1024 --invocations 7440000 --duration-ms 2000 --snapstart-hours 744 --snapstart-restores 74400"},
		{"streaming", "--memory-mb 1536 --invocations 3000000 --duration-ms 500 --stream-responses 1000000x7MB --free-tier"},
		{"tiers", "--memory-mb 2048 --invocations 75000000 --duration-ms 60000"},
		{"arm-eu-init-spill", "--region eu-west-1 --arch arm64 --memory-mb 512 --ephemeral-mb 1024 --invocations 5000000 --duration-ms 42.5 --cold-starts 20000 --init-ms 310.25 --pc 2 --pc-hours 1.01 --pc-invocations 100000 --pc-duration-ms 80"},
		{"empty", ""},
	} {
		for _, format := range []string{"text", "json"} {
			t.Run(tc.name+"/"+format, func(t *testing.T) {
				args := append([]string{"cost", "calc", costDate, "--format", format}, strings.Fields(tc.args)...)
				stdout, stderr, code := runCLI(t, args...)
				if code != 0 {
					t.Fatalf("exit %d: %s", code, stderr)
				}
				ext := map[string]string{"text": ".txt", "json": ".json"}[format]
				golden(t, filepath.Join("testdata", "cost", tc.name+ext), stdout)
			})
		}
	}
}

func TestCostCalcUsageErrors(t *testing.T) {
	for _, tc := range []struct{ name, args, want string }{
		{"unknown region", "--region mars-1", `unknown region "mars-1": not in price table 2026-09-06 (known: ap-northeast-1, ap-south-1, ap-southeast-1, ap-southeast-2, eu-central-1, eu-west-1, eu-west-2, us-east-1, us-east-2, us-west-2)`},
		{"disputed region", "--region af-south-1", "take it from the AWS Price List API"},
		{"unknown arch", "--arch amd64", `unknown architecture "amd64" (known: x86_64, arm64)`},
		{"unknown package", "--package jar", `unknown package type "jar" (known: zip, image)`},
		{"unknown format", "--format yaml", `unknown format "yaml" (known: text, json)`},
		{"negative invocations", "--invocations -1", "--invocations must not be negative"},
		{"negative duration", "--duration-ms -0.5", "--duration-ms must be a non-negative number"},
		{"negative pc hours", "--pc-hours -1", "--pc-hours must be a non-negative number"},
		{"negative memory", "--memory-mb -128", "--memory-mb must not be negative"},
		{"memory too small", "--memory-mb 64", "outside Lambda's 128 to 10240 MB"},
		{"ephemeral too big", "--ephemeral-mb 20000", "outside Lambda's 512 to 10240 MB"},
		{"bad date", "--date 2026-13-01", `--date "2026-13-01": want YYYY-MM-DD`},
		{"bad stream", "--stream-responses 7MB", "want COUNTxSIZE"},
		{"pc invocations over total", "--invocations 10 --pc 1 --pc-hours 1 --pc-invocations 11", "exceed all invocations"},
		{"snapstart with pc", "--invocations 10 --pc 1 --pc-hours 1 --snapstart", "SnapStart cannot be used with provisioned concurrency"},
		{"snapstart outside us-east-1", "--region eu-west-1 --snapstart-restores 10", `unknown SnapStart price for region "eu-west-1"`},
		{"streaming outside us-east-1", "--region eu-west-1 --streamed-gb 1", `unknown response streaming price for region "eu-west-1"`},
		{"unknown flag", "--memory 128", "unknown flag: --memory"},
		{"argument", "extra", `unknown command "extra"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"cost", "calc", costDate}, strings.Fields(tc.args)...)
			stdout, stderr, code := runCLI(t, args...)
			if code != ExitInput {
				t.Errorf("exit %d, want %d (stderr %q)", code, ExitInput, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q does not say %q", stderr, tc.want)
			}
			if stdout != "" {
				t.Errorf("stdout %q on error", stdout)
			}
		})
	}
}

func TestCostParent(t *testing.T) {
	if stdout, _, code := runCLI(t, "cost", "--help"); code != 0 || !strings.Contains(stdout, "calc") || !strings.Contains(stdout, "breakeven") {
		t.Errorf("fnops cost --help: exit %d\n%s", code, stdout)
	}
	// An app without a store: exit 2, saying how to get one.
	if _, stderr, code := runCLI(t, "cost", t.TempDir()); code != ExitInput || !strings.Contains(stderr, "fnops ingest") {
		t.Errorf("fnops cost on an app without telemetry: exit %d, %s", code, stderr)
	}
}

func TestCostCalcDefaultsToToday(t *testing.T) {
	// The clock is injected: the month comes from it when --date is absent.
	var out bytes.Buffer
	now := func() time.Time { return time.Date(2031, 2, 10, 12, 0, 0, 0, time.UTC) }
	cmd := newCostCalcCmd(&env{stdio: Stdio{Out: &out, Err: &out}}, now)
	cmd.SetArgs([]string{"--invocations", "1"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "2031-02 (prices 2026-09-06)") {
		t.Errorf("header: %s", out.String())
	}
}

func FuzzCostParseResponses(f *testing.F) {
	for _, s := range []string{"1000000x7MB", "2000000x100KB", "1x0.5GB", "3x10B", "5x7", "x", "7MB", "-1x1MB", "1x-1MB", "1xNaNMB", "1x1e400MB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseResponses(s)
		if err != nil {
			return
		}
		if r.Count < 0 || r.Bytes < 0 || r.Bytes > 1<<40 {
			t.Fatalf("%q -> %+v", s, r)
		}
	})
}

func TestCostParseResponses(t *testing.T) {
	for s, want := range map[string]int64{"1x100KB": 100 << 10, "1x7MB": 7 << 20, "1x0.5GB": 1 << 29, "1x10B": 10, "1x10": 10, "1x1.5mb": 3 << 19} {
		r, err := parseResponses(s)
		if err != nil || r.Count != 1 || r.Bytes != want {
			t.Errorf("%s -> %+v, %v; want %d bytes", s, r, err, want)
		}
	}
}
