package cost

import (
	"math/big"
	"strings"
	"testing"
)

// The derived examples of shared/reference §5.
func TestBreakEvenReferenceExamples(t *testing.T) {
	a, err := DefaultBreakEven("us-east-1", ArchX86, 1024, 200_000, nov)
	if err != nil {
		t.Fatal(err)
	}
	res, err := BreakEven(a)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.PerRequest.Exact(); got != "0.00000353334" {
		t.Errorf("per request %s, want 0.00000353334 (reference: $0.0000035333)", got)
	}
	want := []struct {
		name     string
		monthly  string
		requests int64 // reference: 10.2M, 8.4M, 3.5M
		perSec   string
	}{
		{"Fargate x86_64 1 vCPU 2 GB", "36.04", 10_200_010, "3.88"},
		{"EC2 m7g.medium", "29.78", 8_429_419, "3.21"},
		{"EC2 t4g.small", "12.26", 3_470_937, "1.32"},
	}
	if len(res.Alternatives) != len(want) {
		t.Fatalf("%d alternatives", len(res.Alternatives))
	}
	for i, w := range want {
		alt := res.Alternatives[i]
		if alt.Container.Name != w.name || alt.Monthly.String() != w.monthly || alt.BreakEvenRequests != w.requests || alt.BreakEvenPerSecond.FloatString(2) != w.perSec {
			t.Errorf("%d: %s %s/month, %d requests, %s/s; want %+v", i, alt.Container.Name, alt.Monthly, alt.BreakEvenRequests, alt.BreakEvenPerSecond.FloatString(2), w)
		}
		// At the break-even Lambda costs more, one request less it does not.
		above, _ := LambdaMonthly(a, alt.BreakEvenRequests)
		below, _ := LambdaMonthly(a, alt.BreakEvenRequests-1)
		if above.Cmp(alt.Monthly) <= 0 || below.Cmp(alt.Monthly) > 0 {
			t.Errorf("%s: not the first request count above %s: %s, %s", w.name, alt.Monthly.Exact(), below.Exact(), above.Exact())
		}
	}
	// At the Fargate break-even one Lambda environment would be busy 78% of
	// the month (10.2M x 0.2 s of 2,628,000 s).
	if got := res.Alternatives[0].LambdaBusy.FloatString(3); got != "0.776" {
		t.Errorf("busy %s", got)
	}

	// 512 MB x 100 ms against Fargate 1 vCPU / 2 GB: 34.9M (13.3/s).
	f, _ := Fargate(ArchX86, big.NewRat(1, 1), big.NewRat(2, 1))
	a2 := BreakEvenAssumptions{Region: "us-east-1", Arch: ArchX86, MemoryMB: 512, DurationUS: 100_000, Date: nov, HoursPerMonth: 730, Containers: []Container{f}}
	res, err = BreakEven(a2)
	if err != nil {
		t.Fatal(err)
	}
	if alt := res.Alternatives[0]; alt.BreakEvenRequests != 34_877_460 || alt.BreakEvenPerSecond.FloatString(1) != "13.3" {
		t.Errorf("512 MB: %d, %s/s", alt.BreakEvenRequests, alt.BreakEvenPerSecond.FloatString(1))
	}
	if !strings.Contains(a2.String(), "Fargate x86_64 1 vCPU 2 GB: 1 vCPU x $0.04048 + 2 GB x $0.004445 per hour") || !strings.Contains(a2.String(), "730 hours") {
		t.Errorf("assumptions:\n%s", a2)
	}
}

// One 1769 MB function busy for all of a 730-hour month: $75.67 x86,
// $60.53 arm (duration only).
func TestLambdaBusyAllMonth(t *testing.T) {
	for _, tc := range []struct {
		arch Arch
		want string
	}{{ArchX86, "75.67"}, {ArchARM, "60.53"}} {
		b, err := Estimate{Function: Function{Region: "us-east-1", Arch: tc.arch, MemoryMB: 1769}, Date: nov, Invocations: 730 * 3600, DurationUS: 1_000_000}.Price()
		if err != nil {
			t.Fatal(err)
		}
		if li := b.Items[1]; li.Name != "Duration, tier 1" || li.USD().String() != tc.want {
			t.Errorf("%s: %s %s, want %s", tc.arch, li.Name, li.USD(), tc.want)
		}
	}
}

func TestRightSizedFargate(t *testing.T) {
	for _, tc := range []struct {
		arch    Arch
		mb      int64
		name    string
		monthly string
	}{
		{ArchX86, 128, "Fargate x86_64 0.25 vCPU 0.5 GB", ""},
		{ArchX86, 512, "Fargate x86_64 0.5 vCPU 1 GB", "18.02"}, // reference: $18.02
		{ArchX86, 1024, "Fargate x86_64 1 vCPU 2 GB", "36.04"},  // reference: $36.04
		{ArchX86, 1769, "Fargate x86_64 1 vCPU 2 GB", ""},
		{ArchX86, 1770, "Fargate x86_64 2 vCPU 4 GB", ""},
		{ArchARM, 3072, "Fargate arm64 2 vCPU 4 GB", ""},
		{ArchX86, 10240, "Fargate x86_64 8 vCPU 16 GB", ""},
	} {
		c, err := RightSizedFargate(tc.arch, tc.mb)
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != tc.name {
			t.Errorf("%d MB: %s, want %s", tc.mb, c.Name, tc.name)
		}
		if tc.monthly != "" && c.Hourly.Mul(big.NewRat(730, 1)).String() != tc.monthly {
			t.Errorf("%d MB: %s a month", tc.mb, c.Hourly.Mul(big.NewRat(730, 1)))
		}
	}
}

func TestBreakEvenErrors(t *testing.T) {
	if _, err := EC2("z1.huge"); err == nil || !strings.Contains(err.Error(), "m7g.medium") {
		t.Errorf("unknown instance: %v", err)
	}
	if _, err := BreakEven(BreakEvenAssumptions{Region: "us-east-1", Arch: ArchX86, MemoryMB: 128, DurationUS: 1000, HoursPerMonth: 730}); err == nil {
		t.Error("no date accepted")
	}
	if _, err := BreakEven(BreakEvenAssumptions{Region: "xx-1", Arch: ArchX86, MemoryMB: 128, DurationUS: 1000, HoursPerMonth: 730, Date: nov}); err == nil {
		t.Error("unknown region accepted")
	}
	if _, err := FargateRatesFor("s390x"); err == nil {
		t.Error("unknown arch accepted")
	}
}

func TestBreakEvenResultString(t *testing.T) {
	a, _ := DefaultBreakEven("us-east-1", ArchARM, 512, 100_000, nov)
	res, err := BreakEven(a)
	if err != nil {
		t.Fatal(err)
	}
	s := res.String()
	for _, want := range []string{
		"Lambda: us-east-1 arm64, 512 MB, 100 ms average billed duration per request, free tier false, priced for 2026-11",
		"Fargate arm64 0.5 vCPU 1 GB: 0.5 vCPU x $0.03238 + 1 GB x $0.00356 per hour",
		"EC2 t4g.small: $0.0168 per hour on demand",
		"Lambda per request: $0.00000086667",
		"Fargate arm64 0.5 vCPU 1 GB: $14.42 a month; cheaper than Lambda above",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in:\n%s", want, s)
		}
	}
}
