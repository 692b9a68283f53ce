package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fnops/fnops/internal/app"
)

// Config says what to simulate.
type Config struct {
	Start time.Time     // first minute simulated (UTC)
	Span  time.Duration // how long
	Seed  int64
	// Rates sets outside traffic in invocations per second: by function
	// logical id or name, or "api" for all API traffic together (default 5).
	Rates     map[string]float64
	Incidents []Incident
	// Deploys per function in the span, at random working hours (default
	// 1); each changes duration and memory use a little.
	Deploys   int
	StackName string // used to name functions without a physical name
	Region    string
	Out       string // output directory
	Gzip      bool   // compress log files
	Workers   int    // 0: GOMAXPROCS
}

// Incident kinds the simulator can inject.
const (
	IncidentRunawayLoop   = "runaway-loop"
	IncidentPoisonMessage = "poison-message"
	IncidentOOM           = "oom"
	IncidentTimeouts      = "timeouts"
	IncidentScheduleStops = "schedule-stops"
	IncidentMemoryLeak    = "memory-leak"
	IncidentRegression    = "duration-regression"
)

// IncidentKinds lists every injectable kind.
var IncidentKinds = []string{IncidentRunawayLoop, IncidentPoisonMessage, IncidentOOM, IncidentTimeouts,
	IncidentScheduleStops, IncidentMemoryLeak, IncidentRegression}

// Incident is one injected failure: Kind at Target (a function's logical id
// or name; for poison-message the consumer function) from At for For.
type Incident struct {
	Kind   string        `json:"kind"`
	Target string        `json:"target"`
	At     time.Time     `json:"at"`
	For    time.Duration `json:"-"`
}

// ParseIncident reads KIND:TARGET@OFFSET[+DURATION], e.g.
// "oom:ResizeFn@50h+30m", OFFSET from the start of the simulation.
func ParseIncident(s string, start time.Time) (Incident, error) {
	kind, rest, ok := strings.Cut(s, ":")
	if !ok || !slices.Contains(IncidentKinds, kind) {
		return Incident{}, fmt.Errorf("incident %q: want KIND:TARGET@OFFSET[+DURATION] with KIND one of %s", s, strings.Join(IncidentKinds, ", "))
	}
	target, when, ok := strings.Cut(rest, "@")
	if !ok || target == "" {
		return Incident{}, fmt.Errorf("incident %q: want KIND:TARGET@OFFSET[+DURATION]", s)
	}
	off, dur, _ := strings.Cut(when, "+")
	d, err := time.ParseDuration(off)
	if err != nil {
		return Incident{}, fmt.Errorf("incident %q: offset: %w", s, err)
	}
	in := Incident{Kind: kind, Target: target, At: start.Add(d)}
	if dur != "" {
		if in.For, err = time.ParseDuration(dur); err != nil {
			return Incident{}, fmt.Errorf("incident %q: duration: %w", s, err)
		}
	}
	return in, nil
}

// Run simulates g under cfg and writes the telemetry and truth.json into
// cfg.Out. It returns the ground truth it wrote.
func Run(ctx context.Context, g *app.Graph, cfg Config) (*Truth, error) {
	if cfg.Span <= 0 {
		return nil, fmt.Errorf("simulate: span must be positive")
	}
	cfg.Start = cfg.Start.UTC().Truncate(time.Minute)
	if cfg.StackName == "" {
		cfg.StackName = "app"
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	fns, err := plan(g, &cfg)
	if err != nil {
		return nil, err
	}
	sims := make([]*fnSim, len(fns))
	for i, p := range fns {
		sims[i] = newFnSim(p, &cfg, i)
	}
	truth := &Truth{Version: 1, Seed: cfg.Seed, Start: cfg.Start, End: cfg.Start.Add(cfg.Span), Region: cfg.Region}
	if err := applyIncidents(fns, sims, &cfg, truth); err != nil {
		return nil, err
	}
	planDeploys(sims, &cfg, truth)

	// Every function has its own random stream, so they run in parallel
	// and the output is the same whatever the scheduling.
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	errs := make([]error, len(sims))
	var wg sync.WaitGroup
	sem := make(chan struct{}, workers)
	for i, s := range sims {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = s.run(ctx)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	for _, s := range sims {
		s.truth.BilledGBSeconds = s.truth.GBSeconds()
		truth.Functions = append(truth.Functions, s.truth)
	}
	slices.SortFunc(truth.Functions, func(a, b FunctionTruth) int { return strings.Compare(a.Function, b.Function) })
	if err := writeMetrics(g, fns, sims, &cfg); err != nil {
		return nil, err
	}
	if err := writeStackEvents(&cfg, truth); err != nil {
		return nil, err
	}
	slices.SortFunc(truth.Incidents, func(a, b IncidentTruth) int { return a.Start.Compare(b.Start) })
	slices.SortFunc(truth.Deploys, func(a, b DeployTruth) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.Function, b.Function)
	})
	return truth, writeJSON(filepath.Join(cfg.Out, "truth.json"), truth)
}

// applyIncidents attaches each incident to the functions it affects.
func applyIncidents(fns []*fnPlan, sims []*fnSim, cfg *Config, truth *Truth) error {
	find := func(target string) int {
		for i, p := range fns {
			if p.id == target || p.name == target {
				return i
			}
		}
		return -1
	}
	for _, in := range cfg.Incidents {
		i := find(in.Target)
		if i < 0 {
			return fmt.Errorf("incident %s: no function %q in the app", in.Kind, in.Target)
		}
		if in.For == 0 {
			in.For = defaultDuration(in.Kind, fns[i])
		}
		it := IncidentTruth{Kind: in.Kind, Resource: fns[i].id, Function: fns[i].name, Start: in.At, End: in.At.Add(in.For)}
		switch in.Kind {
		case IncidentRunawayLoop:
			cyc := cycleOf(fns, i)
			if cyc == nil {
				return fmt.Errorf("incident runaway-loop: %s is on no cycle of the app graph", in.Target)
			}
			for _, j := range cyc {
				it.Path = append(it.Path, fns[j].id)
				sims[j].incidents = append(sims[j].incidents, in)
			}
		case IncidentPoisonMessage:
			if fns[i].source == nil || fns[i].source.Kind != app.KindQueue {
				return fmt.Errorf("incident poison-message: %s does not consume a queue", in.Target)
			}
			it.Queue = fns[i].source.ID
			sims[i].incidents = append(sims[i].incidents, in)
		case IncidentScheduleStops:
			if len(fns[i].schedules) == 0 {
				return fmt.Errorf("incident schedule-stops: %s has no schedule", in.Target)
			}
			sims[i].incidents = append(sims[i].incidents, in)
		case IncidentMemoryLeak:
			// A leak arrives with a deploy.
			sims[i].deploys = append(sims[i].deploys, deploy{at: in.At, durFactor: 1, memFactor: 1, leak: true})
			sims[i].incidents = append(sims[i].incidents, in)
		default:
			sims[i].incidents = append(sims[i].incidents, in)
		}
		truth.Incidents = append(truth.Incidents, it)
	}
	return nil
}

func defaultDuration(kind string, p *fnPlan) time.Duration {
	switch kind {
	case IncidentRunawayLoop:
		return 20 * time.Minute
	case IncidentScheduleStops, IncidentMemoryLeak, IncidentRegression:
		return 100 * 24 * time.Hour // until the end
	}
	return 30 * time.Minute
}

// planDeploys spreads ordinary deploys over working hours.
func planDeploys(sims []*fnSim, cfg *Config, truth *Truth) {
	n := cfg.Deploys
	if n < 0 {
		n = 0
	}
	for _, s := range sims {
		u := unitHashes(cfg.Seed, s.p.id+"/deploys", 3*n)
		for k := range n {
			day := int(u[3*k] * cfg.Span.Hours() / 24)
			at := cfg.Start.Add(time.Duration(day)*24*time.Hour + time.Duration((9+8*u[3*k+1])*float64(time.Hour)).Truncate(time.Second))
			if !at.Before(cfg.Start.Add(cfg.Span)) {
				continue
			}
			// Ordinary deploys move duration and memory by a few percent.
			s.deploys = append(s.deploys, deploy{at: at, durFactor: 0.92 + 0.16*u[3*k+2], memFactor: 0.97 + 0.06*u[3*k+2]})
		}
		slices.SortFunc(s.deploys, func(a, b deploy) int { return a.at.Compare(b.at) })
		for i := range s.deploys {
			s.deploys[i].version = fmt.Sprint(i + 2)
			if !s.p.numbered {
				s.deploys[i].version = "$LATEST"
			}
			truth.Deploys = append(truth.Deploys, DeployTruth{Function: s.p.name, Resource: s.p.id, Time: s.deploys[i].at,
				Version: s.deploys[i].version, DurationFactor: s.deploys[i].durFactor, Leak: s.deploys[i].leak})
		}
	}
}

// shape is the traffic multiplier at t: a daily wave peaking mid-afternoon
// UTC and quieter weekends.
func shape(t time.Time) float64 {
	h := float64(t.Hour()) + float64(t.Minute())/60
	d := 1 + 0.55*math.Sin(2*math.Pi*(h-9)/24)
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		d *= 0.65
	}
	return d
}

// poisson draws a Poisson count; a normal approximation above 50.
func poisson(r *rand.Rand, lambda float64) int {
	switch {
	case lambda <= 0:
		return 0
	case lambda > 50:
		v := math.Round(lambda + math.Sqrt(lambda)*r.NormFloat64())
		return int(math.Max(0, v))
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func writeJSON(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}
