package cost

import (
	"math/big"
	"testing"
)

func TestRoundCents(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"2.333338", "2.33"},
		{"1.488", "1.49"},
		{"7.8125", "7.81"},
		{"0.005", "0.01"}, // half away from zero
		{"0.00499999", "0.00"},
		{"-0.005", "-0.01"},
		{"333.334", "333.33"}, // the pricing page's own 333.34 is not a rounding of its exact product
		{"0", "0.00"},
		{"145000.2", "145000.20"},
	} {
		if got := mustMoney(tc.in).String(); got != tc.want {
			t.Errorf("%s rounds to %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestMoneyExactAndDecimal(t *testing.T) {
	m := mustMoney("0.0000166667").Mul(big.NewRat(140000, 1))
	if got := m.Exact(); got != "2.333338" {
		t.Errorf("exact = %s", got)
	}
	if got := DecimalString(big.NewRat(1_000_000, 1024)); got != "976.5625" {
		t.Errorf("1e6 MB in GB = %s", got)
	}
	if got := DecimalString(big.NewRat(1, 1<<30)); got != "0.000000000931322574615478515625" {
		t.Errorf("one byte in GB = %s", got)
	}
	if got := DecimalString(big.NewRat(1, 3)); got != "0.333333333333333333333333333333" {
		t.Errorf("1/3 = %s", got)
	}
	if got := DecimalString(big.NewRat(0, 1)); got != "0" {
		t.Errorf("0 = %s", got)
	}
	var zero Money
	if !zero.IsZero() || zero.String() != "0.00" || zero.Add(mustMoney("1.5")).Exact() != "1.5" {
		t.Error("zero Money is not $0")
	}
}

func TestParseMoneyRejects(t *testing.T) {
	for _, s := range []string{"", "1/3", "1e-3", "abc", "0x10"} {
		if _, err := ParseMoney(s); err == nil {
			t.Errorf("ParseMoney(%q) accepted", s)
		}
	}
}
