package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/store/duckdb"
	"github.com/spf13/pflag"
)

// storeOptions are the flags of every command that reads or writes the
// telemetry store.
type storeOptions struct {
	app  string
	path string
}

func (o *storeOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.app, "app", "", "the app `DIR` whose store to use (default: the command's APP argument, else \".\")")
	fs.StringVar(&o.path, "store", "", "the store `FILE` (default: APP/.fnops/fnops.duckdb)")
}

// defaultStorePath is where an app keeps its store.
func defaultStorePath(appDir string) string {
	return filepath.Join(appDir, ".fnops", "fnops.duckdb")
}

// storePath resolves the store file: --store, else the app directory's.
func (o *storeOptions) storePath(appArg string) string {
	if o.path != "" {
		return o.path
	}
	dir := o.app
	if dir == "" {
		dir = appArg
	}
	if dir == "" {
		dir = "."
	}
	return defaultStorePath(dir)
}

// open opens the embedded DuckDB store at the resolved path.
func (o *storeOptions) open(ctx context.Context, appArg string) (store.Store, string, error) {
	return o.openWith(ctx, appArg, duckdb.Options{})
}

// openWith opens the store with DuckDB tuned by opts.
func (o *storeOptions) openWith(ctx context.Context, appArg string, opts duckdb.Options) (store.Store, string, error) {
	path := o.storePath(appArg)
	s, err := duckdb.Open(ctx, path, opts)
	if err != nil {
		return nil, path, withCode(ExitInput, fmt.Errorf("open store: %w", err))
	}
	return s, path, nil
}

func asInvalid(err error, target **store.Invalid) bool { return errors.As(err, target) }
