package cfn

import "testing"

func TestParseSmoke(t *testing.T) {
	src := "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Timeout: 30\n      Role: !GetAtt Role.Arn\n  Fn:\n    Type: X\n"
	tpl, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(tpl.Resources) != 1 || len(tpl.Diags) != 1 {
		t.Fatalf("resources %d diags %v", len(tpl.Resources), tpl.Diags)
	}
	role := tpl.Resources[0].Properties.Get("Role")
	name, arg, ok := role.Intrinsic()
	if !ok || name != "Fn::GetAtt" || arg.List[0].Scalar != "Role" || arg.List[1].Scalar != "Arn" {
		t.Fatalf("GetAtt: %v %v", name, arg)
	}
	if v, _ := tpl.Resources[0].Properties.Get("Timeout").Int64(); v != 30 {
		t.Fatal("timeout")
	}
}
