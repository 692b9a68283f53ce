package app

import "strings"

// ResourceByName returns the resource of kind k that a deployed name
// (a queue's QueueName in CloudWatch, a function's name in its log group)
// belongs to: the written name, a name built with !Sub that matches, or
// CloudFormation's generated STACK-LogicalId-SUFFIX; nil when none or more
// than one could be it.
func (g *Graph) ResourceByName(k Kind, name string) *Resource {
	var byPattern, byID []*Resource
	for _, r := range g.Resources {
		if r.Kind != k {
			continue
		}
		switch {
		case r.Name == name:
			return r
		case r.Name != "" && strings.Contains(r.Name, "${") && matchSub(r.Name, name):
			byPattern = append(byPattern, r)
		case r.Name == "" && generatedFrom(name, localID(r.ID)):
			byID = append(byID, r)
		}
	}
	if len(byPattern) == 1 {
		return byPattern[0]
	}
	if len(byPattern) == 0 && len(byID) == 1 {
		return byID[0]
	}
	return nil
}
