package corpus

import "fmt"

// Resource groups: each adds a few resources that belong together, the way
// a service grows one feature at a time.

func (g *gen) table(id string, stream bool) {
	p := props(
		"TableName", g.physical(id),
		"BillingMode", "PAY_PER_REQUEST",
	)
	p = append(p,
		pair{"AttributeDefinitions", seq{
			mapping{{"AttributeName", "pk"}, {"AttributeType", "S"}},
			mapping{{"AttributeName", "sk"}, {"AttributeType", "S"}},
		}},
		pair{"KeySchema", seq{
			mapping{{"AttributeName", "pk"}, {"KeyType", "HASH"}},
			mapping{{"AttributeName", "sk"}, {"KeyType", "RANGE"}},
		}},
		pair{"PointInTimeRecoverySpecification", mapping{{"PointInTimeRecoveryEnabled", g.maybeLong(ifThen("IsProd", true, false))}}},
	)
	if stream {
		p = append(p, pair{"StreamSpecification", mapping{{"StreamViewType", pick(g.r, []string{"NEW_IMAGE", "NEW_AND_OLD_IMAGES"})}}})
	}
	res := mapping{{"Type", "AWS::DynamoDB::Table"}}
	if g.r.chance(40) {
		res = append(res, pair{"DeletionPolicy", "Retain"}, pair{"UpdateReplacePolicy", "Retain"})
	}
	g.add(id, append(res, pair{"Properties", p}))
	g.tables = append(g.tables, id)
}

func (g *gen) queue(id string, dlq string, visibility int) {
	p := props("QueueName", g.physical(id))
	if visibility > 0 {
		p = append(p, pair{"VisibilityTimeout", visibility})
	}
	if g.r.chance(60) {
		p = append(p, pair{"SqsManagedSseEnabled", true})
	} else {
		p = append(p, pair{"KmsMasterKeyId", "alias/aws/sqs"})
	}
	if dlq != "" {
		p = append(p, pair{"RedrivePolicy", mapping{
			{"deadLetterTargetArn", getAtt(dlq, "Arn")},
			{"maxReceiveCount", pick(g.r, []int{1, 3, 5, 5, 10})},
		}})
	} else {
		p = append(p, pair{"MessageRetentionPeriod", 1209600})
	}
	g.add(id, mapping{{"Type", "AWS::SQS::Queue"}, {"Properties", p}})
}

func (g *gen) bucket(id string) {
	p := props("BucketName", func() any {
		if g.r.chance(50) {
			return sub("${AWS::StackName}-" + kebab(id) + "-${AWS::AccountId}")
		}
		return nil
	}())
	p = append(p,
		pair{"BucketEncryption", mapping{{"ServerSideEncryptionConfiguration", seq{
			mapping{{"ServerSideEncryptionByDefault", mapping{{"SSEAlgorithm", pick(g.r, []string{"AES256", "aws:kms"})}}}},
		}}}},
		pair{"PublicAccessBlockConfiguration", mapping{
			{"BlockPublicAcls", true}, {"BlockPublicPolicy", true},
			{"IgnorePublicAcls", true}, {"RestrictPublicBuckets", true},
		}},
	)
	if g.r.chance(50) {
		p = append(p, pair{"VersioningConfiguration", mapping{{"Status", "Enabled"}}})
	}
	g.add(id, mapping{{"Type", "AWS::S3::Bucket"}, {"Properties", p}})
	g.buckets = append(g.buckets, id)
}

func (g *gen) topic(id string) {
	g.add(id, mapping{{"Type", "AWS::SNS::Topic"}, {"Properties", props(
		"TopicName", g.physical(id),
		"KmsMasterKeyId", "alias/aws/sns",
	)}})
	g.topics = append(g.topics, id)
}

// maybeLong writes f in long form (Fn::If: as a key) now and then, as
// some authors do even in YAML.
func (g *gen) maybeLong(f fn) any {
	if !g.json && g.r.chance(30) {
		return long{f}
	}
	return f
}

// someTable returns an existing table or makes one.
func (g *gen) someTable(n string) string {
	if len(g.tables) > 0 && g.r.chance(60) {
		return pick(g.r, g.tables)
	}
	id := n + "Table"
	g.table(id, false)
	return id
}

func crud(table string) policy {
	return policy{"DynamoDBCrudPolicy", "TableName", ref(table),
		seq{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"},
		getAtt(table, "Arn")}
}

func readTable(table string) policy {
	return policy{"DynamoDBReadPolicy", "TableName", ref(table),
		seq{"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"}, getAtt(table, "Arn")}
}

func (g *gen) apiGroup(n string) {
	table := g.someTable(n)
	typ := pick(g.r, []string{"Api", "HttpApi"})
	base := "/" + kebab(n) + "s"
	for _, op := range []struct{ verb, method, path string }{
		{"Get", "get", base + "/{id}"}, {"Create", "post", base}, {"List", "get", base},
	} {
		if op.verb == "List" && g.r.chance(50) {
			continue
		}
		pol := readTable(table)
		if op.verb == "Create" {
			pol = crud(table)
		}
		g.function(op.verb+n+"Function", funcSpec{
			memory:   pick(g.r, []int{128, 256, 512, 1024}),
			timeout:  pick(g.r, []int{3, 6, 10, 29, 30}),
			env:      mapping{{"TABLE_NAME", ref(table)}},
			policies: []policy{pol},
			events: []event{{name: op.verb + n, typ: typ, props: mapping{
				{"Path", op.path}, {"Method", op.method},
			}}},
		})
	}
	if g.sam && typ == "Api" && g.r.chance(50) {
		g.output(n+"ApiUrl", sub("https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod"+base))
	}
}

func (g *gen) queueGroup(n string) {
	q, dlq := n+"Queue", n+"DLQ"
	timeout := pick(g.r, []int{15, 30, 60, 120, 300})
	vis := timeout * pick(g.r, []int{1, 6, 6})
	if g.r.chance(15) {
		vis = timeout / 2
	}
	withDLQ := g.r.chance(85)
	d := ""
	if withDLQ {
		d = dlq
	}
	g.queue(q, d, vis)
	if withDLQ {
		g.queue(dlq, "", 0)
	}
	ev := mapping{{"Queue", getAtt(q, "Arn")}, {"BatchSize", pick(g.r, []int{1, 5, 10, 10, 25})}}
	if ev[1].val.(int) > 10 {
		ev = append(ev, pair{"MaximumBatchingWindowInSeconds", 5})
	}
	if g.r.chance(65) {
		ev = append(ev, pair{"FunctionResponseTypes", seq{"ReportBatchItemFailures"}})
	}
	if g.r.chance(30) {
		ev = append(ev, pair{"ScalingConfig", mapping{{"MaximumConcurrency", pick(g.r, []int{2, 5, 10, 50})}}})
	}
	table := g.someTable(n)
	g.function(n+"WorkerFunction", funcSpec{
		memory:   pick(g.r, []int{256, 512, 1024}),
		timeout:  timeout,
		env:      mapping{{"TABLE_NAME", ref(table)}, {"QUEUE_URL", ref(q)}},
		policies: []policy{crud(table)},
		events:   []event{{name: n + "Messages", typ: "SQS", props: ev, source: getAtt(q, "Arn")}},
	})
	g.output(n+"QueueUrl", ref(q))
}

func (g *gen) streamGroup(n string) {
	t := n + "Table"
	g.table(t, true)
	ev := mapping{
		{"Stream", getAtt(t, "StreamArn")},
		{"StartingPosition", pick(g.r, []string{"LATEST", "TRIM_HORIZON"})},
		{"BatchSize", pick(g.r, []int{10, 100, 500})},
	}
	if g.r.chance(60) {
		ev = append(ev, pair{"MaximumRetryAttempts", pick(g.r, []int{2, 3, 5})}, pair{"BisectBatchOnFunctionError", true})
	}
	var pols []policy
	env := mapping{}
	if len(g.topics) > 0 && g.r.chance(60) {
		topic := pick(g.r, g.topics)
		pols = append(pols, policy{"SNSPublishMessagePolicy", "TopicName", getAtt(topic, "TopicName"), seq{"sns:Publish"}, ref(topic)})
		env = append(env, pair{"TOPIC_ARN", ref(topic)})
	}
	if g.r.chance(50) {
		failures := n + "StreamFailures"
		g.queue(failures, "", 0)
		ev = append(ev, pair{"DestinationConfig", mapping{{"OnFailure", mapping{{"Type", "SQS"}, {"Destination", getAtt(failures, "Arn")}}}}})
	}
	g.function(n+"StreamFunction", funcSpec{
		memory: 512, timeout: 60, env: env, policies: pols,
		events: []event{{name: n + "Changes", typ: "DynamoDB", props: ev, source: getAtt(t, "StreamArn")}},
	})
}

func (g *gen) topicGroup(n string) {
	t := n + "Events"
	g.topic(t)
	q := n + "Subscriber"
	g.queue(q, "", 60)
	g.add(q+"Subscription", mapping{{"Type", "AWS::SNS::Subscription"}, {"Properties", mapping{
		{"TopicArn", ref(t)}, {"Protocol", "sqs"}, {"Endpoint", getAtt(q, "Arn")},
		{"RawMessageDelivery", true},
	}}})
	g.add(q+"Policy", mapping{{"Type", "AWS::SQS::QueuePolicy"}, {"Properties", mapping{
		{"Queues", seq{ref(q)}},
		{"PolicyDocument", mapping{{"Version", "2012-10-17"}, {"Statement", seq{mapping{
			{"Effect", "Allow"},
			{"Principal", mapping{{"Service", "sns.amazonaws.com"}}},
			{"Action", "sqs:SendMessage"},
			{"Resource", getAtt(q, "Arn")},
			{"Condition", mapping{{"ArnEquals", mapping{{"aws:SourceArn", ref(t)}}}}},
		}}}}},
	}}})
	if g.r.chance(60) {
		ev := mapping{{"Topic", ref(t)}}
		if g.r.chance(50) {
			ev = append(ev, pair{"FilterPolicy", mapping{{"type", seq{"created", "updated"}}}})
		}
		g.function(n+"NotifierFunction", funcSpec{
			memory: 128, timeout: 10,
			env:    mapping{{"SENDER", "no-reply@example.com"}},
			events: []event{{name: n + "Published", typ: "SNS", props: ev, source: ref(t)}},
		})
	}
	g.output(t+"TopicArn", ref(t))
}

func (g *gen) bucketGroup(n string) {
	b := n + "Uploads"
	g.bucket(b)
	dest := ""
	if len(g.buckets) > 1 && g.r.chance(60) {
		dest = g.buckets[g.r.intn(len(g.buckets)-1)]
	} else {
		dest = n + "Processed"
		g.bucket(dest)
	}
	ev := mapping{{"Bucket", ref(b)}, {"Events", "s3:ObjectCreated:*"}}
	if g.r.chance(60) {
		ev = append(ev, pair{"Filter", mapping{{"S3Key", mapping{{"Rules", seq{
			mapping{{"Name", "prefix"}, {"Value", "incoming/"}},
		}}}}}})
	}
	var dlq any
	if g.r.chance(60) {
		fail := n + "UploadFailures"
		g.queue(fail, "", 0)
		dlq = getAtt(fail, "Arn")
	}
	g.function(n+"ProcessorFunction", funcSpec{
		memory: pick(g.r, []int{512, 1024, 2048}), timeout: pick(g.r, []int{30, 60, 300}),
		env: mapping{{"DEST_BUCKET", ref(dest)}},
		policies: []policy{
			{"S3WritePolicy", "BucketName", ref(dest), seq{"s3:PutObject", "s3:PutObjectAcl"}, sub("arn:${AWS::Partition}:s3:::${" + dest + "}/*")},
		},
		dlq:    dlq,
		events: []event{{name: n + "Uploaded", typ: "S3", props: ev, target: b}},
	})
}

func (g *gen) scheduleGroup(n string) {
	var ev event
	if g.sam && g.r.chance(40) {
		ev = event{name: "Nightly", typ: "ScheduleV2", props: mapping{
			{"ScheduleExpression", "cron(0 2 * * ? *)"},
			{"ScheduleExpressionTimezone", pick(g.r, []string{"UTC", "Europe/Berlin", "America/New_York"})},
		}}
	} else {
		ev = event{name: "Schedule", typ: "Schedule", props: mapping{
			{"Schedule", pick(g.r, []string{"rate(5 minutes)", "rate(1 hour)", "cron(0 3 * * ? *)", "cron(15 6 ? * MON-FRI *)"})},
			{"Enabled", ifThen("IsProd", true, false)},
		}}
	}
	table := g.someTable(n)
	bucket := n + "Reports"
	g.bucket(bucket)
	g.function(n+"ReportFunction", funcSpec{
		memory: 1024, timeout: 900, condition: func() string {
			if g.r.chance(20) {
				return "IsProd"
			}
			return ""
		}(),
		env: mapping{{"TABLE_NAME", ref(table)}, {"REPORT_BUCKET", ref(bucket)}},
		policies: []policy{
			readTable(table),
			{"S3CrudPolicy", "BucketName", ref(bucket), seq{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"},
				seq{getAtt(bucket, "Arn"), sub("${" + bucket + ".Arn}/*")}},
		},
		events: []event{ev},
	})
}

func (g *gen) busGroup(n string) {
	bus := n + "Bus"
	g.add(bus, mapping{{"Type", "AWS::Events::EventBus"}, {"Properties", mapping{{"Name", sub("${AWS::StackName}-" + kebab(n))}}}})
	table := g.someTable(n)
	g.function(n+"HandlerFunction", funcSpec{
		memory: 256, timeout: 30,
		env:      mapping{{"TABLE_NAME", ref(table)}},
		policies: []policy{crud(table)},
		events: []event{{name: n + "Rule", typ: "EventBridgeRule", props: mapping{
			{"EventBusName", ref(bus)},
			{"Pattern", mapping{
				{"source", seq{"com.example." + g.service}},
				{"detail-type", seq{n + "Created", n + "Updated"}},
			}},
		}}},
	})
	g.output(bus+"Name", ref(bus))
}

func (g *gen) stateMachineGroup(n string) {
	steps := []string{"Validate" + n, "Process" + n}
	for _, s := range steps {
		g.function(s+"Function", funcSpec{memory: 256, timeout: pick(g.r, []int{10, 30, 60})})
	}
	sm := n + "Workflow"
	def := mapping{
		{"Comment", "Validate then process a " + kebab(n) + "."},
		{"StartAt", steps[0]},
		{"States", mapping{
			{steps[0], mapping{
				{"Type", "Task"},
				{"Resource", "arn:aws:states:::lambda:invoke"},
				{"Parameters", mapping{{"FunctionName", "${" + steps[0] + "Arn}"}, {"Payload.$", "$"}}},
				{"TimeoutSeconds", 60},
				{"Retry", seq{mapping{
					{"ErrorEquals", seq{"Lambda.ServiceException", "Lambda.TooManyRequestsException"}},
					{"IntervalSeconds", 2}, {"MaxAttempts", 3}, {"BackoffRate", 2},
				}}},
				{"Next", steps[1]},
			}},
			{steps[1], mapping{
				{"Type", "Task"},
				{"Resource", "arn:aws:states:::lambda:invoke"},
				{"Parameters", mapping{{"FunctionName", "${" + steps[1] + "Arn}"}, {"Payload.$", "$.Payload"}}},
				{"TimeoutSeconds", 120},
				{"End", true},
			}},
		}},
	}
	subs := mapping{}
	for _, s := range steps {
		subs = append(subs, pair{s + "Arn", getAtt(s+"Function", "Arn")})
	}
	if g.sam {
		var pols seq
		for _, s := range steps {
			pols = append(pols, mapping{{"LambdaInvokePolicy", mapping{{"FunctionName", ref(s + "Function")}}}})
		}
		g.add(sm, mapping{{"Type", "AWS::Serverless::StateMachine"}, {"Properties", mapping{
			{"Type", pick(g.r, []string{"STANDARD", "EXPRESS"})},
			{"Tracing", mapping{{"Enabled", true}}},
			{"DefinitionSubstitutions", subs},
			{"Definition", def},
			{"Policies", pols},
		}}})
	} else {
		role := sm + "Role"
		var arns seq
		for _, s := range steps {
			arns = append(arns, getAtt(s+"Function", "Arn"))
		}
		g.add(role, mapping{{"Type", "AWS::IAM::Role"}, {"Properties", mapping{
			{"AssumeRolePolicyDocument", mapping{{"Version", "2012-10-17"}, {"Statement", seq{mapping{
				{"Effect", "Allow"}, {"Principal", mapping{{"Service", "states.amazonaws.com"}}}, {"Action", "sts:AssumeRole"},
			}}}}},
			{"Policies", seq{mapping{{"PolicyName", "invoke"}, {"PolicyDocument", mapping{
				{"Version", "2012-10-17"},
				{"Statement", seq{statement(seq{"lambda:InvokeFunction"}, arns)}},
			}}}}},
		}}})
		g.add(sm, mapping{{"Type", "AWS::StepFunctions::StateMachine"}, {"Properties", mapping{
			{"RoleArn", getAtt(role, "Arn")},
			{"TracingConfiguration", mapping{{"Enabled", true}}},
			{"DefinitionString", subVars(defJSON(steps), subs)},
		}}})
	}
	g.output(sm+"Arn", ref(sm))
}

// defJSON is the same definition as a string, as hand-written JSON
// templates carry it.
func defJSON(steps []string) string {
	return fmt.Sprintf(`{"StartAt":"%[1]s","States":{"%[1]s":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"${%[1]sArn}","Payload.$":"$"},"Next":"%[2]s"},"%[2]s":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"${%[2]sArn}","Payload.$":"$.Payload"},"End":true}}}`, steps[0], steps[1])
}

// roleGroup adds a hand-written role with the wildcards reviews flag.
func (g *gen) roleGroup(n string) {
	var stmts seq
	stmts = append(stmts, statement(seq{"s3:*"}, "*"))
	if len(g.tables) > 0 {
		t := pick(g.r, g.tables)
		stmts = append(stmts, statement(seq{"dynamodb:*"}, seq{getAtt(t, "Arn"), sub("${" + t + ".Arn}/index/*")}))
	}
	stmts = append(stmts,
		statement(seq{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}, sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*")),
		mapping{{"Effect", "Allow"}, {"Action", "iam:PassRole"}, {"Resource", "*"},
			{"Condition", mapping{{"StringEquals", mapping{{"iam:PassedToService", "lambda.amazonaws.com"}}}}}},
	)
	if g.r.chance(40) {
		stmts = append(stmts, mapping{{"Effect", "Allow"}, {"NotAction", seq{"iam:*", "organizations:*"}}, {"Resource", "*"}})
	}
	g.add(n+"AdminRole", mapping{{"Type", "AWS::IAM::Role"}, {"Properties", mapping{
		{"RoleName", sub("${AWS::StackName}-" + kebab(n) + "-admin")},
		{"AssumeRolePolicyDocument", mapping{{"Version", "2012-10-17"}, {"Statement", seq{mapping{
			{"Effect", "Allow"},
			{"Principal", mapping{{"Service", seq{"lambda.amazonaws.com", "states.amazonaws.com"}}}},
			{"Action", "sts:AssumeRole"},
		}}}}},
		{"ManagedPolicyArns", seq{"arn:aws:iam::aws:policy/AmazonSQSFullAccess"}},
		{"Policies", seq{mapping{{"PolicyName", "admin"}, {"PolicyDocument", mapping{
			{"Version", "2012-10-17"}, {"Statement", stmts},
		}}}}},
	}}})
}

func (g *gen) kinesisGroup(n string) {
	s := n + "Stream"
	g.add(s, mapping{{"Type", "AWS::Kinesis::Stream"}, {"Properties", props(
		"Name", g.physical(s),
		"ShardCount", ifThen("IsProd", 4, 1),
		"RetentionPeriodHours", 24,
		"StreamEncryption", mapping{{"EncryptionType", "KMS"}, {"KeyId", "alias/aws/kinesis"}},
	)}})
	ev := mapping{
		{"Stream", getAtt(s, "Arn")},
		{"StartingPosition", "TRIM_HORIZON"},
		{"BatchSize", pick(g.r, []int{100, 500, 1000})},
		{"ParallelizationFactor", pick(g.r, []int{1, 2, 4})},
	}
	if g.r.chance(50) {
		ev = append(ev, pair{"MaximumRecordAgeInSeconds", 3600}, pair{"MaximumRetryAttempts", 3})
	}
	g.function(n+"ConsumerFunction", funcSpec{
		memory: 512, timeout: 120,
		events: []event{{name: n + "Records", typ: "Kinesis", props: ev, source: getAtt(s, "Arn")}},
	})
}

func (g *gen) alarmGroup(n string) {
	lg := n + "Logs"
	var retention any = ref("LogRetentionDays")
	if g.maps {
		retention = findInMap("StageSettings", ref("Stage"), "LogRetention")
	}
	g.add(lg, mapping{{"Type", "AWS::Logs::LogGroup"}, {"Properties", mapping{
		{"LogGroupName", sub("/" + g.service + "/${Stage}/" + kebab(n))},
		{"RetentionInDays", retention},
	}}})
	alarms := n + "Alarms"
	g.topic(alarms)
	g.add(alarms+"Email", mapping{{"Type", "AWS::SNS::Subscription"}, {"Condition", "HasAlarmEmail"}, {"Properties", mapping{
		{"TopicArn", ref(alarms)}, {"Protocol", "email"}, {"Endpoint", ref("AlarmEmail")},
	}}})
	g.add(n+"ErrorsAlarm", mapping{{"Type", "AWS::CloudWatch::Alarm"}, {"Condition", "IsProd"}, {"Properties", mapping{
		{"AlarmName", sub("${AWS::StackName}-" + kebab(n) + "-errors")},
		{"Namespace", "AWS/Lambda"},
		{"MetricName", "Errors"},
		{"Dimensions", seq{mapping{{"Name", "FunctionName"}, {"Value", selectFn(0, split(",", sub(g.service+"-"+kebab(n)+",unused")))}}}},
		{"Statistic", "Sum"},
		{"Period", 60},
		{"EvaluationPeriods", 5},
		{"Threshold", 1},
		{"ComparisonOperator", "GreaterThanOrEqualToThreshold"},
		{"TreatMissingData", "notBreaching"},
		{"AlarmActions", seq{ref(alarms)}},
	}}})
	if g.r.chance(50) {
		g.add(n+"Dashboard", mapping{{"Type", "AWS::CloudWatch::Dashboard"}, {"Properties", mapping{
			{"DashboardName", join("-", seq{ref("AWS::StackName"), kebab(n)})},
			{"DashboardBody", sub(`{"widgets":[{"type":"log","properties":{"query":"SOURCE '${` + lg + `}' | fields @timestamp, @message | sort @timestamp desc | limit 50","region":"${AWS::Region}"}}]}`)},
		}}})
	}
}
