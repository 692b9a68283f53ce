package cost

import (
	"strings"
	"testing"
	"time"
)

const gbs = gbsMBms // MB-ms per GB-s

func TestTierMeterCrossesBoundariesMidRecord(t *testing.T) {
	x86 := TableFor(time.Now()).prices["us-east-1"][ArchX86].Duration
	m := NewTierMeter(x86)
	steps := []struct {
		add  int64
		want [MaxTiers]int64
	}{
		{5_900_000_000 * gbs, [MaxTiers]int64{5_900_000_000 * gbs}},
		// crosses 6e9: 100M GB-s at tier 1, 100M at tier 2
		{200_000_000 * gbs, [MaxTiers]int64{100_000_000 * gbs, 100_000_000 * gbs}},
		// to exactly 15e9: all tier 2
		{8_900_000_000 * gbs, [MaxTiers]int64{0, 8_900_000_000 * gbs}},
		// past the last boundary: all tier 3
		{1, [MaxTiers]int64{0, 0, 1}},
	}
	for i, s := range steps {
		got, err := m.Add(s.add)
		if err != nil {
			t.Fatal(err)
		}
		if got != s.want {
			t.Errorf("step %d: split %v, want %v", i, got, s.want)
		}
	}
	if m.Used() != 15_000_000_000*gbs+1 {
		t.Errorf("used = %d", m.Used())
	}
	// One record spanning all three tiers, to the MB-ms.
	m = NewTierMeter(x86)
	if _, err := m.Add(6_000_000_000*gbs - 7); err != nil {
		t.Fatal(err)
	}
	got, _ := m.Add(9_000_000_000*gbs + 7 + 11)
	if want := [MaxTiers]int64{7, 9_000_000_000 * gbs, 11}; got != want {
		t.Errorf("spanning split %v, want %v", got, want)
	}
	if _, err := m.Add(-1); err == nil {
		t.Error("negative accepted")
	}
	if _, err := m.Add(1 << 62); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Add(1 << 62); err == nil {
		t.Error("overflow not reported")
	}
}

func TestTierMeterARMBoundaries(t *testing.T) {
	m := NewTierMeter(TableFor(time.Now()).prices["us-east-1"][ArchARM].Duration)
	got, _ := m.Add(20_000_000_000 * gbs)
	if want := [MaxTiers]int64{7_500_000_000 * gbs, 11_250_000_000 * gbs, 1_250_000_000 * gbs}; got != want {
		t.Errorf("arm split %v, want %v", got, want)
	}
}

var nov = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func fn(region string, arch Arch, mem int64) Function {
	return Function{Name: "f", Region: region, Arch: arch, MemoryMB: mem, Runtime: "python3.12"}
}

// The tiers are per region and architecture, across functions, and the
// record that crosses a boundary is the one that gets split.
func TestMonthSharesTiersAcrossFunctions(t *testing.T) {
	m := NewMonth(nov, Options{})
	a, b := fn("us-east-1", ArchX86, 1024), fn("us-east-1", ArchX86, 2048)
	b.Name = "g"
	// a: 5e9 GB-s (1024 MB x 1000 ms x 5e6 = 5e9 x 1.024e6 MB-ms)
	ca, err := m.Invocation(a, Invocation{Start: nov, DurationUS: 1_000_000_000, Count: 5_000_000})
	if err != nil {
		t.Fatal(err)
	}
	if ca.DurationMBms != [MaxTiers]int64{5_000_000_000 * gbs} {
		t.Errorf("a: %v", ca.DurationMBms)
	}
	// b: 2e9 GB-s, 1e9 in tier 1 and 1e9 in tier 2
	cb, err := m.Invocation(b, Invocation{Start: nov.Add(time.Hour), DurationUS: 1_000_000_000, Count: 1_000_000})
	if err != nil {
		t.Fatal(err)
	}
	if cb.DurationMBms != [MaxTiers]int64{1_000_000_000 * gbs, 1_000_000_000 * gbs} {
		t.Errorf("b: %v", cb.DurationMBms)
	}
	// Another region and the other architecture start at tier 1.
	for _, f := range []Function{fn("eu-west-1", ArchX86, 1024), fn("us-east-1", ArchARM, 1024)} {
		c, err := m.Invocation(f, Invocation{Start: nov.Add(2 * time.Hour), DurationUS: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if c.DurationMBms != [MaxTiers]int64{1024} {
			t.Errorf("%s %s: %v", f.Region, f.Arch, c.DurationMBms)
		}
	}
	items, err := m.LineItems()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, li := range items {
		names = append(names, li.Region+" "+string(li.Arch)+" "+li.Name+" "+DecimalString(li.Quantity)+" "+li.USD().String())
	}
	want := []string{
		"eu-west-1 x86_64 Requests 1 0.00",
		"eu-west-1 x86_64 Duration, tier 1 0.001 0.00",
		"us-east-1 x86_64 Requests 6000000 1.20",
		"us-east-1 x86_64 Duration, tier 1 6000000000 100000.20",
		"us-east-1 x86_64 Duration, tier 2 1000000000 15000.00",
		"us-east-1 arm64 Requests 1 0.00",
		"us-east-1 arm64 Duration, tier 1 0.001 0.00",
	}
	if strings.Join(names, "\n") != strings.Join(want, "\n") {
		t.Errorf("line items:\n%s\nwant:\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}
}

func TestMonthFreeTierSharedAndFirstComeFirstServed(t *testing.T) {
	m := NewMonth(nov, Options{FreeTier: true})
	x, a := fn("us-east-1", ArchX86, 1024), fn("eu-west-1", ArchARM, 1024)
	// x takes 300,000 GB-s and 600,000 requests of the free tier ...
	c1, err := m.Invocation(x, Invocation{Start: nov, DurationUS: 500_000, Count: 600_000})
	if err != nil {
		t.Fatal(err)
	}
	if c1.FreeMBms != 300_000*gbs || c1.FreeRequests != 600_000 || c1.Requests != 0 || c1.DurationMBms[0] != 0 {
		t.Errorf("first: %+v", c1)
	}
	// ... so the arm function in another region gets the remaining 100,000.
	c2, err := m.Invocation(a, Invocation{Start: nov.Add(time.Second), DurationUS: 500_000, Count: 600_000})
	if err != nil {
		t.Fatal(err)
	}
	if c2.FreeMBms != 100_000*gbs || c2.DurationMBms[0] != 200_000*gbs || c2.FreeRequests != 400_000 || c2.Requests != 200_000 {
		t.Errorf("second: %+v", c2)
	}
	// Provisioned duration never takes the free tier.
	m = NewMonth(nov, Options{FreeTier: true})
	c3, _ := m.Invocation(x, Invocation{Start: nov, DurationUS: 1_000_000, Provisioned: true})
	if c3.FreeMBms != 0 || c3.PCDurationMBms != 1024*1000 {
		t.Errorf("provisioned: %+v", c3)
	}
	// Used elsewhere already.
	m = NewMonth(nov, Options{FreeTier: true, FreeTierUsed: FreeTier{Requests: 999_999}})
	c4, _ := m.Invocation(x, Invocation{Start: nov, Count: 3})
	if c4.FreeRequests != 1 || c4.Requests != 2 {
		t.Errorf("used: %+v", c4)
	}
	// Off by default.
	m = NewMonth(nov, Options{})
	c5, _ := m.Invocation(x, Invocation{Start: nov, DurationUS: 1000})
	if c5.FreeRequests != 0 || c5.FreeMBms != 0 {
		t.Errorf("free tier on by default: %+v", c5)
	}
}

func TestMonthTimeOrder(t *testing.T) {
	m := NewMonth(nov.Add(10*24*time.Hour), Options{})
	f := fn("us-east-1", ArchX86, 128)
	if _, err := m.Invocation(f, Invocation{Start: nov.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Invocation(f, Invocation{Start: nov.Add(time.Hour)}); err != nil {
		t.Errorf("equal times: %v", err)
	}
	if _, err := m.Invocation(f, Invocation{Start: nov}); err == nil || !strings.Contains(err.Error(), "time order") {
		t.Errorf("out of order: %v", err)
	}
	if _, err := m.Invocation(f, Invocation{Start: nov.AddDate(0, 1, 0)}); err == nil || !strings.Contains(err.Error(), "outside the month 2026-11") {
		t.Errorf("next month: %v", err)
	}
	if _, err := m.Invocation(f, Invocation{Start: nov.Add(2 * time.Hour), DurationUS: -1}); err == nil {
		t.Error("negative duration accepted")
	}
	if m.Hours() != 720 {
		t.Errorf("November has %d hours", m.Hours())
	}
}

func TestMonthRejectsBadFunctions(t *testing.T) {
	m := NewMonth(nov, Options{})
	for _, f := range []Function{
		fn("us-east-1", ArchX86, 64),
		fn("us-east-1", ArchX86, 10241),
		{Region: "us-east-1", Arch: ArchX86, MemoryMB: 128, EphemeralMB: 100},
		fn("nowhere-1", ArchX86, 128),
		fn("us-east-1", "mips", 128),
	} {
		if _, err := m.Invocation(f, Invocation{Start: nov}); err == nil {
			t.Errorf("%+v accepted", f)
		}
	}
}

func TestProvisionedRoundsUpToFiveMinutes(t *testing.T) {
	f := fn("us-east-1", ArchX86, 1024)
	for _, tc := range []struct {
		enabled time.Duration
		wantSec int64
	}{
		{0, 0},
		{time.Second, 300},
		{5 * time.Minute, 300},
		{5*time.Minute + time.Nanosecond, 600},
		{8 * time.Hour, 28_800},
		{61 * time.Minute, 3_900},
	} {
		m := NewMonth(nov, Options{})
		c, err := m.Provisioned(f, 2, tc.enabled)
		if err != nil {
			t.Fatal(err)
		}
		if want := 2 * 1024 * tc.wantSec * 1000; c.PCMBms != want {
			t.Errorf("%s: %d MB-ms, want %d (%d s)", tc.enabled, c.PCMBms, want, tc.wantSec)
		}
	}
	if _, err := NewMonth(nov, Options{}).Provisioned(f, -1, time.Hour); err == nil {
		t.Error("negative concurrency accepted")
	}
}

func TestSnapStartCacheAndRestore(t *testing.T) {
	f := fn("us-east-1", ArchX86, 1024)
	f.SnapStart = true
	m := NewMonth(nov, Options{})
	c, _ := m.SnapStartCache(f, time.Hour)
	if c.CacheMBms != 1024*3*3600*1000 {
		t.Errorf("3 h minimum: %d", c.CacheMBms)
	}
	c, _ = m.SnapStartCache(f, 3*time.Hour+time.Microsecond)
	if c.CacheMBms != 1024*(3*3600*1000+1) {
		t.Errorf("per ms after: %d", c.CacheMBms)
	}
	// A restore is charged once per restored invocation, and its billed
	// restore time is in the duration once.
	c, err := m.Invocation(f, Invocation{Start: nov, DurationUS: us(127.10), BilledRestoreMS: 26, Restored: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.Restores != 1 || c.RestoredMB != 1024 || c.DurationMBms[0] != 1024*154 {
		t.Errorf("restored invocation: %+v", c)
	}
	// Java: neither cache nor restore.
	j := f
	j.Runtime = "java21"
	c, _ = m.SnapStartCache(j, time.Hour)
	c2, _ := m.SnapStartRestores(j, 5)
	c3, _ := m.Invocation(j, Invocation{Start: nov, DurationUS: 1000, Restored: true})
	if c.CacheMBms != 0 || c2.RestoredMB != 0 || c3.RestoredMB != 0 {
		t.Errorf("java charged: %+v %+v %+v", c, c2, c3)
	}
	// No SnapStart prices outside us-east-1: a clear error.
	eu := f
	eu.Region = "eu-west-1"
	if _, err := m.SnapStartRestores(eu, 1); err == nil || !strings.Contains(err.Error(), `unknown SnapStart price for region "eu-west-1"`) || !strings.Contains(err.Error(), "known: us-east-1") {
		t.Errorf("eu-west-1 SnapStart: %v", err)
	}
}

func TestStreamingFreeSixMBAndFreeTier(t *testing.T) {
	f := fn("us-east-1", ArchX86, 1024)
	m := NewMonth(nov, Options{FreeTier: true})
	c, _ := m.Invocation(f, Invocation{Start: nov, StreamedBytes: 6 << 20})
	if c.StreamedBytes != 0 || c.FreeStreamedBytes != 0 {
		t.Errorf("6 MB charged: %+v", c)
	}
	c, _ = m.Invocation(f, Invocation{Start: nov, StreamedBytes: 7 << 20, Count: 2})
	if c.FreeStreamedBytes != 2<<20 || c.StreamedBytes != 0 {
		t.Errorf("7 MB: %+v", c)
	}
	c, _ = m.Streamed(f, 1, 101<<30)
	if c.FreeStreamedBytes != 100<<30-2<<20 || c.StreamedBytes != (101<<30-6<<20)-(100<<30-2<<20) {
		t.Errorf("beyond the free 100 GB: %+v", c)
	}
}

func TestEphemeralAbove512(t *testing.T) {
	f := fn("us-east-1", ArchX86, 1024)
	f.EphemeralMB = 512
	m := NewMonth(nov, Options{})
	if c, _ := m.Invocation(f, Invocation{Start: nov, DurationUS: 1000}); c.EphemeralMBms != 0 {
		t.Errorf("512 MB charged: %+v", c)
	}
	f.EphemeralMB = 2048
	if c, _ := m.Invocation(f, Invocation{Start: nov, DurationUS: 1000, Count: 3}); c.EphemeralMBms != 1536*1*3 {
		t.Errorf("2048 MB: %+v", c)
	}
}

func TestOverflowIsAnError(t *testing.T) {
	m := NewMonth(nov, Options{})
	_, err := m.Invocation(fn("us-east-1", ArchX86, 10240), Invocation{Start: nov, DurationUS: 900_000_000, Count: 1 << 40})
	if err == nil || !strings.Contains(err.Error(), "overflow") {
		t.Errorf("overflow: %v", err)
	}
}

func BenchmarkMonthInvocation(b *testing.B) {
	m := NewMonth(nov, Options{FreeTier: true})
	f := fn("us-east-1", ArchARM, 1024)
	inv := Invocation{Start: nov, DurationUS: 123_450, InitDurationUS: 250_000}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Invocation(f, inv); err != nil {
			b.Fatal(err)
		}
	}
}
