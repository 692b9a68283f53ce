package app

import "fmt"

// Pos is a position in a source file. Line and Col are 1-based; a zero Line
// means the position is unknown (a value that exists only as a default of a
// resource whose own position is unknown).
type Pos struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"column,omitempty"`
}

// String renders the position as file:line:column, the form editors and CI
// annotations understand. Missing parts are left out.
func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
}

// Known reports whether the position names a line.
func (p Pos) Known() bool { return p.Line > 0 }

// Severity orders diagnostics and findings.
type Severity uint8

// Severities, from least to most severe.
const (
	SevInfo Severity = iota + 1
	SevWarning
	SevError
)

// String is the lowercase name used in every output format.
func (s Severity) String() string {
	switch s {
	case SevInfo:
		return "info"
	case SevWarning:
		return "warning"
	case SevError:
		return "error"
	}
	return "unknown"
}

// ParseSeverity is the inverse of Severity.String.
func ParseSeverity(s string) (Severity, bool) {
	switch s {
	case "info":
		return SevInfo, true
	case "warning":
		return SevWarning, true
	case "error":
		return SevError, true
	}
	return 0, false
}

// Diag is a problem found while loading: a file that does not parse, a
// reference to a missing resource, an unknown resource type. Errors make the
// command exit 2 once everything else has been processed; warnings are shown.
type Diag struct {
	Pos      Pos
	Severity Severity
	Message  string
}

// Error makes a Diag usable as an error value.
func (d Diag) Error() string { return fmt.Sprintf("%s: %s: %s", d.Pos, d.Severity, d.Message) }
