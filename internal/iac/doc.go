// Package iac finds infrastructure templates and loads them into one
// app.Graph: it walks directories, recognises templates by their content,
// dispatches each to its format's loader (cfn for CloudFormation and CDK
// output, sam for the SAM transform on top of it), expands nested stacks and
// merges the results. The format packages below it do no discovery.
package iac
