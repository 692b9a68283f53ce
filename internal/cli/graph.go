package cli

import (
	"fmt"
	"strings"

	"github.com/fnops/fnops/internal/report"
	"github.com/spf13/cobra"
)

type graphOptions struct {
	load   loadOptions
	format string
}

func newGraphCmd(e *env) *cobra.Command {
	o := &graphOptions{}
	cmd := &cobra.Command{
		Use:   "graph [PATH...]",
		Short: "Show the app as an event-flow graph of resources and edges",
		Long: `Load the templates under PATH (default ".") and print the application as a
graph: every resource (functions, queues, topics, buckets, tables, streams,
buses, rules, APIs, state machines, roles, ...) and every edge along which
events and data move (triggers, invokes, writes, reads, dead-letter,
on-failure, on-success, subscribes, routes, uses-role).

Templates are recognised by content: CloudFormation YAML/JSON, SAM, CDK
output (cdk.out). Nested stacks are loaded into their parent.`,
		Example: `  fnops graph examples/shop
  fnops graph examples/shop --format dot | dot -Tsvg > shop.svg
  fnops graph . --format mermaid >> ARCHITECTURE.md
  fnops graph cdk.out --format json | jq '.edges[] | select(.kind=="triggers")'`,
		RunE: func(cmd *cobra.Command, args []string) error { return runGraph(e, o, args) },
	}
	cmd.Flags().StringVarP(&o.format, "format", "f", "text", "output format: "+strings.Join(report.GraphFormatNames(), "|"))
	o.load.addFlags(cmd.Flags())
	return cmd
}

func runGraph(e *env, o *graphOptions, paths []string) error {
	write, ok := report.GraphFormats[o.format]
	if !ok {
		return usageError("unknown --format %q: want %s", o.format, strings.Join(report.GraphFormatNames(), ", "))
	}
	// The first path's .fnops.yaml gives params and excludes, as for audit.
	cfg, err := loadConfig(appDir(paths), "")
	if err != nil {
		return err
	}
	o.load.applyConfig(cfg)
	g, failed, err := o.load.load(paths, e.stdio.Err)
	if err != nil {
		return err
	}
	if err := write(e.stdio.Out, g); err != nil {
		return withCode(ExitInternal, fmt.Errorf("write graph: %w", err))
	}
	if failed {
		return inputError()
	}
	return nil
}
