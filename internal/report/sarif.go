package report

import (
	"encoding/json"
	"io"
	"net/url"
	"path"
	"strings"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/rules"
)

// sarifWriter writes SARIF 2.1.0 (validated against the OASIS schema in
// the tests). Rules carry their metadata and help; results carry a
// partialFingerprints entry "fnops/v1" that depends on the rule, resource
// and file but not the line, so code scanning keeps an alert when code
// moves; suppressed findings carry SARIF suppressions with the reason as
// justification (inSource for comments and Metadata, external for the
// config file and baseline).
type sarifWriter struct{}

const (
	sarifSchema    = "https://json.schemastore.org/sarif-2.1.0.json"
	informationURI = "https://github.com/fnops/fnops"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations,omitempty"`
	Results     []sarifResult     `json:"results"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool                `json:"executionSuccessful"`
	Notifications       []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	HelpURI              string         `json:"helpUri,omitempty"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           *int               `json:"ruleIndex,omitempty"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations,omitempty"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          map[string]any     `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

type sarifLogical struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string         `json:"kind"`
	Justification string         `json:"justification,omitempty"`
	Location      *sarifLocation `json:"location,omitempty"`
}

// sarifLevel maps severities to SARIF levels.
func sarifLevel(s app.Severity) string {
	switch s {
	case app.SevError:
		return "error"
	case app.SevWarning:
		return "warning"
	}
	return "note"
}

// sarifURI turns a file path into a SARIF artifact URI: relative paths
// stay relative with forward slashes, absolute ones become file:// URIs.
func sarifURI(file string) string {
	p := slashPath(file)
	if path.IsAbs(p) || (len(p) > 2 && p[1] == ':') {
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: p}).String()
}

// ruleName is the rule id in PascalCase, SARIF's convention for names.
func ruleName(id string) string {
	var b strings.Builder
	for _, part := range strings.Split(id, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

func (sarifWriter) Write(w io.Writer, r *Report) error {
	driver := sarifDriver{Name: r.Tool, InformationURI: informationURI, Rules: []sarifRule{}}
	// SARIF wants versions that start with a number; a development
	// build's "dev" is left out rather than misreported.
	if r.Version != "" && r.Version[0] >= '0' && r.Version[0] <= '9' {
		driver.Version = r.Version
	}
	if driver.Name == "" {
		driver.Name = "fnops"
	}
	for _, ru := range r.Rules {
		driver.Rules = append(driver.Rules, sarifRuleOf(ru))
	}
	idx := ruleIndex(r)
	run := sarifRun{Tool: sarifTool{Driver: driver}, Results: []sarifResult{}}
	for _, f := range r.Findings {
		run.Results = append(run.Results, sarifResultOf(f, idx))
	}
	if len(r.Diags) > 0 {
		// Load problems are why some findings may be missing: a template
		// that did not parse was not audited.
		inv := sarifInvocation{ExecutionSuccessful: true}
		for _, d := range r.Diags {
			n := sarifNotification{Level: sarifLevel(d.Severity), Message: sarifText{Text: d.Message}}
			if d.Pos.File != "" {
				loc := sarifLocation{PhysicalLocation: &sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(d.Pos.File)}}}
				if d.Pos.Line > 0 {
					loc.PhysicalLocation.Region = &sarifRegion{StartLine: d.Pos.Line, StartColumn: d.Pos.Col}
				}
				n.Locations = []sarifLocation{loc}
			}
			inv.ExecutionSuccessful = inv.ExecutionSuccessful && d.Severity != app.SevError
			inv.Notifications = append(inv.Notifications, n)
		}
		run.Invocations = []sarifInvocation{inv}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{run}})
}

func sarifRuleOf(ru *rules.Rule) sarifRule {
	help := strings.TrimSpace(ru.Description)
	if ru.Remediation != "" {
		help += "\n\nFix: " + strings.TrimSpace(ru.Remediation)
	}
	md := help
	if ru.Fail != "" && ru.Pass != "" {
		md += "\n\nFlagged:\n\n```yaml\n" + strings.TrimRight(ru.Fail, "\n") + "\n```\n\nFixed:\n\n```yaml\n" + strings.TrimRight(ru.Pass, "\n") + "\n```"
	}
	tags := []string{string(ru.Category)}
	props := map[string]any{"category": string(ru.Category), "tags": tags}
	if len(ru.Aliases) > 0 {
		props["aliases"] = ru.Aliases
	}
	return sarifRule{
		ID:                   ru.ID,
		Name:                 ruleName(ru.ID),
		ShortDescription:     sarifText{Text: ru.Title},
		FullDescription:      sarifText{Text: strings.TrimSpace(ru.Description)},
		Help:                 sarifText{Text: help, Markdown: md},
		HelpURI:              ru.Help(),
		DefaultConfiguration: sarifConfig{Level: sarifLevel(ru.Severity)},
		Properties:           props,
	}
}

func sarifResultOf(f rules.Finding, idx map[string]int) sarifResult {
	res := sarifResult{
		RuleID:              f.Rule,
		Level:               sarifLevel(f.Severity),
		Message:             sarifText{Text: f.Message},
		PartialFingerprints: map[string]string{"fnops/v1": f.Fingerprint},
		Properties:          map[string]any{"category": string(f.Category)},
	}
	if i, ok := idx[f.Rule]; ok {
		res.RuleIndex = &i
	}
	if f.Remediation != "" {
		res.Properties["remediation"] = f.Remediation
	}
	if len(f.Related) > 0 {
		res.Properties["related"] = f.Related
	}
	loc := sarifLocation{}
	if f.Pos.File != "" {
		loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(f.Pos.File)}}
		if f.Pos.Line > 0 {
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: f.Pos.Line, StartColumn: f.Pos.Col}
		}
	}
	if f.Resource != "" {
		res.Properties["resource"] = f.Resource
		loc.LogicalLocations = []sarifLogical{{Name: f.Resource, Kind: "resource"}}
	}
	if loc.PhysicalLocation != nil || loc.LogicalLocations != nil {
		res.Locations = []sarifLocation{loc}
	}
	if s := f.Suppressed; s != nil {
		sup := sarifSuppression{Kind: "external", Justification: s.Reason}
		if s.InSource() {
			sup.Kind = "inSource"
		}
		if s.Pos.File != "" && s.Pos.Line > 0 {
			sup.Location = &sarifLocation{PhysicalLocation: &sarifPhysical{
				ArtifactLocation: sarifArtifact{URI: sarifURI(s.Pos.File)},
				Region:           &sarifRegion{StartLine: s.Pos.Line, StartColumn: s.Pos.Col},
			}}
		}
		res.Suppressions = []sarifSuppression{sup}
	}
	return res
}
