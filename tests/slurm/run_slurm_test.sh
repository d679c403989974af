#!/usr/bin/env bash
# A real Slurm cluster of one node on this machine runs scripts/slurm/restora-array.sbatch
# (docs/BATCH.md): munged, slurmctld and slurmd are started here with a configuration written to
# a temp folder, and stopped on exit. Then:
#   1. a 3-task array restores 9 generated photos while one task is cancelled (scancel) midway;
#   2. the array submitted again finishes only what the cancelled task had not done;
#   3. two outputs removed and one cut short: a third submission makes exactly those three again.
# After each, the merged manifest must hold every input once, all ok or already complete.
#
# Usage: run_slurm_test.sh RESTORA_CLI   (ctest: -L slurm). Exit 77 (skipped) when not root or
# when slurm-wlm or munge is not installed (scripts/setup.sh installs them).
set -euo pipefail
cli=$(realpath "${1:?usage: run_slurm_test.sh path/to/restora-cli}")
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
start=$(date +%s)

skip() { echo "SKIPPED: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "the one-node Slurm cluster needs root (slurmd runs jobs as their user)"
for tool in munged slurmctld slurmd sbatch squeue scancel sinfo; do
    command -v "$tool" >/dev/null || skip "$tool is missing: apt-get install slurm-wlm munge (scripts/setup.sh)"
done

work=$(mktemp -d /tmp/restora-slurm-XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
    local rc=$?
    if [ -n "${SLURM_CONF:-}" ] && [ -f "$SLURM_CONF" ]; then scancel --quiet --full -u root 2>/dev/null || true; fi
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    if ((rc != 0 && rc != 77)); then
        for log in "$work"/log/*; do echo "--- $log"; tail -n 20 "$log"; done
    fi
    rm -rf "$work"
    exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "FAILED: $*" >&2; exit 1; }

mkdir -p "$work"/{munge,state,spool,log,run}
# munge: its own key and socket, nothing shared with a system munged
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 700 "$work/munge"
chmod 400 "$work/munge/munge.key"
munged --force --key-file="$work/munge/munge.key" --socket="$work/munge/munge.sock" \
    --pid-file="$work/munge/munged.pid" --log-file="$work/log/munged.log" --seed-file="$work/munge/seed" \
    --foreground > "$work/log/munged.out" 2>&1 &
pids+=($!)

host=$(hostname -s)
port=$((20000 + RANDOM % 20000))
export SLURM_CONF=$work/slurm.conf
cat > "$SLURM_CONF" <<CONF
ClusterName=restora-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/munge.sock
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/run/slurmctld.pid
SlurmdPidFile=$work/run/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmdParameters=config_overrides
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=restora Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

for _ in $(seq 1 50); do [ -S "$work/munge/munge.sock" ] && break; sleep 0.1; done
[ -S "$work/munge/munge.sock" ] || fail "munged did not start"
slurmctld -D -i -f "$SLURM_CONF" > "$work/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N "$host" -f "$SLURM_CONF" > "$work/log/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
    state=$(sinfo -h -N -o '%T' 2>/dev/null | head -1 || true)
    [ "$state" = idle ] && break
    sleep 0.2
done
[ "$state" = idle ] || fail "the node did not become idle (state '$state')"
echo "cluster up in $(($(date +%s) - start)) s (node $host, port $port)"

# 9 photos, 3 in a subfolder: 480x360 so that non-local means takes about half a second each.
bash "$root/tests/slurm/make_photos.sh" "$work/in" 9 480 360
out=$work/out
manifests=$work/manifests
submit() {  # submit the array; prints the job id once every task has ended
    RESTORA_CLI=$cli RESTORA_MANIFEST_DIR=$manifests sbatch --parsable --array=0-2 --cpus-per-task=1 \
        --output="$work/log/task-%A_%a.log" --chdir="$work" \
        "$root/scripts/slurm/restora-array.sbatch" denoise "$work/in" "$out" --set model=nlmeans
}
wait_job() {
    for _ in $(seq 1 600); do
        [ -z "$(squeue -h -j "$1" 2>/dev/null)" ] && return 0
        sleep 0.1
    done
    fail "job $1 did not end within 60 s"
}
count_status() {  # count_status FILE STATUS
    grep -c "\"status\":\"$2\"" "$1" || true
}
check_merged() {  # every input once, all ok or already complete; each output exists
    "$cli" manifest merge "$manifests"/task-*.jsonl -o "$work/merged.jsonl" --overwrite 2>/dev/null
    local n
    n=$(wc -l < "$work/merged.jsonl")
    [ "$n" -eq 9 ] || fail "the merged manifest holds $n inputs, not 9"
    for f in $(cd "$work/in" && find . -name '*.bmp' | sed 's|^\./||'); do
        grep -q "\"input\":\"$work/in/$f\"" "$work/merged.jsonl" || fail "$f is not in the merged manifest"
        [ -f "$out/${f%.bmp}.png" ] || fail "$out/${f%.bmp}.png is missing"
    done
    "$cli" manifest summary "$work/merged.jsonl" || fail "the merged manifest records failures"
}

# 1. the array, task 1 cancelled once it has finished one photo
job=$(submit)
task1=$manifests/task-1.jsonl
for _ in $(seq 1 300); do
    [ -s "$task1" ] && break
    sleep 0.05
done
[ -s "$task1" ] || fail "task 1 recorded nothing within 15 s"
scancel "${job}_1"
wait_job "$job"
done1=$(count_status "$task1" ok)
((done1 >= 1 && done1 < 3)) || fail "task 1 made $done1 photos before scancel, expected 1 or 2 (not midway)"
grep -q '"exit":130' "$task1" || echo "note: task 1 was cancelled between two photos"
[ "$(count_status "$manifests/task-0.jsonl" ok)" -eq 3 ] || fail "task 0 did not make its 3 photos"
[ "$(count_status "$manifests/task-2.jsonl" ok)" -eq 3 ] || fail "task 2 did not make its 3 photos"
echo "1. array with task 1 cancelled after $done1 photo(s): $(($(date +%s) - start)) s"

# 2. resubmitted: only task 1's missing photos are made
for t in 0 1 2; do cp "$manifests/task-$t.jsonl" "$work/before-$t.jsonl"; done
job=$(submit)
wait_job "$job"
new_lines() { tail -n +$(($(wc -l < "$work/before-$1.jsonl") + 1)) "$manifests/task-$1.jsonl"; }
new_count() { new_lines "$1" | grep -c "\"status\":\"$2\"" || true; }  # new_count TASK STATUS
for t in 0 2; do
    [ "$(new_count $t skipped)" -eq 3 ] || fail "task $t did not skip its 3 photos"
    [ "$(new_count $t ok)" -eq 0 ] || fail "task $t made a photo again"
done
[ "$(new_count 1 skipped)" -eq "$done1" ] || fail "task 1 did not skip its $done1 photo(s)"
[ "$(new_count 1 ok)" -eq $((3 - done1)) ] || fail "task 1 did not make exactly what was missing"
check_merged
echo "2. resubmitted: task 1 made $((3 - done1)), skipped $done1; tasks 0 and 2 skipped all: $(($(date +%s) - start)) s"

# 3. two outputs removed, one cut short: exactly those three are made again
rm "$out/photo-00.png" "$out/sub/photo-05.png"
head -c 2000 "$out/photo-04.png" > "$work/cut.png"
mv "$work/cut.png" "$out/photo-04.png"
for t in 0 1 2; do cp "$manifests/task-$t.jsonl" "$work/before-$t.jsonl"; done
job=$(submit)
wait_job "$job"
made=0
for t in 0 1 2; do made=$((made + $(new_count $t ok))); done
[ "$made" -eq 3 ] || fail "the third submission made $made photos, not the 3 missing or damaged"
check_merged
echo "3. two outputs removed and one cut short: 3 made again: $(($(date +%s) - start)) s"
echo "PASSED in $(($(date +%s) - start)) s"
