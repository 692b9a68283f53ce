// Package notify turns the insights of successive evaluations into alert
// notifications an on-call engineer can trust, and delivers them to sinks.
//
// # Lifecycle
//
// Each evaluation hands the Tracker the Observations of that moment (an
// insight's kind, resource, severity, state and text). The Tracker keeps
// one Alert per key (kind, resource and signature) and emits Events:
//
//   - open: a key starts holding. Sent at once: a late page is the
//     complaint users have of AWS's own detectors.
//   - escalate: its severity rises above the highest already announced.
//     A lower severity later is recorded, not sent.
//   - update: the text changed at the same severity (sinks opt in).
//   - resolve: it stopped holding, damped: only after Policy.ResolveAfter
//     clear evaluations in a row AND Policy.ResolveMin since the first.
//   - no-data: the data needed to judge is missing. Said once per episode
//     and never taken for "all clear": an open alert stays open.
//   - repeat: a reminder that an alert is still open, per sink, every
//     Policy.Repeat (off by default).
//
// Flapping is held down: an alert that reopens within Policy.FlapHold of
// its announced resolution reopens silently, and is announced only if it
// is still open when the hold-down ends (or if it escalates), so a
// flapping insight never pages twice. Per sink, an event of the same type
// and severity for the same key within Policy.Dedupe of the last one is
// dropped.
//
// The Notifier wires a Tracker to routes (a sink with its filters) and
// persists the alerts in a JSON file (.fnops/alerts.json), so a restart
// neither pages again for what was announced nor forgets what is open.
//
// # Delivery
//
// Each sink gets its own bounded queue and worker: sending never blocks an
// evaluation, a full queue drops (and counts) the newest notification, and
// failures are retried with exponential backoff and jitter, honouring
// Retry-After. Sinks: stdout (text), a JSON-lines file, a generic webhook
// (the versioned JSON of Notification) and a Slack incoming webhook (a
// Block Kit message). HTTP sinks post only to the URL they were built with,
// never follow redirects, and count every failure.
package notify
