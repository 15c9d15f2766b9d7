#!/bin/bash
# A lecture chunked over a real single-node Slurm (slurmctld + slurmd + munged from Debian's packages, started
# here with a private configuration, socket and ports, stopped at the end): examples/slurm/submit.sh with 4
# chunks and the audio part, a dependent finalize job; the ladder must be byte-identical to one
# `lstream transcode` with the same settings. Prints the per-part times and the overhead per chunk.
set -euo pipefail
top_srcdir=$(cd "${top_srcdir:-$(dirname "$0")/..}" && pwd)
LSTREAM=${LSTREAM:-$(cd "${top_builddir:-.}" && pwd)/lstream}
CHUNKS=${CHUNKS:-4}
DURATION=${DURATION:-36}

if [ -n "${LSTREAM_IN_DISTCHECK:-}" ]; then
    echo "SKIP: slurm (ran in the main suite; not again inside make distcheck)"; exit 77
fi
for p in slurmctld slurmd munged sbatch; do
    if ! command -v "$p" >/dev/null && [ ! -x "/usr/sbin/$p" ]; then
        echo "SKIP: $p not installed (./run.sh test installs slurmctld, slurmd, slurm-client and munge)"; exit 77
    fi
done
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: slurm needs root to start its daemons"; exit 77; fi
export PATH="$PATH:/usr/sbin"

W=$(mktemp -d "${TMPDIR:-/tmp}/lstream-slurm-XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]+"${pids[@]}"}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$W"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$W"/*.log "$W"/jobs/*.out; do [ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }; done; exit 1; }

# ---- munge: its own key and socket (never the machine's) ----
mkdir -p "$W/munge" "$W/state" "$W/spool" "$W/jobs"
chmod 700 "$W/munge"
dd if=/dev/urandom of="$W/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$W/munge/munge.key"
munged --force --foreground --socket="$W/munge/sock" --key-file="$W/munge/munge.key" \
    --pid-file="$W/munge/pid" --seed-file="$W/munge/seed" --log-file="$W/munged.log" > "$W/munged.out" 2>&1 &
pids+=($!)

# ---- slurm: one node (this machine, as slurmd -C describes it), one partition, free ports ----
host=$(hostname -s)
nodeline=$(slurmd -C | head -n 1)
port=$(( 10000 + RANDOM % 20000 )) # below the ephemeral range (32768-60999) that connections take theirs from
cat > "$W/slurm.conf" <<EOF
ClusterName=lstream
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$W/munge/sock
CredType=cred/munge
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldLogFile=$W/slurmctld.log
SlurmdLogFile=$W/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
$nodeline State=UNKNOWN
PartitionName=lecture Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$W/slurm.conf"
for i in $(seq 50); do [ -S "$W/munge/sock" ] && break; sleep 0.1; done
[ -S "$W/munge/sock" ] || fail "munged did not start"
slurmctld -D -f "$SLURM_CONF" > "$W/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" > "$W/slurmd.out" 2>&1 &
pids+=($!)
for i in $(seq 100); do
    sinfo -h -o %t 2>/dev/null | grep -q -E '^(idle|mix|alloc)' && break
    sleep 0.3
done
sinfo -h -o %t 2>/dev/null | grep -q -E '^(idle|mix|alloc)' || fail "the Slurm node did not come up ($(sinfo 2>&1 | tail -n 1))"
echo "slurm: node $host up ($(sinfo -h -o '%c CPUs, %m MB'))"

# ---- the lecture, whole and chunked ----
"$LSTREAM" sample "$W/lecture.mp4" --duration "$DURATION" >/dev/null 2>&1
t0=$(date +%s%N)
"$LSTREAM" transcode "$W/lecture.mp4" -o "$W/whole" -q --chunk-span 1
whole_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "whole run: $whole_ms ms"

t0=$(date +%s%N)
fin=$(cd "$W/jobs" && LSTREAM="$LSTREAM" "$top_srcdir/examples/slurm/submit.sh" "$W/lecture.mp4" "$W/chunked" "$CHUNKS" --chunk-span 1)
echo "submitted: finalize job $fin after $CHUNKS chunks and the audio part"
state=""
for i in $(seq 1200); do
    state=$(scontrol show job "$fin" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
    case $state in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) break ;; esac
    sleep 0.5
done
cluster_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$state" = COMPLETED ] || fail "the finalize job ended $state"
[ ! -e "$W/chunked.parts" ] || fail "finalize left the parts folder behind"
diff -r "$W/whole" "$W/chunked" > "$W/diff.txt" || { head -n 20 "$W/diff.txt"; fail "the chunked ladder differs from the whole one"; }
"$LSTREAM" validate "$W/chunked" > /dev/null || fail "the chunked ladder does not validate"
echo "PASS: $CHUNKS chunks + audio over Slurm: byte-identical to the whole run ($(find "$W/chunked" -type f | wc -l) files)"

# ---- the figures: each part's own time (from its job's output), and the overhead per chunk ----
cat "$W"/jobs/*.out | grep -E '^lstream-(chunk|finalize)' | sort
sum=$(cat "$W"/jobs/lstream-chunk-*.out | sed -n 's/^lstream-chunk [0-9]*\/[0-9]* ms \([0-9]*\)$/\1/p' | awk '{s+=$1} END {print s+0}')
echo "cluster: $cluster_ms ms from submission to published (one node, so the parts queued on its 2 CPUs)"
echo "video chunks: $sum ms in all; overhead per chunk against the whole run's $whole_ms ms (audio included there): $(( (sum - whole_ms) / CHUNKS )) ms"
