package rules

import (
	"time"

	"github.com/fnops/fnops/internal/app"
)

// runtimeDates is when AWS deprecates each Lambda-managed runtime (no more
// security patches), blocks creating functions on it, and blocks updating
// them (a deploy that touches the function then fails). From AWS's
// "Lambda runtimes" table (supported and deprecated runtimes); an empty
// date is one AWS never published (runtimes retired before the
// three-phase policy). Keep it in step with
// https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html.
var runtimeDates = map[string]struct{ deprecate, blockCreate, blockUpdate string }{
	// Node.js
	"nodejs24.x":     {"2028-04-30", "2028-06-01", "2028-07-01"},
	"nodejs22.x":     {"2027-04-30", "2027-06-01", "2027-07-01"},
	"nodejs20.x":     {"2026-04-30", "2026-06-01", "2026-07-01"},
	"nodejs18.x":     {"2025-09-01", "2025-10-01", "2025-11-01"},
	"nodejs16.x":     {"2024-06-12", "2025-10-01", "2025-11-01"},
	"nodejs14.x":     {"2023-12-04", "2024-01-09", "2024-02-08"},
	"nodejs12.x":     {"2023-03-31", "2023-03-31", "2023-04-30"},
	"nodejs10.x":     {"2021-07-30", "2021-07-30", "2022-02-14"},
	"nodejs8.10":     {"2019-12-31", "2020-01-06", "2020-03-06"},
	"nodejs6.10":     {"2019-08-12", "2019-08-12", "2019-08-12"},
	"nodejs4.3":      {"2020-03-06", "2020-03-06", "2020-03-06"},
	"nodejs4.3-edge": {"2019-04-30", "2019-04-30", "2019-04-30"},
	"nodejs":         {"2016-10-31", "2016-10-31", "2016-10-31"},
	// Python
	"python3.14": {"2029-06-30", "2029-07-31", "2029-08-31"},
	"python3.13": {"2029-06-30", "2029-07-31", "2029-08-31"},
	"python3.12": {"2028-10-31", "2028-11-30", "2029-01-10"},
	"python3.11": {"2026-06-30", "2026-07-31", "2026-08-31"},
	"python3.10": {"2026-06-30", "2026-07-31", "2026-08-31"},
	"python3.9":  {"2025-12-15", "2026-01-15", "2026-02-15"},
	"python3.8":  {"2024-10-14", "2025-10-01", "2025-11-01"},
	"python3.7":  {"2023-12-04", "2024-01-09", "2024-02-08"},
	"python3.6":  {"2022-07-18", "2022-07-18", "2022-08-29"},
	"python2.7":  {"2021-07-15", "2021-07-15", "2022-05-30"},
	// Java
	"java25":    {"2029-06-30", "2029-07-31", "2029-08-31"},
	"java21":    {"2029-06-30", "2029-07-31", "2029-08-31"},
	"java17":    {"2026-06-30", "2026-07-31", "2026-08-31"},
	"java11":    {"2026-06-30", "2026-07-31", "2026-08-31"},
	"java8.al2": {"2026-06-30", "2026-07-31", "2026-08-31"},
	"java8":     {"2024-01-08", "2024-02-08", "2024-03-12"},
	// .NET
	"dotnet10":      {"2028-11-14", "2028-12-14", "2029-01-15"},
	"dotnet8":       {"2026-11-10", "2026-12-10", "2027-01-11"},
	"dotnet7":       {"2024-05-14", "2024-06-13", "2024-07-15"},
	"dotnet6":       {"2024-12-20", "2025-10-01", "2025-11-01"},
	"dotnet5.0":     {"2022-05-10", "2022-06-09", "2022-07-10"},
	"dotnetcore3.1": {"2023-04-03", "2023-04-03", "2023-05-03"},
	"dotnetcore2.1": {"2022-01-05", "2022-01-05", "2022-04-13"},
	"dotnetcore2.0": {"2019-05-30", "2019-05-30", "2019-05-30"},
	"dotnetcore1.0": {"2019-07-30", "2019-07-30", "2019-07-30"},
	// Ruby
	"ruby3.4": {"2028-03-31", "2028-04-30", "2028-05-31"},
	"ruby3.3": {"2027-03-31", "2027-04-30", "2027-05-31"},
	"ruby3.2": {"2026-03-31", "2026-04-30", "2026-05-31"},
	"ruby2.7": {"2023-12-07", "2024-01-09", "2024-02-08"},
	"ruby2.5": {"2021-07-30", "2021-07-30", "2022-03-31"},
	// Go and OS-only
	"go1.x":           {"2024-01-08", "2024-02-08", "2024-03-12"},
	"provided":        {"2024-01-08", "2024-02-08", "2024-03-12"},
	"provided.al2":    {"2026-06-30", "2026-07-31", "2026-08-31"},
	"provided.al2023": {"2029-06-30", "2029-07-31", "2029-08-31"},
}

// deprecationWindow is how far ahead runtime-deprecating-soon looks: AWS
// starts its own notices (Health Dashboard, e-mail) about 180 days before.
const deprecationWindow = 180 * 24 * time.Hour

// runtimePhase is where a runtime stands on a date.
type runtimePhase struct {
	known                     bool
	deprecate, create, update time.Time
	deprecated, createBlocked bool
	updateBlocked             bool
	daysLeft                  int // until deprecation, when not deprecated yet
}

func runtimeOn(runtime string, now time.Time) runtimePhase {
	d, ok := runtimeDates[runtime]
	if !ok {
		return runtimePhase{}
	}
	parse := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	p := runtimePhase{known: true, deprecate: parse(d.deprecate), create: parse(d.blockCreate), update: parse(d.blockUpdate)}
	day := now.UTC().Truncate(24 * time.Hour)
	p.deprecated = !day.Before(p.deprecate)
	p.createBlocked = !day.Before(p.create)
	p.updateBlocked = !day.Before(p.update)
	if !p.deprecated {
		p.daysLeft = int(p.deprecate.Sub(day) / (24 * time.Hour))
	}
	return p
}

// functionRuntime returns a zip function's runtime as written, "" for
// images and unresolved values.
func functionRuntime(fn *app.Resource) (string, *app.Node) {
	n := value(fn, app.AttrRuntime, "Runtime")
	s, ok := n.String()
	if !ok || fn.Text(app.AttrPackageType) == "Image" {
		return "", nil
	}
	return s, n
}

func runtimeRules() []*Rule {
	return []*Rule{
		{
			ID:       "runtime-deprecated",
			Title:    "Function runs on a deprecated runtime",
			Severity: app.SevError,
			Category: CategorySecurity,
			Description: "Once AWS deprecates a Lambda runtime it gets no more security patches and no technical " +
				"support; about a month later new functions cannot be created on it, and a month after that " +
				"existing ones cannot be updated, so the next deploy that touches the function fails. The " +
				"rule reads a dated table of AWS's deprecation, block-create and block-update dates and the " +
				"date of the audit, so it never goes stale the way hard-coded lists do (checkov CKV_AWS_363 " +
				"keeps future dates as commented-out entries). SAM `Globals.Function.Runtime` counts.",
			Remediation: "Move the function to a supported runtime of the same language (for example " +
				"`python3.13`, `nodejs24.x`, `java21`) and test it; `runtime-deprecating-soon` warns ahead of time.",
			Aliases: []string{
				"cfn-lint:E2531",
				"cfn-lint:W2531",
				"checkov:CKV_AWS_363",
				"tflint:aws_lambda_function_eol_runtime",
			},
			Fail: `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.8
      Handler: app.handler
`,
			Pass: `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
`,
			Check: func(c *Context) {
				now := c.Now()
				for _, fn := range c.Resources(app.KindFunction) {
					rt, n := functionRuntime(fn)
					p := runtimeOn(rt, now)
					if !p.known || !p.deprecated {
						continue
					}
					stage := "functions on it can still be updated until " + p.update.Format(time.DateOnly)
					switch {
					case p.updateBlocked:
						stage = "since " + p.update.Format(time.DateOnly) + " a deploy that updates the function fails"
					case p.createBlocked:
						stage = "new functions cannot be created on it, and updates are blocked from " + p.update.Format(time.DateOnly)
					}
					c.Reportf(fn, n, "function %s runs on %s, deprecated by AWS on %s (no more security patches); %s",
						fn.Display(), rt, p.deprecate.Format(time.DateOnly), stage)
				}
			},
		},
		{
			ID:       "runtime-deprecating-soon",
			Title:    "Function runtime is deprecated within 180 days",
			Severity: app.SevWarning,
			Category: CategoryReliability,
			Description: "AWS has published the date this runtime stops getting security patches, and it is less " +
				"than 180 days after the audit (about when AWS's own notices start). Upgrading a runtime means " +
				"testing the function on the new language version; planning it now is cheaper than doing it " +
				"when deploys start to fail.",
			Remediation: "Schedule the move to the newest runtime of the language (for example `nodejs24.x`, " +
				"`python3.13`) before the date in the finding.",
			Fail: `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: ruby3.3
      Handler: app.handler
`,
			Pass: `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: ruby3.4
      Handler: app.handler
`,
			Check: func(c *Context) {
				now := c.Now()
				for _, fn := range c.Resources(app.KindFunction) {
					rt, n := functionRuntime(fn)
					p := runtimeOn(rt, now)
					if !p.known || p.deprecated || p.deprecate.Sub(now) > deprecationWindow {
						continue
					}
					c.Reportf(fn, n, "function %s runs on %s, which AWS deprecates on %s (in %d days); deploys that update it fail from %s",
						fn.Display(), rt, p.deprecate.Format(time.DateOnly), p.daysLeft, p.update.Format(time.DateOnly))
				}
			},
		},
	}
}
