package cfn

import "github.com/fnops/fnops/internal/app"

// Template is a parsed CloudFormation template.
type Template struct {
	// File is the path the template was read from, as given.
	File string
	// Format names where the template came from: "cloudformation", "sam",
	// "cdk", "serverless". Transforms update it.
	Format string
	// Root is the whole document.
	Root *app.Node
	// Resources in the order written.
	Resources []*Resource
	// Diags are problems found while parsing or transforming.
	Diags []app.Diag
}

// Resource is one entry of a template's Resources section.
type Resource struct {
	ID   string
	Type string
	// WrittenType is the type as written in the source when a transform
	// replaced it (AWS::Serverless::Function becomes AWS::Lambda::Function
	// with WrittenType AWS::Serverless::Function); "" when unchanged.
	WrittenType string
	// Implicit is true for resources a transform generated.
	Implicit   bool
	Properties *app.Node
	Metadata   *app.Node
	Condition  string
	DependsOn  []string
	// Node is the whole resource entry; Pos is the position of its key.
	Node *app.Node
	Pos  app.Pos
}

// Section returns a top-level section of the template (Parameters,
// Mappings, Conditions, Outputs, Globals, Transform ...), or nil.
func (t *Template) Section(name string) *app.Node { return t.Root.Get(name) }

// Resource returns the resource with the given logical id, or nil.
func (t *Template) Resource(id string) *Resource {
	for _, r := range t.Resources {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// Transforms lists the template's Transform entries.
func (t *Template) Transforms() []string { return t.Section("Transform").Strings() }
