#!/usr/bin/env bash
# Compares what fnops makes of this service with what the Serverless
# Framework itself generates (`serverless package`, v3, runs offline):
# every logical id and type, and each function's resolved settings
# (name, handler, runtime, memory, timeout, environment), for a stage.
#
#   examples/orders-sls/compare-with-serverless.sh [stage [service-dir]]
#
# stage defaults to dev, service-dir to this example; the sls-* cases under
# internal/cli/testdata/graph work too.
#
# Needs node and npm. The framework and the one plugin the service uses are
# installed into a cache directory on first run (SLS_ORACLE_DIR, default
# /tmp/fnops-sls-oracle); nothing is written into the repository.
# ${ssm:}, ${cf:}, ${s3:} and ${aws:accountId} need AWS, which the framework cannot
# reach offline: the copy given to it has them replaced by placeholders,
# and fnops is given the same account with --account.
set -euo pipefail
stage=${1:-dev}
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$(cd "${2:-$(dirname "$0")}" && pwd)
oracle=${SLS_ORACLE_DIR:-/tmp/fnops-sls-oracle}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -x "$oracle/node_modules/.bin/serverless" ]; then
  mkdir -p "$oracle"
  (cd "$oracle" && npm init -y >/dev/null && npm install --no-audit --no-fund serverless@3 serverless-iam-roles-per-function@3 >/dev/null)
fi

cp -r "$here/." "$work/svc"
ln -s "$oracle/node_modules" "$work/svc/node_modules"
perl -pi -e 's/\$\{(ssm|cf|s3):(?:[^{}]|\$\{[^{}]*\})*\}/symbolic-placeholder/g; s/\$\{sls:instanceId\}/symbolic-placeholder/g; s/\$\{aws:accountId\}/123456789012/g' "$work/svc/serverless.yml"
(cd "$work/svc" && SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off AWS_ACCESS_KEY_ID=offline AWS_SECRET_ACCESS_KEY=offline \
  "$oracle/node_modules/.bin/serverless" package --stage "$stage" >"$work/package.log" 2>&1) || { cat "$work/package.log"; exit 2; }

(cd "$root" && go run ./cmd/fnops graph "$here" --stage "$stage" --account 123456789012 --format json) >"$work/fnops.json" 2>"$work/fnops.log"

node - "$work/svc/.serverless/cloudformation-template-update-stack.json" "$work/fnops.json" <<'JS'
const [tplFile, graphFile] = process.argv.slice(2);
const tpl = require(tplFile), graph = require(graphFile);
// Ids the framework suffixes with a code hash or a timestamp.
const norm = (id) => id.replace(/LambdaVersion\w+$/, 'LambdaVersion<hash>').replace(/^(ApiGateway|Websockets)Deployment\w+$/, '$1Deployment<id>');
const ids = (list) => new Set(list.map(([id, type]) => `${norm(id)} ${type}`));
const want = ids(Object.entries(tpl.Resources).map(([id, r]) => [id, r.Type]));
const got = ids(graph.resources.map((r) => [r.id, r.type]));
let diffs = 0;
for (const x of want) if (!got.has(x)) { console.log(`missing in fnops:    ${x}`); diffs++; }
for (const x of got) if (!want.has(x)) { console.log(`only in fnops:       ${x}`); diffs++; }
const byId = Object.fromEntries(graph.resources.map((r) => [r.id, r]));
const env = (vars) => JSON.stringify(Object.fromEntries(Object.entries(vars || {})
  .map(([k, v]) => [k, typeof v === 'string' && /^\$\{(ssm|cf|s3|sls:instanceId)/.test(v) ? 'symbolic-placeholder' : (typeof v === 'object' ? JSON.stringify(v) : String(v))]).sort()));
for (const [id, r] of Object.entries(tpl.Resources)) {
  if (r.Type !== 'AWS::Lambda::Function') continue;
  const p = r.Properties, a = (byId[id] || {}).attrs || {};
  const pairs = [['name', p.FunctionName, (byId[id] || {}).name], ['handler', p.Handler, a.handler],
    ['runtime', p.Runtime, a.runtime], ['memory', p.MemorySize, a.memory_size], ['timeout', p.Timeout, a.timeout],
    ['environment', env(p.Environment && p.Environment.Variables), env(a.environment)]];
  for (const [what, w, g] of pairs) {
    if (String(w) !== String(g)) { console.log(`${id} ${what}: serverless ${w}, fnops ${g}`); diffs++; }
  }
}
console.log(`${want.size} resources from serverless package, ${got.size} from fnops; ${diffs} difference(s)`);
process.exit(diffs ? 1 : 0);
JS
