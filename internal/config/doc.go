// Package config reads .fnops.yaml, the per-app settings file: which rules
// run and how severe they are, suppressions, the team's own rules in CEL,
// and (as other commands grow) store, detector thresholds, alert sinks and
// cost mapping.
//
// It is a plain struct and a Load function. Decoding is strict: an unknown
// key is an error that names its line, because a misspelt setting that is
// silently ignored is worse than none. The package interprets nothing: the
// audit engine compiles custom rules, the CLI applies defaults.
package config
