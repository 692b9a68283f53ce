package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/fnops/fnops/internal/config"
	"github.com/fnops/fnops/internal/store"
	"github.com/fnops/fnops/internal/store/duckdb"
)

// appDir is the app directory a command works on: its first argument,
// else ".".
func appDir(args []string) string {
	if len(args) > 0 && args[0] != "" {
		return args[0]
	}
	return "."
}

// checkAppDir fails with exit 2 when the app directory does not exist, so
// that no command reports "no data" for a mistyped path, or creates a store
// under it.
func checkAppDir(dir string) error {
	if _, err := os.Stat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return usageError("%s: no such app directory", dir)
		}
		return withCode(ExitInput, fmt.Errorf("app directory %s: %w", dir, err))
	}
	return nil
}

// loadConfig reads the app's .fnops.yaml (or the file given) strictly, or
// returns the zero configuration when there is none. Every command that
// takes an app directory reads its settings here, so a broken file is the
// same exit-2 error, naming file:line, whatever the command.
func loadConfig(root, file string) (*config.Config, error) {
	if file == "" {
		file = config.Find(root)
	}
	if file == "" {
		return &config.Config{}, nil
	}
	cfg, err := config.Load(file)
	if err != nil {
		return nil, withCode(ExitInput, err)
	}
	if err := cfg.Cost.Validate(file); err != nil {
		return nil, withCode(ExitInput, err)
	}
	return cfg, nil
}

// applyConfig takes the store path from the config (relative to root)
// unless --store or --app was given.
func (o *storeOptions) applyConfig(root string, cfg *config.Config) {
	if o.path == "" && o.app == "" && cfg.Store.Path != "" {
		o.path = filepath.Join(root, cfg.Store.Path)
	}
}

// openApp reads root's .fnops.yaml and opens its store: the config's
// store.path unless --store or --app says otherwise. Only a command that
// writes (write) creates a store that does not exist yet.
func (o *storeOptions) openApp(ctx context.Context, root string, write bool) (store.Store, *config.Config, error) {
	cfg, err := loadConfig(root, "")
	if err != nil {
		return nil, nil, err
	}
	o.applyConfig(root, cfg)
	var st store.Store
	if write {
		st, _, err = o.open(ctx, root)
	} else {
		st, err = o.openExisting(ctx, root)
	}
	if err != nil {
		return nil, nil, err
	}
	return st, cfg, nil
}

// openExisting opens the store to read it. One that does not exist yet is
// not created (a mistyped --store must leave no file behind): an empty one
// in memory gives the same answer, no data, said as such.
func (o *storeOptions) openExisting(ctx context.Context, appArg string) (store.Store, error) {
	path := o.storePath(appArg)
	if _, err := os.Stat(path); err == nil {
		st, _, err := o.open(ctx, appArg)
		return st, err
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, withCode(ExitInput, fmt.Errorf("store %s: %w", path, err))
	}
	if o.path == "" {
		if err := checkAppDir(cmpOr(o.app, appArg, ".")); err != nil {
			return nil, err
		}
	}
	st, err := duckdb.Open(ctx, "", duckdb.Options{})
	if err != nil {
		return nil, withCode(ExitInternal, err)
	}
	return st, nil
}
