package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// StateVersion is the version of the state file's format.
const StateVersion = 1

type stateFile struct {
	Version int      `json:"version"`
	Alerts  []*Alert `json:"alerts"`
}

// LoadState reads the alerts saved at path. A missing file (or path "")
// is an empty state; a file that is not a state file is an error naming
// it, so a restart never silently forgets what it announced.
func LoadState(path string) (map[string]*Alert, error) {
	alerts := map[string]*Alert{}
	if path == "" {
		return alerts, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return alerts, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read alert state: %w", err)
	}
	var sf stateFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sf); err != nil {
		return nil, fmt.Errorf("%s: not an alert state file (%v); move it away to start afresh", path, err)
	}
	if sf.Version != StateVersion {
		return nil, fmt.Errorf("%s: alert state version %d is not supported (%d is)", path, sf.Version, StateVersion)
	}
	for _, a := range sf.Alerts {
		if a == nil || a.Key == "" {
			return nil, fmt.Errorf("%s: alert without a key", path)
		}
		alerts[a.Key] = a
	}
	return alerts, nil
}

// SaveState writes alerts to path atomically (a temporary file renamed
// over it), creating the directory. Path "" saves nothing.
func SaveState(path string, alerts []*Alert) error {
	if path == "" {
		return nil
	}
	if alerts == nil {
		alerts = []*Alert{}
	}
	data, err := json.MarshalIndent(stateFile{Version: StateVersion, Alerts: alerts}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode alert state: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save alert state: %w", err)
	}
	f, err := os.CreateTemp(dir, ".alerts-*.json")
	if err != nil {
		return fmt.Errorf("save alert state: %w", err)
	}
	_, werr := f.Write(append(data, '\n'))
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("save alert state: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("save alert state: %w", err)
	}
	return nil
}
