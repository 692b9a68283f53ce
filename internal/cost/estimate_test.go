package cost

import (
	"strings"
	"testing"
	"time"
)

func itemsOf(b *Bill) string {
	var s []string
	for _, li := range b.Items {
		s = append(s, li.Name+" "+DecimalString(li.Quantity)+" "+li.USD().String())
	}
	return strings.Join(s, "; ")
}

func TestEstimateSpillOver(t *testing.T) {
	// One environment for an hour serves 3,600 s: 36,000 invocations of
	// 100 ms. The other 64,000 are billed on demand.
	b, err := Estimate{
		Function: fn("us-east-1", ArchX86, 1024), Date: nov,
		Invocations: 100_000, PC: 1, PCEnabled: time.Hour, PCInvocations: 100_000, PCDurationUS: 100_000,
	}.Price()
	if err != nil {
		t.Fatal(err)
	}
	if b.SpillOver != 64_000 {
		t.Errorf("spill-over %d", b.SpillOver)
	}
	want := "Requests 100000 0.02; Duration, tier 1 6400 0.11; Provisioned concurrency 3600 0.02; Provisioned concurrency duration 3600 0.03"
	if got := itemsOf(b); got != want {
		t.Errorf("items:\n%s\nwant:\n%s", got, want)
	}
	if len(b.Notes) != 1 || !strings.Contains(b.Notes[0], "64000 provisioned invocations") {
		t.Errorf("notes %q", b.Notes)
	}
}

func TestEstimateInitByDate(t *testing.T) {
	e := Estimate{Function: fn("us-east-1", ArchX86, 1024), Invocations: 1000, DurationUS: 100_000, ColdStarts: 10, InitUS: 500_000}
	e.Date = time.Date(2025, 7, 31, 0, 0, 0, 0, time.UTC)
	b, err := e.Price()
	if err != nil {
		t.Fatal(err)
	}
	// 1000 x 100 ms = 100 GB-s
	if got := itemsOf(b); got != "Requests 1000 0.00; Duration, tier 1 100 0.00" {
		t.Errorf("before: %s", got)
	}
	if len(b.Notes) != 1 {
		t.Errorf("notes %q", b.Notes)
	}
	e.Date = time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC)
	b, _ = e.Price()
	// plus 10 x 500 ms = 5 GB-s
	if got := itemsOf(b); got != "Requests 1000 0.00; Duration, tier 1 105 0.00" {
		t.Errorf("after: %s", got)
	}
	// Container images paid for INIT before too.
	e.Date = time.Date(2025, 7, 31, 0, 0, 0, 0, time.UTC)
	e.Function.Package = PackageImage
	b, _ = e.Price()
	if got := itemsOf(b); got != "Requests 1000 0.00; Duration, tier 1 105 0.00" {
		t.Errorf("image before: %s", got)
	}
}

func TestEstimateValidate(t *testing.T) {
	base := Estimate{Function: fn("us-east-1", ArchX86, 1024), Date: nov, Invocations: 10}
	for name, tc := range map[string]struct {
		mod  func(*Estimate)
		want string
	}{
		"negative invocations": {func(e *Estimate) { e.Invocations = -1 }, "invocations must not be negative"},
		"negative duration":    {func(e *Estimate) { e.DurationUS = -1 }, "duration must not be negative"},
		"negative streams":     {func(e *Estimate) { e.Streams = []Responses{{-1, 1}} }, "streamed responses"},
		"pc over all":          {func(e *Estimate) { e.PC, e.PCEnabled, e.PCInvocations = 1, time.Hour, 11 }, "exceed all invocations"},
		"pc invocations alone": {func(e *Estimate) { e.PCInvocations = 1 }, "need provisioned concurrency"},
		"cold over on-demand":  {func(e *Estimate) { e.ColdStarts = 11 }, "cold starts"},
		"snapstart and pc":     {func(e *Estimate) { e.SnapStartRestores, e.PC = 1, 1 }, "SnapStart cannot be used with provisioned"},
		"snapstart ephemeral":  {func(e *Estimate) { e.SnapStartRestores, e.Function.EphemeralMB = 1, 1024 }, "ephemeral"},
		"unknown region":       {func(e *Estimate) { e.Function.Region = "moon-1" }, `unknown region "moon-1"`},
		"small memory":         {func(e *Estimate) { e.Function.MemoryMB = 100 }, "outside Lambda's 128 to 10240 MB"},
	} {
		e := base
		tc.mod(&e)
		if _, err := e.Price(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
	if _, err := base.Price(); err != nil {
		t.Errorf("base: %v", err)
	}
}
