package cfn

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzAdapt parses then adapts arbitrary documents seeded from the
// adapter's fixtures: Adapt must never panic, whatever shape the values
// take. Nested stacks load from the seeds' directory.
func FuzzAdapt(f *testing.F) {
	files, _ := filepath.Glob("testdata/adapt/*.yaml")
	more, _ := filepath.Glob("testdata/adapt/*.json")
	for _, file := range append(files, more...) {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("Resources: {A: {Type: AWS::SQS::Queue, Properties: {RedrivePolicy: !Sub '${A}'}}}"))
	f.Add([]byte("Conditions: {C: !Condition C}\nResources: {A: {Type: AWS::SNS::Topic, Condition: C}}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tpl, err := Parse("testdata/adapt/fuzz.yaml", data)
		if err != nil {
			return
		}
		g := Adapt(tpl, Options{LoadChild: adaptLoadChild, Region: "us-east-1"})
		for _, e := range g.Edges {
			if g.Resource(e.From) == nil || g.Resource(e.To) == nil {
				t.Fatalf("edge to an unknown resource: %+v", e)
			}
		}
	})
}
