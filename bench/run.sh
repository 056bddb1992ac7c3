#!/usr/bin/env bash
# parity's runner overhead against the zero-latency nginx stub of an
# OpenAI endpoint, next to libcurl alone driven the same way (curl_floor,
# bare and with parity's transfer options) and wrk's raw rate, in the same
# invocation (DESIGN §9: parity's CPU per request within 1.2x of
# curl_floor's, memory flat in the case count).
#   bench/run.sh [SECONDS_PER_WRK_RUN]
# ROWS="CASES:CONC ..." picks rows (default: 10,000 and 100,000 at 16 and
# 64, 1,000,000 at 64); REPS (default 3) runs of each program a row,
# alternating, the median CPU per request of each reported.
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

printf 'cases\tconc\twrk_req_s\tfloor_req_s\tfloor_cpu_us\tfloor_opts_cpu_us\tparity_req_s\tparity_cpu_us\tvs_floor\tvs_floor_opts\tpeak_rss_mib\trequests_seen\n' > "$rig/table"
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
reps=${REPS:-3}
for run in ${ROWS:-10000:16 10000:64 100000:16 100000:64 1000000:64}; do
	n=${run%:*} c=${run#*:}
	[ -d "$rig/suite-$n" ] || make_suite "$n" "$rig/suite-$n"
	w=$(wrk_rate "$c")
	: > "$rig/floor" ; : > "$rig/floor_opts" ; : > "$rig/parity"
	for _ in $(seq "$reps"); do
		"$rig/curl_floor" "$url/v1/chat/completions" "$n" "$c" >> "$rig/floor"
		"$rig/curl_floor" "$url/v1/chat/completions" "$n" "$c" parity >> "$rig/floor_opts"
		before=$(count)
		/usr/bin/time -f '%e %U %S %M' -o "$rig/time" "$parity" run "$rig/suite-$n/suite.json" \
			--base-url "$url/v1" --model stub-model --concurrency "$c" --no-adaptive \
			--run-dir "$rig/run-$n-$c" --quiet >/dev/null 2>"$rig/err" || { cat "$rig/err"; exit 1; }
		after=$(count)
		# stub_status counts its own GET too; parity's identity probes
		# (GET /v1/models twice, GET /props, three canary prompts) add 6.
		echo "$(cat "$rig/time") $((after - before - 1))" >> "$rig/parity"
		rm -rf "$rig/run-$n-$c"
	done
	fcpu=$(awk -v n="$n" '{ print $2 / n * 1e6 }' "$rig/floor" | median)
	frate=$(awk '{ print $1 / $3 }' "$rig/floor" | median)
	ocpu=$(awk -v n="$n" '{ print $2 / n * 1e6 }' "$rig/floor_opts" | median)
	pcpu=$(awk -v n="$n" '{ print ($2 + $3) / n * 1e6 }' "$rig/parity" | median)
	prate=$(awk -v n="$n" '{ print n / $1 }' "$rig/parity" | median)
	rss=$(awk '{ print $4 / 1024 }' "$rig/parity" | sort -g | tail -1)
	seen=$(awk '{ print $5 }' "$rig/parity" | sort -u | tr '\n' ' ')
	awk -v n="$n" -v c="$c" -v w="$w" -v fr="$frate" -v fc="$fcpu" -v oc="$ocpu" -v pr="$prate" \
	    -v pc="$pcpu" -v rss="$rss" -v seen="$seen" 'BEGIN {
		printf "%d\t%d\t%d\t%.0f\t%.1f\t%.1f\t%.0f\t%.1f\t%.2f\t%.2f\t%.1f\t%s\n", n, c, w, fr, fc,
		       oc, pr, pc, pc / fc, pc / oc, rss, seen }' >> "$rig/table"
done
column -t -s $'\t' "$rig/table"
