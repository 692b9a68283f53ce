package config

import (
	"fmt"
	"path"
	"slices"
)

// Cost is the `cost:` section: where the app runs and how its cost is
// allocated to features and teams.
type Cost struct {
	// Region is the AWS region the app's functions run in, for pricing
	// (default us-east-1); --region wins.
	Region string `yaml:"region"`
	// FeatureTag and TeamTag name the resource tags that hold a function's
	// feature and team (default "feature" and "team").
	FeatureTag string `yaml:"feature_tag"`
	TeamTag    string `yaml:"team_tag"`
	// Features and Teams map a feature or team to the functions it owns:
	// logical ids or function names, with path.Match globs ("orders-*").
	// A mapping here wins over the function's tags.
	Features map[string][]string `yaml:"features"`
	Teams    map[string][]string `yaml:"teams"`
}

// FeatureOf returns the feature of the function with logical id id, name
// name and tags: the first feature (in name order) whose patterns match id
// or name, else the tag, else "".
func (c Cost) FeatureOf(id, name string, tags map[string]string) string {
	return c.owner(c.Features, cmpOr(c.FeatureTag, "feature"), id, name, tags)
}

// TeamOf is FeatureOf for teams.
func (c Cost) TeamOf(id, name string, tags map[string]string) string {
	return c.owner(c.Teams, cmpOr(c.TeamTag, "team"), id, name, tags)
}

func (c Cost) owner(m map[string][]string, tag, id, name string, tags map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, p := range m[k] {
			for _, s := range []string{id, name} {
				if ok, _ := path.Match(p, s); ok && s != "" {
					return k
				}
			}
		}
	}
	return tags[tag]
}

// Validate reports malformed patterns, naming the file.
func (c Cost) Validate(file string) error {
	for what, m := range map[string]map[string][]string{"features": c.Features, "teams": c.Teams} {
		for k, ps := range m {
			for _, p := range ps {
				if _, err := path.Match(p, ""); err != nil {
					return fmt.Errorf("%s: cost.%s.%s: bad pattern %q: %v", file, what, k, p, err)
				}
			}
		}
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
