package sam

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac/cfn"
)

// TestTranslatorOracle runs Transform on the SAM translator's own test
// inputs (testdata/translator, see its NOTICE) and compares the result
// with the translator's expected output: the set of logical ids and types,
// and for the resources that carry wiring (mappings, permissions,
// subscriptions, rules, notifications, roles and policies, invoke
// configs) the properties the adapter builds edges from.
//
// Tolerated, on purpose:
//   - hash suffixes of generated ids (<Fn>Version<hash>,
//     <Api>Deployment<hash>, NOT<cond><hash>) are compared without the
//     hash: ours is a stable hash of other input (see contentHash);
//   - the partition: the stored outputs write arn:aws: where the current
//     translator and this package write arn:${AWS::Partition}:;
//   - the differences listed in oracleKnown, each with its reason.
func TestTranslatorOracle(t *testing.T) {
	inputs, err := filepath.Glob("testdata/translator/input/*.yaml")
	if err != nil || len(inputs) < 10 {
		t.Fatalf("translator fixtures: %v (%d)", err, len(inputs))
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".yaml")
		t.Run(name, func(t *testing.T) {
			got := transformFile(t, in)
			want := readExpected(t, filepath.Join("testdata/translator/output", name+".json"))
			known := oracleKnown[name]
			compareResources(t, got, want, known)
		})
	}
}

// oracleKnown lists the accepted differences per fixture: resources present
// on one side only ("+Id" extra here, "-Id" missing here) and properties
// not compared ("Id.Prop").
var oracleKnown = map[string][]string{
	// The stored output predates the translator's current SQS policy name
	// (AWSLambdaSQSQueueExecutionRole); the input is newer than it.
	"streams": {"SQSFunctionRole.ManagedPolicyArns"},
	// The translator resolves parameter defaults inside Fn::If
	// (!Ref SQSArn becomes "my-sqs-arn"); intrinsics are left to the
	// adapter here.
	"function_with_event_dest": {"MyTestFunctionEventInvokeConfig.DestinationConfig", "MyTestFunctionRole.Policies"},
	// The stored output predates SAM tagging this target with its own id
	// and shows "CustomTargetId" for an input without Target.Id.
	"eventbridgerule": {"TriggeredFunctionOnTerminate.Targets"},
	// The stored output is older than its input: it lacks the VPC access
	// policy the translator adds for VpcConfig, and gives X-Ray access to
	// FunctionWithOverrides although its own Tracing: PassThrough
	// overrides the global Active (scalars from the resource win).
	"globals_for_function": {"MinimalFunctionRole.ManagedPolicyArns", "FunctionWithOverridesRole.ManagedPolicyArns"},
	// The stored output predates HTTP API payload format 2.0 as the
	// default, and the translator then left out the permission of a route
	// when the same function also had the $default route (whose /*
	// permission covers it). The extra permission grants nothing more.
	"implicit_http_api": {"ServerlessHttpApi.Body", "+HttpApiFunctionBasicPermission"},
	// The stored output predates function URLs' general availability
	// (AuthorizationType, no permission); the translator now adds
	// <Id>UrlPublicPermissions for AuthType NONE, as this package does.
	"function_with_function_url_config": {"+MyFunctionUrlPublicPermissions"},
	// A connector whose Source is given by Type and Arn with RoleName:
	// the policy is compared; the role it attaches to is the RoleName
	// node (Ref MyRole) in both.
}

func transformFile(t testing.TB, path string) *cfn.Template {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("Transform:")) {
		// The translator's tests run the transform without the header.
		data = append([]byte("Transform: "+TransformName+"\n"), data...)
	}
	tpl, err := cfn.Parse(filepath.Base(path), data)
	if err != nil {
		t.Fatal(err)
	}
	Transform(tpl)
	for _, d := range tpl.Diags {
		if d.Severity == app.SevError {
			t.Errorf("diag: %v", d)
		}
	}
	return tpl
}

type expected struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
}

func readExpected(t *testing.T, path string) map[string]expected {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Resources map[string]expected `json:"Resources"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Resources
}

var hashSuffix = regexp.MustCompile(`(Version|Deployment|NOT[A-Za-z0-9]+?)[0-9a-f]{10}\b`)

func normID(id string) string { return hashSuffix.ReplaceAllString(id, "$1#") }

// wiringProps are the properties compared per type; "*" compares all.
var wiringProps = map[string][]string{
	"AWS::Lambda::EventSourceMapping":  {"EventSourceArn", "FunctionName", "BatchSize", "StartingPosition", "Enabled", "DestinationConfig", "FilterCriteria"},
	"AWS::Lambda::Permission":          {"Action", "FunctionName", "Principal", "SourceArn", "SourceAccount"},
	"AWS::SNS::Subscription":           {"Endpoint", "Protocol", "TopicArn", "FilterPolicy"},
	"AWS::Events::Rule":                {"ScheduleExpression", "EventPattern", "EventBusName", "State", "Targets"},
	"AWS::S3::Bucket":                  {"NotificationConfiguration"},
	"AWS::IAM::Role":                   {"ManagedPolicyArns", "Policies"},
	"AWS::IAM::ManagedPolicy":          {"PolicyDocument", "Roles"},
	"AWS::Lambda::EventInvokeConfig":   {"FunctionName", "Qualifier", "DestinationConfig", "MaximumRetryAttempts", "MaximumEventAgeInSeconds"},
	"AWS::Lambda::Function":            {"Role", "DeadLetterConfig", "Code", "Handler", "Timeout", "MemorySize", "Environment"},
	"AWS::Logs::SubscriptionFilter":    {"DestinationArn", "LogGroupName", "FilterPattern"},
	"AWS::Lambda::Alias":               {"FunctionName", "FunctionVersion", "Name", "ProvisionedConcurrencyConfig"},
	"AWS::CodeDeploy::DeploymentGroup": {"DeploymentConfigName", "ApplicationName", "ServiceRoleArn"},
	"AWS::SQS::QueuePolicy":            {"Queues", "PolicyDocument"},
	"AWS::DynamoDB::Table":             {"AttributeDefinitions", "KeySchema", "ProvisionedThroughput", "BillingMode"},
	"AWS::StepFunctions::StateMachine": {"RoleArn", "DefinitionS3Location"},
	"AWS::ApiGateway::RestApi":         {"Body"},
	"AWS::ApiGatewayV2::Api":           {"Body"},
}

func compareResources(t *testing.T, got *cfn.Template, want map[string]expected, known []string) {
	t.Helper()
	gotByID := map[string]*cfn.Resource{}
	for _, r := range got.Resources {
		gotByID[normID(r.ID)] = r
	}
	wantByID := map[string]expected{}
	for id, r := range want {
		wantByID[normID(id)] = r
	}
	var ids []string
	for id := range wantByID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		w := wantByID[id]
		g := gotByID[id]
		if g == nil {
			if !slices.Contains(known, "-"+id) {
				t.Errorf("missing %s (%s)", id, w.Type)
			}
			continue
		}
		if g.Type != w.Type {
			t.Errorf("%s: type %s, want %s", id, g.Type, w.Type)
			continue
		}
		gp, _ := g.Properties.Plain().(map[string]any)
		for _, k := range wiringProps[w.Type] {
			if slices.Contains(known, id+"."+k) {
				continue
			}
			gv, wv := canon(gp[k], k), canon(w.Properties[k], k)
			if gv != wv {
				t.Errorf("%s.%s:\n got  %s\n want %s", id, k, gv, wv)
			}
		}
	}
	for id, g := range gotByID {
		if _, ok := wantByID[id]; !ok && !slices.Contains(known, "+"+id) {
			t.Errorf("extra %s (%s)", id, g.Type)
		}
	}
}

// canon renders a value for comparison: JSON with sorted keys, the
// partition and hash suffixes normalised, and lists whose order carries no
// meaning (policy lists, actions, managed policies) sorted.
func canon(v any, key string) string {
	v = normalize(v, key)
	b, _ := json.Marshal(v)
	s := strings.ReplaceAll(string(b), "arn:${AWS::Partition}:", "arn:aws:")
	return hashSuffix.ReplaceAllString(s, "$1#")
}

func normalize(v any, key string) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, vv := range x {
			if k == "Version" && key == "PolicyDocument" {
				continue // optional in policy documents; the outputs vary
			}
			out[k] = normalize(vv, k)
		}
		return out
	case []any:
		out := make([]any, len(x))
		itemKey := key
		if key == "Action" {
			itemKey = "ActionItem"
		}
		for i, vv := range x {
			out[i] = normalize(vv, itemKey)
		}
		switch key {
		case "ManagedPolicyArns", "Policies", "Action", "Tags", "Statement":
			sort.Slice(out, func(i, j int) bool {
				a, _ := json.Marshal(out[i])
				b, _ := json.Marshal(out[j])
				return string(a) < string(b)
			})
		}
		return out
	case string:
		// IAM reads actions case-insensitively (the stored outputs spell
		// lambda:invokeFunction both ways), and "a" means ["a"].
		switch key {
		case "ActionItem":
			return strings.ToLower(x)
		case "Action":
			return []any{strings.ToLower(x)}
		}
	case float64:
		return x
	}
	return v
}
