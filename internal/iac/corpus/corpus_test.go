package corpus

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestTemplateSize(t *testing.T) {
	for _, seed := range []int64{1, 42, -7} {
		for i := range 200 {
			n := len(Template(i, seed))
			if n < MinSize || n > MaxSize {
				t.Errorf("Template(%d, %d) is %d bytes, want %d..%d", i, seed, n, MinSize, MaxSize)
			}
		}
	}
}

func TestTemplateDeterministic(t *testing.T) {
	for i := range 50 {
		a, b := Template(i, 99), Template(i, 99)
		if !bytes.Equal(a, b) {
			t.Fatalf("Template(%d, 99) differs between calls", i)
		}
	}
	if bytes.Equal(Template(0, 1), Template(0, 2)) {
		t.Error("seeds 1 and 2 give the same template 0")
	}
	if bytes.Equal(Template(0, 1), Template(1, 1)) {
		t.Error("templates 0 and 1 of seed 1 are the same")
	}
}

func TestGenerate(t *testing.T) {
	const n, seed = 30, 7
	dirA, dirB := t.TempDir(), filepath.Join(t.TempDir(), "nested", "corpus")
	a, err := Generate(dirA, n, seed)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate(dirB, n, seed)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != n || len(b) != n {
		t.Fatalf("got %d and %d paths, want %d", len(a), len(b), n)
	}
	for i := range n {
		if filepath.Base(a[i]) != filepath.Base(b[i]) {
			t.Errorf("file %d named %s and %s", i, filepath.Base(a[i]), filepath.Base(b[i]))
		}
		da, err := os.ReadFile(a[i])
		if err != nil {
			t.Fatal(err)
		}
		db, err := os.ReadFile(b[i])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(da, db) || !bytes.Equal(da, Template(i, seed)) {
			t.Errorf("file %d differs between runs or from Template", i)
		}
		wantExt := ".yaml"
		if IsJSON(da) {
			wantExt = ".json"
		}
		if filepath.Ext(a[i]) != wantExt {
			t.Errorf("%s: extension does not match content", a[i])
		}
	}
	if _, err := Generate(t.TempDir(), -1, seed); err == nil {
		t.Error("Generate with n = -1: no error")
	}
}

// TestWellFormed parses every template with the plain YAML and JSON
// libraries (not the project's loader) and checks the logical ids are
// unique.
func TestWellFormed(t *testing.T) {
	for i := range 200 {
		data := Template(i, 3)
		if IsJSON(data) {
			if !json.Valid(data) {
				t.Errorf("template %d: invalid JSON", i)
			}
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Errorf("template %d: %v", i, err)
			continue
		}
		root := doc.Content[0]
		var resources *yaml.Node
		for k := 0; k+1 < len(root.Content); k += 2 {
			if root.Content[k].Value == "Resources" {
				resources = root.Content[k+1]
			}
		}
		if resources == nil || len(resources.Content) < 2 {
			t.Errorf("template %d: no resources", i)
			continue
		}
		seen := map[string]bool{}
		for k := 0; k < len(resources.Content); k += 2 {
			id := resources.Content[k].Value
			if seen[id] {
				t.Errorf("template %d: logical id %s twice", i, id)
			}
			seen[id] = true
		}
	}
}

// TestVariety checks the corpus mixes what a loader must handle.
func TestVariety(t *testing.T) {
	const n = 200
	jsonCount := 0
	var all strings.Builder
	for i := range n {
		data := Template(i, 11)
		if IsJSON(data) {
			jsonCount++
		}
		all.Write(data)
	}
	if jsonCount < n/10 || jsonCount > n*3/10 {
		t.Errorf("%d of %d templates are JSON, want about a fifth", jsonCount, n)
	}
	text := all.String()
	for _, want := range []string{
		"AWS::Serverless-2016-10-31", "Globals:", "Conditions:", "Mappings:", "Parameters:",
		"Type: SQS", "Type: SNS", "Type: S3", "Type: DynamoDB", "Type: Kinesis",
		"Type: Schedule", "Type: ScheduleV2", "Type: EventBridgeRule", "Type: Api", "Type: HttpApi",
		"AWS::Lambda::Function", "AWS::Lambda::EventSourceMapping", "AWS::Lambda::Permission",
		"AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine",
		"RedrivePolicy", "deadLetterTargetArn", "StreamSpecification", "AWS::SNS::Subscription",
		"AWS::S3::Bucket", "AWS::Events::EventBus", "AWS::IAM::Role", "s3:*", "NotAction",
		"!Ref", "!GetAtt", "!Sub", "!If", "!FindInMap", "!Select", "!Split", "Fn::If:",
		`"Fn::GetAtt"`, `"Ref"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("no template contains %q", want)
		}
	}
}

func BenchmarkTemplate(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		Template(i, 1)
		i++
	}
}
