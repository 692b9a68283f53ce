// Package sam expands the AWS Serverless Application Model transform
// (AWS::Serverless-2016-10-31) of a parsed CloudFormation template in place,
// the way the SAM translator does, so that the CloudFormation adapter
// (internal/iac/cfn) sees the resources a SAM stack really deploys:
// functions with their generated roles and inline policies, event source
// mappings, permissions, subscriptions, rules, the implicit APIs, aliases,
// versions, deployment groups, tables, layers, nested stacks and the
// policies connectors generate.
//
// The transform works on positioned app.Node trees and keeps every value the
// user wrote as the very node they wrote (Origin Written, with its file, line
// and column), whether it came from the resource or from Globals. What the
// transform invents is marked Derived and positioned at what produced it: the
// event, the Policies item, the Globals entry, the resource itself. Rules can
// then point at the line that matters.
//
// Intrinsic functions are not evaluated here; the adapter does that. Where
// the translator needs a logical id (an S3 event's bucket, a connector's
// destination) it is read from the Ref or Fn::GetAtt node.
package sam
