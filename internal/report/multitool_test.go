package report

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestSARIFMultitool runs the SARIF SDK's own validator (npm
// @microsoft/sarif-multitool-linux, offline), which checks more than the
// schema: URI syntax, rule metadata, version strings. It needs the tool:
// FNOPS_SARIF_MULTITOOL names its Sarif.Multitool binary, or
// sarif-multitool is on PATH.
func TestSARIFMultitool(t *testing.T) {
	tool := os.Getenv("FNOPS_SARIF_MULTITOOL")
	if tool == "" {
		for _, name := range []string{"sarif-multitool", "sarif-multitool-linux"} {
			if p, err := exec.LookPath(name); err == nil {
				tool = p
				break
			}
		}
	}
	if tool == "" {
		t.Skip("SARIF multitool not found (set FNOPS_SARIF_MULTITOOL to the Sarif.Multitool binary of npm @microsoft/sarif-multitool-linux); the schema test still ran")
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "fnops.sarif"), filepath.Join(dir, "validation.sarif")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := Get("sarif", Options{})
	if err := w.Write(f, sample()); err != nil {
		t.Fatal(err)
	}
	f.Close()
	cmd := exec.Command(tool, "validate", in, "--level", "Error;Warning", "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s validate: %v\n%s", tool, err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID  string `json:"ruleId"`
				Level   string `json:"level"`
				Message struct {
					Text string `json:"text"`
				} `json:"message"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	for _, run := range log.Runs {
		for _, r := range run.Results {
			// A result without a level is a warning (SARIF 3.27.10).
			t.Errorf("%s (%s): %s", r.RuleID, r.Level, r.Message.Text)
		}
	}
}
