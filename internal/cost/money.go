package cost

import (
	"fmt"
	"math/big"
	"regexp"
	"strings"
)

// Money is an exact amount of US dollars. The zero value is $0. A Money is
// immutable: every operation returns a new value, so values may be copied
// and shared freely.
type Money struct{ r *big.Rat }

// ParseMoney reads a plain decimal number of dollars such as "0.0000166667".
// It rejects fractions ("1/3"), exponents, hexadecimal and anything else
// that is not a plain decimal.
func ParseMoney(s string) (Money, error) {
	r, ok := new(big.Rat).SetString(s)
	if !ok || !decimalRE.MatchString(s) {
		return Money{}, fmt.Errorf("parse money %q: not a decimal number", s)
	}
	return Money{r}, nil
}

var decimalRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// mustMoney is ParseMoney for the literals in the price tables.
func mustMoney(s string) Money {
	m, err := ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return m
}

// MoneyFromRat returns r dollars. r is copied.
func MoneyFromRat(r *big.Rat) Money { return Money{new(big.Rat).Set(r)} }

func (m Money) rat() *big.Rat {
	if m.r == nil {
		return new(big.Rat)
	}
	return m.r
}

// Rat returns the amount as a new big.Rat the caller may modify.
func (m Money) Rat() *big.Rat { return new(big.Rat).Set(m.rat()) }

// Add returns m + o.
func (m Money) Add(o Money) Money { return Money{new(big.Rat).Add(m.rat(), o.rat())} }

// Sub returns m - o.
func (m Money) Sub(o Money) Money { return Money{new(big.Rat).Sub(m.rat(), o.rat())} }

// Mul returns m x q, for a price m and a quantity q.
func (m Money) Mul(q *big.Rat) Money { return Money{new(big.Rat).Mul(m.rat(), q)} }

// Cmp compares m and o: -1, 0 or +1.
func (m Money) Cmp(o Money) int { return m.rat().Cmp(o.rat()) }

// IsZero reports whether m is $0.
func (m Money) IsZero() bool { return m.rat().Sign() == 0 }

// RoundCents returns m rounded to whole cents, halves away from zero, which
// is how AWS rounds each line item of a bill.
func (m Money) RoundCents() Money { return m.roundTo(2) }

// roundTo rounds m to places decimal places, halves away from zero.
func (m Money) roundTo(places int) Money {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	x := new(big.Rat).Mul(m.rat(), new(big.Rat).SetInt(scale))
	neg := x.Sign() < 0
	x.Abs(x)
	x.Add(x, big.NewRat(1, 2))
	n := new(big.Int).Quo(x.Num(), x.Denom()) // floor, as x >= 0
	if neg {
		n.Neg(n)
	}
	return Money{new(big.Rat).SetFrac(n, scale)}
}

// String is the amount rounded to cents, "2.33", as on a bill.
func (m Money) String() string { return m.RoundCents().rat().FloatString(2) }

// Exact is the exact amount as a decimal with no trailing zeros, "2.333338".
// Amounts whose decimal expansion does not terminate (none of AWS's prices
// produce one) are cut at 30 decimal places.
func (m Money) Exact() string { return DecimalString(m.rat()) }

// DecimalString formats r as a plain decimal, exactly when its expansion
// terminates (the denominator has no prime factors but 2 and 5; every
// quantity and amount in this package does), otherwise rounded to 30
// decimal places. Trailing zeros and a trailing point are dropped.
func DecimalString(r *big.Rat) string {
	digits := terminatingDigits(r.Denom())
	if digits < 0 || digits > 30 {
		digits = 30
	}
	s := r.FloatString(digits)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// terminatingDigits is the number of decimal places d needs, or -1 when 1/d
// does not terminate.
func terminatingDigits(d *big.Int) int {
	x := new(big.Int).Set(d)
	two, five := big.NewInt(2), big.NewInt(5)
	var a, b int
	m := new(big.Int)
	for {
		if q, r := new(big.Int).QuoRem(x, two, m); r.Sign() == 0 {
			x, a = q, a+1
			continue
		}
		break
	}
	for {
		if q, r := new(big.Int).QuoRem(x, five, m); r.Sign() == 0 {
			x, b = q, b+1
			continue
		}
		break
	}
	if x.Cmp(big.NewInt(1)) != 0 {
		return -1
	}
	return max(a, b)
}
