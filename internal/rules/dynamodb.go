package rules

import (
	"fmt"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// dynamoDBRules are the rules about DynamoDB tables: recovery, deletion,
// keys and capacity.
func dynamoDBRules() []*Rule {
	return []*Rule{dynamoPITRRule(), dynamoCMKRule(), dynamoDeletionRule(), dynamoBillingRule()}
}

// isGlobalTable reports a DynamoDB global table, whose recovery,
// protection and keys are set per replica.
func isGlobalTable(t *app.Resource) bool { return t.Type == "AWS::DynamoDB::GlobalTable" }

// replicaCheck applies ok to each replica of a global table, returning
// the first replica node it rejects.
func replicaCheck(t *app.Resource, ok func(rep *app.Node) bool) (*app.Node, bool) {
	for _, rep := range t.Props.Get("Replicas").Items() {
		if !ok(rep) {
			return rep, false
		}
	}
	return nil, true
}

// truthOf reads a boolean property: known false is false, an unresolved
// value counts as on (not ours to judge).
func truthOf(n *app.Node) bool {
	if n == nil {
		return false
	}
	v, known := n.Truth()
	return v || !known
}

func dynamoPITRRule() *Rule {
	return &Rule{
		ID:       "dynamodb-pitr",
		Title:    "Table has no point-in-time recovery",
		Severity: app.SevWarning,
		Category: CategoryReliability,
		Description: "Point-in-time recovery restores a table to any second of the last 35 days (or the " +
			"`RecoveryPeriodInDays` set): the way back from a bad deploy or a script that deleted the wrong " +
			"items. It is off unless enabled. A SAM `AWS::Serverless::SimpleTable` cannot enable it. Global " +
			"tables are checked replica by replica.",
		Remediation: "Set `PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}` (global " +
			"tables: on each replica); replace a SimpleTable with `AWS::DynamoDB::Table`.",
		Aliases: []string{
			"checkov:CKV_AWS_28", "checkov:CKV_AWS_165",
			"kics:DynamoDB Table Point In Time Recovery Disabled",
			"cdk-nag:AwsSolutions-DDB3",
		},
		Fail: `Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
`,
		Pass: `Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      PointInTimeRecoverySpecification:
        PointInTimeRecoveryEnabled: true
`,
		Check: func(c *Context) {
			for _, t := range c.Resources(app.KindTable) {
				if isGlobalTable(t) {
					if rep, ok := replicaCheck(t, func(rep *app.Node) bool {
						return truthOf(rep.Path("PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled"))
					}); !ok {
						c.Report(Issue{Resource: t, At: rep, Message: fmt.Sprintf("global table %s: replica %s has no point-in-time recovery",
							label(t), rep.Get("Region").Text())})
					}
					continue
				}
				n := t.Props.Path("PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled")
				if !truthOf(n) {
					msg := fmt.Sprintf("table %s has no point-in-time recovery", label(t))
					if t.Type == "AWS::Serverless::SimpleTable" {
						msg += " (a SimpleTable cannot enable it)"
					}
					c.Report(Issue{Resource: t, At: n, Message: msg})
				}
			}
		},
	}
}

func dynamoCMKRule() *Rule {
	return &Rule{
		ID:       "dynamodb-cmk",
		Title:    "Table is not encrypted with a customer managed key",
		Severity: app.SevInfo,
		Category: CategorySecurity,
		OptIn:    true,
		Description: "DynamoDB encrypts every table at rest, with an AWS owned key unless told otherwise, so " +
			"the KICS \"not encrypted\" query reports a table that is encrypted. A customer managed key adds " +
			"a key policy and a CloudTrail record of each use, at a KMS cost per request: opt-in, for teams " +
			"whose policy requires it. `SSEEnabled: true` without `KMSMasterKeyId` uses the AWS managed key " +
			"`alias/aws/dynamodb`, which does not count.",
		Remediation: "Set `SSESpecification: {SSEEnabled: true, SSEType: KMS, KMSMasterKeyId: <key>}`.",
		Aliases: []string{
			"checkov:CKV_AWS_119", "kics:DynamoDB With Aws Owned CMK", "kics:DynamoDB Table Not Encrypted",
		},
		Fail: `Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      SSESpecification:
        SSEEnabled: true
`,
		Pass: `Resources:
  Key:
    Type: AWS::KMS::Key
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      SSESpecification:
        SSEEnabled: true
        SSEType: KMS
        KMSMasterKeyId: !Ref Key
`,
		Check: func(c *Context) {
			cmk := func(n *app.Node) bool {
				return n != nil && !strings.EqualFold(n.Text(), "alias/aws/dynamodb")
			}
			for _, t := range c.Resources(app.KindTable) {
				sse := t.Props.Get("SSESpecification")
				if isGlobalTable(t) {
					if rep, ok := replicaCheck(t, func(rep *app.Node) bool {
						return cmk(rep.Path("SSESpecification", "KMSMasterKeyId"))
					}); !ok && truthOf(sse.Get("SSEEnabled")) {
						c.Report(Issue{Resource: t, At: rep, Message: fmt.Sprintf("global table %s: replica %s has no customer managed key",
							label(t), rep.Get("Region").Text())})
					} else if !truthOf(sse.Get("SSEEnabled")) {
						c.Report(Issue{Resource: t, At: sse, Message: fmt.Sprintf("global table %s is encrypted with an AWS owned key", label(t))})
					}
					continue
				}
				if !truthOf(sse.Get("SSEEnabled")) || !cmk(sse.Get("KMSMasterKeyId")) {
					c.Report(Issue{Resource: t, At: sse, Message: fmt.Sprintf("table %s is not encrypted with a customer managed key", label(t))})
				}
			}
		},
	}
}

func dynamoDeletionRule() *Rule {
	return &Rule{
		ID:       "dynamodb-deletion-protection",
		Title:    "Table has no deletion protection",
		Severity: app.SevInfo,
		Category: CategoryReliability,
		OptIn:    true,
		Description: "With `DeletionProtectionEnabled` a table cannot be deleted, by a person, a script or " +
			"a stack update that replaces it, until the flag is turned off. Right for production data, a " +
			"nuisance on stacks that are torn down daily: opt-in, enabled per environment in `.fnops.yaml`.",
		Remediation: "Set `DeletionProtectionEnabled: true` (global tables: on each replica), and " +
			"`DeletionPolicy: Retain` on the resource.",
		Fail: `Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
`,
		Pass: `Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      DeletionProtectionEnabled: true
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
`,
		Check: func(c *Context) {
			for _, t := range c.Resources(app.KindTable) {
				if isGlobalTable(t) {
					if rep, ok := replicaCheck(t, func(rep *app.Node) bool { return truthOf(rep.Get("DeletionProtectionEnabled")) }); !ok {
						c.Report(Issue{Resource: t, At: rep, Message: fmt.Sprintf("global table %s: replica %s has no deletion protection",
							label(t), rep.Get("Region").Text())})
					}
					continue
				}
				if n := t.Props.Get("DeletionProtectionEnabled"); !truthOf(n) {
					c.Report(Issue{Resource: t, At: n, Message: fmt.Sprintf("table %s has no deletion protection", label(t))})
				}
			}
		},
	}
}

func dynamoBillingRule() *Rule {
	return &Rule{
		ID:       "dynamodb-billing-mode",
		Title:    "Provisioned table has no auto scaling",
		Severity: app.SevWarning,
		Category: CategoryCost,
		Description: "A table in `PROVISIONED` mode (the default when `BillingMode` is left out) with fixed " +
			"capacity and no Application Auto Scaling target either throttles when traffic rises above it " +
			"or pays for capacity nobody uses. Serverless traffic is rarely flat: on-demand " +
			"(`PAY_PER_REQUEST`) or auto scaling fits it. (KICS's query of the same name only checks that " +
			"`BillingMode` is one of the two values, which CloudFormation enforces anyway.)",
		Remediation: "Set `BillingMode: PAY_PER_REQUEST`, or add `AWS::ApplicationAutoScaling::ScalableTarget` " +
			"and scaling policies for the table's read and write capacity.",
		Aliases: []string{"kics:DynamoDB With Not Recommented Table Billing Mode"},
		Fail: `Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      ProvisionedThroughput:
        ReadCapacityUnits: 5
        WriteCapacityUnits: 5
`,
		Pass: `Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
`,
		Check: func(c *Context) {
			targets := ofType(c, "AWS::ApplicationAutoScaling::ScalableTarget")
			for _, t := range c.Resources(app.KindTable) {
				mode := value(t, app.AttrBillingMode, "BillingMode")
				if mode != nil && (!mode.IsScalar() || !strings.EqualFold(mode.Text(), "PROVISIONED")) {
					continue
				}
				if isGlobalTable(t) {
					if t.Props.Path("WriteProvisionedThroughputSettings", "WriteCapacityAutoScalingSettings") != nil {
						continue
					}
				} else if scaled(t, targets) {
					continue
				}
				c.Report(Issue{Resource: t, At: mode, Message: fmt.Sprintf("table %s has fixed provisioned capacity%s and no auto scaling",
					label(t), dflt(mode))})
			}
		},
	}
}

// scaled reports whether a scalable target of Application Auto Scaling
// names table t.
func scaled(t *app.Resource, targets []*app.Resource) bool {
	for _, r := range targets {
		if !strings.HasPrefix(r.Props.Get("ScalableDimension").Text(), "dynamodb:table:") {
			continue
		}
		id := r.Props.Get("ResourceId")
		if scope(r) == scope(t) && mentions(id, localID(t)) {
			return true
		}
		if s, ok := pattern(id); ok && t.Name != "" && s == "table/"+t.Name {
			return true
		}
	}
	return false
}
