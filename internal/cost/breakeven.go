package cost

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
)

// Container is an always-on alternative to Lambda, priced by the hour.
type Container struct {
	Name   string // "Fargate x86_64 1 vCPU 2 GB", "EC2 m7g.medium"
	Hourly Money  // list price per hour, us-east-1, Linux, on-demand
	Detail string // how Hourly was made up
}

// FargateRates are Fargate's Linux on-demand prices in us-east-1, per
// vCPU-hour and per GB-hour (shared/reference §5: vantage.sh, wring.co).
type FargateRates struct {
	VCPUHour, GBHour Money
}

// FargateRatesFor returns the Fargate rates for an architecture.
func FargateRatesFor(a Arch) (FargateRates, error) {
	switch a {
	case ArchX86:
		return FargateRates{mustMoney("0.04048"), mustMoney("0.004445")}, nil
	case ArchARM:
		return FargateRates{mustMoney("0.03238"), mustMoney("0.00356")}, nil
	}
	_, err := ParseArch(string(a))
	return FargateRates{}, err
}

// fargateSizes are Fargate's task sizes: vCPU (in quarters) and the memory
// choices in GB for it. From the Amazon ECS task-size table (not in the
// reference file; the table has been stable since 2020).
var fargateSizes = []struct {
	quarterVCPU   int64
	minGB, maxGB  int64
	stepGB        int64
	halfGBAllowed bool
}{
	{1, 1, 2, 1, true}, // 0.25 vCPU: 0.5, 1, 2 GB
	{2, 1, 4, 1, false},
	{4, 2, 8, 1, false},
	{8, 4, 16, 1, false},
	{16, 8, 30, 1, false},
	{32, 16, 60, 4, false},
	{64, 32, 120, 8, false},
}

// Fargate prices a task of vcpu vCPUs and gb GB of memory.
func Fargate(a Arch, vcpu, gb *big.Rat) (Container, error) {
	r, err := FargateRatesFor(a)
	if err != nil {
		return Container{}, err
	}
	if vcpu.Sign() <= 0 || gb.Sign() <= 0 {
		return Container{}, errors.New("fargate task size must be positive")
	}
	h := r.VCPUHour.Mul(vcpu).Add(r.GBHour.Mul(gb))
	return Container{
		Name:   fmt.Sprintf("Fargate %s %s vCPU %s GB", a, DecimalString(vcpu), DecimalString(gb)),
		Hourly: h,
		Detail: fmt.Sprintf("%s vCPU x $%s + %s GB x $%s per hour", DecimalString(vcpu), r.VCPUHour.Exact(), DecimalString(gb), r.GBHour.Exact()),
	}, nil
}

// RightSizedFargate is the smallest Fargate task with at least the CPU a
// Lambda function of memoryMB gets (memoryMB/1769 of a vCPU, one vCPU per
// 1769 MB) and at least its memory.
func RightSizedFargate(a Arch, memoryMB int64) (Container, error) {
	needQ := new(big.Rat).SetFrac64(memoryMB*4, 1769) // quarters of a vCPU
	for _, s := range fargateSizes {
		if new(big.Rat).SetInt64(s.quarterVCPU).Cmp(needQ) < 0 {
			continue
		}
		gb := big.NewRat(memoryMB, 1024)
		var pick *big.Rat
		if s.halfGBAllowed && gb.Cmp(big.NewRat(1, 2)) <= 0 {
			pick = big.NewRat(1, 2)
		} else {
			for g := s.minGB; g <= s.maxGB; g += s.stepGB {
				if big.NewRat(g, 1).Cmp(gb) >= 0 {
					pick = big.NewRat(g, 1)
					break
				}
			}
		}
		if pick == nil {
			continue
		}
		return Fargate(a, big.NewRat(s.quarterVCPU, 4), pick)
	}
	return Container{}, fmt.Errorf("no Fargate task size fits %d MB", memoryMB)
}

// ec2Hourly are EC2 Linux on-demand prices in us-east-1 (shared/reference §5).
var ec2Hourly = map[string]string{
	"m7g.medium": "0.0408", // 1 vCPU, 4 GiB
	"m7g.xlarge": "0.1632", // 4 vCPU, 16 GiB
	"t4g.small":  "0.0168", // 2 vCPU burstable, 2 GiB
	"t4g.micro":  "0.0084", // 2 vCPU burstable, 1 GiB
	"t3.medium":  "0.0416", // 2 vCPU burstable, 4 GiB
	"m6i.large":  "0.096",  // 2 vCPU, 8 GiB
	"m5.large":   "0.096",  // 2 vCPU, 8 GiB
}

// EC2 prices an instance type kept running, or fails naming the types
// known.
func EC2(instanceType string) (Container, error) {
	p, ok := ec2Hourly[instanceType]
	if !ok {
		known := make([]string, 0, len(ec2Hourly))
		for k := range ec2Hourly {
			known = append(known, k)
		}
		slices.Sort(known)
		return Container{}, &UnknownError{What: "EC2 instance type", Name: instanceType, Known: known}
	}
	return Container{Name: "EC2 " + instanceType, Hourly: mustMoney(p), Detail: "$" + p + " per hour on demand"}, nil
}

// BreakEvenAssumptions is everything a break-even comparison assumes; its
// String is meant to be printed beside the result.
type BreakEvenAssumptions struct {
	Region        string
	Arch          Arch
	MemoryMB      int64
	DurationUS    int64 // average billed duration of one request
	FreeTier      bool
	Date          time.Time // the month Lambda is priced in
	HoursPerMonth int64     // the containers run all of it; 730 is the usual
	Containers    []Container
}

// DefaultBreakEven compares a function with the right-sized Fargate task of
// its architecture and two small EC2 instances (m7g.medium, t4g.small),
// over a 730-hour month, without the free tier.
func DefaultBreakEven(region string, arch Arch, memoryMB, durationUS int64, date time.Time) (BreakEvenAssumptions, error) {
	a := BreakEvenAssumptions{Region: region, Arch: arch, MemoryMB: memoryMB, DurationUS: durationUS, Date: date, HoursPerMonth: 730}
	f, err := RightSizedFargate(arch, memoryMB)
	if err != nil {
		return a, err
	}
	a.Containers = append(a.Containers, f)
	for _, t := range []string{"m7g.medium", "t4g.small"} {
		c, err := EC2(t)
		if err != nil {
			return a, err
		}
		a.Containers = append(a.Containers, c)
	}
	return a, nil
}

// String lists the assumptions one per line.
func (a BreakEvenAssumptions) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Lambda: %s %s, %d MB, %s ms average billed duration per request, free tier %v, priced for %s\n",
		a.Region, a.Arch, a.MemoryMB, DecimalString(big.NewRat(a.DurationUS, 1000)), a.FreeTier, a.Date.Format("2006-01"))
	fmt.Fprintf(&b, "Month: %d hours; containers run all of them, on demand, us-east-1 Linux list prices, no savings plans\n", a.HoursPerMonth)
	b.WriteString("Traffic: spread evenly; each container is assumed able to serve it\n")
	for _, c := range a.Containers {
		fmt.Fprintf(&b, "%s: %s\n", c.Name, c.Detail)
	}
	return b.String()
}

// Alternative is one container compared with Lambda.
type Alternative struct {
	Container Container
	Monthly   Money // Hourly x HoursPerMonth, exact
	// BreakEvenRequests is the fewest requests a month at which Lambda costs
	// more than the container: above it the container is cheaper.
	BreakEvenRequests int64
	// BreakEvenPerSecond is BreakEvenRequests as an average rate.
	BreakEvenPerSecond *big.Rat
	// LambdaBusy is the share of the month one Lambda environment would be
	// busy at the break-even traffic (requests x duration / month).
	LambdaBusy *big.Rat
}

// BreakEvenResult is Lambda against each container of the assumptions.
type BreakEvenResult struct {
	Assumptions BreakEvenAssumptions
	// PerRequest is Lambda's marginal cost of one request without the free
	// tier: the request price plus memory x duration x the tier-1 price.
	PerRequest   Money
	Alternatives []Alternative
}

// LambdaMonthly is what requests a month cost on Lambda under a, priced by
// Estimate (tiers and free tier included); exact, before rounding.
func LambdaMonthly(a BreakEvenAssumptions, requests int64) (Money, error) {
	b, err := a.estimate(requests).Price()
	if err != nil {
		return Money{}, err
	}
	var sum Money
	for _, li := range b.Items {
		sum = sum.Add(li.Amount)
	}
	return sum, nil
}

func (a BreakEvenAssumptions) estimate(requests int64) Estimate {
	return Estimate{
		Function:    Function{Region: a.Region, Arch: a.Arch, MemoryMB: a.MemoryMB},
		Date:        a.Date,
		FreeTier:    a.FreeTier,
		Invocations: requests,
		DurationUS:  a.DurationUS,
	}
}

// maxBreakEven bounds the search: above a trillion requests a month the
// question is moot.
const maxBreakEven = 1 << 40

// BreakEven finds, for each container, the monthly request count above
// which it is cheaper than Lambda.
func BreakEven(a BreakEvenAssumptions) (*BreakEvenResult, error) {
	if a.Date.IsZero() {
		return nil, errors.New("break-even: the assumptions need a date (it picks prices and billing rules)")
	}
	if a.HoursPerMonth <= 0 || a.DurationUS <= 0 {
		return nil, errors.New("break-even: hours per month and duration must be positive")
	}
	p, err := TableFor(a.Date).Prices(a.Region, a.Arch)
	if err != nil {
		return nil, err
	}
	fn := Function{Region: a.Region, Arch: a.Arch, MemoryMB: a.MemoryMB}
	billed := BilledDurationMS(fn, Invocation{Start: a.Date, DurationUS: a.DurationUS})
	gbs := big.NewRat(a.MemoryMB*billed, gbsMBms)
	res := &BreakEvenResult{
		Assumptions: a,
		PerRequest:  p.Request.USD.Add(p.Duration[0].Price.Mul(gbs)),
	}
	seconds := big.NewRat(a.HoursPerMonth*3600, 1)
	for _, c := range a.Containers {
		monthly := c.Hourly.Mul(big.NewRat(a.HoursPerMonth, 1))
		n, err := firstAbove(a, monthly)
		if err != nil {
			return nil, err
		}
		busy := new(big.Rat).Mul(big.NewRat(n, 1), big.NewRat(billed, 1000))
		res.Alternatives = append(res.Alternatives, Alternative{
			Container:          c,
			Monthly:            monthly,
			BreakEvenRequests:  n,
			BreakEvenPerSecond: new(big.Rat).Quo(big.NewRat(n, 1), seconds),
			LambdaBusy:         busy.Quo(busy, seconds),
		})
	}
	return res, nil
}

// firstAbove is the smallest request count whose Lambda cost exceeds
// limit; Lambda's cost never falls as requests grow, so a binary search.
func firstAbove(a BreakEvenAssumptions, limit Money) (int64, error) {
	above := func(n int64) (bool, error) {
		m, err := LambdaMonthly(a, n)
		return m.Cmp(limit) > 0, err
	}
	hi := int64(1)
	for {
		ok, err := above(hi)
		if err != nil {
			return 0, err
		}
		if ok {
			break
		}
		if hi >= maxBreakEven {
			return 0, fmt.Errorf("break-even: Lambda stays below %s a month up to %d requests", limit, int64(maxBreakEven))
		}
		hi *= 2
	}
	lo := hi / 2 // not above (or 0)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := above(mid)
		if err != nil {
			return 0, err
		}
		if ok {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi, nil
}

// String prints the assumptions and, per container, its monthly cost and
// the traffic above which it is cheaper than Lambda.
func (r *BreakEvenResult) String() string {
	var b strings.Builder
	b.WriteString(r.Assumptions.String())
	fmt.Fprintf(&b, "Lambda per request: $%s\n", r.PerRequest.Exact())
	for _, alt := range r.Alternatives {
		fmt.Fprintf(&b, "%s: $%s a month; cheaper than Lambda above %d requests a month (%s a second; one Lambda environment %s%% busy)\n",
			alt.Container.Name, alt.Monthly, alt.BreakEvenRequests, alt.BreakEvenPerSecond.FloatString(2),
			new(big.Rat).Mul(alt.LambdaBusy, big.NewRat(100, 1)).FloatString(1))
	}
	return b.String()
}
