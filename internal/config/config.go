package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// FileNames are the names Find looks for in an app directory, in order.
var FileNames = []string{".fnops.yaml", ".fnops.yml"}

// Config is the content of a .fnops.yaml file. The zero value is the
// configuration of an app without one.
type Config struct {
	// Version is the file format version; 0 (absent) and 1 are accepted.
	Version int `yaml:"version"`
	// Params override template parameters, as --param does (flags win).
	Params map[string]string `yaml:"params"`
	// Exclude holds path globs never loaded, as --exclude does (both apply).
	Exclude []string `yaml:"exclude"`
	// Audit configures `fnops audit` and the audit part of `fnops check`.
	Audit Audit `yaml:"audit"`

	// Sections for later commands. Each is its own struct so that adding
	// a setting is adding a field there (with its yaml tag and doc
	// comment); strict decoding then accepts it and nothing else.

	// Store configures the telemetry store (fnops ingest, cost, watch).
	Store Store `yaml:"store"`
	// Thresholds tune the runtime detectors (fnops watch, check).
	Thresholds Thresholds `yaml:"thresholds"`
	// Alerts configures fnops watch's notifications and their sinks.
	Alerts Alerts `yaml:"alerts"`
	// Cost configures cost allocation: features, teams, tag mapping.
	Cost Cost `yaml:"cost"`

	// File is the path the configuration was read from, "" for none.
	File string `yaml:"-"`
}

// Audit is the `audit:` section.
type Audit struct {
	// FailOn is the default for --fail-on: error, warning, info or none.
	FailOn string `yaml:"fail_on"`
	// Rules enables, disables and re-rates rules.
	Rules RuleSettings `yaml:"rules"`
	// Suppressions silence findings by rule, resource and path, each with
	// its reason.
	Suppressions []Suppression `yaml:"suppressions"`
	// CustomRules are the team's own rules, written in CEL.
	CustomRules []CustomRule `yaml:"custom_rules"`
}

// RuleSettings selects rules. Every list entry is a rule id or an alias
// ("checkov:CKV_AWS_116", or the bare "CKV_AWS_116").
type RuleSettings struct {
	// Enable turns on opt-in rules (they are off by default).
	Enable []string `yaml:"enable"`
	// Disable turns rules off.
	Disable []string `yaml:"disable"`
	// Severity overrides a rule's severity: error, warning or info.
	Severity map[string]string `yaml:"severity"`
}

// Suppression silences the findings that match all of its non-empty
// fields. It is an error without a reason.
type Suppression struct {
	// Rule is a rule id, an alias, or a glob over rule ids ("function-*").
	Rule string `yaml:"rule"`
	// Resource is a glob over resource ids; "*" matches any run of
	// characters, "/" included (nested stacks).
	Resource string `yaml:"resource"`
	// Path is a glob over the finding's file; "**" spans directories and
	// the glob may match any trailing part of the path.
	Path string `yaml:"path"`
	// Reason is why the finding is accepted; shown in every report.
	Reason string `yaml:"reason"`
	// Line is where the entry is written in File.
	Line int `yaml:"-"`
}

// CustomRule is a team rule in CEL. Assert is evaluated once per resource
// of Kind (every resource when Kind is empty) and must yield a bool: true
// means compliant, false produces a finding with Message.
type CustomRule struct {
	// ID, Title, Severity (default warning), Category (default
	// governance), Description and Remediation mean what they mean for a
	// built-in rule; ID must be kebab-case and not a built-in id.
	ID          string `yaml:"id"`
	Title       string `yaml:"title"`
	Severity    string `yaml:"severity"`
	Category    string `yaml:"category"`
	Description string `yaml:"description"`
	Remediation string `yaml:"remediation"`
	// Kind is the normalized resource kind (function, queue, ...) the rule
	// applies to; "" for every resource.
	Kind string `yaml:"kind"`
	// Assert is the CEL expression; see docs/adding-a-rule.md for the
	// variables it sees.
	Assert string `yaml:"assert"`
	// Message is the finding text; {id}, {name}, {type} and {kind} are
	// replaced by the resource's.
	Message string `yaml:"message"`
	// Line and AssertLine locate the entry and its assert expression in
	// File, for compile errors.
	Line       int `yaml:"-"`
	AssertLine int `yaml:"-"`
	AssertCol  int `yaml:"-"`
}

// Store is the `store:` section, reserved for the telemetry store settings.
type Store struct {
	// Path is the store file, relative to the app directory (default
	// .fnops/fnops.duckdb); --store wins.
	Path string `yaml:"path"`
	// Telemetry lists files or directories, relative to the app directory,
	// that fnops check ingests before it reports (ingest is idempotent, so
	// this costs only the reading).
	Telemetry []string `yaml:"telemetry"`
}

// Find returns the path of the configuration file in dir, or "" when there
// is none. dir may also be a file, whose directory is then searched.
func Find(dir string) string {
	if info, err := os.Stat(dir); err == nil && !info.IsDir() {
		dir = filepath.Dir(dir)
	}
	for _, name := range FileNames {
		p := filepath.Join(dir, name)
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			return p
		}
	}
	return ""
}

// Load reads and strictly decodes the configuration file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data)
}

// Parse strictly decodes data, read from file (used in error messages).
// Errors name file:line. An empty document is the zero Config.
func Parse(file string, data []byte) (*Config, error) {
	cfg := &Config{File: file}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		if errors.Is(err, io.EOF) {
			return cfg, nil
		}
		return nil, decodeError(file, err)
	}
	if cfg.Version != 0 && cfg.Version != 1 {
		return nil, fmt.Errorf("%s: version %d is not supported (1 is)", file, cfg.Version)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err == nil {
		locate(cfg, &root)
	}
	cfg.Thresholds.locate(file, &root)
	var errs []error
	for _, s := range cfg.Audit.Suppressions {
		if strings.TrimSpace(s.Reason) == "" {
			errs = append(errs, fmt.Errorf("%s:%d: suppression needs a reason", file, s.Line))
		}
		if s.Rule == "" && s.Resource == "" && s.Path == "" {
			errs = append(errs, fmt.Errorf("%s:%d: suppression needs a rule, resource or path", file, s.Line))
		}
	}
	errs = append(errs, cfg.Alerts.check(file, &root))
	return cfg, errors.Join(errs...)
}

var typeErrLine = regexp.MustCompile(`^line (\d+): field (\S+) not found in type \S+$`)

// wrongTypeLine is yaml.v3's message for a value of the wrong kind, which
// names Go types a user of .fnops.yaml never sees.
var wrongTypeLine = regexp.MustCompile("^line (\\d+): cannot unmarshal !!(\\w+) (?:`(.*)` )?into (\\S+)$")

// yamlKinds and goKind say YAML tags and Go types in the config's words.
var yamlKinds = map[string]string{"str": "a string", "int": "a number", "float": "a number", "bool": "true or false", "seq": "a list", "map": "a mapping", "null": "empty", "timestamp": "a date"}

func goKind(t string) string {
	switch {
	case strings.HasPrefix(t, "map["), !strings.ContainsAny(t, "[]") && strings.Contains(t, "."):
		if t == "time.Duration" {
			return "a duration (30s, 5m, 1h)"
		}
		return "a mapping"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case t == "string":
		return "a string"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"), strings.HasPrefix(t, "float"):
		return "a number"
	}
	return t
}

// decodeError rewrites yaml.v3's errors into file:line: message form.
func decodeError(file string, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if rest, ok := strings.CutPrefix(msg, "line "); ok {
			return fmt.Errorf("%s:%s", file, rest)
		}
		return fmt.Errorf("%s: %s", file, msg)
	}
	var errs []error
	for _, e := range te.Errors {
		if m := typeErrLine.FindStringSubmatch(e); m != nil {
			errs = append(errs, fmt.Errorf("%s:%s: unknown key %q", file, m[1], m[2]))
			continue
		}
		if m := wrongTypeLine.FindStringSubmatch(e); m != nil {
			got := cmpOr(yamlKinds[m[2]], m[2])
			if m[3] == "" {
				errs = append(errs, fmt.Errorf("%s:%s: %s where %s is wanted", file, m[1], got, goKind(m[4])))
				continue
			}
			errs = append(errs, fmt.Errorf("%s:%s: %q is %s, want %s", file, m[1], m[3], got, goKind(m[4])))
			continue
		}
		if rest, ok := strings.CutPrefix(e, "line "); ok {
			errs = append(errs, fmt.Errorf("%s:%s", file, rest))
			continue
		}
		errs = append(errs, fmt.Errorf("%s: %s", file, e))
	}
	return errors.Join(errs...)
}

// locate fills the Line fields from the document's nodes: yaml.v3 does not
// give positions to struct fields, and strict decoding needs the Decoder.
func locate(cfg *Config, root *yaml.Node) {
	audit := mapGet(docRoot(root), "audit")
	if seq := mapGet(audit, "suppressions"); seq != nil && seq.Kind == yaml.SequenceNode {
		for i, item := range seq.Content {
			if i < len(cfg.Audit.Suppressions) {
				cfg.Audit.Suppressions[i].Line = item.Line
			}
		}
	}
	if seq := mapGet(audit, "custom_rules"); seq != nil && seq.Kind == yaml.SequenceNode {
		for i, item := range seq.Content {
			if i >= len(cfg.Audit.CustomRules) {
				break
			}
			r := &cfg.Audit.CustomRules[i]
			r.Line = item.Line
			if a := mapGet(item, "assert"); a != nil {
				r.AssertLine, r.AssertCol = a.Line, a.Column
				// A block scalar's text starts on the line after its
				// indicator.
				if a.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
					r.AssertLine++
				}
			}
		}
	}
}

func docRoot(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return n.Content[0]
	}
	return n
}

func mapGet(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
