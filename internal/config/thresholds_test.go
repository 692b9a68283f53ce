package config

import (
	"strings"
	"testing"
	"time"
)

func TestThresholds(t *testing.T) {
	src := `thresholds:
  interval: 1m
  disable: [cold-starts]
  error-rate: {warning: 0.02, critical: 0.2, window: 30m}
  functions:
    NightlyReportFunction:
      disable: [near-timeout]
      duration-regression: {warning: 3, min_invocations: 10}
`
	cfg, err := Parse(".fnops.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	th := cfg.Thresholds
	if th.Interval != time.Minute || th.Disable[0] != "cold-starts" {
		t.Errorf("interval/disable: %+v", th)
	}
	if l := th.ErrorRate; l == nil || *l.Warning != 0.02 || *l.Critical != 0.2 || *l.Window != 30*time.Minute || l.Info != nil {
		t.Errorf("error-rate: %+v", l)
	}
	f := th.Functions["NightlyReportFunction"]
	if f.Disable[0] != "near-timeout" || *f.DurationRegression.Warning != 3 || *f.DurationRegression.MinInvocations != 10 {
		t.Errorf("function overrides: %+v", f)
	}
	_, err = Parse(".fnops.yaml", []byte("thresholds:\n  error-rate: {warn: 0.02}\n"))
	if err == nil || !strings.Contains(err.Error(), ".fnops.yaml:2") || !strings.Contains(err.Error(), "warn") {
		t.Errorf("misspelt key: %v", err)
	}
	if _, err := Parse(".fnops.yaml", []byte("thresholds:\n  eror-rate: {warning: 1}\n")); err == nil {
		t.Error("an unknown kind was accepted")
	}
}

// TestThresholdsWhere: a key path is located at its own line, or at its
// nearest written parent's; thresholds not read from a file have none.
func TestThresholdsWhere(t *testing.T) {
	cfg, err := Parse("a.yaml", []byte("version: 1\nthresholds:\n  disable: [x, y]\n  functions:\n    Fn:\n      timeout: {warning: 2}\n"))
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"thresholds.disable[1]":                 "a.yaml:3",
		"thresholds.functions.Fn.timeout.grace": "a.yaml:6",
		"thresholds.functions.Other.timeout":    "a.yaml:4",
		"thresholds.interval":                   "a.yaml:2",
	} {
		if got := cfg.Thresholds.Where(path); got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
	var zero Thresholds
	if got := zero.Where("thresholds.interval"); got != "" {
		t.Errorf("not from a file: %q", got)
	}
}
