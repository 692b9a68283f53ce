// Package cfn loads CloudFormation templates (YAML and JSON, and the CDK's
// cdk.out output) into the app model.
//
// Parsing (bytes to a positioned document, parse*.go) is kept apart from
// adapting (document to app.Graph, adapt.go and the files it calls): the
// SAM transform (internal/iac/sam) and the Serverless Framework loader work
// on the same Template between the two steps, so one adapter serves every
// format.
package cfn
