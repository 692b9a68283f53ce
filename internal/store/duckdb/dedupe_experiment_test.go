package duckdb

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	duck "github.com/duckdb/duckdb-go/v2"
)

// TestDedupeDesigns compares ways to drop already-stored invocations, in
// plain SQL on the invocations shape: 16 batches of 250k rows, 1000 rows
// a second of start time, into a file. Run with FNOPS_STORE_EXPERIMENT=1;
// it logs CPU per inserted row. On the 2-core dev VM (2026-11-25):
//
//	no dedupe                        224 ns/row
//	window semi-join (chosen)        447 ns/row  flat in table size
//	whole-table anti-join            636 ns/row  grows with the table
//	PRIMARY KEY + INSERT OR IGNORE  4936 ns/row  and an in-memory ART index
//
// The window costs in proportion to the stored rows within
// store.MaxInvocation of the batch: here 900k, a dense worst case.
func TestDedupeDesigns(t *testing.T) {
	if os.Getenv("FNOPS_STORE_EXPERIMENT") == "" {
		t.Skip("set FNOPS_STORE_EXPERIMENT=1 to run")
	}
	const batches, rows = 16, 250_000
	designs := []struct{ name, ddl, insert string }{
		{"no dedupe", "", `INSERT INTO t SELECT * FROM src`},
		{"window semi-join (chosen)", "", `INSERT INTO t SELECT * FROM src s WHERE NOT EXISTS (
			SELECT 1 FROM t WHERE t.start_ts BETWEEN $1::TIMESTAMP - INTERVAL 15 MINUTE AND $2::TIMESTAMP + INTERVAL 15 MINUTE
			AND t.fn = s.fn AND t.request_uuid = s.request_uuid)`},
		{"whole-table anti-join", "", `INSERT INTO t SELECT * FROM src s WHERE NOT EXISTS (
			SELECT 1 FROM t WHERE t.fn = s.fn AND t.request_uuid = s.request_uuid)`},
		{"PRIMARY KEY + INSERT OR IGNORE", ", PRIMARY KEY (fn, request_uuid)", `INSERT OR IGNORE INTO t SELECT * FROM src`},
	}
	for _, d := range designs {
		t.Run(d.name, func(t *testing.T) {
			c, err := duck.NewConnector(filepath.Join(t.TempDir(), "x.duckdb"), nil)
			if err != nil {
				t.Fatal(err)
			}
			db := sql.OpenDB(c)
			defer db.Close()
			db.SetMaxOpenConns(1)
			mustExec(t, db, `SET memory_limit = '256MB'`)
			mustExec(t, db, `SET preserve_insertion_order = false`)
			mustExec(t, db, `CREATE TABLE t (fn INTEGER NOT NULL, version INTEGER NOT NULL, env INTEGER NOT NULL,
				request_uuid UUID NOT NULL, start_ts TIMESTAMP NOT NULL, end_ts TIMESTAMP NOT NULL,
				duration_us BIGINT NOT NULL, billed_ms BIGINT NOT NULL, memory_mb INTEGER NOT NULL,
				max_memory_mb INTEGER NOT NULL, init_us BIGINT NOT NULL, restore_us BIGINT NOT NULL,
				billed_restore_ms BIGINT NOT NULL, cold BOOLEAN NOT NULL, status UTINYINT NOT NULL,
				error_type INTEGER NOT NULL, arch INTEGER NOT NULL`+d.ddl+`)`)
			var cpu time.Duration
			for b := range batches {
				base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(b*rows) * time.Millisecond)
				mustExec(t, db, fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE src AS SELECT
					(i %% 50)::INTEGER AS fn, 1 AS version, (i %% 64)::INTEGER AS env, uuid() AS request_uuid,
					$1::TIMESTAMP + to_milliseconds(i) AS start_ts, $1::TIMESTAMP + to_milliseconds(i + 5) AS end_ts,
					(i * 7919 %% 10000000)::BIGINT, 100::BIGINT, 512, 256, 0::BIGINT, 0::BIGINT, 0::BIGINT,
					i %% 100 = 0, 0::UTINYINT, 0, 0 FROM range(%d) r(i)`, rows), base)
				c0 := cpuTime()
				if d.insert == designs[1].insert {
					mustExec(t, db, d.insert, base, base.Add(rows*time.Millisecond))
				} else {
					mustExec(t, db, d.insert)
				}
				cpu += cpuTime() - c0
				if b == batches-1 && os.Getenv("FNOPS_STORE_EXPLAIN") != "" && d.insert == designs[1].insert {
					var k, v string
					if err := db.QueryRow(`EXPLAIN ANALYZE `+d.insert, base, base.Add(rows*time.Millisecond)).Scan(&k, &v); err != nil {
						t.Fatal(err)
					}
					t.Log(v)
				}
			}
			t.Logf("%-32s %4.0f ns/row CPU", d.name, float64(cpu.Nanoseconds())/(batches*rows))
		})
	}
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
