package cost

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Ledger prices an app's usage over any span of time, month by month, and
// allocates it to report rows (a function, a day, a deploy ...). Usage is
// added in time order across every function; each calendar month (UTC)
// starts its free tier and duration tiers afresh, so the tiers go to
// whichever usage came first in the month, as on the bill.
//
// Usage before the report's range (from the 1st of its first month) is
// added uncounted: it moves the free tier and the tiers but is in no row
// and no total, so a report from the 15th prices the 15th at the tier the
// month had reached by then.
//
// A Ledger is not safe for concurrent use.
type Ledger struct {
	opts   Options
	month  *Month
	tables map[time.Time]*Table
	rows   map[string]*LedgerRow
	totals map[monthRA]*Charge
}

type monthRA struct {
	month  time.Time
	region string
	arch   Arch
}

// LedgerRow is what one report row accumulated.
type LedgerRow struct {
	Key         string
	Invocations int64
	MBms        int64
	charges     map[monthRA]*Charge
}

// NewLedger starts an empty ledger. opts.Table, when set, prices every
// month; otherwise each month gets the table in effect at its start.
func NewLedger(opts Options) *Ledger {
	return &Ledger{opts: opts, tables: map[time.Time]*Table{}, rows: map[string]*LedgerRow{}, totals: map[monthRA]*Charge{}}
}

// Add adds usage of fn in time order. counted says whether it belongs to
// the report, under key; uncounted usage only moves the month's free tier
// and tiers.
func (l *Ledger) Add(fn Function, u Usage, key string, counted bool) error {
	t := u.Start.UTC()
	if l.month == nil || !t.Before(l.month.end) {
		if l.month != nil && t.Before(l.month.start) {
			return fmt.Errorf("usage at %s comes before the month %s: a ledger takes usage in time order", t.Format(time.RFC3339), l.month.start.Format("2006-01"))
		}
		l.month = NewMonth(t, l.opts)
		l.tables[l.month.start] = l.month.table
	}
	c, err := l.month.Usage(fn, u)
	if err != nil {
		return err
	}
	if !counted {
		return nil
	}
	u.MBms += u.PCMBms
	return l.count(fn, u, c, key)
}

// AddProvisioned adds a provisioned-concurrency reservation of fn that
// begins at at (in the ledger's current month or a later one) to the row
// key: concurrency environments for the time enabled, rounded up to five
// minutes.
func (l *Ledger) AddProvisioned(fn Function, at time.Time, concurrency int64, enabled time.Duration, key string) error {
	if l.month == nil || !at.Before(l.month.end) {
		l.month = NewMonth(at, l.opts)
		l.tables[l.month.start] = l.month.table
	}
	c, err := l.month.Provisioned(fn, concurrency, enabled)
	if err != nil {
		return err
	}
	return l.count(fn, Usage{}, c, key)
}

func (l *Ledger) count(fn Function, u Usage, c Charge, key string) error {
	k := monthRA{l.month.start, fn.Region, fn.Arch}
	row := l.rows[key]
	if row == nil {
		row = &LedgerRow{Key: key, charges: map[monthRA]*Charge{}}
		l.rows[key] = row
	}
	row.Invocations += u.Requests
	row.MBms += u.MBms
	for _, m := range []map[monthRA]*Charge{row.charges, l.totals} {
		acc := m[k]
		if acc == nil {
			acc = &Charge{Region: fn.Region, Arch: fn.Arch}
			m[k] = acc
		}
		if err := acc.Add(c); err != nil {
			return err
		}
	}
	return nil
}

// Rows returns the rows in key order.
func (l *Ledger) Rows() []*LedgerRow {
	out := make([]*LedgerRow, 0, len(l.rows))
	for _, r := range l.rows {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *LedgerRow) int { return cmp.Compare(a.Key, b.Key) })
	return out
}

// Split prices a row exactly.
func (l *Ledger) Split(r *LedgerRow) (Split, error) {
	var s Split
	for k, c := range r.charges {
		p, err := l.tables[k.month].SplitCharge(*c)
		if err != nil {
			return Split{}, err
		}
		s = s.Add(p)
	}
	return s, nil
}

// LineItems prices everything counted: per month, region and
// architecture, the bill's line items, in month order.
func (l *Ledger) LineItems() ([]LineItem, error) {
	keys := make([]monthRA, 0, len(l.totals))
	for k := range l.totals {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b monthRA) int {
		return cmp.Or(a.month.Compare(b.month), cmp.Compare(a.region, b.region),
			slices.Index(Archs(), a.arch)-slices.Index(Archs(), b.arch))
	})
	var out []LineItem
	for _, k := range keys {
		items, err := l.tables[k.month].LineItems(*l.totals[k])
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
	}
	return out, nil
}

// Total is the bill: the sum of LineItems each rounded to cents.
func (l *Ledger) Total() (Money, error) {
	items, err := l.LineItems()
	if err != nil {
		return Money{}, err
	}
	return Total(items), nil
}

// Steady reports whether mbms more on-demand duration of fn's architecture
// and region, added in the month of t, would leave the free tier and the
// duration tiers where they are: no free allowance left to take (or the
// free tier off) and no tier boundary crossed. Usage that is steady gets
// one price per unit whatever its order, so it can be added in coarser
// buckets (days) with the same result as hour by hour.
func (l *Ledger) Steady(fn Function, t time.Time, mbms int64) bool {
	t = t.UTC()
	if l.month == nil || !t.Before(l.month.end) {
		// A new month: the free tier is whole, the meter at zero.
		if l.opts.FreeTier {
			return false
		}
		p, err := TableFor(t).Prices(fn.Region, fn.Arch)
		if err != nil {
			return false
		}
		return NewTierMeter(p.Duration).Room() >= mbms
	}
	m := l.month
	if m.free.Requests > 0 || m.free.MBms > 0 {
		return false
	}
	meter := m.meters[regionArch{fn.Region, fn.Arch}]
	if meter == nil {
		p, err := m.table.Prices(fn.Region, fn.Arch)
		if err != nil {
			return false
		}
		meter = NewTierMeter(p.Duration)
	}
	return meter.Room() >= mbms
}
