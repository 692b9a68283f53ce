// Package follow keeps the store up to date with telemetry as it is
// written: a Follower follows files, directories and standard input as
// they grow (new files, appended lines, rotation, truncation) and decodes
// them with the telemetry decoders into an Ingester, which commits the
// records to the store in small batches, every 200 ms by default, and says
// so (OnCommit), so `fnops watch` can evaluate soon after data arrives.
// Both stop cleanly when their context ends: every decoder finishes the
// line it was reading and the last batch is committed.
package follow
