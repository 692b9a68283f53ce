package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Thresholds is the `thresholds:` section: the runtime detectors' settings
// (fnops watch and the Reliability section of fnops check). Every field is
// optional; internal/detect supplies the defaults (docs/alerts.md lists
// them) and rejects kind ids it does not know.
//
//	thresholds:
//	  interval: 5m
//	  disable: [cold-starts]
//	  error-rate: {warning: 0.02, critical: 0.2}
//	  functions:
//	    NightlyReportFunction:
//	      disable: [near-timeout]
//	      duration-regression: {warning: 3}
type Thresholds struct {
	// Interval is the evaluation step (default 5m): insights are judged on
	// buckets of this width, and continuous mode evaluates this often.
	Interval time.Duration `yaml:"interval"`
	// Lookback is how far back an insight that has ended is still reported,
	// as resolved (default 24h).
	Lookback time.Duration `yaml:"lookback"`
	// Region prices impacts when the graph does not say (default us-east-1).
	Region string `yaml:"region"`
	// Disable lists detector kinds that never run.
	Disable []string `yaml:"disable"`
	// Limits set per kind apply to every function.
	Limits `yaml:",inline"`
	// Functions override Limits and Disable per function, by logical id
	// or function name.
	Functions map[string]FunctionThresholds `yaml:"functions"`

	// file and lines locate the section's keys for error messages:
	// lines maps a key path ("thresholds.functions.Fn.timeout.window",
	// "thresholds.disable[1]") to its line in file. Parse fills them.
	file  string
	lines map[string]int
}

// Where is "file:line" of the key path (or of its nearest written
// parent) for error messages; the file alone when the line is not
// known, and "" when the thresholds were not read from a file.
func (t *Thresholds) Where(path string) string {
	for p := path; p != ""; {
		if line := t.lines[p]; line > 0 {
			return t.file + ":" + strconv.Itoa(line)
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return t.file
}

// locateThresholds records where the thresholds: section's keys are.
func (t *Thresholds) locate(file string, root *yaml.Node) {
	t.file = file
	doc := docRoot(root)
	if doc == nil || doc.Kind != yaml.MappingNode {
		return
	}
	t.lines = map[string]int{}
	var walk func(path string, line int, n *yaml.Node)
	walk = func(path string, line int, n *yaml.Node) {
		t.lines[path] = line
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(path+"."+n.Content[i].Value, n.Content[i].Line, n.Content[i+1])
			}
		case yaml.SequenceNode:
			for i, item := range n.Content {
				walk(fmt.Sprintf("%s[%d]", path, i), item.Line, item)
			}
		}
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if k := doc.Content[i]; k.Value == "thresholds" {
			walk("thresholds", k.Line, doc.Content[i+1])
		}
	}
}

// FunctionThresholds are one function's overrides.
type FunctionThresholds struct {
	Disable []string `yaml:"disable"`
	Limits  `yaml:",inline"`
}

// Limits holds one optional Limit per detector kind. What Warning and
// Critical measure depends on the kind (a fraction of invocations, a
// multiple of a baseline, seconds); docs/alerts.md says which.
type Limits struct {
	ErrorRate             *Limit `yaml:"error-rate"`
	NewError              *Limit `yaml:"new-error"`
	Timeout               *Limit `yaml:"timeout"`
	NearTimeout           *Limit `yaml:"near-timeout"`
	DurationRegression    *Limit `yaml:"duration-regression"`
	OOM                   *Limit `yaml:"oom"`
	HighMemory            *Limit `yaml:"high-memory"`
	MemoryOverprovisioned *Limit `yaml:"memory-overprovisioned"`
	ColdStarts            *Limit `yaml:"cold-starts"`
	Throttles             *Limit `yaml:"throttles"`
	InvocationSurge       *Limit `yaml:"invocation-surge"`
	RunawayLoop           *Limit `yaml:"runaway-loop"`
	StuckQueue            *Limit `yaml:"stuck-queue"`
	DLQMessages           *Limit `yaml:"dlq-messages"`
	IteratorAge           *Limit `yaml:"iterator-age"`
	ScheduleMissed        *Limit `yaml:"schedule-missed"`
	ScheduleOverrun       *Limit `yaml:"schedule-overrun"`
	CostJump              *Limit `yaml:"cost-jump"`
}

// Limit tunes one detector. Unset fields keep the detector's default.
type Limit struct {
	// Info, Warning and Critical are the levels at which the insight has
	// that severity; a detector uses the ones its kind documents.
	Info     *float64 `yaml:"info"`
	Warning  *float64 `yaml:"warning"`
	Critical *float64 `yaml:"critical"`
	// MinInvocations is the fewest invocations in a window for a rate or a
	// statistic to be judged.
	MinInvocations *int64 `yaml:"min_invocations"`
	// MinCount is the fewest events (errors, timeouts, occurrences) in a
	// window for a rate to be judged, so one error among 20 invocations is
	// not a 5% error rate.
	MinCount *int64 `yaml:"min_count"`
	// Window is the span a rate or statistic is computed over.
	Window *time.Duration `yaml:"window"`
	// Baseline is the span a baseline is taken from (regression, surge,
	// new error, cost jump).
	Baseline *time.Duration `yaml:"baseline"`
	// Grace is how late a scheduled run may be before it counts as missed.
	Grace *time.Duration `yaml:"grace"`
}
