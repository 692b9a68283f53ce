// Package corpus generates benchmark inputs: varied, realistic SAM and
// CloudFormation templates (YAML mostly, about one in five JSON, 5 to 10 KB
// each) mixing functions with different event types, queues with dead-letter
// queues, tables with streams, topics, buckets, event buses, state machines,
// IAM roles with wildcard policies, Globals, parameters, mappings and
// conditions.
//
// Output depends only on the index and the seed, never on the loader or the
// Go release: the package has its own random number generator and its own
// YAML and JSON writers, so benchmarks before and after a change read
// byte-identical input.
package corpus
