package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Alerts is the `alerts:` section: how `fnops watch` turns insights into
// notifications and where it sends them. Durations are Go durations
// ("90s", "15m", "4h"). Unset fields take the defaults documented on each.
type Alerts struct {
	// State is the alert state file, relative to the app directory
	// (default .fnops/alerts.json): what was announced survives restarts.
	State string `yaml:"state"`
	// AlertPolicy is the default lifecycle for every kind.
	AlertPolicy `yaml:",inline"`
	// Kinds override the policy per insight kind (error-rate, oom ...);
	// a field left out keeps the default.
	Kinds map[string]AlertPolicy `yaml:"kinds"`
	// Delivery settings, for every sink.
	// Queue bounds the notifications waiting per sink (default 256).
	Queue int `yaml:"queue"`
	// Attempts is the most tries per notification (default 5).
	Attempts int `yaml:"attempts"`
	// Backoff is the first retry's wait (default 1s), doubled up to
	// MaxBackoff (default 1m), with jitter.
	Backoff    *time.Duration `yaml:"backoff"`
	MaxBackoff *time.Duration `yaml:"max_backoff"`
	// Timeout is the HTTP request timeout (default 10s).
	Timeout *time.Duration `yaml:"timeout"`
	// Sinks are the notification targets. With none, watch prints
	// notifications to stdout.
	Sinks []AlertSink `yaml:"sinks"`
}

// AlertPolicy is an alert lifecycle; nil fields inherit.
type AlertPolicy struct {
	// ResolveAfter is how many clear evaluations in a row resolve an alert
	// (default 3); ResolveMin how long it must have been clear too
	// (default 5m).
	ResolveAfter *int           `yaml:"resolve_after"`
	ResolveMin   *time.Duration `yaml:"resolve_min"`
	// FlapHold is the hold-down after a resolution: a reopen within it is
	// announced only if it lasts that long or escalates (default 30m).
	FlapHold *time.Duration `yaml:"flap_hold"`
	// Dedupe drops a repeat of the same event and severity per sink
	// within it (default 15m).
	Dedupe *time.Duration `yaml:"dedupe"`
	// Repeat re-sends a still-open alert after this long without news
	// (default 0: never).
	Repeat *time.Duration `yaml:"repeat"`
}

// AlertSink is one entry of alerts.sinks.
type AlertSink struct {
	// Name identifies the sink in the state file and stats (default: its
	// type, numbered when the type repeats).
	Name string `yaml:"name"`
	// Type is stdout, file, webhook or slack.
	Type string `yaml:"type"`
	// URL is where webhook and slack sinks POST: https, or http to a
	// loopback address. ${VAR} is replaced by the environment variable
	// when watch starts, so the secret in a Slack URL need not be written
	// in the file. Nothing is ever posted anywhere else: redirects are
	// not followed.
	URL string `yaml:"url"`
	// Headers are added to webhook requests (values expand ${VAR} too).
	Headers map[string]string `yaml:"headers"`
	// Format is how a stdout sink writes: text (default) or json (the
	// JSON lines a file sink writes).
	Format string `yaml:"format"`
	// Path is the file sink's JSON-lines file, relative to the app
	// directory (default .fnops/alerts.jsonl).
	Path string `yaml:"path"`
	// MinSeverity drops notifications below it: info, warning (default)
	// or critical.
	MinSeverity string `yaml:"min_severity"`
	// Kinds keeps only these insight kinds (default: all).
	Kinds []string `yaml:"kinds"`
	// Events keeps only these events: open, escalate, update, resolve,
	// no-data, repeat (default: all but update).
	Events []string `yaml:"events"`
	// Dedupe and Repeat replace the policy's for this sink.
	Dedupe *time.Duration `yaml:"dedupe"`
	Repeat *time.Duration `yaml:"repeat"`
	// Line is where the entry is written.
	Line int `yaml:"-"`
}

// SinkTypes are the accepted alerts.sinks[].type values.
var SinkTypes = []string{"stdout", "file", "webhook", "slack"}

// AlertEvents are the accepted alerts.sinks[].events values.
var AlertEvents = []string{"open", "escalate", "update", "resolve", "no-data", "repeat"}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// ExpandEnv replaces each ${VAR} in s by the environment variable's value;
// an unset variable is an error.
func ExpandEnv(s string) (string, error) {
	var missing []string
	out := envRef.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		v, ok := os.LookupEnv(name)
		if !ok {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("environment variable %s is not set", strings.Join(missing, ", "))
	}
	return out, nil
}

// CheckSinkURL accepts an absolute https URL, or http to a loopback
// address (a local relay, a test server).
func CheckSinkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("url %q does not parse", raw)
	}
	if u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("url %q is not an absolute http(s) URL", raw)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return fmt.Errorf("url %q must be https (http only to localhost)", raw)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// check validates the section; errors name file:line.
func (a *Alerts) check(file string, root *yaml.Node) error {
	section := mapGet(docRoot(root), "alerts")
	if seq := mapGet(section, "sinks"); seq != nil && seq.Kind == yaml.SequenceNode {
		for i, item := range seq.Content {
			if i < len(a.Sinks) {
				a.Sinks[i].Line = item.Line
			}
		}
	}
	var errs []error
	bad := func(line int, format string, args ...any) {
		if line == 0 && section != nil {
			line = section.Line
		}
		errs = append(errs, fmt.Errorf("%s:%d: alerts: %s", file, line, fmt.Sprintf(format, args...)))
	}
	pols := map[string]AlertPolicy{"": a.AlertPolicy}
	for k, p := range a.Kinds {
		pols[k] = p
	}
	for k, p := range pols {
		where := "policy"
		if k != "" {
			where = "kinds." + k
		}
		if p.ResolveAfter != nil && *p.ResolveAfter < 0 {
			bad(0, "%s: resolve_after must not be negative", where)
		}
		for name, d := range map[string]*time.Duration{"resolve_min": p.ResolveMin, "flap_hold": p.FlapHold, "dedupe": p.Dedupe, "repeat": p.Repeat} {
			if d != nil && *d < 0 {
				bad(0, "%s: %s must not be negative", where, name)
			}
		}
	}
	if a.Queue < 0 || a.Attempts < 0 {
		bad(0, "queue and attempts must not be negative")
	}
	names := map[string]int{}
	for i := range a.Sinks {
		s := &a.Sinks[i]
		if !slices.Contains(SinkTypes, s.Type) {
			bad(s.Line, "sink type %q: want one of %s", s.Type, strings.Join(SinkTypes, ", "))
			continue
		}
		switch s.Type {
		case "webhook", "slack":
			if s.URL == "" {
				bad(s.Line, "%s sink needs a url", s.Type)
			} else if !envRef.MatchString(s.URL) {
				if err := CheckSinkURL(s.URL); err != nil {
					bad(s.Line, "%v", err)
				}
			}
		default:
			if s.URL != "" {
				bad(s.Line, "a %s sink has no url", s.Type)
			}
		}
		if s.Type != "file" && s.Path != "" {
			bad(s.Line, "only a file sink has a path")
		}
		if s.Format != "" && (s.Type != "stdout" || (s.Format != "text" && s.Format != "json")) {
			bad(s.Line, "format %q: only a stdout sink has one, text or json", s.Format)
		}
		if len(s.Headers) > 0 && s.Type != "webhook" {
			bad(s.Line, "only a webhook sink has headers")
		}
		if s.MinSeverity != "" && !slices.Contains([]string{"info", "warning", "critical"}, s.MinSeverity) {
			bad(s.Line, "min_severity %q: want info, warning or critical", s.MinSeverity)
		}
		for _, e := range s.Events {
			if !slices.Contains(AlertEvents, e) {
				bad(s.Line, "event %q: want one of %s", e, strings.Join(AlertEvents, ", "))
			}
		}
		if (s.Dedupe != nil && *s.Dedupe < 0) || (s.Repeat != nil && *s.Repeat < 0) {
			bad(s.Line, "dedupe and repeat must not be negative")
		}
		if s.Name == "" {
			s.Name = s.Type
			if n := names[s.Type+"#"]; n > 0 {
				s.Name = fmt.Sprintf("%s-%d", s.Type, n+1)
			}
			names[s.Type+"#"]++
		}
		if prev, ok := names[s.Name]; ok {
			bad(s.Line, "two sinks named %q (the other at line %d)", s.Name, prev)
		}
		names[s.Name] = s.Line
	}
	// Errors without a line come from maps, whose order is random.
	slices.SortFunc(errs, func(x, y error) int { return strings.Compare(x.Error(), y.Error()) })
	return errors.Join(errs...)
}
