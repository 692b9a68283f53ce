package corpus

import (
	"encoding/json"
	"strconv"
	"strings"
)

// The document model the generator builds and the two writers render. It
// keeps key order (templates read top-down: Type before Properties) and
// knows intrinsic functions, which YAML writes in short form (!Ref) and
// JSON in long form ({"Ref": ...}).

// mapping is an ordered map.
type mapping []pair

type pair struct {
	key string
	val any
}

// seq is a list.
type seq []any

// fn is an intrinsic function: name is the long form ("Ref",
// "Fn::GetAtt", "Fn::Sub", "Condition").
type fn struct {
	name string
	arg  any
}

// long forces the long form (Fn::If: as a key) in YAML too, as some
// templates write it.
type long struct{ f fn }

func ref(name string) fn             { return fn{"Ref", name} }
func getAtt(res, attr string) fn     { return fn{"Fn::GetAtt", seq{res, attr}} }
func sub(s string) fn                { return fn{"Fn::Sub", s} }
func subVars(s string, v mapping) fn { return fn{"Fn::Sub", seq{s, v}} }
func ifThen(cond string, a, b any) fn {
	return fn{"Fn::If", seq{cond, a, b}}
}
func equals(a, b any) fn                { return fn{"Fn::Equals", seq{a, b}} }
func not(a any) fn                      { return fn{"Fn::Not", seq{a}} }
func condition(name string) fn          { return fn{"Condition", name} }
func findInMap(m string, k1, k2 any) fn { return fn{"Fn::FindInMap", seq{m, k1, k2}} }
func join(sep string, parts seq) fn     { return fn{"Fn::Join", seq{sep, parts}} }
func selectFn(i int, list any) fn       { return fn{"Fn::Select", seq{i, list}} }
func split(sep string, s any) fn        { return fn{"Fn::Split", seq{sep, s}} }

var shortTags = map[string]string{
	"Ref": "!Ref", "Condition": "!Condition", "Fn::GetAtt": "!GetAtt", "Fn::Sub": "!Sub",
	"Fn::If": "!If", "Fn::Equals": "!Equals", "Fn::Not": "!Not", "Fn::And": "!And",
	"Fn::Or": "!Or", "Fn::FindInMap": "!FindInMap", "Fn::Join": "!Join",
	"Fn::Select": "!Select", "Fn::Split": "!Split", "Fn::GetAZs": "!GetAZs",
}

const spaces = "                                                                                                "

// renderYAML writes a document in block style with short-form tags.
func renderYAML(doc mapping) []byte {
	var b strings.Builder
	b.Grow(12 << 10)
	yamlMapping(&b, doc, 0, false)
	return []byte(b.String())
}

func yamlMapping(b *strings.Builder, m mapping, indent int, inline bool) {
	yamlEntries(b, m, indent, inline, false)
}

// yamlEntries writes a mapping's entries; spaced puts a blank line between
// them (resources, as people write them).
func yamlEntries(b *strings.Builder, m mapping, indent int, inline, spaced bool) {
	if len(m) == 0 {
		b.WriteString("{}\n")
		return
	}
	for i, p := range m {
		if m, ok := p.val.(mapping); i > 0 && (spaced || indent == 0 && ok && len(m) > 0) {
			b.WriteByte('\n')
		}
		if i > 0 || !inline {
			b.WriteString(spaces[:indent])
		}
		b.WriteString(yamlKey(p.key))
		b.WriteByte(':')
		if r, ok := p.val.(mapping); ok && indent == 0 && p.key == "Resources" && len(r) > 0 {
			b.WriteByte('\n')
			yamlEntries(b, r, 2, false, true)
			continue
		}
		yamlAfterKey(b, p.val, indent)
	}
}

func yamlAfterKey(b *strings.Builder, v any, indent int) {
	if s, ok := yamlInline(v); ok {
		b.WriteByte(' ')
		b.WriteString(s)
		b.WriteByte('\n')
		return
	}
	switch v := v.(type) {
	case mapping:
		b.WriteByte('\n')
		yamlMapping(b, v, indent+2, false)
	case seq:
		b.WriteByte('\n')
		yamlSeq(b, v, indent+2)
	case fn:
		b.WriteByte(' ')
		b.WriteString(shortTags[v.name])
		b.WriteByte('\n')
		switch a := v.arg.(type) {
		case seq:
			yamlSeq(b, a, indent+2)
		case mapping:
			yamlMapping(b, a, indent+2, false)
		default:
			panic("corpus: block intrinsic with scalar argument")
		}
	case long:
		b.WriteByte('\n')
		b.WriteString(spaces[:indent+2])
		b.WriteString(v.f.name)
		b.WriteByte(':')
		yamlAfterKey(b, v.f.arg, indent+2)
	default:
		panic("corpus: cannot write value")
	}
}

func yamlSeq(b *strings.Builder, s seq, indent int) {
	if len(s) == 0 {
		b.WriteString(spaces[:indent])
		b.WriteString("[]\n")
		return
	}
	for _, item := range s {
		b.WriteString(spaces[:indent])
		b.WriteString("- ")
		if str, ok := yamlInline(item); ok {
			b.WriteString(str)
			b.WriteByte('\n')
			continue
		}
		switch it := item.(type) {
		case mapping:
			yamlMapping(b, it, indent+2, true)
		case long:
			b.WriteString(it.f.name)
			b.WriteByte(':')
			yamlAfterKey(b, it.f.arg, indent+2)
		case fn:
			b.WriteString(shortTags[it.name])
			b.WriteByte('\n')
			a, ok := it.arg.(seq)
			if !ok {
				panic("corpus: block intrinsic in a list needs a list argument")
			}
			yamlSeq(b, a, indent+2)
		default:
			panic("corpus: cannot write list item")
		}
	}
}

// yamlInline renders v on one line when it is short and simple: scalars,
// intrinsics over scalars, flow lists of those.
func yamlInline(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return yamlScalar(v), true
	case int:
		return strconv.Itoa(v), true
	case bool:
		return strconv.FormatBool(v), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case mapping:
		if len(v) == 0 {
			return "{}", true
		}
		return "", false
	case seq:
		parts := make([]string, 0, len(v))
		n := 0
		for _, it := range v {
			s, ok := yamlInline(it)
			if !ok {
				return "", false
			}
			parts = append(parts, s)
			n += len(s) + 2
		}
		if n > 70 {
			return "", false
		}
		return "[" + strings.Join(parts, ", ") + "]", true
	case fn:
		tag := shortTags[v.name]
		switch a := v.arg.(type) {
		case string:
			return tag + " " + yamlScalar(a), true
		case seq:
			if v.name == "Fn::GetAtt" {
				return tag + " " + a[0].(string) + "." + a[1].(string), true
			}
			s, ok := yamlInline(a)
			if !ok {
				return "", false
			}
			return tag + " " + s, true
		}
		return "", false
	}
	return "", false
}

func yamlKey(k string) string {
	if plainSafe(k) {
		return k
	}
	return jsonString(k)
}

func yamlScalar(s string) string {
	if plainSafe(s) {
		return s
	}
	if !strings.ContainsAny(s, "'\n") && !strings.HasPrefix(s, "{") && len(s)%3 == 0 {
		// Some authors prefer single quotes; vary it, deterministically.
		return "'" + s + "'"
	}
	return jsonString(s)
}

// plainSafe reports whether s reads back as the same string when written
// without quotes in YAML 1.1 and 1.2.
func plainSafe(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' || s[len(s)-1] == ':' {
		return false
	}
	c := s[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/' || c == '_') {
		return false
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "y", "n":
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("_-./@+()*?", c) >= 0:
		case c == ' ':
			if i+1 < len(s) && s[i+1] == '#' {
				return false
			}
		case c == ':':
			if i+1 < len(s) && s[i+1] == ' ' {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func jsonString(s string) string {
	out, _ := json.Marshal(s)
	return string(out)
}

// renderJSON writes a document the way `aws cloudformation get-template`
// and the CDK do: indented, long-form intrinsics.
func renderJSON(doc mapping, indent string) []byte {
	var b strings.Builder
	b.Grow(20 << 10)
	jsonValue(&b, doc, indent, 0)
	b.WriteByte('\n')
	return []byte(b.String())
}

func jsonValue(b *strings.Builder, v any, ind string, depth int) {
	pad := func(d int) {
		b.WriteByte('\n')
		for range d {
			b.WriteString(ind)
		}
	}
	switch v := v.(type) {
	case string:
		b.WriteString(jsonString(v))
	case int:
		b.WriteString(strconv.Itoa(v))
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case float64:
		b.WriteString(strconv.FormatFloat(v, 'f', -1, 64))
	case mapping:
		if len(v) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteByte('{')
		for i, p := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			pad(depth + 1)
			b.WriteString(jsonString(p.key))
			b.WriteString(": ")
			jsonValue(b, p.val, ind, depth+1)
		}
		pad(depth)
		b.WriteByte('}')
	case seq:
		if len(v) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, it := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			pad(depth + 1)
			jsonValue(b, it, ind, depth+1)
		}
		pad(depth)
		b.WriteByte(']')
	case fn:
		jsonValue(b, mapping{{v.name, v.arg}}, ind, depth)
	case long:
		jsonValue(b, v.f, ind, depth)
	default:
		panic("corpus: cannot write JSON value")
	}
}
