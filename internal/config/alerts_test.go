package config

import (
	"strings"
	"testing"
	"time"
)

func TestParseAlerts(t *testing.T) {
	src := `alerts:
  resolve_after: 2
  flap_hold: 1h
  repeat: 4h
  kinds:
    runaway-loop:
      repeat: 10m
  attempts: 3
  backoff: 2s
  sinks:
    - type: slack
      url: ${FNOPS_TEST_SLACK}
      min_severity: critical
    - type: webhook
      url: https://hooks.example.com/fnops
      headers: {Authorization: "Bearer ${FNOPS_TEST_TOKEN}"}
      events: [open, resolve]
      dedupe: 0s
    - type: webhook
      url: http://127.0.0.1:9000/x
    - type: file
    - type: stdout
      name: console
`
	cfg, err := Parse(".fnops.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Alerts
	if *a.ResolveAfter != 2 || *a.FlapHold != time.Hour || *a.Repeat != 4*time.Hour || a.ResolveMin != nil {
		t.Errorf("policy %+v", a.AlertPolicy)
	}
	if *a.Kinds["runaway-loop"].Repeat != 10*time.Minute || a.Kinds["runaway-loop"].FlapHold != nil {
		t.Errorf("kinds %+v", a.Kinds)
	}
	if a.Attempts != 3 || *a.Backoff != 2*time.Second {
		t.Errorf("delivery %+v", a)
	}
	var names []string
	for _, s := range a.Sinks {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, " "); got != "slack webhook webhook-2 file console" {
		t.Errorf("sink names %q", got)
	}
	if a.Sinks[1].Line != 14 || *a.Sinks[1].Dedupe != 0 || a.Sinks[1].Events[1] != "resolve" {
		t.Errorf("sink %+v", a.Sinks[1])
	}
}

func TestParseAlertsErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"unknown key", "alerts:\n  sinks:\n    - type: slack\n      urls: x\n", `.fnops.yaml:4: unknown key "urls"`},
		{"unknown policy key", "alerts:\n  resolve: 3\n", `unknown key "resolve"`},
		{"bad type", "alerts:\n  sinks:\n    - type: pager\n", `.fnops.yaml:3: alerts: sink type "pager"`},
		{"no url", "alerts:\n  sinks:\n    - type: webhook\n", ".fnops.yaml:3: alerts: webhook sink needs a url"},
		{"plain http", "alerts:\n  sinks:\n    - type: webhook\n      url: http://hooks.example.com/x\n", "must be https"},
		{"relative url", "alerts:\n  sinks:\n    - type: slack\n      url: /services/x\n", "not an absolute http(s) URL"},
		{"ftp", "alerts:\n  sinks:\n    - type: slack\n      url: ftp://example.com/x\n", "not an absolute http(s) URL"},
		{"url on stdout", "alerts:\n  sinks:\n    - type: stdout\n      url: https://x.example\n", "a stdout sink has no url"},
		{"format on a webhook", "alerts:\n  sinks:\n    - type: file\n      format: json\n", "only a stdout sink has one"},
		{"bad format", "alerts:\n  sinks:\n    - type: stdout\n      format: yaml\n", `format "yaml"`},
		{"severity", "alerts:\n  sinks:\n    - type: stdout\n      min_severity: high\n", `min_severity "high"`},
		{"event", "alerts:\n  sinks:\n    - type: stdout\n      events: [opened]\n", `event "opened"`},
		{"duplicate names", "alerts:\n  sinks:\n    - type: stdout\n    - type: file\n      name: stdout\n", `.fnops.yaml:4: alerts: two sinks named "stdout" (the other at line 3)`},
		{"negative", "alerts:\n  kinds:\n    oom:\n      dedupe: -1m\n", ".fnops.yaml:2: alerts: kinds.oom: dedupe must not be negative"},
		{"bad duration", "alerts:\n  repeat: often\n", ".fnops.yaml:2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(".fnops.yaml", []byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestExpandEnvAndURL(t *testing.T) {
	t.Setenv("FNOPS_TEST_HOOK", "https://hooks.slack.com/services/T0/B0/x")
	got, err := ExpandEnv("${FNOPS_TEST_HOOK}")
	if err != nil || got != "https://hooks.slack.com/services/T0/B0/x" {
		t.Fatalf("ExpandEnv = %q, %v", got, err)
	}
	if _, err := ExpandEnv("https://x/${FNOPS_TEST_UNSET_VAR}"); err == nil || !strings.Contains(err.Error(), "FNOPS_TEST_UNSET_VAR") {
		t.Fatalf("unset variable: %v", err)
	}
	for u, ok := range map[string]bool{
		"https://hooks.slack.com/services/a": true, "http://localhost:8080/x": true, "http://127.0.0.1/x": true,
		"http://[::1]:9/x": true, "http://10.0.0.1/x": false, "https:///x": false, "hooks.slack.com/x": false,
	} {
		if err := CheckSinkURL(u); (err == nil) != ok {
			t.Errorf("CheckSinkURL(%q) = %v, want ok %v", u, err, ok)
		}
	}
}
