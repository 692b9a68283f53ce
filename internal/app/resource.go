package app

import "sort"

// Resource is one resource of the application: written in a template, or
// created implicitly by a transform (SAM's ServerlessRestApi, a function's
// generated role, the framework's log groups).
type Resource struct {
	// ID is the logical id; inside a nested stack it is "Parent/Child".
	ID string
	// Type is the CloudFormation type as written (AWS::Serverless::Function
	// stays that; implicit resources have the type the transform generates).
	Type string
	// Kind is the normalized kind.
	Kind Kind
	// Name is the physical name when the template fixes it (FunctionName,
	// QueueName, ...), else a display name (CDK's aws:cdk:path), else "".
	Name string
	// Pos is where the resource is declared (its logical id key).
	Pos Pos
	// Format names the loader that produced it: cloudformation, sam, cdk,
	// serverless.
	Format string
	// Stack is the ID of the nested-stack resource this one belongs to, ""
	// at the root.
	Stack string
	// Implicit is true for resources a transform created.
	Implicit bool
	// Condition is the CloudFormation condition name, if any; Disabled is
	// true when that condition is known to evaluate to false.
	Condition string
	Disabled  bool
	// Props holds the resource's Properties after intrinsic evaluation:
	// resolved where the inputs were known, intrinsic maps where not.
	Props *Node
	// Metadata holds the resource's Metadata, used for suppressions and CDK
	// paths.
	Metadata *Node
	// Attrs are the normalized attributes rules read (see attr.go for the
	// names), each a Node with its position and Origin; defaults included.
	Attrs map[string]*Node
	// Tags are the resource tags that resolved to strings.
	Tags map[string]string
	// Statements are the IAM statements this resource holds: a role's inline
	// and attached policies, a policy's document, a bucket, queue or topic
	// policy.
	Statements []Statement
}

// Attr returns the named attribute, or nil.
func (r *Resource) Attr(name string) *Node {
	if r == nil || r.Attrs == nil {
		return nil
	}
	return r.Attrs[name]
}

// SetAttr sets an attribute, creating the map as needed.
func (r *Resource) SetAttr(name string, v *Node) {
	if r.Attrs == nil {
		r.Attrs = make(map[string]*Node)
	}
	r.Attrs[name] = v
}

// Default sets attribute name to the platform default v unless it is set.
// The default's position is the resource's own.
func (r *Resource) Default(name string, v *Node) {
	if r.Attr(name) != nil {
		return
	}
	v.Pos = r.Pos
	r.SetAttr(name, v.AsDefault())
}

// Int returns an integer attribute, with ok false when it is absent or not
// a known integer (an unresolved reference).
func (r *Resource) Int(name string) (int64, bool) { return r.Attr(name).Int64() }

// Text returns a string attribute, "" when absent or unresolved.
func (r *Resource) Text(name string) string { return r.Attr(name).Text() }

// Flag returns a boolean attribute, false when absent or unresolved.
func (r *Resource) Flag(name string) bool {
	v, _ := r.Attr(name).Truth()
	return v
}

// AttrNames returns the attribute names in sorted order.
func (r *Resource) AttrNames() []string {
	names := make([]string, 0, len(r.Attrs))
	for k := range r.Attrs {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Display is the name a person knows the resource by: Name when set, else
// the logical id.
func (r *Resource) Display() string {
	if r.Name != "" {
		return r.Name
	}
	return r.ID
}

// Statement is one IAM policy statement, normalized: single values become
// lists, and each list keeps the positions of its items.
type Statement struct {
	Sid          string
	Effect       string // "Allow" or "Deny"
	Actions      []string
	NotActions   []string
	Resources    []*Node // ARN patterns; intrinsics that did not resolve stay as nodes
	NotResources []*Node
	// Principals maps the principal type ("AWS", "Service", "Federated",
	// "*") to its values; nil for identity policies.
	Principals    map[string][]string
	NotPrincipals map[string][]string
	Condition     *Node
	// Policy is the ID of the resource the statement is written in (a role,
	// an AWS::IAM::Policy, a SAM function) or a SAM policy template's name
	// as "Template:S3CrudPolicy".
	Policy string
	Pos    Pos
}
