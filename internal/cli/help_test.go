package cli

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestHelpHasExamples: every command's --help shows examples next to its
// flags (STYLE.md, after vegeta), so a newcomer sees a working line.
func TestHelpHasExamples(t *testing.T) {
	root := newRootCmd(&env{stdio: Stdio{Out: io.Discard, Err: io.Discard}})
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Hidden || sub.Name() == "help" || sub.Name() == "version" || sub.Name() == "completion" {
				continue
			}
			if sub.Example == "" {
				t.Errorf("%s --help has no examples", sub.CommandPath())
			}
			walk(sub)
		}
	}
	walk(root)
}

// TestPanicIsInternalFailure: a bug that panics exits 3 with one line, no
// Go stack.
func TestPanicIsInternalFailure(t *testing.T) {
	var errb strings.Builder
	root := &cobra.Command{Use: "fnops", SilenceErrors: true, SilenceUsage: true}
	root.AddCommand(&cobra.Command{Use: "boom", RunE: func(*cobra.Command, []string) error { panic("nil map") }})
	code := execute(context.Background(), root, []string{"boom"}, Stdio{In: strings.NewReader(""), Out: io.Discard, Err: &errb})
	if code != ExitInternal {
		t.Errorf("exit %d, want %d", code, ExitInternal)
	}
	if got := errb.String(); !strings.Contains(got, "internal error: nil map") || strings.Contains(got, "goroutine") {
		t.Errorf("stderr = %q", got)
	}
}
