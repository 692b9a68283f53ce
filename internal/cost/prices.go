package cost

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
)

// Arch is a Lambda instruction set architecture.
type Arch string

// The architectures Lambda offers.
const (
	ArchX86 Arch = "x86_64"
	ArchARM Arch = "arm64"
)

// Archs lists every architecture, in the order bills list them.
func Archs() []Arch { return []Arch{ArchX86, ArchARM} }

// ParseArch accepts exactly the names Lambda uses, "x86_64" and "arm64";
// anything else is an *UnknownError naming both.
func ParseArch(s string) (Arch, error) {
	for _, a := range Archs() {
		if string(a) == s {
			return a, nil
		}
	}
	return "", &UnknownError{What: "architecture", Name: s, Known: []string{string(ArchX86), string(ArchARM)}}
}

// UnknownError reports a region, architecture or price that a price table
// does not have, with the names it does have.
type UnknownError struct {
	What  string   // "region", "architecture", "SnapStart price" ...
	Name  string   // what was asked for
	Known []string // what the table has
	Why   string   // optional explanation
}

// Error says what is unknown and lists what is known.
func (e *UnknownError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "unknown %s %q", e.What, e.Name)
	if e.Why != "" {
		b.WriteString(": " + e.Why)
	}
	if len(e.Known) > 0 {
		fmt.Fprintf(&b, " (known: %s)", strings.Join(e.Known, ", "))
	}
	return b.String()
}

// Rate is a unit price in dollars that a table may or may not have. The zero
// Rate is "not in the table", which is different from a price of $0.
type Rate struct {
	USD   Money
	Known bool
}

func rate(s string) Rate { return Rate{USD: mustMoney(s), Known: true} }

// Tier is one band of the monthly on-demand duration price: Price per GB-s
// for the aggregate monthly volume up to UpToGBs GB-s (cumulative, counted
// from the first GB-s of the month); UpToGBs 0 means no upper bound.
type Tier struct {
	UpToGBs int64
	Price   Money
}

// MaxTiers is the most duration tiers a price table may have.
const MaxTiers = 3

// ArchPrices are the Lambda list prices for one architecture in one region.
// Units: Request per request; Duration, Ephemeral (per GB-s configured above
// 512 MB), PCReservation, PCDuration and SnapStartCache per GB-s;
// SnapStartRestore and Streaming per GB (1 GB = 1024 MB = 2^30 bytes).
type ArchPrices struct {
	Request          Rate
	Duration         []Tier
	Ephemeral        Rate
	PCReservation    Rate
	PCDuration       Rate
	SnapStartCache   Rate
	SnapStartRestore Rate
	Streaming        Rate
}

// FreeTier is the monthly free allowance: shared by both architectures and
// every region of an account, applied to requests, on-demand duration and
// streamed bytes (never to provisioned concurrency).
type FreeTier struct {
	Requests      int64
	MBms          int64 // on-demand duration, in MB-ms (1 GB-s = 1,024,000 MB-ms)
	StreamedBytes int64
}

// Table is one version of the Lambda price list. Tables are immutable.
type Table struct {
	// Version names the table in every output ("2026-09-06": the date the
	// prices were taken from their sources).
	Version string
	// EffectiveFrom is the first instant the table applies to; the zero time
	// means "since before any other version".
	EffectiveFrom time.Time
	// Sources says where the numbers come from and which are derived.
	Sources  []string
	FreeTier FreeTier

	prices   map[string]map[Arch]*ArchPrices
	disputed map[string]string // region -> why it has no prices
}

// Regions lists the regions the table prices, sorted.
func (t *Table) Regions() []string {
	rs := make([]string, 0, len(t.prices))
	for r := range t.prices {
		rs = append(rs, r)
	}
	slices.Sort(rs)
	return rs
}

// Prices returns the prices for one region and architecture, or an
// *UnknownError naming the regions (or architectures) the table has.
func (t *Table) Prices(region string, arch Arch) (*ArchPrices, error) {
	byArch, ok := t.prices[region]
	if !ok {
		why := t.disputed[region]
		if why == "" {
			why = "not in price table " + t.Version
		}
		return nil, &UnknownError{What: "region", Name: region, Known: t.Regions(), Why: why}
	}
	p, ok := byArch[arch]
	if !ok {
		return nil, &UnknownError{What: "architecture", Name: string(arch), Known: []string{string(ArchX86), string(ArchARM)}}
	}
	return p, nil
}

// Tables returns every price table version, oldest first.
func Tables() []*Table { return slices.Clone(tables) }

// TableFor returns the newest table in effect at t.
func TableFor(t time.Time) *Table {
	cur := tables[0]
	for _, tb := range tables[1:] {
		if !tb.EffectiveFrom.After(t) {
			cur = tb
		}
	}
	return cur
}

var tables = []*Table{table20260906()}

// gbsMBms is MB-ms per GB-s: 1 GB = 1024 MB, 1 s = 1000 ms.
const gbsMBms = 1024 * 1000

// table20260906 is the price list in shared/reference/lambda-cost-and-telemetry.md
// section 1 (us-east-1 from the AWS Price List bulk CSV retrieved
// 2026-09-06; other regions from the AWS calculator's metered-unit map).
func table20260906() *Table {
	t := &Table{
		Version: "2026-09-06",
		Sources: []string{
			"us-east-1: AWS Price List bulk CSV for AWSLambda, retrieved 2026-09-06, and the Lambda pricing page",
			"other regions: AWS calculator metered-unit map (x86 duration, requests, PC, PC duration, ephemeral)",
			"derived: duration tiers 2 and 3 outside us-east-1 (same list prices wherever tier 1 is the same)",
			"derived: arm64 PC and PC duration outside us-east-1 = x86 x 0.8 rounded to 10 places (reproduces us-east-1)",
			"SnapStart and response streaming: us-east-1 only (the pricing page's examples)",
			"the duration tiers are applied at every date; they began in 2022 and the reference gives no exact date, which matters only above 6 billion GB-s a month",
		},
		FreeTier: FreeTier{Requests: 1_000_000, MBms: 400_000 * gbsMBms, StreamedBytes: 100 << 30},
		prices:   map[string]map[Arch]*ArchPrices{},
		disputed: map[string]string{},
	}
	x86Tiers := []Tier{
		{6_000_000_000, mustMoney("0.0000166667")},
		{15_000_000_000, mustMoney("0.000015")},
		{0, mustMoney("0.0000133334")},
	}
	armTiers := []Tier{
		{7_500_000_000, mustMoney("0.0000133334")},
		{18_750_000_000, mustMoney("0.0000120001")},
		{0, mustMoney("0.0000106667")},
	}
	// region: PC GB-s, PC duration GB-s, ephemeral GB-s (x86; §1.5).
	regional := []struct{ region, pc, pcDur, eph string }{
		{"us-east-1", "0.0000041667", "0.0000097222", "0.0000000309"},
		{"us-east-2", "0.0000041667", "0.0000097222", "0.0000000309"},
		{"us-west-2", "0.0000041667", "0.0000097222", "0.0000000309"},
		{"eu-west-1", "0.0000046460", "0.0000108407", "0.0000000340"},
		{"eu-west-2", "0.0000048304", "0.0000112709", "0.0000000358"},
		{"eu-central-1", "0.0000050147", "0.0000117011", "0.0000000367"},
		{"ap-south-1", "0.0000044985", "0.0000104966", "0.0000000352"},
		{"ap-southeast-1", "0.0000051991", "0.0000121313", "0.0000000370"},
		{"ap-southeast-2", "0.0000052360", "0.0000122173", "0.0000000370"},
		{"ap-northeast-1", "0.0000053835", "0.0000125615", "0.0000000370"},
	}
	for _, r := range regional {
		x86 := &ArchPrices{
			Request:       rate("0.0000002"),
			Duration:      x86Tiers,
			Ephemeral:     rate(r.eph),
			PCReservation: rate(r.pc),
			PCDuration:    rate(r.pcDur),
		}
		arm := &ArchPrices{
			Request:       rate("0.0000002"),
			Duration:      armTiers,
			Ephemeral:     rate(r.eph),
			PCReservation: armOf(r.pc),
			PCDuration:    armOf(r.pcDur),
		}
		t.prices[r.region] = map[Arch]*ArchPrices{ArchX86: x86, ArchARM: arm}
	}
	use1 := t.prices["us-east-1"]
	// us-east-1 arm64 PC prices are in the price list itself.
	use1[ArchARM].PCReservation = rate("0.0000033334")
	use1[ArchARM].PCDuration = rate("0.0000077778")
	for _, a := range Archs() {
		use1[a].SnapStartCache = rate("0.0000015046")
		use1[a].SnapStartRestore = rate("0.0001397998")
		use1[a].Streaming = rate("0.008")
	}
	for _, r := range []string{"af-south-1", "ap-east-1", "eu-south-1", "me-south-1", "me-central-1"} {
		t.disputed[r] = "its on-demand duration price differs between public sources (for example af-south-1 x86 0.0000221 or 0.00001833 per GB-s); take it from the AWS Price List API"
	}
	return t
}

// armOf derives an arm64 price from an x86 one: 20% off, rounded half up to
// 10 decimal places. On us-east-1 this gives exactly the listed arm64 PC
// (0.0000033334) and PC duration (0.0000077778) prices.
func armOf(x86 string) Rate {
	return Rate{USD: mustMoney(x86).Mul(big.NewRat(8, 10)).roundTo(10), Known: true}
}
