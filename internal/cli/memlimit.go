package cli

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// A loaded application is a large, long-lived heap built from a stream of
// short-lived documents. With Go's default GOGC=100 the heap grows to twice
// what is live before a collection, so a 70 MB model would cost 140 MB. The
// commands that load templates therefore run under a soft memory limit
// (runtime/debug.SetMemoryLimit) that follows the live heap: a floor while
// the heap is small, where GOGC alone decides, and the live heap plus a
// margin once it is larger, re-set after every collection. The margin
// bounds the garbage that accumulates between collections: a few more
// collections for a peak close to the live heap.
//
// GOMEMLIMIT, when set, is the user's choice and the limit is left alone.
const (
	memFloor     = 96 << 20 // below this, GOGC alone decides
	memMarginMin = 16 << 20 // the least garbage let accumulate between collections
	memMarginDiv = 4        // ... or a quarter of the live heap when that is more
)

var memLimitOnce sync.Once

// limitMemory starts following the live heap with a soft memory limit,
// once per process, unless GOMEMLIMIT is set.
func limitMemory() {
	memLimitOnce.Do(func() {
		if _, set := os.LookupEnv("GOMEMLIMIT"); set {
			return
		}
		debug.SetMemoryLimit(memFloor)
		(&memLimiter{}).arm()
	})
}

// memLimit is the limit for a live heap of live bytes when the runtime
// holds overhead bytes besides heap objects and free pages.
func memLimit(live, overhead uint64) int64 {
	return int64(max(live+overhead+max(memMarginMin, live/memMarginDiv), memFloor))
}

type memLimiter struct {
	sample [5]metrics.Sample
}

// gcSentinel is dropped as soon as it is made, so that its cleanup runs
// after the next collection; it is too big to share a tiny-allocator block.
type gcSentinel struct {
	_ [64]byte
	_ *byte
}

func (l *memLimiter) arm() {
	runtime.AddCleanup(new(gcSentinel), func(l *memLimiter) { l.afterGC() }, l)
}

// afterGC re-sets the limit from the live heap the collection found, and
// re-arms for the next one.
func (l *memLimiter) afterGC() {
	s := &l.sample
	s[0].Name, s[1].Name, s[2].Name = "/gc/heap/live:bytes", "/memory/classes/total:bytes", "/memory/classes/heap/released:bytes"
	s[3].Name, s[4].Name = "/memory/classes/heap/objects:bytes", "/memory/classes/heap/free:bytes"
	metrics.Read(s[:])
	live := s[0].Value.Uint64()
	// The limit counts all the runtime's memory, not only heap objects:
	// allow for what it holds besides them (the unused space of spans,
	// metadata, stacks) but not for free pages, which it can return.
	held := s[1].Value.Uint64() - s[2].Value.Uint64()
	overhead := uint64(0)
	if objects := s[3].Value.Uint64() + s[4].Value.Uint64(); held > objects {
		overhead = held - objects
	}
	debug.SetMemoryLimit(memLimit(live, overhead))
	l.arm()
}
