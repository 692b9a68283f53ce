package cost

import (
	"fmt"
	"math/big"
	"time"
)

// Usage is the aggregated on-demand usage of one function over a short
// span (an hour of the store's rollups): how many requests it served and
// the billed duration they add up to. Billed durations are summed as the
// records report them, so each invocation's own rounding (and INIT phase)
// is already in them.
type Usage struct {
	Start    time.Time // orders the month; the span's first instant
	Requests int64
	BilledMS int64 // sum of billed duration, ms (prices ephemeral storage)
	MBms     int64 // sum of billed ms x memory MB, on demand
	// PCMBms is billed ms x memory MB served by provisioned-concurrency
	// environments, priced at the provisioned duration rate and never from
	// the free tier or the tiers.
	PCMBms int64
}

// Usage prices u, usage of fn, like Invocation prices one invocation:
// requests and duration through the free tier (when on) and the monthly
// tiers in the order usage is added, ephemeral storage above 512 MB on
// u.BilledMS. A span whose duration crosses a tier boundary is split at the
// boundary exactly. fn.MemoryMB is only checked for range; the memory is
// already in u.MBms.
func (m *Month) Usage(fn Function, u Usage) (Charge, error) {
	if fn.MemoryMB == 0 {
		fn.MemoryMB = 128
	}
	p, err := m.prices(fn)
	if err != nil {
		return Charge{}, err
	}
	if u.Start.Before(m.start) || !u.Start.Before(m.end) {
		return Charge{}, fmt.Errorf("usage at %s is outside the month %s", u.Start.UTC().Format(time.RFC3339), m.start.Format("2006-01"))
	}
	if u.Start.Before(m.last) {
		return Charge{}, fmt.Errorf("usage at %s comes before usage at %s: a month takes usage in time order", u.Start.UTC().Format(time.RFC3339), m.last.UTC().Format(time.RFC3339))
	}
	if u.Requests < 0 || u.BilledMS < 0 || u.MBms < 0 || u.PCMBms < 0 {
		return Charge{}, fmt.Errorf("usage at %s: negative quantity", u.Start.UTC().Format(time.RFC3339))
	}
	c := Charge{Region: fn.Region, Arch: fn.Arch}
	c.FreeRequests = m.takeFree(&m.free.Requests, u.Requests)
	c.Requests = u.Requests - c.FreeRequests
	c.FreeMBms = m.takeFree(&m.free.MBms, u.MBms)
	k := regionArch{fn.Region, fn.Arch}
	meter := m.meters[k]
	if meter == nil {
		meter = NewTierMeter(p.Duration)
		m.meters[k] = meter
	}
	if c.DurationMBms, err = meter.Add(u.MBms - c.FreeMBms); err != nil {
		return Charge{}, err
	}
	if u.PCMBms > 0 {
		if err := m.needRate(p.PCDuration, "provisioned concurrency", fn, func(p *ArchPrices) Rate { return p.PCDuration }); err != nil {
			return Charge{}, err
		}
		c.PCDurationMBms = u.PCMBms
	}
	if fn.EphemeralMB > 512 {
		var ok bool
		if c.EphemeralMBms, ok = mulChecked(fn.EphemeralMB-512, u.BilledMS); !ok {
			return Charge{}, errOverflow
		}
	}
	m.last = u.Start
	return m.commit(fn, c)
}

// Split is a priced Charge cut into the parts a cost report shows, each
// exact.
type Split struct {
	Request, Duration, Other Money
}

// Total is the sum of the parts, exact.
func (s Split) Total() Money { return s.Request.Add(s.Duration).Add(s.Other) }

// Add returns s + o, part by part.
func (s Split) Add(o Split) Split {
	return Split{s.Request.Add(o.Request), s.Duration.Add(o.Duration), s.Other.Add(o.Other)}
}

// SplitCharge prices c exactly and sorts the amounts into requests,
// on-demand duration (every tier) and everything else (ephemeral storage,
// provisioned concurrency, SnapStart, streaming).
func (t *Table) SplitCharge(c Charge) (Split, error) {
	items, err := t.LineItems(c)
	if err != nil {
		return Split{}, err
	}
	var s Split
	for _, li := range items {
		switch {
		case li.Name == "Requests":
			s.Request = s.Request.Add(li.Amount)
		case len(li.Name) > 10 && li.Name[:10] == "Duration, ":
			s.Duration = s.Duration.Add(li.Amount)
		default:
			s.Other = s.Other.Add(li.Amount)
		}
	}
	return s, nil
}

// Traffic is what a function was seen doing over a window of time: the
// input of the projections other analyses (deploy deltas, detectors) need.
type Traffic struct {
	Window      time.Duration // how long the counts were gathered over
	Invocations int64
	BilledMS    int64 // sum of billed duration, ms
	MBms        int64 // sum of billed ms x memory MB
}

// HoursPerMonth is the month projections are made for: 730 hours, the
// average month AWS's own calculators use.
const HoursPerMonth = 730

// ListCost is what t costs at fn's list prices on date: requests, duration
// at the first tier's price and ephemeral storage, without the free tier.
// That is the marginal price of the traffic in most accounts, which is what
// a change in traffic or duration moves; exact.
func ListCost(fn Function, t Traffic, date time.Time) (Money, error) {
	p, err := TableFor(date).Prices(fn.Region, fn.Arch)
	if err != nil {
		return Money{}, err
	}
	if t.Invocations < 0 || t.BilledMS < 0 || t.MBms < 0 {
		return Money{}, fmt.Errorf("traffic of %s: negative quantity", fn.Name)
	}
	c := p.Request.USD.Mul(big.NewRat(t.Invocations, 1))
	c = c.Add(p.Duration[0].Price.Mul(big.NewRat(t.MBms, gbsMBms)))
	if fn.EphemeralMB > 512 {
		c = c.Add(p.Ephemeral.USD.Mul(new(big.Rat).Mul(big.NewRat(fn.EphemeralMB-512, gbsMBms), big.NewRat(t.BilledMS, 1))))
	}
	return c, nil
}

// MonthlyCost projects t to a month of HoursPerMonth at the same rate:
// ListCost(t) x 730 h / t.Window. It is the "monthly cost of this function
// at the traffic observed" that deploy deltas and detectors quote.
func MonthlyCost(fn Function, t Traffic, date time.Time) (Money, error) {
	if t.Window <= 0 {
		return Money{}, fmt.Errorf("traffic of %s: the window must be positive", fn.Name)
	}
	c, err := ListCost(fn, t, date)
	if err != nil {
		return Money{}, err
	}
	return c.Mul(new(big.Rat).SetFrac(big.NewInt(int64(HoursPerMonth*time.Hour)), big.NewInt(int64(t.Window)))), nil
}

// PerInvocation is ListCost(t) / t.Invocations, exact; $0 when there are
// none.
func PerInvocation(fn Function, t Traffic, date time.Time) (Money, error) {
	c, err := ListCost(fn, t, date)
	if err != nil || t.Invocations == 0 {
		return Money{}, err
	}
	return c.Mul(big.NewRat(1, t.Invocations)), nil
}

// Div returns m / n; $0 when n is 0.
func (m Money) Div(n int64) Money {
	if n == 0 {
		return Money{}
	}
	return m.Mul(big.NewRat(1, n))
}

// Float is m as a float64, for ratios and display only: never add Floats.
func (m Money) Float() float64 {
	f, _ := m.rat().Float64()
	return f
}

// StringPlaces is m rounded half away from zero to places decimals.
func (m Money) StringPlaces(places int) string { return m.roundTo(places).rat().FloatString(places) }
