package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/fnops/fnops/internal/cost"
)

// newCostCmd is the `cost` verb: the bill of an app from its store, and
// the calculator, break-even and savings under it.
func newCostCmd(e *env) *cobra.Command {
	o := &costOptions{}
	cmd := &cobra.Command{
		Use:   "cost [APP]",
		Short: "Price Lambda usage the way AWS bills it",
		Long: `Price AWS Lambda usage the way AWS bills it: requests, duration with the
monthly tiers, the free tier (opt-in), ephemeral storage, provisioned
concurrency, SnapStart, response streaming and the INIT phase, rounded to
cents per line item as on an AWS bill.

fnops cost APP prices the app's stored telemetry: the templates give each
function's architecture, ephemeral storage, provisioned concurrency and tags,
.fnops.yaml the region and the feature and team mapping (cost:), and the
store the invocations. Usage is priced hour by hour in time order from the
1st of each month, so the monthly duration tiers (per architecture and
region) and the free tier (--free-tier) go where AWS puts them, also when
--since starts mid-month. Records with an implausible memory size or billed
duration are counted and shown, not priced; telemetry gaps are reported as
gaps.`,
		Example: `  fnops cost examples/shop
  fnops cost --by function,day --since 2026-11-16 --format csv
  fnops cost --by feature --top 5 --format json
  fnops cost --by deploy --window 6h`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runCostReport(cmd.Context(), e, o, args) },
	}
	o.addFlags(cmd)
	cmd.AddCommand(newCostCalcCmd(e, time.Now), newCostBreakEvenCmd(e), newCostSavingsCmd(e))
	return cmd
}

// costCalcOptions are the flags of `fnops cost calc`, as typed.
type costCalcOptions struct {
	region, arch, pkg, runtime, date, format string

	memoryMB, ephemeralMB                int64
	invocations, coldStarts              int64
	durationMS, initMS                   float64
	pc, pcInvocations                    int64
	pcHours, pcDurationMS                float64
	snapStart                            bool
	snapStartVersions, snapStartRestores int64
	snapStartHours                       float64
	streamedGB, freeStreamedUsedGB       float64
	streams                              []string
	freeTier                             bool
	now                                  func() time.Time
}

func newCostCalcCmd(e *env, now func() time.Time) *cobra.Command {
	o := &costCalcOptions{now: now}
	cmd := &cobra.Command{
		Use:   "calc",
		Short: "Price one function's month from averages",
		Long: `Price one function's month from averages and print the line items.

Every invocation is taken to last the average given, rounded up as AWS rounds
each invocation (1 ms; 100 ms before December 2020). --invocations counts all
invocations, those sent to provisioned concurrency (--pc-invocations)
included. Provisioned invocations beyond what --pc environments can serve in
--pc-hours spill over to on-demand prices. The free tier is off unless
--free-tier is given. Amounts are rounded to cents per line item, and the
total is the sum of the rounded items, as on an AWS bill.`,
		Example: `  # 3M requests of 120 ms at 1536 MB, with the free tier
  fnops cost calc --memory-mb 1536 --invocations 3000000 --duration-ms 120 --free-tier

  # provisioned concurrency of 7 for a day, serving all 2M requests
  fnops cost calc --memory-mb 4096 --invocations 2000000 --pc 7 --pc-hours 24 \
      --pc-invocations 2000000 --pc-duration-ms 280

  # SnapStart: one version active all month, 74,400 restores; JSON
  fnops cost calc --memory-mb 1024 --invocations 7440000 --duration-ms 2000 \
      --snapstart-restores 74400 --format json

  # response streaming: 1M responses of 7 MB (the first 6 MB of each is free)
  fnops cost calc --memory-mb 1536 --invocations 1000000 --duration-ms 500 \
      --stream-responses 1000000x7MB`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCostCalc(e, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.region, "region", "us-east-1", "AWS region")
	f.StringVar(&o.arch, "arch", "x86_64", "architecture: x86_64 or arm64")
	f.Int64Var(&o.memoryMB, "memory-mb", 128, "configured memory, 128 to 10240 MB")
	f.Int64Var(&o.ephemeralMB, "ephemeral-mb", 512, "ephemeral storage (/tmp), 512 to 10240 MB; above 512 is charged")
	f.StringVar(&o.pkg, "package", "zip", "package type: zip or image (image functions always pay for INIT)")
	f.StringVar(&o.runtime, "runtime", "", `runtime id, e.g. python3.12; "provided..." always pays for INIT, "java..." pays no SnapStart charges`)
	f.StringVar(&o.date, "date", "", "day the usage happens, YYYY-MM-DD (UTC); picks the month, prices and billing rules (default today)")
	f.Int64Var(&o.invocations, "invocations", 0, "invocations in the month, provisioned ones included")
	f.Float64Var(&o.durationMS, "duration-ms", 0, "average duration of on-demand invocations, ms")
	f.Int64Var(&o.coldStarts, "cold-starts", 0, "on-demand invocations that were cold starts")
	f.Float64Var(&o.initMS, "init-ms", 0, "average Init Duration of the cold starts, ms (billed from 2025-08-01 for ZIP functions)")
	f.Int64Var(&o.pc, "pc", 0, "provisioned concurrency (environments)")
	f.Float64Var(&o.pcHours, "pc-hours", 0, "hours provisioned concurrency is enabled (rounded up to 5 minutes)")
	f.Int64Var(&o.pcInvocations, "pc-invocations", 0, "invocations sent to provisioned concurrency (part of --invocations)")
	f.Float64Var(&o.pcDurationMS, "pc-duration-ms", 0, "average duration of the provisioned invocations, ms")
	f.BoolVar(&o.snapStart, "snapstart", false, "SnapStart is on (implied by the other --snapstart flags)")
	f.Int64Var(&o.snapStartVersions, "snapstart-versions", 0, "published versions with SnapStart on (default 1)")
	f.Float64Var(&o.snapStartHours, "snapstart-hours", 0, "hours each version is active, minimum 3 (default the whole month)")
	f.Int64Var(&o.snapStartRestores, "snapstart-restores", 0, "restores of the SnapStart snapshot")
	f.Float64Var(&o.streamedGB, "streamed-gb", 0, "streamed GB beyond the first 6 MB of each response (1 GB = 1024 MB)")
	f.StringArrayVar(&o.streams, "stream-responses", nil, "streamed responses as COUNTxSIZE, e.g. 1000000x7MB (KB, MB, GB are 1024-based); repeatable")
	f.BoolVar(&o.freeTier, "free-tier", false, "apply the monthly free tier (1M requests, 400,000 GB-s, 100 GB streamed)")
	f.Float64Var(&o.freeStreamedUsedGB, "free-tier-streamed-used-gb", 0, "GB of the free streaming allowance already used by other functions")
	f.StringVar(&o.format, "format", "text", "output format: text or json")
	return cmd
}

func runCostCalc(e *env, o *costCalcOptions) error {
	est, err := o.estimate()
	if err != nil {
		return withCode(ExitInput, err)
	}
	if o.format != "text" && o.format != "json" {
		return usageError("unknown format %q (known: text, json)", o.format)
	}
	bill, err := est.Price()
	if err != nil {
		return withCode(ExitInput, err)
	}
	if o.format == "json" {
		return writeCostJSON(e.stdio.Out, bill)
	}
	return writeCostText(e.stdio.Out, est, bill)
}

// estimate turns the flags into a cost.Estimate, rejecting what cannot be
// one.
func (o *costCalcOptions) estimate() (cost.Estimate, error) {
	var est cost.Estimate
	arch, err := cost.ParseArch(o.arch)
	if err != nil {
		return est, err
	}
	pkg, err := cost.ParsePackage(o.pkg)
	if err != nil {
		return est, err
	}
	date := o.now().UTC()
	if o.date != "" {
		if date, err = time.Parse(time.DateOnly, o.date); err != nil {
			return est, fmt.Errorf("--date %q: want YYYY-MM-DD", o.date)
		}
	}
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"--duration-ms", o.durationMS}, {"--init-ms", o.initMS}, {"--pc-hours", o.pcHours},
		{"--pc-duration-ms", o.pcDurationMS}, {"--snapstart-hours", o.snapStartHours},
		{"--streamed-gb", o.streamedGB}, {"--free-tier-streamed-used-gb", o.freeStreamedUsedGB},
	} {
		if f.v < 0 || math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v > 1e15 {
			return est, fmt.Errorf("%s must be a non-negative number, got %v", f.name, f.v)
		}
	}
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"--memory-mb", o.memoryMB}, {"--ephemeral-mb", o.ephemeralMB}, {"--invocations", o.invocations},
		{"--cold-starts", o.coldStarts}, {"--pc", o.pc}, {"--pc-invocations", o.pcInvocations},
		{"--snapstart-versions", o.snapStartVersions}, {"--snapstart-restores", o.snapStartRestores},
	} {
		if f.v < 0 {
			return est, fmt.Errorf("%s must not be negative, got %d", f.name, f.v)
		}
	}
	est = cost.Estimate{
		Function: cost.Function{
			Region: o.region, Arch: arch, MemoryMB: o.memoryMB, EphemeralMB: o.ephemeralMB,
			Package: pkg, Runtime: o.runtime, SnapStart: o.snapStart,
		},
		Date:              date,
		FreeTier:          o.freeTier,
		FreeTierUsed:      cost.FreeTier{StreamedBytes: gbBytes(o.freeStreamedUsedGB)},
		Invocations:       o.invocations,
		DurationUS:        msUS(o.durationMS),
		ColdStarts:        o.coldStarts,
		InitUS:            msUS(o.initMS),
		PC:                o.pc,
		PCEnabled:         hours(o.pcHours),
		PCInvocations:     o.pcInvocations,
		PCDurationUS:      msUS(o.pcDurationMS),
		SnapStartVersions: o.snapStartVersions,
		SnapStartActive:   hours(o.snapStartHours),
		SnapStartRestores: o.snapStartRestores,
		StreamedBytes:     gbBytes(o.streamedGB),
	}
	for _, s := range o.streams {
		r, err := parseResponses(s)
		if err != nil {
			return est, err
		}
		est.Streams = append(est.Streams, r)
	}
	return est, est.Validate()
}

func msUS(ms float64) int64         { return int64(math.Round(ms * 1000)) }
func gbBytes(gb float64) int64      { return int64(math.Round(gb * (1 << 30))) }
func hours(h float64) time.Duration { return time.Duration(math.Round(h * float64(time.Hour))) }

// parseResponses reads COUNTxSIZE, SIZE a number with B, KB, MB or GB
// (1024-based, as Lambda's pricing counts them).
func parseResponses(s string) (cost.Responses, error) {
	bad := fmt.Errorf("--stream-responses %q: want COUNTxSIZE, e.g. 1000000x7MB", s)
	c, size, ok := strings.Cut(strings.ToUpper(s), "X")
	if !ok {
		return cost.Responses{}, bad
	}
	n, err := strconv.ParseInt(c, 10, 64)
	if err != nil || n < 0 {
		return cost.Responses{}, bad
	}
	mult := 1.0
	for _, u := range []struct {
		suffix string
		m      float64
	}{{"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(size, u.suffix) {
			size, mult = strings.TrimSuffix(size, u.suffix), u.m
			break
		}
	}
	v, err := strconv.ParseFloat(size, 64)
	if err != nil || !(v >= 0) || v*mult > 1<<40 { // !(v >= 0) also rejects NaN
		return cost.Responses{}, bad
	}
	return cost.Responses{Count: n, Bytes: int64(math.Round(v * mult))}, nil
}

// costJSON is the `fnops cost calc --format json` contract, version 1:
// amounts are decimal strings rounded to cents, quantities exact decimals.
type costJSON struct {
	Version   int            `json:"version"`
	LineItems []costLineJSON `json:"line_items"`
	TotalUSD  string         `json:"total_usd"`
}

type costLineJSON struct {
	Name     string `json:"name"`
	Quantity string `json:"quantity"`
	Unit     string `json:"unit"`
	USD      string `json:"usd"`
}

func writeCostJSON(w io.Writer, b *cost.Bill) error {
	out := costJSON{Version: 1, LineItems: []costLineJSON{}, TotalUSD: b.Total.String()}
	for _, li := range b.Items {
		out.LineItems = append(out.LineItems, costLineJSON{
			Name: li.Name, Quantity: cost.DecimalString(li.Quantity), Unit: li.Unit, USD: li.USD().String(),
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeCostText prints the bill as an aligned table: stable plain text, the
// same on a terminal and in a pipe.
func writeCostText(w io.Writer, est cost.Estimate, b *cost.Bill) error {
	fn := est.Function
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s %s, %d MB, %s (prices %s)", fn.Region, fn.Arch, fn.MemoryMB, b.Month.Start().Format("2006-01"), b.Month.Table().Version)
	if est.FreeTier {
		sb.WriteString(", free tier")
	}
	sb.WriteString("\n\n")
	rows := [][]string{{"ITEM", "QUANTITY", "UNIT", "RATE USD", "USD"}}
	for _, li := range b.Items {
		r := "free"
		if !strings.HasSuffix(li.Name, "free tier") {
			r = li.Rate.Exact()
		}
		rows = append(rows, []string{li.Name, groupDigits(cost.DecimalString(li.Quantity)), li.Unit, r, groupDigits(li.USD().String())})
	}
	rows = append(rows, []string{"Total", "", "", "", groupDigits(b.Total.String())})
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	for _, r := range rows {
		line := fmt.Sprintf("%-*s  %*s  %-*s  %*s  %*s", width[0], r[0], width[1], r[1], width[2], r[2], width[3], r[3], width[4], r[4])
		sb.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	for _, n := range b.Notes {
		sb.WriteString("\nnote: " + n)
	}
	if len(b.Notes) > 0 {
		sb.WriteString("\n")
	}
	_, err := io.WriteString(w, sb.String())
	return err
}

// groupDigits puts thousands separators in a decimal's integer part.
func groupDigits(s string) string {
	intPart, frac, hasFrac := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if neg {
		out = "-" + out
	}
	if hasFrac {
		out += "." + frac
	}
	return out
}
