package notify

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/config"
)

func TestFromConfig(t *testing.T) {
	t.Setenv("FNOPS_TEST_SLACK", "https://hooks.slack.com/services/T0/B0/secret")
	t.Setenv("FNOPS_TEST_TOKEN", "tok")
	src := `alerts:
  flap_hold: 1h
  kinds:
    oom: {resolve_after: 1}
  sinks:
    - type: slack
      url: ${FNOPS_TEST_SLACK}
      min_severity: critical
    - type: webhook
      url: https://hooks.example.com/x
      headers: {Authorization: "Bearer ${FNOPS_TEST_TOKEN}"}
      events: [open]
    - type: file
      path: out/alerts.jsonl
`
	cfg, err := config.Parse(".fnops.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	opts, err := FromConfig(cfg.Alerts, dir, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if opts.StatePath != filepath.Join(dir, ".fnops/alerts.json") || opts.App != filepath.Base(dir) {
		t.Errorf("state %q app %q", opts.StatePath, opts.App)
	}
	if p := opts.Policies.For("error-rate"); p.FlapHold != time.Hour || p.ResolveAfter != 3 || p.Dedupe != 15*time.Minute {
		t.Errorf("default policy %+v", p)
	}
	if p := opts.Policies.For("oom"); p.FlapHold != time.Hour || p.ResolveAfter != 1 {
		t.Errorf("oom policy %+v: want the default's hold-down and its own resolve_after", p)
	}
	if len(opts.Routes) != 3 {
		t.Fatalf("%d routes", len(opts.Routes))
	}
	slack := opts.Routes[0].Sink.(*SlackSink)
	if slack.url != "https://hooks.slack.com/services/T0/B0/secret" || opts.Routes[0].MinSeverity != Critical {
		t.Errorf("slack route %+v", opts.Routes[0])
	}
	hook := opts.Routes[1].Sink.(*WebhookSink)
	if hook.headers["Authorization"] != "Bearer tok" || opts.Routes[1].MinSeverity != Warning || opts.Routes[1].Events[0] != EventOpen {
		t.Errorf("webhook route %+v", opts.Routes[1])
	}
	if f := opts.Routes[2].Sink.(*FileSink); f.path != filepath.Join(dir, "out/alerts.jsonl") {
		t.Errorf("file path %q", f.path)
	}

	// No sinks: stdout.
	opts, err = FromConfig(config.Alerts{}, dir, io.Discard)
	if err != nil || len(opts.Routes) != 1 || opts.Routes[0].Sink.Name() != "stdout" {
		t.Fatalf("default sinks %+v %v", opts.Routes, err)
	}
	// A variable that expands to a bad URL, or is unset, is refused.
	t.Setenv("FNOPS_TEST_SLACK", "http://evil.example/x")
	if _, err := FromConfig(cfg.Alerts, dir, io.Discard); err == nil || !strings.Contains(err.Error(), "https") {
		t.Fatalf("expanded http URL accepted: %v", err)
	}
}

// TestAlertsDocExample: the configuration example in docs/alerts.md parses
// and builds the sinks it shows.
func TestAlertsDocExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/alerts.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "### Configuration\n\n```yaml\n")
	if !ok {
		t.Fatal("no configuration example in docs/alerts.md")
	}
	example, _, _ := strings.Cut(rest, "```")
	cfg, err := config.Parse("docs/alerts.md", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T0/B0/x")
	t.Setenv("PAGER_TOKEN", "t")
	opts, err := FromConfig(cfg.Alerts, t.TempDir(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range opts.Routes {
		names = append(names, r.Sink.Name())
	}
	if got := strings.Join(names, " "); got != "slack pager file stdout" {
		t.Fatalf("sinks %q", got)
	}
	if p := opts.Policies.For("runaway-loop"); p.FlapHold != 0 || p.Repeat != 15*time.Minute || p.ResolveAfter != 3 {
		t.Fatalf("runaway-loop policy %+v", p)
	}
}
