// Package cli is the fnops command tree: one file per verb, each with an
// Options struct, a constructor and a run function. It is the only package
// (with internal/web) that wires the others together, and the one place that
// decides exit codes.
package cli
