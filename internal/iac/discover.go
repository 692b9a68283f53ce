package iac

import (
	"bytes"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/fnops/fnops/internal/iac/sls"
)

// skipDirs are directories never walked into: VCS data, dependencies, build
// output and fnops's own store.
var skipDirs = map[string]bool{
	".git": true, ".hg": true, ".svn": true, "node_modules": true, ".aws-sam": true,
	".fnops": true, ".serverless": true, ".terraform": true, "vendor": true, "__pycache__": true,
	".venv": true, ".idea": true, ".vscode": true,
}

// candidateExt are the file extensions that may hold a template.
var candidateExt = map[string]bool{".yaml": true, ".yml": true, ".json": true, ".template": true}

// candidate is a file found by discovery. Explicit is true when the user
// named the file itself, so it must be a template.
type candidate struct {
	path     string
	explicit bool
}

// discover expands paths into candidate files, in a deterministic order.
func discover(paths []string, exclude []string) ([]candidate, []error) {
	var out []candidate
	var errs []error
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !info.IsDir() {
			out = append(out, candidate{path: root, explicit: true})
			continue
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			rel = filepath.ToSlash(rel)
			if d.IsDir() {
				if p != root && (skipDirs[d.Name()] || isCDKAsset(rel) || excluded(rel, exclude)) {
					return filepath.SkipDir
				}
				return nil
			}
			if sls.IsScriptServiceFile(p) && !excluded(rel, exclude) && !hasServiceFile(filepath.Dir(p)) {
				// Reported by the loader: it must be printed to YAML.
				out = append(out, candidate{path: p})
				return nil
			}
			if !candidateExt[strings.ToLower(filepath.Ext(p))] || excluded(rel, exclude) {
				return nil
			}
			out = append(out, candidate{path: p})
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	return out, errs
}

// hasServiceFile reports whether dir holds a serverless.yml/.yaml/.json,
// which is loaded in place of a serverless.ts/.js beside it (often its
// printed form).
func hasServiceFile(dir string) bool {
	for _, name := range [...]string{"serverless.yml", "serverless.yaml", "serverless.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}

// isCDKAsset reports whether rel is a CDK asset directory (cdk.out/asset.*),
// which holds bundled code and copies of files, never templates to load.
func isCDKAsset(rel string) bool {
	dir, base := path.Split(rel)
	return strings.HasPrefix(base, "asset.") && path.Base(strings.TrimSuffix(dir, "/")) == "cdk.out"
}

// excluded reports whether rel matches any --exclude glob. A glob matches
// the whole relative path, any suffix of it starting at a path element, or
// the base name; "**" matches any number of elements.
func excluded(rel string, globs []string) bool {
	for _, g := range globs {
		g = strings.TrimSuffix(filepath.ToSlash(g), "/")
		if matchGlob(g, rel) || matchGlob(g, path.Base(rel)) {
			return true
		}
		for i := 0; i < len(rel); i++ {
			if rel[i] == '/' && matchGlob(g, rel[i+1:]) {
				return true
			}
		}
	}
	return false
}

// matchGlob is path.Match with "**" spanning path separators.
func matchGlob(glob, name string) bool {
	if !strings.Contains(glob, "**") {
		ok, _ := path.Match(glob, name)
		return ok
	}
	head, tail, _ := strings.Cut(glob, "**")
	tail = strings.TrimPrefix(tail, "/")
	if head != "" {
		h := strings.TrimSuffix(head, "/")
		parts := strings.Split(name, "/")
		for i := 1; i <= len(parts); i++ {
			if ok, _ := path.Match(h, strings.Join(parts[:i], "/")); ok {
				rest := strings.Join(parts[i:], "/")
				if tail == "" || matchAnySuffix(tail, rest) {
					return true
				}
			}
		}
		return false
	}
	return tail == "" || matchAnySuffix(tail, name)
}

func matchAnySuffix(glob, name string) bool {
	if matchGlob(glob, name) {
		return true
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '/' && matchGlob(glob, name[i+1:]) {
			return true
		}
	}
	return false
}

// looksLikeTemplate is the cheap content test run before parsing: a
// CloudFormation template has a top-level Resources (or
// AWSTemplateFormatVersion) key. Non-template YAML and JSON files
// (package.json, workflows, compose files, k8s manifests) fail it and are
// never parsed.
func looksLikeTemplate(data []byte) bool {
	if bytes.Contains(data, []byte("AWSTemplateFormatVersion")) {
		return true
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		return bytes.Contains(data, []byte(`"Resources"`)) && bytes.Contains(data, []byte(`"Type"`))
	}
	// YAML: Resources as a top-level key (at the start of a line, no
	// indentation).
	for rest := data; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		if bytes.HasPrefix(line, []byte("Resources:")) || bytes.HasPrefix(line, []byte(`"Resources":`)) {
			return true
		}
	}
	return false
}
