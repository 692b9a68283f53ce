package sam

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac/cfn"
)

func loadGolden(t testing.TB, name string) *cfn.Template {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata/golden", name))
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := cfn.Parse(name, data)
	if err != nil {
		t.Fatal(err)
	}
	Transform(tpl)
	return tpl
}

// TestPositions checks the contract rules depend on: values the user wrote
// keep their node (Origin Written, their own line, also when they come
// from Globals); values the transform invents are Derived and positioned
// at what produced them.
func TestPositions(t *testing.T) {
	tpl := loadGolden(t, "function_events.yaml")
	res := func(id string) *cfn.Resource {
		r := tpl.Resource(id)
		if r == nil {
			t.Fatalf("no resource %s", id)
		}
		return r
	}
	tests := []struct {
		name   string
		node   *app.Node
		line   int
		origin app.Origin
	}{
		{"local Timeout", res("Worker").Properties.Get("Timeout"), 46, app.Written},
		{"Timeout from Globals", res("Api").Properties.Get("Timeout"), 6, app.Written},
		{"Runtime from Globals", res("Worker").Properties.Get("Runtime"), 5, app.Written},
		{"global layer first", res("Worker").Properties.Get("Layers").List[0], 8, app.Written},
		{"local layer after", res("Worker").Properties.Get("Layers").List[1], 48, app.Written},
		{"merged env var from Globals", res("Worker").Properties.Path("Environment", "Variables", "STAGE"), 11, app.Written},
		{"merged env var local", res("Worker").Properties.Path("Environment", "Variables", "TABLE"), 51, app.Written},
		{"generated Role reference", res("Worker").Properties.Get("Role"), 41, app.Derived},
		{"Tracing becomes TracingConfig", res("Api").Properties.Path("TracingConfig", "Mode"), 157, app.Written},
		{"mapping BatchSize", res("WorkerFromQueue").Properties.Get("BatchSize"), 70, app.Written},
		{"mapping FunctionName", res("WorkerFromQueue").Properties.Get("FunctionName"), 66, app.Derived},
		{"mapping source", res("WorkerFromQueue").Properties.Get("EventSourceArn"), 69, app.Written},
		{"managed policy from Policies", res("WorkerRole").Properties.Get("ManagedPolicyArns").List[1], 57, app.Derived},
		{"template parameter", res("WorkerRole").Properties.Get("Policies").List[0].Path("PolicyDocument", "Statement").List[0].Get("Resource").List[0].Get("Fn::Sub").List[1].Get("tableName"), 54, app.Written},
		{"template statement", res("WorkerRole").Properties.Get("Policies").List[0].Path("PolicyDocument", "Statement").List[0].Get("Action"), 53, app.Derived},
		{"inline statement", res("WorkerRole").Properties.Get("Policies").List[2].Get("PolicyDocument"), 58, app.Written},
		{"bucket notification", res("Uploads").Properties.Path("NotificationConfiguration", "LambdaConfigurations").List[0].Get("Function"), 99, app.Derived},
		{"bucket's own property", res("Uploads").Properties.Get("BucketName"), 34, app.Written},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.node == nil {
				t.Fatal("node missing")
			}
			if tt.node.Pos.Line != tt.line || tt.node.Origin != tt.origin {
				t.Errorf("at line %d (%s), want line %d (%s)", tt.node.Pos.Line, tt.node.Origin, tt.line, tt.origin)
			}
		})
	}
	if tpl.Format != "sam" {
		t.Errorf("format %q", tpl.Format)
	}
	// Implicit resources are positioned at what produced them.
	for id, line := range map[string]int{"WorkerRole": 41, "WorkerFromQueue": 66, "WorkerNightlyQueue": 114,
		"ApiAliaslive": 142, "ServerlessRestApi": 162, "ApiDeploymentGroup": 145} {
		r := res(id)
		if !r.Implicit || r.Pos.Line != line {
			t.Errorf("%s: implicit %v at line %d, want implicit at line %d", id, r.Implicit, r.Pos.Line, line)
		}
	}
}

// TestRootUntouched: the written document stays as written; only
// t.Resources shows the transform.
func TestRootUntouched(t *testing.T) {
	data, _ := os.ReadFile("testdata/golden/function_events.yaml")
	tpl, err := cfn.Parse("f.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	before := contentHash(tpl.Root.Get("Resources"))
	Transform(tpl)
	if after := contentHash(tpl.Root.Get("Resources")); after != before {
		t.Error("Transform modified the written Resources section")
	}
	env := tpl.Resource("AliasUser").Properties.Path("Environment", "Variables")
	if got := env.Get("TARGET").Get("Ref").Text(); got != "ApiAliaslive" {
		t.Errorf("Api.Alias resolved to %q", got)
	}
	if got := env.Get("STAGE_ID").Get("Ref").Text(); got != "ServerlessRestApiProdStage" {
		t.Errorf("ServerlessRestApi.Stage resolved to %q", got)
	}
	if tpl.Resource("Uploads").Node.Get("DependsOn") == nil {
		t.Error("bucket Node not rebuilt with DependsOn")
	}
}

func TestNoTransform(t *testing.T) {
	tpl := loadGolden(t, "no_transform.yaml")
	if tpl.Format != "cloudformation" || tpl.Resources[0].Type != typeFunction || tpl.Resources[0].WrittenType != "" {
		t.Errorf("template without the transform was changed: %+v", tpl.Resources[0])
	}
	Transform(nil) // must not panic
}

// FuzzTransform: whatever the document, parsing then transforming never
// panics (the recover in Transform would turn a panic into a diagnostic,
// which this test also rejects).
func FuzzTransform(f *testing.F) {
	for _, dir := range []string{"testdata/golden/*.yaml", "testdata/translator/input/*.yaml"} {
		files, _ := filepath.Glob(dir)
		for _, p := range files {
			data, err := os.ReadFile(p)
			if err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte("Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events: [1]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tpl, err := cfn.Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		if !Applies(tpl) {
			tpl.Root.Set("Transform", app.Str(TransformName, app.Pos{}))
		}
		Transform(tpl)
		for _, d := range tpl.Diags {
			if len(d.Message) > 30 && d.Message[:30] == "SAM transform: internal error:" {
				t.Fatalf("panic: %s", d.Message)
			}
		}
	})
}

// BenchmarkTransform measures the transform alone on a dense 5 KB SAM
// template (parsing excluded: it is the cfn package's cost). Transform
// leaves t.Root alone, so each iteration gets fresh Resource values over
// one parsed document.
func BenchmarkTransform(b *testing.B) {
	data, err := os.ReadFile("testdata/golden/function_events.yaml")
	if err != nil {
		b.Fatal(err)
	}
	base, err := cfn.Parse("bench.yaml", data)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		tpl := &cfn.Template{File: base.File, Format: base.Format, Root: base.Root,
			Resources: make([]*cfn.Resource, len(base.Resources))}
		for i, r := range base.Resources {
			c := *r
			tpl.Resources[i] = &c
		}
		Transform(tpl)
	}
}

// BenchmarkParseAndTransform is the whole load of one template up to the
// adapter: the number that must stay above 2,000 templates/s on one core.
func BenchmarkParseAndTransform(b *testing.B) {
	data, err := os.ReadFile("testdata/golden/function_events.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		tpl, err := cfn.Parse("bench.yaml", data)
		if err != nil {
			b.Fatal(err)
		}
		Transform(tpl)
	}
}

// TestHostileGlobals: one huge Globals value over many functions stays
// linear-ish (shared, not copied per function; hashes have a budget).
func TestHostileGlobals(t *testing.T) {
	var b strings.Builder
	b.WriteString("Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    Handler: a.b\n    InlineCode: x\n    AutoPublishAlias: live\n    Layers:\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "      - layer%d\n", i)
	}
	b.WriteString("Resources:\n")
	for i := range 200 {
		fmt.Fprintf(&b, "  F%d:\n    Type: AWS::Serverless::Function\n    Properties:\n      Timeout: %d\n", i, i+1)
	}
	tpl, err := cfn.Parse("big.yaml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	Transform(tpl)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("transform took %v", d)
	}
	if len(tpl.Resources) != 200*4 {
		t.Errorf("%d resources", len(tpl.Resources))
	}
}

// TestRequestValidators checks that an Api event's RequestModel with
// ValidateBody or ValidateParameters names a request validator on its
// operation and declares it at the definition's root, as the translator
// does; without them nothing is added.
func TestRequestValidators(t *testing.T) {
	src := `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      Events:
        Both:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /a
            Method: post
            RequestModel: {Model: A, ValidateBody: true, ValidateParameters: true}
        Body:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /b
            Method: post
            RequestModel: {Model: B, ValidateBody: true}
        None:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /c
            Method: post
            RequestModel: {Model: C}
`
	tpl, err := cfn.Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	Transform(tpl)
	body := tpl.Resource("Api").Properties.Get("Body")
	for path, want := range map[string]string{"/a": "body-and-params", "/b": "body-only", "/c": ""} {
		if got := body.Path("paths", path, "post", "x-amazon-apigateway-request-validator").Text(); got != want {
			t.Errorf("%s: validator %q, want %q", path, got, want)
		}
	}
	vs := body.Get("x-amazon-apigateway-request-validators")
	if vs.Len() != 2 {
		t.Fatalf("validators declared: %v", vs.Plain())
	}
	if on, _ := vs.Path("body-only", "validateRequestParameters").Truth(); on {
		t.Error("body-only validates parameters")
	}
	if on, _ := vs.Path("body-and-params", "validateRequestParameters").Truth(); !on {
		t.Error("body-and-params does not validate parameters")
	}
}

// TestUsagePlans checks Auth.UsagePlan: PER_API makes a plan, key and
// plan key per API; SHARED makes one plan listing every sharing API's
// stage; NONE makes nothing.
func TestUsagePlans(t *testing.T) {
	src := `Transform: AWS::Serverless-2016-10-31
Resources:
  Own:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        UsagePlan:
          CreateUsagePlan: PER_API
          Throttle: {BurstLimit: 10, RateLimit: 5}
  A:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth: {UsagePlan: {CreateUsagePlan: SHARED}}
  B:
    Type: AWS::Serverless::Api
    Properties:
      StageName: dev
      Auth: {UsagePlan: {CreateUsagePlan: SHARED}}
  C:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth: {UsagePlan: {CreateUsagePlan: NONE}}
`
	tpl, err := cfn.Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	Transform(tpl)
	for _, d := range tpl.Diags {
		t.Errorf("diag: %v", d)
	}
	own := tpl.Resource("OwnUsagePlan")
	if own == nil || own.Type != "AWS::ApiGateway::UsagePlan" || tpl.Resource("OwnApiKey") == nil || tpl.Resource("OwnUsagePlanKey") == nil {
		t.Fatalf("PER_API: no plan, key and plan key")
	}
	if v, _ := own.Properties.Path("Throttle", "RateLimit").Int64(); v != 5 {
		t.Errorf("PER_API throttle lost: %v", own.Properties.Get("Throttle").Plain())
	}
	shared := tpl.Resource("ServerlessUsagePlan")
	if shared == nil {
		t.Fatal("SHARED: no ServerlessUsagePlan")
	}
	var apis []string
	for _, s := range shared.Properties.Get("ApiStages").Items() {
		apis = append(apis, s.Path("ApiId", "Ref").Text()+"/"+s.Path("Stage", "Ref").Text())
	}
	if strings.Join(apis, ",") != "A/AprodStage,B/BdevStage" {
		t.Errorf("shared plan stages %v", apis)
	}
	for _, r := range tpl.Resources {
		if strings.HasPrefix(r.ID, "C") && r.Type == "AWS::ApiGateway::UsagePlan" {
			t.Errorf("NONE made %s", r.ID)
		}
	}
}
