package cfn

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/fnops/fnops/internal/app"
	"gopkg.in/yaml.v3"
)

// Limits against hostile input. A template larger than MaxFileSize is
// refused; documents deeper than MaxDepth or with more than MaxNodes nodes
// (after YAML alias expansion) are refused, so a billion-laughs document
// cannot exhaust memory.
const (
	MaxFileSize = 16 << 20
	MaxDepth    = 256
	MaxNodes    = 4 << 20
)

// Parse reads a CloudFormation template in YAML or JSON. Problems that stop
// the document from being read are returned as an app.Diag error with the
// position; problems inside a readable document (duplicate keys, a resource
// without a Type) are in Template.Diags.
func Parse(file string, data []byte) (*Template, error) {
	root, diags, err := ParseDocument(file, data)
	if err != nil {
		return nil, err
	}
	t := &Template{File: file, Format: "cloudformation", Root: root, Diags: diags}
	t.readResources()
	return t, nil
}

// ParseDocument reads YAML or JSON into a positioned Node tree, turning the
// short-form intrinsic tags (!Ref, !GetAtt, !Sub ...) into their long form.
func ParseDocument(file string, data []byte) (*app.Node, []app.Diag, error) {
	if len(data) > MaxFileSize {
		return nil, nil, app.Diag{Pos: app.Pos{File: file}, Severity: app.SevError,
			Message: fmt.Sprintf("file is %d bytes, more than the %d-byte limit", len(data), MaxFileSize)}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, yamlError(file, err)
	}
	c := converter{file: file}
	if len(doc.Content) == 0 {
		return nil, nil, app.Diag{Pos: app.Pos{File: file, Line: 1, Col: 1}, Severity: app.SevError, Message: "empty document"}
	}
	n, err := c.convert(doc.Content[0], 0)
	if err != nil {
		return nil, nil, err
	}
	return n, c.diags, nil
}

func yamlError(file string, err error) error {
	msg := err.Error()
	line := 0
	// yaml.v3 reports "yaml: line N: message".
	if rest, ok := strings.CutPrefix(msg, "yaml: line "); ok {
		if i := strings.Index(rest, ":"); i > 0 {
			fmt.Sscanf(rest[:i], "%d", &line)
			msg = strings.TrimSpace(rest[i+1:])
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	return app.Diag{Pos: app.Pos{File: file, Line: line}, Severity: app.SevError, Message: "invalid YAML/JSON: " + msg}
}

type converter struct {
	file  string
	nodes int
	diags []app.Diag
}

func (c *converter) pos(n *yaml.Node) app.Pos {
	return app.Pos{File: c.file, Line: n.Line, Col: n.Column}
}

func (c *converter) fail(n *yaml.Node, format string, args ...any) error {
	return app.Diag{Pos: c.pos(n), Severity: app.SevError, Message: fmt.Sprintf(format, args...)}
}

// shortTags maps each short-form tag to its long-form key.
var shortTags = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition",
	"!GetAtt": "Fn::GetAtt", "!Sub": "Fn::Sub", "!Join": "Fn::Join", "!Select": "Fn::Select",
	"!Split": "Fn::Split", "!If": "Fn::If", "!Equals": "Fn::Equals", "!Not": "Fn::Not",
	"!And": "Fn::And", "!Or": "Fn::Or", "!FindInMap": "Fn::FindInMap", "!ImportValue": "Fn::ImportValue",
	"!GetAZs": "Fn::GetAZs", "!Base64": "Fn::Base64", "!Cidr": "Fn::Cidr", "!Transform": "Fn::Transform",
	"!ToJsonString": "Fn::ToJsonString", "!Length": "Fn::Length", "!ForEach": "Fn::ForEach",
}

func (c *converter) convert(y *yaml.Node, depth int) (*app.Node, error) {
	if depth > MaxDepth {
		return nil, c.fail(y, "document nested deeper than %d levels", MaxDepth)
	}
	c.nodes++
	if c.nodes > MaxNodes {
		return nil, c.fail(y, "document has more than %d values (after alias expansion)", MaxNodes)
	}
	if y.Kind == yaml.AliasNode {
		return c.convert(y.Alias, depth+1)
	}
	var n *app.Node
	switch y.Kind {
	case yaml.ScalarNode:
		n = &app.Node{Scalar: y.Value, Pos: c.pos(y)}
		switch y.ShortTag() {
		case "!!int", "!!float":
			n.Kind = app.NumberNode
		case "!!bool":
			n.Kind = app.BoolNode
		case "!!null":
			n.Kind = app.NullNode
			n.Scalar = ""
		default:
			n.Kind = app.StringNode
		}
	case yaml.SequenceNode:
		n = &app.Node{Kind: app.ListNode, Pos: c.pos(y), List: make([]*app.Node, 0, len(y.Content))}
		for _, it := range y.Content {
			v, err := c.convert(it, depth+1)
			if err != nil {
				return nil, err
			}
			n.List = append(n.List, v)
		}
	case yaml.MappingNode:
		n = &app.Node{Kind: app.MapNode, Pos: c.pos(y)}
		if err := c.mapping(n, y, depth); err != nil {
			return nil, err
		}
	default:
		return nil, c.fail(y, "unsupported YAML node")
	}
	if tag := y.Tag; strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") {
		return c.intrinsic(y, tag, n)
	}
	return n, nil
}

func (c *converter) mapping(n *app.Node, y *yaml.Node, depth int) error {
	n.Keys = make([]string, 0, len(y.Content)/2)
	n.Values = make([]*app.Node, 0, len(y.Content)/2)
	n.KeyPos = make([]app.Pos, 0, len(y.Content)/2)
	for i := 0; i+1 < len(y.Content); i += 2 {
		k, v := y.Content[i], y.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge" {
			if err := c.merge(n, v, depth); err != nil {
				return err
			}
			continue
		}
		if k.Kind != yaml.ScalarNode {
			return c.fail(k, "map key is not a string")
		}
		if idx := indexOf(n.Keys, k.Value); idx >= 0 {
			prev := n.KeyPos[idx]
			c.diags = append(c.diags, app.Diag{Pos: c.pos(k), Severity: app.SevError,
				Message: fmt.Sprintf("duplicate key %q (first at line %d); CloudFormation rejects duplicate keys", k.Value, prev.Line)})
			continue
		}
		val, err := c.convert(v, depth+1)
		if err != nil {
			return err
		}
		n.Keys = append(n.Keys, k.Value)
		n.Values = append(n.Values, val)
		n.KeyPos = append(n.KeyPos, c.pos(k))
	}
	return nil
}

// merge applies a YAML merge key: entries of the merged map(s) that the
// mapping does not set itself.
func (c *converter) merge(n *app.Node, v *yaml.Node, depth int) error {
	src, err := c.convert(v, depth+1)
	if err != nil {
		return err
	}
	for _, m := range src.Items() {
		if !m.IsMap() {
			return c.fail(v, "merge key value is not a map")
		}
		for i, k := range m.Keys {
			if indexOf(n.Keys, k) < 0 {
				n.Keys = append(n.Keys, k)
				n.Values = append(n.Values, m.Values[i])
				n.KeyPos = append(n.KeyPos, m.KeyPos[i])
			}
		}
	}
	return nil
}

func indexOf(keys []string, k string) int {
	for i, x := range keys {
		if x == k {
			return i
		}
	}
	return -1
}

// intrinsic turns a short-form tag into the long form.
func (c *converter) intrinsic(y *yaml.Node, tag string, n *app.Node) (*app.Node, error) {
	key, ok := shortTags[tag]
	if !ok {
		return nil, c.fail(y, "unknown tag %s", tag)
	}
	arg := n
	if key == "Fn::GetAtt" && n.Kind == app.StringNode {
		// !GetAtt Resource.Attribute: the attribute may itself contain dots
		// (Outputs.X), so split at the first one only.
		res, att, found := strings.Cut(n.Scalar, ".")
		if !found {
			return nil, c.fail(y, "!GetAtt %q must be Resource.Attribute", n.Scalar)
		}
		p := n.Pos
		arg = app.NewList(p, app.Str(res, p), app.Str(att, app.Pos{File: p.File, Line: p.Line, Col: p.Col + len(res) + 1}))
	}
	if n.Kind == app.NullNode {
		arg = app.Str("", n.Pos)
	}
	out := &app.Node{Kind: app.MapNode, Pos: c.pos(y), Keys: []string{key}, Values: []*app.Node{arg}, KeyPos: []app.Pos{c.pos(y)}}
	return out, nil
}

// readResources fills t.Resources from the Resources section.
func (t *Template) readResources() {
	res := t.Root.Get("Resources")
	if res == nil {
		return
	}
	if !res.IsMap() {
		t.Diags = append(t.Diags, app.Diag{Pos: res.Pos, Severity: app.SevError, Message: "Resources is not a map"})
		return
	}
	t.Resources = make([]*Resource, 0, len(res.Keys))
	for i, id := range res.Keys {
		body := res.Values[i]
		p := body.Pos
		if res.KeyPos != nil {
			p = res.KeyPos[i]
		}
		if !body.IsMap() {
			t.Diags = append(t.Diags, app.Diag{Pos: p, Severity: app.SevError, Message: fmt.Sprintf("resource %s is not a map", id)})
			continue
		}
		typ, ok := body.Get("Type").String()
		if !ok {
			t.Diags = append(t.Diags, app.Diag{Pos: p, Severity: app.SevError, Message: fmt.Sprintf("resource %s has no Type", id)})
			continue
		}
		r := &Resource{ID: id, Type: typ, Properties: body.Get("Properties"), Metadata: body.Get("Metadata"),
			Condition: body.Get("Condition").Text(), DependsOn: body.Get("DependsOn").Strings(), Node: body, Pos: p}
		t.Resources = append(t.Resources, r)
	}
}
