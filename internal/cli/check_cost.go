package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/config"
	"github.com/fnops/fnops/internal/cost"
)

// checkCost prints check's Cost section: this month's cost so far and its
// projection to the month's end, the top functions, the deploys that moved
// cost most, and the savings the telemetry proves.
func checkCost(e *env, o *checkOptions, root string, cfg *config.Config, g *app.Graph) error {
	out := e.stdio.Out
	fmt.Fprintln(out, "\nCost")
	if _, err := os.Stat(o.store.storePath(root)); err != nil {
		fmt.Fprintln(out, "  no telemetry yet")
		return nil
	}
	ctx := context.Background()
	st, _, err := o.store.open(ctx, root)
	if err != nil {
		return err
	}
	defer st.Close()
	cat := newCostCatalog(g, cfg.Cost, o.load.region)
	if _, err := cost.TableFor(time.Now()).Prices(cat.region, cost.ArchX86); err != nil {
		return withCode(ExitInput, err)
	}
	from, to, err := observeRange(ctx, st, time.Time{}, time.Time{})
	if err != nil {
		return withCode(ExitInternal, err)
	}
	if to.IsZero() || !from.Before(to) {
		fmt.Fprintln(out, "  no invocations in the store")
		return nil
	}
	monthStart := time.Date(to.Year(), to.Month(), 1, 0, 0, 0, 0, time.UTC)
	mtd, err := priceApp(ctx, st, cat, costQuery{from: monthStart, to: to, by: []string{"function"}})
	if err != nil {
		return withCode(ExitInput, err)
	}
	obs, err := observeFunctions(ctx, st, cat, from, to)
	if err != nil {
		return withCode(ExitInput, err)
	}
	monthEnd := monthStart.AddDate(0, 1, 0)
	var rate cost.Money
	for _, ob := range obs {
		rate = rate.Add(ob.monthly)
	}
	left := rate.Mul(bigRat(int64(monthEnd.Sub(to)), int64(cost.HoursPerMonth*time.Hour)))
	fmt.Fprintf(out, "  %s so far: $%s (%s to %s); projected for the month: $%s at the rate of the last %s ($%s a 730-hour month)\n",
		monthStart.Format("January 2006"), mtd.Total, mtd.From.Format("Jan 2 15:04"), to.Format("Jan 2 15:04"),
		mtd.Total.Add(left).RoundCents(), roundDuration(to.Sub(from)), rate.RoundCents())
	writeCheckTop(out, mtd.Rows, 5)
	imps, err := deployImpacts(ctx, st, cat, time.Time{}, time.Time{}, 24*time.Hour)
	if err != nil {
		return withCode(ExitInput, err)
	}
	slices.SortStableFunc(imps, func(a, b deployImpact) int { return absCmp(b.Monthly, a.Monthly) })
	if len(imps) > 0 {
		fmt.Fprintln(out, "  biggest deploy deltas (24 h before and after, monthly at current traffic):")
		for _, im := range imps[:min(3, len(imps))] {
			pct := "-"
			if im.PerInvocationPct != nil {
				pct = fmt.Sprintf("%+.1f%%", *im.PerInvocationPct)
			}
			m := im.Monthly.String()
			fmt.Fprintf(out, "    %s %s %s: cost per invocation %s, %s$%s a month\n", im.Deploy.Time.Format("Jan 2 15:04"),
				im.Function, im.Deploy.Label, pct, plusSign(m), trimMinus(m))
		}
	}
	hints, err := savingsHints(obs, from)
	if err != nil {
		return withCode(ExitInput, err)
	}
	if len(hints) > 0 {
		var total cost.Money
		for _, h := range hints {
			total = total.Add(h.amount)
		}
		fmt.Fprintf(out, "  savings available: up to $%s a month (fnops cost savings lists them all)\n", total)
		for _, h := range hints[:min(3, len(hints))] {
			fmt.Fprintf(out, "    %s %s: $%s a month, %s\n", h.Function, h.Kind, h.Monthly, h.Detail)
		}
	}
	writeCostNotes(indentWriter{out}, mtd)
	return nil
}

func writeCheckTop(w io.Writer, rows []costRow, n int) {
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(a, b costRow) int { return b.Split.Total().Cmp(a.Split.Total()) })
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w, "  top functions this month:")
	for _, r := range rows[:min(n, len(rows))] {
		fmt.Fprintf(w, "    %-44s $%s  (%d invocations, $%s per million)\n", r.Key["function"], r.Split.Total(), r.Invocations, perMillion(r))
	}
}

func roundDuration(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) < time.Hour {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.Round(time.Hour).String()
}

// indentWriter indents every line written to it by two spaces.
type indentWriter struct{ w io.Writer }

func (iw indentWriter) Write(p []byte) (int, error) {
	var b []byte
	start := true
	for _, c := range p {
		if start {
			b = append(b, ' ', ' ')
		}
		b = append(b, c)
		start = c == '\n'
	}
	if _, err := iw.w.Write(b); err != nil {
		return 0, err
	}
	return len(p), nil
}
