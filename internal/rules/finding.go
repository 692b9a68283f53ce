package rules

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"github.com/fnops/fnops/internal/app"
)

// Finding is one problem a rule found.
type Finding struct {
	// Rule is the id of the rule that reported it.
	Rule     string
	Severity app.Severity
	Category Category
	// Resource is the id of the resource at fault, "" when none applies
	// (a config-file suppression, a rule that failed).
	Resource string
	// Related are ids of other resources involved (the queue feeding a
	// function, the role it uses), sorted.
	Related []string
	// Pos is where to look: the offending value when it is written in a
	// template, else the resource's declaration.
	Pos         app.Pos
	Message     string
	Remediation string
	// Suppressed is non-nil when a suppression or the baseline accepts
	// the finding; it then never fails the build.
	Suppressed *Suppression
	// Fingerprint identifies the finding across runs: it depends on the
	// rule, resource and file but not on the line, so moving code does not
	// make a finding new. Set by the engine.
	Fingerprint string
}

// Suppression records why a finding is accepted.
type Suppression struct {
	// Kind is where it is written: "comment", "metadata", "config" or
	// "baseline".
	Kind string `json:"kind"`
	// Tool is whose syntax it uses: fnops, checkov, cfn-lint, cdk-nag,
	// cfn-nag, guard or kics.
	Tool string `json:"tool"`
	// Reason is the justification as written; tools whose syntax has no
	// reason get a description of the suppression instead.
	Reason string `json:"reason"`
	// Pos is where the suppression is written (zero for the baseline).
	Pos app.Pos `json:"-"`
}

// InSource reports whether the suppression is written in the template
// itself (a comment or Metadata) rather than outside it (config file,
// baseline); SARIF calls these inSource and external.
func (s *Suppression) InSource() bool { return s.Kind == "comment" || s.Kind == "metadata" }

// Compare orders findings by file, line, column, rule, resource and
// message: the order of every report.
func Compare(a, b Finding) int {
	return cmp.Or(
		cmp.Compare(a.Pos.File, b.Pos.File), cmp.Compare(a.Pos.Line, b.Pos.Line),
		cmp.Compare(a.Pos.Col, b.Pos.Col), cmp.Compare(a.Rule, b.Rule),
		cmp.Compare(a.Resource, b.Resource), cmp.Compare(a.Message, b.Message))
}

// Sort puts findings in report order and assigns fingerprints. Findings
// that share rule, resource and file get an ordinal suffix in that order,
// so fingerprints stay unique.
func Sort(fs []Finding) {
	slices.SortStableFunc(fs, Compare)
	seen := make(map[string]int)
	for i := range fs {
		h := sha256.Sum256([]byte(fs[i].Rule + "\x00" + fs[i].Resource + "\x00" + fs[i].Pos.File))
		fp := hex.EncodeToString(h[:16])
		n := seen[fp]
		seen[fp] = n + 1
		if n > 0 {
			fp += ":" + itoa(n+1)
		}
		fs[i].Fingerprint = fp
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// Failing reports whether f should fail a build at threshold: unsuppressed
// and at least as severe. A zero threshold ("none") fails nothing.
func (f Finding) Failing(threshold app.Severity) bool {
	return threshold != 0 && f.Suppressed == nil && f.Severity >= threshold
}
