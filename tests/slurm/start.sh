#!/usr/bin/env bash
# A single-node Slurm on this machine for tests/slurm/test_slurm.py and CI:
# munged with its own key and socket, slurmctld and slurmd for one node
# (this host, CPUs=2) on 127.0.0.1, everything under one state folder, no
# file under /etc touched. Idempotent: a running cluster is reused.
#
#   tests/slurm/start.sh [STATE_DIR]     (default: /tmp/parity-slurm)
#
# Prints `export SLURM_CONF=STATE_DIR/slurm.conf` on stdout when the node
# is idle. Exit 0 up, 77 cannot run here (the reason on stderr: not root,
# slurm-wlm or munge not installed, a daemon refused to start), 1 failed.
# Needs root: slurmd runs each job as its submitter. Stop: stop.sh.
set -uo pipefail

state=${1:-${PARITY_SLURM_DIR:-/tmp/parity-slurm}}
skip() { echo "slurm: cannot start: $*" >&2; exit 77; }

for p in munged slurmctld slurmd sinfo sbatch; do
	command -v "$p" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
	command -v "$p" >/dev/null 2>&1 ||
		skip "'$p' not found (apt-get install -y slurm-wlm munge)"
done

export SLURM_CONF=$state/slurm.conf
# /proc, not kill -0: a user may check daemons that root started.
alive() { [ -s "$state/$1.pid" ] && [ -d "/proc/$(cat "$state/$1.pid")" ]; }
idle() { sinfo -h -N -o '%T' 2>/dev/null | grep -qx 'idle'; }

if alive munged && alive slurmctld && alive slurmd && idle; then
	echo "slurm: already up ($state)" >&2
	echo "export SLURM_CONF=$SLURM_CONF"
	exit 0
fi
[ "$(id -u)" -eq 0 ] || skip "not root (slurmd must run as root), and no cluster is up in $state"
"$(dirname "$0")/stop.sh" "$state" >/dev/null 2>&1

mkdir -p "$state"/{munge,run,ctld,spool,log} || exit 1
chmod 755 "$state" "$state/run" && chmod 700 "$state/munge"
if [ ! -s "$state/munge/munge.key" ]; then
	head -c 1024 /dev/urandom >"$state/munge/munge.key" || exit 1
	chmod 400 "$state/munge/munge.key"
fi

munged --force --key-file="$state/munge/munge.key" --socket="$state/run/munge.socket" \
	--pid-file="$state/munged.pid" --log-file="$state/log/munged.log" \
	--seed-file="$state/munge/seed" 2>"$state/log/munged.err" ||
	skip "munged refused to start: $(tail -n 1 "$state/log/munged.err")"

node=$(hostname -s)
cat >"$SLURM_CONF" <<CONF
ClusterName=parity-test
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=${PARITY_SLURMCTLD_PORT:-6817}
SlurmdPort=${PARITY_SLURMD_PORT:-6818}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$state/run/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
KillWait=30
MinJobAge=300
NodeName=$node NodeAddr=127.0.0.1 CPUs=2 RealMemory=2048 State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF

# -c: a fresh controller state each start (no jobs from an earlier one).
slurmctld -c -f "$SLURM_CONF" 2>"$state/log/slurmctld.err" ||
	skip "slurmctld refused to start: $(tail -n 1 "$state/log/slurmctld.err")"
slurmd -f "$SLURM_CONF" 2>"$state/log/slurmd.err" ||
	skip "slurmd refused to start: $(tail -n 1 "$state/log/slurmd.err")"

for _ in $(seq 1 60); do
	if idle; then
		echo "slurm: started ($state)" >&2
		echo "export SLURM_CONF=$SLURM_CONF"
		exit 0
	fi
	sleep 0.5
done
skip "the node did not become idle in 30 s: $(sinfo -h -N -o '%T %E' 2>&1 | head -n 1);" \
	"$(tail -n 1 "$state/log/slurmd.log" 2>/dev/null)"
