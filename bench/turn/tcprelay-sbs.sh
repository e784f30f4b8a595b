#!/usr/bin/env bash
# tcprelay-sbs.sh [REPS]  -- RFC 6062 data path, rtcstack-turn vs coturn side by side, interleaved reps.
# Row: turnutils_uclient -T -m 10 -n 300 -l 1000 -z 5 (client to client through two TCP allocations) against each
# server (fresh process per rep, one warm-up run first so JIT and first connections are not counted); prints server
# CPU (utime+stime of the server PID) per message received, messages received, loss, and the 1-minute load.
# Ports: coturn 34786 relay 51000-51199, rtcstack-turn 34796 relay 51200-51399 (127.0.0.1 only).
# Env: RTCSTACK_ENV="VAR=value ..." for the rtcstack-turn process; ARGS overrides the uclient row; DLL another build
# of rtcstack-turn.dll; BEFORE=path/to/rtcstack-turn.dll of an older build (e.g. the commit before, built from
# `git archive`) adds it to each rep (port 34797, relay 51400-51599; BEFORE_ENV overrides RTCSTACK_ENV for it);
# WARMUPS=1 uclient runs before the measured one.
set -u
here="$(cd "$(dirname "$0")" && pwd)"; root="$(cd "$here/../.." && pwd)"
REPS="${1:-3}"; ARGS="${ARGS:--T -m 10 -n 300 -l 1000 -z 5}"
dll="${DLL:-$root/turn/RtcStack.Turn.Server/bin/Release/net10.0/rtcstack-turn.dll}"
rd="$(mktemp -d)"; cpid=""; rpid=""; bpid=""
stopall() { for p in $cpid $rpid $bpid; do kill "$p" 2>/dev/null; done; sleep 0.3; cpid=""; rpid=""; bpid=""; }
trap 'stopall; rm -rf "$rd"' EXIT INT TERM
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
tck=$(getconf CLK_TCK)
run() { # run NAME PID PORT
  for _ in $(seq 1 "${WARMUPS:-1}"); do timeout 60 turnutils_uclient -p "$3" -u bench -w benchpass $ARGS 127.0.0.1 >/dev/null 2>&1; done
  local c0 c1 out recv lost
  c0=$(cpu "$2")
  out=$(timeout 60 turnutils_uclient -p "$3" -u bench -w benchpass $ARGS 127.0.0.1 2>&1)
  c1=$(cpu "$2")
  recv=$(echo "$out" | sed -n 's/.*tot_recv_msgs=\([0-9]*\).*/\1/p' | tail -1)
  lost=$(echo "$out" | sed -n 's/.*Total lost packets \([0-9]*\).*/\1/p' | tail -1)
  awk -v n="$1" -v d=$((c1 - c0)) -v t="$tck" -v r="${recv:-0}" -v l="${lost:-?}" -v la="$(cut -d' ' -f1 /proc/loadavg)" \
    'BEGIN { printf "%-8s cpu_us_per_msg=%7.1f recv=%s lost=%s load=%s\n", n, (r > 0 ? d / t * 1e6 / r : -1), r, l, la }'
}
for rep in $(seq 1 "$REPS"); do
  turnserver -n --listening-ip 127.0.0.1 --listening-port 34786 --relay-ip 127.0.0.1 --realm bench.local \
    --user bench:benchpass --lt-cred-mech --fingerprint --allow-loopback-peers --no-tls --no-dtls --no-cli \
    --min-port 51000 --max-port 51199 --no-stdout-log --log-file /dev/null --pidfile "$rd/c.pid" >/dev/null 2>&1 &
  cpid=$!
  env DOTNET_gcServer=0 ${RTCSTACK_ENV:-} dotnet "$dll" --listening-ip 127.0.0.1 --listening-port 34796 \
    --realm bench.local --user bench:benchpass --lt-cred-mech --fingerprint --allow-loopback-peers \
    --min-port 51200 --max-port 51399 --no-tls --user-quota 0 --total-quota 0 --challenge-rate 0 --no-stdout-log \
    --log-file "$rd/r.log" >/dev/null 2>&1 &
  rpid=$!
  if [ -n "${BEFORE:-}" ]; then
    env DOTNET_gcServer=0 ${BEFORE_ENV:-${RTCSTACK_ENV:-}} dotnet "$BEFORE" --listening-ip 127.0.0.1 --listening-port 34797 \
      --realm bench.local --user bench:benchpass --lt-cred-mech --fingerprint --allow-loopback-peers \
      --min-port 51400 --max-port 51599 --no-tls --user-quota 0 --total-quota 0 --challenge-rate 0 --no-stdout-log \
      --log-file "$rd/b.log" >/dev/null 2>&1 &
    bpid=$!
  fi
  for _ in $(seq 1 100); do ss -ltnH 'sport = :34796' | grep -q . && ss -ltnH 'sport = :34786' | grep -q . && break; sleep 0.1; done
  [ -n "$bpid" ] && for _ in $(seq 1 100); do ss -ltnH 'sport = :34797' | grep -q . && break; sleep 0.1; done
  echo "rep $rep"; run coturn "$cpid" 34786; [ -n "$bpid" ] && run before "$bpid" 34797; run rtcstack "$rpid" 34796
  stopall
done
