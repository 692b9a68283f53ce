package cli

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/fnops/fnops/internal/sim"
	"github.com/spf13/cobra"
)

type simulateOptions struct {
	load      loadOptions
	out       string
	seed      int64
	days      float64
	start     string
	rates     []string
	incidents []string
	deploys   int
	stack     string
	gzip      bool
}

func newSimulateCmd(e *env) *cobra.Command {
	o := &simulateOptions{}
	cmd := &cobra.Command{
		Use:   "simulate [APP] --out DIR",
		Short: "Write realistic Lambda telemetry for an app, with injectable incidents",
		Long: `Simulate the app in APP (default ".") and write the telemetry AWS would have
written, in its real formats: log files as "aws logs tail" prints them
(INIT_START, START, END, REPORT lines) under DIR/logs/aws/lambda/FUNCTION/,
CloudWatch metrics as get-metric-data output with its query file under
DIR/metrics/, deploys as describe-stack-events JSON under DIR/deploys/, and
DIR/truth.json: the ground truth of what was written and injected.

Traffic enters at the app's entry points (APIs, schedules, event rules,
uploads) with a daily and weekly shape and flows along the graph. The output
is the same for the same app, flags and --seed.

Incidents (--incident KIND:FUNCTION@OFFSET[+DURATION], OFFSET from --start):
  runaway-loop         invocations growing geometrically along a graph cycle
  poison-message       a consumer failing on one message until maxReceiveCount
  oom                  out-of-memory kills
  timeouts             invocations running into the timeout
  schedule-stops       a scheduled job that stops running
  memory-leak          a deploy after which memory grows until OOM
  duration-regression  a deploy that makes the function 80% slower`,
		Example: `  fnops simulate examples/shop --out /tmp/shop-week --days 7 --seed 1
  fnops simulate . --out sim --rate api=20/s --incident oom:ResizeImageFunction@50h+30m`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runSimulate(cmd, e, o, args) },
	}
	f := cmd.Flags()
	f.StringVarP(&o.out, "out", "o", "", "output `DIR` (required)")
	f.Int64Var(&o.seed, "seed", 1, "random seed; the same seed gives the same output")
	f.Float64Var(&o.days, "days", 7, "days to simulate")
	f.StringVar(&o.start, "start", "", "first day simulated, `YYYY-MM-DD` or RFC 3339 (default: 7 days before today, UTC)")
	f.StringArrayVar(&o.rates, "rate", nil, "outside traffic: `TARGET=N/s` (or /m, /h); TARGET is api or a function id or name (repeatable)")
	f.StringArrayVar(&o.incidents, "incident", nil, "inject `KIND:FUNCTION@OFFSET[+DURATION]` (repeatable)")
	f.IntVar(&o.deploys, "deploys", 1, "ordinary deploys per function")
	f.StringVar(&o.stack, "stack-name", "", "stack name used in generated function names (default: the app directory's name)")
	f.BoolVar(&o.gzip, "gzip", true, "gzip the log files")
	o.load.addFlags(f)
	return cmd
}

func runSimulate(cmd *cobra.Command, e *env, o *simulateOptions, args []string) error {
	if o.out == "" {
		return usageError("--out DIR is required")
	}
	if o.days <= 0 {
		return usageError("--days must be positive")
	}
	start, err := parseStart(o.start, time.Now())
	if err != nil {
		return err
	}
	rates := make(map[string]float64)
	for _, r := range o.rates {
		k, v, ok := strings.Cut(r, "=")
		if !ok {
			return usageError("--rate %q: want TARGET=N/s", r)
		}
		perSec, err := parseRate(v)
		if err != nil {
			return usageError("--rate %q: %v", r, err)
		}
		rates[k] = perSec
	}
	cfg := sim.Config{
		Start: start, Span: time.Duration(o.days * 24 * float64(time.Hour)), Seed: o.seed,
		Rates: rates, Deploys: o.deploys, StackName: o.stack, Region: o.load.region, Out: o.out, Gzip: o.gzip,
	}
	for _, s := range o.incidents {
		in, err := sim.ParseIncident(s, start)
		if err != nil {
			return usageError("%v", err)
		}
		cfg.Incidents = append(cfg.Incidents, in)
	}
	dir := "."
	if len(args) > 0 {
		dir = args[0]
	}
	if cfg.StackName == "" {
		abs, _ := filepath.Abs(dir)
		cfg.StackName = filepath.Base(abs)
	}
	g, failed, err := o.load.load([]string{dir}, e.stdio.Err)
	if err != nil {
		return err
	}
	if failed {
		return withCode(ExitInput, fmt.Errorf("cannot simulate %s: its templates have errors", dir))
	}
	began := time.Now()
	truth, err := sim.Run(cmd.Context(), g, cfg)
	if err != nil {
		return withCode(ExitInput, err)
	}
	var total int64
	for _, f := range truth.Functions {
		total += f.Invocations
	}
	fmt.Fprintf(e.stdio.Out, "simulated %d functions, %d invocations, %s to %s, %d incidents, %d deploys, in %s\nwrote %s\n",
		len(truth.Functions), total, truth.Start.Format(time.RFC3339), truth.End.Format(time.RFC3339),
		len(truth.Incidents), len(truth.Deploys), time.Since(began).Round(time.Millisecond), o.out)
	return nil
}

// parseStart reads --start; empty means midnight UTC seven days before now.
func parseStart(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -7), nil
	}
	for _, layout := range []string{"2006-01-02", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, usageError("--start %q: want YYYY-MM-DD or RFC 3339", s)
}

// parseRate reads N/s, N/m or N/h (N alone means per second) as a rate
// per second.
func parseRate(s string) (float64, error) {
	num, unit, _ := strings.Cut(s, "/")
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a non-negative number", num)
	}
	switch unit {
	case "", "s":
		return v, nil
	case "m":
		return v / 60, nil
	case "h":
		return v / 3600, nil
	}
	return 0, fmt.Errorf("unit %q: want s, m or h", unit)
}
