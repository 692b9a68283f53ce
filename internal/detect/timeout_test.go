package detect

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/config"
	"github.com/fnops/fnops/internal/telemetry"
)

// TestTimeoutUnknownLimit: timeouts of a function the templates do not
// know are reported without making up a timeout for it ("the 0.00 ms
// timeout"); a function the templates know gets its own.
func TestTimeoutUnknownLimit(t *testing.T) {
	st, ap, g := memStore(t, [2]string{"Known", "known"})
	g.Resource("Known").SetAttr(app.AttrTimeout, app.Int(6, app.Pos{}))
	const minutes = 60
	for _, fn := range []string{"known", "mystery"} {
		for m := range minutes {
			ts := simStart.Add(time.Duration(m) * time.Minute)
			for k := range 10 {
				start := ts.Add(time.Duration(k) * time.Second)
				inv := telemetry.Invocation{Function: fn, Version: "$LATEST", RequestID: fmt.Sprintf("%s-%d-%d", fn, m, k), Start: start,
					End: start.Add(50 * time.Millisecond), DurationUS: 50_000, BilledDurationMS: 50, MemorySizeMB: 128, MaxMemoryUsedMB: 90}
				if m >= minutes-10 && k < 5 {
					inv.Status, inv.DurationUS, inv.End = telemetry.StatusTimeout, 6e6, start.Add(6*time.Second)
				}
				if err := ap.AddInvocation(&inv); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	ins := commitEvaluate(t, ap, st, g, config.Thresholds{}, simStart.Add(minutes*time.Minute))
	found := map[string]bool{}
	for _, in := range ins {
		if in.Kind != KindTimeout {
			continue
		}
		found[in.Resource] = true
		sum := in.Evidence.Summary
		if strings.Contains(sum, "0.00 ms") {
			t.Errorf("%s: a made-up timeout: %s", in.Resource, sum)
		}
		to, has := in.Evidence.Values["timeout_ms"]
		switch in.Resource {
		case "Known":
			if !strings.Contains(sum, "the 6000 ms timeout") || to != 6000 {
				t.Errorf("Known: %q, timeout_ms %v", sum, to)
			}
		case "mystery":
			if !strings.Contains(sum, "timeout (unknown: the function is not in the templates)") || has {
				t.Errorf("mystery: %q, timeout_ms %v (%v)", sum, to, has)
			}
		}
	}
	if !found["Known"] || !found["mystery"] {
		t.Errorf("timeouts reported on %v, want Known and mystery", found)
	}
}
