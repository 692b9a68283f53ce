// Package schedule parses the schedule expressions of EventBridge rules,
// EventBridge Scheduler and SAM/Serverless schedule events (rate(...),
// cron(...) with AWS's six fields, at(...)) and enumerates their run times in
// UTC. The simulator uses it to fire scheduled jobs and the detectors to know
// which runs were expected.
package schedule
