package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestGraphServerless loads the Serverless Framework example for two
// stages: dev (the provider.stage default) and prod with a --param
// override, and compares output, diagnostics and exit code with goldens.
func TestGraphServerless(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
	}{
		{"orders-sls-dev", nil},
		{"orders-sls-prod", []string{"--stage", "prod", "--param", "alertEmail=oncall@example.com", "--account", "123456789012"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"graph", "../../examples/orders-sls", "--format", "json"}, c.args...)
			stdout, stderr, code := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var g struct {
				Resources []struct {
					ID, Kind, File string
					Attrs          map[string]any
				}
			}
			if err := json.Unmarshal([]byte(stdout), &g); err != nil {
				t.Fatal(err)
			}
			stage := strings.TrimPrefix(c.name, "orders-sls-")
			found := false
			for _, r := range g.Resources {
				if !strings.HasSuffix(r.File, ".yml") {
					t.Errorf("%s: position %q is not in the service's YAML", r.ID, r.File)
				}
				if r.ID == "S3BucketOrdersinvoices"+stage {
					found = true
				}
			}
			if !found {
				t.Errorf("no bucket S3BucketOrdersinvoices%s for stage %s", stage, stage)
			}
			golden(t, filepath.Join("testdata/graph-golden", c.name+".json"), stdout)
			golden(t, filepath.Join("testdata/graph-golden", c.name+".stderr"), fmt.Sprintf("exit %d\n%s", code, stderr))
		})
	}
}
