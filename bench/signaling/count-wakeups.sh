#!/bin/bash
# Context switches, thread wake-ups and system calls per relayed message, for one server under a fixed load.
#
#   bench/signaling/count-wakeups.sh SERVER LABEL [OUTDIR]
#
# SERVER as in side-by-side.sh (`peerjs`, or a directory with a built `rtcstack`, optionally +VAR=value...).
# Load: 200 pairs at 2000 msg/s (3 s warm-up, 14 s window). From 6 s in: `perf stat` (context switches,
# migrations, task clock) for 5 s and per-thread voluntary/involuntary switches from /proc/PID/task/*/status
# over the same 5 s (10,000 messages); then `strace -c -f` for 4 s (8,000 messages; NOSTRACE=1 skips it, and
# strace slows the server, so read CPU and latency from a run without it). Writes OUTDIR/LABEL/{perf.txt,
# strace.txt,t0,t1,run.json,load} and prints per-message figures.
set -u
S=$1; LABEL=$2; OUTDIR=${3:-/tmp/count-wakeups}
HERE=$(cd "$(dirname "$0")" && pwd)
LOAD=${LOAD:-$HERE/RtcStack.Bench.Signaling/bin/Release/net10.0/rtcstack-signaling-load}
PEERJS_DIR=${PEERJS_DIR:-/tmp/pjs}
SECRET=bench-secret-0123456789-0123456789-abcdef
O=$OUTDIR/$LABEL; mkdir -p "$O"
if [ "$S" = peerjs ]; then
  (cd "$PEERJS_DIR" && PORT=38000 CONCURRENT_LIMIT=1000000 exec node peerjs-server.mjs >"$O/server.log" 2>&1) & SP=$!
  URL=ws://127.0.0.1:38000; PROTO=peerjs
else
  dir=${S%%+*}; envs=""; [ "$dir" != "$S" ] && envs=$(echo "${S#*+}" | tr '+' ' ')
  # shellcheck disable=SC2086 # envs is a list of VAR=value words
  env $envs "$dir/rtcstack" --urls http://127.0.0.1:38010 --Signaling:TokenSecret=$SECRET \
    --Signaling:MessagesPerSecond=1000000 --Signaling:Burst=1000000 --Signaling:MaxConnectionsPerIp=1000000 \
    --Signaling:RoomCapacity=1000 --Serilog:MinimumLevel:Default=Warning >"$O/server.log" 2>&1 & SP=$!
  URL=ws://127.0.0.1:38010; PROTO=rtcstack
fi
port=${URL##*:}
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.2; done
sleep 1
"$LOAD" --proto $PROTO --url $URL --server-pid $SP --secret $SECRET --pairs 200 --rate 2000 --warmup 3 --duration 14 \
  >"$O/run.json" 2>"$O/run.err" & LP=$!
sleep 6
snap() { for t in /proc/$SP/task/*; do echo "$(basename "$t") $(tr ' ' _ <"$t/comm") $(awk '/^voluntary_ctxt/{v=$2}/^nonvoluntary_ctxt/{n=$2}END{print v, n}' "$t/status")"; done; }
snap >"$O/t0"
perf stat -e context-switches,cpu-migrations,task-clock -p $SP -o "$O/perf.txt" -- sleep 5
snap >"$O/t1"
[ -z "${NOSTRACE:-}" ] && timeout -s INT 4 strace -c -f -p $SP -o "$O/strace.txt" >/dev/null 2>&1
wait $LP
cut -d' ' -f1 /proc/loadavg >"$O/load"
kill $SP; wait $SP 2>/dev/null
echo "== $LABEL (load $(cat "$O/load")): $(grep -o '"delivered_per_s[^}]*' "$O/run.json")"
awk '/context-switches/{printf "context switches/msg %.2f\n", $1/10000}' "$O/perf.txt"
join <(sort "$O/t0") <(sort "$O/t1") | awk '{v=$6-$3; n=$7-$4; if (v+n>0) {tv+=v; tn+=n; k++}} END {printf "threads that switched %d, voluntary/msg %.2f, involuntary/msg %.2f\n", k, tv/10000, tn/10000}'
[ -f "$O/strace.txt" ] && awk 'NR>2 && $NF!~/^-/ && $4>50 {printf "%s %.2f (errors %.2f); ", $NF, $4/8000, ($5~/^[0-9]+$/?$5/8000:0)} END {print ""}' "$O/strace.txt"
