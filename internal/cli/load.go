package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/fnops/fnops/internal/config"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac"
	"github.com/spf13/pflag"
)

// loadOptions are the flags of every command that loads templates.
type loadOptions struct {
	params  []string
	region  string
	account string
	stage   string
	exclude []string
}

func (o *loadOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringArrayVar(&o.params, "param", nil, "override a template parameter: `Key=Value` (repeatable)")
	fs.StringVar(&o.region, "region", "", "AWS region for AWS::Region (default: kept symbolic)")
	fs.StringVar(&o.account, "account", "", "AWS account id for AWS::AccountId (default: kept symbolic)")
	fs.StringVar(&o.stage, "stage", "", "Serverless Framework stage for ${opt:stage} (default: provider.stage, then dev); --param also sets ${param:key}")
	fs.StringArrayVar(&o.exclude, "exclude", nil, "skip paths matching `GLOB` (repeatable; ** spans directories)")
}

// iacOptions validates the flags and turns them into loader options.
func (o *loadOptions) iacOptions() (iac.Options, error) {
	params := make(map[string]string, len(o.params))
	for _, p := range o.params {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return iac.Options{}, usageError("--param %q: want Key=Value", p)
		}
		params[k] = v
	}
	return iac.Options{Params: params, Region: o.region, Account: o.account, Exclude: o.exclude, Stage: o.stage}, nil
}

// load loads the app at paths (default ".") and prints its diagnostics to
// w. It returns the graph and whether any diagnostic is an error (the
// command then exits 2 once its output is written).
func (o *loadOptions) load(paths []string, w io.Writer) (*app.Graph, bool, error) {
	opts, err := o.iacOptions()
	if err != nil {
		return nil, false, err
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	limitMemory()
	g := iac.Load(paths, opts)
	printDiags(w, g.Diags)
	return g, g.HasErrors(), nil
}

// printDiags writes load diagnostics as file:line:column: severity: message,
// the form editors and CI logs link.
func printDiags(w io.Writer, diags []app.Diag) {
	for _, d := range diags {
		fmt.Fprintf(w, "%s: %s: %s\n", d.Pos, d.Severity, d.Message)
	}
}

// inputError is returned after a command's output when some input could
// not be read: exit 2, the details already printed.
func inputError() error { return withCode(ExitInput, nil) }

// applyConfig puts the config file's params and excludes before the
// flags', so flags win.
func (o *loadOptions) applyConfig(cfg *config.Config) {
	for _, k := range sortedMapKeys(cfg.Params) {
		o.params = append([]string{k + "=" + cfg.Params[k]}, o.params...)
	}
	o.exclude = append(slices.Clone(cfg.Exclude), o.exclude...)
}
