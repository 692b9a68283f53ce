package cfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/app"
)

// parseTestPlain renders n as compact JSON with sorted keys.
func parseTestPlain(t *testing.T, n *app.Node) string {
	t.Helper()
	b, err := json.Marshal(n.Plain())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func parseTestDoc(t *testing.T, file, src string) (*app.Node, []app.Diag) {
	t.Helper()
	n, diags, err := ParseDocument(file, []byte(src))
	if err != nil {
		t.Fatalf("ParseDocument(%q): %v", src, err)
	}
	return n, diags
}

func TestParseTags(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"Ref", "v: !Ref Bucket", `{"v":{"Ref":"Bucket"}}`},
		{"Condition", "v: !Condition IsProd", `{"v":{"Condition":"IsProd"}}`},
		{"GetAtt dotted", "v: !GetAtt Fn.Arn", `{"v":{"Fn::GetAtt":["Fn","Arn"]}}`},
		{"GetAtt nested output", "v: !GetAtt Stack.Outputs.BusArn", `{"v":{"Fn::GetAtt":["Stack","Outputs.BusArn"]}}`},
		{"GetAtt list", "v: !GetAtt [Fn, Arn]", `{"v":{"Fn::GetAtt":["Fn","Arn"]}}`},
		{"GetAtt block list", "v: !GetAtt\n  - Fn\n  - !Ref Attr", `{"v":{"Fn::GetAtt":["Fn",{"Ref":"Attr"}]}}`},
		{"Sub string", "v: !Sub '${AWS::StackName}-x'", `{"v":{"Fn::Sub":"${AWS::StackName}-x"}}`},
		{"Sub list", "v: !Sub\n  - '${A}-${B}'\n  - A: !Ref X\n    B: b", `{"v":{"Fn::Sub":["${A}-${B}",{"A":{"Ref":"X"},"B":"b"}]}}`},
		{"Join", "v: !Join ['-', [a, !Ref B]]", `{"v":{"Fn::Join":["-",["a",{"Ref":"B"}]]}}`},
		{"Select Split", "v: !Select [1, !Split [',', 'a,b']]", `{"v":{"Fn::Select":[1,{"Fn::Split":[",","a,b"]}]}}`},
		{"If", "v: !If [C, 1, !Ref AWS::NoValue]", `{"v":{"Fn::If":["C",1,{"Ref":"AWS::NoValue"}]}}`},
		{"Equals Not", "v: !Not [!Equals [a, b]]", `{"v":{"Fn::Not":[{"Fn::Equals":["a","b"]}]}}`},
		{"And Or", "v: !And [!Or [!Condition A, !Condition B], !Condition C]", `{"v":{"Fn::And":[{"Fn::Or":[{"Condition":"A"},{"Condition":"B"}]},{"Condition":"C"}]}}`},
		{"FindInMap", "v: !FindInMap [M, !Ref K, Memory]", `{"v":{"Fn::FindInMap":["M",{"Ref":"K"},"Memory"]}}`},
		{"ImportValue", "v: !ImportValue shared-arn", `{"v":{"Fn::ImportValue":"shared-arn"}}`},
		{"ImportValue Sub", "v: !ImportValue\n  Fn::Sub: '${Env}-arn'", `{"v":{"Fn::ImportValue":{"Fn::Sub":"${Env}-arn"}}}`},
		{"GetAZs empty string", "v: !GetAZs ''", `{"v":{"Fn::GetAZs":""}}`},
		{"GetAZs nothing", "v: !GetAZs", `{"v":{"Fn::GetAZs":""}}`},
		{"GetAZs nothing in flow", "v: [!GetAZs , x]", `{"v":[{"Fn::GetAZs":""},"x"]}`},
		{"GetAZs Ref map", "v: !GetAZs\n  Ref: AWS::Region", `{"v":{"Fn::GetAZs":{"Ref":"AWS::Region"}}}`},
		{"Base64", "v: !Base64 abc", `{"v":{"Fn::Base64":"abc"}}`},
		{"Cidr", "v: !Cidr [10.0.0.0/16, 4, 8]", `{"v":{"Fn::Cidr":["10.0.0.0/16",4,8]}}`},
		{"Transform map", "v: !Transform {Name: AWS::Include, Parameters: {Location: s3://b/k}}", `{"v":{"Fn::Transform":{"Name":"AWS::Include","Parameters":{"Location":"s3://b/k"}}}}`},
		{"ToJsonString map", "v: !ToJsonString\n  a: 1\n  b: [true, null]", `{"v":{"Fn::ToJsonString":{"a":1,"b":[true,null]}}}`},
		{"ToJsonString list", "v: !ToJsonString [1, x]", `{"v":{"Fn::ToJsonString":[1,"x"]}}`},
		{"Length", "v: !Length [a, b]", `{"v":{"Fn::Length":["a","b"]}}`},
		{"long forms kept", "v: {Fn::ToJsonString: {a: 1}, x: {Fn::Length: !Ref L}}", `{"v":{"Fn::ToJsonString":{"a":1},"x":{"Fn::Length":{"Ref":"L"}}}}`},
		{"tag on a block map", "v: !Sub\n  - x\n  - {}\nw: !Base64\n  Fn::Join: ['', [a]]", `{"v":{"Fn::Sub":["x",{}]},"w":{"Fn::Base64":{"Fn::Join":["",["a"]]}}}`},
		{"quoted scalars stay strings", "a: '30'\nb: \"true\"\nc: 30\nd: true\ne: ~\nf: 1.5\ng: 0x1F\nh: 2010-09-09", `{"a":"30","b":"true","c":30,"d":true,"e":null,"f":1.5,"g":31,"h":"2010-09-09"}`},
		{"standard tags", "a: !!str 30\nb: !!int '7'", `{"a":"30","b":7}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, diags := parseTestDoc(t, "t.yaml", tt.src)
			if len(diags) != 0 {
				t.Errorf("diags: %v", diags)
			}
			if got := parseTestPlain(t, n); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestParseTagProblems(t *testing.T) {
	tests := []struct {
		name, src, want, diag string
	}{
		{"unknown tag kept untagged", "a: !Foo x\nb: 1", `{"a":"x","b":1}`, "t.yaml:1:4: error: unknown tag !Foo"},
		{"GetAtt without dot", "a: !GetAtt Fn", `{"a":{"Fn::GetAtt":"Fn"}}`, `t.yaml:1:4: error: !GetAtt "Fn" must be Resource.Attribute`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, diags := parseTestDoc(t, "t.yaml", tt.src)
			if got := parseTestPlain(t, n); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if len(diags) != 1 || diags[0].Error() != tt.diag {
				t.Errorf("diags %v, want [%s]", diags, tt.diag)
			}
		})
	}
}

func TestParsePositions(t *testing.T) {
	yamlSrc := "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Role: !GetAtt Role.Arn\n      Layers: [a, 'é', !Ref L]\n      Name: é日本x\n"
	jsonSrc := "{\n  \"Resources\": {\n    \"Fn\": {\"Type\": \"AWS::Lambda::Function\",\n      \"Properties\": {\"Role\": {\"Fn::GetAtt\": [\"Role\", \"Arn\"]},\n        \"Layers\": [\"a\", \"é\", {\"Ref\": \"L\"}], \"Name\": \"é日本x\", \"N\": -1.5e3}}}}"
	type want struct {
		path     []string // keys, or "#i" for a list item
		key, val string   // "line:col"; key "" for list items and the root
	}
	at := func(n *app.Node, path []string) (*app.Node, app.Pos) {
		var kp app.Pos
		for _, s := range path {
			if i, ok := strings.CutPrefix(s, "#"); ok {
				n = n.List[int(i[0]-'0')]
				kp = app.Pos{}
				continue
			}
			idx := parseTestIndexOfKey(n.Keys, s)
			if idx < 0 {
				t.Fatalf("no key %s in %v", s, n.Keys)
			}
			kp = n.KeyPos[idx]
			n = n.Values[idx]
		}
		return n, kp
	}
	lc := func(p app.Pos) string {
		if p.Line == 0 {
			return ""
		}
		return strings.TrimPrefix(p.String(), p.File+":")
	}
	tests := []struct {
		name, file, src string
		wants           []want
	}{
		{"yaml", "t.yaml", yamlSrc, []want{
			{nil, "", "1:1"},
			{[]string{"Resources"}, "1:1", "2:3"},
			{[]string{"Resources", "Fn"}, "2:3", "3:5"},
			{[]string{"Resources", "Fn", "Type"}, "3:5", "3:11"},
			{[]string{"Resources", "Fn", "Properties", "Role"}, "5:7", "5:13"},
			{[]string{"Resources", "Fn", "Properties", "Role", "Fn::GetAtt"}, "5:13", "5:21"},
			{[]string{"Resources", "Fn", "Properties", "Role", "Fn::GetAtt", "#0"}, "", "5:21"},
			{[]string{"Resources", "Fn", "Properties", "Role", "Fn::GetAtt", "#1"}, "", "5:26"},
			{[]string{"Resources", "Fn", "Properties", "Layers", "#1"}, "", "6:19"},
			{[]string{"Resources", "Fn", "Properties", "Layers", "#2"}, "", "6:24"},
			{[]string{"Resources", "Fn", "Properties", "Layers", "#2", "Ref"}, "6:24", "6:24"},
			{[]string{"Resources", "Fn", "Properties", "Name"}, "7:7", "7:13"},
		}},
		{"json", "t.json", jsonSrc, []want{
			{nil, "", "1:1"},
			{[]string{"Resources"}, "2:3", "2:16"},
			{[]string{"Resources", "Fn"}, "3:5", "3:11"},
			{[]string{"Resources", "Fn", "Type"}, "3:12", "3:20"},
			{[]string{"Resources", "Fn", "Properties", "Role"}, "4:22", "4:30"},
			{[]string{"Resources", "Fn", "Properties", "Role", "Fn::GetAtt"}, "4:31", "4:45"},
			{[]string{"Resources", "Fn", "Properties", "Role", "Fn::GetAtt", "#1"}, "", "4:54"},
			{[]string{"Resources", "Fn", "Properties", "Layers", "#1"}, "", "5:25"},
			{[]string{"Resources", "Fn", "Properties", "Layers", "#2"}, "", "5:30"},
			{[]string{"Resources", "Fn", "Properties", "Name"}, "5:45", "5:53"},
			{[]string{"Resources", "Fn", "Properties", "N"}, "5:61", "5:66"},
		}},
		{"json with BOM and CRLF", "t.json", "\ufeff{\r\n \"a\": [1,\r\n  true]}", []want{
			{nil, "", "1:1"},
			{[]string{"a"}, "2:2", "2:7"},
			{[]string{"a", "#1"}, "", "3:3"},
		}},
		{"yaml with BOM and CRLF", "t.yaml", "\ufeffa:\r\n  - 1\r\n  - true\r\n", []want{
			{[]string{"a"}, "1:1", "2:3"},
			{[]string{"a", "#1"}, "", "3:5"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, diags := parseTestDoc(t, tt.file, tt.src)
			if len(diags) > 0 {
				t.Fatalf("diags: %v", diags)
			}
			for _, w := range tt.wants {
				n, kp := at(root, w.path)
				if lc(kp) != w.key || lc(n.Pos) != w.val || n.Pos.File != tt.file {
					t.Errorf("%v: key at %q value at %q (%s), want %q %q", w.path, lc(kp), lc(n.Pos), n.Pos.File, w.key, w.val)
				}
			}
			parseTestEveryPos(t, root, tt.file)
		})
	}
}

func parseTestIndexOfKey(keys []string, k string) int {
	for i, x := range keys {
		if x == k {
			return i
		}
	}
	return -1
}

// parseTestEveryPos checks that every node and map key has a position.
func parseTestEveryPos(t *testing.T, n *app.Node, file string) {
	t.Helper()
	if n.Pos.File != file || n.Pos.Line < 1 || n.Pos.Col < 1 {
		t.Fatalf("node %v has position %+v", n.Plain(), n.Pos)
	}
	if len(n.KeyPos) != len(n.Keys) || len(n.Values) != len(n.Keys) {
		t.Fatalf("map has %d keys, %d values, %d key positions", len(n.Keys), len(n.Values), len(n.KeyPos))
	}
	for i, p := range n.KeyPos {
		if p.File != file || p.Line < 1 || p.Col < 1 {
			t.Fatalf("key %q has position %+v", n.Keys[i], p)
		}
	}
	for _, c := range n.List {
		parseTestEveryPos(t, c, file)
	}
	for _, c := range n.Values {
		parseTestEveryPos(t, c, file)
	}
}

func TestParseDuplicateKeys(t *testing.T) {
	tests := []struct {
		name, file, src, want string
		diags                 []string
	}{
		{"yaml", "t.yaml", "Resources:\n  A:\n    Type: X\n  B:\n    Type: Y\n  A:\n    Type: Z\nOutputs: {}\n",
			`{"Outputs":{},"Resources":{"A":{"Type":"X"},"B":{"Type":"Y"}}}`,
			[]string{`t.yaml:6:3: error: duplicate key "A" (first at line 2, column 3); CloudFormation rejects duplicate keys`}},
		{"yaml flow and nested", "t.yaml", "a: {x: 1, x: 2}\nb:\n  c: [{y: 1, y: 1}]\n",
			`{"a":{"x":1},"b":{"c":[{"y":1}]}}`,
			[]string{`t.yaml:1:11: error: duplicate key "x" (first at line 1, column 5); CloudFormation rejects duplicate keys`,
				`t.yaml:3:14: error: duplicate key "y" (first at line 3, column 8); CloudFormation rejects duplicate keys`}},
		{"json", "t.json", "{\"Resources\": {\n  \"A\": {\"Type\": \"X\"},\n  \"A\": {\"Type\": \"Z\"}},\n \"Outputs\": {}}",
			`{"Outputs":{},"Resources":{"A":{"Type":"X"}}}`,
			[]string{`t.json:3:3: error: duplicate key "A" (first at line 2, column 3); CloudFormation rejects duplicate keys`}},
		{"json in a large map", "t.json", parseTestBigObject(40, "k07"), "",
			[]string{`t.json:1:402: error: duplicate key "k07" (first at line 1, column 72)ANY`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, diags := parseTestDoc(t, tt.file, tt.src)
			if tt.want != "" {
				if got := parseTestPlain(t, n); got != tt.want {
					t.Errorf("got  %s\nwant %s", got, tt.want)
				}
			}
			if len(diags) != len(tt.diags) {
				t.Fatalf("diags %v, want %v", diags, tt.diags)
			}
			for i, d := range diags {
				w := tt.diags[i]
				if pre, post, ok := strings.Cut(w, "ANY"); ok {
					if !strings.HasPrefix(d.Error(), pre) || !strings.Contains(d.Error(), post) {
						t.Errorf("diag %q, want %q", d.Error(), w)
					}
					continue
				}
				if d.Error() != w {
					t.Errorf("diag %q\nwant %q", d.Error(), w)
				}
			}
		})
	}
}

// parseTestBigObject writes a one-line JSON object of n keys k00, k01 ...
// and then dup again: a map large enough to be searched by hash.
func parseTestBigObject(n int, dup string) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, `"k%02d": 1, `, i)
	}
	fmt.Fprintf(&b, `"%s": 2}`, dup)
	return b.String()
}

func TestParseMergeAndAliases(t *testing.T) {
	src := `base: &base {Runtime: python3.12, Timeout: 30, Role: !GetAtt R.Arn}
extra: &extra {Timeout: 45, Layers: [a]}
a:
  <<: *base
  Timeout: 60
b:
  Timeout: 90
  <<: [*extra, *base]
c:
  <<: *base
  Runtime: java21
  Runtime: go
d: *base
e: [*base, *base]
`
	n, diags := parseTestDoc(t, "t.yaml", src)
	want := map[string]string{
		"a": `{"Role":{"Fn::GetAtt":["R","Arn"]},"Runtime":"python3.12","Timeout":60}`,
		"b": `{"Layers":["a"],"Role":{"Fn::GetAtt":["R","Arn"]},"Runtime":"python3.12","Timeout":90}`,
		"c": `{"Role":{"Fn::GetAtt":["R","Arn"]},"Runtime":"java21","Timeout":30}`,
		"d": `{"Role":{"Fn::GetAtt":["R","Arn"]},"Runtime":"python3.12","Timeout":30}`,
	}
	for k, w := range want {
		if got := parseTestPlain(t, n.Get(k)); got != w {
			t.Errorf("%s: got %s\nwant %s", k, got, w)
		}
	}
	if len(diags) != 1 || !strings.HasPrefix(diags[0].Error(), `t.yaml:12:3: error: duplicate key "Runtime" (first at line 11, column 3)`) {
		t.Errorf("diags: %v", diags)
	}
	// Written keys keep their own position; merged keys the anchor's.
	a := n.Get("a")
	if p := a.KeyPos[parseTestIndexOfKey(a.Keys, "Timeout")]; p.Line != 5 {
		t.Errorf("a.Timeout key at %v", p)
	}
	if p := a.KeyPos[parseTestIndexOfKey(a.Keys, "Runtime")]; p.Line != 1 {
		t.Errorf("a.Runtime key at %v", p)
	}
	parseTestEveryPos(t, n, "t.yaml")
	// Every alias is its own copy: changing one leaves the others alone.
	e := n.Get("e")
	e.List[0].Set("Timeout", app.Int(1, app.Pos{}))
	if v, _ := e.List[1].Get("Timeout").Int64(); v != 30 {
		t.Errorf("aliases share nodes: %d", v)
	}
	if v, _ := n.Get("d").Get("Timeout").Int64(); v != 30 {
		t.Errorf("aliases share nodes: %d", v)
	}
}

func TestParseAliasProblemsReportedOnce(t *testing.T) {
	_, diags := parseTestDoc(t, "t.yaml", "a: &a {x: 1, x: 2}\nb: *a\nc: *a\n")
	if len(diags) != 1 {
		t.Errorf("diags: %v", diags)
	}
}

func TestParseEmptyAndNotAMap(t *testing.T) {
	for _, src := range []string{"", "   \n\n", "# only a comment\n", "---\n", "\ufeff", "~\n", "null"} {
		_, _, err := ParseDocument("t.yaml", []byte(src))
		var d app.Diag
		if !errors.As(err, &d) || d.Message != "empty document" || d.Severity != app.SevError || d.Pos.Line != 1 {
			t.Errorf("%q: err %v, want an empty document error", src, err)
		}
	}
	for _, src := range []string{"[1, 2]", "hello", "- a\n- b\n", "42"} {
		if _, err := Parse("t.yaml", []byte(src)); err == nil || !strings.Contains(err.Error(), "template is not a map") {
			t.Errorf("%q: err %v", src, err)
		}
	}
	if n, diags := parseTestDoc(t, "t.json", " {}\n"); !n.IsMap() || n.Len() != 0 || len(diags) != 0 {
		t.Errorf("{}: %v %v", n, diags)
	}
}

func TestParseMultipleDocuments(t *testing.T) {
	n, diags := parseTestDoc(t, "t.yaml", "a: 1\n---\nb: 2\n")
	if parseTestPlain(t, n) != `{"a":1}` || len(diags) != 1 || diags[0].Severity != app.SevWarning || diags[0].Pos.Line != 2 {
		t.Errorf("%s %v", parseTestPlain(t, n), diags)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, file, src, want string
	}{
		{"json trailing comma", "t.json", "{\n  \"a\": 1,\n}", "t.json:3:1: error: invalid JSON: unexpected '}', expected a string key"},
		{"json missing comma", "t.json", `{"a": 1 "b": 2}`, `t.json:1:9: error: invalid JSON: unexpected '"', expected ',' or '}'`},
		{"json double comma", "t.json", `{"a": [1,,2]}`, "t.json:1:10: error: invalid JSON: unexpected ',', expected a value"},
		{"json missing colon", "t.json", `{"a" 1}`, "t.json:1:6: error: invalid JSON: unexpected '1', expected ':' after the key"},
		{"json unclosed", "t.json", "{\"a\": [1, 2\n", "t.json:2:1: error: invalid JSON: unexpected end of input, expected ',' or ']'"},
		{"json unterminated string", "t.json", "{\"a\": \"abc}", "t.json:1:7: error: invalid JSON: unterminated string"},
		{"json bad escape", "t.json", `{"a": "x\q"}`, `t.json:1:9: error: invalid JSON: invalid escape '\q' in string`},
		{"json bad unicode escape", "t.json", `{"a": "\u12G4"}`, `t.json:1:8: error: invalid JSON: invalid \u escape in string: expected four hex digits`},
		{"json control char", "t.json", "{\"a\": \"x\ty\"}", "t.json:1:9: error: invalid JSON: control character U+0009 in string (write it as an escape)"},
		{"json raw newline in string", "t.json", "{\"a\": \"x\ny\"}", "t.json:1:9: error: invalid JSON: control character U+000A in string (write it as an escape)"},
		{"json invalid utf8", "t.json", "{\"a\": \"é\xff\"}", "t.json:1:9: error: invalid JSON: invalid UTF-8 byte 0xff in string"},
		{"json invalid utf8 after escape", "t.json", "{\"a\": \"\\n\xc3\"}", "t.json:1:10: error: invalid JSON: invalid UTF-8 byte 0xc3 in string"},
		{"json leading zero", "t.json", `{"a": 01}`, "t.json:1:8: error: invalid JSON: unexpected '1', expected ',' or '}'"},
		{"json bad number", "t.json", `{"a": -x}`, "t.json:1:7: error: invalid JSON: invalid number: expected a digit after '-'"},
		{"json bad fraction", "t.json", `{"a": 1.}`, "t.json:1:7: error: invalid JSON: invalid number: expected a digit after '.'"},
		{"json bad exponent", "t.json", `{"a": 1e+}`, "t.json:1:7: error: invalid JSON: invalid number: expected a digit in the exponent"},
		{"json bad literal", "t.json", `{"a": tru}`, "t.json:1:7: error: invalid JSON: unexpected 't', expected true"},
		{"json trailing data", "t.json", "{}\n{}", "t.json:2:1: error: invalid JSON: unexpected '{', expected the end of the document"},
		{"json non-string key after unicode", "t.json", "{\"é\": 1, é: 2}", "t.json:1:10: error: invalid JSON: unexpected 'é', expected a string key"},
		{"yaml tab indent", "t.yaml", "Resources:\n  A:\n\tType: X\n", "t.yaml:3:1: error: invalid YAML: found character that cannot start any token (a tab: YAML indents with spaces)"},
		{"yaml bad indentation", "t.yaml", "a:\n  b: 1\n c: 2\n", "t.yaml:2: error: invalid YAML: did not find expected key"},
		{"yaml mapping in scalar", "t.yaml", "a: b: c\n", "t.yaml:1: error: invalid YAML: mapping values are not allowed in this context"},
		{"yaml unclosed quote", "t.yaml", "a: 'abc\nb: 1\n", "t.yaml:3: error: invalid YAML: found unexpected end of stream"},
		{"yaml unknown alias", "t.yaml", "a: 1\nb: [x, *nope]\n", "t.yaml:2:8: error: invalid YAML: unknown anchor 'nope' referenced"},
		{"yaml non-scalar key", "t.yaml", "? [a]\n: 1\n", "t.yaml:1:3: error: map key is not a string"},
		{"yaml bad merge", "t.yaml", "a:\n  <<: 1\n", "t.yaml:2:7: error: merge key (<<) value is not a map or a list of maps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parse := ParseDocument
			if tt.file == "t.json" {
				// ParseDocument reads what is not JSON as YAML when it can.
				parse = parseJSON
			}
			_, _, err := parse(tt.file, []byte(tt.src))
			var d app.Diag
			if !errors.As(err, &d) {
				t.Fatalf("err %v is not an app.Diag", err)
			}
			if d.Error() != tt.want {
				t.Errorf("got  %s\nwant %s", d.Error(), tt.want)
			}
		})
	}
}

func TestParseJSONFallsBackToYAML(t *testing.T) {
	tests := []struct{ src, want, diag string }{
		{"{Resources: {A: {Type: !Ref X}},}\n", `{"Resources":{"A":{"Type":{"Ref":"X"}}}}`,
			"t.json:1:2: warning: not valid JSON (unexpected 'R', expected a string key); read as YAML"},
		{"{\n  \"a\": 1,\n}", `{"a":1}`,
			"t.json:3:1: warning: not valid JSON (unexpected '}', expected a string key); read as YAML"},
	}
	for _, tt := range tests {
		n, diags := parseTestDoc(t, "t.json", tt.src)
		if got := parseTestPlain(t, n); got != tt.want {
			t.Errorf("got %s", got)
		}
		if len(diags) != 1 || diags[0].Error() != tt.diag {
			t.Errorf("diags: %v", diags)
		}
	}
	// Neither JSON nor YAML: the JSON error is the one reported.
	_, _, err := ParseDocument("t.json", []byte(`{"a": [1,,2]}`))
	if err == nil || err.Error() != "t.json:1:10: error: invalid JSON: unexpected ',', expected a value" {
		t.Errorf("err %v", err)
	}
}

func TestParseJSONStrings(t *testing.T) {
	tests := []struct{ src, want string }{
		{`"plain"`, "plain"},
		{`"a\"b\\c\/d\be\ff\ng\rh\ti"`, "a\"b\\c/d\be\ff\ng\rh\ti"},
		{`"\u00e9\u4E2D"`, "é中"},
		{`"\ud83c\udf70 cake"`, "🍰 cake"},
		{`"lone \ud83c here"`, "lone \ufffd here"},
		{`"lone \udf70 low"`, "lone \ufffd low"},
		{`"high then escape \ud83c\n"`, "high then escape \ufffd\n"},
		{`"high high \ud83c\ud83c\udf70"`, "high high \ufffd🍰"},
		{`"raw é 🍰 \u0000"`, "raw é 🍰 \x00"},
		{`""`, ""},
	}
	for _, tt := range tests {
		n, _, err := parseJSON("t.json", []byte(tt.src))
		if err != nil {
			t.Errorf("%s: %v", tt.src, err)
			continue
		}
		var std string
		if err := json.Unmarshal([]byte(tt.src), &std); err != nil || std != tt.want {
			t.Errorf("%s: encoding/json gives %q (%v), the test expects %q", tt.src, std, err, tt.want)
		}
		if n.Kind != app.StringNode || n.Scalar != tt.want {
			t.Errorf("%s: got %q, want %q", tt.src, n.Scalar, tt.want)
		}
	}
}

func TestParseJSONScalars(t *testing.T) {
	n, _, err := parseJSON("t.json", []byte(`[0, -0, 12, -3.25, 1e3, 2E-2, 1.5e+10, 123456789012345678901234, true, false, null]`))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		kind app.NodeKind
		text string
	}{
		{app.NumberNode, "0"}, {app.NumberNode, "-0"}, {app.NumberNode, "12"}, {app.NumberNode, "-3.25"},
		{app.NumberNode, "1e3"}, {app.NumberNode, "2E-2"}, {app.NumberNode, "1.5e+10"},
		{app.NumberNode, "123456789012345678901234"},
		{app.BoolNode, "true"}, {app.BoolNode, "false"}, {app.NullNode, ""},
	}
	for i, w := range want {
		if it := n.List[i]; it.Kind != w.kind || it.Scalar != w.text {
			t.Errorf("item %d: kind %d %q, want %d %q", i, it.Kind, it.Scalar, w.kind, w.text)
		}
	}
}

func TestParseLimits(t *testing.T) {
	t.Run("file size", func(t *testing.T) {
		_, _, err := ParseDocument("big.yaml", make([]byte, MaxFileSize+1))
		if err == nil || !strings.Contains(err.Error(), "more than the 16777216-byte limit") {
			t.Errorf("err %v", err)
		}
	})
	for _, tt := range []struct {
		name, file string
		src        string
	}{
		{"json depth", "t.json", "{\"a\":" + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "}"},
		{"json depth unclosed", "t.json", "{\"a\":" + strings.Repeat("[", 1<<20)},
		{"yaml flow depth", "t.yaml", "a: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000)},
		{"yaml block depth", "t.yaml", parseTestDeepYAML(MaxDepth + 5)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParseDocument(tt.file, []byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), "nested deeper than 256 levels") && !strings.Contains(err.Error(), "exceeded max depth") {
				t.Errorf("err %v", err)
			}
		})
	}
	t.Run("depth at the limit", func(t *testing.T) {
		for _, src := range []string{
			strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth),
			"{\"a\":" + strings.Repeat("[", MaxDepth-1) + strings.Repeat("]", MaxDepth-1) + "}",
			parseTestDeepYAML(MaxDepth),
		} {
			if _, _, err := ParseDocument("t", []byte(src)); err != nil {
				t.Errorf("%.20s...: %v", src, err)
			}
		}
	})
	t.Run("billion laughs", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
		for i := 1; i < 10; i++ {
			p := "*a" + string(rune('0'+i-1))
			b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [" + strings.Repeat(p+", ", 8) + p + "]\n")
		}
		start := time.Now()
		_, _, err := ParseDocument("laughs.yaml", []byte(b.String()))
		if err == nil || !strings.Contains(err.Error(), "after alias expansion") {
			t.Fatalf("err %v", err)
		}
		if d := time.Since(start); d > time.Second { // microseconds when the machine is not loaded
			t.Errorf("took %v", d)
		}
	})
	t.Run("small alias bomb under MaxNodes", func(t *testing.T) {
		// 8^6 = 262144 nodes from a few hundred bytes: under MaxNodes but far
		// more than the document holds.
		var b strings.Builder
		b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x]\n")
		for i := 1; i < 6; i++ {
			p := "*a" + string(rune('0'+i-1))
			b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [" + strings.Repeat(p+", ", 7) + p + "]\n")
		}
		_, _, err := ParseDocument("bomb.yaml", []byte(b.String()))
		if err == nil || !strings.Contains(err.Error(), "aliases expand") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("self-referencing alias", func(t *testing.T) {
		_, _, err := ParseDocument("t.yaml", []byte("a: &a [x, *a]\n"))
		if err == nil {
			t.Fatal("no error")
		}
	})
}

func parseTestDeepYAML(depth int) string {
	var b strings.Builder
	for i := range depth {
		b.WriteString(strings.Repeat(" ", i) + "k:\n")
	}
	b.WriteString(strings.Repeat(" ", depth) + "v\n")
	return b.String()
}

// TestParseTestdata reads every template under testdata/parse: no errors,
// positions everywhere, the JSON ones equal to what encoding/json reads, and
// each YAML template the same document once written out as JSON.
func TestParseTestdata(t *testing.T) {
	files, err := filepath.Glob("testdata/parse/*")
	if err != nil || len(files) < 12 {
		t.Fatalf("%d files, %v", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			tpl, err := Parse(f, data)
			if err != nil {
				t.Fatal(err)
			}
			if len(tpl.Diags) > 0 {
				t.Fatalf("diags: %v", tpl.Diags)
			}
			if len(tpl.Resources) == 0 {
				t.Error("no resources")
			}
			parseTestEveryPos(t, tpl.Root, f)
			js, err := json.Marshal(tpl.Root.Plain())
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(f, ".json") {
				var std any
				dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, parseBOM)))
				dec.UseNumber()
				if err := dec.Decode(&std); err != nil {
					t.Fatal(err)
				}
				if msg := parseTestSame(std, tpl.Root.Plain(), "$"); msg != "" {
					t.Error(msg)
				}
			}
			again, _, err := ParseDocument("again.json", js)
			if err != nil {
				t.Fatal(err)
			}
			if got := parseTestPlain(t, again); got != string(js) {
				t.Errorf("written out as JSON and read again:\n%s\n%s", got, js)
			}
		})
	}
}

func TestParseTemplate(t *testing.T) {
	tpl, err := Parse("t.yaml", []byte("Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Condition: IsProd\n    DependsOn: Role\n    Properties:\n      Timeout: 30\n      Role: !GetAtt Role.Arn\n  Role:\n    Type: AWS::IAM::Role\n  Bad: 1\n  NoType: {}\n  Fn:\n    Type: X\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tpl.Resources) != 2 || len(tpl.Diags) != 3 {
		t.Fatalf("resources %d diags %v", len(tpl.Resources), tpl.Diags)
	}
	fn := tpl.Resource("Fn")
	if fn.Type != "AWS::Serverless::Function" || fn.Condition != "IsProd" || fn.DependsOn[0] != "Role" || fn.Pos.Line != 2 || fn.Pos.Col != 3 {
		t.Errorf("%+v", fn)
	}
	name, arg, ok := fn.Properties.Get("Role").Intrinsic()
	if !ok || name != "Fn::GetAtt" || arg.List[0].Scalar != "Role" || arg.List[1].Scalar != "Arn" {
		t.Errorf("GetAtt: %v %v", name, arg)
	}
	if v, _ := fn.Properties.Get("Timeout").Int64(); v != 30 {
		t.Error("timeout")
	}
}

// parseTestSame compares what encoding/json decoded (with UseNumber) with
// Node.Plain, numbers by value; it returns "" or the first difference.
func parseTestSame(std, got any, path string) string {
	switch s := std.(type) {
	case json.Number:
		switch g := got.(type) {
		case int64:
			if i, err := s.Int64(); err == nil && i == g {
				return ""
			}
		case float64:
			if f, err := s.Float64(); err == nil && f == g {
				return ""
			}
		case string:
			// Out of float64 range: Plain keeps the text.
			if g == s.String() {
				return ""
			}
		}
		return path + ": number " + s.String() + " read differently"
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(s) {
			return path + ": map differs"
		}
		for k, v := range s {
			if msg := parseTestSame(v, g[k], path+"."+k); msg != "" {
				return msg
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(s) {
			return path + ": list differs"
		}
		for i := range s {
			if msg := parseTestSame(s[i], g[i], path+"[]"); msg != "" {
				return msg
			}
		}
		return ""
	}
	if std != got {
		return path + ": value differs"
	}
	return ""
}

// parseTestSameTree compares two trees exactly, positions included; it
// returns "" or the first difference.
func parseTestSameTree(a, b *app.Node, path string) string {
	switch {
	case a == nil || b == nil:
		if a != b {
			return path + ": nil on one side"
		}
		return ""
	case a.Kind != b.Kind || a.Scalar != b.Scalar:
		return fmt.Sprintf("%s: %d %q, want %d %q", path, a.Kind, a.Scalar, b.Kind, b.Scalar)
	case a.Pos != b.Pos:
		return fmt.Sprintf("%s: at %v, want %v", path, a.Pos, b.Pos)
	case len(a.List) != len(b.List) || len(a.Keys) != len(b.Keys) || len(a.KeyPos) != len(b.KeyPos):
		return path + ": sizes differ"
	}
	for i := range a.List {
		if msg := parseTestSameTree(a.List[i], b.List[i], fmt.Sprintf("%s[%d]", path, i)); msg != "" {
			return msg
		}
	}
	for i, k := range a.Keys {
		if k != b.Keys[i] || a.KeyPos[i] != b.KeyPos[i] {
			return fmt.Sprintf("%s: key %q at %v, want %q at %v", path, k, a.KeyPos[i], b.Keys[i], b.KeyPos[i])
		}
		if msg := parseTestSameTree(a.Values[i], b.Values[i], path+"."+k); msg != "" {
			return msg
		}
	}
	return ""
}

// TestParseYAMLFastPath checks that the fast path reads the realistic
// templates (the point of having it) and reads them as yaml.v3 does.
func TestParseYAMLFastPath(t *testing.T) {
	parseYAMLFastStrict = true
	defer func() { parseYAMLFastStrict = false }()
	files, _ := filepath.Glob("testdata/parse/*.yaml")
	inputs := map[string][]byte{"bench": benchTemplateYAML(7 << 10)}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[filepath.Base(f)] = data
	}
	// Documents the fast path leaves to yaml.v3.
	slowOnly := map[string]bool{"cfn-anchors-merge.yaml": true}
	for name, data := range inputs {
		fast, fdiags, ok := parseYAMLFast(name, data)
		if ok == slowOnly[name] {
			t.Errorf("%s: fast path read it: %v", name, ok)
		}
		if !ok {
			continue
		}
		slow, sdiags, err := parseYAMLv3(name, data)
		if err != nil {
			t.Fatal(err)
		}
		if msg := parseTestSameTree(fast, slow, "$"); msg != "" {
			t.Errorf("%s: %s", name, msg)
		}
		if fmt.Sprint(fdiags) != fmt.Sprint(sdiags) {
			t.Errorf("%s: diags %v, want %v", name, fdiags, sdiags)
		}
	}
}

// TestParseYAMLFastEdges runs inputs near the edges of the fast path's
// subset: each is either left to yaml.v3 or read exactly as yaml.v3 reads
// it. want says which.
func TestParseYAMLFastEdges(t *testing.T) {
	parseYAMLFastStrict = true
	defer func() { parseYAMLFastStrict = false }()
	tests := []struct {
		src  string
		fast bool
	}{
		{"a: 1\n", true},
		{"a:\n- x\n- y\nb: 2\n", true},
		{"a:\n  - x\n  -\n  - - p\n    - q\n", true},
		{"- a: 1\n  b:\n    c: d\n- e\n", false}, // the root must be a mapping
		{"a: |\n  x\n\n  y\nb: >-\n  p\n  q\n\n\n  r\nc: |-\n  s\n", true},
		{"a: |\n  x\n   more\n", true},
		{"a: >\n  x\n   more\n", false},
		{"a: |+\n  x\n\n", false},
		{"a: |2\n   x\n", false},
		{"a: |\n  x", false},
		{"a: |\nb: 1\n", false},
		{"a: 'it''s'\nb: \"q\\\"\\n\\u00e9\\\\\"\n", true},
		{"a: \"\\x41\"\n", false},
		{"a: \"\\/\"\n", false},
		{"a: b: c\n", false},
		{"a: b #c\nd: e#f\n", true},
		{"a: [x, y]  # c\nb: {p: 1, 'q': [2]}\nc: []\nd: {}\n", true},
		{"a: [x,\n  y]\n", false},
		{"a: [x, y,]\n", false},
		{"a: {p}\n", false},
		{"a: [p: q]\n", false},
		{"a: [arn:aws:x, 'y']\n", true},
		{"a: !Ref\nb: !GetAZs ''\nc: !Sub\n  - x\n  - {y: !Ref z}\nd: !GetAtt A.B.C\ne: !Ref 5\nf: !Ref ~\n", true},
		{"a: !!str 5\n", false},
		{"a: &x 1\nb: *x\n", false},
		{"a: 1\n<<: {b: 2}\n", false},
		{"? a\n: 1\n", false},
		{"a: 1\n---\nb: 2\n", false},
		{"---\na: 1\n", true},
		{"a:\n\tb: 1\n", false},
		{"a: 1\r\nb:\r\n  - x\r\n", true},
		{"a: 1\rb: 2\n", false},
		{"\ufeffa: é\nb: 日本: x\n", false},
		{"\ufeffa: é\nb: 日本\n", true},
		{"a: 1\n  b: 2\n", false},
		{"a:\n  b\n", false},
		{"a: x\n  y\n", true},
		{"a: x y\n   z  \n\n  w # c\nb:\n- p\n  q\n-  r\n\n\n   s\n\nc: 1\n", true},
		{"a: x\n  # c\n  y\n", false},
		{"a: x\n  # c\nb: 1\n", true},
		{"a: x\n  y: z\n", false},
		{"a: x\n  - y\n", false},
		{"- a: x\n   y\n  b: z\n", false},
		{"k:\n  - a: x\n     y\n    b: 1 2\n      3\n", true},
		{"a: !Sub x\n  ${y}\n", true},
		{"a: 1\n  2\n", true},
		{"... 0:\n", false},
		{"a: 1\n...\n", false},
		{"--- a: 1\n", false},
		{"a: 0x1F\nb: 1_000\nc: .5\nd: 2010-09-09\ne: ~\nf: 0777\ng: -0b11\nh: 1e3\ni: +.inf\nj: 1.\nl: 12:30\n", true},
		{"a: 1\na: {b: 1, b: 2}\nc: {d: 1, d: 2}\n", true},
		{"\"quoted key\": 1\n'x''y': 2\n", true},
		{"- \"k\": v\n", false},
		{"a:\n- \"k\": v\n  l: w\n", true},
		{"a: !Foo x\nb: !Foo\n", true},
		{"a: ! x\n", false},
		{"a: -x\nb: ?y\nc: :z\n", true},
		{"a: - x\n", false},
		{"a: {0?: [0]}\n", false},
		{"# only\n# comments\na: 1 # and more\n# end", true},
		{"a: # c\n  b: 1\nc: !Sub # d\n  - x # e\n  - # f\n    y: 2\nd:    # g\n", true},
		{strings.Repeat("k", 1100) + ": v\n", false},
	}
	for _, tt := range tests {
		fast, fdiags, ok := parseYAMLFast("e.yaml", []byte(tt.src))
		if ok != tt.fast {
			t.Errorf("%q: fast path took it: %v, want %v", tt.src, ok, tt.fast)
		}
		if !ok {
			continue
		}
		slow, sdiags, err := parseYAMLv3("e.yaml", []byte(tt.src))
		if err != nil {
			t.Errorf("%q: fast path read what yaml.v3 refuses: %v", tt.src, err)
			continue
		}
		if msg := parseTestSameTree(fast, slow, "$"); msg != "" {
			t.Errorf("%q: %s", tt.src, msg)
		}
		if fmt.Sprint(fdiags) != fmt.Sprint(sdiags) {
			t.Errorf("%q: diags %v, want %v", tt.src, fdiags, sdiags)
		}
	}
}

func TestParseNodeLimit(t *testing.T) {
	defer func(n int) { parseMaxNodes = n }(parseMaxNodes)
	parseMaxNodes = 100
	var js, ys strings.Builder
	js.WriteString(`{"a": [`)
	ys.WriteString("a:\n")
	for i := range 100 {
		if i > 0 {
			js.WriteString(",")
		}
		js.WriteString("1")
		ys.WriteString("- 1\n")
	}
	js.WriteString("]}")
	for _, tt := range []struct{ file, src, want string }{
		{"t.json", js.String(), "t.json:1:204: error: document has more than 100 values"},
		{"t.yaml", ys.String(), "t.yaml:1:1: error: document has more than 100 values (after alias expansion)"},
	} {
		_, _, err := ParseDocument(tt.file, []byte(tt.src))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: err %v, want %s", tt.file, err, tt.want)
		}
	}
}
