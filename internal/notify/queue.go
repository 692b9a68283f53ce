package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Sink delivers one notification, once: retrying is the queue's job. Send
// returns a *SendError to say whether a retry may succeed and when.
type Sink interface {
	// Name identifies the sink in the state file and in stats.
	Name() string
	Send(ctx context.Context, n Notification) error
}

// SendError is a failed delivery.
type SendError struct {
	// Status is the HTTP status, 0 when there was no response.
	Status int
	// Retryable says a later attempt may succeed (a network error, 408,
	// 429, 5xx); a 3xx or other 4xx will not.
	Retryable bool
	// RetryAfter is the server's Retry-After, 0 when it gave none.
	RetryAfter time.Duration
	Err        error
}

func (e *SendError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("HTTP %d: %v", e.Status, e.Err)
	}
	return e.Err.Error()
}

func (e *SendError) Unwrap() error { return e.Err }

// Delivery configures every sink's queue. Zero fields take the defaults.
type Delivery struct {
	// QueueSize bounds the notifications waiting per sink (default 256);
	// beyond it new ones are dropped and counted.
	QueueSize int
	// Attempts is the most tries per notification (default 5).
	Attempts int
	// Backoff is the wait before the first retry (default 1s), doubled
	// each time up to MaxBackoff (default 1m), with jitter: each wait is
	// drawn from [d/2, d).
	Backoff    time.Duration
	MaxBackoff time.Duration
	// MaxRetryAfter is the longest Retry-After honoured (default 5m): a
	// server asking for longer gets the notification counted as failed
	// rather than a retry before it allowed one.
	MaxRetryAfter time.Duration
	// Sleep waits d or until ctx ends (tests inject it); nil sleeps.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (d Delivery) withDefaults() Delivery {
	if d.QueueSize <= 0 {
		d.QueueSize = 256
	}
	if d.Attempts <= 0 {
		d.Attempts = 5
	}
	if d.Backoff <= 0 {
		d.Backoff = time.Second
	}
	if d.MaxBackoff <= 0 {
		d.MaxBackoff = time.Minute
	}
	if d.MaxRetryAfter <= 0 {
		d.MaxRetryAfter = 5 * time.Minute
	}
	if d.Sleep == nil {
		d.Sleep = sleepCtx
	}
	return d
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// wait is the jittered exponential backoff before retry number n (1 is
// the first retry).
func (d Delivery) wait(n int) time.Duration {
	w := d.Backoff
	for i := 1; i < n && w < d.MaxBackoff; i++ {
		w *= 2
	}
	w = min(w, d.MaxBackoff)
	return w/2 + rand.N(w/2+1)
}

// SinkStats are one sink's delivery counters since start.
type SinkStats struct {
	Name string `json:"name"`
	// Sent were delivered; Failed gave up (after retries, or a permanent
	// error); Dropped were refused by a full queue; Retries counts the
	// extra attempts; Deduped the notifications a dedupe window dropped.
	Sent    int64 `json:"sent"`
	Failed  int64 `json:"failed"`
	Dropped int64 `json:"dropped"`
	Retries int64 `json:"retries"`
	Deduped int64 `json:"deduped"`
	// Pending is queued or in flight now.
	Pending     int       `json:"pending"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
}

type queue struct {
	name  string
	route *Route
	d     Delivery
	log   *slog.Logger
	ch    chan Notification
	ctx   context.Context
	stop  context.CancelFunc
	done  chan struct{}

	pending atomic.Int64
	stats   struct{ sent, failed, dropped, retries, deduped atomic.Int64 }
	mu      sync.Mutex
	lastErr string
	lastAt  time.Time
	closeMu sync.Mutex
	closed  bool
}

func startQueue(r *Route, d Delivery, log *slog.Logger) *queue {
	d = d.withDefaults()
	ctx, stop := context.WithCancel(context.Background())
	q := &queue{name: r.Sink.Name(), route: r, d: d, log: log, ch: make(chan Notification, d.QueueSize),
		ctx: ctx, stop: stop, done: make(chan struct{})}
	go q.run()
	return q
}

// enqueue never blocks: a full queue drops n and counts it.
func (q *queue) enqueue(n Notification) bool {
	q.closeMu.Lock()
	defer q.closeMu.Unlock()
	if q.closed {
		q.stats.dropped.Add(1)
		return false
	}
	q.pending.Add(1)
	select {
	case q.ch <- n:
		return true
	default:
		q.pending.Add(-1)
		q.stats.dropped.Add(1)
		q.fail(fmt.Errorf("queue full (%d): %s %s dropped", cap(q.ch), n.Event, n.Alert.Key))
		return false
	}
}

func (q *queue) run() {
	defer close(q.done)
	for n := range q.ch {
		q.deliver(n)
		q.pending.Add(-1)
	}
}

func (q *queue) deliver(n Notification) {
	for attempt := 1; ; attempt++ {
		err := q.route.Sink.Send(q.ctx, n)
		if err == nil {
			q.stats.sent.Add(1)
			return
		}
		var se *SendError
		retryable := errors.As(err, &se) && se.Retryable
		if !retryable || attempt >= q.d.Attempts || q.ctx.Err() != nil {
			q.stats.failed.Add(1)
			q.fail(fmt.Errorf("%s %s: gave up after %d attempts: %w", n.Event, n.Alert.Key, attempt, err))
			return
		}
		wait := q.d.wait(attempt)
		if se.RetryAfter > 0 {
			if se.RetryAfter > q.d.MaxRetryAfter {
				q.stats.failed.Add(1)
				q.fail(fmt.Errorf("%s %s: server asks to retry after %s, longer than %s: %w", n.Event, n.Alert.Key, se.RetryAfter, q.d.MaxRetryAfter, err))
				return
			}
			wait = se.RetryAfter
		}
		q.stats.retries.Add(1)
		if q.d.Sleep(q.ctx, wait) != nil {
			q.stats.failed.Add(1)
			q.fail(fmt.Errorf("%s %s: abandoned at shutdown: %w", n.Event, n.Alert.Key, err))
			return
		}
	}
}

func (q *queue) fail(err error) {
	q.mu.Lock()
	q.lastErr, q.lastAt = err.Error(), time.Now().UTC()
	q.mu.Unlock()
	q.log.Warn("notification not delivered", "sink", q.name, "err", err)
}

func (q *queue) snapshot() SinkStats {
	q.mu.Lock()
	defer q.mu.Unlock()
	return SinkStats{Name: q.name, Sent: q.stats.sent.Load(), Failed: q.stats.failed.Load(),
		Dropped: q.stats.dropped.Load(), Retries: q.stats.retries.Load(), Deduped: q.stats.deduped.Load(),
		Pending: int(q.pending.Load()), LastError: q.lastErr, LastErrorAt: q.lastAt}
}

func (q *queue) flush(ctx context.Context) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for q.pending.Load() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// close delivers what is queued until ctx ends, then abandons the rest
// (counted as failed).
func (q *queue) close(ctx context.Context) error {
	q.closeMu.Lock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
	q.closeMu.Unlock()
	select {
	case <-q.done:
		q.stop()
		return nil
	case <-ctx.Done():
	}
	q.stop()
	<-q.done
	return fmt.Errorf("sink %s: shutdown before delivery finished", q.name)
}
