// Package cost prices AWS Lambda usage the way AWS bills it, and compares
// Lambda with containers.
//
// The pieces, from the bottom up:
//
//   - Money and its decimal formatting: exact amounts of US dollars.
//   - Table: dated, versioned price tables per region and architecture
//     (requests, tiered on-demand duration, ephemeral storage, provisioned
//     concurrency, SnapStart, response streaming) and the free tier.
//   - BilledDurationMS and InitBilled: the billed duration of one invocation
//     by the rules in force on its date (1 ms granularity from December 2020,
//     the INIT phase of on-demand ZIP functions from 1 August 2025).
//   - TierMeter and Month: an accumulator for one account and one calendar
//     month that takes usage in time order and splits it across the free
//     tier and the monthly duration tiers, so each record gets the price AWS
//     gave it, even when a record crosses a tier boundary.
//   - Estimate: a calculator from averages (what `fnops cost calc` runs).
//   - BreakEven: Lambda against a right-sized Fargate task and a small EC2
//     instance kept warm.
//
// # Money
//
// Lambda's per-millisecond prices have more digits than any practical
// fixed-point type holds once multiplied by a quantity: a GB-second price has
// 10 decimal places and a GB-second is MB x ms / 1,024,000, so an exact
// product needs about 23 decimal places, and a month at scale needs 12 more
// digits before the point; int64 in micro-dollars loses the per-record cost
// entirely and int64 in 1e-18 dollars overflows at $9.22. So quantities are
// kept as exact integers in their smallest natural unit (MB-ms, bytes,
// requests), which is cheap to add up over hundreds of millions of records,
// and they are multiplied by prices once per line item with math/big.Rat,
// which is exact. Amounts are rounded to cents only when a line item is
// presented (half away from zero), and a bill's total is the sum of its
// rounded line items, as on AWS bills. Nothing here uses floating point for
// money.
//
// The package does no I/O and imports nothing else of fnops.
package cost
