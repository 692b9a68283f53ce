// Package report renders audit findings: one file per output format (text,
// json, sarif, junit, markdown, github), each a Writer picked by name from
// an explicit map. Writers are pure: the same Report gives the same bytes.
// Machine-readable formats are public contracts (see DESIGN.md) and are
// pinned by golden files under testdata/golden.
package report
