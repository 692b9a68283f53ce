package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fnops/fnops/internal/cost"
	"github.com/fnops/fnops/internal/store"
)

// observed is what one function did in a range: the traffic projections
// start from, and its memory use.
type observed struct {
	cf      *costFunction
	traffic cost.Traffic
	memory  store.MemoryUse // at the function's most used memory size
	monthly cost.Money      // MonthlyCost of traffic
}

// observeRange is the range hints and break-even look at: --since/--until,
// else the last 7 days of the store's telemetry.
func observeRange(ctx context.Context, st store.Querier, from, to time.Time) (time.Time, time.Time, error) {
	if !from.IsZero() && !to.IsZero() {
		return from, to, nil
	}
	fs, err := st.FunctionStats(ctx, store.Filter{From: from, To: to})
	if err != nil {
		return from, to, err
	}
	var first, last time.Time
	for _, s := range fs {
		first, last = minTime(first, s.First), maxTime(last, s.Last)
	}
	if to.IsZero() {
		to = last.Truncate(time.Minute).Add(time.Minute)
	}
	if from.IsZero() {
		from = maxTime(first.Truncate(time.Minute), to.Add(-7*24*time.Hour))
	}
	return from, to, nil
}

// observeFunctions measures every function with telemetry in [from, to).
func observeFunctions(ctx context.Context, st store.Querier, cat *costCatalog, from, to time.Time) ([]observed, error) {
	rs, err := st.Rollups(ctx, store.RollupQuery{Filter: store.Filter{From: from, To: to}, Step: 24 * time.Hour})
	if err != nil {
		return nil, err
	}
	byFn := map[string]*observed{}
	var names []string
	for _, r := range rs {
		o := byFn[r.Function]
		if o == nil {
			cf, err := cat.get(r.Function, "")
			if err != nil {
				return nil, err
			}
			o = &observed{cf: cf, traffic: cost.Traffic{Window: to.Sub(from)}}
			byFn[r.Function] = o
			names = append(names, r.Function)
		}
		o.traffic.Invocations += r.Invocations
		o.traffic.BilledMS += r.BilledMS
		o.traffic.MBms += r.BilledMBMS
	}
	mem, err := st.MemoryUse(ctx, store.Filter{From: from, To: to})
	if err != nil {
		return nil, err
	}
	for _, m := range mem {
		if o := byFn[m.Function]; o != nil && m.Invocations > o.memory.Invocations {
			o.memory = m
		}
	}
	slices.Sort(names)
	out := make([]observed, 0, len(names))
	for _, n := range names {
		o := byFn[n]
		if o.memory.MemoryMB > 0 {
			o.cf.fn.MemoryMB = int64(o.memory.MemoryMB)
		}
		if o.monthly, err = cost.MonthlyCost(o.cf.fn, o.traffic, from); err != nil {
			return nil, err
		}
		out = append(out, *o)
	}
	return out, nil
}

// saving is one right-sizing hint.
type saving struct {
	Function string `json:"function"`
	Kind     string `json:"kind"` // "memory" or "arm64"
	Detail   string `json:"detail"`
	Monthly  string `json:"monthly_saving_usd"`
	amount   cost.Money
}

// memoryHeadroom is how much of the configured memory the 99th percentile
// of Max Memory Used must stay under before fnops suggests less: a half.
const memoryHeadroom = 2

// noARMRuntimes are deprecated runtimes that never had arm64.
var noARMRuntimes = []string{"go1.x", "python3.7", "nodejs12.x", "dotnetcore3.1", "ruby2.7", "java8"}

// savingsHints are the savings the telemetry proves: memory sizes whose
// p99 use is under half the configured size (sized to 1.5 x the largest
// use seen, in 64 MB steps, at least 128 MB), and x86 functions that arm64
// prices 20% lower. Savings are monthly at the observed traffic, assuming
// duration does not change: true for I/O-bound code, to be verified with a
// tuning run for CPU-bound code, which gets less CPU with less memory.
func savingsHints(obs []observed, date time.Time) ([]saving, error) {
	var out []saving
	for _, o := range obs {
		fn := o.cf.fn
		if o.traffic.Invocations == 0 {
			continue
		}
		durationOnly := o.traffic
		durationOnly.Invocations = 0
		dur, err := cost.MonthlyCost(fn, durationOnly, date)
		if err != nil {
			return nil, err
		}
		m := o.memory
		if m.MemoryMB > 128 && m.Invocations >= 50 && int64(m.P99UsedMB)*memoryHeadroom < int64(m.MemoryMB) {
			want := max(128, (int64(m.MaxUsedMB)*3/2+63)/64*64)
			if want < int64(m.MemoryMB) {
				amt := dur.Mul(big.NewRat(int64(m.MemoryMB)-want, int64(m.MemoryMB)))
				out = append(out, saving{Function: fn.Name, Kind: "memory", amount: amt, Monthly: amt.String(),
					Detail: fmt.Sprintf("%d MB configured, p99 use %d MB, max %d MB: %d MB would do", m.MemoryMB, m.P99UsedMB, m.MaxUsedMB, want)})
			}
		}
		if fn.Arch == cost.ArchX86 && fn.Package == cost.PackageZip && !slices.Contains(noARMRuntimes, fn.Runtime) {
			arm := fn
			arm.Arch = cost.ArchARM
			armDur, err := cost.MonthlyCost(arm, durationOnly, date)
			if err != nil {
				return nil, err
			}
			amt := dur.Sub(armDur)
			out = append(out, saving{Function: fn.Name, Kind: "arm64", amount: amt, Monthly: amt.String(),
				Detail: fmt.Sprintf("x86_64 duration $%s a month; arm64 prices it 20%% lower", dur)})
		}
	}
	slices.SortStableFunc(out, func(a, b saving) int { return b.amount.Cmp(a.amount) })
	return out, nil
}

func newCostSavingsCmd(e *env) *cobra.Command {
	o := &costOptions{}
	cmd := &cobra.Command{
		Use:   "savings [APP]",
		Short: "Right-sizing hints the telemetry proves, with the monthly saving",
		Long: `List the savings the stored telemetry proves: functions whose memory use
(99th percentile of Max Memory Used) stays under half their memory size, and
x86_64 functions that arm64 would price 20% lower. Savings are monthly at the
traffic observed (default: the last 7 days of telemetry), assuming duration
stays the same: true for I/O-bound code; check CPU-bound code with a tuning
run, as less memory also means less CPU.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			from, to, err := o.rangeFlags()
			if err != nil {
				return err
			}
			s, err := openCost(ctx, &o.store, &o.load, o.config, args)
			if err != nil {
				return err
			}
			defer s.close()
			if from, to, err = observeRange(ctx, s.st, from, to); err != nil {
				return withCode(ExitInternal, err)
			}
			obs, err := observeFunctions(ctx, s.st, s.cat, from, to)
			if err != nil {
				return withCode(ExitInput, err)
			}
			hints, err := savingsHints(obs, from)
			if err != nil {
				return withCode(ExitInput, err)
			}
			if o.format == "json" {
				enc := json.NewEncoder(e.stdio.Out)
				enc.SetIndent("", "  ")
				if hints == nil {
					hints = []saving{}
				}
				return enc.Encode(struct {
					Version int       `json:"version"`
					From    time.Time `json:"from"`
					To      time.Time `json:"to"`
					Savings []saving  `json:"savings"`
				}{1, from, to, hints})
			}
			writeSavingsText(e.stdio.Out, hints, from, to)
			return nil
		},
	}
	o.addRangeFlags(cmd)
	cmd.Flags().StringVarP(&o.format, "format", "f", "text", "output format: text|json")
	return cmd
}

// addRangeFlags adds the flags of the cost subcommands that look at
// observed traffic.
func (o *costOptions) addRangeFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	o.store.addFlags(f)
	o.load.addFlags(f)
	f.StringVar(&o.config, "config", "", "read settings from `FILE` instead of APP/.fnops.yaml")
	f.StringVar(&o.since, "since", "", "traffic from this time (default: 7 days before the last telemetry)")
	f.StringVar(&o.until, "until", "", "traffic up to this time, excluded")
}

// rangeFlags parses --since and --until.
func (o *costOptions) rangeFlags() (time.Time, time.Time, error) {
	from, err := parseTimeFlag("since", o.since)
	if err != nil {
		return from, from, err
	}
	to, err := parseTimeFlag("until", o.until)
	return from, to, err
}

func writeSavingsText(w io.Writer, hints []saving, from, to time.Time) {
	if len(hints) == 0 {
		fmt.Fprintf(w, "no savings the telemetry of %s to %s proves\n", from.Format(time.RFC3339), to.Format(time.RFC3339))
		return
	}
	var total cost.Money
	for _, h := range hints {
		total = total.Add(h.amount)
	}
	fmt.Fprintf(w, "Savings at the traffic of %s to %s, a 730-hour month, duration unchanged:\n", from.Format(time.RFC3339), to.Format(time.RFC3339))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, h := range hints {
		fmt.Fprintf(tw, "  %s\t%s\t$%s a month\t%s\n", h.Function, h.Kind, h.Monthly, h.Detail)
	}
	tw.Flush()
	fmt.Fprintf(w, "  up to $%s a month in all (memory and arm64 hints for one function overlap)\n", total)
}

func newCostBreakEvenCmd(e *env) *cobra.Command {
	o := &costOptions{}
	cmd := &cobra.Command{
		Use:   "breakeven FUNCTION [APP]",
		Short: "Lambda at the observed traffic against a container kept warm",
		Long: `Price FUNCTION (its deployed name or logical id) at the traffic the store
shows (default: the last 7 days of telemetry) and compare it with a
right-sized Fargate task of its architecture and two small EC2 instances
kept running all month: the monthly cost of each and the request rate above
which the container is cheaper. The assumptions are printed with the result.`,
		Example: `  fnops cost breakeven shop-create-order examples/shop`,
		Args:    cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			from, to, err := o.rangeFlags()
			if err != nil {
				return err
			}
			s, err := openCost(ctx, &o.store, &o.load, o.config, args[1:])
			if err != nil {
				return err
			}
			defer s.close()
			if from, to, err = observeRange(ctx, s.st, from, to); err != nil {
				return withCode(ExitInternal, err)
			}
			obs, err := observeFunctions(ctx, s.st, s.cat, from, to)
			if err != nil {
				return withCode(ExitInput, err)
			}
			var names []string
			for _, ob := range obs {
				names = append(names, ob.cf.fn.Name)
				if ob.cf.fn.Name != args[0] && ob.cf.resource != args[0] {
					continue
				}
				return writeBreakEven(e.stdio.Out, ob, from, to)
			}
			return usageError("no telemetry for function %q from %s to %s (functions: %s)", args[0],
				from.Format(time.RFC3339), to.Format(time.RFC3339), strings.Join(names, ", "))
		},
	}
	o.addRangeFlags(cmd)
	return cmd
}

func writeBreakEven(w io.Writer, ob observed, from, to time.Time) error {
	fn, t := ob.cf.fn, ob.traffic
	if t.Invocations == 0 || t.BilledMS == 0 {
		return usageError("%s: no billed invocations from %s to %s", fn.Name, from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	durUS := t.BilledMS * 1000 / t.Invocations
	a, err := cost.DefaultBreakEven(fn.Region, fn.Arch, fn.MemoryMB, durUS, from)
	if err != nil {
		return withCode(ExitInput, err)
	}
	res, err := cost.BreakEven(a)
	if err != nil {
		return withCode(ExitInput, err)
	}
	perMonth := new(big.Rat).SetFrac(big.NewInt(t.Invocations), big.NewInt(int64(to.Sub(from))))
	perMonth.Mul(perMonth, big.NewRat(int64(cost.HoursPerMonth*time.Hour), 1))
	requests := new(big.Int).Quo(perMonth.Num(), perMonth.Denom()).Int64()
	lambda, err := cost.LambdaMonthly(a, requests)
	if err != nil {
		return withCode(ExitInput, err)
	}
	fmt.Fprintf(w, "%s: %d invocations from %s to %s, %d a month at that rate (%s a second)\n", fn.Name, t.Invocations,
		from.Format(time.RFC3339), to.Format(time.RFC3339), requests, new(big.Rat).Quo(perMonth, big.NewRat(cost.HoursPerMonth*3600, 1)).FloatString(2))
	fmt.Fprintf(w, "Lambda now: $%s a month\n\nAssumptions:\n%s\n", lambda.RoundCents(), indent(a.String()))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "alternative\t$ a month\tcheaper than Lambda above\tverdict")
	for _, alt := range res.Alternatives {
		verdict := "Lambda is cheaper"
		if requests >= alt.BreakEvenRequests {
			verdict = "the container is cheaper"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d req/month (%s req/s)\t%s\n", alt.Container.Name, alt.Monthly, alt.BreakEvenRequests,
			alt.BreakEvenPerSecond.FloatString(2), verdict)
	}
	return tw.Flush()
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := range lines {
		lines[i] = "  " + lines[i]
	}
	return strings.Join(lines, "\n")
}
