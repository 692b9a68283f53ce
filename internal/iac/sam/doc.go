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

// Where the output differs from the translator's, on purpose:
//
//   - Hash suffixes of generated ids (<Function>Version<hash>,
//     <Api>Deployment<hash>, NOT<Condition><hash>) are a stable hash of the
//     content (contentHash), not the translator's SHA-1 of its own JSON.
//   - AWS::Serverless::LayerVersion keeps its logical id instead of
//     <Id><hash>, so every !Ref to it resolves without rewriting.
//   - An inline state machine Definition stays the Definition object rather
//     than a DefinitionString built with Fn::Join: the adapter reads the
//     states either way and positions inside the definition survive.
//   - Intrinsics are left to the adapter. The translator resolves a few
//     parameter defaults itself (inside Fn::If destinations, for one).
//   - Managed policy ARNs are written with the aws partition, as the
//     translator writes them for the aws partition; other ARNs it builds
//     use ${AWS::Partition}.
//
// Not expanded (reported where it matters): CORS preflight methods,
// request models (their validators are),
// AWS::Serverless::GraphQLApi, state machine AutoPublishAlias, and
// Serverless Application Repository applications (TemplateURL keeps the
// Location as written). Connectors cover the common profiles: a function
// or state machine role reaching a table, bucket, queue, topic, event bus,
// stream, function or state machine, and topic, rule, bucket or API
// sources reaching a function, queue or topic through resource policies.
