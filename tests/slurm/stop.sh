#!/usr/bin/env bash
# Stops what tests/slurm/start.sh started (by the pid files in its state
# folder, nothing else): slurmd, slurmctld, munged.
#
#   tests/slurm/stop.sh [STATE_DIR]     (default: /tmp/parity-slurm)
set -u
state=${1:-${PARITY_SLURM_DIR:-/tmp/parity-slurm}}
for d in slurmd slurmctld munged; do
	f=$state/$d.pid
	[ -s "$f" ] || continue
	pid=$(cat "$f")
	if kill "$pid" 2>/dev/null; then
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
	fi
	rm -f "$f"
done
exit 0
