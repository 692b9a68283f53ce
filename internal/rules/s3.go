package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/fnops/fnops/internal/app"
)

// s3Rules are the rules about S3 buckets: public access, transport and
// encryption, and the data-keeping settings teams may require.
func s3Rules() []*Rule {
	return []*Rule{
		blockPublicAccessRule(),
		publicACLRule(),
		publicPolicyRule(publicPolicy{
			id: "s3-bucket-policy-public", kind: app.KindBucket, noun: "bucket",
			extra: "\n\nOne rule for every action (KICS has one query per action family: Get, List, Put, " +
				"Delete, Restore, `*`); the message lists what is allowed. A CloudFront origin access " +
				"control grant (`Service: cloudfront.amazonaws.com` with `aws:SourceArn`) is not public.",
			aliases: []string{
				"kics:S3 Bucket Access to Any Principal",
				"kics:S3 Bucket Allows Delete Action From All Principals",
				"kics:S3 Bucket Allows Get Action From All Principals",
				"kics:S3 Bucket Allows List Action From All Principals",
				"kics:S3 Bucket Allows Put Action From All Principals",
				"kics:S3 Bucket Allows Restore Actions From All Principals",
				"kics:S3 Bucket With All Permissions",
			},
			fail: `Resources:
  Assets:
    Type: AWS::S3::Bucket
  AssetsPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Assets
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: s3:GetObject
            Resource: !Sub "${Assets.Arn}/*"
`,
			pass: `Resources:
  Assets:
    Type: AWS::S3::Bucket
  AssetsPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Assets
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: cloudfront.amazonaws.com}
            Action: s3:GetObject
            Resource: !Sub "${Assets.Arn}/*"
            Condition:
              StringEquals:
                aws:SourceArn: arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE
`,
		}),
		tlsOnlyRule(app.KindBucket, "s3-tls-only", "bucket", "S3",
			[]string{"kics:S3 Bucket Without SSL In Write Actions", "cdk-nag:AwsSolutions-S10"}),
		s3KMSRule(),
		s3VersioningRule(),
		s3LoggingRule(),
		s3WebsiteRule(),
		s3CORSRule(),
	}
}

// publicAccessFlags are the four settings of a bucket's public access
// block, in the order AWS lists them.
var publicAccessFlags = []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"}

func blockPublicAccessRule() *Rule {
	return &Rule{
		ID:       "s3-block-public-access",
		Title:    "Bucket turns off a Block Public Access setting",
		Severity: app.SevWarning,
		Category: CategorySecurity,
		Description: "Since April 2023 every new bucket has all four Block Public Access settings on, so a " +
			"bucket without `PublicAccessBlockConfiguration` is protected and is not flagged (checkov " +
			"CKV_AWS_53 to 56 and KICS still flag it). What is flagged is a configuration that turns a " +
			"setting off, including by leaving it out: once `PublicAccessBlockConfiguration` is written, " +
			"every flag it does not set is false.",
		Remediation: "Remove `PublicAccessBlockConfiguration` (the defaults block everything), or set all " +
			"four flags to `true`. Serve public content through CloudFront with origin access control instead.",
		Aliases: []string{
			"checkov:CKV_AWS_53", "checkov:CKV_AWS_54", "checkov:CKV_AWS_55", "checkov:CKV_AWS_56",
			"kics:S3 Bucket Allows Public ACL", "kics:S3 Bucket Allows Public Policy",
			"kics:S3 Bucket Without Ignore Public ACL", "kics:S3 Bucket Without Restriction Of Public Bucket",
			"cdk-nag:AwsSolutions-S2",
		},
		Fail: `Resources:
  Uploads:
    Type: AWS::S3::Bucket
    Properties:
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        BlockPublicPolicy: false
`,
		Pass: `Resources:
  Uploads:
    Type: AWS::S3::Bucket
`,
		Check: func(c *Context) {
			for _, b := range c.Resources(app.KindBucket) {
				cfg := b.Props.Get("PublicAccessBlockConfiguration")
				if cfg == nil || !cfg.IsMap() {
					continue
				}
				if _, _, ok := cfg.Intrinsic(); ok {
					continue
				}
				var off []string
				at := cfg
				for _, f := range publicAccessFlags {
					v := cfg.Get(f)
					on, known := v.Truth()
					switch {
					case v == nil:
						off = append(off, f+" (not set, so false)")
					case known && !on:
						off = append(off, f)
						at = v
					}
				}
				if len(off) > 0 {
					c.Report(Issue{Resource: b, At: at,
						Message: fmt.Sprintf("bucket %s turns off Block Public Access: %s", label(b), strings.Join(off, ", "))})
				}
			}
		},
	}
}

func publicACLRule() *Rule {
	return &Rule{
		ID:       "s3-public-acl",
		Title:    "Bucket ACL grants access to everyone",
		Severity: app.SevError,
		Category: CategorySecurity,
		Description: "`AccessControl: PublicRead`, `PublicReadWrite` or `AuthenticatedRead` lets anyone (or " +
			"any AWS user at all) list or write the bucket. New buckets disable ACLs (object ownership " +
			"`BucketOwnerEnforced`) and block public ACLs, so such a bucket either fails to deploy or only " +
			"deploys because those protections were turned off too.",
		Remediation: "Remove `AccessControl` (or use `Private`); grant access with a bucket policy naming " +
			"the principals, and serve public files through CloudFront.",
		Aliases: []string{
			"checkov:CKV_AWS_20", "checkov:CKV_AWS_57",
			"kics:S3 Bucket ACL Allows Read Or Write to All Users",
			"kics:S3 Bucket ACL Allows Read to All Users",
			"kics:S3 Bucket ACL Allows Read to Any Authenticated User",
		},
		Fail: `Resources:
  Site:
    Type: AWS::S3::Bucket
    Properties:
      AccessControl: PublicRead
`,
		Pass: `Resources:
  Site:
    Type: AWS::S3::Bucket
    Properties:
      AccessControl: LogDeliveryWrite
`,
		Check: func(c *Context) {
			for _, b := range c.Resources(app.KindBucket) {
				acl := b.Props.Get("AccessControl")
				switch acl.Text() {
				case "PublicRead", "PublicReadWrite", "AuthenticatedRead":
					c.Report(Issue{Resource: b, At: acl, Message: fmt.Sprintf("bucket %s has the canned ACL %s", label(b), acl.Text())})
				}
			}
		},
	}
}

func s3KMSRule() *Rule {
	return &Rule{
		ID:       "s3-sse-kms",
		Title:    "Bucket is not encrypted with a KMS key",
		Severity: app.SevInfo,
		Category: CategorySecurity,
		OptIn:    true,
		Description: "Since January 2023 S3 encrypts every object with S3-managed keys (SSE-S3) whether or " +
			"not `BucketEncryption` is written, so a bucket without it is encrypted: checkov CKV_AWS_19 and " +
			"KICS flag a setting that no longer matters. Opt-in, for teams whose policy requires SSE-KMS " +
			"(key policies, CloudTrail records of every decrypt).",
		Remediation: "Set `BucketEncryption` with `SSEAlgorithm: aws:kms` and a `KMSMasterKeyID`, and " +
			"`BucketKeyEnabled: true` to keep KMS request costs down.",
		Aliases: []string{"checkov:CKV_AWS_19", "kics:S3 Bucket Without Server-side-encryption"},
		Fail: `Resources:
  Data:
    Type: AWS::S3::Bucket
`,
		Pass: `Resources:
  Data:
    Type: AWS::S3::Bucket
    Properties:
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - BucketKeyEnabled: true
            ServerSideEncryptionByDefault:
              SSEAlgorithm: aws:kms
              KMSMasterKeyID: alias/data
`,
		Check: func(c *Context) {
			for _, b := range c.Resources(app.KindBucket) {
				if sse := value(b, app.AttrSSE); sse.Text() != "kms" {
					c.Report(Issue{Resource: b, At: sse, Message: fmt.Sprintf("bucket %s is encrypted with S3-managed keys, not KMS", label(b))})
				}
			}
		},
	}
}

func s3VersioningRule() *Rule {
	return &Rule{
		ID:       "s3-versioning",
		Title:    "Bucket versioning is off",
		Severity: app.SevInfo,
		Category: CategoryReliability,
		OptIn:    true,
		Description: "Without versioning an overwritten or deleted object is gone. Versioning keeps every " +
			"version, and bills for them, so it is a per-bucket decision (build artefacts and caches rarely " +
			"need it): opt-in.",
		Remediation: "Set `VersioningConfiguration: {Status: Enabled}` and a lifecycle rule expiring " +
			"noncurrent versions.",
		Aliases: []string{"checkov:CKV_AWS_21", "kics:S3 Bucket Without Versioning"},
		Fail: `Resources:
  Data:
    Type: AWS::S3::Bucket
`,
		Pass: `Resources:
  Data:
    Type: AWS::S3::Bucket
    Properties:
      VersioningConfiguration:
        Status: Enabled
`,
		Check: func(c *Context) {
			for _, b := range c.Resources(app.KindBucket) {
				st := b.Props.Path("VersioningConfiguration", "Status")
				if st != nil && !st.IsScalar() {
					continue
				}
				if st.Text() != "Enabled" {
					c.Report(Issue{Resource: b, At: st, Message: fmt.Sprintf("bucket %s does not keep object versions", label(b))})
				}
			}
		},
	}
}

func s3LoggingRule() *Rule {
	return &Rule{
		ID:       "s3-access-logging",
		Title:    "Bucket has no server access logging",
		Severity: app.SevInfo,
		Category: CategoryObservability,
		OptIn:    true,
		Description: "Server access logs record every request to the bucket. They cost storage and most " +
			"buckets never need them (CloudTrail data events are the usual audit trail), so the rule is " +
			"opt-in. A bucket that receives other buckets' access logs is not flagged: logging it too would " +
			"only log the logging (checkov and KICS flag it).",
		Remediation: "Set `LoggingConfiguration: {DestinationBucketName: <log bucket>, LogFilePrefix: ...}`.",
		Aliases: []string{
			"checkov:CKV_AWS_18", "kics:S3 Bucket Logging Disabled", "cdk-nag:AwsSolutions-S1",
		},
		Fail: `Resources:
  Data:
    Type: AWS::S3::Bucket
`,
		Pass: `Resources:
  Logs:
    Type: AWS::S3::Bucket
  Data:
    Type: AWS::S3::Bucket
    Properties:
      LoggingConfiguration:
        DestinationBucketName: !Ref Logs
        LogFilePrefix: data/
`,
		Check: func(c *Context) {
			buckets := c.Resources(app.KindBucket)
			sinks := map[string]bool{} // scope + local id, or physical name
			for _, b := range buckets {
				mentionedIDs(b.Props.Path("LoggingConfiguration", "DestinationBucketName"), func(id string) {
					sinks[scope(b)+id] = true
					sinks[id] = true
				})
			}
			for _, b := range buckets {
				if b.Props.Get("LoggingConfiguration") != nil {
					continue
				}
				if sinks[b.ID] || (b.Name != "" && sinks[b.Name]) {
					continue
				}
				c.Reportf(b, nil, "bucket %s has no server access logging", label(b))
			}
		},
	}
}

func s3WebsiteRule() *Rule {
	return &Rule{
		ID:       "s3-website",
		Title:    "Bucket serves a static website",
		Severity: app.SevWarning,
		Category: CategorySecurity,
		Description: "An S3 website endpoint speaks plain HTTP only and needs the bucket to be publicly " +
			"readable. CloudFront in front of a private bucket (origin access control) serves the same site " +
			"over HTTPS with caching. A bucket whose website configuration only redirects " +
			"(`RedirectAllRequestsTo`, a domain-redirect bucket holding no content) is not flagged.",
		Remediation: "Remove `WebsiteConfiguration`, keep the bucket private and serve it through CloudFront " +
			"with origin access control.",
		Aliases: []string{"kics:S3 Static Website Host Enabled", "cdk-nag:AwsSolutions-S5"},
		Fail: `Resources:
  Site:
    Type: AWS::S3::Bucket
    Properties:
      WebsiteConfiguration:
        IndexDocument: index.html
`,
		Pass: `Resources:
  Redirect:
    Type: AWS::S3::Bucket
    Properties:
      WebsiteConfiguration:
        RedirectAllRequestsTo:
          HostName: www.example.com
          Protocol: https
`,
		Check: func(c *Context) {
			for _, b := range c.Resources(app.KindBucket) {
				w := b.Props.Get("WebsiteConfiguration")
				if w == nil || w.Get("RedirectAllRequestsTo") != nil {
					continue
				}
				c.Report(Issue{Resource: b, At: w, Message: fmt.Sprintf("bucket %s is a website endpoint (HTTP only, public)", label(b))})
			}
		},
	}
}

// writeMethods are the CORS methods that change a bucket.
var writeMethods = []string{"PUT", "POST", "DELETE"}

func s3CORSRule() *Rule {
	return &Rule{
		ID:       "s3-cors-open",
		Title:    "Bucket CORS lets any website write",
		Severity: app.SevWarning,
		Category: CategorySecurity,
		Description: "A CORS rule with `AllowedOrigins: [\"*\"]` and a write method (PUT, POST, DELETE) lets " +
			"scripts on any website upload to or delete from the bucket with whatever credentials or " +
			"pre-signed URLs the browser holds. Read-only CORS from any origin (public assets, fonts) is " +
			"normal and not flagged, unlike KICS, which flags any wildcard.",
		Remediation: "List your own origins in `AllowedOrigins` for the rules that allow writes.",
		Aliases:     []string{"kics:S3 Bucket With Unsecured CORS Rule"},
		Fail: `Resources:
  Uploads:
    Type: AWS::S3::Bucket
    Properties:
      CorsConfiguration:
        CorsRules:
          - AllowedOrigins: ["*"]
            AllowedMethods: [GET, PUT]
`,
		Pass: `Resources:
  Fonts:
    Type: AWS::S3::Bucket
    Properties:
      CorsConfiguration:
        CorsRules:
          - AllowedOrigins: ["*"]
            AllowedMethods: [GET, HEAD]
          - AllowedOrigins: [https://app.example.com]
            AllowedMethods: [PUT]
`,
		Check: func(c *Context) {
			for _, b := range c.Resources(app.KindBucket) {
				for _, rule := range b.Props.Path("CorsConfiguration", "CorsRules").Items() {
					if !slices.ContainsFunc(rule.Get("AllowedOrigins").Strings(), func(o string) bool {
						return o == "*" || o == "http://*" || o == "https://*"
					}) {
						continue
					}
					var writes []string
					for _, m := range rule.Get("AllowedMethods").Strings() {
						if slices.Contains(writeMethods, strings.ToUpper(m)) {
							writes = append(writes, strings.ToUpper(m))
						}
					}
					if len(writes) > 0 {
						c.Report(Issue{Resource: b, At: rule, Message: fmt.Sprintf("bucket %s allows %s from any origin", label(b), strings.Join(writes, ", "))})
					}
				}
			}
		},
	}
}
