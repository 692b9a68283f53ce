package sls

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac/cfn"
)

// resolveDoc resolves the variables of a YAML document with files from
// the map.
func resolveDoc(t testing.TB, src string, in Inputs, files map[string]string) (*app.Node, []app.Diag) {
	t.Helper()
	root, _, err := cfn.ParseDocument("serverless.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	in.ReadFile = func(p string) ([]byte, error) {
		if s, ok := files[filepath.ToSlash(p)]; ok {
			return []byte(s), nil
		}
		return nil, os.ErrNotExist
	}
	r := newResolver("serverless.yml", root, in)
	return r.resolve(), r.diags
}

func TestResolve(t *testing.T) {
	files := map[string]string{
		"conf/dev.yml": "size: 256\nname: ${self:service}-conf\n",
		"conf/x.json":  `{"a": {"b": [1, 2, 3]}}`,
	}
	env := map[string]string{"HOME_REGION": "ap-south-1"}
	for _, c := range []struct {
		name, value, want string
		in                Inputs
		diag              string // substring of a diagnostic, "" for none
	}{
		{"self", "${self:custom.plain}", "text", Inputs{}, ""},
		{"nested self", "${self:custom.ref1}", "text", Inputs{}, ""},
		{"address with a variable", "${self:custom.byStage.${sls:stage}}", "dev-value", Inputs{}, ""},
		{"stage from --stage", "${self:custom.byStage.${sls:stage}}", "prod-value", Inputs{Stage: "prod"}, ""},
		{"opt default", "${opt:stage, 'dev'}", "dev", Inputs{}, ""},
		{"opt given", "${opt:stage, 'dev'}", "qa", Inputs{Stage: "qa"}, ""},
		{"region default", "${opt:region, self:provider.region}", "eu-west-2", Inputs{}, ""},
		{"region flag", "${aws:region}", "us-west-1", Inputs{Region: "us-west-1"}, ""},
		{"env", "${env:HOME_REGION}", "ap-south-1", Inputs{}, ""},
		{"env default", "${env:NOPE, 'fallback'}", "fallback", Inputs{}, ""},
		{"default is a variable", "${env:NOPE, self:custom.plain}", "text", Inputs{}, ""},
		{"default in ${} (rejected by framework 3.40, read anyway)", "${env:NOPE, ${self:custom.plain}}", "text", Inputs{}, ""},
		{"second default", "${env:NOPE, ${env:NOPE2}, 'third'}", "third", Inputs{}, ""},
		{"number default", "${opt:size, 10}", "10", Inputs{}, ""},
		{"param from stage", "${param:size}", "512", Inputs{}, ""},
		{"param default stage", "${param:only}", "base", Inputs{Stage: "prod"}, ""},
		{"param flag", "${param:size}", "9", Inputs{Params: map[string]string{"size": "9"}}, ""},
		{"file address", "${file(./conf/${sls:stage}.yml):size}", "256", Inputs{}, ""},
		{"file resolves in service context", "${file(./conf/dev.yml):name}", "svc-conf", Inputs{}, ""},
		{"json file path", "${file(./conf/x.json):a.b.1}", "2", Inputs{}, ""},
		{"strToBool", "${strToBool(${env:NOPE, 'true'})}", "true", Inputs{}, ""},
		{"interpolation", "arn:${sls:stage}:${self:custom.plain}:x", "arn:dev:text:x", Inputs{}, ""},
		{"cloudformation sub kept", "${AWS::Region}-${Bucket}-${self:custom.plain}", "${AWS::Region}-${Bucket}-text", Inputs{}, ""},
		{"ssm symbolic", "${ssm:/app/${sls:stage}/key}", "${ssm:/app/dev/key}", Inputs{}, ""},
		{"account symbolic", "${aws:accountId}", "${aws:accountId}", Inputs{}, ""},
		{"account given", "${aws:accountId}", "123456789012", Inputs{Account: "123456789012"}, ""},
		{"unresolved", "${self:custom.nothing}", "${self:custom.nothing}", Inputs{}, "has no default"},
		{"missing file", "${file(./conf/none.yml)}", "${file(./conf/none.yml)}", Inputs{}, "cannot read"},
		{"missing file with default", "${file(./conf/none.yml):a, 'd'}", "d", Inputs{}, ""},
		{"cycle", "${self:value}", "", Inputs{}, "variable cycle"},
		{"unknown source", "${vault:secret}", "${vault:secret}", Inputs{}, "unknown source"},
		{"object into a string", "x-${self:custom.byStage}", "x-${self:custom.byStage}", Inputs{}, "cannot be part of a longer string"},
		{"bad bool", "${strToBool(maybe)}", "${strToBool(maybe)}", Inputs{}, "not a boolean"},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc := `service: svc
params:
  default: {size: 128, only: base}
  dev: {size: 512}
custom:
  plain: text
  ref1: ${self:custom.ref2}
  ref2: ${self:custom.plain}
  byStage: {dev: dev-value, prod: prod-value}
provider:
  region: eu-west-2
  stage: ${opt:stage, 'dev'}
value: "` + strings.ReplaceAll(c.value, `"`, `\"`) + `"
`
			in := c.in
			in.Env = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
			out, diags := resolveDoc(t, doc, in, files)
			got := out.Get("value")
			var msgs []string
			for _, d := range diags {
				msgs = append(msgs, d.Message)
			}
			all := strings.Join(msgs, "\n")
			if c.diag == "" && len(diags) > 0 {
				t.Errorf("unexpected diagnostics:\n%s", all)
			}
			if c.diag != "" && !strings.Contains(all, c.diag) {
				t.Errorf("no diagnostic containing %q in:\n%s", c.diag, all)
			}
			if c.want != "" && got.Text() != c.want {
				t.Errorf("value = %q (%v), want %q", got.Text(), got.Kind, c.want)
			}
		})
	}
}

// TestResolveTypes checks that a whole-string variable keeps the type of
// what it names, and that a resolved scalar is positioned where it is used.
func TestResolveTypes(t *testing.T) {
	out, diags := resolveDoc(t, "custom:\n  n: 30\n  m: {a: 1}\nuse:\n  n: ${self:custom.n}\n  m: ${self:custom.m}\n", Inputs{}, nil)
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	n := out.Path("use", "n")
	if n.Kind != app.NumberNode || n.Pos.Line != 5 {
		t.Errorf("n = %v at line %d, want a number at line 5", n.Kind, n.Pos.Line)
	}
	if m := out.Path("use", "m"); !m.IsMap() || m.Get("a").Text() != "1" {
		t.Errorf("m = %v, want the map", m.Plain())
	}
}

// TestResolveLimits feeds documents built to loop or balloon.
func TestResolveLimits(t *testing.T) {
	// Each level doubles what the next copies in: 2^40 values if copied.
	var b strings.Builder
	b.WriteString("custom:\n  l0: [x, y]\n")
	for i := 1; i <= 40; i++ {
		b.WriteString("  l" + itoa(i) + ": [\"${self:custom.l" + itoa(i-1) + "}\", \"${self:custom.l" + itoa(i-1) + "}\"]\n")
	}
	_, diags := resolveDoc(t, b.String(), Inputs{}, nil)
	if !hasDiag(diags, "refusing") {
		t.Errorf("doubling document: no limit diagnostic in %v", diags)
	}
	// A chain deeper than MaxVarDepth, written top first so that nothing
	// is resolved before it is needed.
	b.Reset()
	b.WriteString("top: ${self:custom.c" + itoa(MaxVarDepth+10) + "}\ncustom:\n")
	for i := MaxVarDepth + 10; i >= 1; i-- {
		b.WriteString("  c" + itoa(i) + ": ${self:custom.c" + itoa(i-1) + "}\n")
	}
	b.WriteString("  c0: end\n")
	_, diags = resolveDoc(t, b.String(), Inputs{}, nil)
	if !hasDiag(diags, "deep") {
		t.Errorf("deep chain: no depth diagnostic in %v", diags)
	}
	// String growth.
	b.Reset()
	b.WriteString("custom:\n  s0: " + strings.Repeat("x", 1000) + "\n")
	for i := 1; i <= 20; i++ {
		b.WriteString("  s" + itoa(i) + ": ${self:custom.s" + itoa(i-1) + "}${self:custom.s" + itoa(i-1) + "}\n")
	}
	_, diags = resolveDoc(t, b.String(), Inputs{}, nil)
	if !hasDiag(diags, "bytes") {
		t.Errorf("growing string: no size diagnostic in %v", diags)
	}
}

func hasDiag(diags []app.Diag, s string) bool {
	for _, d := range diags {
		if strings.Contains(d.Message, s) {
			return true
		}
	}
	return false
}

func itoa(i int) string { return strconv.Itoa(i) }
