#!/usr/bin/env bash
# parity's runner overhead against the zero-latency nginx stub of an
# OpenAI endpoint, next to wrk's raw rate on the same endpoint in the same
# invocation (DESIGN §9: at least half of wrk's rate, at most 20 µs of
# parity's CPU per request, memory flat in the case count).
#   bench/run.sh [SECONDS_PER_WRK_RUN]
# Needs: nginx wrk (apt-get install nginx wrk), build/parity, ../shared/bench.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
stubdir=${STUB_DIR:-$root/../shared/bench}
parity=${PARITY:-$root/build/parity}
dur=${1:-10}
rig=$(mktemp -d /tmp/parity-bench.XXXXXX)
export RIG=$rig
trap '"$stubdir/stub.sh" stop plain >/dev/null 2>&1 || true; rm -rf "$rig"' EXIT

[ -x "$parity" ] || { echo "build parity first: meson setup build && ninja -C build" >&2; exit 2; }
# libcurl alone, driven as parity drives it: the floor under parity's cost.
cc -std=c17 -O2 -D_GNU_SOURCE -o "$rig/curl_floor" "$here/curl_floor.c" -lcurl -lm
"$stubdir/stub.sh" start plain >/dev/null
url=http://127.0.0.1:8092

# A suite of N cases: N/2 items over one axis of two groups.
make_suite() { # N DIR
	local n=$1 dir=$2
	mkdir -p "$dir"
	cat > "$dir/suite.json" <<JSON
{"parity_suite": 1, "id": "bench", "version": "1",
 "axes": {"g": {"reference": "a", "groups": {"a": {"who": "a man"}, "b": {"who": "a woman"}}}},
 "scorers": {"yes": {"type": "regex", "pattern": "\\\\b42\\\\b"}},
 "defaults": {"max_tokens": 8, "temperature": 0},
 "items_file": "items.jsonl"}
JSON
	awk -v n="$((n / 2))" 'BEGIN { for (i = 0; i < n; i++)
		printf "{\"id\":\"i%07d\",\"axes\":[\"g\"],\"outcome\":\"yes\",\"prompt\":\"Question %d about {who}: what is six times seven?\"}\n", i, i }' \
		> "$dir/items.jsonl"
}

wrk_rate() { # CONNS
	local t=2; [ "$1" -lt 2 ] && t=1
	wrk -t"$t" -c"$1" -d"${dur}s" -s "$stubdir/wrk/chat-post.lua" "$url/v1/chat/completions" |
		awk '/^Requests\/sec:/ {printf "%.0f", $2}'
}

count() { "$stubdir/stub.sh" count 8092; }

printf 'cases\tconc\twrk_req_s\tcurl_req_s\tcurl_cpu_us_req\tparity_req_s\tratio\tparity_cpu_us_req\tpeak_rss_mib\trequests_seen\n' > "$rig/table"
# 10,000 and 100,000 cases at both concurrencies (DESIGN §9's rate), and
# 1,000,000 at 64 for the memory bar (at most 50 MiB resident).
for run in 10000:16 10000:64 100000:16 100000:64 1000000:64; do
	n=${run%:*} c=${run#*:}
	[ -d "$rig/suite-$n" ] || make_suite "$n" "$rig/suite-$n"
	w=$(wrk_rate "$c")
	read -r fn fcpu fwall < <("$rig/curl_floor" "$url/v1/chat/completions" "$n" "$c")
	before=$(count)
	/usr/bin/time -f '%e %U %S %M' -o "$rig/time" "$parity" run "$rig/suite-$n/suite.json" \
		--base-url "$url/v1" --model stub-model --concurrency "$c" --no-adaptive \
		--run-dir "$rig/run-$n-$c" --quiet >/dev/null 2>"$rig/err" || { cat "$rig/err"; exit 1; }
	after=$(count)
	read -r wall user sys rss < "$rig/time"
	# stub_status counts its own GET too; parity's identity probes
	# (GET /v1/models twice, GET /props, three canary prompts) add 6.
	seen=$((after - before - 1))
	awk -v n="$n" -v c="$c" -v w="$w" -v wall="$wall" -v u="$user" -v s="$sys" \
	    -v rss="$rss" -v seen="$seen" -v fn="$fn" -v fcpu="$fcpu" -v fwall="$fwall" 'BEGIN {
		r = n / wall
		printf "%d\t%d\t%d\t%.0f\t%.1f\t%.0f\t%.2f\t%.1f\t%.1f\t%d\n", n, c, w,
		       fn / fwall, fcpu / fn * 1e6, r, r / w, (u + s) / n * 1e6, rss / 1024, seen }' >> "$rig/table"
	rm -rf "$rig/run-$n-$c"
done
column -t -s $'\t' "$rig/table"
