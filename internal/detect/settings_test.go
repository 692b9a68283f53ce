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
