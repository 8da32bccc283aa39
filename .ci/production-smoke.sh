#!/usr/bin/env bash
# What the container image does (Dockerfile), without a Docker engine: in a temporary copy of the
# checkout, `npm ci` (which builds), `npm prune --omit=dev`, then `node dist/main.js` with
# NODE_ENV=production and its keys against a fresh database on the local PostgreSQL; a query with a
# token, the metrics port, then SIGTERM, which must end the hub with exit code 0.
# Exit code 0 when all of that holds. PG_ADMIN_URL: a server and user that may create databases.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_ADMIN_URL="${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
work=$(mktemp -d)
db="ketenhub_smoke_$$"
hub_pid=""
cleanup() {
  [ -n "$hub_pid" ] && kill -KILL "$hub_pid" 2>/dev/null || true
  psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
say() { echo "smoke: $*"; }
started=$(date +%s)

# The files a clone has (tracked, and new ones not ignored): no node_modules, no dist.
git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} sh -c 'test -e "{}" && echo "{}"' \
  | tar -cf - -T - | tar -xf - -C "$work"
cd "$work"

say "npm ci (builds through prepare)"
npm ci --no-audit --no-fund --loglevel=error
test -f dist/main.js && test -f dist/console/index.html || { say "npm ci did not build dist/main.js and dist/console"; exit 1; }
say "npm prune --omit=dev"
npm prune --omit=dev --no-audit --no-fund --loglevel=error
if [ -e node_modules/tsx ] || [ -e node_modules/typescript ]; then say "development dependencies still installed"; exit 1; fi

psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $db" >/dev/null
database_url="${PG_ADMIN_URL%/*}/$db"
keys="$work/keys"
mkdir -p "$keys"
node -e "require('fs').writeFileSync(process.argv[1], require('crypto').generateKeyPairSync('ed25519').privateKey.export({type:'pkcs8',format:'pem'}))" "$keys/checkpoint.pem"

export NODE_ENV=production HOST=127.0.0.1 PORT=0 METRICS_PORT=0 LOG_LEVEL=info
export DATABASE_URL="$database_url" SEED_DEMO=true ALLOW_DEMO_ISSUER_IN_PRODUCTION=true
export AUDIT_SIGNING_KEY_FILE="$keys/checkpoint.pem"
export AUDIT_PSEUDONYM_KEY="smoke-pseudonym-key-$(node -e "console.log(require('crypto').randomBytes(24).toString('hex'))")"
export WEBHOOK_SECRET_KEY="smoke-webhook-key-$(node -e "console.log(require('crypto').randomBytes(24).toString('hex'))")"

say "node dist/main.js (NODE_ENV=production, PostgreSQL database $db)"
node dist/main.js > "$work/hub.log" 2>&1 &
hub_pid=$!
port=""
for _ in $(seq 1 120); do
  port=$(node -e "
    const lines = require('fs').readFileSync(process.argv[1], 'utf8').split('\n');
    const line = lines.find((l) => l.includes('\"ketenhub listening\"'));
    if (line) console.log(JSON.parse(line).port);" "$work/hub.log" 2>/dev/null || true)
  [ -n "$port" ] && break
  kill -0 "$hub_pid" 2>/dev/null || { say "the hub exited at start:"; cat "$work/hub.log"; exit 1; }
  sleep 0.5
done
[ -n "$port" ] || { say "the hub did not start within 60 s:"; cat "$work/hub.log"; exit 1; }
metrics_port=""
for _ in $(seq 1 20); do
  metrics_port=$(node -e "
    const line = require('fs').readFileSync(process.argv[1], 'utf8').split('\n').find((l) => l.includes('\"metrics listening\"'));
    if (line) console.log(JSON.parse(line).port);" "$work/hub.log" || true)
  [ -n "$metrics_port" ] && break
  sleep 0.5
done
[ -n "$metrics_port" ] || { say "no \"metrics listening\" line"; cat "$work/hub.log"; exit 1; }

curl -fsS "http://127.0.0.1:$port/readyz" | grep -q '"ready"' || { say "/readyz is not ready"; exit 1; }
# The operator commands run from dist with plain node now that tsx is gone.
token=$(npm run -s token -- --org lz-den-haag --role PROFESSIONAL)
answer=$(curl -sS "http://127.0.0.1:$port/graphql" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -H 'X-GraphQL-Yoga-CSRF: 1' -d '{"query":"{ viewer { organisation { id } } pupils(first: 1) { totalCount } }"}')
echo "$answer" | grep -q '"id":"lz-den-haag"' || { say "unexpected answer: $answer"; exit 1; }
curl -fsS "http://127.0.0.1:$metrics_port/metrics" | grep -q '^ketenhub_graphql_request_duration_seconds_count{operation="anonymous",outcome="ok"} 1' \
  || { say "metrics port $metrics_port has no request duration for the query"; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics")" = 404 ] || { say "the API port serves /metrics"; exit 1; }

say "SIGTERM"
kill -TERM "$hub_pid"
set +e
wait "$hub_pid"
code=$?
set -e
hub_pid=""
[ "$code" = 0 ] || { say "the hub exited with $code after SIGTERM:"; tail -20 "$work/hub.log"; exit 1; }
grep -q '"stopped"' "$work/hub.log" || { say "no \"stopped\" line in the log"; exit 1; }
say "passed in $(( $(date +%s) - started )) s"
