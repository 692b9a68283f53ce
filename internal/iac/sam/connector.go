package sam

import (
	"slices"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac/cfn"
)

// endpoint is a resolved connector Source or Destination.
type endpoint struct {
	id        string // logical id, "" when given by Type and Arn
	typ       string // CloudFormation type after the transform
	writeType string // type as written, for the connector metadata
	arn       *app.Node
	name      *app.Node // queue URL for queues
	role      *app.Node // Ref to the role of a function or state machine
}

// Connector permission actions per destination type.
var connectorActions = map[string]map[string][]string{
	"AWS::DynamoDB::Table": {
		"Read": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem",
			"dynamodb:ConditionCheckItem", "dynamodb:PartiQLSelect"},
		"Write": {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
			"dynamodb:PartiQLDelete", "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate"},
	},
	"AWS::S3::Bucket": {
		"Read": {"s3:GetObject", "s3:GetObjectAcl", "s3:GetObjectLegalHold", "s3:GetObjectRetention",
			"s3:GetObjectTorrent", "s3:GetObjectVersion", "s3:GetObjectVersionAcl", "s3:GetObjectVersionForReplication",
			"s3:GetObjectVersionTorrent", "s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:ListBucketVersions",
			"s3:ListMultipartUploadParts"},
		"Write": {"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObject",
			"s3:PutObjectLegalHold", "s3:PutObjectRetention", "s3:RestoreObject"},
	},
	"AWS::SQS::Queue": {
		"Read":  {"sqs:ReceiveMessage", "sqs:GetQueueAttributes"},
		"Write": {"sqs:DeleteMessage", "sqs:SendMessage", "sqs:ChangeMessageVisibility", "sqs:PurgeQueue"},
	},
	"AWS::SNS::Topic":       {"Write": {"sns:Publish"}},
	"AWS::Events::EventBus": {"Write": {"events:PutEvents"}},
	"AWS::Lambda::Function": {"Write": {"lambda:InvokeAsync", "lambda:InvokeFunction"}, "Read": {"lambda:GetFunction"}},
	"AWS::StepFunctions::StateMachine": {
		"Write": {"states:StartExecution", "states:StartSyncExecution"},
		"Read":  {"states:DescribeStateMachine", "states:ListExecutions"},
	},
	"AWS::Kinesis::Stream": {
		"Write": {"kinesis:PutRecord", "kinesis:PutRecords"},
		"Read": {"kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords",
			"kinesis:GetShardIterator", "kinesis:ListShards"},
	},
}

// embeddedConnectors turns a resource's Connectors property into connector
// resources <Id><ConnectorId> whose Source is the resource.
func (x *tx) embeddedConnectors(r *cfn.Resource) []*cfn.Resource {
	cs := r.Properties.Get("Connectors")
	if cs == nil {
		return nil
	}
	if !r.Properties.IsMap() || !cs.IsMap() {
		x.diag(posOr(cs, r.Pos), app.SevError, "%s: Connectors is not a map", r.ID)
		return nil
	}
	var out []*cfn.Resource
	for i, name := range cs.Keys {
		c := cs.Values[i]
		p := keyPos(cs, name)
		cp := c.Get("Properties")
		if !cp.IsMap() {
			x.diag(p, app.SevError, "%s: connector %s has no Properties", r.ID, name)
			continue
		}
		g := x.at(p)
		props := g.m("Source", g.m("Id", g.str(r.ID)), "Destination", cp.Get("Destination"),
			"Permissions", cp.Get("Permissions"))
		out = append(out, &cfn.Resource{ID: r.ID + name, Type: typeConnector, Properties: props, Pos: p, Node: g.m()})
	}
	switch r.Type {
	case typeFunction, typeStateMachine, typeAPI, typeHTTPAPI, typeSimpleTable:
		// Their conversion leaves the property out.
	default:
		x.own(r).Delete("Connectors")
	}
	return out
}

// connector generates what an AWS::Serverless::Connector deploys as, after
// owner: a managed policy on the source's role, or a resource policy or
// Lambda permission on the destination.
func (x *tx) connector(r, owner *cfn.Resource) {
	if owner == nil {
		return
	}
	p := x.props(r)
	src, ok := x.endpoint(r, p.Get("Source"), keyPos(p, "Source"))
	if !ok {
		return
	}
	dests := p.Get("Destination")
	var perms []string
	for _, s := range p.Get("Permissions").Strings() {
		// Read, Read is one Read to the translator.
		if !slices.Contains(perms, s) {
			perms = append(perms, s)
		}
	}
	if len(perms) == 0 {
		x.diag(keyPos(p, "Permissions"), app.SevError, "%s: connector needs Permissions (Read, Write)", r.ID)
		return
	}
	items := dests.Items()
	for i, dn := range items {
		dst, ok := x.endpoint(r, dn, posOr(dn, keyPos(p, "Destination")))
		if !ok {
			continue
		}
		id := r.ID
		if dests.IsList() && len(items) > 1 {
			id += "Destination" + itoa(i)
		}
		x.connect(r, owner, id, src, dst, perms, x.at(posOr(dn, r.Pos)))
	}
}

func (x *tx) endpoint(r *cfn.Resource, n *app.Node, p app.Pos) (endpoint, bool) {
	if !n.IsMap() {
		x.diag(p, app.SevError, "%s: connector Source/Destination must be a map with Id, or Type and Arn", r.ID)
		return endpoint{}, false
	}
	g := x.at(posOr(n, p))
	if id := n.Get("Id").Text(); id != "" {
		t := x.byID[id]
		if t == nil {
			x.diag(posOr(n.Get("Id"), p), app.SevError, "%s: connector names %s, which is not in the template", r.ID, id)
			return endpoint{}, false
		}
		e := endpoint{id: id, typ: t.Type, writeType: t.Type}
		if t.WrittenType != "" {
			e.writeType = t.WrittenType
		}
		switch t.Type {
		case "AWS::SNS::Topic", "AWS::StepFunctions::StateMachine", "AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api":
			e.arn = g.ref(id)
		default:
			e.arn = g.getAtt(id, "Arn")
		}
		if t.Type == "AWS::SQS::Queue" {
			e.name = g.ref(id)
		}
		switch t.Type {
		case "AWS::Lambda::Function":
			if f := x.fns[id]; f != nil && f.role != nil {
				e.role = g.ref(f.roleID)
			} else if rid := refTarget(t.Properties.Get("Role")); rid != "" {
				e.role = g.ref(rid)
			}
		case "AWS::StepFunctions::StateMachine":
			if rid := refTarget(t.Properties.Get("RoleArn")); rid != "" {
				e.role = g.ref(rid)
			}
		}
		return e, true
	}
	typ := n.Get("Type").Text()
	if typ == "" {
		x.diag(p, app.SevError, "%s: connector Source/Destination needs Id, or Type and Arn", r.ID)
		return endpoint{}, false
	}
	e := endpoint{typ: typ, writeType: typ, arn: n.Get("Arn"), name: n.Get("QueueUrl"), role: n.Get("RoleName")}
	switch typ {
	case typeFunction:
		e.typ = "AWS::Lambda::Function"
	case typeSimpleTable:
		e.typ = "AWS::DynamoDB::Table"
	case typeStateMachine:
		e.typ = "AWS::StepFunctions::StateMachine"
	}
	if e.role == nil && (e.typ == "AWS::Lambda::Function" || e.typ == "AWS::StepFunctions::StateMachine") {
		// The translator finds the role of a function named by its ARN
		// only through RoleName; try the ARN's resource.
		if id := refTarget(e.arn); id != "" {
			if f := x.fns[id]; f != nil && f.role != nil {
				e.role = g.ref(f.roleID)
			} else if t := x.byID[id]; t != nil {
				if rid := refTarget(t.Properties.Get("Role")); rid != "" {
					e.role = g.ref(rid)
				}
			}
		}
	}
	return e, true
}

func (x *tx) connect(r, owner *cfn.Resource, id string, src, dst endpoint, perms []string, g gen) {
	meta := g.m("aws:sam:connectors", g.m(r.ID, g.m(
		"Destination", g.m("Type", g.str(dst.writeType)), "Source", g.m("Type", g.str(src.writeType)))))
	switch src.typ {
	case "AWS::Lambda::Function", "AWS::StepFunctions::StateMachine":
		if src.role == nil {
			x.diag(g.p, app.SevError, "%s: cannot find the role of connector source %s", r.ID, src.id)
			return
		}
		acts := connectorActions[dst.typ]
		if acts == nil {
			x.diag(g.p, app.SevWarning, "%s: connector from %s to %s is not supported", r.ID, src.typ, dst.typ)
			return
		}
		stmts := g.list()
		for _, perm := range perms {
			actions := acts[perm]
			if actions == nil {
				x.diag(g.p, app.SevError, "%s: permission %q is not supported for %s", r.ID, perm, dst.typ)
				return
			}
			stmts.List = append(stmts.List, g.m("Action", g.strs(actions...), "Effect", g.str("Allow"),
				"Resource", connectorResources(g, dst)))
		}
		pol := x.add(owner, id+"Policy", "AWS::IAM::ManagedPolicy", g.p, g.m(
			"PolicyDocument", g.m("Statement", stmts, "Version", g.str("2012-10-17")),
			"Roles", g.list(src.role)))
		if pol != nil {
			pol.Metadata = meta
			pol.Node.Set("Metadata", meta)
		}
		return
	}
	principal := map[string]string{
		"AWS::SNS::Topic": "sns.amazonaws.com", "AWS::Events::Rule": "events.amazonaws.com",
		"AWS::S3::Bucket": "s3.amazonaws.com", "AWS::ApiGateway::RestApi": "apigateway.amazonaws.com",
		"AWS::ApiGatewayV2::Api": "apigateway.amazonaws.com", "AWS::SQS::Queue": "sqs.amazonaws.com",
	}[src.typ]
	if principal == "" {
		x.diag(g.p, app.SevWarning, "%s: connector from %s to %s is not supported", r.ID, src.typ, dst.typ)
		return
	}
	sourceArn := src.arn
	if src.typ == "AWS::ApiGateway::RestApi" || src.typ == "AWS::ApiGatewayV2::Api" {
		sourceArn = g.subVars("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${SourceResourceId}/*",
			"SourceResourceId", src.arn)
	}
	var res *cfn.Resource
	switch dst.typ {
	case "AWS::Lambda::Function":
		res = x.add(owner, id+"WriteLambdaPermission", "AWS::Lambda::Permission", g.p, g.m(
			"Action", g.str("lambda:InvokeFunction"), "FunctionName", dst.arn, "Principal", g.str(principal),
			"SourceArn", sourceArn))
	case "AWS::SQS::Queue":
		res = x.add(owner, id+"QueuePolicy", "AWS::SQS::QueuePolicy", g.p, g.m(
			"Queues", g.list(dst.name),
			"PolicyDocument", g.m("Version", g.str("2012-10-17"), "Statement", g.list(g.m(
				"Action", g.str("sqs:SendMessage"), "Effect", g.str("Allow"), "Resource", dst.arn,
				"Principal", g.m("Service", g.str(principal)),
				"Condition", g.m("ArnEquals", g.m("aws:SourceArn", sourceArn)))))))
	case "AWS::SNS::Topic":
		res = x.add(owner, id+"TopicPolicy", "AWS::SNS::TopicPolicy", g.p, g.m(
			"Topics", g.list(dst.arn),
			"PolicyDocument", g.m("Version", g.str("2012-10-17"), "Statement", g.list(g.m(
				"Action", g.str("sns:Publish"), "Effect", g.str("Allow"), "Resource", dst.arn,
				"Principal", g.m("Service", g.str(principal)),
				"Condition", g.m("ArnEquals", g.m("aws:SourceArn", sourceArn)))))))
	default:
		x.diag(g.p, app.SevWarning, "%s: connector from %s to %s is not supported", r.ID, src.typ, dst.typ)
		return
	}
	if res != nil {
		res.Metadata = meta
		res.Node.Set("Metadata", meta)
	}
}

// connectorResources is the Resource of a connector statement: the
// destination, plus its indexes or objects where the actions reach them.
func connectorResources(g gen, dst endpoint) *app.Node {
	switch dst.typ {
	case "AWS::DynamoDB::Table":
		return g.list(dst.arn, g.subVars("${DestinationArn}/index/*", "DestinationArn", dst.arn))
	case "AWS::S3::Bucket":
		return g.list(dst.arn, g.subVars("${DestinationArn}/*", "DestinationArn", dst.arn))
	}
	return g.list(dst.arn)
}
