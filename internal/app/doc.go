// Package app is the model of a serverless application that every fnops
// command stands on: a Graph of typed resources and of the typed edges along
// which events and data move between them.
//
// Every value in the model keeps the file, line and column it came from and
// whether it was written in a template, derived by a transform (SAM, the
// Serverless Framework) or is the platform's default, so that every finding
// can point at a line and rules can reason about defaults.
//
// The package is pure data: it imports nothing else of fnops and does no I/O.
// Loaders (internal/iac/...) build a Graph; rules, analyses and renderers read
// it.
package app
