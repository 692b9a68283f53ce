// Package rules is the audit engine: rules are pure functions over an
// app.Graph that report findings through a Context; the engine runs the
// enabled ones, survives a rule that panics, applies suppressions (fnops's
// own and the ones teams already wrote for checkov, cfn-lint, cdk-nag, KICS,
// cfn_nag and cfn-guard) and returns findings in a deterministic order.
//
// Rules live in one file per family (lambda.go, logs.go, sqs.go, ...); each
// family returns its slice of rules from a function and All joins them, so
// registering a rule is adding it to its family's list. Every rule has a
// failing and a passing fixture under testdata/<rule-id>/, checked by one
// generic test. docs/adding-a-rule.md walks through writing one.
package rules
