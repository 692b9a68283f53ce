package sim

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// initBillingFrom is when Lambda started billing the INIT phase of
// on-demand ZIP functions with managed runtimes (reference §1.2).
var initBillingFrom = time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC)

// deploy is a new version of a function at a time.
type deploy struct {
	at        time.Time
	version   string
	durFactor float64
	memFactor float64
	leak      bool
}

// env is one execution environment.
type env struct {
	id        string
	stream    string // log stream name
	created   time.Time
	busyUntil time.Time
	lastUsed  time.Time
	idleLimit time.Duration
	lifeLimit time.Duration
	leakMB    float64
}

// fnSim simulates one function.
type fnSim struct {
	p   *fnPlan
	cfg *Config
	rng *rand.Rand

	incidents []Incident
	deploys   []deploy

	version   string
	durFactor float64
	memFactor float64
	leak      bool
	envs      []*env

	// per minute, for metrics
	invocations, errors, throttles, concurrency, records, deleted []int32
	poisonAge                                                     []int32 // age of the poison message in seconds, -1 none
	poisonMoved                                                   []bool  // the poison message is in the DLQ
	truth                                                         FunctionTruth
	out                                                           *logWriter
}

func newFnSim(p *fnPlan, cfg *Config, i int) *fnSim {
	seed := unitHashes(cfg.Seed, p.id+"/rng", 2)
	s := &fnSim{
		p: p, cfg: cfg,
		rng:       rand.New(rand.NewPCG(uint64(seed[0]*(1<<53)), uint64(seed[1]*(1<<53)))),
		version:   "$LATEST",
		durFactor: 1, memFactor: 1,
	}
	if p.numbered {
		s.version = "1"
	}
	s.truth = FunctionTruth{Function: p.name, Resource: p.id, MemoryMB: p.memMB, Arch: p.arch}
	return s
}

func (s *fnSim) active(kind string, t time.Time) (Incident, bool) {
	for _, in := range s.incidents {
		if in.Kind == kind && !t.Before(in.At) && t.Before(in.At.Add(in.For)) {
			return in, true
		}
	}
	return Incident{}, false
}

func (s *fnSim) run(ctx context.Context) error {
	minutes := int(s.cfg.Span / time.Minute)
	for _, a := range []*[]int32{&s.invocations, &s.errors, &s.throttles, &s.concurrency, &s.records, &s.deleted, &s.poisonAge} {
		*a = make([]int32, minutes)
	}
	s.poisonMoved = make([]bool, minutes)
	s.out = newLogWriter(s.cfg, s.p.name)
	defer s.out.close()

	var poisonStart time.Time
	poisonReceives := 0
	maxReceive := 0
	if s.p.source != nil {
		if v, ok := s.p.source.Int("max_receive_count"); ok {
			maxReceive = int(v)
		}
	}
	visibility := 30 * time.Second
	if s.p.source != nil {
		if v, ok := s.p.source.Int("visibility_timeout"); ok && v > 0 {
			visibility = time.Duration(v) * time.Second
		}
	}
	var nextPoison time.Time
	moved := false

	offsets := make([]float64, 0, 256)
	for m := range minutes {
		if m%1440 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		t0 := s.cfg.Start.Add(time.Duration(m) * time.Minute)
		s.applyDeploys(t0)

		lam := s.p.flowRate * shape(t0) * 60
		if in, ok := s.active(IncidentRunawayLoop, t0); ok {
			// Each trip round the loop multiplies the traffic: 1.5 times a
			// minute until a limit of about 100 a second.
			k := t0.Sub(in.At).Minutes()
			lam += math.Min(2*math.Pow(1.5, k), 6000)
		}
		offsets = offsets[:0]
		for range poisson(s.rng, lam) {
			offsets = append(offsets, s.rng.Float64()*60)
		}
		if _, stopped := s.active(IncidentScheduleStops, t0); !stopped {
			for _, sc := range s.p.schedules {
				for range sc.Between(t0, t0.Add(time.Minute)) {
					offsets = append(offsets, s.rng.Float64()*0.9)
				}
			}
		}
		slices.Sort(offsets)
		for _, off := range offsets {
			s.invoke(m, t0.Add(time.Duration(off*float64(time.Second))), "")
		}

		// A poison message comes back every visibility timeout until the
		// queue gives up on it (maxReceiveCount) or the incident ends.
		s.poisonAge[m] = -1
		if in, ok := s.active(IncidentPoisonMessage, t0); ok && !moved {
			if poisonStart.IsZero() {
				poisonStart, nextPoison = in.At, in.At
			}
			for !nextPoison.After(t0.Add(time.Minute)) && !moved {
				if !nextPoison.Before(t0) {
					s.invoke(m, nextPoison, "JSONDecodeError")
					poisonReceives++
					if maxReceive > 0 && poisonReceives >= maxReceive {
						moved = true
					}
				}
				nextPoison = nextPoison.Add(visibility)
			}
			if !moved {
				s.poisonAge[m] = int32(t0.Add(time.Minute).Sub(poisonStart) / time.Second)
			}
		}
		s.poisonMoved[m] = moved
	}
	return s.out.close()
}

// applyDeploys switches to a new version when a deploy falls in the
// minute: new code starts in new environments.
func (s *fnSim) applyDeploys(t0 time.Time) {
	for _, d := range s.deploys {
		if !d.at.Before(t0) && d.at.Before(t0.Add(time.Minute)) {
			s.version = d.version
			s.durFactor *= d.durFactor
			s.memFactor *= d.memFactor
			s.leak = s.leak || d.leak
			s.envs = s.envs[:0]
		}
	}
}

// pickEnv returns a warm idle environment, or a new one (a cold start),
// or nil when reserved concurrency is exhausted (a throttle).
func (s *fnSim) pickEnv(t time.Time) (*env, bool) {
	var best *env
	busy := 0
	live := s.envs[:0]
	for _, e := range s.envs {
		idle := !e.busyUntil.After(t)
		if idle && (t.Sub(e.lastUsed) > e.idleLimit || t.Sub(e.created) > e.lifeLimit) {
			continue // recycled by the platform
		}
		live = append(live, e)
		if !idle {
			busy++
			continue
		}
		if best == nil || e.lastUsed.After(best.lastUsed) {
			best = e
		}
	}
	s.envs = live
	if best != nil {
		return best, false
	}
	if s.p.reserved > 0 && busy >= s.p.reserved {
		return nil, false
	}
	e := &env{
		id:        s.hex(32),
		created:   t,
		idleLimit: time.Duration(5+15*s.rng.Float64()) * time.Minute,
		lifeLimit: time.Duration(90+90*s.rng.Float64()) * time.Minute,
	}
	e.stream = t.Format("2006/01/02") + "/[" + s.version + "]" + e.id
	s.envs = append(s.envs, e)
	return e, true
}

func (s *fnSim) busy(t time.Time) int32 {
	n := int32(0)
	for _, e := range s.envs {
		if e.busyUntil.After(t) {
			n++
		}
	}
	return n
}

const hexDigits = "0123456789abcdef"

func (s *fnSim) hex(n int) string {
	b := make([]byte, n)
	for i := 0; i < n; i += 16 {
		v := s.rng.Uint64()
		for j := i; j < min(i+16, n); j++ {
			b[j] = hexDigits[v&15]
			v >>= 4
		}
	}
	return string(b)
}

// requestID draws a version 4 UUID.
func (s *fnSim) requestID(b []byte) []byte {
	hi, lo := s.rng.Uint64(), s.rng.Uint64()
	hi = hi&^0xf000 | 0x4000
	lo = lo&^(0xc<<60) | 0x8<<60
	var raw [32]byte
	for i := range 16 {
		raw[15-i] = hexDigits[hi&15]
		hi >>= 4
		raw[31-i] = hexDigits[lo&15]
		lo >>= 4
	}
	b = append(b, raw[0:8]...)
	b = append(b, '-')
	b = append(b, raw[8:12]...)
	b = append(b, '-')
	b = append(b, raw[12:16]...)
	b = append(b, '-')
	b = append(b, raw[16:20]...)
	b = append(b, '-')
	return append(b, raw[20:32]...)
}

// invoke simulates one invocation arriving at t, forcing an error of the
// given type when forced is not empty.
func (s *fnSim) invoke(m int, t time.Time, forced string) {
	e, cold := s.pickEnv(t)
	if e == nil {
		s.throttles[m]++
		s.truth.Throttles++
		return
	}
	p := s.p
	var init10 int64
	start := t
	if cold {
		init10 = int64(math.Round(p.initMS * math.Exp(0.3*s.rng.NormFloat64()) * 100))
		start = t.Add(time.Duration(init10) * 10 * time.Microsecond)
	}

	durMS := p.medianMS * s.durFactor * math.Exp(p.sigma*s.rng.NormFloat64())
	if _, ok := s.active(IncidentRegression, t); ok {
		durMS *= 1.8
	}
	if s.rng.Float64() < 0.003 { // the heavy tail: a slow downstream call
		durMS *= 1 + 4*s.rng.ExpFloat64()
	}
	status, errType := statusSuccess, ""
	if _, ok := s.active(IncidentTimeouts, t); ok && s.rng.Float64() < 0.4 {
		durMS = float64(p.timeoutMS)
	}
	dur10 := int64(math.Round(durMS * 100))
	if dur10 >= p.timeoutMS*100 {
		dur10 = p.timeoutMS * 100
		status = statusTimeout
	}

	memUsed := float64(p.memMB)*p.memFrac*s.memFactor*(1+0.04*s.rng.NormFloat64()) + e.leakMB
	if s.leak {
		e.leakMB += float64(p.memMB) * 0.006
	}
	if _, ok := s.active(IncidentOOM, t); ok && s.rng.Float64() < 0.3 {
		memUsed = float64(p.memMB)
	}
	used := int32(math.Max(32, math.Round(memUsed)))
	if used >= p.memMB && status == statusSuccess {
		used = p.memMB
		status, errType = statusOOM, "Runtime.OutOfMemory"
	}
	if status == statusSuccess {
		if forced != "" {
			status, errType = statusError, forced
		} else if s.rng.Float64() < p.errRate {
			status, errType = statusError, p.errorTypes[s.rng.IntN(len(p.errorTypes))]
		}
	}

	billed := (dur10 + 99) / 100
	if p.zip && !t.Before(initBillingFrom) {
		billed = (dur10 + init10 + 99) / 100
	}
	end := start.Add(time.Duration(dur10) * 10 * time.Microsecond)
	e.busyUntil, e.lastUsed = end, end
	if status == statusOOM {
		// The runtime was killed: the environment is gone.
		e.lastUsed = time.Time{}
		e.idleLimit = 0
	}

	s.invocations[m]++
	if c := s.busy(t); c > s.concurrency[m] {
		s.concurrency[m] = c
	}
	recs := int32(math.Round(p.fill))
	s.records[m] += recs
	if status == statusSuccess {
		s.deleted[m] += recs
	} else {
		s.errors[m]++
	}
	tr := &s.truth
	tr.Invocations++
	if cold {
		tr.ColdStarts++
	}
	switch status {
	case statusError:
		tr.Errors++
	case statusTimeout:
		tr.Timeouts++
	case statusOOM:
		tr.OOM++
	}
	tr.DurationUS += dur10 * 10
	tr.InitUS += init10 * 10
	tr.BilledMS += billed
	tr.BilledMBMS += billed * int64(p.memMB)

	s.out.invocation(s, e, t, start, end, cold, init10, dur10, billed, used, status, errType)
}

const (
	statusSuccess = iota
	statusError
	statusTimeout
	statusOOM
)
