package notify

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/fnops/fnops/internal/config"
)

// Default paths, relative to the app directory.
const (
	DefaultStatePath = ".fnops/alerts.json"
	DefaultFilePath  = ".fnops/alerts.jsonl"
)

// FromConfig builds the Notifier options of an app from its alerts
// section (already validated by config.Parse): paths are taken relative
// to appDir, ${VAR} in URLs and headers is expanded now, and stdout is
// where stdout sinks write. With no sinks configured, notifications go to
// stdout.
func FromConfig(a config.Alerts, appDir string, stdout io.Writer) (Options, error) {
	opts := Options{StatePath: a.State, App: filepath.Base(absOr(appDir))}
	if opts.StatePath == "" {
		opts.StatePath = DefaultStatePath
	}
	opts.StatePath = under(appDir, opts.StatePath)
	opts.Policies.Default = mergePolicy(DefaultPolicy, a.AlertPolicy)
	if len(a.Kinds) > 0 {
		opts.Policies.Kinds = map[string]Policy{}
		for k, p := range a.Kinds {
			opts.Policies.Kinds[k] = mergePolicy(opts.Policies.Default, p)
		}
	}
	opts.Delivery = Delivery{QueueSize: a.Queue, Attempts: a.Attempts}
	if a.Backoff != nil {
		opts.Delivery.Backoff = *a.Backoff
	}
	if a.MaxBackoff != nil {
		opts.Delivery.MaxBackoff = *a.MaxBackoff
	}
	var timeout time.Duration
	if a.Timeout != nil {
		timeout = *a.Timeout
	}
	client := NewHTTPClient(timeout)
	sinks := a.Sinks
	if len(sinks) == 0 {
		sinks = []config.AlertSink{{Name: "stdout", Type: "stdout"}}
	}
	for _, s := range sinks {
		r := Route{Kinds: s.Kinds, Dedupe: s.Dedupe, Repeat: s.Repeat, MinSeverity: Warning}
		if s.MinSeverity != "" {
			r.MinSeverity = Severity(s.MinSeverity)
		}
		for _, e := range s.Events {
			r.Events = append(r.Events, EventType(e))
		}
		name := s.Name
		if name == "" {
			name = s.Type
		}
		switch s.Type {
		case "stdout":
			if s.Format == "json" {
				r.Sink = NewJSONWriterSink(name, stdout)
			} else {
				r.Sink = NewWriterSink(name, stdout)
			}
		case "file":
			p := s.Path
			if p == "" {
				p = DefaultFilePath
			}
			r.Sink = NewFileSink(name, under(appDir, p))
		case "webhook", "slack":
			u, err := config.ExpandEnv(s.URL)
			if err == nil {
				err = config.CheckSinkURL(u)
			}
			if err != nil {
				return opts, fmt.Errorf("alerts sink %s (line %d): %w", name, s.Line, err)
			}
			if s.Type == "slack" {
				r.Sink = NewSlackSink(name, u, client)
				break
			}
			headers := map[string]string{}
			for k, v := range s.Headers {
				if headers[k], err = config.ExpandEnv(v); err != nil {
					return opts, fmt.Errorf("alerts sink %s (line %d): header %s: %w", name, s.Line, k, err)
				}
			}
			r.Sink = NewWebhookSink(name, u, headers, client)
		default:
			return opts, fmt.Errorf("alerts sink %s: unknown type %q", name, s.Type)
		}
		opts.Routes = append(opts.Routes, r)
	}
	return opts, nil
}

func mergePolicy(p Policy, c config.AlertPolicy) Policy {
	if c.ResolveAfter != nil {
		p.ResolveAfter = *c.ResolveAfter
	}
	for dst, src := range map[*time.Duration]*time.Duration{&p.ResolveMin: c.ResolveMin, &p.FlapHold: c.FlapHold, &p.Dedupe: c.Dedupe, &p.Repeat: c.Repeat} {
		if src != nil {
			*dst = *src
		}
	}
	return p
}

func under(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

func absOr(dir string) string {
	if a, err := filepath.Abs(dir); err == nil {
		return a
	}
	return dir
}
