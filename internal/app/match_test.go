package app

import "testing"

func TestFunctionByName(t *testing.T) {
	g := New()
	for _, r := range []*Resource{
		{ID: "OrdersFunction", Kind: KindFunction},
		{ID: "OrdersFunctionV2", Kind: KindFunction},
		{ID: "CreateOrderFunction", Kind: KindFunction, Name: "${AWS::StackName}-create-order"},
		{ID: "Fixed", Kind: KindFunction, Name: "fixed-name"},
		{ID: "Monitoring/AlarmNotifierFunction", Kind: KindFunction},
		{ID: "OrdersQueue", Kind: KindQueue},
	} {
		g.Add(r)
	}
	for name, want := range map[string]string{
		"shop-OrdersFunction-1A2B3C4D5E6F":                                "OrdersFunction",
		"shop-OrdersFunctionV2-1A2B3C4D5E6F":                              "OrdersFunctionV2",
		"shop-create-order":                                               "CreateOrderFunction",
		"fixed-name":                                                      "Fixed",
		"shop-Monitoring-ABC-AlarmNotifierFunction-XRU1AF4VV8K6":          "Monitoring/AlarmNotifierFunction",
		"a-very-long-stack-name-for-testing-OrdersFunct-1A2B3C4D5E6F":     "",
		"my-really-long-production-stack-name-OrdersFunctionV-1A2B3C4D5E": "OrdersFunctionV2",
		"shop-OrdersQueue-1A2B3C4D5E6F":                                   "",
		"unrelated":                                                       "",
	} {
		got := ""
		if r := g.FunctionByName(name); r != nil {
			got = r.ID
		}
		if got != want {
			t.Errorf("FunctionByName(%q) = %q, want %q", name, got, want)
		}
	}
}
