package cost

import (
	"errors"
	"fmt"
	"time"
)

// Estimate is one function's month described by averages: the input of
// `fnops cost calc` and of BreakEven. Every invocation of a kind is taken to
// last the average, rounded up as AWS rounds each invocation, so an average
// of 120.2 ms bills 121 ms per invocation (and 28 ms bills 100 ms before
// December 2020).
type Estimate struct {
	Function Function
	// Date is when the usage happens: it picks the month, the price table
	// and the billing rules (granularity, INIT billing).
	Date         time.Time
	FreeTier     bool
	FreeTierUsed FreeTier // of the free tier, what other usage already took

	Invocations int64 // all invocations, those on provisioned concurrency included
	DurationUS  int64 // average duration of the on-demand invocations
	ColdStarts  int64 // on-demand invocations that were cold starts
	InitUS      int64 // average Init Duration of those cold starts

	PC            int64         // provisioned concurrency (environments)
	PCEnabled     time.Duration // how long it is enabled (rounded up to 5 minutes)
	PCInvocations int64         // invocations sent to the provisioned environments
	PCDurationUS  int64         // their average duration

	SnapStartVersions int64         // published versions with SnapStart on
	SnapStartActive   time.Duration // how long each is active; 0 means the whole month
	SnapStartRestores int64         // restores of the snapshot

	StreamedBytes int64       // streamed bytes already beyond each response's free 6 MB
	Streams       []Responses // streamed responses, whose first 6 MB each are free
}

// Responses is Count streamed responses of Bytes each.
type Responses struct {
	Count, Bytes int64
}

// Bill is a priced Estimate.
type Bill struct {
	Month *Month
	Items []LineItem
	Total Money // the sum of the line items rounded to cents
	// SpillOver is how many of the provisioned invocations the provisioned
	// environments could not have served (their busy time exceeds
	// concurrency x enabled time) and so were billed on demand.
	SpillOver int64
	// Notes explain what the bill assumed, for a person reading it.
	Notes []string
}

// Validate reports the first thing wrong with e, or nil.
func (e Estimate) Validate() error {
	for _, v := range []struct {
		name string
		v    int64
	}{
		{"invocations", e.Invocations}, {"duration", e.DurationUS}, {"cold starts", e.ColdStarts},
		{"init duration", e.InitUS}, {"provisioned concurrency", e.PC}, {"provisioned-concurrency time", int64(e.PCEnabled)},
		{"provisioned invocations", e.PCInvocations}, {"provisioned duration", e.PCDurationUS},
		{"SnapStart versions", e.SnapStartVersions}, {"SnapStart active time", int64(e.SnapStartActive)},
		{"SnapStart restores", e.SnapStartRestores}, {"streamed bytes", e.StreamedBytes},
		{"ephemeral storage", e.Function.EphemeralMB},
	} {
		if v.v < 0 {
			return fmt.Errorf("%s must not be negative", v.name)
		}
	}
	for _, s := range e.Streams {
		if s.Count < 0 || s.Bytes < 0 {
			return errors.New("streamed responses must not be negative")
		}
	}
	if e.PCInvocations > e.Invocations {
		return fmt.Errorf("provisioned invocations (%d) exceed all invocations (%d)", e.PCInvocations, e.Invocations)
	}
	if e.PCInvocations > 0 && (e.PC == 0 || e.PCEnabled == 0) {
		return errors.New("provisioned invocations need provisioned concurrency and the time it is enabled")
	}
	if e.ColdStarts > e.Invocations-e.PCInvocations {
		return fmt.Errorf("cold starts (%d) exceed on-demand invocations (%d)", e.ColdStarts, e.Invocations-e.PCInvocations)
	}
	if e.snapStart() {
		if e.PC > 0 {
			return errors.New("SnapStart cannot be used with provisioned concurrency")
		}
		if e.Function.EphemeralMB > 512 {
			return errors.New("SnapStart cannot be used with ephemeral storage above 512 MB")
		}
	}
	return nil
}

func (e Estimate) snapStart() bool {
	return e.Function.SnapStart || e.SnapStartVersions > 0 || e.SnapStartRestores > 0
}

// Price prices e, with the free tier only when e.FreeTier is set.
func (e Estimate) Price() (*Bill, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	fn := e.Function
	if e.snapStart() {
		fn.SnapStart = true
	}
	m := NewMonth(e.Date, Options{FreeTier: e.FreeTier, FreeTierUsed: e.FreeTierUsed})
	if _, err := m.prices(fn); err != nil {
		return nil, err
	}
	b := &Bill{Month: m}
	at := e.Date
	add := func(_ Charge, err error) error { return err }

	if e.PC > 0 {
		if err := add(m.Provisioned(fn, e.PC, e.PCEnabled)); err != nil {
			return nil, err
		}
		pc := Invocation{Start: at, DurationUS: e.PCDurationUS, Provisioned: true}
		served := e.PCInvocations
		if per := BilledDurationMS(fn, pc); per > 0 {
			served = min(served, e.PC*e.PCEnabled.Milliseconds()/per)
		}
		b.SpillOver = e.PCInvocations - served
		if served > 0 {
			pc.Count = served
			if err := add(m.Invocation(fn, pc)); err != nil {
				return nil, err
			}
		}
	}
	onDemand := e.Invocations - e.PCInvocations
	if warm := onDemand - e.ColdStarts; warm > 0 {
		if err := add(m.Invocation(fn, Invocation{Start: at, DurationUS: e.DurationUS, Count: warm})); err != nil {
			return nil, err
		}
	}
	if e.ColdStarts > 0 {
		cold := Invocation{Start: at, DurationUS: e.DurationUS, InitDurationUS: e.InitUS, Count: e.ColdStarts}
		if err := add(m.Invocation(fn, cold)); err != nil {
			return nil, err
		}
		if e.InitUS > 0 && !InitBilled(fn, cold) {
			b.Notes = append(b.Notes, fmt.Sprintf("INIT is not billed for on-demand ZIP functions on managed runtimes before %s", InitBillingFrom().Format("2006-01-02")))
		}
	}
	if b.SpillOver > 0 {
		spill := Invocation{Start: at, DurationUS: e.PCDurationUS, Count: b.SpillOver}
		if err := add(m.Invocation(fn, spill)); err != nil {
			return nil, err
		}
		b.Notes = append(b.Notes, fmt.Sprintf("%d provisioned invocations exceed what %d environments serve in %s and are billed on demand", b.SpillOver, e.PC, e.PCEnabled))
	}
	if fn.SnapStart {
		versions, active := e.SnapStartVersions, e.SnapStartActive
		if versions == 0 {
			versions = 1
		}
		if active == 0 {
			active = time.Duration(m.Hours()) * time.Hour
		}
		for range versions {
			if err := add(m.SnapStartCache(fn, active)); err != nil {
				return nil, err
			}
		}
		if err := add(m.SnapStartRestores(fn, e.SnapStartRestores)); err != nil {
			return nil, err
		}
		if fn.snapStartFree() {
			b.Notes = append(b.Notes, "SnapStart cache and restore are not charged on Java managed runtimes")
		}
	}
	for _, s := range e.Streams {
		if err := add(m.Streamed(fn, s.Count, s.Bytes)); err != nil {
			return nil, err
		}
	}
	if err := add(m.StreamedBeyondFree(fn, e.StreamedBytes)); err != nil {
		return nil, err
	}
	items, err := m.LineItems()
	if err != nil {
		return nil, err
	}
	b.Items, b.Total = items, Total(items)
	return b, nil
}
