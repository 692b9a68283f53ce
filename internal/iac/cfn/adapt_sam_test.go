package cfn_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac/cfn"
	"github.com/fnops/fnops/internal/iac/sam"
)

// samAdapt parses, transforms and adapts a SAM template.
func samAdapt(t testing.TB, file string) *app.Graph {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "Transform:") {
		// The translator's fixtures leave the header out.
		data = append([]byte("Transform: "+sam.TransformName+"\n"), data...)
	}
	tpl, err := cfn.Parse(file, data)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	sam.Transform(tpl)
	return cfn.Adapt(tpl, cfn.Options{})
}

// TestAdaptSAMTranslatorInputs adapts the SAM transform's outputs for every
// translator fixture: the serverless types written stay the Type, generated
// resources are Implicit, and every edge joins resources of the graph.
func TestAdaptSAMTranslatorInputs(t *testing.T) {
	files, _ := filepath.Glob("../sam/testdata/translator/input/*.yaml")
	if len(files) == 0 {
		t.Skip("no SAM translator fixtures in ../sam/testdata")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			g := samAdapt(t, file)
			for _, e := range g.Edges {
				if g.Resource(e.From) == nil || g.Resource(e.To) == nil {
					t.Errorf("edge with an unknown end: %+v", e)
				}
			}
			for _, r := range g.Resources {
				if r.Format != "sam" {
					t.Errorf("%s: format %q", r.ID, r.Format)
				}
			}
			if os.Getenv("ADAPT_SHOW") != "" {
				for _, r := range g.Resources {
					t.Logf("R %s %s %s implicit=%v", r.ID, r.Type, r.Kind, r.Implicit)
				}
				for _, e := range g.Edges {
					t.Logf("E %s -> %s %s %s %v", e.From, e.To, e.Kind, e.Via, e.Detail)
				}
				for _, d := range g.Diags {
					t.Logf("D %v", d)
				}
			}
		})
	}
}

// TestAdaptSAMFacts checks the facts rules rely on, on SAM templates after
// the transform.
func TestAdaptSAMFacts(t *testing.T) {
	dir := "../sam/testdata/translator/input/"
	if _, err := os.Stat(dir); err != nil {
		t.Skip("no SAM translator fixtures in ../sam/testdata")
	}
	type edge struct {
		from, to string
		kind     app.EdgeKind
	}
	for _, c := range []struct {
		file  string
		edges []edge
		attrs map[string]string // "Resource.attr": text
	}{
		{"s3.yaml", []edge{{"Images", "ThumbnailFunction", app.Triggers}, {"ThumbnailFunction", "ThumbnailFunctionRole", app.UsesRole}}, nil},
		{"sns_sqs.yaml", []edge{
			{"Notifications", "SaveNotificationFunctionNotificationTopicQueue", app.Subscribes},
			{"SaveNotificationFunctionNotificationTopicQueue", "SaveNotificationFunction", app.Triggers}},
			map[string]string{"SaveNotificationFunctionNotificationTopicEventSourceMapping.source_type": "sqs"}},
		{"implicit_api.yaml", []edge{{"ServerlessRestApi", "RestApiFunction", app.Triggers}}, nil},
		{"implicit_http_api.yaml", []edge{{"ServerlessHttpApi", "HttpApiFunction", app.Triggers}}, nil},
		{"function_with_event_dest.yaml", []edge{
			{"MyTestFunction", "MyTestFunctionEventInvokeConfigOnFailureTopic", app.OnFailure},
			{"MyTestFunction2", "DestinationLambda", app.OnSuccess}}, nil},
		{"function_with_deployment_preference.yaml", []edge{{"MinimalFunctionAliaslive", "MinimalFunction", app.Contains}},
			map[string]string{"MinimalFunction.auto_publish_alias": "live",
				"MinimalFunction.deployment_preference": "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes"}},
		{"cognito_userpool_with_event.yaml", []edge{{"UserPool", "ImplicitApiFunction", app.Triggers}}, nil},
		{"connector_function_to_table.yaml", []edge{{"MyFunction", "MyTable", app.Writes}, {"MyServerlessFunction", "MyTable", app.Reads}}, nil},
		{"state_machine_with_api.yaml", []edge{{"Post", "HelloWorldFunction", app.Invokes}}, nil},
	} {
		t.Run(c.file, func(t *testing.T) {
			g := samAdapt(t, dir+c.file)
			for _, want := range c.edges {
				found := false
				for _, e := range g.Out(want.from, want.kind) {
					found = found || e.To == want.to
				}
				if !found {
					t.Errorf("no %s edge %s -> %s", want.kind, want.from, want.to)
				}
			}
			for k, want := range c.attrs {
				id, attr, _ := strings.Cut(k, ".")
				if got := g.Resource(id).Text(attr); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			for _, r := range g.Resources {
				if r.Kind == app.KindFunction && r.Type != "AWS::Serverless::Function" && r.Type != "AWS::Lambda::Function" {
					t.Errorf("%s: type %s", r.ID, r.Type)
				}
			}
		})
	}
}
