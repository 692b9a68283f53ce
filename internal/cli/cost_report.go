package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/config"
	"github.com/fnops/fnops/internal/cost"
	"github.com/fnops/fnops/internal/iac"
	"github.com/fnops/fnops/internal/store"
)

// costOptions are the flags of `fnops cost [APP]`.
type costOptions struct {
	store    storeOptions
	load     loadOptions
	config   string
	by       string
	since    string
	until    string
	top      int
	format   string
	freeTier bool
	window   time.Duration
}

func (o *costOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	o.store.addFlags(f)
	o.load.addFlags(f)
	f.StringVar(&o.config, "config", "", "read settings from `FILE` instead of APP/.fnops.yaml")
	f.StringVar(&o.by, "by", "function", "group rows by function, version, day, hour, feature or team (comma-separated combinations), or deploy")
	f.StringVar(&o.since, "since", "", "from this time (YYYY-MM-DD or RFC 3339; default: the first telemetry)")
	f.StringVar(&o.until, "until", "", "up to this time, excluded (default: the last telemetry)")
	f.IntVar(&o.top, "top", 0, "show only the N most expensive rows (the total stays the whole range's)")
	f.StringVarP(&o.format, "format", "f", "text", "output format: text|json|csv")
	f.BoolVar(&o.freeTier, "free-tier", false, "apply the monthly free tier (off: a large account has used it up)")
	f.DurationVar(&o.window, "window", 24*time.Hour, "--by deploy: the time compared before and after each deploy")
}

// costDoc is the versioned JSON contract of `fnops cost --format json`.
type costDoc struct {
	Version  int          `json:"version"`
	Currency string       `json:"currency"`
	From     time.Time    `json:"from"`
	To       time.Time    `json:"to"`
	Rows     []costDocRow `json:"rows"`
	Total    string       `json:"total_usd"`
}

type costDocRow struct {
	Key         map[string]string `json:"key"`
	Invocations int64             `json:"invocations"`
	GBSeconds   json.Number       `json:"gb_seconds"`
	Request     string            `json:"request_usd"`
	Duration    string            `json:"duration_usd"`
	Other       string            `json:"other_usd"`
	Total       string            `json:"total_usd"`
}

// costSetup is what every cost subcommand reads: the config, the store
// and the catalog joining telemetry to the model.
type costSetup struct {
	cfg *config.Config
	cat *costCatalog
	st  store.Store
}

func (s *costSetup) close() { _ = s.st.Close() }

// openCost reads APP's config (or cfgFlag), loads its templates quietly
// (graph and audit report load problems) and opens its store.
func openCost(ctx context.Context, so *storeOptions, lo *loadOptions, cfgFlag string, args []string) (*costSetup, error) {
	root := "."
	if len(args) > 0 {
		root = args[0]
	}
	cfg := &config.Config{}
	path := cfgFlag
	if path == "" {
		path = config.Find(root)
	}
	if path != "" {
		c, err := config.Load(path)
		if err != nil {
			return nil, withCode(ExitInput, err)
		}
		if err := c.Cost.Validate(path); err != nil {
			return nil, withCode(ExitInput, err)
		}
		cfg = c
	}
	lo.applyConfig(cfg)
	opts, err := lo.iacOptions()
	if err != nil {
		return nil, err
	}
	var g *app.Graph
	if gg := iac.Load([]string{root}, opts); len(gg.Resources) > 0 {
		g = gg
	}
	if so.path == "" && so.app == "" && cfg.Store.Path != "" {
		so.path = filepath.Join(root, cfg.Store.Path)
	}
	if _, err := os.Stat(so.storePath(root)); err != nil {
		return nil, withCode(ExitInput, fmt.Errorf("no store at %s: fnops ingest LOGS first (or fnops simulate, then ingest)", so.storePath(root)))
	}
	st, _, err := so.open(ctx, root)
	if err != nil {
		return nil, err
	}
	region := lo.region
	if _, err := cost.TableFor(time.Now()).Prices(cmpOr(region, cfg.Cost.Region, defaultRegion), cost.ArchX86); err != nil {
		_ = st.Close()
		return nil, withCode(ExitInput, err)
	}
	return &costSetup{cfg: cfg, cat: newCostCatalog(g, cfg.Cost, region), st: st}, nil
}

func bigRat(a, b int64) *big.Rat { return big.NewRat(a, b) }

func runCostReport(ctx context.Context, e *env, o *costOptions, args []string) error {
	switch o.format {
	case "text", "json", "csv":
	default:
		return usageError("unknown --format %q: want text, json or csv", o.format)
	}
	by, err := parseBy(o.by)
	if err != nil {
		return err
	}
	from, err := parseTimeFlag("since", o.since)
	if err != nil {
		return err
	}
	to, err := parseTimeFlag("until", o.until)
	if err != nil {
		return err
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return usageError("--since %s is not before --until %s", o.since, o.until)
	}
	s, err := openCost(ctx, &o.store, &o.load, o.config, args)
	if err != nil {
		return err
	}
	defer s.close()
	if slices.Contains(by, "deploy") {
		return runDeployReport(ctx, e, o, s, from, to)
	}
	res, err := priceApp(ctx, s.st, s.cat, costQuery{from: from, to: to, freeTier: o.freeTier, by: by})
	if err != nil {
		return withCode(ExitInput, err)
	}
	rows := res.Rows
	if o.top > 0 {
		rows = slices.Clone(rows)
		slices.SortStableFunc(rows, func(a, b costRow) int { return b.Split.Total().Cmp(a.Split.Total()) })
		rows = rows[:min(o.top, len(rows))]
	}
	out := e.stdio.Out
	switch o.format {
	case "json":
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(newCostDoc(res, rows)); err != nil {
			return err
		}
		writeCostNotes(e.stdio.Err, res)
	case "csv":
		if err := writeCostCSV(out, by, rows); err != nil {
			return err
		}
		writeCostNotes(e.stdio.Err, res)
	default:
		writeCostReportText(out, by, res, rows)
		writeCostNotes(out, res)
	}
	return nil
}

// parseBy validates --by.
func parseBy(s string) ([]string, error) {
	var by []string
	for _, d := range strings.Split(s, ",") {
		d = strings.TrimSpace(d)
		if d == "" {
			continue
		}
		if d != "deploy" && !slices.Contains(costDims, d) {
			return nil, usageError("--by %q: unknown dimension (known: %s, deploy)", d, strings.Join(costDims, ", "))
		}
		if slices.Contains(by, d) {
			return nil, usageError("--by %q: %s given twice", s, d)
		}
		by = append(by, d)
	}
	if len(by) == 0 {
		return nil, usageError("--by: name at least one dimension")
	}
	if slices.Contains(by, "deploy") && len(by) > 1 {
		return nil, usageError("--by deploy is a report of its own and combines with nothing")
	}
	return by, nil
}

func newCostDoc(res *costResult, rows []costRow) costDoc {
	doc := costDoc{Version: 1, Currency: "USD", From: res.From, To: res.To, Rows: []costDocRow{}, Total: res.Total.String()}
	for _, r := range rows {
		doc.Rows = append(doc.Rows, costDocRow{Key: r.Key, Invocations: r.Invocations, GBSeconds: gbSeconds(r.MBms),
			Request: r.Split.Request.String(), Duration: r.Split.Duration.String(), Other: r.Split.Other.String(),
			Total: r.Split.Total().String()})
	}
	return doc
}

// perMillion and perInvocation show a row's unit costs.
func perMillion(r costRow) string {
	if r.Invocations == 0 {
		return "-"
	}
	return r.Split.Total().Mul(bigRat(1_000_000, r.Invocations)).StringPlaces(4)
}

func perInvocation(r costRow) string {
	if r.Invocations == 0 {
		return "-"
	}
	return r.Split.Total().Div(r.Invocations).StringPlaces(10)
}

var costColumns = []string{"invocations", "gb_seconds", "request_usd", "duration_usd", "other_usd", "total_usd", "usd_per_million", "usd_per_invocation"}

func costCells(r costRow) []string {
	return []string{strconv.FormatInt(r.Invocations, 10), string(gbSeconds(r.MBms)), r.Split.Request.String(),
		r.Split.Duration.String(), r.Split.Other.String(), r.Split.Total().String(), perMillion(r), perInvocation(r)}
}

func writeCostCSV(w io.Writer, by []string, rows []costRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(append(slices.Clone(by), costColumns...)); err != nil {
		return err
	}
	for _, r := range rows {
		var rec []string
		for _, d := range by {
			rec = append(rec, r.Key[d])
		}
		if err := cw.Write(append(rec, costCells(r)...)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeCostReportText(w io.Writer, by []string, res *costResult, rows []costRow) {
	if res.From.IsZero() {
		fmt.Fprintln(w, "the store holds no invocations in the range: fnops ingest LOGS, or fnops simulate to try it")
		return
	}
	fmt.Fprintf(w, "Lambda cost %s to %s (prices %s, %s, free tier %s)\n", res.From.Format(time.RFC3339), res.To.Format(time.RFC3339),
		res.Table, res.Region, onOff(res.FreeTier))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	head := append(slices.Clone(by), "invocations", "GB-s", "requests $", "duration $", "other $", "total $", "$/M inv", "$/inv")
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for _, r := range rows {
		var cells []string
		for _, d := range by {
			cells = append(cells, r.Key[d])
		}
		c := costCells(r)
		c[1] = roundNumber(gbSeconds(r.MBms), 1)
		fmt.Fprintln(tw, strings.Join(append(cells, c...), "\t")+"\t")
	}
	tw.Flush()
	fmt.Fprintf(w, "total $%s (the bill: each line item rounded to cents; rows are exact shares, rounded for display)\n", res.Total)
}

// writeCostNotes reports what the numbers do not include: implausible
// records, corrected ones and telemetry gaps.
func writeCostNotes(w io.Writer, res *costResult) {
	for _, reason := range slices.Sorted(maps.Keys(res.Implausible)) {
		fmt.Fprintf(w, "not priced: %d records with %s (counted, not priced; see fnops stats)\n", res.Implausible[reason], reason)
	}
	if res.Corrected > 0 {
		fmt.Fprintf(w, "%d records had no Billed Duration; priced from Duration and Init as AWS rounds\n", res.Corrected)
	}
	// A gap shared by many functions is one gap of the telemetry.
	for i := 0; i < len(res.Gaps); {
		j := i
		var fns []string
		for j < len(res.Gaps) && res.Gaps[j].From.Equal(res.Gaps[i].From) && res.Gaps[j].To.Equal(res.Gaps[i].To) {
			fns = append(fns, res.Gaps[j].Function)
			j++
		}
		who := strings.Join(fns, ", ")
		if len(fns) > 3 {
			who = fmt.Sprintf("%d functions (%s, ...)", len(fns), strings.Join(fns[:3], ", "))
		}
		fmt.Fprintf(w, "gap: no telemetry from %s to %s for %s, which had steady traffic around it: cost unknown, not zero\n",
			res.Gaps[i].From.Format(time.RFC3339), res.Gaps[i].To.Format(time.RFC3339), who)
		i = j
	}
	var defaults []string
	for _, name := range slices.Sorted(maps.Keys(res.Functions)) {
		if res.Functions[name].archFrom == "default" {
			defaults = append(defaults, name)
		}
	}
	if len(defaults) > 0 {
		fmt.Fprintf(w, "architecture unknown, priced as x86_64: %s\n", strings.Join(defaults, ", "))
	}
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
