package app

// Attribute names. Loaders set these on resources, with the platform's
// default where the template leaves a value out, so that rules read one name
// whatever the source format. Durations are in seconds unless the name says
// otherwise; sizes in MB.
const (
	// function
	AttrRuntime             = "runtime"
	AttrHandler             = "handler"
	AttrMemorySize          = "memory_size"          // MB, default 128
	AttrTimeout             = "timeout"              // s, default 3
	AttrArchitecture        = "architecture"         // x86_64 (default) or arm64
	AttrEphemeralStorage    = "ephemeral_storage"    // MB, default 512
	AttrReservedConcurrency = "reserved_concurrency" // absent: unreserved
	AttrProvisioned         = "provisioned_concurrency"
	AttrTracing             = "tracing"        // PassThrough (default) or Active
	AttrPackageType         = "package_type"   // Zip (default) or Image
	AttrRecursiveLoop       = "recursive_loop" // Terminate (default) or Allow
	AttrLogFormat           = "log_format"     // Text (default) or JSON
	AttrLogGroupName        = "log_group"
	AttrSnapStart           = "snap_start" // None (default) or PublishedVersions
	AttrKMSKey              = "kms_key"
	AttrInVPC               = "in_vpc"
	AttrEnvironment         = "environment" // map of variables
	AttrLayers              = "layers"
	AttrDeadLetterTarget    = "dead_letter_target"  // resource ID or ARN
	AttrAsyncMaxRetries     = "async_max_retries"   // default 2
	AttrAsyncMaxEventAge    = "async_max_event_age" // s, default 21600
	AttrURLAuth             = "url_auth_type"
	AttrAutoPublishAlias    = "auto_publish_alias"
	AttrDeploymentPref      = "deployment_preference"

	// queue
	AttrVisibilityTimeout = "visibility_timeout" // s, default 30
	AttrRetention         = "message_retention"  // s, default 345600 (4 days)
	AttrMaxReceiveCount   = "max_receive_count"  // set with a redrive policy
	AttrFIFO              = "fifo"
	AttrDelay             = "delay_seconds"
	AttrReceiveWait       = "receive_wait"
	AttrSSE               = "sse" // queue/topic/stream/table encryption: "sqs-managed", "kms", "none", ...

	// table
	AttrBillingMode    = "billing_mode" // PROVISIONED (default) or PAY_PER_REQUEST
	AttrReadCapacity   = "read_capacity"
	AttrWriteCapacity  = "write_capacity"
	AttrStreamViewType = "stream_view_type"
	AttrPITR           = "point_in_time_recovery"

	// stream
	AttrShardCount     = "shard_count"
	AttrStreamMode     = "stream_mode"
	AttrRetentionHours = "retention_hours" // default 24

	// event source mapping
	AttrSource              = "source"      // resource ID or ARN of the source
	AttrFunction            = "function"    // resource ID of the target function
	AttrSourceType          = "source_type" // sqs, kinesis, dynamodb, kafka, mq, docdb
	AttrBatchSize           = "batch_size"
	AttrBatchWindow         = "batching_window"
	AttrMaxRetries          = "maximum_retry_attempts" // streams: -1 (infinite) default
	AttrMaxRecordAge        = "maximum_record_age"     // streams: -1 (infinite) default
	AttrBisect              = "bisect_batch_on_error"  // default false
	AttrStartingPosition    = "starting_position"
	AttrReportBatchFailures = "report_batch_item_failures" // default false
	AttrMaximumConcurrency  = "maximum_concurrency"
	AttrParallelization     = "parallelization_factor" // default 1
	AttrEnabled             = "enabled"
	AttrOnFailure           = "on_failure" // destination ID or ARN
	AttrOnSuccess           = "on_success"
	AttrFilter              = "filter_criteria"

	// schedule and rule
	AttrScheduleExpression = "schedule_expression"
	AttrEventPattern       = "event_pattern"
	AttrState              = "state" // ENABLED (default) / DISABLED
	AttrTimezone           = "timezone"

	// api
	AttrProtocol     = "protocol" // REST, HTTP, WEBSOCKET
	AttrAuth         = "authorization"
	AttrAccessLog    = "access_log"
	AttrStage        = "stage"
	AttrThrottleRate = "throttle_rate"

	// state machine
	AttrSFNType    = "type" // STANDARD (default) or EXPRESS
	AttrDefinition = "definition"
	AttrLogLevel   = "log_level"

	// log group
	AttrRetentionDays = "retention_days"

	// permission
	AttrPrincipal     = "principal"
	AttrSourceArn     = "source_arn"
	AttrSourceAccount = "source_account"
	AttrAction        = "action"

	// generic
	AttrARN = "arn"
)
