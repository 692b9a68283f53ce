package cli

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestMemLimit(t *testing.T) {
	for _, c := range []struct {
		live, overhead uint64
		want           int64
	}{
		{0, 0, memFloor},
		{20 << 20, 4 << 20, memFloor},              // small heaps: the floor, GOGC decides
		{80 << 20, 6 << 20, (80 + 6 + 20) << 20},   // a quarter of the live heap
		{40 << 20, 50 << 20, (40 + 50 + 16) << 20}, // the margin's minimum
		{200 << 20, 10 << 20, (200 + 10 + 50) << 20},
	} {
		if got := memLimit(c.live, c.overhead); got != c.want {
			t.Errorf("memLimit(%d MiB, %d MiB) = %d MiB, want %d MiB", c.live>>20, c.overhead>>20, got>>20, c.want>>20)
		}
	}
}

// TestMemLimiterFollowsTheLiveHeap: the limit moves above the floor after
// a collection finds a live heap bigger than the floor.
func TestMemLimiterFollowsTheLiveHeap(t *testing.T) {
	old := debug.SetMemoryLimit(memFloor)
	defer debug.SetMemoryLimit(old)
	(&memLimiter{}).arm()
	ballast := make([][]byte, 0, 96)
	for range 96 {
		ballast = append(ballast, make([]byte, 1<<20))
	}
	deadline := time.Now().Add(5 * time.Second)
	for debug.SetMemoryLimit(-1) < 96<<20+memMarginMin && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	got := debug.SetMemoryLimit(-1)
	runtime.KeepAlive(ballast)
	if got < 96<<20+memMarginMin || got > 256<<20 {
		t.Fatalf("limit with 96 MiB live is %d MiB, want the live heap plus a margin", got>>20)
	}
}
