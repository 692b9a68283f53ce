package notify

import (
	"encoding/json"
	"strings"
	"time"
)

// Severity is how bad an observation is: critical > warning > info.
type Severity string

// Severities.
const (
	Info     Severity = "info"
	Warning  Severity = "warning"
	Critical Severity = "critical"
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

// ParseSeverity accepts info, warning and critical, in any case.
func ParseSeverity(s string) (Severity, bool) {
	v := Severity(strings.ToLower(s))
	return v, v.Rank() > 0
}

// State is what an evaluation says of one key.
type State string

// Observation states.
const (
	// Holding: the condition holds now.
	Holding State = "open"
	// NoData: the data needed to judge is missing.
	NoData State = "no-data"
	// Clear: the condition does not hold (an absent key is clear too).
	Clear State = "resolved"
)

// Observation is one insight as one evaluation sees it: the Tracker's
// input. Key is Kind, Resource and Signature.
type Observation struct {
	Kind      string
	Resource  string
	Signature string
	Severity  Severity
	State     State
	// Title is one line ("error-rate on orders-api: 12% of 340
	// invocations"); Details the rest (evidence, cause, fix), plain text.
	Title   string
	Details string
	// FirstSeen and LastSeen are the observation's own times, when the
	// evaluator knows them (the episode's start in the data).
	FirstSeen time.Time
	LastSeen  time.Time
	// Data is the whole insight as a JSON object, passed through to the
	// JSON sinks as "insight"; nil for none.
	Data json.RawMessage
}

// Key identifies an observation across evaluations.
func (o Observation) Key() string {
	k := o.Kind + "|" + o.Resource
	if o.Signature != "" {
		k += "|" + o.Signature
	}
	return k
}

// Status is where an alert stands.
type Status string

// Alert statuses.
const (
	StatusOpen     Status = "open"
	StatusNoData   Status = "no-data"
	StatusResolved Status = "resolved"
)

// Alert is the Tracker's memory of one key. It is persisted as JSON; the
// field names are the state file's format.
type Alert struct {
	Key       string          `json:"key"`
	Kind      string          `json:"kind"`
	Resource  string          `json:"resource"`
	Signature string          `json:"signature,omitempty"`
	Status    Status          `json:"status"`
	Severity  Severity        `json:"severity"`
	Title     string          `json:"title"`
	Details   string          `json:"details,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`
	FirstSeen time.Time       `json:"first_seen,omitzero"`
	LastSeen  time.Time       `json:"last_seen,omitzero"`

	// Announced is the highest severity sent in this episode ("" while
	// nothing was: a held reopen).
	Announced Severity `json:"announced,omitempty"`
	// OpenedAt is when this episode opened (evaluation time).
	OpenedAt time.Time `json:"opened_at,omitzero"`
	// LastHeld is the last evaluation at which it held.
	LastHeld time.Time `json:"last_held,omitzero"`
	// ClearSince and ClearCount count the clear evaluations in a row.
	ClearSince time.Time `json:"clear_since,omitzero"`
	ClearCount int       `json:"clear_count,omitempty"`
	// ResolvedAt is when the last announced resolution was sent.
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	// HeldSince is set while a reopen within the flap hold-down is not
	// yet announced.
	HeldSince time.Time `json:"held_since,omitzero"`
	// Flaps counts reopens within the hold-down, over the alert's life.
	Flaps int `json:"flaps,omitempty"`
	// NoDataSent says the no-data notice of this episode went out;
	// OpenBeforeNoData that the alert was open when data went missing.
	NoDataSent       bool `json:"no_data_sent,omitempty"`
	OpenBeforeNoData bool `json:"open_before_no_data,omitempty"`

	// Sinks is what each sink was sent of this alert, by sink name.
	Sinks map[string]*SinkMark `json:"sinks,omitempty"`
}

// SinkMark is what one sink was last sent of an alert.
type SinkMark struct {
	// Episode is the OpenedAt of the episode the sink was told about.
	Episode time.Time `json:"episode,omitzero"`
	// Last is the last notification of each event type ("open",
	// "escalate", ...), with the severity it carried.
	Last map[EventType]Sent `json:"last"`
}

// Sent is one notification's time and severity.
type Sent struct {
	At       time.Time `json:"at"`
	Severity Severity  `json:"severity"`
}

// lastAny is the time of the latest notification of any type.
func (m *SinkMark) lastAny() time.Time {
	var t time.Time
	for _, s := range m.Last {
		if s.At.After(t) {
			t = s.At
		}
	}
	return t
}

// EventType is what happened to an alert.
type EventType string

// Event types.
const (
	EventOpen     EventType = "open"
	EventEscalate EventType = "escalate"
	EventUpdate   EventType = "update"
	EventResolve  EventType = "resolve"
	EventNoData   EventType = "no-data"
	EventRepeat   EventType = "repeat"
)

// EventTypes lists every event type, in lifecycle order.
var EventTypes = []EventType{EventOpen, EventEscalate, EventUpdate, EventResolve, EventNoData, EventRepeat}

// DefaultEvents are the events a sink gets unless it says otherwise:
// everything but update.
var DefaultEvents = []EventType{EventOpen, EventEscalate, EventResolve, EventNoData, EventRepeat}

// Event is one transition the Tracker found.
type Event struct {
	Type EventType
	At   time.Time
	// Previous is the severity announced before an escalate.
	Previous Severity
	// Alert is a copy of the alert after the transition.
	Alert Alert
}
