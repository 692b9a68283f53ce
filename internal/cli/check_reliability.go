package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/config"
	"github.com/fnops/fnops/internal/detect"
	"github.com/fnops/fnops/internal/store"
)

// checkReviewLookback is how far back check's Reliability section looks
// when the config sets no lookback: a review covers the week, where watch
// covers the day.
const checkReviewLookback = 7 * 24 * time.Hour

// checkReliability prints the Reliability section of fnops check: the
// detectors' insights over the store's data, open first and worst first,
// then those resolved in the review's span, then what cannot be judged.
// When now is past the data (a shipped or imported week), it evaluates at
// the end of the data and says so.
func checkReliability(ctx context.Context, w io.Writer, q store.Querier, g *app.Graph, cfg config.Thresholds, now time.Time) error {
	fmt.Fprintln(w, "\nReliability")
	if cfg.Lookback == 0 {
		cfg.Lookback = checkReviewLookback
	}
	s, err := detect.NewSettings(cfg)
	if err != nil {
		return withCode(ExitInput, err) // file:line: key path: problem
	}
	end, err := dataEnd(ctx, q)
	if err != nil {
		return withCode(ExitInternal, err)
	}
	if end.IsZero() {
		fmt.Fprintln(w, "  no telemetry in the store: nothing can be judged (which is not all clear)")
		return nil
	}
	at := now.UTC()
	note := ""
	if end.Before(at) {
		// Round up to the interval so the last bucket of data counts.
		at = end.Truncate(s.Interval)
		if !at.Equal(end) {
			at = at.Add(s.Interval)
		}
		note = " (the end of the data; now is past it)"
	}
	ins, err := s.Evaluate(ctx, q, g, at)
	if err != nil {
		return withCode(ExitInternal, err)
	}
	var open, resolved, nodata []detect.Insight
	for _, in := range ins {
		switch in.State {
		case detect.Open:
			open = append(open, in)
		case detect.Resolved:
			resolved = append(resolved, in)
		default:
			nodata = append(nodata, in)
		}
	}
	fmt.Fprintf(w, "  evaluated at %s%s, over the %s before: %d open, %d resolved, %d cannot be judged\n",
		s.Evaluated(at).Format("2006-01-02 15:04 UTC"), note, detect.Human(s.Lookback), len(open), len(resolved), len(nodata))
	writeInsightList(w, open, resolved, false)
	if n := countBelow(resolved, detect.Warning); n > 0 {
		fmt.Fprintf(w, "  and %d resolved info insights (fnops watch --once --all --at %s lists them)\n", n, s.Evaluated(at).Format(time.RFC3339))
	}
	writeNoData(w, nodata)
	return nil
}

func countBelow(ins []detect.Insight, s detect.Severity) int {
	n := 0
	for _, in := range ins {
		if in.Severity.Rank() < s.Rank() {
			n++
		}
	}
	return n
}
