package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/fnops/fnops/internal/config"
	"github.com/fnops/fnops/internal/detect"
	"github.com/fnops/fnops/internal/store"
	"github.com/spf13/cobra"
)

type watchOptions struct {
	store  storeOptions
	config string
	once   bool
	at     string
	format string
	failOn string
	all    bool
	live   liveOptions // continuous mode: watch_live.go
}

func newWatchCmd(e *env) *cobra.Command {
	o := &watchOptions{}
	cmd := &cobra.Command{
		Use:   "watch [APP]",
		Short: "Run the runtime detectors over the app's telemetry",
		Long: `Evaluate the telemetry in the app's store against the detectors
(docs/alerts.md): error rates, new error types, timeouts and near misses,
duration regressions, out-of-memory kills and memory use, cold starts,
throttles, surges, runaway loops on the app graph's cycles, queues that do
not drain, dead-letter queues, stream lag, scheduled jobs that missed or
overran their schedule, and cost jumps. Thresholds come from the
thresholds: section of .fnops.yaml.

With --once, evaluate the data up to now (or --at) and print the open
insights, and those that cannot be judged for want of data (no-data is
said, never taken for all clear).`,
		Example: `  fnops watch --once examples/shop --at 2026-11-20T04:10:00Z
  fnops watch --once --format json --fail-on critical`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runWatch(cmd.Context(), e, o, args) },
	}
	o.store.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&o.config, "config", "", "read settings from `FILE` instead of APP/.fnops.yaml")
	cmd.Flags().BoolVar(&o.once, "once", false, "evaluate once and exit")
	cmd.Flags().StringVar(&o.at, "at", "", "evaluate at this time instead of now (YYYY-MM-DD or RFC 3339)")
	cmd.Flags().StringVarP(&o.format, "format", "f", "text", "output format: text|json")
	cmd.Flags().StringVar(&o.failOn, "fail-on", "none", "exit 1 when an open insight is at or above this severity: critical|warning|info|none")
	cmd.Flags().BoolVar(&o.all, "all", false, "also list the insights resolved within the lookback")
	o.live.addTo(cmd)
	return cmd
}

// watchDoc is the versioned JSON contract of fnops watch --once.
type watchDoc struct {
	Version  int              `json:"version"`
	Insights []detect.Insight `json:"insights"`
}

func runWatch(ctx context.Context, e *env, o *watchOptions, args []string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if !o.once {
		return runWatchLive(ctx, e, o, args)
	}
	if o.format != "text" && o.format != "json" {
		return usageError("unknown --format %q: want text or json", o.format)
	}
	var threshold detect.Severity
	if o.failOn != "none" {
		var ok bool
		if threshold, ok = detect.ParseSeverity(o.failOn); !ok {
			return usageError("--fail-on %q: want critical, warning, info or none", o.failOn)
		}
	}
	at := time.Now().UTC()
	if o.at != "" {
		t, err := parseTimeFlag("at", o.at)
		if err != nil {
			return err
		}
		at = t
	}
	root := appDir(args)
	cfg, settings, err := watchSetup(root, o.config)
	if err != nil {
		return err
	}
	o.store.applyConfig(root, cfg)
	st, err := o.store.openExisting(ctx, root)
	if err != nil {
		return err
	}
	defer st.Close()
	g := appGraph(root)
	ins, err := settings.Evaluate(ctx, st, g, at)
	if err != nil {
		return withCode(ExitInternal, err)
	}
	shown := make([]detect.Insight, 0, len(ins))
	for _, in := range ins {
		if in.State != detect.Resolved || o.all {
			shown = append(shown, in)
		}
	}
	if o.format == "json" {
		enc := json.NewEncoder(e.stdio.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(watchDoc{Version: 1, Insights: shown}); err != nil {
			return withCode(ExitInternal, err)
		}
	} else {
		end, _ := dataEnd(ctx, st)
		writeWatchText(e.stdio.Out, shown, settings.Evaluated(at), settings.Lookback, end)
	}
	if threshold != "" {
		for _, in := range ins {
			if in.State == detect.Open && in.Severity.Rank() >= threshold.Rank() {
				return withCode(ExitFindings, nil)
			}
		}
	}
	return nil
}

// watchSetup reads the app's config and the detectors' settings from its
// thresholds: what watch --once and the live watch share.
func watchSetup(root, cfgFile string) (*config.Config, *detect.Settings, error) {
	if err := checkAppDir(root); err != nil {
		return nil, nil, err
	}
	cfg, err := loadConfig(root, cfgFile)
	if err != nil {
		return nil, nil, err
	}
	settings, err := detect.NewSettings(cfg.Thresholds)
	if err != nil {
		return nil, nil, withCode(ExitInput, err) // file:line: key path: problem
	}
	return cfg, settings, nil
}

// dataEnd is the end of the newest invocation in the store; zero when it
// holds none.
func dataEnd(ctx context.Context, q store.Querier) (time.Time, error) {
	rows, err := q.FunctionStats(ctx, store.Filter{})
	if err != nil {
		return time.Time{}, err
	}
	var end time.Time
	for _, r := range rows {
		if r.Last.After(end) {
			end = r.Last
		}
	}
	return end.UTC(), nil
}

// writeWatchText prints insights as a person reads them: one block each,
// worst first, then what cannot be judged.
func writeWatchText(w io.Writer, ins []detect.Insight, at time.Time, lookback time.Duration, end time.Time) {
	var open, resolved, nodata []detect.Insight
	for _, in := range ins {
		switch in.State {
		case detect.Open:
			open = append(open, in)
		case detect.Resolved:
			resolved = append(resolved, in)
		default:
			nodata = append(nodata, in)
		}
	}
	fmt.Fprintf(w, "evaluated at %s, lookback %s: %d open", at.Format("2006-01-02 15:04 UTC"), detect.Human(lookback), len(open))
	if len(resolved) > 0 {
		fmt.Fprintf(w, ", %d resolved", len(resolved))
	}
	fmt.Fprintf(w, ", %d cannot be judged\n", len(nodata))
	if !end.IsZero() && end.Before(at.Add(-lookback)) {
		fmt.Fprintf(w, "the newest data in the store ends %s: evaluate there with --at %s\n",
			end.Format("2006-01-02 15:04 UTC"), end.Format(time.RFC3339))
	}
	writeInsightList(w, open, resolved, true)
	writeNoData(w, nodata)
}

// writeInsightList prints warnings and worse in full (open, then
// resolved), then info insights a line each, so the list stays readable;
// resolved info insights only when withInfo.
func writeInsightList(w io.Writer, open, resolved []detect.Insight, resolvedInfo bool) {
	for _, group := range [][]detect.Insight{open, resolved} {
		for _, in := range group {
			if in.Severity.Rank() >= detect.Warning.Rank() {
				writeInsight(w, in, "  ")
			}
		}
	}
	infos := open
	if resolvedInfo {
		infos = append(slices.Clone(open), resolved...)
	}
	for _, in := range infos {
		if in.Severity.Rank() >= detect.Warning.Rank() {
			continue
		}
		line := in.Evidence.Summary
		if in.ImpactUSDPerMonth != nil {
			line += fmt.Sprintf(" ($%.2f a month)", float64(*in.ImpactUSDPerMonth))
		}
		if in.State == detect.Resolved {
			line += ", resolved " + in.LastSeen.Format("2006-01-02 15:04 UTC")
		}
		fmt.Fprintf(w, "  INFO     %s %s: %s\n", in.Kind, in.Resource, line)
	}
}

// writeNoData lists what cannot be judged.
func writeNoData(w io.Writer, nodata []detect.Insight) {
	if len(nodata) == 0 {
		return
	}
	fmt.Fprintln(w, "  cannot be judged (no data, which is not all clear):")
	for _, in := range nodata {
		fmt.Fprintf(w, "    %-22s %-28s %s\n", in.Kind, in.Resource, in.Evidence.Summary)
	}
}

func writeInsight(w io.Writer, in detect.Insight, indent string) {
	when := "since " + in.FirstSeen.Format("2006-01-02 15:04 UTC")
	if in.State == detect.Resolved {
		when = in.FirstSeen.Format("2006-01-02 15:04") + "–" + in.LastSeen.Format("15:04 UTC") + ", resolved"
	}
	fmt.Fprintf(w, "%s%-8s %s %s (%s)\n", indent, strings.ToUpper(string(in.Severity)), in.Kind, in.Resource, when)
	fmt.Fprintf(w, "%s  %s\n", indent, in.Evidence.Summary)
	fmt.Fprintf(w, "%s  cause: %s\n", indent, in.Cause)
	fmt.Fprintf(w, "%s  fix: %s\n", indent, in.Fix)
	if in.ImpactUSDPerMonth != nil {
		fmt.Fprintf(w, "%s  impact: $%.2f a month\n", indent, float64(*in.ImpactUSDPerMonth))
	}
	if len(in.Related) > 0 {
		fmt.Fprintf(w, "%s  related: %s\n", indent, strings.Join(in.Related, ", "))
	}
}
