package cfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fnops/fnops/internal/app"
)

// parseFuzzSeed adds every testdata/parse file whose name ends in ext.
func parseFuzzSeed(f *testing.F, ext string) {
	files, err := filepath.Glob("testdata/parse/*" + ext)
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds: %v", err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// FuzzParseJSON checks the JSON parser against encoding/json: it never
// panics; it accepts exactly the valid JSON (json.Valid, and valid UTF-8,
// which the standard library does not insist on); and, without duplicate
// keys or nesting past MaxDepth, Plain gives what encoding/json decodes.
func FuzzParseJSON(f *testing.F) {
	parseFuzzSeed(f, ".json")
	for _, s := range []string{
		`{}`, `[]`, `""`, `0`, `-0.5e-3`, `"\ud83c\udf70\ud83c"`, `{"a":1,"a":2}`, `[1,[2,[3]]]`,
		"{\"a\":\"\xff\"}", `{"a" 1}`, `{"a":01}`, `[1,]`, "\ufeff{}", `{"a":"\u0000"}`, ` null `,
		`{"x":1e999}`, `{"x":123456789012345678901234567890}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, diags, err := parseJSON("f.json", data)
		_, _, _ = ParseDocument("f.json", data)
		if err != nil {
			var d app.Diag
			if !errors.As(err, &d) || d.Severity != app.SevError || d.Pos.File != "f.json" {
				t.Fatalf("error is not a positioned Diag: %#v", err)
			}
		}
		depth, dups := parseFuzzShape(data)
		valid := json.Valid(data) && utf8.Valid(data)
		switch {
		case valid && depth <= MaxDepth && err != nil:
			t.Fatalf("valid JSON refused: %v", err)
		case !valid && err == nil && !bytes.HasPrefix(data, parseBOM):
			t.Fatalf("invalid JSON accepted: %q", data)
		case err != nil:
			return
		}
		parseTestEveryPos(t, n, "f.json")
		if (len(diags) > 0) != dups {
			t.Fatalf("duplicate keys %v, diags %v", dups, diags)
		}
		if dups || !valid {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var std any
		if err := dec.Decode(&std); err != nil {
			t.Fatal(err)
		}
		if msg := parseTestSame(std, n.Plain(), "$"); msg != "" {
			t.Fatalf("%s\nencoding/json: %#v\nours: %#v", msg, std, n.Plain())
		}
	})
}

// parseFuzzShape walks JSON with encoding/json's tokenizer and returns how many
// containers deep it nests and whether an object repeats a key. Invalid
// input gives what was seen before the error.
func parseFuzzShape(data []byte) (depth int, dups bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		keys   map[string]bool
		object bool
		key    bool // the next string in the object is a key
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err == io.EOF || err != nil {
			return depth, dups
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			top := &stack[len(stack)-1]
			if s, ok := tok.(string); ok && top.key {
				if top.keys[s] {
					dups = true
				}
				top.keys[s] = true
				top.key = false
				continue
			}
			if d, ok := tok.(json.Delim); !ok || (d != '}') {
				top.key = true
			}
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{':
				stack = append(stack, frame{keys: map[string]bool{}, object: true, key: true})
			case '[':
				stack = append(stack, frame{})
			default:
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].key = true
				}
			}
			depth = max(depth, len(stack))
		}
	}
}

// FuzzParseYAML checks that no input makes the YAML path (or the JSON path,
// for input that starts with '{') panic, that every error is a positioned
// Diag, and that a document that is read has a position on every node and
// key.
func FuzzParseYAML(f *testing.F) {
	parseFuzzSeed(f, ".yaml")
	for _, s := range []string{
		"a: &a [x, *a]\n", "a: &a {b: 1}\nc: {<<: *a, b: 2}\n", "a: !GetAtt\n", "a: !GetAtt [x]\n",
		"a: !Sub\n  - x\n  - {y: !Ref z}\n", "? [a]\n: b\n", "a: !Foo {b: 1}\n", "a:\n\tb: 1\n",
		"a: 1\n---\nb: 2\n", "{a: 1, a: 2}", "a: *b\n", "\ufeffa: é\r\n", "a: !GetAtt 'é.x'\n",
		"a: |\n  multi\n  line\n", "- !Ref\n- !Condition\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, _, err := ParseDocument("f.yaml", data)
		if err != nil {
			var d app.Diag
			if !errors.As(err, &d) || d.Severity != app.SevError || d.Pos.File != "f.yaml" || d.Message == "" {
				t.Fatalf("error is not a positioned Diag: %#v", err)
			}
			if strings.Contains(d.Message, "parser failure") {
				t.Fatalf("yaml.v3 panicked: %v", d)
			}
			return
		}
		parseTestEveryPos(t, n, "f.yaml")
	})
}

// FuzzParseYAMLFast holds the YAML fast path to the yaml.v3 path: whenever
// the fast path reads a document, the tree (kinds, text, every position)
// and the diagnostics are the same as yaml.v3's.
func FuzzParseYAMLFast(f *testing.F) {
	parseFuzzSeed(f, ".yaml")
	f.Add(benchTemplateYAML(2 << 10))
	for _, s := range []string{
		"a: |\n  x\n\n  y\nb: >-\n  p\n  q\n\n  r\n", "- a: 1\n  b:\n- c\n- \n-\n  - x\n", "k: [a, b]\nl: {x: 1, 'y': [\"z\"]}\nm: !Ref\n",
		"a: 0x1F\nb: 1_000\nc: .5\nd: 2010-09-09\ne: ~\nf: 0777\ng: -0b11\nh: 1e3\ni: +.inf\n",
		"a: x y\n   z\n\n  w # c\nb:\n- p\n  q\n-  r\n\n   s\nc:\n  - d: x\n     y\n    e: 1\n", "a: x\n  # c\nb: 1\n",
		"a: 1\r\nb:\r\n  - x\r\n  - |\r\n    y\r\n\r\n    z\r\n", "a: 1\rb: 2\n",
		"a: 'it''s'\nb: \"q\\\"\\n\\u00e9\"\nc: !GetAtt 'A.B'\nd: [!GetAtt X.Y, !Sub 'z']\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		parseYAMLFastStrict = true
		defer func() { parseYAMLFastStrict = false }()
		fast, fdiags, ok := parseYAMLFast("f.yaml", data)
		if !ok {
			return
		}
		slow, sdiags, err := parseYAMLv3("f.yaml", data)
		if err != nil {
			t.Fatalf("fast path read what yaml.v3 refuses (%v)", err)
		}
		if msg := parseTestSameTree(fast, slow, "$"); msg != "" {
			t.Fatalf("fast path differs from yaml.v3: %s", msg)
		}
		if len(fdiags) != len(sdiags) {
			t.Fatalf("diags: fast %v, yaml.v3 %v", fdiags, sdiags)
		}
		for i := range fdiags {
			if fdiags[i] != sdiags[i] {
				t.Fatalf("diags: fast %v, yaml.v3 %v", fdiags, sdiags)
			}
		}
	})
}
