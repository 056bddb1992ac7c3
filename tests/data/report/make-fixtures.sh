#!/bin/sh
# Regenerates the fixture run folders of tests/test_report.c with the sim
# engine (fixed seed), then its golden files. Run from the source root with
# a built parity:  tests/data/report/make-fixtures.sh build-rp
# Only needed when the run folder format changes; the goldens alone are
# regenerated with  PARITY_UPDATE_GOLDEN=1 meson test -C BUILD report
set -eu
build=${1:-build}
dir=tests/data/report
rm -rf "$dir/base" "$dir/cand"
for v in base cand; do
	"$build/parity" run suites/demo/demo.json --engine sim \
		--sim-profile "$dir/sim-$v.json" --samples 3 --seed 6 \
		--run-dir "$dir/$v" --quiet >/dev/null
	# Keep what the reporters read; the reports themselves are the goldens.
	rm -f "$dir/$v/report.md" "$dir/$v/report.html" "$dir/$v/junit.xml" "$dir/$v/summary.txt"
done
PARITY_UPDATE_GOLDEN=1 meson test -C "$build" report >/dev/null
echo "fixtures and goldens rewritten; review with git diff $dir"
