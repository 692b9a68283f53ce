package cost

import (
	"strings"
	"time"
)

// Package is how a function's code is deployed.
type Package uint8

// Packages. The zero value is a ZIP archive.
const (
	PackageZip   Package = iota // a .zip archive on a managed or custom runtime
	PackageImage                // an OCI container image
)

// ParsePackage accepts "zip" and "image" (CloudFormation's PackageType
// values "Zip" and "Image" too).
func ParsePackage(s string) (Package, error) {
	switch strings.ToLower(s) {
	case "zip":
		return PackageZip, nil
	case "image":
		return PackageImage, nil
	}
	return 0, &UnknownError{What: "package type", Name: s, Known: []string{"zip", "image"}}
}

// Function is what pricing needs to know about a function (from the app
// model or the user): where it runs and how it is configured.
type Function struct {
	Name        string
	Region      string
	Arch        Arch
	MemoryMB    int64 // 128 to 10,240
	EphemeralMB int64 // /tmp size, 512 to 10,240; 0 means the free 512
	Package     Package
	// Runtime is the Lambda runtime identifier ("python3.12", "java21",
	// "provided.al2023"); "" when unknown, which is treated as a managed
	// runtime.
	Runtime   string
	SnapStart bool
}

// customRuntime reports an OS-only runtime (provided, provided.al2,
// provided.al2023), whose INIT phase has always been billed.
func (f Function) customRuntime() bool { return strings.HasPrefix(f.Runtime, "provided") }

// snapStartFree reports a runtime on which SnapStart's cache and restore are
// not charged: the Java managed runtimes.
func (f Function) snapStartFree() bool { return strings.HasPrefix(f.Runtime, "java") }

// Invocation is one invocation (or Count identical ones) to be priced.
// Durations are in microseconds, as in telemetry.Invocation, whose fields
// map one to one (Restored is RestoreDurationUS > 0 || BilledRestoreMS > 0).
type Invocation struct {
	Start            time.Time // selects the billing rules and orders the month
	MemoryMB         int64     // as reported; 0 means the Function's
	DurationUS       int64     // Duration
	InitDurationUS   int64     // Init Duration, 0 on a warm start
	BilledDurationMS int64     // Billed Duration as reported; 0 = compute it
	BilledRestoreMS  int64     // Billed Restore Duration (SnapStart), 0 if none
	Restored         bool      // a SnapStart restore happened (one restore charge)
	Provisioned      bool      // ran on a provisioned-concurrency environment
	StreamedBytes    int64     // response bytes streamed, before the free 6 MB
	Count            int64     // identical invocations this stands for; 0 means 1
}

// InitBillingFrom is when AWS began billing the INIT phase of on-demand
// invocations of ZIP functions on managed runtimes: 1 August 2025 (AWS
// Compute Blog, "AWS Lambda standardizes billing for INIT phase", 29 Apr
// 2025). The blog gives a date, not a time zone; UTC is assumed, as AWS
// bills in UTC.
func InitBillingFrom() time.Time { return time.Date(2025, time.August, 1, 0, 0, 0, 0, time.UTC) }

// OneMsBillingFrom is when billing granularity went from 100 ms to 1 ms:
// 1 December 2020, UTC.
func OneMsBillingFrom() time.Time { return time.Date(2020, time.December, 1, 0, 0, 0, 0, time.UTC) }

// GranularityMS is the billing granularity in force at t: 100 ms before
// OneMsBillingFrom, 1 ms from then on.
func GranularityMS(t time.Time) int64 {
	if t.Before(OneMsBillingFrom()) {
		return 100
	}
	return 1
}

// InitBilled reports whether the INIT phase of inv is part of its billed
// duration: always for provisioned concurrency, container images and custom
// runtimes; for on-demand ZIP functions on managed runtimes only from
// InitBillingFrom, by the invocation's start.
func InitBilled(fn Function, inv Invocation) bool {
	switch {
	case inv.Provisioned, fn.Package == PackageImage, fn.customRuntime():
		return true
	}
	return !inv.Start.Before(InitBillingFrom())
}

// BilledDurationMS is the billed duration of one invocation. The record's
// own Billed Duration is used when present (it already holds whatever INIT
// and SnapStart restore time AWS billed; adding Billed Restore Duration to
// it again is aws-lambda-power-tuning's double count). Otherwise it is
// computed the way AWS does: Duration, plus Init Duration when InitBilled,
// plus Billed Restore Duration, summed first and rounded up once to the
// granularity in force at the invocation's start.
func BilledDurationMS(fn Function, inv Invocation) int64 {
	if inv.BilledDurationMS > 0 {
		return inv.BilledDurationMS
	}
	us := inv.DurationUS
	if inv.InitDurationUS > 0 && InitBilled(fn, inv) {
		us += inv.InitDurationUS
	}
	us += inv.BilledRestoreMS * 1000
	if us <= 0 {
		return 0
	}
	g := GranularityMS(inv.Start) * 1000
	return (us + g - 1) / g * g / 1000
}
