package app

// Kind is the normalized kind of a resource, the same whatever format or
// CloudFormation type it was written as.
type Kind string

// Resource kinds.
const (
	KindFunction           Kind = "function"
	KindQueue              Kind = "queue"
	KindTopic              Kind = "topic"
	KindBucket             Kind = "bucket"
	KindTable              Kind = "table"
	KindStream             Kind = "stream"
	KindEventBus           Kind = "event-bus"
	KindRule               Kind = "rule"
	KindSchedule           Kind = "schedule"
	KindAPI                Kind = "api"
	KindStateMachine       Kind = "state-machine"
	KindRole               Kind = "role"
	KindPolicy             Kind = "policy"
	KindLogGroup           Kind = "log-group"
	KindSecret             Kind = "secret"
	KindParameter          Kind = "parameter"
	KindLayer              Kind = "layer"
	KindAlias              Kind = "alias"
	KindVersion            Kind = "version"
	KindEventSourceMapping Kind = "event-source-mapping"
	KindPermission         Kind = "permission"
	KindStack              Kind = "stack"
	KindSubscription       Kind = "subscription"
	KindEventInvokeConfig  Kind = "event-invoke-config"
	KindURL                Kind = "function-url"
	KindKey                Kind = "key"
	KindUserPool           Kind = "user-pool"
	KindIoTRule            Kind = "iot-rule"
	KindLogSubscription    Kind = "log-subscription"
	KindAppSync            Kind = "graphql-api"
	KindAlarm              Kind = "alarm"
	KindDeploymentGroup    Kind = "deployment-group"
	// KindOther is any resource the model does not interpret further.
	KindOther Kind = "other"
)

// EdgeKind is the meaning of an edge. Edges point the way events and data
// flow: a queue triggers its consumer, a function writes to a table.
type EdgeKind string

// Edge kinds.
const (
	// Triggers: From delivers events that invoke To (an event source mapping,
	// an S3 notification, an SNS subscription, a rule target, a schedule, an
	// API integration, a log subscription, a Lambda permission's principal).
	Triggers EdgeKind = "triggers"
	// Invokes: From calls To directly (function to function, state machine
	// task to function).
	Invokes EdgeKind = "invokes"
	// Writes: From may put data into To (from IAM grants and environment
	// variables that name To).
	Writes EdgeKind = "writes"
	// Reads: From may read data from To.
	Reads EdgeKind = "reads"
	// DeadLetter: failed events of From go to To (a function's or
	// subscription's DLQ, a queue's redrive target).
	DeadLetter EdgeKind = "dead-letter"
	// OnFailure and OnSuccess: asynchronous or mapping destinations.
	OnFailure EdgeKind = "on-failure"
	OnSuccess EdgeKind = "on-success"
	// Subscribes: To (a queue, function, ...) subscribes to topic From.
	Subscribes EdgeKind = "subscribes"
	// Routes: an API or event bus routes to a rule, route or stage (From is
	// the router, To the rule or integration it hands to).
	Routes EdgeKind = "routes"
	// UsesRole: From runs as role To.
	UsesRole EdgeKind = "uses-role"
	// Contains: a stack contains a resource of a nested stack or an alias
	// points at a function (structure rather than flow).
	Contains EdgeKind = "contains"
)
