package config

import "testing"

func TestCostOwners(t *testing.T) {
	cfg, err := Parse(".fnops.yaml", []byte(`version: 1
cost:
  region: eu-west-1
  team_tag: owner
  features:
    checkout: [CheckoutFunction, "orders-*"]
  teams:
    payments: [CheckoutFunction]
`))
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Cost
	if c.Region != "eu-west-1" {
		t.Errorf("region %q", c.Region)
	}
	for _, tc := range []struct {
		id, name      string
		tags          map[string]string
		feature, team string
	}{
		{"CheckoutFunction", "", nil, "checkout", "payments"},
		{"X", "orders-api", map[string]string{"feature": "tagged", "owner": "core"}, "checkout", "core"},
		{"Y", "search", map[string]string{"feature": "search", "team": "ignored"}, "search", ""},
		{"Z", "", nil, "", ""},
	} {
		if got := c.FeatureOf(tc.id, tc.name, tc.tags); got != tc.feature {
			t.Errorf("%s: feature %q, want %q", tc.id, got, tc.feature)
		}
		if got := c.TeamOf(tc.id, tc.name, tc.tags); got != tc.team {
			t.Errorf("%s: team %q, want %q", tc.id, got, tc.team)
		}
	}
	if err := (Cost{Features: map[string][]string{"x": {"["}}}).Validate("f"); err == nil {
		t.Error("bad glob accepted")
	}
	if _, err := Parse("f", []byte("cost:\n  regoin: x\n")); err == nil {
		t.Error("unknown cost key accepted")
	}
}
