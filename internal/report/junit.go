package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/fnops/fnops/internal/rules"
)

// junitWriter writes JUnit XML for CI test dashboards: one testsuite per
// rule that ran, one testcase per finding (a failure, or skipped when
// suppressed, with the reason), and one passing testcase for a rule with
// no findings. No timestamps or durations, so output is reproducible.
type junitWriter struct{}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitFailure `xml:"failure"`
	Skipped   *junitSkipped `xml:"skipped"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

func (junitWriter) Write(w io.Writer, r *Report) error {
	byRule := make(map[string][]rules.Finding)
	order := []string{}
	for _, ru := range r.Rules {
		order = append(order, ru.ID)
		byRule[ru.ID] = nil
	}
	for _, f := range r.Findings {
		if _, ok := byRule[f.Rule]; !ok {
			order = append(order, f.Rule)
		}
		byRule[f.Rule] = append(byRule[f.Rule], f)
	}
	out := junitSuites{Name: "fnops audit"}
	for _, id := range order {
		s := junitSuite{Name: id}
		for _, f := range byRule[id] {
			name := f.Resource
			if name == "" {
				name = id
			}
			c := junitCase{Name: name + " (" + where(f.Pos) + ")", Classname: string(f.Category) + "." + id, File: slashPath(f.Pos.File), Line: f.Pos.Line}
			if f.Suppressed != nil {
				c.Skipped = &junitSkipped{Message: fmt.Sprintf("suppressed (%s %s): %s", f.Suppressed.Tool, f.Suppressed.Kind, f.Suppressed.Reason)}
				s.Skipped++
			} else {
				text := fmt.Sprintf("%s: %s: %s", where(f.Pos), f.Severity, f.Message)
				if f.Remediation != "" {
					text += "\n" + strings.TrimSpace(f.Remediation)
				}
				c.Failure = &junitFailure{Message: f.Message, Type: f.Severity.String(), Text: text}
				s.Failures++
			}
			s.Cases = append(s.Cases, c)
		}
		if len(s.Cases) == 0 {
			s.Cases = append(s.Cases, junitCase{Name: "no findings", Classname: id})
		}
		s.Tests = len(s.Cases)
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Skipped += s.Skipped
		out.Suites = append(out.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
