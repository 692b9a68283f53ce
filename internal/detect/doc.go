// Package detect turns the telemetry in a store and the app model into
// insights: the runtime problems an operations engineer watches for on a
// serverless app (error rates, timeouts, out-of-memory kills, duration
// regressions, runaway loops, queues that never drain, scheduled jobs that
// stop running ...), each with a stable kind id, its evidence, its likely
// cause, the fix and, where there is one, its cost.
//
// Detectors are pure functions of (store contents, graph, thresholds,
// evaluation time): Evaluate reads what it needs and keeps no state, so
// continuous mode calls it every interval and compares the results
// (internal/notify does the open/escalate/resolve transitions). The
// defaults are ops-insights.md §1.9's merged set; docs/alerts.md lists
// every kind, its default thresholds and the .fnops.yaml keys.
package detect
