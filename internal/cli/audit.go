package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/config"
	"github.com/fnops/fnops/internal/report"
	"github.com/fnops/fnops/internal/rules"
)

type auditOptions struct {
	load            loadOptions
	format          string
	output          string
	failOn          string
	rules           []string
	skip            []string
	baseline        string
	writeBaseline   string
	config          string
	includeDisabled bool
}

func newAuditCmd(e *env) *cobra.Command {
	o := &auditOptions{}
	cmd := &cobra.Command{
		Use:   "audit [PATH...]",
		Short: "Check templates against the rules: standards as code, for CI",
		Long: `Load the templates under PATH (default ".") and run every enabled rule over
the app: built-in rules (see "fnops rules") and the team's own CEL rules
from .fnops.yaml. Each finding points at a file and line.

Suppressions: a "# fnops:ignore RULE -- reason" comment on or above a
resource or line, Metadata "fnops: {ignore: [{rule, reason}]}", entries in
.fnops.yaml, and the suppressions written for checkov, cfn-lint, cdk-nag,
cfn_nag, cfn-guard and KICS (matched through each rule's aliases).

.fnops.yaml is read from the first PATH (or --config). Exit status: 0 clean,
1 a finding at or above --fail-on, 2 bad usage or unreadable input (after
the report is written), 3 a rule failed internally.`,
		Example: `  fnops audit
  fnops audit examples/shop -o fnops.sarif           # format from the extension
  fnops audit . --fail-on warning --skip-rule function-tracing
  fnops audit . --rule CKV_AWS_27 --rule log-group-retention  # ids or other tools' ids
  fnops audit . --write-baseline .fnops-baseline.json # accept today's findings
  fnops audit . --baseline .fnops-baseline.json       # fail only on new ones`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("fail-on") {
				o.failOn = ""
			}
			if !cmd.Flags().Changed("format") {
				o.format = formatFor(o.output)
			}
			return runAudit(e, o, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.format, "format", "f", "text", "output format: "+strings.Join(report.Formats(), "|"))
	f.StringVarP(&o.output, "output", "o", "", "write the report to `FILE` instead of standard output (.sarif, .json, .xml and .md imply --format)")
	f.StringVar(&o.failOn, "fail-on", "error", "exit 1 on an unsuppressed finding at or above this severity: error|warning|info|none")
	f.StringArrayVar(&o.rules, "rule", nil, "run only this rule (`ID`, alias such as CKV_AWS_27, or glob; repeatable)")
	f.StringArrayVar(&o.skip, "skip-rule", nil, "do not run this rule (`ID`, alias or glob; repeatable)")
	f.StringVar(&o.baseline, "baseline", "", "accept the findings recorded in `FILE`; only new ones fail")
	f.StringVar(&o.writeBaseline, "write-baseline", "", "record the current findings in `FILE` as accepted")
	f.StringVar(&o.config, "config", "", "read settings from `FILE` instead of PATH/.fnops.yaml")
	f.BoolVar(&o.includeDisabled, "include-disabled", false, "also audit resources whose Condition is false")
	o.load.addFlags(f)
	return cmd
}

func runAudit(e *env, o *auditOptions, paths []string) error {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	setup, err := prepareAudit(paths[0], o.config, o.rules, o.skip)
	if err != nil {
		return err
	}
	cfg := setup.cfg
	failOn := cmpOr(o.failOn, cfg.Audit.FailOn, "error")
	threshold, ok := app.ParseSeverity(failOn)
	if !ok && failOn != "none" {
		return usageError("--fail-on %q: want error, warning, info or none", failOn)
	}
	toTerminal := o.output == "" && IsTerminal(e.stdio.Out)
	w, err := report.Get(o.format, report.Options{Color: toTerminal})
	if err != nil {
		return usageError("unknown --format %q: want %s", o.format, strings.Join(report.Formats(), ", "))
	}
	accepted, err := readBaseline(o.baseline)
	if err != nil {
		return withCode(ExitInput, err)
	}

	o.load.applyConfig(cfg)
	g, loadFailed, err := o.load.load(paths, e.stdio.Err)
	if err != nil {
		return err
	}

	rep := setup.audit(g, paths[0], o.includeDisabled)
	rep.Diags = g.Diags
	findings := rep.Findings
	if o.writeBaseline != "" {
		if err := writeBaselineFile(o.writeBaseline, findings); err != nil {
			return withCode(ExitInput, err)
		}
		accepted = make(map[string]bool)
		for _, f := range findings {
			if f.Suppressed == nil {
				accepted[f.Fingerprint] = true
			}
		}
		fmt.Fprintf(e.stdio.Err, "fnops: wrote %d findings to baseline %s\n", len(accepted), o.writeBaseline)
	}
	if o.baseline != "" || o.writeBaseline != "" {
		rules.ApplyBaseline(findings, accepted, cmpOr(o.writeBaseline, o.baseline))
	}

	if err := writeReport(e.stdio.Out, o.output, w, rep); err != nil {
		return withCode(ExitInternal, err)
	}

	internal, failing := false, false
	for _, f := range findings {
		internal = internal || (f.Rule == rules.InternalErrorID && f.Suppressed == nil)
		failing = failing || f.Failing(threshold)
	}
	switch {
	case internal:
		return withCode(ExitInternal, errors.New("a rule failed to run; see the internal-error findings"))
	case loadFailed:
		return inputError()
	case failing:
		return withCode(ExitFindings, nil)
	}
	return nil
}

// auditSetup is an audit ready to run: configuration read, custom rules
// compiled, rules selected. fnops audit and fnops check share it.
type auditSetup struct {
	cfg     *config.Config
	cfgPath string
	reg     *rules.Registry
	run     []*rules.Rule
}

// prepareAudit reads the configuration (cfgFlag, else root's .fnops.yaml)
// and selects the rules: all enabled ones, or only (ids, aliases, globs),
// minus skip. Errors are usage errors (exit 2) that name the file and line.
func prepareAudit(root, cfgFlag string, only, skip []string) (*auditSetup, error) {
	cfg, err := loadConfig(root, cfgFlag)
	if err != nil {
		return nil, err
	}
	s := &auditSetup{cfg: cfg, cfgPath: cmpOr(cfgFlag, cfg.File)}
	s.reg = rules.Builtin()
	sel, err := s.reg.Configure(s.cfg.Audit, s.cfgPath)
	if err != nil {
		return nil, withCode(ExitInput, err)
	}
	sel.Only, sel.Skip = only, skip
	if s.run, err = s.reg.Select(sel); err != nil {
		return nil, withCode(ExitInput, err)
	}
	return s, nil
}

// audit runs the selected rules over g, loaded from root (the first PATH),
// and returns the report: findings fingerprinted relative to root and
// shown relative to the working directory.
func (s *auditSetup) audit(g *app.Graph, root string, includeDisabled bool) *report.Report {
	eng := &rules.Engine{
		Registry: s.reg, Rules: s.run, Suppressions: s.cfg.Audit.Suppressions,
		ConfigFile: s.cfgPath, IncludeDisabled: includeDisabled,
	}
	findings := eng.Run(g)
	relocate(findings, appRoot(root))
	rep := &report.Report{Tool: "fnops", Version: Version, Findings: findings, Rules: s.run}
	for _, r := range g.Resources {
		if includeDisabled || !r.Disabled {
			rep.Resources++
		}
	}
	return rep
}

// formatFor picks the format an --output file's extension implies, text
// when none does: "-o fnops.sarif" needs no --format.
func formatFor(output string) string {
	switch strings.ToLower(filepath.Ext(output)) {
	case ".sarif":
		return "sarif"
	case ".json":
		return "json"
	case ".xml":
		return "junit"
	case ".md":
		return "markdown"
	}
	return "text"
}

// writeReport renders to the --output file, or to out.
func writeReport(out io.Writer, file string, w report.Writer, rep *report.Report) error {
	if file == "" {
		return w.Write(out, rep)
	}
	f, err := os.Create(file)
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := w.Write(f, rep); err != nil {
		f.Close()
		return fmt.Errorf("write report %s: %w", file, err)
	}
	return f.Close()
}

// appRoot is the directory the first PATH names: fingerprints are taken
// relative to it, so a baseline holds wherever the command is run from.
func appRoot(p string) string {
	if info, err := os.Stat(p); err == nil && !info.IsDir() {
		return filepath.Dir(p)
	}
	return p
}

// relocate fingerprints findings on paths relative to the app root, then
// shows them relative to the working directory (forward slashes), the
// form editors, CI annotations and SARIF viewers resolve.
func relocate(fs []rules.Finding, root string) {
	absRoot, _ := filepath.Abs(root)
	cwd, _ := os.Getwd()
	rel := func(base, file string) string {
		if file == "" {
			return ""
		}
		abs, err := filepath.Abs(file)
		if err != nil {
			return filepath.ToSlash(file)
		}
		if r, err := filepath.Rel(base, abs); err == nil {
			return filepath.ToSlash(r)
		}
		return filepath.ToSlash(abs)
	}
	display := make(map[string]string)
	for i := range fs {
		f := &fs[i]
		if f.Pos.File != "" {
			display[rel(absRoot, f.Pos.File)] = rel(cwd, f.Pos.File)
			f.Pos.File = rel(absRoot, f.Pos.File)
		}
		if f.Suppressed != nil && f.Suppressed.Pos.File != "" {
			f.Suppressed.Pos.File = rel(cwd, f.Suppressed.Pos.File)
		}
	}
	rules.Sort(fs)
	for i := range fs {
		if d, ok := display[fs[i].Pos.File]; ok {
			fs[i].Pos.File = d
		}
	}
	slices.SortStableFunc(fs, rules.Compare)
}

// baselineFile is the --baseline format: the fingerprints of accepted
// findings, with rule, resource and file so a reviewer can read it.
type baselineFile struct {
	Version  int             `json:"version"`
	Findings []baselineEntry `json:"findings"`
}

type baselineEntry struct {
	Fingerprint string `json:"fingerprint"`
	Rule        string `json:"rule"`
	Resource    string `json:"resource,omitempty"`
	File        string `json:"file,omitempty"`
}

func readBaseline(file string) (map[string]bool, error) {
	if file == "" {
		return nil, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read baseline: %w", err)
	}
	var b baselineFile
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("read baseline %s: %w", file, err)
	}
	if b.Version != 1 {
		return nil, fmt.Errorf("read baseline %s: version %d is not supported (1 is)", file, b.Version)
	}
	out := make(map[string]bool, len(b.Findings))
	for _, e := range b.Findings {
		out[e.Fingerprint] = true
	}
	return out, nil
}

// writeBaselineFile records every finding not suppressed in the source or
// config (baseline-accepted ones included), in report order.
func writeBaselineFile(file string, fs []rules.Finding) error {
	b := baselineFile{Version: 1, Findings: []baselineEntry{}}
	for _, f := range fs {
		if f.Suppressed != nil && f.Suppressed.Kind != "baseline" {
			continue
		}
		b.Findings = append(b.Findings, baselineEntry{Fingerprint: f.Fingerprint, Rule: f.Rule, Resource: f.Resource, File: f.Pos.File})
	}
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(file, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write baseline: %w", err)
	}
	return nil
}

func cmpOr(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func sortedMapKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
