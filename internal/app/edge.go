package app

// Edge is one typed, directed relation between two resources.
type Edge struct {
	From string
	To   string
	Kind EdgeKind
	// Via names what creates the edge: the event source mapping,
	// permission, subscription or rule that wires it, an IAM action
	// ("iam:s3:PutObject"), an environment variable ("env:TABLE_NAME").
	Via string
	// Pos is where the wiring is written.
	Pos Pos
	// Detail holds facts rules need about this particular wiring: S3
	// notification "events", "prefix" and "suffix"; IAM "actions"; an event
	// rule's "pattern".
	Detail map[string]string
}
