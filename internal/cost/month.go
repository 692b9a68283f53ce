package cost

import (
	"fmt"
	"math/big"
	"slices"
	"time"
)

// Options configure a Month.
type Options struct {
	// FreeTier applies the monthly free tier (off by default: most accounts
	// that care about a bill have long used it up, and organizations share
	// one). It covers requests (provisioned ones too), on-demand duration
	// and streamed bytes, never provisioned-concurrency charges: the pricing
	// page says the free tier "does not apply to functions enabling
	// Provisioned Concurrency", yet its PC example 1 takes the free requests
	// and GB-seconds off the same function's on-demand usage, and this
	// follows the example.
	FreeTier bool
	// FreeTierUsed is how much of the free tier other usage has already
	// taken this month.
	FreeTierUsed FreeTier
	// Table is the price table; nil means the one in effect at the month's
	// start.
	Table *Table
}

// Charge is the billable quantities of one piece of usage in one region and
// architecture, already split across the free tier and the duration tiers.
// Quantities are integers in their smallest unit, so charges add up exactly
// and fast; Table.LineItems prices them.
type Charge struct {
	Region string
	Arch   Arch

	Requests          int64           // billable requests
	FreeRequests      int64           // requests taken from the free tier
	DurationMBms      [MaxTiers]int64 // on-demand duration per tier
	FreeMBms          int64           // on-demand duration taken from the free tier
	EphemeralMBms     int64           // configured /tmp above 512 MB x billed duration
	PCMBms            int64           // provisioned-concurrency reservation
	PCDurationMBms    int64           // duration on provisioned environments
	CacheMBms         int64           // SnapStart cache, memory x active time (3 h minimum)
	RestoredMB        int64           // SnapStart restores x memory
	Restores          int64           // SnapStart restores (a count, for the report)
	StreamedBytes     int64           // billable streamed bytes
	FreeStreamedBytes int64           // streamed bytes taken from the free tier
}

// Add adds o's quantities to c (c's Region and Arch are kept). It fails
// only on int64 overflow.
func (c *Charge) Add(o Charge) error {
	ok := true
	add := func(dst *int64, v int64) {
		s, fits := addChecked(*dst, v)
		*dst, ok = s, ok && fits
	}
	add(&c.Requests, o.Requests)
	add(&c.FreeRequests, o.FreeRequests)
	for i := range c.DurationMBms {
		add(&c.DurationMBms[i], o.DurationMBms[i])
	}
	add(&c.FreeMBms, o.FreeMBms)
	add(&c.EphemeralMBms, o.EphemeralMBms)
	add(&c.PCMBms, o.PCMBms)
	add(&c.PCDurationMBms, o.PCDurationMBms)
	add(&c.CacheMBms, o.CacheMBms)
	add(&c.RestoredMB, o.RestoredMB)
	add(&c.Restores, o.Restores)
	add(&c.StreamedBytes, o.StreamedBytes)
	add(&c.FreeStreamedBytes, o.FreeStreamedBytes)
	if !ok {
		return errOverflow
	}
	return nil
}

// LineItem is one priced line of a bill.
type LineItem struct {
	Region   string
	Arch     Arch
	Name     string   // "Requests", "Duration, tier 1", "Duration, free tier" ...
	Quantity *big.Rat // exact, in Unit
	Unit     string   // "requests", "GB-s" or "GB"
	Rate     Money    // price per Unit; $0 for free-tier lines
	Amount   Money    // Quantity x Rate, exact
}

// USD is the line item as billed: its amount rounded to cents.
func (li LineItem) USD() Money { return li.Amount.RoundCents() }

// Total is the sum of the line items as billed (each rounded to cents first).
func Total(items []LineItem) Money {
	var t Money
	for _, li := range items {
		t = t.Add(li.USD())
	}
	return t
}

// Month accumulates the Lambda usage of one account (or one organization
// under consolidated billing) in one calendar month (UTC) and prices it. It
// takes invocations in time order, because the free tier and the duration
// tiers go to whichever usage comes first. A Month is not safe for
// concurrent use.
type Month struct {
	start, end time.Time
	table      *Table
	free       FreeTier // left
	last       time.Time
	meters     map[regionArch]*TierMeter
	totals     map[regionArch]*Charge
}

type regionArch struct {
	region string
	arch   Arch
}

// NewMonth starts the month (UTC) that contains t.
func NewMonth(t time.Time, opts Options) *Month {
	t = t.UTC()
	start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	m := &Month{
		start:  start,
		end:    start.AddDate(0, 1, 0),
		table:  opts.Table,
		meters: map[regionArch]*TierMeter{},
		totals: map[regionArch]*Charge{},
	}
	if m.table == nil {
		m.table = TableFor(start)
	}
	if opts.FreeTier {
		ft := m.table.FreeTier
		m.free = FreeTier{
			Requests:      max(0, ft.Requests-opts.FreeTierUsed.Requests),
			MBms:          max(0, ft.MBms-opts.FreeTierUsed.MBms),
			StreamedBytes: max(0, ft.StreamedBytes-opts.FreeTierUsed.StreamedBytes),
		}
	}
	return m
}

// Start is the first instant of the month.
func (m *Month) Start() time.Time { return m.start }

// Table is the price table the month is priced with.
func (m *Month) Table() *Table { return m.table }

// Hours is the length of the month in hours.
func (m *Month) Hours() int64 { return int64(m.end.Sub(m.start) / time.Hour) }

func (m *Month) prices(fn Function) (*ArchPrices, error) {
	p, err := m.table.Prices(fn.Region, fn.Arch)
	if err != nil {
		return nil, err
	}
	if fn.MemoryMB < 128 || fn.MemoryMB > 10240 {
		return nil, fmt.Errorf("function %s: memory %d MB is outside Lambda's 128 to 10240 MB", fn.Name, fn.MemoryMB)
	}
	if fn.EphemeralMB != 0 && (fn.EphemeralMB < 512 || fn.EphemeralMB > 10240) {
		return nil, fmt.Errorf("function %s: ephemeral storage %d MB is outside Lambda's 512 to 10240 MB", fn.Name, fn.EphemeralMB)
	}
	return p, nil
}

// needRate fails when a price the usage needs is not in the table.
func (m *Month) needRate(r Rate, what string, fn Function, get func(*ArchPrices) Rate) error {
	if r.Known {
		return nil
	}
	var known []string
	for _, reg := range m.table.Regions() {
		if p, err := m.table.Prices(reg, fn.Arch); err == nil && get(p).Known {
			known = append(known, reg)
		}
	}
	return &UnknownError{What: what + " price for region", Name: fn.Region, Known: known,
		Why: "not in price table " + m.table.Version}
}

func (m *Month) total(fn Function) *Charge {
	k := regionArch{fn.Region, fn.Arch}
	c := m.totals[k]
	if c == nil {
		c = &Charge{Region: fn.Region, Arch: fn.Arch}
		m.totals[k] = c
	}
	return c
}

func (m *Month) commit(fn Function, c Charge) (Charge, error) {
	if err := m.total(fn).Add(c); err != nil {
		return Charge{}, err
	}
	return c, nil
}

func (m *Month) takeFree(left *int64, want int64) int64 {
	f := min(*left, want)
	*left -= f
	return f
}

// sixMB is the part of each streamed response that is free: 6 MB, 1 MB
// being 2^20 bytes, as the pricing page's example counts it (1 GB = 1024 MB).
const sixMB = 6 << 20

// Invocation prices inv, an invocation of fn, and returns its charge. The
// invocations of a month must come in order of Start and lie in the month.
// The request, the billed duration (see BilledDurationMS) at the on-demand
// tiers or the provisioned-concurrency rate, ephemeral storage above 512 MB,
// a SnapStart restore (inv.Restored; free on Java runtimes) and the
// streamed bytes beyond 6 MB are charged; the free tier, when on, is taken
// first for requests, on-demand duration and streaming (never for
// provisioned duration). Free-tier duration does not count towards the
// tier volumes: it is billed under its own usage type
// (Global-Lambda-GB-Second).
func (m *Month) Invocation(fn Function, inv Invocation) (Charge, error) {
	p, err := m.prices(fn)
	if err != nil {
		return Charge{}, err
	}
	if inv.Start.Before(m.start) || !inv.Start.Before(m.end) {
		return Charge{}, fmt.Errorf("invocation at %s is outside the month %s", inv.Start.UTC().Format(time.RFC3339), m.start.Format("2006-01"))
	}
	if inv.Start.Before(m.last) {
		return Charge{}, fmt.Errorf("invocation at %s comes before one at %s: a month takes usage in time order", inv.Start.UTC().Format(time.RFC3339Nano), m.last.UTC().Format(time.RFC3339Nano))
	}
	if inv.Count < 0 || inv.DurationUS < 0 || inv.InitDurationUS < 0 || inv.BilledDurationMS < 0 || inv.BilledRestoreMS < 0 || inv.StreamedBytes < 0 || inv.MemoryMB < 0 {
		return Charge{}, fmt.Errorf("invocation at %s: negative quantity", inv.Start.UTC().Format(time.RFC3339))
	}
	n := inv.Count
	if n == 0 {
		n = 1
	}
	mem := inv.MemoryMB
	if mem == 0 {
		mem = fn.MemoryMB
	}
	billed := BilledDurationMS(fn, inv)
	mbms, ok := mulChecked(mem, billed, n)
	if !ok {
		return Charge{}, errOverflow
	}
	c := Charge{Region: fn.Region, Arch: fn.Arch}
	c.FreeRequests = m.takeFree(&m.free.Requests, n)
	c.Requests = n - c.FreeRequests
	if inv.Provisioned {
		if err := m.needRate(p.PCDuration, "provisioned concurrency", fn, func(p *ArchPrices) Rate { return p.PCDuration }); err != nil {
			return Charge{}, err
		}
		c.PCDurationMBms = mbms
	} else {
		c.FreeMBms = m.takeFree(&m.free.MBms, mbms)
		k := regionArch{fn.Region, fn.Arch}
		meter := m.meters[k]
		if meter == nil {
			meter = NewTierMeter(p.Duration)
			m.meters[k] = meter
		}
		if c.DurationMBms, err = meter.Add(mbms - c.FreeMBms); err != nil {
			return Charge{}, err
		}
	}
	if fn.EphemeralMB > 512 {
		if c.EphemeralMBms, ok = mulChecked(fn.EphemeralMB-512, billed, n); !ok {
			return Charge{}, errOverflow
		}
	}
	if inv.Restored && !fn.snapStartFree() {
		if err := m.needRate(p.SnapStartRestore, "SnapStart", fn, func(p *ArchPrices) Rate { return p.SnapStartRestore }); err != nil {
			return Charge{}, err
		}
		c.Restores = n
		if c.RestoredMB, ok = mulChecked(mem, n); !ok {
			return Charge{}, errOverflow
		}
	}
	if inv.StreamedBytes > sixMB {
		if err := m.needRate(p.Streaming, "response streaming", fn, func(p *ArchPrices) Rate { return p.Streaming }); err != nil {
			return Charge{}, err
		}
		b, ok := mulChecked(inv.StreamedBytes-sixMB, n)
		if !ok {
			return Charge{}, errOverflow
		}
		c.FreeStreamedBytes = m.takeFree(&m.free.StreamedBytes, b)
		c.StreamedBytes = b - c.FreeStreamedBytes
	}
	m.last = inv.Start
	return m.commit(fn, c)
}

// pcRounding is the unit provisioned concurrency is billed in: "from the
// time you enable it on your function until it is disabled, rounded up to
// the nearest five minutes".
const pcRounding = 5 * time.Minute

// Provisioned prices a provisioned-concurrency reservation of concurrency
// environments of fn, enabled for the given time (one enable-to-disable
// period: the time is rounded up to five minutes). A period that runs into
// the next month is priced whole here; split it at the month's end for
// month-by-month bills. The invocations served by it are priced
// separately, with Invocation and Provisioned set.
func (m *Month) Provisioned(fn Function, concurrency int64, enabled time.Duration) (Charge, error) {
	p, err := m.prices(fn)
	if err != nil {
		return Charge{}, err
	}
	if concurrency < 0 || enabled < 0 {
		return Charge{}, fmt.Errorf("provisioned concurrency: negative quantity")
	}
	if err := m.needRate(p.PCReservation, "provisioned concurrency", fn, func(p *ArchPrices) Rate { return p.PCReservation }); err != nil {
		return Charge{}, err
	}
	ms := int64((enabled+pcRounding-1)/pcRounding) * pcRounding.Milliseconds()
	mbms, ok := mulChecked(concurrency, fn.MemoryMB, ms)
	if !ok {
		return Charge{}, errOverflow
	}
	return m.commit(fn, Charge{Region: fn.Region, Arch: fn.Arch, PCMBms: mbms})
}

// snapStartMinimum is the shortest time a SnapStart snapshot's cache is
// billed for, per published version.
const snapStartMinimum = 3 * time.Hour

// SnapStartCache prices caching the snapshot of one published version of fn
// for the time the version is active this month: at least three hours, per
// millisecond after that (rounded up). Free on Java runtimes.
func (m *Month) SnapStartCache(fn Function, active time.Duration) (Charge, error) {
	p, err := m.prices(fn)
	if err != nil {
		return Charge{}, err
	}
	if active < 0 {
		return Charge{}, fmt.Errorf("SnapStart cache: negative time")
	}
	if fn.snapStartFree() {
		return Charge{Region: fn.Region, Arch: fn.Arch}, nil
	}
	if err := m.needRate(p.SnapStartCache, "SnapStart", fn, func(p *ArchPrices) Rate { return p.SnapStartCache }); err != nil {
		return Charge{}, err
	}
	active = max(active, snapStartMinimum)
	ms := int64((active + time.Millisecond - 1) / time.Millisecond)
	mbms, ok := mulChecked(fn.MemoryMB, ms)
	if !ok {
		return Charge{}, errOverflow
	}
	return m.commit(fn, Charge{Region: fn.Region, Arch: fn.Arch, CacheMBms: mbms})
}

// SnapStartRestores prices n restores of fn's snapshot that are not priced
// through Invocation (Restored). Free on Java runtimes.
func (m *Month) SnapStartRestores(fn Function, n int64) (Charge, error) {
	p, err := m.prices(fn)
	if err != nil {
		return Charge{}, err
	}
	if n < 0 {
		return Charge{}, fmt.Errorf("SnapStart restores: negative count")
	}
	if fn.snapStartFree() || n == 0 {
		return Charge{Region: fn.Region, Arch: fn.Arch}, nil
	}
	if err := m.needRate(p.SnapStartRestore, "SnapStart", fn, func(p *ArchPrices) Rate { return p.SnapStartRestore }); err != nil {
		return Charge{}, err
	}
	mb, ok := mulChecked(fn.MemoryMB, n)
	if !ok {
		return Charge{}, errOverflow
	}
	return m.commit(fn, Charge{Region: fn.Region, Arch: fn.Arch, Restores: n, RestoredMB: mb})
}

// Streamed prices n streamed responses of size bytes each that are not
// priced through Invocation: the bytes beyond the first 6 MB of each, after
// the free tier.
func (m *Month) Streamed(fn Function, n, size int64) (Charge, error) {
	if n < 0 || size < 0 {
		return Charge{}, fmt.Errorf("streamed responses: negative quantity")
	}
	b, ok := mulChecked(max(0, size-sixMB), n)
	if !ok {
		return Charge{}, errOverflow
	}
	return m.StreamedBeyondFree(fn, b)
}

// StreamedBeyondFree prices b streamed bytes that are already beyond the
// free 6 MB of their responses, after the free tier.
func (m *Month) StreamedBeyondFree(fn Function, b int64) (Charge, error) {
	p, err := m.prices(fn)
	if err != nil {
		return Charge{}, err
	}
	if b < 0 {
		return Charge{}, fmt.Errorf("streamed bytes: negative quantity")
	}
	if b == 0 {
		return Charge{Region: fn.Region, Arch: fn.Arch}, nil
	}
	if err := m.needRate(p.Streaming, "response streaming", fn, func(p *ArchPrices) Rate { return p.Streaming }); err != nil {
		return Charge{}, err
	}
	c := Charge{Region: fn.Region, Arch: fn.Arch}
	c.FreeStreamedBytes = m.takeFree(&m.free.StreamedBytes, b)
	c.StreamedBytes = b - c.FreeStreamedBytes
	return m.commit(fn, c)
}

// Charges returns the month's totals, one Charge per region and
// architecture, ordered by region and then architecture (x86_64 first).
func (m *Month) Charges() []Charge {
	out := make([]Charge, 0, len(m.totals))
	for _, c := range m.totals {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b Charge) int {
		if a.Region != b.Region {
			if a.Region < b.Region {
				return -1
			}
			return 1
		}
		return slices.Index(Archs(), a.Arch) - slices.Index(Archs(), b.Arch)
	})
	return out
}

// LineItems prices the month: the line items of every region and
// architecture, in the order of Charges.
func (m *Month) LineItems() ([]LineItem, error) {
	var out []LineItem
	for _, c := range m.Charges() {
		items, err := m.table.LineItems(c)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
	}
	return out, nil
}

var (
	ratGBs   = big.NewRat(1, gbsMBms) // GB-s per MB-ms
	ratGB    = big.NewRat(1, 1024)    // GB per MB
	ratBytes = big.NewRat(1, 1<<30)   // GB per byte
)

// LineItems prices one charge: a line for each non-zero quantity, in bill
// order (requests, duration, ephemeral storage, provisioned concurrency,
// SnapStart, streaming), free-tier lines before the billed ones.
func (t *Table) LineItems(c Charge) ([]LineItem, error) {
	p, err := t.Prices(c.Region, c.Arch)
	if err != nil {
		return nil, err
	}
	var out []LineItem
	var missing error
	add := func(name string, q int64, perUnit *big.Rat, unit string, r Rate, free bool) {
		if q == 0 {
			return
		}
		qty := new(big.Rat).Mul(new(big.Rat).SetInt64(q), perUnit)
		li := LineItem{Region: c.Region, Arch: c.Arch, Name: name, Quantity: qty, Unit: unit}
		if !free {
			if !r.Known && missing == nil {
				missing = &UnknownError{What: name + " price for region", Name: c.Region, Why: "not in price table " + t.Version}
			}
			li.Rate = r.USD
			li.Amount = r.USD.Mul(qty)
		}
		out = append(out, li)
	}
	one := big.NewRat(1, 1)
	add("Requests, free tier", c.FreeRequests, one, "requests", Rate{}, true)
	add("Requests", c.Requests, one, "requests", p.Request, false)
	add("Duration, free tier", c.FreeMBms, ratGBs, "GB-s", Rate{}, true)
	for i, q := range c.DurationMBms {
		var r Rate
		if i < len(p.Duration) {
			r = Rate{USD: p.Duration[i].Price, Known: true}
		}
		add(fmt.Sprintf("Duration, tier %d", i+1), q, ratGBs, "GB-s", r, false)
	}
	add("Ephemeral storage", c.EphemeralMBms, ratGBs, "GB-s", p.Ephemeral, false)
	add("Provisioned concurrency", c.PCMBms, ratGBs, "GB-s", p.PCReservation, false)
	add("Provisioned concurrency duration", c.PCDurationMBms, ratGBs, "GB-s", p.PCDuration, false)
	add("SnapStart cache", c.CacheMBms, ratGBs, "GB-s", p.SnapStartCache, false)
	add("SnapStart restore", c.RestoredMB, ratGB, "GB", p.SnapStartRestore, false)
	add("Response streaming, free tier", c.FreeStreamedBytes, ratBytes, "GB", Rate{}, true)
	add("Response streaming", c.StreamedBytes, ratBytes, "GB", p.Streaming, false)
	if missing != nil {
		return nil, missing
	}
	return out, nil
}
