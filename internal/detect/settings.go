package detect

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/fnops/fnops/internal/config"
)

// Kinds of insight. The detector kinds take thresholds; the data kinds say
// what the data cannot tell.
const (
	KindErrorRate             = "error-rate"
	KindNewError              = "new-error"
	KindTimeout               = "timeout"
	KindNearTimeout           = "near-timeout"
	KindDurationRegression    = "duration-regression"
	KindOOM                   = "oom"
	KindHighMemory            = "high-memory"
	KindMemoryOverprovisioned = "memory-overprovisioned"
	KindColdStarts            = "cold-starts"
	KindThrottles             = "throttles"
	KindInvocationSurge       = "invocation-surge"
	KindRunawayLoop           = "runaway-loop"
	KindStuckQueue            = "stuck-queue"
	KindDLQMessages           = "dlq-messages"
	KindIteratorAge           = "iterator-age"
	KindScheduleMissed        = "schedule-missed"
	KindScheduleOverrun       = "schedule-overrun"
	KindCostJump              = "cost-jump"

	KindNoData          = "no-data"
	KindUnknownFunction = "unknown-function"
	KindClockSkew       = "clock-skew"
	KindTelemetryGap    = "telemetry-gap"
)

// Limit is a detector's resolved settings; a level that does not apply is
// NaN.
type Limit struct {
	Info, Warning, Critical float64
	MinInvocations          int64
	MinCount                int64
	Window                  time.Duration
	Baseline                time.Duration
	Grace                   time.Duration
}

// severity returns the worst level v reaches (v ≥ level), or "".
func (l Limit) severity(v float64) Severity {
	switch {
	case !math.IsNaN(l.Critical) && v >= l.Critical:
		return Critical
	case !math.IsNaN(l.Warning) && v >= l.Warning:
		return Warning
	case !math.IsNaN(l.Info) && v >= l.Info:
		return Info
	}
	return ""
}

// severityBelow is severity for limits that fire under a level (memory
// used below a fraction of the allocation).
func (l Limit) severityBelow(v float64) Severity {
	switch {
	case !math.IsNaN(l.Critical) && v <= l.Critical:
		return Critical
	case !math.IsNaN(l.Warning) && v <= l.Warning:
		return Warning
	case !math.IsNaN(l.Info) && v <= l.Info:
		return Info
	}
	return ""
}

// threshold is the lowest level that applies, for evidence.
func (l Limit) threshold() float64 {
	for _, v := range []float64{l.Info, l.Warning, l.Critical} {
		if !math.IsNaN(v) {
			return v
		}
	}
	return math.NaN()
}

var nan = math.NaN()

// KindInfo describes one kind: its id, what it watches and its defaults.
type KindInfo struct {
	ID      string
	Title   string
	Default Limit
	// Units says what the levels measure, for docs and messages.
	Units string
}

// Kinds lists every detector kind with its defaults (ops-insights.md §1.9,
// with the changes docs/alerts.md explains), in a stable order.
var Kinds = []KindInfo{
	{KindErrorRate, "errors / invocations over the window", Limit{Info: nan, Warning: 0.01, Critical: 0.10, MinInvocations: 20, MinCount: 5, Window: 15 * time.Minute}, "fraction of invocations"},
	{KindNewError, "an error type not seen in the baseline", Limit{Info: 1, Warning: 5, Critical: nan, MinCount: 1, Window: time.Hour, Baseline: 48 * time.Hour}, "occurrences of the new type in the window"},
	{KindTimeout, "invocations that hit the timeout", Limit{Info: nan, Warning: 1, Critical: 0.05, MinInvocations: 20, MinCount: 3, Window: 15 * time.Minute}, "info: any; warning: min_count in the window; critical: fraction of invocations"},
	{KindNearTimeout, "p99 or max duration close to the timeout", Limit{Info: nan, Warning: 0.9, Critical: nan, MinCount: 2, Window: time.Hour}, "fraction of the configured timeout (warning when min_count intervals of the window reach it, info for one)"},
	{KindDurationRegression, "mean duration against the trailing baseline", Limit{Info: nan, Warning: 1.5, Critical: 3, MinInvocations: 100, Window: 30 * time.Minute, Baseline: 24 * time.Hour}, "multiple of the baseline mean"},
	{KindOOM, "out-of-memory kills", Limit{Info: nan, Warning: nan, Critical: 1, Window: 5 * time.Minute}, "count"},
	{KindHighMemory, "peak memory close to the allocation, or growing since a deploy", Limit{Info: nan, Warning: 0.95, Critical: nan, Window: time.Hour, Baseline: 24 * time.Hour}, "fraction of configured memory"},
	{KindMemoryOverprovisioned, "peak memory far below the allocation", Limit{Info: 0.5, Warning: nan, Critical: nan, MinInvocations: 50, Baseline: 7 * 24 * time.Hour}, "peak as a fraction of configured memory (fires below)"},
	{KindColdStarts, "cold starts / invocations", Limit{Info: 0.01, Warning: 0.20, Critical: nan, MinInvocations: 100, Window: 15 * time.Minute}, "fraction of invocations"},
	{KindThrottles, "throttled / (invocations + throttled)", Limit{Info: nan, Warning: 0, Critical: 0.10, MinInvocations: 1, Window: 5 * time.Minute}, "fraction of requests"},
	{KindInvocationSurge, "5-minute count against the highest of the baseline", Limit{Info: 1.25, Warning: 3, Critical: nan, MinCount: 20, Window: 5 * time.Minute, Baseline: 48 * time.Hour}, "multiple of the baseline's busiest 5 minutes"},
	{KindRunawayLoop, "invocations growing geometrically on a loop of the graph", Limit{Info: nan, Warning: nan, Critical: 1.3, MinCount: 20, Window: 3 * time.Minute}, "growth factor per minute, over the window"},
	{KindStuckQueue, "age of the oldest message rising while the consumer fails", Limit{Info: nan, Warning: 60, Critical: 0.5, Window: 15 * time.Minute}, "warning: age in s (at least 2 visibility timeouts); critical: fraction of retention"},
	{KindDLQMessages, "messages in a dead-letter queue", Limit{Info: nan, Warning: 1, Critical: nan}, "visible messages"},
	{KindIteratorAge, "stream iterator age", Limit{Info: nan, Warning: 60, Critical: 7200, Window: 5 * time.Minute}, "seconds"},
	{KindScheduleMissed, "scheduled runs that did not happen", Limit{Info: nan, Warning: 1, Critical: 3, Grace: 5 * time.Minute}, "missed runs in a row"},
	{KindScheduleOverrun, "scheduled runs longer than their period", Limit{Info: nan, Warning: 0.8, Critical: 1, Window: 24 * time.Hour}, "longest run as a fraction of the period"},
	{KindCostJump, "estimated cost against the baseline", Limit{Info: 0.2, Warning: 1, Critical: nan, Window: 24 * time.Hour, Baseline: 24 * time.Hour}, "fractional increase (warning also needs $1/month at stake)"},
}

// DataKinds are the kinds that say what the data cannot tell; they take no
// thresholds but can be disabled.
var DataKinds = []string{KindNoData, KindUnknownFunction, KindClockSkew, KindTelemetryGap}

func kindInfo(id string) (KindInfo, bool) {
	for _, k := range Kinds {
		if k.ID == id {
			return k, true
		}
	}
	return KindInfo{}, false
}

func knownKind(id string) bool {
	_, ok := kindInfo(id)
	return ok || slices.Contains(DataKinds, id)
}

// Settings are the thresholds resolved against the defaults.
type Settings struct {
	Interval time.Duration
	Lookback time.Duration
	Region   string
	cfg      config.Thresholds
}

// DefaultInterval and DefaultLookback apply when the config sets none.
const (
	DefaultInterval = 5 * time.Minute
	DefaultLookback = 24 * time.Hour
)

// NewSettings validates cfg: every kind it names must exist, levels must
// be numbers, windows whole multiples of a minute.
func NewSettings(cfg config.Thresholds) (*Settings, error) {
	s := &Settings{Interval: cfg.Interval, Lookback: cfg.Lookback, Region: cfg.Region, cfg: cfg}
	if s.Interval == 0 {
		s.Interval = DefaultInterval
	}
	if s.Lookback == 0 {
		s.Lookback = DefaultLookback
	}
	if s.Region == "" {
		s.Region = "us-east-1"
	}
	var errs []error
	bad := func(path, format string, args ...any) {
		msg := path + ": " + fmt.Sprintf(format, args...)
		if where := cfg.Where(path); where != "" {
			msg = where + ": " + msg
		}
		errs = append(errs, errors.New(msg))
	}
	if s.Interval < time.Minute || s.Interval%time.Minute != 0 {
		bad("thresholds.interval", "%v: want a whole number of minutes", cfg.Interval)
	}
	if s.Lookback < s.Interval {
		bad("thresholds.lookback", "%v: want at least the interval", cfg.Lookback)
	}
	check := func(where string, disable []string, l config.Limits) {
		for i, k := range disable {
			if !knownKind(k) {
				bad(fmt.Sprintf("%s.disable[%d]", where, i), "unknown kind %q", k)
			}
		}
		byKind := limitsByKind(l)
		for _, id := range slices.Sorted(maps.Keys(byKind)) {
			v := byKind[id]
			if v == nil {
				continue
			}
			for _, lv := range []struct {
				name string
				v    *float64
			}{{"info", v.Info}, {"warning", v.Warning}, {"critical", v.Critical}} {
				if lv.v != nil && (*lv.v < 0 || math.IsNaN(*lv.v) || math.IsInf(*lv.v, 0)) {
					bad(where+"."+id+"."+lv.name, "%v: want a number of zero or more", *lv.v)
				}
			}
			for _, n := range []struct {
				name string
				v    *int64
			}{{"min_invocations", v.MinInvocations}, {"min_count", v.MinCount}} {
				if n.v != nil && *n.v < 0 {
					bad(where+"."+id+"."+n.name, "%d: want zero or more", *n.v)
				}
			}
			for _, d := range []struct {
				name string
				v    *time.Duration
			}{{"window", v.Window}, {"baseline", v.Baseline}} {
				if d.v != nil && (*d.v < time.Minute || *d.v%time.Minute != 0) {
					bad(where+"."+id+"."+d.name, "%v: want a whole number of minutes", *d.v)
				}
			}
		}
	}
	check("thresholds", cfg.Disable, cfg.Limits)
	for _, fn := range slices.Sorted(maps.Keys(cfg.Functions)) {
		f := cfg.Functions[fn]
		check("thresholds.functions."+fn, f.Disable, f.Limits)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// limitsByKind maps the config's fields to kind ids.
func limitsByKind(l config.Limits) map[string]*config.Limit {
	return map[string]*config.Limit{
		KindErrorRate: l.ErrorRate, KindNewError: l.NewError, KindTimeout: l.Timeout,
		KindNearTimeout: l.NearTimeout, KindDurationRegression: l.DurationRegression, KindOOM: l.OOM,
		KindHighMemory: l.HighMemory, KindMemoryOverprovisioned: l.MemoryOverprovisioned,
		KindColdStarts: l.ColdStarts, KindThrottles: l.Throttles, KindInvocationSurge: l.InvocationSurge,
		KindRunawayLoop: l.RunawayLoop, KindStuckQueue: l.StuckQueue, KindDLQMessages: l.DLQMessages,
		KindIteratorAge: l.IteratorAge, KindScheduleMissed: l.ScheduleMissed,
		KindScheduleOverrun: l.ScheduleOverrun, KindCostJump: l.CostJump,
	}
}

func apply(l *Limit, c *config.Limit) {
	if c == nil {
		return
	}
	set := func(dst *float64, v *float64) {
		if v != nil {
			*dst = *v
		}
	}
	set(&l.Info, c.Info)
	set(&l.Warning, c.Warning)
	set(&l.Critical, c.Critical)
	if c.MinInvocations != nil {
		l.MinInvocations = *c.MinInvocations
	}
	if c.MinCount != nil {
		l.MinCount = *c.MinCount
	}
	if c.Window != nil {
		l.Window = *c.Window
	}
	if c.Baseline != nil {
		l.Baseline = *c.Baseline
	}
	if c.Grace != nil {
		l.Grace = *c.Grace
	}
}

// Enabled reports whether kind runs on the resource (logical id or name;
// either may be "").
func (s *Settings) Enabled(kind string, ids ...string) bool {
	if slices.Contains(s.cfg.Disable, kind) {
		return false
	}
	for _, id := range ids {
		if f, ok := s.cfg.Functions[id]; ok && id != "" && slices.Contains(f.Disable, kind) {
			return false
		}
	}
	return true
}

// Limit returns kind's settings for the resource: the default, then the
// config's, then the function's overrides.
func (s *Settings) Limit(kind string, ids ...string) Limit {
	k, _ := kindInfo(kind)
	l := k.Default
	apply(&l, limitsByKind(s.cfg.Limits)[kind])
	for _, id := range ids {
		if f, ok := s.cfg.Functions[id]; ok && id != "" {
			apply(&l, limitsByKind(f.Limits)[kind])
		}
	}
	if l.Window == 0 {
		l.Window = s.Interval
	}
	return l
}

// maxBaseline is the longest span any detector looks back over.
func (s *Settings) maxBaseline() time.Duration {
	d := s.Lookback
	for _, k := range Kinds {
		l := s.Limit(k.ID)
		d = max(d, l.Baseline+l.Window, l.Window)
	}
	for id := range s.cfg.Functions {
		for _, k := range Kinds {
			l := s.Limit(k.ID, id)
			d = max(d, l.Baseline+l.Window, l.Window)
		}
	}
	return d
}

// Evaluated is the time an evaluation at at judges up to: at truncated to
// the interval.
func (s *Settings) Evaluated(at time.Time) time.Time { return at.UTC().Truncate(s.Interval) }

// longest is the longest baseline plus window kind has for any function.
func (s *Settings) longest(kind string) time.Duration {
	l := s.Limit(kind)
	d := l.Baseline + l.Window
	for id := range s.cfg.Functions {
		l := s.Limit(kind, id)
		d = max(d, l.Baseline+l.Window)
	}
	return d
}
