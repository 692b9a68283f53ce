package detect

import (
	"strings"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/config"
)

func ptr[T any](v T) *T { return &v }

func TestSettings(t *testing.T) {
	cfg := config.Thresholds{
		Disable: []string{KindColdStarts},
		Limits:  config.Limits{ErrorRate: &config.Limit{Warning: ptr(0.05)}},
		Functions: map[string]config.FunctionThresholds{
			"Fn": {Disable: []string{KindOOM}, Limits: config.Limits{ErrorRate: &config.Limit{Critical: ptr(0.5), Window: ptr(time.Hour)}}},
		},
	}
	s, err := NewSettings(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.Enabled(KindColdStarts, "Other") || !s.Enabled(KindOOM, "Other") || s.Enabled(KindOOM, "Fn", "fn-name") {
		t.Error("disable lists not applied")
	}
	l := s.Limit(KindErrorRate, "Other")
	if l.Warning != 0.05 || l.Critical != 0.10 || l.Window != 15*time.Minute || l.MinInvocations != 20 {
		t.Errorf("global override: %+v", l)
	}
	l = s.Limit(KindErrorRate, "Fn")
	if l.Warning != 0.05 || l.Critical != 0.5 || l.Window != time.Hour {
		t.Errorf("function override: %+v", l)
	}
	if sev := l.severity(0.2); sev != Warning {
		t.Errorf("0.2 against warning 0.05, critical 0.5: %s", sev)
	}
	for _, bad := range []config.Thresholds{
		{Disable: []string{"no-such-kind"}},
		{Interval: 90 * time.Second},
		{Functions: map[string]config.FunctionThresholds{"Fn": {Limits: config.Limits{Timeout: &config.Limit{Window: ptr(30 * time.Second)}}}}},
	} {
		if _, err := NewSettings(bad); err == nil || !strings.Contains(err.Error(), "thresholds") {
			t.Errorf("%+v: error %v", bad, err)
		}
	}
	// Every kind has a default the docs can list.
	for _, k := range Kinds {
		if k.Title == "" || k.Units == "" || isNaN(k.Default.threshold()) {
			t.Errorf("kind %s lacks a title, units or a level", k.ID)
		}
	}
}

// TestSettingsErrorLines: a thresholds: problem names the file, the line
// it is written on and the key path, one error per problem.
func TestSettingsErrorLines(t *testing.T) {
	const doc = `version: 1
thresholds:
  interval: 90s
  disable: [cold-starts, error-rates]
  functions:
    Fn:
      timeout:
        warning: 2
        window: 30s
      memory-overprovisioned: {baseline: 90s}
      error-rate: {warning: -0.1, min_count: -1}
`
	cfg, err := config.Parse("app/.fnops.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewSettings(cfg.Thresholds)
	if err == nil {
		t.Fatal("no error")
	}
	want := []string{
		"app/.fnops.yaml:3: thresholds.interval: 1m30s: want a whole number of minutes",
		`app/.fnops.yaml:4: thresholds.disable[1]: unknown kind "error-rates"`,
		"app/.fnops.yaml:11: thresholds.functions.Fn.error-rate.warning: -0.1: want a number of zero or more",
		"app/.fnops.yaml:11: thresholds.functions.Fn.error-rate.min_count: -1: want zero or more",
		"app/.fnops.yaml:10: thresholds.functions.Fn.memory-overprovisioned.baseline: 1m30s: want a whole number of minutes",
		"app/.fnops.yaml:9: thresholds.functions.Fn.timeout.window: 30s: want a whole number of minutes",
	}
	if got := strings.Split(err.Error(), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", err, strings.Join(want, "\n"))
	}
	// Thresholds not read from a file still name the key path.
	_, err = NewSettings(config.Thresholds{Disable: []string{"nope"}})
	if err == nil || err.Error() != `thresholds.disable[0]: unknown kind "nope"` {
		t.Errorf("without a file: %v", err)
	}
}
