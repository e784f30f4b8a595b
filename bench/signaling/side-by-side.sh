#!/bin/bash
# Interleaved side-by-side runs of rtcstack server builds and PeerJS with rtcstack-signaling-load.
#
#   bench/signaling/side-by-side.sh OUT.jsonl REPS "SERVER..." ["relay idle"]
#
# SERVER is `peerjs` (needs PEERJS_DIR: a copy of shared/bench/signaling after `npm ci`) or the path of a
# directory that holds a built `rtcstack` binary, optionally followed by +VAR=value environment settings
# (for example `/tmp/base` or `/tmp/new+DOTNET_TieredPGO=0`). For every rep, every case and every server in
# turn: a fresh server process, one load run, the server stopped by PID. Each run appends one JSON line to
# OUT with the rep, server, case, the 1-minute load average before and after, and the load tool's report.
# Cases: relay = 1000 pairs at 10,000 msg/s (3 s warm-up, 6 s window); idle = 3000 sessions held 4 s
# (IDLE_CONNS / IDLE_HOLD override).
set -u
OUT=$1; REPS=$2; SERVERS=$3; CASES=${4:-"relay idle"}
HERE=$(cd "$(dirname "$0")" && pwd)
LOAD=${LOAD:-$HERE/RtcStack.Bench.Signaling/bin/Release/net10.0/rtcstack-signaling-load}
PEERJS_DIR=${PEERJS_DIR:-/tmp/pjs}
SECRET=bench-secret-0123456789-0123456789-abcdef
LOG=${TMPDIR:-/tmp}/side-by-side.$$
start() {
  if [ "$1" = peerjs ]; then
    (cd "$PEERJS_DIR" && PORT=38000 CONCURRENT_LIMIT=1000000 exec node peerjs-server.mjs >"$LOG.server" 2>&1) & SP=$!
    URL=ws://127.0.0.1:38000; PROTO=peerjs
  else
    local dir=${1%%+*} envs=""
    [ "$dir" != "$1" ] && envs=$(echo "${1#*+}" | tr '+' ' ')
    # shellcheck disable=SC2086 # envs is a list of VAR=value words
    env $envs "$dir/rtcstack" --urls http://127.0.0.1:38010 --Signaling:TokenSecret=$SECRET \
      --Signaling:MessagesPerSecond=1000000 --Signaling:Burst=1000000 --Signaling:MaxConnectionsPerIp=1000000 \
      --Signaling:RoomCapacity=1000 --Serilog:MinimumLevel:Default=Warning >"$LOG.server" 2>&1 & SP=$!
    URL=ws://127.0.0.1:38010; PROTO=rtcstack
  fi
  # Wait until the server accepts connections (node can take several seconds to start on a busy box).
  local port=${URL##*:}
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.2
  done
  sleep 1
}
for rep in $(seq 1 "$REPS"); do
  for c in $CASES; do
    for s in $SERVERS; do
      start "$s"
      if [ "$c" = relay ]; then ARGS="--pairs 1000 --rate 10000 --warmup 3 --duration 6"
      else ARGS="--conns ${IDLE_CONNS:-3000} --hold ${IDLE_HOLD:-4}"; fi
      L1=$(cut -d' ' -f1 /proc/loadavg)
      # shellcheck disable=SC2086
      "$LOAD" --proto $PROTO --url $URL --server-pid $SP --secret $SECRET $ARGS > "$LOG.run" 2>"$LOG.err"
      L2=$(cut -d' ' -f1 /proc/loadavg)
      echo "{\"rep\":$rep,\"server\":\"$s\",\"case\":\"$c\",\"load1_before\":$L1,\"load1_after\":$L2,\"r\":$(tail -1 "$LOG.run")}" >> "$OUT"
      kill $SP; wait $SP 2>/dev/null
      sleep 1
    done
  done
done
rm -f "$LOG".*
