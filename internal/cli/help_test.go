package cli

import (
	"io"
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
