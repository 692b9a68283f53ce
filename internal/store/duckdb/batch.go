package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	duck "github.com/duckdb/duckdb-go/v2"
	"github.com/zeebo/xxh3"

	"github.com/fnops/fnops/internal/telemetry"
)

// Invocations reach DuckDB through a table function, fnops_inv_batch(h),
// that reads a batch's Go column buffers with typed, allocation-free
// vector writes (duck.SetChunkValue), on every DuckDB thread at once.
// duck.Appender.AppendRow takes its values as []driver.Value, boxing and
// type-switching each one: 1.2 µs per 19-column invocation measured here,
// which alone would cap ingest below 1M/s. Metrics and deploys, a few per
// second, still use the Appender.

// batchCap is the initial capacity of an appender's column buffers.
const batchCap = 64 * 1024

// invBatch is the column buffers of a batch's invocations: about 140
// bytes each, so Go memory is proportional to the batch size, and DuckDB
// reads the rows from here exactly once, straight into the stored table.
type invBatch struct {
	fn, ver, env, errT, arch []int32
	ridUUID                  []duck.UUID
	ridText                  []string // "" when ridUUID holds the id, else zero
	start, end               []int64  // µs since the epoch
	dur, billed              []int64
	mem, maxMem              []int32
	init, restore, billRest  []int64
	cold                     []bool
	status                   []uint8
}

func newInvBatch() *invBatch {
	const n = batchCap
	return &invBatch{
		fn: make([]int32, 0, n), ver: make([]int32, 0, n), env: make([]int32, 0, n),
		errT: make([]int32, 0, n), arch: make([]int32, 0, n),
		ridUUID: make([]duck.UUID, 0, n), ridText: make([]string, 0, n),
		start: make([]int64, 0, n), end: make([]int64, 0, n), dur: make([]int64, 0, n), billed: make([]int64, 0, n),
		mem: make([]int32, 0, n), maxMem: make([]int32, 0, n),
		init: make([]int64, 0, n), restore: make([]int64, 0, n), billRest: make([]int64, 0, n),
		cold: make([]bool, 0, n), status: make([]uint8, 0, n),
	}
}

func (b *invBatch) len() int { return len(b.fn) }

// fnList is the batch's distinct function ids as a SQL list: "3,7".
func (b *invBatch) fnList() string {
	var seen []int32
	last := int32(-1)
	for _, f := range b.fn {
		if f != last && !slices.Contains(seen, f) {
			seen = append(seen, f)
		}
		last = f
	}
	slices.Sort(seen)
	out := make([]byte, 0, 8*len(seen))
	for i, f := range seen {
		if i > 0 {
			out = append(out, ',')
		}
		out = strconv.AppendInt(out, int64(f), 10)
	}
	return string(out)
}

// maxFreeBatches is how many spent batches the store keeps for reuse: as
// many as ingest has in flight (two filling, one committing). A plain list
// rather than a sync.Pool, which every second GC empties: a fresh batch
// grows its columns by reallocation and page faults, 0.17 µs a row.
const maxFreeBatches = 3

func (s *Store) getBatch() *invBatch {
	s.freeMu.Lock()
	defer s.freeMu.Unlock()
	if n := len(s.free); n > 0 {
		b := s.free[n-1]
		s.free = s.free[:n-1]
		return b
	}
	return newInvBatch()
}

// putBatch empties b and keeps its buffers for the next appender.
func (s *Store) putBatch(b *invBatch) {
	if b == nil {
		return
	}
	b.fn, b.ver, b.env, b.errT, b.arch = b.fn[:0], b.ver[:0], b.env[:0], b.errT[:0], b.arch[:0]
	b.ridUUID, b.ridText = b.ridUUID[:0], b.ridText[:0]
	clear(b.ridText[:cap(b.ridText)]) // drop the strings it held
	b.start, b.end, b.dur, b.billed = b.start[:0], b.end[:0], b.dur[:0], b.billed[:0]
	b.mem, b.maxMem = b.mem[:0], b.maxMem[:0]
	b.init, b.restore, b.billRest = b.init[:0], b.restore[:0], b.billRest[:0]
	b.cold, b.status = b.cold[:0], b.status[:0]
	s.freeMu.Lock()
	defer s.freeMu.Unlock()
	if len(s.free) < maxFreeBatches {
		s.free = append(s.free, b)
	}
}

// drop removes the rows marked in gone, keeping the order of the rest.
func (b *invBatch) drop(gone []bool) {
	b.fn, b.ver, b.env = compact(b.fn, gone), compact(b.ver, gone), compact(b.env, gone)
	b.errT, b.arch = compact(b.errT, gone), compact(b.arch, gone)
	b.ridUUID, b.ridText = compact(b.ridUUID, gone), compact(b.ridText, gone)
	b.start, b.end = compact(b.start, gone), compact(b.end, gone)
	b.dur, b.billed = compact(b.dur, gone), compact(b.billed, gone)
	b.mem, b.maxMem = compact(b.mem, gone), compact(b.maxMem, gone)
	b.init, b.restore, b.billRest = compact(b.init, gone), compact(b.restore, gone), compact(b.billRest, gone)
	b.cold, b.status = compact(b.cold, gone), compact(b.status, gone)
}

func compact[T any](s []T, gone []bool) []T {
	out := s[:0]
	for i, v := range s {
		if !gone[i] {
			out = append(out, v)
		}
	}
	return out
}

func (b *invBatch) add(ids *[5]int32, inv *telemetry.Invocation) {
	b.fn = append(b.fn, ids[0])
	b.ver = append(b.ver, ids[1])
	b.env = append(b.env, ids[2])
	b.errT = append(b.errT, ids[3])
	b.arch = append(b.arch, ids[4])
	u, ok := parseUUID(inv.RequestID)
	if !ok {
		// Not a UUID: its 128-bit hash stands in. A hash equal to a real
		// UUID of the same function is as likely as a 2^-128 coincidence.
		h := xxh3.HashString128(inv.RequestID).Bytes()
		u = duck.UUID(h)
	}
	b.ridUUID = append(b.ridUUID, u)
	if ok {
		b.ridText = append(b.ridText, "")
	} else {
		b.ridText = append(b.ridText, inv.RequestID)
	}
	b.start = append(b.start, inv.Start.UnixMicro())
	b.end = append(b.end, inv.End.UnixMicro())
	b.dur = append(b.dur, inv.DurationUS)
	b.billed = append(b.billed, inv.BilledDurationMS)
	b.mem = append(b.mem, inv.MemorySizeMB)
	b.maxMem = append(b.maxMem, inv.MaxMemoryUsedMB)
	b.init = append(b.init, inv.InitDurationUS)
	b.restore = append(b.restore, inv.RestoreDurationUS)
	b.billRest = append(b.billRest, inv.BilledRestoreMS)
	b.cold = append(b.cold, inv.ColdStart)
	b.status = append(b.status, uint8(inv.Status))
}

// uuidHexAt is where each byte's two hex digits start in a UUID string.
var uuidHexAt = [16]int{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34}

// parseUUID accepts exactly the canonical lowercase form, so that
// UUID::VARCHAR gives the same string back.
func parseUUID(s string) (duck.UUID, bool) {
	var u duck.UUID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, false
	}
	for j, i := range uuidHexAt {
		hi, ok1 := unhex(s[i])
		lo, ok2 := unhex(s[i+1])
		if !ok1 || !ok2 {
			return duck.UUID{}, false
		}
		u[j] = hi<<4 | lo
	}
	return u, true
}

func unhex(c byte) (byte, bool) {
	v := unhexTable[c]
	return v & 0x0f, v != 0xff
}

// unhexTable maps lowercase hex digits to their value, others to 0xff.
var unhexTable = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c - '0'
	}
	for c := byte('a'); c <= 'f'; c++ {
		t[c] = c - 'a' + 10
	}
	return t
}()

// stageColumns are fnops_inv_batch's columns: the invocations table's, in
// order.
var stageColumns = []struct {
	name string
	t    duck.Type
}{
	{"fn", duck.TYPE_INTEGER}, {"version", duck.TYPE_INTEGER}, {"env", duck.TYPE_INTEGER},
	{"request_uuid", duck.TYPE_UUID},
	{"start_ts", duck.TYPE_TIMESTAMP}, {"end_ts", duck.TYPE_TIMESTAMP},
	{"duration_us", duck.TYPE_BIGINT}, {"billed_ms", duck.TYPE_BIGINT},
	{"memory_mb", duck.TYPE_INTEGER}, {"max_memory_mb", duck.TYPE_INTEGER},
	{"init_us", duck.TYPE_BIGINT}, {"restore_us", duck.TYPE_BIGINT}, {"billed_restore_ms", duck.TYPE_BIGINT},
	{"cold", duck.TYPE_BOOLEAN}, {"status", duck.TYPE_UTINYINT},
	{"error_type", duck.TYPE_INTEGER}, {"arch", duck.TYPE_INTEGER},
}

// keyColumns are fnops_inv_keys's columns: the identity and the row's
// index in the batch. It is a function of its own because a query must use
// every column a duckdb-go table function fills: writing an unprojected
// one costs an allocated error per value.
var keyColumns = []struct {
	name string
	t    duck.Type
}{{"fn", duck.TYPE_INTEGER}, {"request_uuid", duck.TYPE_UUID}, {"row", duck.TYPE_BIGINT}}

// batchSource serves one invBatch to DuckDB: all columns, or (keys) the
// identity and row index.
type batchSource struct {
	b    *invBatch
	cols []duck.ColumnInfo
	keys bool
	fast bool         // write whole columns (chunk.go); the store checked it works
	next atomic.Int64 // the next row a FillChunk takes; one source per scan
}

func (s *batchSource) ColumnInfos() []duck.ColumnInfo { return s.cols }

func (s *batchSource) Cardinality() *duck.CardinalityInfo {
	if s.keys {
		// Understated on purpose: the dedupe join must build its hash
		// table on the batch and stream the stored window past it. DuckDB
		// guesses a filtered scan at a fifth of the table, so with the true
		// count it built on a 900k-row window to probe 250k batch rows, and
		// that join was 85% of the dedupe query (0.13 s of 0.15 s).
		return &duck.CardinalityInfo{Cardinality: uint(s.b.len()/16 + 1)}
	}
	return &duck.CardinalityInfo{Cardinality: uint(s.b.len()), Exact: true}
}

func (s *batchSource) Init() duck.ParallelTableSourceInfo { return duck.ParallelTableSourceInfo{} }

func (s *batchSource) NewLocalState() any { return &struct{}{} }

// FillChunk claims the next chunk-sized run of rows and writes them.
func (s *batchSource) FillChunk(_ any, c duck.DataChunk) error {
	b := s.b
	n := int64(duck.GetDataChunkCapacity())
	lo := s.next.Add(n) - n
	hi := min(lo+n, int64(b.len()))
	if lo >= hi {
		return c.SetSize(0)
	}
	if s.fast {
		var ptrs [24]unsafe.Pointer
		if cols := columnData(&c, len(s.cols), ptrs[:0]); cols != nil {
			s.fillFast(cols, int(lo), int(hi))
			return c.SetSize(int(hi - lo))
		}
	}
	if s.keys {
		for i := lo; i < hi; i++ {
			r := int(i - lo)
			if err := errors.Join(duck.SetChunkValue(c, 0, r, b.fn[i]), duck.SetChunkValue(c, 1, r, b.ridUUID[i]),
				duck.SetChunkValue(c, 2, r, i)); err != nil {
				return fmt.Errorf("stage key %d: %w", i, err)
			}
		}
		return c.SetSize(int(hi - lo))
	}
	for i := lo; i < hi; i++ {
		r := int(i - lo)
		var err error
		set := func(e error) {
			if err == nil {
				err = e
			}
		}
		set(duck.SetChunkValue(c, 0, r, b.fn[i]))
		set(duck.SetChunkValue(c, 1, r, b.ver[i]))
		set(duck.SetChunkValue(c, 2, r, b.env[i]))
		set(duck.SetChunkValue(c, 3, r, b.ridUUID[i]))
		set(duck.SetChunkValue(c, 4, r, time.UnixMicro(b.start[i])))
		set(duck.SetChunkValue(c, 5, r, time.UnixMicro(b.end[i])))
		set(duck.SetChunkValue(c, 6, r, b.dur[i]))
		set(duck.SetChunkValue(c, 7, r, b.billed[i]))
		set(duck.SetChunkValue(c, 8, r, b.mem[i]))
		set(duck.SetChunkValue(c, 9, r, b.maxMem[i]))
		set(duck.SetChunkValue(c, 10, r, b.init[i]))
		set(duck.SetChunkValue(c, 11, r, b.restore[i]))
		set(duck.SetChunkValue(c, 12, r, b.billRest[i]))
		set(duck.SetChunkValue(c, 13, r, b.cold[i]))
		set(duck.SetChunkValue(c, 14, r, b.status[i]))
		set(duck.SetChunkValue(c, 15, r, b.errT[i]))
		set(duck.SetChunkValue(c, 16, r, b.arch[i]))
		if err != nil {
			return fmt.Errorf("stage row %d: %w", i, err)
		}
	}
	return c.SetSize(int(hi - lo))
}

// fillFast writes rows [lo, hi) whole columns at a time; see chunk.go.
func (s *batchSource) fillFast(cols []unsafe.Pointer, lo, hi int) {
	b := s.b
	if s.keys {
		putInt32(cols[0], b.fn[lo:hi])
		putUUID(cols[1], b.ridUUID[lo:hi])
		rows := unsafe.Slice((*int64)(cols[2]), hi-lo)
		for i := range rows {
			rows[i] = int64(lo + i)
		}
		return
	}
	putInt32(cols[0], b.fn[lo:hi])
	putInt32(cols[1], b.ver[lo:hi])
	putInt32(cols[2], b.env[lo:hi])
	putUUID(cols[3], b.ridUUID[lo:hi])
	putInt64(cols[4], b.start[lo:hi]) // TIMESTAMP is µs since the epoch
	putInt64(cols[5], b.end[lo:hi])
	putInt64(cols[6], b.dur[lo:hi])
	putInt64(cols[7], b.billed[lo:hi])
	putInt32(cols[8], b.mem[lo:hi])
	putInt32(cols[9], b.maxMem[lo:hi])
	putInt64(cols[10], b.init[lo:hi])
	putInt64(cols[11], b.restore[lo:hi])
	putInt64(cols[12], b.billRest[lo:hi])
	putBool(cols[13], b.cold[lo:hi])
	putUint8(cols[14], b.status[lo:hi])
	putInt32(cols[15], b.errT[lo:hi])
	putInt32(cols[16], b.arch[lo:hi])
}

// The table functions serving batches: fnops_inv_batch(h) and
// fnops_inv_keys(h) read the batch s.batches holds under handle h.
const (
	batchFunc = "fnops_inv_batch"
	keysFunc  = "fnops_inv_keys"
)

func (s *Store) registerBatchFuncs(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, f := range []struct {
		name string
		keys bool
		cols []struct {
			name string
			t    duck.Type
		}
	}{{batchFunc, false, stageColumns}, {keysFunc, true, keyColumns}} {
		cols := make([]duck.ColumnInfo, len(f.cols))
		for i, c := range f.cols {
			ti, err := duck.NewTypeInfo(c.t)
			if err != nil {
				return err
			}
			cols[i] = duck.ColumnInfo{Name: c.name, T: ti}
		}
		bigint, err := duck.NewTypeInfo(duck.TYPE_BIGINT)
		if err != nil {
			return err
		}
		keys := f.keys
		err = duck.RegisterTableUDF(conn, f.name, duck.ParallelChunkTableFunction{
			Config: duck.TableFunctionConfig{Arguments: []duck.TypeInfo{bigint}},
			BindArguments: func(_ map[string]any, args ...any) (duck.ParallelChunkTableSource, error) {
				h, _ := args[0].(int64)
				b, ok := s.batches.Load(h)
				if !ok {
					return nil, fmt.Errorf("no batch %d", h)
				}
				return &batchSource{b: b.(*invBatch), cols: cols, keys: keys, fast: s.fastFill.Load()}, nil
			},
		})
		if err != nil {
			return fmt.Errorf("register %s: %w", f.name, err)
		}
	}
	return nil
}

// names is the store's cache of the names table: string to id.
type names struct {
	mu   sync.Mutex
	ids  map[string]nameID
	next int32
}

type nameID struct {
	id        int32
	persisted bool // the names table has it
}

func (n *names) load(ctx context.Context, db *sql.DB) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.ids = map[string]nameID{}
	rows, err := db.QueryContext(ctx, `SELECT id, name FROM names`)
	if err != nil {
		return fmt.Errorf("load names: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int32
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			return fmt.Errorf("load names: %w", err)
		}
		n.ids[s] = nameID{id, true}
		n.next = max(n.next, id+1)
	}
	return rows.Err()
}

// id returns s's id, assigning one if s is new.
func (n *names) id(s string) nameID {
	n.mu.Lock()
	defer n.mu.Unlock()
	v, ok := n.ids[s]
	if !ok {
		v = nameID{id: n.next}
		n.next++
		n.ids[s] = v
	}
	return v
}

// persisted marks ids as written to the names table.
func (n *names) persisted(written map[string]int32) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for s, id := range written {
		n.ids[s] = nameID{id, true}
	}
}
