package duckdb

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(context.Background(), filepath.Join(t.TempDir(), "fnops.duckdb"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
