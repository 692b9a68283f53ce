package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"text/tabwriter"
	"time"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac"
	"github.com/fnops/fnops/internal/store"
	"github.com/spf13/cobra"
)

type statsOptions struct {
	store  storeOptions
	format string
	since  string
	until  string
}

func newStatsCmd(e *env) *cobra.Command {
	o := &statsOptions{}
	cmd := &cobra.Command{
		Use:   "stats [APP]",
		Short: "Show what the store holds, per function",
		Long: `Summarise the telemetry in the app's store: per function, invocations, cold
starts, errors, timeouts, out-of-memory kills, billed GB-seconds and the time
range seen. Functions are matched to the app's templates where they can be.`,
		Example: `  fnops stats examples/shop
  fnops stats --format json --since 2026-11-16 --until 2026-11-17`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runStats(cmd.Context(), e, o, args) },
	}
	o.store.addFlags(cmd.Flags())
	cmd.Flags().StringVarP(&o.format, "format", "f", "text", "output format: text|json")
	cmd.Flags().StringVar(&o.since, "since", "", "from this time (YYYY-MM-DD or RFC 3339)")
	cmd.Flags().StringVar(&o.until, "until", "", "up to this time, excluded")
	return cmd
}

// statsDoc is the versioned JSON contract of `fnops stats --format json`.
type statsDoc struct {
	Version   int             `json:"version"`
	Functions []functionStats `json:"functions"`
}

type functionStats struct {
	Function    string      `json:"function"`
	Resource    string      `json:"resource,omitempty"`
	Invocations int64       `json:"invocations"`
	ColdStarts  int64       `json:"cold_starts"`
	Errors      int64       `json:"errors"`
	Timeouts    int64       `json:"timeouts"`
	OOM         int64       `json:"oom"`
	GBSeconds   json.Number `json:"billed_gb_seconds"`
	First       time.Time   `json:"first"`
	Last        time.Time   `json:"last"`
}

// gbSeconds renders MB-ms as GB-seconds exactly: MB-ms / 1,024,000 has at
// most 13 decimals.
func gbSeconds(mbms int64) json.Number {
	s := new(big.Rat).SetFrac64(mbms, 1024000).FloatString(13)
	// Trim trailing zeros, keeping it a valid JSON number.
	for len(s) > 1 && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return json.Number(s)
}

func parseTimeFlag(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02", time.RFC3339, "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, usageError("--%s %q: want YYYY-MM-DD or RFC 3339", name, v)
}

// parseRange parses --since and --until, of which since must come first.
func parseRange(since, until string) (from, to time.Time, err error) {
	if from, err = parseTimeFlag("since", since); err != nil {
		return
	}
	if to, err = parseTimeFlag("until", until); err != nil {
		return
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		err = usageError("--since %s is not before --until %s", since, until)
	}
	return
}

func runStats(ctx context.Context, e *env, o *statsOptions, args []string) error {
	if o.format != "text" && o.format != "json" {
		return usageError("unknown --format %q: want text or json", o.format)
	}
	from, to, err := parseRange(o.since, o.until)
	if err != nil {
		return err
	}
	root := appDir(args)
	st, _, err := o.store.openApp(ctx, root, false)
	if err != nil {
		return err
	}
	defer st.Close()
	doc, err := collectStats(ctx, st, store.Filter{From: from, To: to}, appGraph(root))
	if err != nil {
		return withCode(ExitInternal, err)
	}
	if o.format == "json" {
		enc := json.NewEncoder(e.stdio.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	}
	writeStatsText(e.stdio.Out, doc)
	return nil
}

// appGraph loads the app's templates quietly, for naming functions; nil
// when there are none. Load problems are for graph and audit to report.
func appGraph(dir string) *app.Graph {
	g := iac.Load([]string{dir}, iac.Options{})
	if len(g.Resources) == 0 {
		return nil
	}
	return g
}

func collectStats(ctx context.Context, st store.Querier, f store.Filter, g *app.Graph) (*statsDoc, error) {
	rows, err := st.FunctionStats(ctx, f)
	if err != nil {
		return nil, err
	}
	doc := &statsDoc{Version: 1, Functions: []functionStats{}}
	for _, r := range rows {
		fs := functionStats{Function: r.Function, Invocations: r.Invocations, ColdStarts: r.ColdStarts,
			Errors: r.Errors, Timeouts: r.Timeouts, OOM: r.OOMs, GBSeconds: gbSeconds(r.BilledMBMS),
			First: r.First.UTC(), Last: r.Last.UTC()}
		if g != nil {
			if res := g.FunctionByName(r.Function); res != nil {
				fs.Resource = res.ID
			}
		}
		doc.Functions = append(doc.Functions, fs)
	}
	return doc, nil
}

func writeStatsText(w io.Writer, doc *statsDoc) {
	if len(doc.Functions) == 0 {
		fmt.Fprintln(w, "the store holds no invocations yet: fnops ingest LOGS, or fnops simulate to try it")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "function\tresource\tinvocations\tcold starts\terrors\ttimeouts\toom\tGB-s\tfirst\tlast\t")
	for _, f := range doc.Functions {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t\n", f.Function, f.Resource, f.Invocations, f.ColdStarts,
			f.Errors, f.Timeouts, f.OOM, roundNumber(f.GBSeconds, 1), f.First.Format("2006-01-02 15:04"), f.Last.Format("2006-01-02 15:04"))
	}
	tw.Flush()
}

// roundNumber shows a decimal number with the given decimals.
func roundNumber(n json.Number, decimals int) string {
	r, ok := new(big.Rat).SetString(n.String())
	if !ok {
		return n.String()
	}
	return r.FloatString(decimals)
}
