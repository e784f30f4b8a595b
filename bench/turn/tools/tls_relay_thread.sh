#!/bin/bash
# tls_relay_thread.sh DLL [REPS] [WARMUPS] -> run 33: warm TLS (and TCP) client rows, perf stat per server, interleaved:
#   co = coturn 4.6.1 (coturn.sh start tls 34782: TLS 34784, relay 50000-50199)
#   A  = rtcstack-turn DLL, relay socket of a stream client's allocation on the client's stream poller thread (default)
#   B  = the same DLL with RTCSTACK_TURN_STREAM_RELAYS=0 (relay sockets on the relay poller thread, as before run 33)
# Servers start once from an EMPTY working directory, get WARMUPS (default 10) TLS runs each, then REPS rounds of
# tls_perfstat.sh (TLS 10 x 800 echoes at -z 5; then, with ROWS="tls tcp", the unpaced TCP row) in the order co A B / B A co.
# Peer: turnutils_peer on 127.0.0.1:50988 (started and stopped here). Output: one perf-stat block per server and rep.
set -u
DLL=${1:?rtcstack-turn.dll}; REPS=${2:-3}; WARM=${3:-10}; ROWS=${ROWS:-tls}
here="$(cd "$(dirname "$0")/.." && pwd)"
W=$(mktemp -d /tmp/tlsrelay.XXXX); mkdir -p "$W/cwd" "$W/co" "$W/A" "$W/B"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=localhost" -keyout "$W/key.pem" -out "$W/cert.pem" >/dev/null 2>&1
turnutils_peer -L 127.0.0.1 -p 50988 >/dev/null 2>&1 & PEERPID=$!
MIN_PORT=50000 MAX_PORT=50199 "$here/coturn.sh" start tls 34782 "$W/co" >/dev/null || exit 1
CO=$(cat "$W/co/turnserver.pid")
start() { # name port tlsport min max env
  (cd "$W/cwd" && exec env DOTNET_gcServer=0 $6 dotnet "$DLL" --listening-ip 127.0.0.1 --listening-port $2 --realm bench.local \
    --user bench:benchpass --lt-cred-mech --fingerprint --allow-loopback-peers --min-port $4 --max-port $5 \
    --tls-listening-port $3 --cert "$W/cert.pem" --pkey "$W/key.pem" --user-quota 0 --total-quota 0 --challenge-rate 0 \
    --no-stdout-log --log-file "$W/$1/log" >"$W/$1/stdout" 2>&1 </dev/null) & echo $! > "$W/$1/pid"
  for _ in $(seq 1 100); do ss -ltnH "sport = :$3" | grep -q . && break; sleep 0.1; done
}
start A 34830 34831 52000 52199 "RTCSTACK_TURN_STREAM_RELAYS=1"
start B 34832 34833 52200 52399 "RTCSTACK_TURN_STREAM_RELAYS=0"
A=$(cat "$W/A/pid"); B=$(cat "$W/B/pid")
declare -A PID=([co]=$CO [A]=$A [B]=$B) TLS=([co]=34784 [A]=34831 [B]=34833) TCP=([co]=34782 [A]=34830 [B]=34832)
echo "# $(date -u +%H:%M) DLL=$DLL co=$CO A=$A B=$B warm-ups=$WARM"
for i in $(seq 1 $WARM); do for s in co A B; do PEER=50988 "$here/tools/tls_perfstat.sh" ${PID[$s]} ${TLS[$s]} >/dev/null 2>&1; done; done
for r in $(seq 1 $REPS); do
  order="co A B"; [ $((r % 2)) = 0 ] && order="B A co"
  for s in $order; do for row in $ROWS; do
    echo "## rep $r $s $row load $(cut -d' ' -f1 /proc/loadavg)"
    if [ $row = tls ]; then PEER=50988 "$here/tools/tls_perfstat.sh" ${PID[$s]} ${TLS[$s]}
    else PEER=50988 UCFLAGS="-c -t" Z=0 "$here/tools/tls_perfstat.sh" ${PID[$s]} ${TCP[$s]}; fi
  done; done
done
kill -TERM $A $B; "$here/coturn.sh" stop "$W/co" >/dev/null; kill $PEERPID; wait 2>/dev/null
rm -rf "$W"
