package cost

import (
	"math/big"
	"testing"
	"time"
)

// A month's x86 usage reaches the 6 billion GB-s tier boundary inside one
// hour: that hour is split at the boundary to the MB-ms, the next month
// starts again at tier 1, and arm64 keeps its own meter.
func TestLedgerTierBoundaryInsideAnHour(t *testing.T) {
	x86 := Function{Name: "big", Region: "us-east-1", Arch: ArchX86, MemoryMB: 10240}
	arm := Function{Name: "arm", Region: "us-east-1", Arch: ArchARM, MemoryMB: 1024}
	l := NewLedger(Options{})
	oct := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	add := func(fn Function, at time.Time, gbsN int64, key string, counted bool) {
		t.Helper()
		if err := l.Add(fn, Usage{Start: at, Requests: 1000, BilledMS: gbsN * gbsMBms / fn.MemoryMB, MBms: gbsN * gbsMBms}, key, counted); err != nil {
			t.Fatal(err)
		}
	}
	// 5.9e9 GB-s before the report starts: uncounted, but it fills tier 1.
	add(x86, oct, 5_900_000_000, "before", false)
	add(arm, oct.Add(time.Hour), 1_000_000, "arm", true)
	// This hour holds 300M GB-s: 100M fit under 6e9, 200M go to tier 2.
	add(x86, oct.Add(2*time.Hour), 300_000_000, "crossing", true)
	// Next month: tier 1 again.
	add(x86, oct.AddDate(0, 1, 0), 1_000_000, "november", true)

	rows := map[string]Split{}
	for _, r := range l.Rows() {
		s, err := l.Split(r)
		if err != nil {
			t.Fatal(err)
		}
		rows[r.Key] = s
	}
	if _, ok := rows["before"]; ok {
		t.Fatal("uncounted usage has a row")
	}
	p := TableFor(oct).prices["us-east-1"]
	want := p[ArchX86].Duration[0].Price.Mul(big.NewRat(100_000_000, 1)).Add(p[ArchX86].Duration[1].Price.Mul(big.NewRat(200_000_000, 1)))
	if got := rows["crossing"].Duration; got.Cmp(want) != 0 {
		t.Errorf("crossing hour: duration $%s, want $%s", got.Exact(), want.Exact())
	}
	if got, want := rows["arm"].Duration, p[ArchARM].Duration[0].Price.Mul(big.NewRat(1_000_000, 1)); got.Cmp(want) != 0 {
		t.Errorf("arm: $%s, want $%s (its own meter, tier 1)", got.Exact(), want.Exact())
	}
	if got, want := rows["november"].Duration, p[ArchX86].Duration[0].Price.Mul(big.NewRat(1_000_000, 1)); got.Cmp(want) != 0 {
		t.Errorf("november: $%s, want $%s (tiers restart each month)", got.Exact(), want.Exact())
	}
	items, err := l.LineItems()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, li := range items {
		names = append(names, string(li.Arch)+" "+li.Name+" "+DecimalString(li.Quantity))
	}
	wantNames := []string{
		"x86_64 Requests 1000", "x86_64 Duration, tier 1 100000000", "x86_64 Duration, tier 2 200000000",
		"arm64 Requests 1000", "arm64 Duration, tier 1 1000000",
		"x86_64 Requests 1000", "x86_64 Duration, tier 1 1000000",
	}
	if len(names) != len(wantNames) {
		t.Fatalf("line items %q, want %q", names, wantNames)
	}
	for i := range names {
		if names[i] != wantNames[i] {
			t.Errorf("line item %d: %q, want %q", i, names[i], wantNames[i])
		}
	}
	if err := l.Add(x86, Usage{Start: oct}, "late", true); err == nil {
		t.Error("usage from an earlier month accepted")
	}
}

// The free tier is shared by everything in the month and goes to what came
// first, uncounted usage included.
func TestLedgerFreeTierTakenByEarlierUsage(t *testing.T) {
	fn := Function{Name: "f", Region: "us-east-1", Arch: ArchX86, MemoryMB: 1024}
	l := NewLedger(Options{FreeTier: true})
	d := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	if err := l.Add(fn, Usage{Start: d, Requests: 600_000, MBms: 300_000 * gbsMBms}, "early", false); err != nil {
		t.Fatal(err)
	}
	if err := l.Add(fn, Usage{Start: d.AddDate(0, 0, 14), Requests: 600_000, MBms: 300_000 * gbsMBms}, "late", true); err != nil {
		t.Fatal(err)
	}
	r := l.Rows()[0]
	s, _ := l.Split(r)
	p := TableFor(d).prices["us-east-1"][ArchX86]
	wantReq := p.Request.USD.Mul(big.NewRat(200_000, 1))
	wantDur := p.Duration[0].Price.Mul(big.NewRat(200_000, 1))
	if s.Request.Cmp(wantReq) != 0 || s.Duration.Cmp(wantDur) != 0 {
		t.Errorf("late half: requests $%s duration $%s, want $%s and $%s", s.Request.Exact(), s.Duration.Exact(), wantReq.Exact(), wantDur.Exact())
	}
}

func TestMonthlyCostProjection(t *testing.T) {
	fn := Function{Name: "f", Region: "us-east-1", Arch: ArchX86, MemoryMB: 1024}
	// One day of 1M invocations of 100 ms at 1 GB: $0.20 + 100,000 GB-s x
	// $0.0000166667 = $1.86667 a day; x 730/24.
	tr := Traffic{Window: 24 * time.Hour, Invocations: 1_000_000, BilledMS: 100_000_000, MBms: 100_000_000 * 1024}
	got, err := MonthlyCost(fn, tr, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	want := mustMoney("1.86667").Mul(big.NewRat(730, 24))
	if got.Cmp(want) != 0 {
		t.Errorf("monthly $%s, want $%s", got.Exact(), want.Exact())
	}
	per, _ := PerInvocation(fn, tr, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	if per.Exact() != "0.00000186667" {
		t.Errorf("per invocation $%s", per.Exact())
	}
	if _, err := MonthlyCost(fn, Traffic{}, time.Now()); err == nil {
		t.Error("zero window accepted")
	}
	if _, err := MonthlyCost(Function{Region: "mars-1", Arch: ArchX86}, tr, time.Now()); err == nil {
		t.Error("unknown region accepted")
	}
}

func TestLedgerSteady(t *testing.T) {
	fn := Function{Name: "f", Region: "us-east-1", Arch: ArchX86, MemoryMB: 1024}
	d := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	l := NewLedger(Options{})
	if !l.Steady(fn, d, 1000) {
		t.Error("a new month without free tier, far below 6e9 GB-s: not steady")
	}
	if l.Steady(fn, d, 6_000_000_000*gbsMBms+1) {
		t.Error("usage crossing the first tier boundary is steady")
	}
	if err := l.Add(fn, Usage{Start: d, Requests: 1, MBms: 6_000_000_000*gbsMBms - 10}, "a", true); err != nil {
		t.Fatal(err)
	}
	if !l.Steady(fn, d.Add(time.Hour), 10) || l.Steady(fn, d.Add(time.Hour), 11) {
		t.Error("room to the boundary is 10 MB-ms exactly")
	}
	if !l.Steady(Function{Name: "g", Region: "us-east-1", Arch: ArchARM, MemoryMB: 1024}, d.Add(time.Hour), 11) {
		t.Error("arm64 has its own meter")
	}
	free := NewLedger(Options{FreeTier: true})
	if free.Steady(fn, d, 1) {
		t.Error("with the free tier left, order matters")
	}
	if err := free.Add(fn, Usage{Start: d, Requests: 2_000_000, MBms: 500_000 * gbsMBms}, "a", true); err != nil {
		t.Fatal(err)
	}
	if !free.Steady(fn, d.Add(time.Hour), 1) {
		t.Error("the free tier used up: steady")
	}
	if free.Steady(fn, d.AddDate(0, 1, 0), 1) {
		t.Error("a new month brings the free tier back")
	}
}
