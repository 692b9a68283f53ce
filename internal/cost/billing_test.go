package cost

import (
	"testing"
	"time"
)

var (
	beforeInit = time.Date(2025, 7, 31, 23, 59, 59, 999_000_000, time.UTC)
	afterInit  = time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC)
)

func us(ms float64) int64 { return int64(ms*1000 + 0.5) }

func TestBilledDuration(t *testing.T) {
	zip := Function{Runtime: "python3.12"}
	for _, tc := range []struct {
		name string
		fn   Function
		inv  Invocation
		want int64
	}{
		// INITBLOG's REPORT lines: 251 before, 351 after.
		{"initblog before", zip, Invocation{Start: beforeInit, DurationUS: us(250.06), InitDurationUS: us(100.77)}, 251},
		{"initblog after", zip, Invocation{Start: afterInit, DurationUS: us(250.06), InitDurationUS: us(100.77)}, 351},
		// Real post-August-2025 logs: the sum is rounded once.
		{"sum 546", zip, Invocation{Start: afterInit, DurationUS: us(3.10), InitDurationUS: us(542.01)}, 546},
		{"sum 607 not 608", zip, Invocation{Start: afterInit, DurationUS: us(106.58), InitDurationUS: us(500.39)}, 607},
		{"sum 1978", zip, Invocation{Start: afterInit, DurationUS: us(1655.10), InitDurationUS: us(322.04)}, 1978},
		{"json 1698", zip, Invocation{Start: afterInit, DurationUS: us(1233.96), InitDurationUS: us(463.512)}, 1698},
		{"timeout", zip, Invocation{Start: afterInit, DurationUS: us(600000), InitDurationUS: us(476.75)}, 600477},
		{"warm", zip, Invocation{Start: afterInit, DurationUS: us(250.06)}, 251},
		{"pre-2025 sample", zip, Invocation{Start: time.Date(2025, 7, 29, 0, 0, 0, 0, time.UTC), DurationUS: us(376256.59), InitDurationUS: us(551.73)}, 376257},
		// Always billed: image, custom runtime, provisioned concurrency.
		{"image before", Function{Package: PackageImage}, Invocation{Start: beforeInit, DurationUS: us(250.06), InitDurationUS: us(100.77)}, 351},
		{"custom runtime before", Function{Runtime: "provided.al2023"}, Invocation{Start: beforeInit, DurationUS: us(250.06), InitDurationUS: us(100.77)}, 351},
		{"provisioned before", zip, Invocation{Start: beforeInit, DurationUS: us(250.06), InitDurationUS: us(100.77), Provisioned: true}, 351},
		// SnapStart: Duration + Billed Restore Duration, once.
		{"snapstart 154", Function{SnapStart: true}, Invocation{Start: afterInit, DurationUS: us(127.10), BilledRestoreMS: 26}, 154},
		{"snapstart 2521", Function{SnapStart: true}, Invocation{Start: afterInit, DurationUS: us(2338.66), BilledRestoreMS: 182}, 2521},
		// The record's own Billed Duration already holds the restore:
		// never 154 + 26 as aws-lambda-power-tuning does.
		{"record billed kept", Function{SnapStart: true}, Invocation{Start: afterInit, DurationUS: us(127.10), BilledDurationMS: 154, BilledRestoreMS: 26}, 154},
		{"record billed kept, init", zip, Invocation{Start: afterInit, DurationUS: us(250.06), InitDurationUS: us(100.77), BilledDurationMS: 251}, 251},
		// 100 ms granularity before December 2020.
		{"100 ms", zip, Invocation{Start: time.Date(2020, 11, 30, 23, 0, 0, 0, time.UTC), DurationUS: us(28)}, 100},
		{"100 ms exact", zip, Invocation{Start: time.Date(2020, 11, 30, 23, 0, 0, 0, time.UTC), DurationUS: us(200)}, 200},
		{"1 ms", zip, Invocation{Start: time.Date(2020, 12, 1, 0, 0, 0, 0, time.UTC), DurationUS: us(28)}, 28},
		{"zero", zip, Invocation{Start: afterInit}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := BilledDurationMS(tc.fn, tc.inv); got != tc.want {
				t.Errorf("billed = %d ms, want %d", got, tc.want)
			}
		})
	}
}

func TestInitBilledEffectiveDate(t *testing.T) {
	zip := Function{Runtime: "nodejs22.x"}
	if InitBilled(zip, Invocation{Start: beforeInit}) {
		t.Error("INIT billed before 2025-08-01")
	}
	if !InitBilled(zip, Invocation{Start: afterInit}) {
		t.Error("INIT not billed from 2025-08-01")
	}
	// A local time that is already August in UTC+2 but still July in UTC.
	cest := time.FixedZone("CEST", 2*3600)
	if InitBilled(zip, Invocation{Start: time.Date(2025, 8, 1, 1, 0, 0, 0, cest)}) {
		t.Error("the effective date is UTC")
	}
}

func TestParsePackage(t *testing.T) {
	if p, err := ParsePackage("Image"); err != nil || p != PackageImage {
		t.Errorf("Image: %v %v", p, err)
	}
	if _, err := ParsePackage("jar"); err == nil {
		t.Error("jar accepted")
	}
}
