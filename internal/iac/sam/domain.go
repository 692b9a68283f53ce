package sam

import (
	"github.com/fnops/fnops/internal/app"
	"github.com/fnops/fnops/internal/iac/cfn"
)

// apiDomain generates an API's custom domain: the domain name resource
// (ApiGatewayDomainName<hash> for REST, ApiGatewayDomainNameV2<hash> for
// HTTP, the hash over the domain name), one base path or API mapping per
// BasePath, and the Route 53 record set group when Route53 is given. The
// hash is contentHash's, not the translator's.
func (x *tx) apiDomain(api *cfn.Resource, st *apiState, stageID string) {
	d := st.props.Get("Domain")
	if !d.IsMap() {
		return
	}
	g := x.at(keyPos(st.props, "Domain"))
	name := d.Get("DomainName")
	if name == nil {
		x.diag(g.p, app.SevError, "%s: Domain needs DomainName", st.id)
		return
	}
	hash := contentHash(name)[:10]
	endpoint := d.Get("EndpointConfiguration")
	if endpoint == nil {
		endpoint = g.str("REGIONAL")
	}
	var domainID string
	if st.http {
		domainID = "ApiGatewayDomainNameV2" + hash
		x.add(api, domainID, "AWS::ApiGatewayV2::DomainName", g.p, g.m(
			"DomainName", name,
			"DomainNameConfigurations", g.list(g.m("CertificateArn", d.Get("CertificateArn"),
				"EndpointType", endpoint, "SecurityPolicy", d.Get("SecurityPolicy"))),
			"MutualTlsAuthentication", d.Get("MutualTlsAuthentication")))
	} else {
		props := g.m("DomainName", name, "EndpointConfiguration", g.m("Types", g.list(endpoint)),
			"SecurityPolicy", d.Get("SecurityPolicy"), "MutualTlsAuthentication", d.Get("MutualTlsAuthentication"))
		if endpoint.Text() == "EDGE" {
			props.Set("CertificateArn", d.Get("CertificateArn"))
		} else {
			props.Set("RegionalCertificateArn", d.Get("CertificateArn"))
		}
		domainID = "ApiGatewayDomainName" + hash
		x.add(api, domainID, "AWS::ApiGateway::DomainName", g.p, props)
	}
	paths := d.Get("BasePath").Items()
	if len(paths) == 0 {
		paths = []*app.Node{nil}
	}
	for _, bp := range paths {
		suffix, key := "", bp
		if s := bp.Text(); s != "" && s != "/" {
			suffix = alnum(s)
		} else {
			key = nil
		}
		if st.http {
			x.add(api, st.id+suffix+"ApiMapping", "AWS::ApiGatewayV2::ApiMapping", g.p, g.m(
				"ApiId", g.ref(st.id), "DomainName", g.ref(domainID), "Stage", g.ref(stageID), "ApiMappingKey", key))
		} else {
			x.add(api, st.id+suffix+"BasePathMapping", "AWS::ApiGateway::BasePathMapping", g.p, g.m(
				"DomainName", g.ref(domainID), "RestApiId", g.ref(st.id), "Stage", g.ref(stageID), "BasePath", key))
		}
	}
	if r53 := d.Get("Route53"); r53.IsMap() {
		target := g.getAtt(domainID, "RegionalDomainName")
		zone := g.getAtt(domainID, "RegionalHostedZoneId")
		if !st.http && endpoint.Text() == "EDGE" {
			// Edge domains are CloudFront distributions, whose hosted
			// zone is always this one.
			target, zone = g.getAtt(domainID, "DistributionDomainName"), g.str("Z2FDTNDATAQYW2")
		}
		x.add(api, "RecordSetGroup"+contentHash(r53.Get("HostedZoneId"), r53.Get("HostedZoneName"))[:10],
			"AWS::Route53::RecordSetGroup", g.p, g.m(
				"HostedZoneId", r53.Get("HostedZoneId"), "HostedZoneName", r53.Get("HostedZoneName"),
				"RecordSets", g.list(g.m("Name", name, "Type", g.str("A"),
					"AliasTarget", g.m("DNSName", target, "HostedZoneId", zone)))))
	}
}
