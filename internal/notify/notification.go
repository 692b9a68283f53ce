package notify

import (
	"encoding/json"
	"time"
)

// NotificationVersion is the version of Notification's JSON.
const NotificationVersion = 1

// Notification is what a sink is sent: one event of one alert. Its JSON is
// a public contract (the webhook body, the JSON-lines file):
//
//	{"version":1,"event":"open","at":"...","app":"shop",
//	 "alert":{"key","kind","resource","severity","status","title","details",
//	          "first_seen","last_seen","opened_at","flaps"},
//	 "previous_severity":"warning","insight":{...}}
type Notification struct {
	Version int       `json:"version"`
	Event   EventType `json:"event"`
	At      time.Time `json:"at"`
	// App names the app (its directory's base name) when known.
	App   string    `json:"app,omitempty"`
	Alert AlertInfo `json:"alert"`
	// PreviousSeverity is the severity announced before an escalate.
	PreviousSeverity Severity `json:"previous_severity,omitempty"`
	// Insight is the evaluator's whole insight (Observation.Data).
	Insight json.RawMessage `json:"insight,omitempty"`
}

// AlertInfo is the alert as a notification shows it.
type AlertInfo struct {
	Key       string    `json:"key"`
	Kind      string    `json:"kind"`
	Resource  string    `json:"resource"`
	Severity  Severity  `json:"severity"`
	Status    Status    `json:"status"`
	Title     string    `json:"title"`
	Details   string    `json:"details,omitempty"`
	FirstSeen time.Time `json:"first_seen,omitzero"`
	LastSeen  time.Time `json:"last_seen,omitzero"`
	OpenedAt  time.Time `json:"opened_at,omitzero"`
	Flaps     int       `json:"flaps,omitempty"`
}

func newNotification(app string, typ EventType, at time.Time, prev Severity, a *Alert) Notification {
	return Notification{
		Version: NotificationVersion, Event: typ, At: at.UTC(), App: app, PreviousSeverity: prev,
		Alert: AlertInfo{Key: a.Key, Kind: a.Kind, Resource: a.Resource, Severity: a.Severity, Status: a.Status,
			Title: a.Title, Details: a.Details, FirstSeen: a.FirstSeen.UTC(), LastSeen: a.LastSeen.UTC(),
			OpenedAt: a.OpenedAt.UTC(), Flaps: a.Flaps},
		Insight: a.Data,
	}
}

// verb is how text sinks name an event.
func (n Notification) verb() string {
	switch n.Event {
	case EventOpen:
		return "OPEN"
	case EventEscalate:
		return "ESCALATED"
	case EventUpdate:
		return "UPDATED"
	case EventResolve:
		return "RESOLVED"
	case EventNoData:
		return "NO DATA"
	case EventRepeat:
		return "STILL OPEN"
	}
	return string(n.Event)
}
