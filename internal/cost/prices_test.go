package cost

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTableCoversEveryRegionAndArch(t *testing.T) {
	tb := TableFor(time.Now())
	want := []string{"ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "eu-central-1", "eu-west-1", "eu-west-2", "us-east-1", "us-east-2", "us-west-2"}
	if got := strings.Join(tb.Regions(), ","); got != strings.Join(want, ",") {
		t.Fatalf("regions = %s", got)
	}
	for _, r := range want {
		for _, a := range Archs() {
			p, err := tb.Prices(r, a)
			if err != nil {
				t.Fatal(err)
			}
			if !p.Request.Known || !p.Ephemeral.Known || !p.PCReservation.Known || !p.PCDuration.Known || len(p.Duration) != MaxTiers {
				t.Errorf("%s %s: incomplete prices %+v", r, a, p)
			}
			if p.Duration[len(p.Duration)-1].UpToGBs != 0 {
				t.Errorf("%s %s: last tier is bounded", r, a)
			}
		}
	}
}

func TestPricesAsInTheReference(t *testing.T) {
	tb := TableFor(time.Now())
	for _, tc := range []struct {
		region string
		arch   Arch
		get    func(*ArchPrices) Money
		want   string
	}{
		{"us-east-1", ArchX86, func(p *ArchPrices) Money { return p.Duration[0].Price }, "0.0000166667"},
		{"us-east-1", ArchX86, func(p *ArchPrices) Money { return p.Duration[1].Price }, "0.000015"},
		{"us-east-1", ArchX86, func(p *ArchPrices) Money { return p.Duration[2].Price }, "0.0000133334"},
		{"us-east-1", ArchARM, func(p *ArchPrices) Money { return p.Duration[0].Price }, "0.0000133334"},
		{"us-east-1", ArchARM, func(p *ArchPrices) Money { return p.Duration[1].Price }, "0.0000120001"},
		{"us-east-1", ArchARM, func(p *ArchPrices) Money { return p.Duration[2].Price }, "0.0000106667"},
		{"us-east-1", ArchARM, func(p *ArchPrices) Money { return p.PCReservation.USD }, "0.0000033334"},
		{"us-east-1", ArchARM, func(p *ArchPrices) Money { return p.PCDuration.USD }, "0.0000077778"},
		{"us-east-1", ArchX86, func(p *ArchPrices) Money { return p.SnapStartCache.USD }, "0.0000015046"},
		{"us-east-1", ArchX86, func(p *ArchPrices) Money { return p.SnapStartRestore.USD }, "0.0001397998"},
		{"us-east-1", ArchX86, func(p *ArchPrices) Money { return p.Streaming.USD }, "0.008"},
		{"eu-west-1", ArchX86, func(p *ArchPrices) Money { return p.PCReservation.USD }, "0.000004646"},
		{"eu-west-1", ArchX86, func(p *ArchPrices) Money { return p.Ephemeral.USD }, "0.000000034"},
		{"ap-northeast-1", ArchX86, func(p *ArchPrices) Money { return p.PCDuration.USD }, "0.0000125615"},
		{"ap-northeast-1", ArchARM, func(p *ArchPrices) Money { return p.PCDuration.USD }, "0.0000100492"}, // derived
	} {
		p, err := tb.Prices(tc.region, tc.arch)
		if err != nil {
			t.Fatal(err)
		}
		if got := tc.get(p).Exact(); got != tc.want {
			t.Errorf("%s %s: %s, want %s", tc.region, tc.arch, got, tc.want)
		}
	}
}

// The arm64 derivation must reproduce the prices AWS lists for us-east-1.
func TestArmDerivationReproducesUSEast1(t *testing.T) {
	if got := armOf("0.0000041667").USD.Exact(); got != "0.0000033334" {
		t.Errorf("PC: %s", got)
	}
	if got := armOf("0.0000097222").USD.Exact(); got != "0.0000077778" {
		t.Errorf("PC duration: %s", got)
	}
}

func TestUnknownRegionAndArch(t *testing.T) {
	tb := TableFor(time.Now())
	_, err := tb.Prices("mars-north-1", ArchX86)
	var ue *UnknownError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), `unknown region "mars-north-1"`) || !strings.Contains(err.Error(), "us-east-1, us-east-2, us-west-2") {
		t.Errorf("unknown region: %v", err)
	}
	_, err = tb.Prices("af-south-1", ArchX86)
	if err == nil || !strings.Contains(err.Error(), "Price List API") || !strings.Contains(err.Error(), "known: ap-northeast-1") {
		t.Errorf("disputed region: %v", err)
	}
	if _, err := tb.Prices("us-east-1", "sparc"); err == nil || !strings.Contains(err.Error(), "x86_64, arm64") {
		t.Errorf("unknown arch: %v", err)
	}
	if _, err := ParseArch("amd64"); err == nil || err.Error() != `unknown architecture "amd64" (known: x86_64, arm64)` {
		t.Errorf("ParseArch: %v", err)
	}
	if a, err := ParseArch("arm64"); err != nil || a != ArchARM {
		t.Errorf("ParseArch(arm64) = %v, %v", a, err)
	}
}

func TestTableFor(t *testing.T) {
	for _, at := range []time.Time{{}, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if TableFor(at).Version != "2026-09-06" {
			t.Errorf("TableFor(%v) = %s", at, TableFor(at).Version)
		}
	}
	if len(Tables()) == 0 {
		t.Error("no tables")
	}
}
