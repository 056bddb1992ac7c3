#!/usr/bin/env bash
# The whole pipeline at 10,000, 100,000 and 1,000,000 cases on the sim
# engine: every command's wall time, CPU (user + system) and peak RSS
# (/usr/bin/time), with the ratio to its floor where one is known, each
# floor measured in the same invocation (verify: sha256sum over the same
# folder; score: itself on one thread against two).
#   bench/pipeline.sh [CASES...]     (default: 10000 100000 1000000)
# Needs /usr/bin/time, sha256sum, a built build/parity, about 3 GB free
# under $TMPDIR (default /tmp) for the million. Not run in CI.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
parity=${PARITY:-$root/build/parity}
holistic=${HOLISTIC:-$root/../shared/datasets/holistic-bias/v1.1}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)
rig=$(mktemp -d "${TMPDIR:-/tmp}/parity-pipeline.XXXXXX")
trap 'rm -rf "$rig"' EXIT
[ -x "$parity" ] || { echo "build parity first: meson setup build && ninja -C build" >&2; exit 2; }

make_suite() { # N DIR
	mkdir -p "$2"
	cat > "$2/suite.json" <<'JSON'
{"parity_suite": 1, "id": "pipeline", "version": "1",
 "axes": {"g": {"reference": "a", "groups": {"a": {"who": "a man"}, "b": {"who": "a woman"}}}},
 "scorers": {"yes": {"type": "regex", "pattern": "^\\W*yes\\b", "flags": "i"}},
 "defaults": {"max_tokens": 8, "temperature": 0},
 "items_file": "items.jsonl"}
JSON
	awk -v n="$(($1 / 2))" 'BEGIN { for (i = 0; i < n; i++)
		printf "{\"id\":\"i%07d\",\"domain\":\"d%d\",\"axes\":[\"g\"],\"outcome\":\"yes\",\"prompt\":\"Question %d about {who}: should they be hired?\"}\n", i, i % 8, i }' \
		> "$2/items.jsonl"
}
cat > "$rig/v1.json" <<'JSON'
{"parity_sim_profile": 1, "model": "sim-v1", "yes": "Yes.", "no": "No.", "wrong": "I am not sure.",
 "base_rate": 0.6, "groups": {"g": {"b": -0.05}}}
JSON
cat > "$rig/v2.json" <<'JSON'
{"parity_sim_profile": 1, "model": "sim-v2", "yes": "Yes.", "no": "No.", "wrong": "I am not sure.",
 "base_rate": 0.6, "groups": {"g": {"b": -0.10}}, "domains": {"d3": 0.5}}
JSON

printf 'cases\tcommand\twall_s\tcpu_s\tpeak_rss_mib\texit\tfloor\tratio\n' > "$rig/table"
last_wall=0
# measure N NAME CMD...: one row; exit codes 0 and 1 (a gate) are results.
measure() {
	local n=$1 name=$2 rc=0; shift 2
	/usr/bin/time -f '%e %U %S %M' -o "$rig/time" "$@" >/dev/null 2>"$rig/err" || rc=$?
	if [ "$rc" -gt 1 ]; then echo "$name failed ($rc):" >&2; tail -3 "$rig/err" >&2; fi
	read -r wall user sys rss < "$rig/time"
	last_wall=$wall
	awk -v n="$n" -v c="$name" -v w="$wall" -v u="$user" -v s="$sys" -v m="$rss" -v rc="$rc" \
		-v fl="${FLOOR_NAME:-}" -v fw="${FLOOR_WALL:-0}" 'BEGIN {
		printf "%d\t%s\t%.2f\t%.2f\t%.1f\t%d\t%s\t%s\n", n, c, w, u + s, m / 1024, rc, fl,
		       (fw > 0 ? sprintf("%.2f", w / fw) : "") }' >> "$rig/table"
}

for n in "${sizes[@]}"; do
	s=$rig/s$n
	make_suite "$n" "$s"
	common=(--engine sim --seed 7 --quiet)
	measure "$n" "run (fresh)" "$parity" run "$s/suite.json" "${common[@]}" \
		--sim-profile "$rig/v1.json" --run-dir "$rig/a$n"
	measure "$n" "run (second model)" "$parity" run "$s/suite.json" "${common[@]}" \
		--sim-profile "$rig/v2.json" --run-dir "$rig/b$n"
	# A resume that finds half the records written.
	cp -r "$rig/a$n" "$rig/half$n"
	lines=$(wc -l < "$rig/a$n/results.jsonl")
	head -n "$((lines / 2))" "$rig/a$n/results.jsonl" > "$rig/half$n/results.jsonl"
	measure "$n" "run --resume (half done)" "$parity" run "$s/suite.json" "${common[@]}" \
		--sim-profile "$rig/v1.json" --resume "$rig/half$n"
	rm -rf "$rig/half$n"
	measure "$n" "run --shard 0/2" "$parity" run "$s/suite.json" "${common[@]}" \
		--sim-profile "$rig/v1.json" --shard 0/2 --run-dir "$rig/sh0-$n"
	measure "$n" "run --shard 1/2" "$parity" run "$s/suite.json" "${common[@]}" \
		--sim-profile "$rig/v1.json" --shard 1/2 --run-dir "$rig/sh1-$n"
	measure "$n" "merge" "$parity" merge --quiet "$rig/m$n" "$rig/sh0-$n" "$rig/sh1-$n"
	rm -rf "$rig/sh0-$n" "$rig/sh1-$n" "$rig/m$n"

	# verify against sha256sum over the same files, measured just before.
	measure "$n" "sha256sum (floor)" sh -c "find '$rig/a$n' -type f -print0 | xargs -0 sha256sum"
	FLOOR_NAME=sha256sum FLOOR_WALL=$last_wall measure "$n" "verify" "$parity" verify "$rig/a$n"
	measure "$n" "summary -o" "$parity" summary "$rig/a$n" -o "$rig/sum$n" --quiet
	measure "$n" "analyze" "$parity" analyze "$rig/a$n" --quiet
	measure "$n" "report -o" "$parity" report "$rig/a$n" -o "$rig/rep$n" --quiet
	measure "$n" "audit --no-write" "$parity" audit "$rig/a$n" --no-write
	OMP_NUM_THREADS=1 measure "$n" "score -o (1 thread)" "$parity" score "$rig/a$n" \
		-o "$rig/sc1-$n" --quiet
	FLOOR_NAME="score 1 thread" FLOOR_WALL=$last_wall OMP_NUM_THREADS=2 \
		measure "$n" "score -o (2 threads)" "$parity" score "$rig/a$n" -o "$rig/sc2-$n" --quiet
	rm -rf "$rig/sc1-$n" "$rig/sc2-$n" "$rig/sum$n" "$rig/rep$n"
	measure "$n" "diff" "$parity" diff "$rig/a$n" "$rig/b$n" -o "$rig/d$n" --quiet
	rm -rf "$rig/a$n" "$rig/b$n" "$rig/d$n" "$s"
done
if [ -d "$holistic" ]; then
	mkdir -p "$rig/hb" # import writes into an existing folder
	measure 0 "import holistic-bias (full v1.1)" "$parity" import holistic-bias "$holistic" \
		-o "$rig/hb/suite.json" --quiet
fi
column -t -s $'\t' "$rig/table"
