package detect

import (
	"fmt"
	"slices"
	"time"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/telemetry"
)

// minuteSeries is one metric per minute over the frame; NaN-free: absent
// minutes are 0 and have[i] false.
type minuteSeries struct {
	from time.Time
	v    []float64
	have []bool
	any  bool
}

func (f *frame) minutes() int { return int(f.at.Sub(f.mfrom()) / time.Minute) }

// seriesBy groups datapoints of one stat by a dimension's value, per
// minute, keeping the largest value in a minute.
func (f *frame) seriesBy(ms []telemetry.Metric, dim, stat string) map[string]*minuteSeries {
	out := map[string]*minuteSeries{}
	n, from := f.minutes(), f.mfrom()
	for _, m := range ms {
		if m.Stat != stat || len(m.Dimensions) != 1 {
			continue
		}
		key := m.Dimensions[dim]
		if key == "" {
			continue
		}
		i := int(m.Time.Sub(from) / time.Minute)
		if i < 0 || i >= n {
			continue
		}
		s := out[key]
		if s == nil {
			s = &minuteSeries{from: from, v: make([]float64, n), have: make([]bool, n)}
			out[key] = s
		}
		if !s.have[i] || m.Value > s.v[i] {
			s.v[i] = m.Value
		}
		s.have[i], s.any = true, true
	}
	return out
}

// queueSeries finds each series' queue in the graph by QueueName.
func (f *frame) queueSeries(ms map[string]*minuteSeries) map[string]*minuteSeries {
	out := map[string]*minuteSeries{}
	for name, s := range ms {
		if r := f.g.ResourceByName(app.KindQueue, name); r != nil {
			out[r.ID] = s
		} else {
			out[name] = s
		}
	}
	return out
}

// detectQueues runs stuck-queue on every queue a function consumes, and
// dlq-messages on every dead-letter queue and failure destination.
func detectQueues(f *frame) error {
	load := func(name, stat string) (map[string]*minuteSeries, error) {
		ms, err := f.metrics("AWS/SQS", name, nil)
		if err != nil {
			return nil, err
		}
		return f.queueSeries(f.seriesBy(ms, "QueueName", stat)), nil
	}
	age, err := load("ApproximateAgeOfOldestMessage", "Maximum")
	if err != nil {
		return err
	}
	visible, err := load("ApproximateNumberOfMessagesVisible", "Maximum")
	if err != nil {
		return err
	}
	received, err := load("NumberOfMessagesReceived", "Sum")
	if err != nil {
		return err
	}
	deleted, err := load("NumberOfMessagesDeleted", "Sum")
	if err != nil {
		return err
	}
	dlqs := map[string][]string{} // DLQ id → what sends to it
	for _, r := range f.g.Resources {
		if t := r.Text(app.AttrDeadLetterTarget); t != "" {
			if q := f.g.Resource(t); q != nil && q.Kind == app.KindQueue {
				dlqs[q.ID] = append(dlqs[q.ID], r.ID)
			}
		}
	}
	for _, e := range f.g.Edges {
		if e.Kind == app.DeadLetter || e.Kind == app.OnFailure {
			if q := f.g.Resource(e.To); q != nil && q.Kind == app.KindQueue && !slices.Contains(dlqs[q.ID], e.From) {
				dlqs[q.ID] = append(dlqs[q.ID], e.From)
			}
		}
	}
	for _, q := range f.g.Of(app.KindQueue) {
		if q.Disabled {
			continue
		}
		if src, ok := dlqs[q.ID]; ok {
			f.dlq(q, src, visible[q.ID])
		}
		var consumer *fnData
		for _, e := range f.g.Out(q.ID, app.Triggers) {
			if d := f.byID[e.To]; d != nil {
				consumer = d
			}
		}
		if consumer != nil {
			f.stuckQueue(q, consumer, age[q.ID], received[q.ID], deleted[q.ID])
		}
	}
	return nil
}

// noData says a detector cannot judge a resource for want of a metric.
func (f *frame) noData(kind, resource, what string, related []string) {
	f.out = append(f.out, Insight{Kind: kind, Severity: Info, Resource: resource, Related: related,
		FirstSeen: f.at.Add(-f.s.Lookback), LastSeen: f.at, State: NoData,
		Evidence: Evidence{Summary: "no " + what + " datapoints in the last " + Human(f.s.Lookback) + ": cannot tell", Values: map[string]float64{}},
		Cause:    "the metric is not in the store",
		Fix:      "ingest CloudWatch " + what + " (aws cloudwatch get-metric-data output) with fnops ingest"})
}

func recent(s *minuteSeries, f *frame) bool {
	if s == nil {
		return false
	}
	lo := int(f.at.Add(-f.s.Lookback).Sub(s.from) / time.Minute)
	for i := max(lo, 0); i < len(s.have); i++ {
		if s.have[i] {
			return true
		}
	}
	return false
}

func (f *frame) dlq(q *app.Resource, sources []string, vis *minuteSeries) {
	if !f.s.Enabled(KindDLQMessages, q.ID) {
		return
	}
	related := append(slices.Clone(sources), f.related(q)...)
	slices.Sort(related)
	related = slices.Compact(related)
	if !recent(vis, f) {
		f.noData(KindDLQMessages, q.ID, "ApproximateNumberOfMessagesVisible", related)
		return
	}
	l := f.s.Limit(KindDLQMessages, q.ID)
	in, ok := f.minuteEpisode(vis, 1, func(i int) (Severity, Evidence) {
		v := vis.v[i]
		sev := l.severity(v)
		return sev, Evidence{Summary: fmt.Sprintf("%.0f message(s) visible in the dead-letter queue (threshold %.0f)", v, l.Warning),
			Values: map[string]float64{"visible": v}, Threshold: l.Warning}
	})
	if !ok {
		return
	}
	in.Kind, in.Resource, in.Related = KindDLQMessages, q.ID, related
	in.Cause = "messages failed every delivery attempt and were moved to the dead-letter queue: they will not be processed unless someone redrives them"
	in.Fix = "read a message to find why it failed, fix the consumer, then redrive (aws sqs start-message-move-task); alarm on this queue's depth"
	f.out = append(f.out, in)
}

// minuteEpisode finds the last episode of minutes where judge gives a
// severity, merging gaps up to gap minutes.
func (f *frame) minuteEpisode(s *minuteSeries, gap int, judge func(i int) (Severity, Evidence)) (Insight, bool) {
	first, last, worst := -1, -1, -1
	var worstSev Severity
	var ev Evidence
	for i := range s.v {
		if !s.have[i] {
			continue
		}
		sev, e := judge(i)
		if sev == "" {
			continue
		}
		if last >= 0 && i-last > gap+1 {
			first, worst, worstSev = -1, -1, ""
		}
		if first < 0 {
			first = i
		}
		last = i
		if sev.Rank() >= worstSev.Rank() {
			worst, worstSev, ev = i, sev, e
		}
	}
	_ = worst
	if last < 0 {
		return Insight{}, false
	}
	end := s.from.Add(time.Duration(last+1) * time.Minute)
	if end.Before(f.at.Add(-f.s.Lookback)) {
		return Insight{}, false
	}
	in := Insight{Severity: worstSev, Evidence: ev, FirstSeen: s.from.Add(time.Duration(first) * time.Minute), LastSeen: end, State: Resolved}
	// Open when the condition holds at the newest datapoint.
	newest := -1
	for i := len(s.have) - 1; i >= 0; i-- {
		if s.have[i] {
			newest = i
			break
		}
	}
	if newest >= 0 && last >= newest-gap && f.at.Sub(end) <= f.step+time.Minute {
		in.State = Open
	}
	return in, true
}

func (f *frame) stuckQueue(q *app.Resource, consumer *fnData, age, recv, del *minuteSeries) {
	if !f.s.Enabled(KindStuckQueue, q.ID) {
		return
	}
	related := f.related(q)
	if !recent(age, f) {
		f.noData(KindStuckQueue, q.ID, "ApproximateAgeOfOldestMessage", related)
		return
	}
	l := f.s.Limit(KindStuckQueue, q.ID)
	vt, ok := q.Int(app.AttrVisibilityTimeout)
	if !ok {
		vt = 30
	}
	retention, ok := q.Int(app.AttrRetention)
	if !ok {
		retention = 345600
	}
	maxRecv, hasRedrive := q.Int(app.AttrMaxReceiveCount)
	limit := max(l.Warning, 2*float64(vt))
	w := max(1, int(l.Window/time.Minute))
	sum := func(s *minuteSeries, i int) float64 {
		if s == nil {
			return 0
		}
		var t float64
		for k := max(0, i-w+1); k <= i; k++ {
			t += s.v[k]
		}
		return t
	}
	in, found := f.minuteEpisode(age, 2, func(i int) (Severity, Evidence) {
		a := age.v[i]
		if a < limit || i == 0 || !age.have[i-1] || a <= age.v[i-1] {
			return "", Evidence{}
		}
		t := age.from.Add(time.Duration(i) * time.Minute)
		bi := f.index(t)
		fb := consumer.sum(bi-f.buckets(l.Window)+1, bi+1)
		r, dl := sum(recv, i), sum(del, i)
		ratio := r / max(dl, 1)
		failing := fb.errs > 0 || ratio > 1.5
		stopped := fb.inv == 0
		if !failing && !stopped {
			return "", Evidence{}
		}
		sev := Warning
		if !isNaN(l.Critical) && a >= l.Critical*float64(retention) {
			sev = Critical
		}
		vals := map[string]float64{"age_s": a, "visibility_timeout_s": float64(vt), "retention_s": float64(retention),
			"received": r, "deleted": dl, "receive_delete_ratio": ratio, "consumer_errors": float64(fb.errs),
			"seconds_to_expiry": float64(retention) - a, "onset_unix": float64(t.Add(time.Minute - time.Duration(a)*time.Second).Unix())}
		text := fmt.Sprintf("oldest message %.0f s old and rising (threshold %.0f s = max(%.0f s, 2 visibility timeouts)); consumer %s: %d failed of %d invocations in %v; received %.0f, deleted %.0f",
			a, limit, l.Warning, consumer.id(), fb.errs, fb.inv, Human(l.Window), r, dl)
		if typ, n := f.topErrorType(consumer, bi-f.buckets(l.Window)+1, bi+1); n > 0 {
			text += fmt.Sprintf("; repeated error %s (%d times)", typ, n)
			vals["repeated_error_count"] = float64(n)
		}
		if hasRedrive && maxRecv > 0 {
			toDLQ := float64(maxRecv*vt) - a
			vals["seconds_to_dlq"] = max(toDLQ, 0)
			text += fmt.Sprintf("; moves to the DLQ after %d receives (about %.0f s from now)", maxRecv, max(toDLQ, 0))
		} else {
			text += fmt.Sprintf("; no redrive policy: it expires in %.0f s", float64(retention)-a)
		}
		return sev, Evidence{Summary: text, Values: vals, Threshold: limit}
	})
	if !found {
		return
	}
	if t, ok := in.Evidence.Values["onset_unix"]; ok {
		if o := time.Unix(int64(t), 0).UTC(); o.Before(in.FirstSeen) {
			in.FirstSeen = o
		}
	}
	in.Kind, in.Resource = KindStuckQueue, q.ID
	in.Related = related
	in.Cause = "the consumer keeps receiving a message it cannot process (a poison message) or has stopped: the queue does not drain, and messages behind it wait"
	if in.Evidence.Values["consumer_errors"] == 0 {
		in.Cause = "the queue's consumer is not running: messages wait until they expire"
	}
	in.Fix = "turn on ReportBatchItemFailures so one bad message does not fail its batch; give the queue a redrive policy (maxReceiveCount ≥ 5) and a DLQ; fix or discard the message the consumer fails on"
	f.out = append(f.out, in)
}

func isNaN(v float64) bool { return v != v }

// topErrorType is the consumer's most frequent error type in buckets
// [i, j), when the store can tell.
func (f *frame) topErrorType(d *fnData, i, j int) (string, int64) {
	var best string
	var bn int64
	for typ, s := range f.errorTypes[d] {
		var n int64
		for k := max(i, 0); k < min(j, len(s)); k++ {
			n += s[k]
		}
		if n > bn || (n == bn && typ < best) {
			best, bn = typ, n
		}
	}
	return best, bn
}

// detectStreams runs iterator-age on functions fed by Kinesis or DynamoDB
// streams.
func detectStreams(f *frame) error {
	ms, err := f.metrics("AWS/Lambda", "IteratorAge", nil)
	if err != nil {
		return err
	}
	series := f.seriesBy(ms, "FunctionName", "Maximum")
	for _, d := range f.fns {
		streamFed := false
		if d.res != nil {
			for _, e := range f.g.In(d.res.ID, app.Triggers) {
				if s := f.g.Resource(e.From); s != nil && (s.Kind == app.KindStream || s.Kind == app.KindTable) {
					streamFed = true
				}
			}
		}
		s := series[d.name]
		if !f.s.Enabled(KindIteratorAge, d.keys()...) || (!streamFed && s == nil) {
			continue
		}
		if !recent(s, f) {
			if d.seen {
				f.noData(KindIteratorAge, d.id(), "IteratorAge", f.related(d.res))
			}
			continue
		}
		l := f.s.Limit(KindIteratorAge, d.keys()...)
		in, ok := f.minuteEpisode(s, f.buckets(l.Window), func(i int) (Severity, Evidence) {
			sec := s.v[i] / 1000
			return l.severity(sec), Evidence{Summary: fmt.Sprintf("iterator age %.0f s (warning at %.0f s, critical at %.0f s)", sec, l.Warning, l.Critical),
				Values: map[string]float64{"iterator_age_s": sec}, Threshold: l.Warning}
		})
		if !ok {
			continue
		}
		in.Kind, in.Resource, in.Related = KindIteratorAge, d.id(), f.related(d.res)
		in.Cause = "the function falls behind its stream: records wait longer and longer, and expire at the stream's retention"
		in.Fix = "raise ParallelizationFactor or the batch size, speed up the handler, and set BisectBatchOnFunctionError and MaximumRetryAttempts so one bad record cannot hold a shard"
		f.out = append(f.out, in)
	}
	return nil
}
