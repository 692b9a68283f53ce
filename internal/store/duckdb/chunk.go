package duckdb

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"time"
	"unsafe"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/fnops/fnops/internal/telemetry"
)

// Whole-column writes into a table function's output chunk.
//
// duckdb-go writes a chunk one value at a time (duck.SetChunkValue: a
// type switch, a bounds and projection check and a function call per
// value), which was a third of a commit's Go time. Its DataChunk keeps
// each column's data pointer in unexported fields, so columnData reaches
// them through offsets found once by reflection. That is duckdb-go's
// internal layout: chunkLayout checks it at start-up, and the store also
// reads a probe batch back through the fast path (see probeFastFill);
// if either check fails, FillChunk falls back to SetChunkValue.
// TestFastFill fails when a duckdb-go upgrade turns the fast path off.

// chunkLayout is where DataChunk keeps its columns and their data.
type chunkLayoutT struct {
	ok            bool
	columnsOff    uintptr // DataChunk.columns ([]vector)
	projectionOff uintptr // DataChunk.projection ([]int)
	vectorSize    uintptr // sizeof(vector)
	dataPtrOff    uintptr // vector.dataPtr (unsafe.Pointer)
}

var chunkLayout = findChunkLayout()

func findChunkLayout() chunkLayoutT {
	t := reflect.TypeFor[duck.DataChunk]()
	cols, ok1 := t.FieldByName("columns")
	proj, ok2 := t.FieldByName("projection")
	if !ok1 || !ok2 || cols.Type.Kind() != reflect.Slice || cols.Type.Elem().Kind() != reflect.Struct ||
		proj.Type != reflect.TypeFor[[]int]() {
		return chunkLayoutT{}
	}
	vec := cols.Type.Elem()
	data, ok := vec.FieldByName("dataPtr")
	if !ok || data.Type.Kind() != reflect.UnsafePointer || len(data.Index) != 1 {
		return chunkLayoutT{}
	}
	return chunkLayoutT{ok: true, columnsOff: cols.Offset, projectionOff: proj.Offset,
		vectorSize: vec.Size(), dataPtrOff: data.Offset}
}

// columnData returns the data pointers of c's n columns, or nil when the
// fast path cannot be used for this chunk (layout unknown, or a
// projection that is not every column in order).
func columnData(c *duck.DataChunk, n int, out []unsafe.Pointer) []unsafe.Pointer {
	l := &chunkLayout
	if !l.ok {
		return nil
	}
	base := unsafe.Pointer(c)
	cols := *(*[]byte)(unsafe.Add(base, l.columnsOff)) // only its pointer and length are used
	if len(cols) != n {
		return nil
	}
	if proj := *(*[]int)(unsafe.Add(base, l.projectionOff)); proj != nil {
		if len(proj) != n {
			return nil
		}
		for i, p := range proj {
			if p != i {
				return nil
			}
		}
	}
	first := unsafe.Pointer(unsafe.SliceData(cols))
	out = out[:0]
	for i := range n {
		p := *(*unsafe.Pointer)(unsafe.Add(first, uintptr(i)*l.vectorSize+l.dataPtrOff))
		if p == nil {
			return nil
		}
		out = append(out, p)
	}
	return out
}

// The column writers copy rows [lo, hi) of a Go column into a DuckDB
// vector's data from row 0.

func putInt32(p unsafe.Pointer, src []int32) { copy(unsafe.Slice((*int32)(p), len(src)), src) }
func putInt64(p unsafe.Pointer, src []int64) { copy(unsafe.Slice((*int64)(p), len(src)), src) }
func putUint8(p unsafe.Pointer, src []uint8) { copy(unsafe.Slice((*uint8)(p), len(src)), src) }

func putBool(p unsafe.Pointer, src []bool) {
	dst := unsafe.Slice((*uint8)(p), len(src))
	for i, b := range src {
		var v uint8
		if b {
			v = 1
		}
		dst[i] = v
	}
}

// putUUID writes UUIDs as DuckDB stores them: a hugeint (lower, upper
// 64-bit halves) of the big-endian bytes with the sign bit flipped.
func putUUID(p unsafe.Pointer, src []duck.UUID) {
	dst := unsafe.Slice((*[2]uint64)(p), len(src))
	for i := range src {
		u := &src[i]
		dst[i] = [2]uint64{binary.BigEndian.Uint64(u[8:]), binary.BigEndian.Uint64(u[:8]) ^ (1 << 63)}
	}
}

// probeFastFill reads a probe batch back through both table functions with
// the fast path on, and reports the first value that did not come back as
// written. It leaves fastFill on.
func (s *Store) probeFastFill(ctx context.Context) error {
	s.fastFill.Store(true)
	b := newInvBatch()
	defer s.putBatch(b)
	for i := range 3 {
		ids := [5]int32{int32(7 + i), 1 << 20, -3, int32(i), 2}
		inv := telemetry.Invocation{
			RequestID: fmt.Sprintf("8f0c5a2e-1b7d-4c3e-9a6f-%012x", 0xfedcba987654+i), Start: time.UnixMicro(1_700_000_000_123_456 + int64(i)),
			End: time.UnixMicro(1_700_000_001_000_001), DurationUS: 1<<40 + int64(i), BilledDurationMS: 12345,
			MemorySizeMB: 1769, MaxMemoryUsedMB: 99, InitDurationUS: -1, RestoreDurationUS: 5, BilledRestoreMS: 6,
			ColdStart: i == 1, Status: telemetry.Status(i),
		}
		if i == 2 {
			inv.RequestID = "ffffffff-0000-0000-0000-000000000001" // high bit set
		}
		b.add(&ids, &inv)
	}
	h := s.nextHandle.Add(1)
	s.batches.Store(h, b)
	defer s.batches.Delete(h)
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(`SELECT fn, version, env, request_uuid::VARCHAR, epoch_us(start_ts),
		epoch_us(end_ts), duration_us, billed_ms, memory_mb, max_memory_mb, init_us, restore_us, billed_restore_ms,
		cold, status, error_type, arch FROM %s(%d)`, batchFunc, h))
	if err != nil {
		return err
	}
	defer rows.Close()
	n := 0
	for ; rows.Next(); n++ {
		var r struct {
			fn, ver, env, errT, arch, mem, maxMem int32
			id                                    string
			start, end, dur, billed, init, rest   int64
			billRest                              int64
			cold                                  bool
			status                                uint8
		}
		if err := rows.Scan(&r.fn, &r.ver, &r.env, &r.id, &r.start, &r.end, &r.dur, &r.billed, &r.mem, &r.maxMem,
			&r.init, &r.rest, &r.billRest, &r.cold, &r.status, &r.errT, &r.arch); err != nil {
			return err
		}
		i := n
		if i >= b.len() {
			return errors.New("probe: too many rows")
		}
		u, _ := parseUUID(r.id)
		if r.fn != b.fn[i] || r.ver != b.ver[i] || r.env != b.env[i] || u != b.ridUUID[i] || r.start != b.start[i] ||
			r.end != b.end[i] || r.dur != b.dur[i] || r.billed != b.billed[i] || r.mem != b.mem[i] ||
			r.maxMem != b.maxMem[i] || r.init != b.init[i] || r.rest != b.restore[i] || r.billRest != b.billRest[i] ||
			r.cold != b.cold[i] || r.status != b.status[i] || r.errT != b.errT[i] || r.arch != b.arch[i] {
			return fmt.Errorf("probe: row %d read back as %+v", i, r)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if n != b.len() {
		return fmt.Errorf("probe: %d rows read back, want %d", n, b.len())
	}
	krows, err := s.db.QueryContext(ctx, fmt.Sprintf(`SELECT fn, request_uuid::VARCHAR, row FROM %s(%d)`, keysFunc, h))
	if err != nil {
		return err
	}
	defer krows.Close()
	n = 0
	for ; krows.Next(); n++ {
		var fn int32
		var id string
		var row int64
		if err := krows.Scan(&fn, &id, &row); err != nil {
			return err
		}
		if row < 0 || row >= int64(b.len()) {
			return fmt.Errorf("probe: key row %d", row)
		}
		u, _ := parseUUID(id)
		if fn != b.fn[row] || u != b.ridUUID[row] {
			return fmt.Errorf("probe: key row %d read back as %d %s", row, fn, id)
		}
	}
	if err := krows.Err(); err != nil {
		return err
	}
	if n != b.len() {
		return fmt.Errorf("probe: %d key rows read back, want %d", n, b.len())
	}
	return nil
}
