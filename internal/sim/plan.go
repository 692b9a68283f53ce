package sim

import (
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/schedule"
)

// fnPlan is what the simulator knows of one function before it runs.
type fnPlan struct {
	res       *app.Resource
	id        string // logical id
	name      string // physical name, as in the log group /aws/lambda/NAME
	memMB     int32
	timeoutMS int64
	arch      string
	zip       bool
	numbered  bool // publishes numbered versions (AutoPublishAlias): deploys show in log stream names
	reserved  int  // reserved concurrency, 0 for none
	runtime   string

	entry     string  // how outside traffic reaches it: api, schedule, event, upload, other, ""
	base      float64 // outside traffic, invocations per second at shape 1
	schedules []*schedule.Schedule
	inflow    []flow // traffic from functions upstream
	loopIn    []flow // flows that close a cycle: silent unless a runaway loop is injected
	batch     int    // records per invocation when fed by a queue or stream
	source    *app.Resource
	rate      float64 // total steady rate, per second at shape 1
	flowRate  float64 // the part of rate that is not scheduled
	fill      float64 // records per invocation when fed by a queue or stream

	// profile, drawn from the seed and the id
	medianMS   float64
	sigma      float64
	memFrac    float64
	errRate    float64
	initMS     float64
	errorTypes []string
}

// flow is traffic from one function to another through the graph.
type flow struct {
	from   int     // index of the upstream function
	factor float64 // invocations of this function per invocation upstream
	via    string  // the resource in between
}

// plan builds the per-function plans from the graph and the rate overrides.
func plan(g *app.Graph, cfg *Config) ([]*fnPlan, error) {
	var fns []*fnPlan
	index := make(map[string]int)
	for _, r := range g.Of(app.KindFunction) {
		if r.Disabled {
			continue
		}
		p := &fnPlan{res: r, id: r.ID, name: physicalName(r, cfg.StackName)}
		mem, _ := r.Int(app.AttrMemorySize)
		p.memMB = int32(cmpOr(mem, 128))
		to, _ := r.Int(app.AttrTimeout)
		p.timeoutMS = cmpOr(to, 3) * 1000
		p.arch = cmpOrS(r.Text(app.AttrArchitecture), "x86_64")
		p.zip = r.Text(app.AttrPackageType) != "Image"
		p.numbered = r.Attr(app.AttrAutoPublishAlias) != nil
		rc, _ := r.Int(app.AttrReservedConcurrency)
		p.reserved = int(rc)
		p.runtime = cmpOrS(r.Text(app.AttrRuntime), "python3.12")
		p.profile(cfg.Seed)
		index[r.ID] = len(fns)
		fns = append(fns, p)
	}
	if len(fns) == 0 {
		return nil, fmt.Errorf("the app has no functions to simulate")
	}
	for _, p := range fns {
		p.entryPoints(g, cfg)
		p.upstream(g, index, fns)
	}
	for id, r := range cfg.Rates {
		i, ok := index[id]
		if !ok {
			for j, p := range fns {
				if p.name == id {
					i, ok = j, true
				}
			}
		}
		if !ok && id != "api" {
			return nil, fmt.Errorf("--rate %s: no function with that logical id or name", id)
		}
		if ok {
			fns[i].base = r
		}
	}
	if r, ok := cfg.Rates["api"]; ok {
		spreadAPI(fns, r, cfg.Seed)
	} else {
		spreadAPI(fns, 5, cfg.Seed)
	}
	splitCycles(fns)
	computeRates(fns)
	return fns, nil
}

// physicalName is the function's name as CloudFormation would create it:
// the written name, else stack-LogicalId-SUFFIX (the suffix stable per id).
func physicalName(r *app.Resource, stack string) string {
	if r.Name != "" && !strings.Contains(r.Name, "/") {
		// Names built with !Sub keep the pseudo parameters the loader
		// could not know; fill them as the deploy would.
		return strings.NewReplacer("${AWS::StackName}", stack, "${AWS::Region}", "us-east-1",
			"${AWS::AccountId}", "123456789012").Replace(r.Name)
	}
	id := r.ID
	if i := strings.LastIndexAny(id, "/#"); i >= 0 {
		id = id[i+1:]
	}
	h := fnv.New64a()
	h.Write([]byte(r.ID))
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	suffix := make([]byte, 12)
	v := h.Sum64()
	for i := range suffix {
		suffix[i] = letters[v%uint64(len(letters))]
		v /= uint64(len(letters))
		if v == 0 {
			v = h.Sum64() ^ uint64(i+1)*0x9E3779B97F4A7C15
		}
	}
	name := fmt.Sprintf("%s-%s-%s", stack, id, suffix)
	if len(name) > 64 {
		name = name[:64]
	}
	return name
}

// profile draws the function's steady behaviour from the seed and its id,
// so the same app and seed always behave the same.
func (p *fnPlan) profile(seed int64) {
	u := unitHashes(seed, p.id, 6)
	p.medianMS = 15 + 385*u[0]*u[0] // most functions are fast, a few slow
	if limit := 0.15 * float64(p.timeoutMS); p.medianMS > limit {
		p.medianMS = limit
	}
	p.sigma = 0.35 + 0.3*u[1]
	p.memFrac = 0.2 + 0.35*u[2]
	p.errRate = 0.0003 + 0.0017*u[3]
	p.initMS = 150 + 700*u[4]
	all := []string{"ValidationError", "ConditionalCheckFailedException", "TypeError", "ProvisionedThroughputExceededException", "KeyError"}
	i := int(u[5] * float64(len(all)))
	p.errorTypes = []string{all[i%len(all)], all[(i+1)%len(all)]}
}

// unitHashes derives n numbers in [0,1) from the seed and a key.
func unitHashes(seed int64, key string, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		h := fnv.New64a()
		fmt.Fprintf(h, "%d/%s/%d", seed, key, i)
		out[i] = float64(h.Sum64()>>11) / float64(1<<53)
	}
	return out
}

// entryPoints finds how outside traffic reaches the function.
func (p *fnPlan) entryPoints(g *app.Graph, cfg *Config) {
	for _, e := range g.In(p.id, app.Triggers, app.Subscribes) {
		src := g.Resource(e.From)
		if src == nil {
			continue
		}
		switch src.Kind {
		case app.KindAPI:
			p.entry = "api"
		case app.KindRule, app.KindSchedule:
			if expr := src.Text(app.AttrScheduleExpression); expr != "" {
				if s, err := schedule.Parse(expr); err == nil {
					p.schedules = append(p.schedules, s)
					p.entry = "schedule"
				}
				continue
			}
			if len(g.In(src.ID, app.Writes)) == 0 {
				p.base += 0.02
				p.entry = cmpOrS(p.entry, "event")
			}
		case app.KindBucket:
			if len(g.In(src.ID, app.Writes)) == 0 || onlyFrom(g, src.ID, p.id) {
				p.base += 0.05
				p.entry = cmpOrS(p.entry, "upload")
			}
		case app.KindQueue, app.KindStream, app.KindTable, app.KindTopic:
			// Fed from outside the app (another service, a partner) when
			// nothing in the app writes to it.
			if len(g.In(src.ID, app.Writes, app.Subscribes)) == 0 {
				// A topic with no publisher in the app is mostly alarms
				// and notices: rare. Queues and streams carry a partner's
				// or another service's traffic.
				rate := 0.05
				if src.Kind == app.KindTopic {
					rate = 0.002
				}
				p.base += rate
				p.entry = cmpOrS(p.entry, "external")
			}
		case app.KindUserPool, app.KindIoTRule, app.KindLogGroup, app.KindOther:
			p.base += 0.01
			p.entry = cmpOrS(p.entry, "other")
		}
	}
}

// onlyFrom reports whether every writer of id is fn itself: then the bucket
// also gets uploads from outside (the function writes back to it).
func onlyFrom(g *app.Graph, id, fn string) bool {
	for _, e := range g.In(id, app.Writes) {
		if e.From != fn {
			return false
		}
	}
	return true
}

// writeFactor is how many events reach a consumer per invocation of a
// writer, by the kind of resource in between: messaging is written on most
// invocations, data stores on some.
func writeFactor(k app.Kind) float64 {
	switch k {
	case app.KindQueue, app.KindTopic, app.KindEventBus, app.KindStream, app.KindStateMachine, app.KindFunction:
		return 0.8
	}
	return 0.4
}

// upstream records the flows into p from other functions through the graph:
// direct invokes, state machines, and resources that trigger p.
func (p *fnPlan) upstream(g *app.Graph, index map[string]int, fns []*fnPlan) {
	for _, src := range fns {
		from := index[src.id]
		seen := map[string]bool{}
		for _, e := range g.Out(src.id, app.Writes, app.Invokes) {
			if seen[e.To] {
				continue
			}
			seen[e.To] = true
			x := g.Resource(e.To)
			if x == nil {
				continue
			}
			factor := writeFactor(x.Kind)
			if reaches(g, x, p.id, 0) {
				p.inflow = append(p.inflow, flow{from: from, factor: factor, via: x.ID})
			}
		}
	}
	for _, e := range g.In(p.id, app.Triggers) {
		src := g.Resource(e.From)
		if src == nil || (src.Kind != app.KindQueue && src.Kind != app.KindStream && src.Kind != app.KindTable) {
			continue
		}
		p.source = src
		for _, m := range g.Of(app.KindEventSourceMapping) {
			if m.Text(app.AttrFunction) == p.id && m.Text(app.AttrSource) == src.ID {
				b, _ := m.Int(app.AttrBatchSize)
				p.batch = int(b)
			}
		}
		if p.batch == 0 {
			p.batch = 10
		}
	}
}

// reaches reports whether an event put into x reaches function fn: x is fn,
// or x triggers fn, or x hands to something that does (a topic's
// subscription, a bus's rule, a state machine's task), within three hops.
func reaches(g *app.Graph, x *app.Resource, fn string, depth int) bool {
	if x.ID == fn {
		return true
	}
	if depth >= 3 || x.Kind == app.KindFunction {
		return false
	}
	for _, e := range g.Out(x.ID, app.Triggers, app.Subscribes, app.Routes, app.Invokes) {
		if y := g.Resource(e.To); y != nil && reaches(g, y, fn, depth+1) {
			return true
		}
	}
	return false
}

// spreadAPI shares the API traffic among the API functions with stable,
// unequal weights: listing products is busier than placing orders.
func spreadAPI(fns []*fnPlan, total float64, seed int64) {
	var api []*fnPlan
	var sum float64
	weights := map[*fnPlan]float64{}
	for _, p := range fns {
		if p.entry == "api" && p.base == 0 {
			w := 0.3 + 1.7*unitHashes(seed, p.id+"/api", 1)[0]
			weights[p] = w
			sum += w
			api = append(api, p)
		}
	}
	for _, p := range api {
		p.base = total * weights[p] / sum
	}
}

// splitCycles moves flows that close a cycle of functions (A feeds B feeds
// A) to loopIn: in normal operation such writes do not come back (different
// prefixes, filtered events), and a runaway loop is an incident. Within a
// cycle, the flow that goes back towards the entry points (by breadth-first
// depth from the functions outside traffic reaches) is the one that closes
// it.
func splitCycles(fns []*fnPlan) {
	n := len(fns)
	reach := make([][]bool, n)
	for i := range reach {
		reach[i] = make([]bool, n)
	}
	for i, p := range fns {
		for _, f := range p.inflow {
			reach[f.from][i] = true
		}
	}
	for k := range n {
		for i := range n {
			if reach[i][k] {
				for j := range n {
					if reach[k][j] {
						reach[i][j] = true
					}
				}
			}
		}
	}
	const unreached = 1 << 30
	depth := make([]int, n)
	var queue []int
	for i, p := range fns {
		depth[i] = unreached
		if p.base > 0 || len(p.schedules) > 0 {
			depth[i] = 0
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for j, p := range fns {
			for _, f := range p.inflow {
				if f.from == i && depth[j] == unreached {
					depth[j] = depth[i] + 1
					queue = append(queue, j)
				}
			}
		}
	}
	for i, p := range fns {
		var keep []flow
		for _, f := range p.inflow {
			if reach[i][f.from] && depth[f.from] >= depth[i] { // closes a cycle
				p.loopIn = append(p.loopIn, f)
			} else {
				keep = append(keep, f)
			}
		}
		p.inflow = keep
	}
}

// computeRates sums outside and upstream traffic in dependency order.
func computeRates(fns []*fnPlan) {
	done := make([]bool, len(fns))
	var visit func(i int) float64
	visit = func(i int) float64 {
		p := fns[i]
		if done[i] {
			return p.rate
		}
		done[i] = true
		r := p.base
		for _, f := range p.inflow {
			r += visit(f.from) * f.factor
		}
		p.fill = 1
		if p.batch > 1 {
			// Pollers fill batches only under load: about one second's
			// worth of records per invocation, up to the batch size.
			p.fill = math.Max(1, math.Min(float64(p.batch), r))
			r /= p.fill
		}
		p.flowRate = r
		for _, s := range p.schedules {
			if per := s.Period(); per > 0 {
				r += 1 / per.Seconds()
			}
		}
		p.rate = r
		return r
	}
	for i := range fns {
		visit(i)
	}
}

func cmpOr(v, d int64) int64 {
	if v > 0 {
		return v
	}
	return d
}

func cmpOrS(v, d string) string {
	if v != "" {
		return v
	}
	return d
}

// cycleOf returns the functions on a cycle through fn, in flow order, or
// nil when fn is on none.
func cycleOf(fns []*fnPlan, fn int) []int {
	// Breadth-first search over loop and normal flows back to fn.
	prev := map[int]int{fn: -1}
	queue := []int{fn}
	next := func(i int) []int {
		var out []int
		for j, p := range fns {
			for _, f := range slices.Concat(p.inflow, p.loopIn) {
				if f.from == i {
					out = append(out, j)
				}
			}
		}
		return out
	}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for _, j := range next(i) {
			if j == fn {
				path := []int{}
				for k := i; k != -1; k = prev[k] {
					path = append([]int{k}, path...)
				}
				return path
			}
			if _, ok := prev[j]; !ok {
				prev[j] = i
				queue = append(queue, j)
			}
		}
	}
	return nil
}
