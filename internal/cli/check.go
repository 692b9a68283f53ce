package cli

import (
	"cmp"
	"context"
	"fmt"
	"github.com/fnops/fnops/internal/config"
	"github.com/fnops/fnops/internal/report"
	"github.com/fnops/fnops/internal/store"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fnops/fnops/internal/app"
	"github.com/spf13/cobra"
)

type checkOptions struct {
	load       loadOptions
	store      storeOptions
	config     string
	failOn     string
	thresholds config.Thresholds
}

func newCheckCmd(e *env) *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check [DIR]",
		Short: "Review an app: what it is made of, what is wrong with it",
		Long: `Load the app in DIR (default ".") and report, in one review, what fnops
knows about it: the templates and resources found, the event flows between
them, and load problems with their file and line; the audit (standards and
security rules, grouped by category); and, when the store holds telemetry,
the runtime of each function. Telemetry paths listed under store.telemetry
in .fnops.yaml are ingested first.`,
		Example: `  fnops check examples/shop
  cd my-service && fnops check`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runCheck(e, o, args) },
	}
	o.load.addFlags(cmd.Flags())
	o.store.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&o.config, "config", "", "read settings from `FILE` instead of DIR/.fnops.yaml")
	cmd.Flags().StringVar(&o.failOn, "fail-on", "", "exit 1 on an unsuppressed finding at or above this severity: error|warning|info|none (default: the config's audit.fail_on, else error)")
	return cmd
}

func runCheck(e *env, o *checkOptions, args []string) error {
	root := "."
	if len(args) > 0 {
		root = args[0]
	}
	setup, err := prepareAudit(root, o.config, nil, nil)
	if err != nil {
		return err
	}
	cfg := setup.cfg
	failOn := cmpOr(o.failOn, cfg.Audit.FailOn, "error")
	threshold, ok := app.ParseSeverity(failOn)
	if !ok && failOn != "none" {
		return usageError("--fail-on %q: want error, warning, info or none", failOn)
	}
	o.load.applyConfig(cfg)
	o.thresholds = cfg.Thresholds
	g, failed, err := o.load.load([]string{root}, e.stdio.Err)
	if err != nil {
		return err
	}
	out := e.stdio.Out
	writeAppSummary(out, g)

	fmt.Fprintln(out, "\nAudit")
	rep := setup.audit(g, root, false)
	rep.Diags = g.Diags
	w, _ := report.Get("text", report.Options{Color: IsTerminal(out)})
	if err := w.Write(out, rep); err != nil {
		return withCode(ExitInternal, err)
	}
	failing := false
	for _, f := range rep.Findings {
		failing = failing || f.Failing(threshold)
	}

	fmt.Fprintln(out, "\nRuntime")
	if o.store.path == "" && o.store.app == "" && cfg.Store.Path != "" {
		o.store.path = filepath.Join(root, cfg.Store.Path)
	}
	if err := checkRuntime(e, o, root, cfg.Store.Telemetry, g); err != nil {
		return err
	}
	if err := checkCost(e, o, root, cfg, g); err != nil {
		return err
	}
	switch {
	case failed:
		return inputError()
	case failing:
		return withCode(ExitFindings, nil)
	}
	return nil
}

// checkRuntime ingests the configured telemetry and prints the per-function
// runtime summary from the store.
func checkRuntime(e *env, o *checkOptions, root string, telemetryPaths []string, g *app.Graph) error {
	out := e.stdio.Out
	path := o.store.storePath(root)
	if _, err := os.Stat(path); err != nil && len(telemetryPaths) == 0 {
		fmt.Fprintf(out, "  no telemetry yet: fnops ingest LOGS (or fnops simulate %s --out DIR, then ingest DIR)\n", root)
		fmt.Fprintln(out, "\nReliability\n  no telemetry: nothing can be judged (which is not all clear)")
		return nil
	}
	ctx := context.Background()
	st, _, err := o.store.open(ctx, root)
	if err != nil {
		return err
	}
	defer st.Close()
	if len(telemetryPaths) > 0 {
		var inputs []string
		for _, p := range telemetryPaths {
			inputs = append(inputs, filepath.Join(root, p))
		}
		files, _, err := ingestInputs(inputs)
		if err != nil {
			return withCode(ExitInput, fmt.Errorf("store.telemetry: %w", err))
		}
		list := make([]ingestInput, len(files))
		for i, f := range files {
			list[i] = ingestInput{path: f}
		}
		_, res, err := ingestFiles(ctx, st, list, defaultIngestBatch, nil, nil)
		if err != nil {
			return err
		}
		if res.Invocations.New > 0 {
			fmt.Fprintf(out, "  ingested %d new invocations from %s\n", res.Invocations.New, strings.Join(telemetryPaths, ", "))
		}
	}
	doc, err := collectStats(ctx, st, store.Filter{}, g)
	if err != nil {
		return withCode(ExitInternal, err)
	}
	writeStatsText(out, doc)
	return checkReliability(ctx, out, st, g, o.thresholds, time.Now())
}

// writeAppSummary prints the "App" section of check: templates, resources
// by kind, and the event flows.
func writeAppSummary(w io.Writer, g *app.Graph) {
	counts := make(map[app.Kind]int)
	implicit := 0
	for _, r := range g.Resources {
		counts[r.Kind]++
		if r.Implicit {
			implicit++
		}
	}
	fmt.Fprintf(w, "App\n  %d template files, %d resources (%d created by transforms), %d edges\n",
		len(g.Files), len(g.Resources), implicit, len(g.Edges))
	kinds := make([]app.Kind, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	slices.SortFunc(kinds, func(a, b app.Kind) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b))
	})
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, "  %s\n", strings.Join(parts, ", "))
	}
	flows := make(map[app.EdgeKind]int)
	for _, e := range g.Edges {
		flows[e.Kind]++
	}
	var fparts []string
	for _, k := range []app.EdgeKind{app.Triggers, app.Subscribes, app.Invokes, app.Writes, app.Reads, app.DeadLetter, app.OnFailure, app.OnSuccess, app.Routes, app.UsesRole} {
		if flows[k] > 0 {
			fparts = append(fparts, fmt.Sprintf("%d %s", flows[k], k))
		}
	}
	if len(fparts) > 0 {
		fmt.Fprintf(w, "  flows: %s\n", strings.Join(fparts, ", "))
	}
	errs, warns := 0, 0
	for _, d := range g.Diags {
		switch d.Severity {
		case app.SevError:
			errs++
		case app.SevWarning:
			warns++
		}
	}
	if errs+warns > 0 {
		fmt.Fprintf(w, "  load problems: %d errors, %d warnings (listed on stderr)\n", errs, warns)
	}
}
