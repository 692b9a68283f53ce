package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/telemetry"
)

// DefaultMemoryLimit is DuckDB's buffer memory when Options.MemoryLimit is
// 0. DuckDB's own default (80% of RAM) lets it cache written blocks until
// the process is gigabytes large; rollup queries need far less.
const DefaultMemoryLimit = 256 << 20

// Options tune an opened store. The zero value is a good default.
type Options struct {
	// MemoryLimit caps DuckDB's buffer memory in bytes (beyond it, it
	// evicts cached blocks and spills to a temporary directory beside the
	// file); 0 is DefaultMemoryLimit, -1 DuckDB's own default. It does not
	// cap the Go side: an Appender holds its batch's invocations in Go
	// columns, about 150 bytes each, until Commit.
	MemoryLimit int64
	// Threads is DuckDB's worker count; 0 is one per core.
	Threads int
}

// Store is a store.Store in one DuckDB file.
type Store struct {
	db      *sql.DB
	path    string
	threads int // Options.Threads

	// commitMu serializes commits and retention: each reads the stored
	// rows it is about to add to, so two at once could both miss a
	// duplicate or both merge one rollup row.
	commitMu sync.Mutex

	names      names
	batches    sync.Map // handle → *invBatch, for fnops_inv_batch
	freeMu     sync.Mutex
	free       []*invBatch // spent batches, for reuse (see maxFreeBatches)
	nextHandle atomic.Int64
	fastFill   atomic.Bool // batches are written whole columns at a time (chunk.go)

	mu     sync.Mutex
	closed bool
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the store at path and migrates it to
// SchemaVersion. A file written by a newer fnops is refused with
// store.ErrNewerSchema. path "" opens a private in-memory store, for tests.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	return open(ctx, path, opts, migrations)
}

func open(ctx context.Context, path string, opts Options, steps []string) (*Store, error) {
	if path != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("open store %s: %w", path, err)
		}
	}
	init := func(ex driver.ExecerContext) error {
		// Temp tables and spills stay on the connection; nothing here is
		// per-connection state a pooled connection could lose.
		return nil
	}
	conn, err := duck.NewConnector(path, init)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db := sql.OpenDB(conn)
	s := &Store{db: db, path: path, threads: opts.Threads}
	if err := s.configure(ctx, opts); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := migrate(ctx, db, steps); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := s.names.load(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := errors.Join(s.registerBatchFuncs(ctx), s.registerMetricFunc(ctx)); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s.fastFill.Store(chunkLayout.ok && s.probeFastFill(ctx) == nil)
	return s, nil
}

func (s *Store) configure(ctx context.Context, opts Options) error {
	if opts.MemoryLimit == 0 {
		opts.MemoryLimit = DefaultMemoryLimit
	}
	if opts.MemoryLimit > 0 {
		if _, err := s.db.ExecContext(ctx, fmt.Sprintf("SET memory_limit = '%dB'", opts.MemoryLimit)); err != nil {
			return err
		}
	}
	if opts.Threads > 0 {
		if _, err := s.db.ExecContext(ctx, fmt.Sprintf("SET threads = %d", opts.Threads)); err != nil {
			return err
		}
	}
	if _, err := s.db.ExecContext(ctx, "SET preserve_insertion_order = false"); err != nil {
		return err
	}
	// Checkpoints compress; large batches make fewer, bigger ones.
	_, err := s.db.ExecContext(ctx, "SET checkpoint_threshold = '256MB'")
	return err
}

// Close closes the store; it is idempotent.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.threads > 0 && s.threads < runtime.NumCPU() {
		// Closing checkpoints what is still in the write-ahead log, which
		// after an ingest is most of what it wrote. Nothing else runs
		// now, so it may use every core.
		_, _ = s.db.Exec(fmt.Sprintf("SET threads = %d", runtime.NumCPU()))
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store %s: %w", s.path, err)
	}
	return nil
}

func (s *Store) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// SchemaVersion reads the stored schema version.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	if s.isClosed() {
		return 0, store.ErrClosed
	}
	return readVersion(ctx, s.db)
}

// AddDeploys stores deploy markers as one batch.
func (s *Store) AddDeploys(ctx context.Context, deploys ...telemetry.Deploy) (store.CommitResult, error) {
	app, err := s.Appender(ctx)
	if err != nil {
		return store.CommitResult{}, err
	}
	for i := range deploys {
		if err := app.AddDeploy(&deploys[i]); err != nil {
			_ = app.Rollback()
			return store.CommitResult{}, err
		}
	}
	return app.Commit(ctx)
}

// RemoveDeploy deletes the deploy with d's identity.
func (s *Store) RemoveDeploy(ctx context.Context, d telemetry.Deploy) (bool, error) {
	if s.isClosed() {
		return false, store.ErrClosed
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM deploys
		WHERE function = ? AND stack = ? AND version = ? AND ts = ? AND label = ?`,
		d.Function, d.Stack, d.Version, d.Time.UTC(), d.Label)
	if err != nil {
		return false, fmt.Errorf("remove deploy: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("remove deploy: %w", err)
	}
	return n > 0, nil
}

// DeleteRawBefore deletes raw invocations and datapoints before cutoff and
// raises the retention horizon to cutoff.
func (s *Store) DeleteRawBefore(ctx context.Context, cutoff time.Time) (store.Deleted, error) {
	if s.isClosed() {
		return store.Deleted{}, store.ErrClosed
	}
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	var d store.Deleted
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return d, fmt.Errorf("retention: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	c := cutoff.UTC()
	if d.Invocations, err = execCount(ctx, tx, `DELETE FROM invocations WHERE start_ts < ?`, c); err != nil {
		return store.Deleted{}, fmt.Errorf("retention: %w", err)
	}
	if _, err = tx.ExecContext(ctx, `DELETE FROM request_ids WHERE start_ts < ?`, c); err != nil {
		return store.Deleted{}, fmt.Errorf("retention: %w", err)
	}
	if d.Metrics, err = execCount(ctx, tx, `DELETE FROM metrics WHERE ts < ?`, c); err != nil {
		return store.Deleted{}, fmt.Errorf("retention: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE meta SET value = greatest(value, ?) WHERE key = 'raw_horizon_us'`, c.UnixMicro()); err != nil {
		return store.Deleted{}, fmt.Errorf("retention: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return store.Deleted{}, fmt.Errorf("retention: %w", err)
	}
	return d, nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func execCount(ctx context.Context, ex execer, q string, args ...any) (int64, error) {
	res, err := ex.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
