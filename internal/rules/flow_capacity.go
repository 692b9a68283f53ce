package rules

import (
	"fmt"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

func downstreamCapacityRule() *Rule {
	return &Rule{
		ID:       "downstream-capacity",
		Title:    "Function can write faster than its table's provisioned capacity",
		Severity: app.SevWarning,
		Category: CategoryPerformance,
		Description: "Lambda scales out until it hits the function's reserved concurrency, or the account's " +
			"(1,000 by default). A function that writes to a DynamoDB table with PROVISIONED billing can " +
			"then issue concurrency × batch size writes at once, far beyond the table's `WriteCapacityUnits`: " +
			"writes are throttled, the function fails and retries, and the backlog grows. The bound used is " +
			"the reserved concurrency (else 1,000), capped by an SQS mapping's MaximumConcurrency or a " +
			"Kinesis stream's shards × parallelization, times the largest batch size of its mappings (1 " +
			"when it has none).",
		Remediation: "Cap the function (`ReservedConcurrentExecutions`, or the mapping's " +
			"`ScalingConfig.MaximumConcurrency`) to what the table takes, switch the table to " +
			"`BillingMode: PAY_PER_REQUEST`, or raise its capacity (with auto scaling).",
		Fail: `Transform: AWS::Serverless-2016-10-31
Resources:
  Ledger:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PROVISIONED
      ProvisionedThroughput: {ReadCapacityUnits: 5, WriteCapacityUnits: 5}
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Writer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Environment:
        Variables:
          TABLE: !Ref Ledger
      Policies:
        - DynamoDBCrudPolicy:
            TableName: !Ref Ledger
`,
		Pass: `Transform: AWS::Serverless-2016-10-31
Resources:
  Ledger:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PROVISIONED
      ProvisionedThroughput: {ReadCapacityUnits: 5, WriteCapacityUnits: 50}
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Writer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      ReservedConcurrentExecutions: 10
      Environment:
        Variables:
          TABLE: !Ref Ledger
      Policies:
        - DynamoDBCrudPolicy:
            TableName: !Ref Ledger
`,
		Check: func(c *Context) {
			byFn := make(map[*app.Resource][]mapping)
			for _, m := range mappings(c) {
				byFn[m.fn] = append(byFn[m.fn], m)
			}
			for _, fn := range c.Resources(app.KindFunction) {
				ms := byFn[fn]
				conc, why := possibleConcurrency(c, fn, ms)
				batch := int64(1)
				for _, m := range ms {
					def := int64(10)
					if m.typ == "kinesis" || m.typ == "dynamodb" {
						def = 100
					}
					if b, _, ok := intAttr(m.esm, app.AttrBatchSize, def); ok && b > batch {
						batch = b
					}
				}
				// One finding per table, at the grant when there is one.
				best := map[string]app.Edge{}
				var order []string
				for _, e := range c.Out(fn, app.Writes) {
					old, seen := best[e.To]
					if !seen {
						order = append(order, e.To)
					}
					if !seen || (!strings.HasPrefix(old.Via, "iam:") && strings.HasPrefix(e.Via, "iam:")) {
						best[e.To] = e
					}
				}
				for _, to := range order {
					e := best[to]
					t := c.Peer(fn, e)
					if t == nil || t.Kind != app.KindTable {
						continue
					}
					mode := t.Attr(app.AttrBillingMode)
					if m, ok := mode.String(); mode != nil && (!ok || !strings.EqualFold(m, "PROVISIONED")) {
						continue
					}
					wn := value(t, app.AttrWriteCapacity, "ProvisionedThroughput", "WriteCapacityUnits")
					w, ok := wn.Int64()
					what := "write capacity units"
					if limit, found := autoScaledMax(c, t); found {
						w, ok, what = limit, true, "write capacity units auto scaling allows at most"
					}
					if !ok || w <= 0 || conc*batch <= w {
						continue
					}
					c.Report(Issue{
						Resource: fn,
						Pos:      e.Pos,
						Related:  []string{t.ID},
						Message: fmt.Sprintf("function %s can run %d at once (%s)%s, up to %d writes, against "+
							"the %d %s of table %s: writes will be throttled", fn.ID, conc, why, batchText(batch),
							conc*batch, w, what, t.ID),
					})
				}
			}
		},
	}
}

// autoScaledMax returns the MaxCapacity of an Application Auto Scaling
// target on the table's write capacity, when the template has one.
func autoScaledMax(c *Context, t *app.Resource) (int64, bool) {
	for _, r := range c.Resources() {
		if r.Type != "AWS::ApplicationAutoScaling::ScalableTarget" ||
			r.Props.Get("ScalableDimension").Text() != "dynamodb:table:WriteCapacityUnits" {
			continue
		}
		id := r.Props.Get("ResourceId")
		yes, known := refersTo(id, t.ID)
		if !known {
			s := id.Text()
			yes = s != "" && t.Name != "" && s == "table/"+t.Name
		}
		if !yes {
			continue
		}
		if v, ok := r.Props.Get("MaxCapacity").Int64(); ok {
			return v, true
		}
	}
	return 0, false
}

func batchText(b int64) string {
	if b <= 1 {
		return ""
	}
	return fmt.Sprintf(" with batches of %d", b)
}

// possibleConcurrency bounds how many copies of fn can run at once, and
// says where the bound comes from; ms are fn's mappings.
func possibleConcurrency(c *Context, fn *app.Resource, ms []mapping) (int64, string) {
	conc, why := int64(accountConcurrency), "the account's default concurrency"
	if rc, ok := fn.Int(app.AttrReservedConcurrency); ok {
		conc, why = rc, "its reserved concurrency" // 0: the function is switched off
	}
	// A function driven only by mappings scales no further than they let it.
	var fromMappings int64
	allBounded := true
	triggers := c.In(fn, app.Triggers, app.Subscribes, app.Invokes)
	for _, e := range triggers {
		via := c.Graph.Resource(e.Via)
		if via == nil || via.Kind != app.KindEventSourceMapping {
			allBounded = false
		}
	}
	for _, m := range ms {
		var bound int64
		switch m.typ {
		case "sqs":
			bound, _ = value(m.esm, app.AttrMaximumConcurrency, "ScalingConfig", "MaximumConcurrency").Int64()
		case "kinesis":
			if m.src != nil {
				shards, ok := m.src.Int(app.AttrShardCount)
				par, _, pok := intAttr(m.esm, app.AttrParallelization, 1)
				if ok && pok {
					bound = shards * par
				}
			}
		}
		if bound <= 0 {
			allBounded = false
			continue
		}
		fromMappings += bound
	}
	if len(triggers) > 0 && allBounded && fromMappings > 0 && fromMappings < conc {
		return fromMappings, "the limit of its event source mappings"
	}
	return conc, why
}

func unusedGrantRule() *Rule {
	return &Rule{
		ID:       "unused-grant",
		Title:    "Role lets a function write to a resource it is never told about",
		Severity: app.SevInfo,
		Category: CategorySecurity,
		Description: "A function finds the resources it writes to through its configuration: an environment " +
			"variable, the event that triggers it, its destinations. A role that grants write access to a " +
			"resource of the template that none of these names is probably a leftover or a copy-paste, and " +
			"widens what a compromised or buggy function can damage. The check is conservative: any " +
			"environment variable, trigger, destination or literal name mentioning the resource counts as " +
			"use, and grants on `*` are left to the wildcard rules. Code is not read, so treat a finding as " +
			"a question.",
		Remediation: "Remove the grant, or pass the resource's name or ARN to the function in an environment " +
			"variable so the wiring is visible.",
		Fail: `Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Report:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Policies:
        - DynamoDBCrudPolicy:
            TableName: !Ref Orders
`,
		Pass: `Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Report:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Environment:
        Variables:
          ORDERS_TABLE: !Ref Orders
      Policies:
        - DynamoDBCrudPolicy:
            TableName: !Ref Orders
`,
		Check: func(c *Context) {
			for _, fn := range c.Resources(app.KindFunction) {
				granted := map[string]bool{}
				for _, e := range c.Out(fn, app.Writes, app.Invokes) {
					if strings.HasPrefix(e.Via, "iam:") {
						granted[e.To] = true
					}
				}
				if len(granted) == 0 {
					continue
				}
				used := wiredTo(c, fn, granted)
				reported := map[string]bool{}
				for _, e := range c.Out(fn, app.Writes, app.Invokes) {
					if !strings.HasPrefix(e.Via, "iam:") || reported[e.To] || used[e.To] {
						continue
					}
					t := c.Peer(fn, e)
					if t == nil || e.Detail["wildcard"] == "true" {
						continue
					}
					reported[e.To] = true
					acts := e.Detail["actions"]
					if acts == "" {
						acts = strings.TrimPrefix(e.Via, "iam:")
					}
					c.Report(Issue{
						Resource: fn,
						Pos:      e.Pos,
						Related:  []string{t.ID},
						Message: fmt.Sprintf("the role of %s may write to %s %s (%s), but nothing in its configuration "+
							"names it (no environment variable, trigger or destination): remove the grant if it is unused",
							fn.ID, kindName(t), t.ID, strings.ReplaceAll(acts, ",", ", ")),
					})
				}
			}
		},
	}
}

// wiredTo returns the ids of the resources fn is told about: named by an
// environment variable (as a reference, a name or an ARN), triggering it,
// or receiving its failures or results. Literal names are looked for only
// among candidates.
func wiredTo(c *Context, fn *app.Resource, candidates map[string]bool) map[string]bool {
	used := map[string]bool{}
	for _, e := range c.Out(fn) {
		if strings.HasPrefix(e.Via, "env:") || e.Kind == app.DeadLetter || e.Kind == app.OnFailure || e.Kind == app.OnSuccess {
			used[e.To] = true
		}
	}
	for _, e := range c.In(fn) {
		used[e.From] = true
		if via := c.Graph.Resource(e.Via); via != nil && via.Kind == app.KindEventSourceMapping {
			used[via.Text(app.AttrSource)] = true
		}
	}
	// Environment values the loader did not turn into edges: literal names
	// and ARNs, and references inside Sub and Join.
	env := fn.Attr(app.AttrEnvironment)
	if env == nil {
		env = fn.Props.Path("Environment", "Variables")
	}
	var texts []string
	var walk func(n *app.Node, depth int)
	walk = func(n *app.Node, depth int) {
		if n == nil || depth > 8 {
			return
		}
		if s, ok := n.String(); ok {
			texts = append(texts, s)
			return
		}
		for _, it := range n.List {
			walk(it, depth+1)
		}
		for i, k := range n.Keys {
			if k == "Ref" || k == "Fn::GetAtt" {
				texts = append(texts, "${"+n.Values[i].Text()+"}")
				for _, v := range n.Values[i].List {
					texts = append(texts, "${"+v.Text()+"}")
				}
			}
			walk(n.Values[i], depth+1)
		}
	}
	walk(env, 0)
	for id := range candidates {
		r := c.Graph.Resource(id)
		if r == nil || used[r.ID] {
			continue
		}
		for _, t := range texts {
			if strings.Contains(t, "${"+r.ID+"}") || strings.Contains(t, "${"+r.ID+".") ||
				(r.Name != "" && !strings.Contains(r.Name, "${") && strings.Contains(t, r.Name)) {
				used[r.ID] = true
				break
			}
		}
	}
	return used
}
