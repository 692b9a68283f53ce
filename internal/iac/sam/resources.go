package sam

import (
	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac/cfn"
)

// simpleTable converts an AWS::Serverless::SimpleTable to the
// AWS::DynamoDB::Table it deploys as: a single string (or the given)
// hash key, on-demand billing unless ProvisionedThroughput is set.
func (x *tx) simpleTable(r *cfn.Resource) {
	p := x.withGlobals(r, typeSimpleTable)
	g := x.at(r.Pos)
	out := g.m()
	pk := p.Get("PrimaryKey")
	kg := x.at(keyPos(p, "PrimaryKey"))
	name, typ := pk.Get("Name"), pk.Get("Type")
	if name == nil {
		name = g.str("id")
	}
	attrType := g.str("S")
	if typ != nil {
		tg := x.at(posOr(typ, kg.p))
		switch typ.Text() {
		case "String":
			attrType = tg.str("S")
		case "Number":
			attrType = tg.str("N")
		case "Binary":
			attrType = tg.str("B")
		default:
			x.diag(tg.p, app.SevError, "%s: PrimaryKey Type must be String, Number or Binary", r.ID)
		}
	}
	out.Set("AttributeDefinitions", kg.list(kg.m("AttributeName", name, "AttributeType", attrType)))
	out.Set("KeySchema", kg.list(kg.m("AttributeName", name, "KeyType", kg.str("HASH"))))
	if pt := p.Get("ProvisionedThroughput"); pt != nil {
		out.Set("ProvisionedThroughput", pt)
	} else {
		out.Set("BillingMode", g.str("PAY_PER_REQUEST"))
	}
	for _, k := range [...]string{"TableName", "SSESpecification", "PointInTimeRecoverySpecification"} {
		if v := p.Get(k); v != nil {
			out.Set(k, v)
		}
	}
	if t := p.Get("Tags"); t != nil {
		out.Set("Tags", tagList(x.at(keyPos(p, "Tags")), t, ""))
	}
	x.convert(r, "AWS::DynamoDB::Table", out)
}

// layer converts an AWS::Serverless::LayerVersion. The translator names the
// result <Id><hash> and rewrites every Ref to it; here the id stays as
// written, which is equivalent for every reference in the template and
// keeps the resource at the position the user wrote it.
func (x *tx) layer(r *cfn.Resource) {
	p := x.withGlobals(r, typeLayer)
	g := x.at(r.Pos)
	out := g.m()
	if c := p.Get("ContentUri"); c != nil {
		out.Set("Content", s3Location(x.at(keyPos(p, "ContentUri")), c, "S3Bucket", "S3Key", "S3ObjectVersion"))
	}
	for _, k := range [...]string{"LayerName", "Description", "CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo"} {
		if v := p.Get(k); v != nil {
			out.Set(k, v)
		}
	}
	if rp := p.Get("RetentionPolicy"); rp != nil {
		if n := r.Node; n != nil && n.Get("DeletionPolicy") == nil {
			r.Node = n.Clone()
			r.Node.Set("DeletionPolicy", rp)
		}
	}
	x.convert(r, "AWS::Lambda::LayerVersion", out)
}

// application converts an AWS::Serverless::Application to the nested stack
// it deploys as. A local or S3 Location becomes TemplateURL; a Serverless
// Application Repository location ({ApplicationId, SemanticVersion}) would
// need the repository to resolve, so TemplateURL keeps it as written.
func (x *tx) application(r *cfn.Resource) {
	p := x.props(r)
	g := x.at(r.Pos)
	out := g.m()
	loc := p.Get("Location")
	if loc == nil {
		x.diag(r.Pos, app.SevError, "%s: Application has no Location", r.ID)
	} else {
		out.Set("TemplateURL", loc)
	}
	for _, k := range [...]string{"Parameters", "NotificationARNs", "TimeoutInMinutes"} {
		if v := p.Get(k); v != nil {
			out.Set(k, v)
		}
	}
	out.Set("Tags", tagList(x.at(keyPos(p, "Tags")), p.Get("Tags"), "lambda:createdBy"))
	x.convert(r, "AWS::CloudFormation::Stack", out)
}
