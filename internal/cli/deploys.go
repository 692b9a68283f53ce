package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/telemetry"
)

// deploysOptions are the flags of `fnops deploys add|list|remove`.
type deploysOptions struct {
	store                               storeOptions
	function, at, label, version, stack string
	since, until, format                string
}

func newDeploysCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "deploys",
		Short: "List, add and remove the deploy markers cost and watch compare around",
		Long: `Deploy markers say when a function changed. fnops ingest records them from
new versions in log stream names and from CloudFormation stack events; add
your own for changes telemetry cannot see (a feature flag, a config change),
with a label such as "feature: checkout-v2". fnops cost --by deploy compares
each function's cost and speed before and after them.`,
		Example: `  fnops deploys list examples/shop --function shop-create-order
  fnops deploys add examples/shop --function shop-create-order --at 2026-11-18T14:05 --label "feature: checkout-v2"
  fnops cost examples/shop --by deploy`,
	}
	cmd.AddCommand(newDeploysAddCmd(e), newDeploysListCmd(e), newDeploysRemoveCmd(e))
	return cmd
}

func (o *deploysOptions) identityFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	o.store.addFlags(f)
	f.StringVar(&o.function, "function", "", "the function's deployed name (\"\" with --stack: the whole stack)")
	f.StringVar(&o.at, "at", "", "when: YYYY-MM-DD, YYYY-MM-DDTHH:MM or RFC 3339, UTC unless the offset says")
	f.StringVar(&o.label, "label", "", `what changed, e.g. "feature: checkout-v2"`)
	f.StringVar(&o.version, "version", "", "the version deployed, if any")
	f.StringVar(&o.stack, "stack", "", "the stack, for a stack-wide deploy")
}

func (o *deploysOptions) deploy() (telemetry.Deploy, error) {
	if o.at == "" {
		return telemetry.Deploy{}, usageError("--at is required")
	}
	if o.function == "" && o.stack == "" {
		return telemetry.Deploy{}, usageError("--function (or --stack for a stack-wide deploy) is required")
	}
	at, err := parseTimeFlag("at", o.at)
	if err != nil {
		return telemetry.Deploy{}, err
	}
	return telemetry.Deploy{Function: o.function, Stack: o.stack, Version: o.version, Time: at, Label: o.label, Source: "manual"}, nil
}

func newDeploysAddCmd(e *env) *cobra.Command {
	o := &deploysOptions{}
	cmd := &cobra.Command{
		Use:     "add [APP]",
		Short:   "Add a deploy marker",
		Example: `  fnops deploys add --function shop-checkout --at 2026-11-18T14:05 --label "feature: checkout-v2"`,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := o.deploy()
			if err != nil {
				return err
			}
			st, _, err := o.store.openApp(cmd.Context(), appDir(args), true)
			if err != nil {
				return err
			}
			defer st.Close()
			res, err := st.AddDeploys(cmd.Context(), d)
			if err != nil {
				return withCode(ExitInternal, err)
			}
			if res.Deploys.Duplicates > 0 {
				fmt.Fprintln(e.stdio.Out, "already recorded:", describeDeploy(d))
				return nil
			}
			fmt.Fprintln(e.stdio.Out, "added:", describeDeploy(d))
			return nil
		},
	}
	o.identityFlags(cmd)
	return cmd
}

func newDeploysRemoveCmd(e *env) *cobra.Command {
	o := &deploysOptions{}
	cmd := &cobra.Command{
		Use:     "remove [APP]",
		Short:   "Remove a deploy marker (the same --function, --at, --label, --version, --stack it was added with)",
		Example: `  fnops deploys remove examples/shop --function shop-create-order --at 2026-11-18T14:05 --label "feature: checkout-v2"`,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := o.deploy()
			if err != nil {
				return err
			}
			st, _, err := o.store.openApp(cmd.Context(), appDir(args), true)
			if err != nil {
				return err
			}
			defer st.Close()
			ok, err := st.RemoveDeploy(cmd.Context(), d)
			if err != nil {
				return withCode(ExitInternal, err)
			}
			if !ok {
				return usageError("no deploy marker %s (fnops deploys list shows them)", describeDeploy(d))
			}
			fmt.Fprintln(e.stdio.Out, "removed:", describeDeploy(d))
			return nil
		},
	}
	o.identityFlags(cmd)
	return cmd
}

// deploysDoc is the versioned JSON of `fnops deploys list --format json`.
type deploysDoc struct {
	Version int         `json:"version"`
	Deploys []deployDoc `json:"deploys"`
}

type deployDoc struct {
	Function string    `json:"function"`
	Stack    string    `json:"stack,omitempty"`
	Version  string    `json:"version,omitempty"`
	Time     time.Time `json:"time"`
	Label    string    `json:"label,omitempty"`
	Source   string    `json:"source"`
}

func newDeploysListCmd(e *env) *cobra.Command {
	o := &deploysOptions{}
	cmd := &cobra.Command{
		Use:   "list [APP]",
		Short: "List deploy markers in time order",
		Example: `  fnops deploys list examples/shop
  fnops deploys list examples/shop --function shop-create-order --since 2026-11-18 --format json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.format != "text" && o.format != "json" {
				return usageError("unknown --format %q: want text or json", o.format)
			}
			from, to, err := parseRange(o.since, o.until)
			if err != nil {
				return err
			}
			st, _, err := o.store.openApp(cmd.Context(), appDir(args), false)
			if err != nil {
				return err
			}
			defer st.Close()
			ds, err := st.Deploys(cmd.Context(), store.DeployQuery{Function: o.function, From: from, To: to})
			if err != nil {
				return withCode(ExitInternal, err)
			}
			doc := deploysDoc{Version: 1, Deploys: []deployDoc{}}
			for _, d := range ds {
				doc.Deploys = append(doc.Deploys, deployDoc{d.Function, d.Stack, d.Version, d.Time.UTC(), d.Label, d.Source})
			}
			if o.format == "json" {
				enc := json.NewEncoder(e.stdio.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(doc)
			}
			if len(ds) == 0 {
				fmt.Fprintln(e.stdio.Out, "no deploy markers")
				return nil
			}
			tw := tabwriter.NewWriter(e.stdio.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "time\tfunction\tversion\tlabel\tsource")
			for _, d := range doc.Deploys {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.Time.Format(time.RFC3339), cmpOr(d.Function, "(stack "+d.Stack+")"), d.Version, d.Label, d.Source)
			}
			return tw.Flush()
		},
	}
	o.store.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&o.function, "function", "", "only this function's (and stack-wide) deploys")
	cmd.Flags().StringVar(&o.since, "since", "", "from this time")
	cmd.Flags().StringVar(&o.until, "until", "", "up to this time, excluded")
	cmd.Flags().StringVarP(&o.format, "format", "f", "text", "output format: text|json")
	return cmd
}

func describeDeploy(d telemetry.Deploy) string {
	s := d.Function
	if s == "" {
		s = "stack " + d.Stack
	}
	s += " at " + d.Time.UTC().Format(time.RFC3339)
	if d.Version != "" {
		s += " version " + d.Version
	}
	if d.Label != "" {
		s += fmt.Sprintf(" %q", d.Label)
	}
	return s
}
