package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Exit codes, as documented in DESIGN.md.
const (
	ExitOK       = 0 // clean
	ExitFindings = 1 // findings at or above --fail-on
	ExitInput    = 2 // bad usage or unreadable input
	ExitInternal = 3 // internal failure
)

// Version is set at build time with -ldflags "-X github.com/fnops/fnops/internal/cli.Version=...".
var Version = "dev"

// Stdio is the process's standard streams, injected so commands can be
// tested without touching the real ones.
type Stdio struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// IsTerminal reports whether w is a terminal (for colour, alignment and
// progress bars); pipes and files get stable plain text.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// exitError carries an exit code chosen by a command through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// withCode wraps err so that Main exits with code. A nil err with a code
// means "exit quietly with this code" (findings were already printed).
func withCode(code int, err error) error { return &exitError{code: code, err: err} }

// usageError marks bad usage: exit 2.
func usageError(format string, args ...any) error {
	return withCode(ExitInput, fmt.Errorf(format, args...))
}

// env is what every command gets: streams, logger, clock-free context.
type env struct {
	stdio  Stdio
	logger *slog.Logger
}

// Main runs the fnops command line and returns the process exit code.
func Main(ctx context.Context, args []string, stdio Stdio) int {
	e := &env{stdio: stdio, logger: slog.New(slog.NewTextHandler(stdio.Err, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	root := newRootCmd(e)
	root.SetArgs(args)
	root.SetIn(stdio.In)
	root.SetOut(stdio.Out)
	root.SetErr(stdio.Err)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stdio.Err, "fnops:", ee.err)
		}
		return ee.code
	}
	// cobra's own errors (unknown flag, wrong argument count) are usage
	// errors.
	fmt.Fprintln(stdio.Err, "fnops:", err)
	return ExitInput
}

func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "fnops",
		Short: "The operations toolkit for serverless applications on AWS",
		Long: `fnops does the operations job for serverless applications on AWS Lambda and
the services around it: before deploy from the templates (graph, audit), after
deploy from the platform's telemetry (ingest, cost, watch).

Every command works on an app directory (default "."): its templates give the
model, its .fnops.yaml the settings, .fnops/fnops.duckdb the default store.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.CompletionOptions.HiddenDefaultCmd = true
	for _, add := range commands {
		root.AddCommand(add(e))
	}
	return root
}

// commands lists every verb's constructor; each verb's file adds its own
// entry, so adding a verb touches only its own file and this list.
var commands = []func(*env) *cobra.Command{
	newVersionCmd,
	newCostCmd,
	newGraphCmd,
	newCheckCmd,
	newSimulateCmd,
	newIngestCmd,
	newStatsCmd,
	newAuditCmd,
	newRulesCmd,
	newWatchCmd,
	newDeploysCmd,
}
