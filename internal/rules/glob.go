package rules

import "strings"

// wildcard matches name against a glob where "*" is any run of characters
// (separators included) and "?" any one character.
func wildcard(glob, name string) bool {
	for len(glob) > 0 {
		switch glob[0] {
		case '*':
			for len(glob) > 0 && glob[0] == '*' {
				glob = glob[1:]
			}
			if glob == "" {
				return true
			}
			for i := 0; i <= len(name); i++ {
				if wildcard(glob, name[i:]) {
					return true
				}
			}
			return false
		case '?':
			if name == "" {
				return false
			}
			glob, name = glob[1:], name[1:]
		default:
			if name == "" || glob[0] != name[0] {
				return false
			}
			glob, name = glob[1:], name[1:]
		}
	}
	return name == ""
}

// pathGlob matches a slash path against a glob in which "*" stays inside
// one path element and "**" spans any number of them. The glob may match
// the whole path or any trailing part that starts at an element.
func pathGlob(glob, name string) bool {
	glob = strings.TrimPrefix(glob, "./")
	name = strings.TrimPrefix(name, "./")
	if segMatch(strings.Split(glob, "/"), strings.Split(name, "/")) {
		return true
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '/' && segMatch(strings.Split(glob, "/"), strings.Split(name[i+1:], "/")) {
			return true
		}
	}
	return false
}

func segMatch(glob, parts []string) bool {
	if len(glob) == 0 {
		return len(parts) == 0
	}
	if glob[0] == "**" {
		for i := 0; i <= len(parts); i++ {
			if segMatch(glob[1:], parts[i:]) {
				return true
			}
		}
		return false
	}
	if len(parts) == 0 || !wildcard(glob[0], parts[0]) {
		return false
	}
	return segMatch(glob[1:], parts[1:])
}
