package detect

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Severity is how bad an insight is: critical > warning > info.
type Severity string

// Severities, worst first.
const (
	Critical Severity = "critical"
	Warning  Severity = "warning"
	Info     Severity = "info"
)

// Rank orders severities: critical 3, warning 2, info 1, anything else 0.
func (s Severity) Rank() int {
	switch s {
	case Critical:
		return 3
	case Warning:
		return 2
	case Info:
		return 1
	}
	return 0
}

// ParseSeverity accepts critical, warning and info.
func ParseSeverity(s string) (Severity, bool) {
	v := Severity(strings.ToLower(s))
	return v, v.Rank() > 0
}

// State is where an insight stands at the evaluation time.
type State string

// States.
const (
	// Open: the condition holds in the latest evaluated interval.
	Open State = "open"
	// Resolved: it held within the lookback, and no longer does.
	Resolved State = "resolved"
	// NoData: the data needed to judge is missing; this is never "all
	// clear".
	NoData State = "no-data"
)

// Insight is one finding about the running app.
type Insight struct {
	// Kind is the detector's stable id (error-rate, runaway-loop, ...).
	Kind     string   `json:"kind"`
	Severity Severity `json:"severity"`
	// Resource is the logical id of the resource in the templates, or the
	// name telemetry knows it by when the templates do not have it.
	Resource string `json:"resource"`
	// Related are the resource's neighbours in the graph that matter to
	// this insight (the queue and its DLQ, the loop's path ...).
	Related []string `json:"related"`
	// FirstSeen is when the condition started (the start of the episode
	// that is open or last resolved); LastSeen the end of the last interval
	// it held in.
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Evidence  Evidence  `json:"evidence"`
	Cause     string    `json:"cause"`
	Fix       string    `json:"fix"`
	// ImpactUSDPerMonth is the monthly cost at stake (the saving of a fix,
	// the cost of a runaway if it goes on); nil when there is none.
	ImpactUSDPerMonth *USD  `json:"impact_usd_per_month"`
	State             State `json:"state"`

	// Signature tells insights of one kind on one resource apart (the
	// error type of a new-error); part of Key, not of the JSON.
	Signature string `json:"-"`
}

// Key identifies an insight across evaluations: kind, resource and
// signature. Continuous mode deduplicates and tracks state by it.
func (in Insight) Key() string {
	k := in.Kind + "|" + in.Resource
	if in.Signature != "" {
		k += "|" + in.Signature
	}
	return k
}

// Evidence is what crossed the threshold: a sentence generated from the
// same numbers and limits the detector used, the numbers themselves and
// the threshold.
type Evidence struct {
	Summary   string             `json:"summary"`
	Values    map[string]float64 `json:"values"`
	Threshold float64            `json:"threshold"`
}

// USD is an amount in dollars rendered with cents in JSON.
type USD float64

// MarshalJSON writes the amount rounded to cents, as a number.
func (u USD) MarshalJSON() ([]byte, error) {
	return json.Marshal(json.Number(formatCents(float64(u))))
}

// Sort orders insights worst first: open before no-data before resolved,
// then by severity, kind, resource and signature.
func Sort(ins []Insight) {
	stateRank := map[State]int{Open: 0, NoData: 1, Resolved: 2}
	slices.SortStableFunc(ins, func(a, b Insight) int {
		return cmp.Or(cmp.Compare(stateRank[a.State], stateRank[b.State]),
			cmp.Compare(b.Severity.Rank(), a.Severity.Rank()),
			cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Resource, b.Resource),
			cmp.Compare(a.Signature, b.Signature))
	})
}
