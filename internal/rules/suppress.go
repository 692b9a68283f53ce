package rules

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// supp is one suppression with its scope and what it names.
type supp struct {
	info Suppression
	// names are the rule names as written (fnops's own suppressions).
	names []string
	match func(*Rule) bool
	// own suppressions (fnops syntax) are reported when unused.
	own bool
	// noReason is set on a fnops suppression written without a reason.
	noReason bool

	// Scope: a finding is in scope when any set part matches it.
	resource   string // finding on this resource
	file       string // finding (or its resource) within lines from..to
	from, to   int
	resGlob    string // config: resource glob
	pathGlob   string // config: path glob
	configured bool   // config entry: globs decide, empty ones match all

	used bool
}

func (s *supp) inScope(g *app.Graph, f Finding) bool {
	if s.configured {
		// With several templates ids are "path#LogicalId"; a glob may name
		// either form.
		_, logical, _ := strings.Cut(f.Resource, "#")
		return (s.resGlob == "" || wildcard(s.resGlob, f.Resource) || (logical != "" && wildcard(s.resGlob, logical))) &&
			(s.pathGlob == "" || pathGlob(s.pathGlob, filepath.ToSlash(f.Pos.File)))
	}
	if s.resource != "" && f.Resource == s.resource {
		return true
	}
	if s.file == "" {
		return false
	}
	if f.Pos.File == s.file && f.Pos.Line >= s.from && f.Pos.Line <= s.to {
		return true
	}
	if r := g.Resource(f.Resource); r != nil && r.Pos.File == s.file && r.Pos.Line >= s.from && r.Pos.Line <= s.to {
		return true
	}
	return false
}

// suppress marks the findings that a suppression accepts and adds an
// unused-suppression finding for each fnops suppression that accepted
// nothing.
func (e *Engine) suppress(g *app.Graph, run []*Rule, fs []Finding) []Finding {
	ss := e.commentSuppressions(g)
	ss = append(ss, metadataSuppressions(g)...)
	ss = append(ss, e.configSuppressions()...)
	// Index suppressions by what scopes them, so each finding is tested
	// against its few candidates, in collection order (comments, then
	// Metadata, then the config file).
	byRes := make(map[string][]int)
	byLine := make(map[app.Pos][]int) // file and line; Col stays 0
	var global []int
	for i, s := range ss {
		if s.configured {
			global = append(global, i)
			continue
		}
		if s.resource != "" {
			byRes[s.resource] = append(byRes[s.resource], i)
		}
		if s.file != "" {
			for l := s.from; l <= s.to; l++ {
				k := app.Pos{File: s.file, Line: l}
				byLine[k] = append(byLine[k], i)
			}
		}
	}
	for i := range fs {
		r := e.Registry.Get(fs[i].Rule)
		if r == nil {
			continue
		}
		cand := slices.Concat(byRes[fs[i].Resource], byLine[app.Pos{File: fs[i].Pos.File, Line: fs[i].Pos.Line}], global)
		if res := g.Resource(fs[i].Resource); res != nil {
			cand = append(cand, byLine[app.Pos{File: res.Pos.File, Line: res.Pos.Line}]...)
		}
		slices.Sort(cand)
		cand = slices.Compact(cand)
		for _, k := range cand {
			s := ss[k]
			if s.match(r) && s.inScope(g, fs[i]) {
				info := s.info
				fs[i].Suppressed = &info
				s.used = true
				break
			}
		}
	}
	if why := e.Registry.Get(SuppressionReasonID); why != nil && slices.Contains(run, why) {
		for _, s := range ss {
			if s.noReason {
				fs = append(fs, Finding{
					Rule: why.ID, Severity: why.Severity, Category: why.Category, Resource: s.resource, Pos: s.info.Pos,
					Message:     fmt.Sprintf("suppression of %s gives no reason", strings.Join(s.names, ", ")),
					Remediation: why.Remediation,
				})
			}
		}
	}
	unused := e.Registry.Get(UnusedSuppressionID)
	if unused == nil || !slices.Contains(run, unused) {
		return fs
	}
	for _, s := range ss {
		if !s.own || s.used {
			continue
		}
		msg := ""
		for _, n := range s.names {
			if len(e.Registry.Lookup(n)) == 0 {
				msg = fmt.Sprintf("suppression names unknown rule %q", n)
				break
			}
		}
		if msg == "" {
			ran := len(s.names) == 0
			for _, n := range s.names {
				for _, r := range e.Registry.Lookup(n) {
					ran = ran || slices.Contains(run, r)
				}
			}
			if !ran {
				continue // the rule was not run, so nothing could match
			}
			what := "every rule"
			if len(s.names) > 0 {
				what = strings.Join(s.names, ", ")
			}
			msg = fmt.Sprintf("suppression of %s (%s) matches no finding", what, s.info.Kind)
		}
		fs = append(fs, Finding{
			Rule: unused.ID, Severity: unused.Severity, Category: unused.Category,
			Resource: s.resource, Pos: s.info.Pos, Message: msg, Remediation: unused.Remediation,
		})
	}
	return fs
}

// fnopsMatcher matches the rules any of names designates.
func fnopsMatcher(names []string) func(*Rule) bool {
	return func(r *Rule) bool {
		for _, n := range names {
			if r.Matches(n) {
				return true
			}
		}
		return false
	}
}

// toolMatcher matches rules with an alias of tool equal to one of ids.
// cdk-nag's granular ids ("AwsSolutions-IAM5[Action::s3:*]") match on the
// part before the bracket.
func toolMatcher(tool string, ids ...string) func(*Rule) bool {
	return func(r *Rule) bool {
		for _, a := range r.aliasOf(tool) {
			for _, id := range ids {
				base, _, _ := strings.Cut(id, "[")
				if strings.EqualFold(a, strings.TrimSpace(base)) {
					return true
				}
			}
		}
		return false
	}
}

// cfnLintMatcher follows cfn-lint's ignore_checks: entries are rule-id
// prefixes, and serverless-rules ids are cfn-lint rule ids too.
func cfnLintMatcher(prefixes ...string) func(*Rule) bool {
	return func(r *Rule) bool {
		for _, a := range r.aliasOf("cfn-lint", "serverless-rules") {
			for _, p := range prefixes {
				if p != "" && strings.HasPrefix(strings.ToUpper(a), strings.ToUpper(p)) {
					return true
				}
			}
		}
		return false
	}
}

func hasAlias(tool string) func(*Rule) bool {
	return func(r *Rule) bool { return len(r.aliasOf(tool)) > 0 }
}

// block is the line range of a resource declared in a file.
type block struct {
	id       string
	from, to int
}

// commentSuppressions reads the files the graph's resources come from
// and turns directive comments into suppressions.
//
// A comment inside a resource's block, or directly above its logical id,
// applies to that resource (and to implicit resources declared within
// it). Elsewhere it applies to the line it is on, or to the next content
// line when it stands alone. KICS's ignore-line and ignore-block keep
// their own meaning: the next line, the next block.
func (e *Engine) commentSuppressions(g *app.Graph) []*supp {
	src := &sources{read: e.readFile, files: make(map[string][]string)}
	byFile := make(map[string][]block)
	for _, r := range g.Resources {
		if r.Pos.File != "" && r.Pos.Line > 0 && !r.Implicit {
			byFile[r.Pos.File] = append(byFile[r.Pos.File], block{id: r.ID, from: r.Pos.Line})
		}
	}
	var out []*supp
	for _, file := range sortedKeys(byFile) {
		lines := src.lines(file)
		if lines == nil || fileIsJSON(file, lines) {
			continue
		}
		blocks := byFile[file]
		for i := range blocks {
			blocks[i].to = blockEnd(lines, blocks[i].from)
		}
		slices.SortFunc(blocks, func(a, b block) int { return a.from - b.from })
		// Resource blocks are siblings, so they do not overlap: the only
		// candidate is the last one starting at or before target.
		scope := func(target int) (from, to int, id string) {
			i, _ := slices.BinarySearchFunc(blocks, target+1, func(b block, t int) int { return b.from - t })
			if i > 0 && blocks[i-1].to >= target {
				b := blocks[i-1]
				return b.from, b.to, b.id
			}
			return target, target, ""
		}
		for _, c := range directives(lines) {
			target := c.line
			if !c.trailing {
				target = nextContent(lines, c.line)
			}
			pos := app.Pos{File: file, Line: c.line}
			s := &supp{file: file}
			switch {
			case strings.HasPrefix(c.text, "fnops:ignore"):
				names, reason := parseIgnore(strings.TrimPrefix(c.text, "fnops:ignore"))
				if reason == "" {
					reason, s.noReason = "no reason given", true
				}
				s.info = Suppression{Kind: "comment", Tool: "fnops", Reason: reason, Pos: pos}
				s.names, s.match, s.own = names, fnopsMatcher(names), true
				s.from, s.to, s.resource = scope(target)
			case strings.HasPrefix(c.text, "checkov:skip="):
				id, reason, _ := strings.Cut(strings.TrimPrefix(c.text, "checkov:skip="), ":")
				id, reason = strings.TrimSpace(id), strings.TrimSpace(reason)
				if reason == "" {
					reason = "checkov:skip=" + id
				}
				s.info = Suppression{Kind: "comment", Tool: "checkov", Reason: reason, Pos: pos}
				s.match = toolMatcher("checkov", strings.Split(id, ",")...)
				s.from, s.to, s.resource = scope(target)
			default: // kics-scan / dd-iac-scan
				_, verb, _ := strings.Cut(c.text, " ")
				verb = strings.TrimSpace(verb)
				s.info = Suppression{Kind: "comment", Tool: "kics", Reason: "kics-scan " + verb, Pos: pos}
				s.match = hasAlias("kics")
				next := c.line + 1
				switch verb {
				case "ignore-line":
					s.from, s.to = next, next
				case "ignore":
					// KICS skips the whole file.
					s.from, s.to = 1, len(lines)
				case "ignore-block":
					s.from, s.to, s.resource = scope(next)
					if s.resource == "" {
						s.to = blockEnd(lines, next)
					}
				default:
					continue
				}
			}
			out = append(out, s)
		}
	}
	return out
}

// parseIgnore splits "rule-a, rule-b -- reason".
func parseIgnore(text string) (names []string, reason string) {
	text = strings.TrimPrefix(text, "=")
	head, reason, _ := strings.Cut(text, "--")
	names = strings.FieldsFunc(head, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	return names, strings.TrimSpace(reason)
}

// metadataSuppressions reads each resource's Metadata: fnops's own
// `fnops.ignore` and the blocks other tools read, which also work in JSON
// templates and CDK output where comments cannot go.
func metadataSuppressions(g *app.Graph) []*supp {
	var out []*supp
	for _, r := range g.Resources {
		md := r.Metadata
		if !md.IsMap() {
			continue
		}
		add := func(n *app.Node, tool, reason string, match func(*Rule) bool, names []string, own bool) {
			pos := r.Pos
			if n != nil && n.Pos.Known() {
				pos = n.Pos
			}
			out = append(out, &supp{
				info:     Suppression{Kind: "metadata", Tool: tool, Reason: reason, Pos: pos},
				names:    names,
				match:    match,
				own:      own,
				resource: r.ID,
			})
		}
		for _, it := range md.Path("fnops", "ignore").Items() {
			name, reason := it.Text(), ""
			if it.IsMap() {
				name, reason = it.Get("rule").Text(), it.Get("reason").Text()
			}
			if name == "" {
				continue
			}
			noReason := reason == ""
			if noReason {
				reason = "no reason given"
			}
			add(it, "fnops", reason, fnopsMatcher([]string{name}), []string{name}, true)
			out[len(out)-1].noReason = noReason
		}
		for _, it := range md.Path("checkov", "skip").Items() {
			id, reason := it.Get("id").Text(), it.Get("comment").Text()
			if id == "" {
				continue
			}
			if reason == "" {
				reason = "checkov skip " + id
			}
			add(it, "checkov", reason, toolMatcher("checkov", id), nil, false)
		}
		for _, it := range md.Path("cfn-lint", "config", "ignore_checks").Items() {
			if id := it.Text(); id != "" {
				add(it, "cfn-lint", "cfn-lint ignore_checks "+id, cfnLintMatcher(id), nil, false)
			}
		}
		for _, tool := range []struct{ key, name string }{{"cdk_nag", "cdk-nag"}, {"cfn_nag", "cfn-nag"}} {
			for _, it := range md.Path(tool.key, "rules_to_suppress").Items() {
				id, reason := it.Get("id").Text(), it.Get("reason").Text()
				if id == "" {
					continue
				}
				if reason == "" {
					reason = tool.key + " rules_to_suppress " + id
				}
				add(it, tool.name, reason, toolMatcher(tool.name, id), nil, false)
			}
		}
		for _, it := range md.Path("guard", "SuppressedRules").Items() {
			if id := it.Text(); id != "" {
				add(it, "guard", "guard SuppressedRules "+id, toolMatcher("guard", id), nil, false)
			}
		}
	}
	return out
}

// configSuppressions turns the config file's entries into suppressions.
func (e *Engine) configSuppressions() []*supp {
	var out []*supp
	for _, c := range e.Suppressions {
		s := &supp{
			info:       Suppression{Kind: "config", Tool: "fnops", Reason: c.Reason, Pos: app.Pos{File: e.ConfigFile, Line: c.Line}},
			own:        true,
			resGlob:    c.Resource,
			pathGlob:   c.Path,
			configured: true,
			match:      func(*Rule) bool { return true },
		}
		if c.Rule != "" {
			s.names = []string{c.Rule}
			s.match = fnopsMatcher(s.names)
		}
		out = append(out, s)
	}
	return out
}

// ApplyBaseline marks as suppressed (kind "baseline") every unsuppressed
// finding whose fingerprint is in accepted. file names the baseline in
// the reason.
func ApplyBaseline(fs []Finding, accepted map[string]bool, file string) {
	for i := range fs {
		if fs[i].Suppressed == nil && accepted[fs[i].Fingerprint] {
			fs[i].Suppressed = &Suppression{Kind: "baseline", Tool: "fnops", Reason: "accepted in baseline " + filepath.ToSlash(file)}
		}
	}
}
