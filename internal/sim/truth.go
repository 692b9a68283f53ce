package sim

import (
	"math/big"
	"time"
)

// Truth is what the simulator wrote and injected: the ground truth a
// re-ingest and the detectors are checked against. It is written to
// truth.json.
type Truth struct {
	Version   int             `json:"version"`
	Seed      int64           `json:"seed"`
	Start     time.Time       `json:"start"`
	End       time.Time       `json:"end"`
	Region    string          `json:"region"`
	Functions []FunctionTruth `json:"functions"`
	Incidents []IncidentTruth `json:"incidents"`
	Deploys   []DeployTruth   `json:"deploys"`
}

// FunctionTruth totals one function's simulated invocations. Durations are
// exact: REPORT prints them to 10 µs, and these are the printed values.
type FunctionTruth struct {
	Function    string `json:"function"`
	Resource    string `json:"resource"`
	MemoryMB    int32  `json:"memory_mb"`
	Arch        string `json:"arch"`
	Invocations int64  `json:"invocations"`
	ColdStarts  int64  `json:"cold_starts"`
	Errors      int64  `json:"errors"`
	Timeouts    int64  `json:"timeouts"`
	OOM         int64  `json:"oom"`
	Throttles   int64  `json:"throttles"`
	DurationUS  int64  `json:"duration_us"`
	InitUS      int64  `json:"init_us"`
	BilledMS    int64  `json:"billed_ms"`
	// BilledMBMS is the sum of billed milliseconds times memory in MB; GB-
	// seconds are BilledMBMS / 1,024,000.
	BilledMBMS int64 `json:"billed_mb_ms"`
	// BilledGBSeconds is BilledMBMS / 1,024,000, exactly, as a decimal.
	BilledGBSeconds string `json:"billed_gb_seconds"`
}

// GBSeconds renders the billed GB-seconds exactly (MB-ms / 1,024,000 has a
// finite decimal expansion of at most 13 places).
func (f FunctionTruth) GBSeconds() string {
	return new(big.Rat).SetFrac64(f.BilledMBMS, 1024000).FloatString(13)
}

// IncidentTruth is one injected incident.
type IncidentTruth struct {
	Kind     string    `json:"kind"`
	Resource string    `json:"resource"` // logical id of the function
	Function string    `json:"function"` // its name
	Queue    string    `json:"queue,omitempty"`
	Path     []string  `json:"path,omitempty"` // runaway-loop: the functions on the cycle
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
}

// DeployTruth is one simulated deploy.
type DeployTruth struct {
	Function       string    `json:"function"`
	Resource       string    `json:"resource"`
	Time           time.Time `json:"time"`
	Version        string    `json:"version"`
	DurationFactor float64   `json:"duration_factor"`
	Leak           bool      `json:"leak,omitempty"`
}
