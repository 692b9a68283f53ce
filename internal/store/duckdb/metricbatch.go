package duckdb

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"
	"unsafe"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/telemetry"
)

// Datapoints are staged like invocations: the per-datapoint values (key,
// time, period, value) in Go columns that fnops_metric_batch(h) serves
// whole columns at a time, and the strings a series repeats on every
// datapoint (namespace, name, dimensions, stat, unit) once per series in
// stage_series, through duckdb-go's Appender. The commit joins the two into
// metrics. The per-row Appender with its two list columns cost 3 µs a
// datapoint; a metric file is a few series of many datapoints each.

// metricBatch is the column buffers of a batch's datapoints.
type metricBatch struct {
	k1, k2 []uint64
	sid    []int32 // the row's series in stage_series
	ts     []int64 // µs since the epoch
	period []int32
	value  []float64
}

func (b *metricBatch) len() int { return len(b.k1) }

func (b *metricBatch) add(k key, sid int32, tsUS int64, period int32, value float64) {
	b.k1 = append(b.k1, k[0])
	b.k2 = append(b.k2, k[1])
	b.sid = append(b.sid, sid)
	b.ts = append(b.ts, tsUS)
	b.period = append(b.period, period)
	b.value = append(b.value, value)
}

// metricSeries is the last series an appender resolved: consecutive
// datapoints mostly belong to the same one.
type metricSeries struct {
	set                   bool
	namespace, name, stat string
	unit                  string
	dimsIn                map[string]string // a copy of the Dimensions it was resolved from
	dims                  string            // canonical
	sid                   int32
}

func (s *metricSeries) matches(m *telemetry.Metric) bool {
	return s.set && m.Namespace == s.namespace && m.Name == s.name && m.Stat == s.stat && m.Unit == s.unit &&
		maps.Equal(m.Dimensions, s.dimsIn)
}

// series returns m's series id in this batch, staging the series if new,
// and its canonical dimensions.
func (a *appender) series(m *telemetry.Metric) (int32, string, error) {
	if a.lastSeries.matches(m) {
		return a.lastSeries.sid, a.lastSeries.dims, nil
	}
	dims := store.CanonicalDimensions(m.Dimensions)
	a.buf = append(a.buf[:0], m.Namespace...)
	for _, p := range []string{m.Name, dims, m.Stat, m.Unit} {
		a.buf = append(a.buf, 0)
		a.buf = append(a.buf, p...)
	}
	sid, ok := a.seriesIDs[string(a.buf)]
	if !ok {
		if a.seriesApp == nil {
			var err error
			if a.seriesApp, err = a.newDuckAppender("stage_series"); err != nil {
				return 0, "", err
			}
		}
		sid = int32(len(a.seriesIDs))
		keys := slices.Sorted(maps.Keys(m.Dimensions))
		vals := make([]string, len(keys))
		for i, k := range keys {
			vals[i] = m.Dimensions[k]
		}
		if err := a.seriesApp.AppendRow(sid, m.Namespace, m.Name, dims, keys, vals, m.Stat, m.Unit); err != nil {
			return 0, "", fmt.Errorf("append series: %w", err)
		}
		a.seriesIDs[string(a.buf)] = sid
	}
	a.lastSeries = metricSeries{set: true, namespace: m.Namespace, name: m.Name, stat: m.Stat, unit: m.Unit,
		dimsIn: maps.Clone(m.Dimensions), dims: dims, sid: sid}
	return sid, dims, nil
}

// insertMetricSQL stores the batch's datapoints that are not too old
// (before the first argument) and not stored already, joined to their
// series; each series' map is built once.
const insertMetricSQL = `INSERT INTO metrics
	SELECT b.k1, b.k2, s.namespace, s.name, s.dims, s.dmap, b.ts, s.stat, b.period, b.value, s.unit
	FROM %s(%d) b
	JOIN (SELECT *, map(dim_keys, dim_values) AS dmap FROM stage_series) s ON b.sid = s.sid
	WHERE b.ts >= ? AND NOT EXISTS (SELECT 1 FROM metrics m
		WHERE m.ts BETWEEN ? AND ? AND m.k1 = b.k1 AND m.k2 = b.k2)`

const metricFunc = "fnops_metric_batch"

var metricColumns = []struct {
	name string
	t    duck.Type
}{
	{"k1", duck.TYPE_UBIGINT}, {"k2", duck.TYPE_UBIGINT}, {"sid", duck.TYPE_INTEGER},
	{"ts", duck.TYPE_TIMESTAMP}, {"period", duck.TYPE_INTEGER}, {"value", duck.TYPE_DOUBLE},
}

// metricSource serves one metricBatch to DuckDB.
type metricSource struct {
	b    *metricBatch
	cols []duck.ColumnInfo
	fast bool
	next int
}

func (s *metricSource) ColumnInfos() []duck.ColumnInfo { return s.cols }

func (s *metricSource) Cardinality() *duck.CardinalityInfo {
	return &duck.CardinalityInfo{Cardinality: uint(s.b.len()), Exact: true}
}

func (s *metricSource) Init() {}

// FillChunk writes the next chunk-sized run of rows.
func (s *metricSource) FillChunk(c duck.DataChunk) error {
	b := s.b
	lo := s.next
	hi := min(lo+duck.GetDataChunkCapacity(), b.len())
	s.next = hi
	if lo >= hi {
		return c.SetSize(0)
	}
	if s.fast {
		var ptrs [8]unsafe.Pointer
		if cols := columnData(&c, len(s.cols), ptrs[:0]); cols != nil {
			putUint64(cols[0], b.k1[lo:hi])
			putUint64(cols[1], b.k2[lo:hi])
			putInt32(cols[2], b.sid[lo:hi])
			putInt64(cols[3], b.ts[lo:hi])
			putInt32(cols[4], b.period[lo:hi])
			putFloat64(cols[5], b.value[lo:hi])
			return c.SetSize(hi - lo)
		}
	}
	for i := lo; i < hi; i++ {
		r := i - lo
		if err := errors.Join(duck.SetChunkValue(c, 0, r, b.k1[i]), duck.SetChunkValue(c, 1, r, b.k2[i]),
			duck.SetChunkValue(c, 2, r, b.sid[i]), duck.SetChunkValue(c, 3, r, time.UnixMicro(b.ts[i])),
			duck.SetChunkValue(c, 4, r, b.period[i]), duck.SetChunkValue(c, 5, r, b.value[i])); err != nil {
			return fmt.Errorf("stage datapoint %d: %w", i, err)
		}
	}
	return c.SetSize(hi - lo)
}

func putUint64(p unsafe.Pointer, src []uint64) { copy(unsafe.Slice((*uint64)(p), len(src)), src) }
func putFloat64(p unsafe.Pointer, src []float64) {
	copy(unsafe.Slice((*float64)(p), len(src)), src)
}

func (s *Store) registerMetricFunc(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	cols := make([]duck.ColumnInfo, len(metricColumns))
	for i, c := range metricColumns {
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
	err = duck.RegisterTableUDF(conn, metricFunc, duck.ChunkTableFunction{
		Config: duck.TableFunctionConfig{Arguments: []duck.TypeInfo{bigint}},
		BindArguments: func(_ map[string]any, args ...any) (duck.ChunkTableSource, error) {
			h, _ := args[0].(int64)
			b, ok := s.batches.Load(h)
			mb, ok2 := b.(*metricBatch)
			if !ok || !ok2 {
				return nil, fmt.Errorf("no datapoint batch %d", h)
			}
			return &metricSource{b: mb, cols: cols, fast: s.fastFill.Load()}, nil
		},
	})
	if err != nil {
		return fmt.Errorf("register %s: %w", metricFunc, err)
	}
	return nil
}
