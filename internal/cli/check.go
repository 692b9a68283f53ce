package cli

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/fnops/fnops/internal/app"
	"github.com/spf13/cobra"
)

type checkOptions struct {
	load loadOptions
}

func newCheckCmd(e *env) *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check [DIR]",
		Short: "Review an app: what it is made of, what is wrong with it",
		Long: `Load the app in DIR (default ".") and report, in one review, what fnops
knows about it: the templates and resources found, the event flows between
them, and load problems with their file and line.`,
		Example: `  fnops check examples/shop
  cd my-service && fnops check`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runCheck(e, o, args) },
	}
	o.load.addFlags(cmd.Flags())
	return cmd
}

func runCheck(e *env, o *checkOptions, args []string) error {
	g, failed, err := o.load.load(args, e.stdio.Err)
	if err != nil {
		return err
	}
	writeAppSummary(e.stdio.Out, g)
	if failed {
		return inputError()
	}
	return nil
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
