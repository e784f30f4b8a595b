#!/bin/bash
# tls_relay_profile.sh DLL [WARMUPS] -> run 33: where one warm TLS echo's server CPU goes, relay socket on the client's
# stream thread (A, default) and on the relay poller (B, RTCSTACK_TURN_STREAM_RELAYS=0): perf record -F 2999 -g of one
# paced 8,000-echo run each (after WARMUPS unpaced runs; DOTNET_PerfMapEnabled=1), leaf samples by thread and by DSO.
set -u
DLL=${1:?rtcstack-turn.dll}; WARM=${2:-10}
here="$(cd "$(dirname "$0")/.." && pwd)"
W=$(mktemp -d /tmp/tlsprof.XXXX); mkdir -p "$W/cwd"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=localhost" -keyout "$W/key.pem" -out "$W/cert.pem" >/dev/null 2>&1
turnutils_peer -L 127.0.0.1 -p 50988 >/dev/null 2>&1 & PEERPID=$!
for s in A B; do
  [ $s = A ] && v=1 || v=0
  [ $s = A ] && port=34834 || port=34836
  (cd "$W/cwd" && exec env DOTNET_gcServer=0 DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 RTCSTACK_TURN_STREAM_RELAYS=$v dotnet "$DLL" \
    --listening-ip 127.0.0.1 --listening-port $port --realm bench.local --user bench:benchpass --lt-cred-mech --fingerprint \
    --allow-loopback-peers --min-port 52400 --max-port 52599 --tls-listening-port $((port+1)) --cert "$W/cert.pem" --pkey "$W/key.pem" \
    --user-quota 0 --total-quota 0 --challenge-rate 0 --no-stdout-log --log-file "$W/log" >/dev/null 2>&1 </dev/null) & P=$!
  for _ in $(seq 1 100); do ss -ltnH "sport = :$((port+1))" | grep -q . && break; sleep 0.1; done
  for i in $(seq 1 $WARM); do PEER=50988 Z=0 "$here/tools/tls_perfstat.sh" $P $((port+1)) >/dev/null 2>&1; done
  perf record -F 2999 -g -p $P -o "$W/perf.$s" >/dev/null 2>&1 &  RP=$!
  sleep 0.3
  recv=$(turnutils_uclient -c -t -S -m 10 -n 800 -z 5 -l 100 -u bench -w benchpass -e 127.0.0.1 -r 50988 -p $((port+1)) 127.0.0.1 2>&1 | grep -oE "tot_recv_msgs=[0-9]+" | tail -1)
  kill -INT $RP; wait $RP
  echo "=== $s ($recv, load $(cut -d' ' -f1 /proc/loadavg))"
  perf report -i "$W/perf.$s" --no-children --sort comm --stdio 2>/dev/null | grep -E "^ +[0-9]" | head -8
  perf report -i "$W/perf.$s" --no-children --sort dso --stdio 2>/dev/null | grep -E "^ +[0-9]" | head -12
  echo "samples: $(perf script -i "$W/perf.$s" -F tid 2>/dev/null | wc -l) (at 2999 Hz: 333.4 us each)"
  kill -TERM $P; wait $P 2>/dev/null
done
kill $PEERPID; wait 2>/dev/null
[ -n "${KEEP:-}" ] && echo "kept $W" || rm -rf "$W"
