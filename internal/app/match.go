package app

import "strings"

// FunctionByName finds the function resource a deployed function name
// belongs to: the name written in the template (with any ${...} it could
// not resolve matching anything), or the name CloudFormation generates,
// STACK-LogicalId-SUFFIX, where the logical id may be cut short to keep the
// name within 64 characters. It returns nil when no function matches or
// when several match equally.
func (g *Graph) FunctionByName(name string) *Resource { return g.ResourceByName(KindFunction, name) }

// localID is the logical id within its own template: the part after the
// last nested-stack or file separator.
func localID(id string) string {
	if i := strings.LastIndexAny(id, "/#"); i >= 0 {
		return id[i+1:]
	}
	return id
}

// generatedFrom reports whether name looks like CloudFormation's
// STACK-LogicalId-SUFFIX for logical id id.
func generatedFrom(name, id string) bool {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return false
	}
	head := name[:i]
	if strings.HasSuffix(head, "-"+id) {
		return true
	}
	// A long name is cut inside the logical id.
	if len(name) >= 60 {
		for cut := len(id) - 1; cut >= 8; cut-- {
			if strings.HasSuffix(head, "-"+id[:cut]) {
				return true
			}
		}
	}
	return false
}

// matchSub matches name against a pattern whose ${...} parts match any
// run of characters.
func matchSub(pattern, name string) bool {
	var parts []string
	for {
		i := strings.Index(pattern, "${")
		if i < 0 {
			parts = append(parts, pattern)
			break
		}
		j := strings.IndexByte(pattern[i:], '}')
		if j < 0 {
			parts = append(parts, pattern)
			break
		}
		parts = append(parts, pattern[:i])
		pattern = pattern[i+j+1:]
	}
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	rest := name[len(parts[0]):]
	for k, p := range parts[1:] {
		if k == len(parts)-2 {
			return strings.HasSuffix(rest, p) && len(rest) > len(p)
		}
		i := strings.Index(rest, p)
		if i <= 0 {
			return false
		}
		rest = rest[i+len(p):]
	}
	return true
}
