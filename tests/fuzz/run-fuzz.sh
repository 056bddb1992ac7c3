#!/usr/bin/env bash
# A bounded fuzzing run of every harness (tests/fuzz/README.md): builds
# build-fuzz with clang + libFuzzer + ASan/UBSan, then runs each fuzz_NAME
# for SECONDS (default 20) on a scratch copy of its corpus. New crashes are
# kept in build-fuzz/fuzz-artifacts/NAME/; add them to corpus/NAME/ as
# regression tests once fixed. Skips (exit 0, with the reason) when clang
# or libFuzzer is missing. Exits 1 when any harness found a crash, a leak
# or a timeout.
set -uo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-20}
build=${FUZZ_BUILD:-build-fuzz}

if ! command -v clang >/dev/null; then
	echo "fuzz: skipped: clang is not installed (apt-get install clang libclang-rt-14-dev)"
	exit 0
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
	>"$probe/p.c"
if ! clang -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" 2>/dev/null; then
	echo "fuzz: skipped: clang cannot link libFuzzer (apt-get install libclang-rt-14-dev)"
	exit 0
fi

opts=(-Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized
	-Dc_args=-fsanitize=fuzzer-no-link)
if [ -d "$build" ]; then
	meson configure "$build" "${opts[@]}" >/dev/null || exit 2
else
	CC=clang meson setup "$build" "${opts[@]}" >/dev/null || exit 2
fi
meson compile -C "$build" >/dev/null || { echo "fuzz: build failed"; exit 2; }

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
for bin in "$build"/tests/fuzz/fuzz_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue # not the .p object folders
	name=${bin##*/fuzz_}
	work=$(mktemp -d)
	art="$build/fuzz-artifacts/$name"
	mkdir -p "$art"
	cp tests/fuzz/corpus/"$name"/* "$work"/
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-artifact_prefix="$art/" -print_final_stats=1 "$work" >"$art/log" 2>&1; then
		echo "fuzz-$name: ok, $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$art/log" |
			grep -o '[0-9]*$') runs in ${secs} s"
	else
		echo "fuzz-$name: FAILED, see $art/log and $art/"
		tail -n 30 "$art/log"
		status=1
	fi
	rm -rf "$work"
done
exit $status
