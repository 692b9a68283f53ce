// Package sls loads Serverless Framework services (serverless.yml,
// serverless.yaml, serverless.json) into the CloudFormation the framework
// (version 3) generates for them, so that the CloudFormation adapter
// (internal/iac/cfn) builds the same app model it builds for SAM and plain
// CloudFormation, with positions that point into serverless.yml.
//
// Loading is three steps, as in the framework: parse (cfn.ParseDocument,
// positions kept), resolve variables (vars.go: ${self:}, ${opt:}, ${sls:},
// ${env:}, ${param:}, ${file()}, ${strToBool()}; ${ssm:}, ${cf:}, ${s3:}
// and ${aws:accountId} stay symbolic and are named), and compile
// (compile.go, function.go, iam.go, events.go, plugins.go): functions,
// their log groups, the IamRoleLambdaExecution role, every event type,
// destinations, resources.Resources/Outputs/extensions, and the effect of
// the common plugins. Logical ids follow the framework's naming.js
// (RenderLambdaFunction, S3BucketInvoices, ApiGatewayMethodUsersIdVarGet).
//
// Values the user wrote keep their node and position; what the compiler
// invents is Derived and positioned at what produced it (the function,
// the event, the provider setting). The framework's own defaults (memory
// 1024 MB, timeout 6 s, runtime nodejs16.x) are written into the
// CloudFormation as the framework writes them, marked Default.
package sls

// Where the output differs from the framework's, on purpose:
//
//   - Ids the framework suffixes with a code hash or a timestamp
//     (<Name>LambdaVersion<sha>, ApiGatewayDeployment<time>,
//     WebsocketsDeployment<sha>) carry a stable content hash instead.
//   - Code.S3Key is serverless/<service>/<stage>/<service>.zip, without
//     the deployment's timestamp directory.
//   - serverless-lift constructs are named <Name>Queue, <Name>Dlq and
//     <Name>Bucket; Lift's own ids carry a CDK hash.
//   - Events of serverless-step-functions state machines, the cloudFront
//     and iotFleetProvisioning events, existing Cognito pools and the Lift
//     types beyond queue and storage are reported, not compiled.
