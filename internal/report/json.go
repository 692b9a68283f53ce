package report

import (
	"encoding/json"
	"io"

	"github.com/fnops/fnops/internal/rules"
)

// jsonWriter writes the public contract of `fnops audit --format json`:
//
//	{"version":1,
//	 "findings":[{"rule","severity","category","resource","related","file",
//	              "line","column","message","remediation",
//	              "suppressed":{"kind","tool","reason","file","line"}}],
//	 "summary":{"findings","error","warning","info","suppressed","resources","rules"}}
//
// Every finding is listed; "suppressed" is present only on suppressed
// ones, and the summary's severity counts leave those out.
type jsonWriter struct{}

type jsonReport struct {
	Version  int           `json:"version"`
	Findings []jsonFinding `json:"findings"`
	Summary  Summary       `json:"summary"`
}

type jsonFinding struct {
	Rule        string          `json:"rule"`
	Severity    string          `json:"severity"`
	Category    string          `json:"category"`
	Resource    string          `json:"resource"`
	Related     []string        `json:"related"`
	File        string          `json:"file"`
	Line        int             `json:"line"`
	Column      int             `json:"column"`
	Message     string          `json:"message"`
	Remediation string          `json:"remediation"`
	Suppressed  *jsonSuppressed `json:"suppressed,omitempty"`
}

type jsonSuppressed struct {
	Kind   string `json:"kind"`
	Tool   string `json:"tool"`
	Reason string `json:"reason"`
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
}

func (jsonWriter) Write(w io.Writer, r *Report) error {
	out := jsonReport{Version: 1, Findings: []jsonFinding{}, Summary: Summarize(r)}
	for _, f := range r.Findings {
		out.Findings = append(out.Findings, toJSON(f))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func toJSON(f rules.Finding) jsonFinding {
	j := jsonFinding{
		Rule: f.Rule, Severity: f.Severity.String(), Category: string(f.Category), Resource: f.Resource,
		Related: f.Related, File: slashPath(f.Pos.File), Line: f.Pos.Line, Column: f.Pos.Col,
		Message: f.Message, Remediation: f.Remediation,
	}
	if j.Related == nil {
		j.Related = []string{}
	}
	if s := f.Suppressed; s != nil {
		j.Suppressed = &jsonSuppressed{Kind: s.Kind, Tool: s.Tool, Reason: s.Reason, File: slashPath(s.Pos.File), Line: s.Pos.Line}
	}
	return j
}
