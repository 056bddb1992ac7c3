#!/usr/bin/env bash
# promptfoo on the same zero-latency nginx stub as bench/run.sh, for the
# row beside parity's runner table: the same questions (N/2 items over two
# groups, the stub's OpenAI chat route, one regex assertion), timed with
# /usr/bin/time: requests/s, CPU per request (user + system), peak RSS.
#   bench/promptfoo.sh [CASES] [CONCURRENCY]      (default 10000 16)
# promptfoo is installed from the npm registry into PROMPTFOO_DIR (default
# /tmp/parity-promptfoo, outside the repo), with a Node.js 22 from the npm
# package `node` when the system's is older (promptfoo 0.123 needs >= 22.22).
# Needs: npm, nginx, ../shared/bench. Not run in CI.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
stubdir=${STUB_DIR:-$root/../shared/bench}
n=${1:-10000}
conc=${2:-16}
version=${PROMPTFOO_VERSION:-0.123.1}
pdir=${PROMPTFOO_DIR:-/tmp/parity-promptfoo}
rig=$(mktemp -d /tmp/parity-promptfoo-bench.XXXXXX)
export RIG=$rig
trap '"$stubdir/stub.sh" stop plain >/dev/null 2>&1 || true; rm -rf "$rig"' EXIT

# promptfoo and a Node.js it accepts, outside the repo.
if [ ! -x "$pdir/node_modules/.bin/promptfoo" ]; then
	mkdir -p "$pdir"
	npm install --prefix "$pdir" --no-audit --no-fund "promptfoo@$version" >&2
fi
node=node
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 22 ]; then
	[ -x "$pdir/node_modules/.bin/node" ] ||
		npm install --prefix "$pdir" --no-audit --no-fund node@22 >&2
	node=$pdir/node_modules/.bin/node
fi
cli=$pdir/node_modules/promptfoo/dist/src/entrypoint.js
[ -f "$cli" ] || cli=$(readlink -f "$pdir/node_modules/.bin/promptfoo")

"$stubdir/stub.sh" start plain >/dev/null
url=http://127.0.0.1:8092

# The bench suite's questions as promptfoo test cases.
awk -v n="$((n / 2))" 'BEGIN { print "i,who"; for (i = 0; i < n; i++) {
	printf "%d,a man\n%d,a woman\n", i, i } }' > "$rig/tests.csv"
cat > "$rig/promptfooconfig.yaml" <<YAML
description: parity bench (nginx stub)
prompts:
  - "Question {{i}} about {{who}}: what is six times seven?"
providers:
  - id: openai:chat:stub-model
    config:
      apiBaseUrl: $url/v1
      apiKey: stub
      max_tokens: 8
      temperature: 0
defaultTest:
  assert:
    - type: regex
      value: '\\b42\\b'
tests: file://tests.csv
YAML

before=$("$stubdir/stub.sh" count 8092)
export PROMPTFOO_CONFIG_DIR=$rig/home PROMPTFOO_DISABLE_TELEMETRY=1 \
	PROMPTFOO_DISABLE_UPDATE=1 PROMPTFOO_CACHE_ENABLED=false NO_COLOR=1
(cd "$rig" && /usr/bin/time -f '%e %U %S %M' -o "$rig/time" "$node" "$cli" eval \
	-c promptfooconfig.yaml --no-cache --max-concurrency "$conc" --no-progress-bar \
	--no-table -o "$rig/out.json" >"$rig/log" 2>&1) || {
	# exit 100: some assertions failed, a result; anything else is not.
	rc=$?
	[ "$rc" -eq 100 ] || { tail -20 "$rig/log" >&2; exit 1; }
}
after=$("$stubdir/stub.sh" count 8092)
read -r wall user sys rss < "$rig/time"
passed=$("$node" -e 'const r = require(process.argv[1]).results;
	console.log((r.stats || {}).successes ?? r.results.filter(x => x.success).length)' "$rig/out.json")
printf 'tool\tversion\tcases\tconc\treq_s\tcpu_ms_req\tpeak_rss_mib\tpassed\trequests_seen\n'
awk -v n="$n" -v c="$conc" -v v="$version" -v wall="$wall" -v u="$user" -v s="$sys" \
    -v rss="$rss" -v p="$passed" -v seen="$((after - before - 1))" 'BEGIN {
	printf "promptfoo\t%s\t%d\t%d\t%.0f\t%.2f\t%.0f\t%s\t%d\n", v, n, c, n / wall,
	       (u + s) / n * 1e3, rss / 1024, p, seen }'
