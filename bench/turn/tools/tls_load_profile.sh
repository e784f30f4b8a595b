#!/bin/bash
# tls_load_profile.sh DLL [WARMUPS] [ARGS] -> where a warm UNPACED TLS echo's server CPU goes (tools/tls_load, 10 clients,
# 100 B ChannelData, 16 in flight each, TLS 1.2 unless ARGS says otherwise): rtcstack-turn DLL started once from an empty
# directory with DOTNET_PerfMapEnabled=1, WARMUPS (default 8) tls_load runs, then `perf record -F 2999 -g` of one 3-s run;
# prints the run's line, leaf samples by thread, DSO and the top symbols. ARGS = "SIZE WINDOW SECS MODE TRANSPORT REC VERSION"
# (default "100 16 3 chan tls 1 tls12"). KEEP=1 keeps the perf data (path printed). Peer: turnutils_peer on 127.0.0.1:50986.
set -u
PORT=${PORT:-34838}; DLL=${1:?rtcstack-turn.dll}; WARM=${2:-8}; read -r SIZE WIN SECS MODE TR REC VER <<< "${3:-100 16 3 chan tls 1 tls12}"
here="$(cd "$(dirname "$0")/.." && pwd)"
W=$(mktemp -d /tmp/tlsloadprof.XXXX); mkdir -p "$W/cwd"
gcc -O2 -o "$W/tls_load" "$here/tools/tls_load.c" -lssl -lcrypto || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=localhost" -keyout "$W/key.pem" -out "$W/cert.pem" >/dev/null 2>&1
turnutils_peer -L 127.0.0.1 -p 50986 >/dev/null 2>&1 & PEERPID=$!
(cd "$W/cwd" && exec env DOTNET_gcServer=0 DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 dotnet "$DLL" \
  --listening-ip 127.0.0.1 --listening-port $PORT --realm bench.local --user bench:benchpass --lt-cred-mech --fingerprint \
  --allow-loopback-peers --min-port 52600 --max-port 52799 --tls-listening-port $((PORT+1)) --cert "$W/cert.pem" --pkey "$W/key.pem" \
  --user-quota 0 --total-quota 0 --challenge-rate 0 --no-stdout-log --log-file "$W/log" >/dev/null 2>&1 </dev/null) & P=$!
for _ in $(seq 1 100); do ss -ltnH "sport = :$((PORT+1))" | grep -q . && break; sleep 0.1; done
kill -0 $P 2>/dev/null || { echo "server did not start:"; grep -m1 Exception "$W/log"; kill $PEERPID; exit 1; }
port=$((PORT+1)); [ "$TR" = tcp ] && port=$PORT
run() { "$W/tls_load" 127.0.0.1 $port bench benchpass 50986 10 "$SIZE" "$WIN" "$1" "$MODE" "$TR" $P "$REC" "$VER"; }
for i in $(seq 1 "$WARM"); do run 2 >/dev/null; done
perf record -F 2999 -g -p $P -o "$W/perf.data" >/dev/null 2>&1 & RP=$!
sleep 0.3
line=$(run "$SECS"); kill -INT $RP; wait $RP
echo "=== $line"; echo "load $(cut -d' ' -f1 /proc/loadavg)"
perf report -i "$W/perf.data" --no-children -g none --sort comm --stdio 2>/dev/null | grep -E "^ +[0-9]" | head -8
perf report -i "$W/perf.data" --no-children -g none --sort dso --stdio 2>/dev/null | grep -E "^ +[0-9]" | head -12
perf report -i "$W/perf.data" --no-children -g none --sort dso,sym --stdio 2>/dev/null | grep -E "^ +[0-9]" | head -${TOP:-60}
echo "samples: $(perf script -i "$W/perf.data" -F tid 2>/dev/null | wc -l) (at 2999 Hz: 333.4 us each)"
kill -TERM $P; wait $P 2>/dev/null; kill $PEERPID; wait 2>/dev/null
[ -n "${KEEP:-}" ] && echo "kept $W" || rm -rf "$W"
