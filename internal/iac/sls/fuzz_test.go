package sls

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/fnops/fnops/internal/iac/cfn"
)

// FuzzResolve runs the variable resolver and the compiler on arbitrary
// documents, seeded from every serverless.yml in the repository's test
// data and examples. Nothing may panic (the compiler's recover is not
// used here: the resolver is called directly) and the limits must hold.
func FuzzResolve(f *testing.F) {
	seeds, _ := filepath.Glob("../../cli/testdata/graph/sls-*/serverless.yml")
	seeds = append(seeds, "../../../examples/orders-sls/serverless.yml")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("a: ${self:a}\nb: ${self:b, ${self:a}}\nc: ${file(./x.yml):${self:c}}\n"))
	f.Add([]byte("custom: {x: '${opt:stage, \"dev\"}-${env:E, 1}-${strToBool(true)}-${param:p}'}\n"))
	files := map[string]string{"x.yml": "k: ${self:custom}\nv: 1\n"}
	f.Fuzz(func(t *testing.T, data []byte) {
		root, _, err := cfn.ParseDocument("serverless.yml", data)
		if err != nil {
			return
		}
		in := Inputs{Stage: "dev", Params: map[string]string{"p": "v"},
			Env: func(k string) (string, bool) { return "env-" + k, k == "E" },
			ReadFile: func(p string) ([]byte, error) {
				if s, ok := files[filepath.Base(p)]; ok {
					return []byte(s), nil
				}
				return nil, os.ErrNotExist
			}}
		r := newResolver("serverless.yml", root, in)
		doc := r.resolve()
		if r.steps > MaxVarSteps+1 {
			t.Fatalf("%d lookups, limit %d", r.steps, MaxVarSteps)
		}
		if !doc.IsMap() {
			return
		}
		svc := &Service{Stage: r.stage, Region: r.region}
		tpl := &cfn.Template{File: "serverless.yml", Format: "serverless"}
		svc.Template = tpl
		newCompiler(tpl, doc, svc).run()
		if tpl.Root == nil || len(tpl.Resources) != tpl.Root.Get("Resources").Len() {
			t.Fatalf("compiled %d resources but Root holds %d", len(tpl.Resources), tpl.Root.Get("Resources").Len())
		}
	})
}
