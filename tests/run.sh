#!/usr/bin/env bash
# The whole test suite: a -Werror build and an ASan+UBSan build, each
# running every meson test (unit, statistics, integration). Ends with the
# plain line "N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

setup() { # DIR [meson options...]
	local dir=$1; shift
	if [ -d "$dir" ]; then
		meson configure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}

status=0
setup build -Dwerror=true || exit 2
setup build-asan -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false \
	-Dbuildtype=debug || exit 2
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for dir in build build-asan; do
	echo "== meson test -C $dir"
	meson compile -C "$dir" || { status=1; continue; }
	meson test -C "$dir" --print-errorlogs --num-processes 2 || status=1
done

# Count from meson's own JSON log of each build.
/usr/bin/env python3 - build build-asan <<'PY'
import json, sys
passed = failed = skipped = 0
for d in sys.argv[1:]:
    try:
        lines = open(f"{d}/meson-logs/testlog.json").read().splitlines()
    except OSError:
        failed += 1
        continue
    for line in lines:
        r = json.loads(line)["result"]
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
