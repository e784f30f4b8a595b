#!/bin/bash
# tls_load_sbs.sh DLL [REPS] [WARMUPS] -> unpaced TLS/TCP client rows (tools/tls_load) on WARM servers, interleaved:
#   co = coturn 4.6.1 (coturn.sh start tls 34788: TLS 34790, relay 50600-50799)
#   A  = rtcstack-turn DLL (34840, TLS 34841, relay 52800-52999)
#   B  = BEFORE=older rtcstack-turn.dll, optional (34842, TLS 34843, relay 53000-53199)
# Servers start once (ours from an empty working directory), get WARMUPS (default 8) rounds of every row first, then
# REPS (default 3) rounds in the order co A B / B A co. Each run: tls_load's server CPU (utime+stime from /proc) over
# its measured 3 s only (not the handshakes and allocations), echoes/s, loss and corrupt frames. TLS 1.2 forced
# (coturn 4.6.1's listener has no TLS 1.3); VERSION=any lets ours negotiate 1.3 (coturn still 1.2).
# ROWS (default below): NAME=M:SIZE:MODE:TRANSPORT:REC. Peer: turnutils_peer on 127.0.0.1:50985 (started and stopped here).
# PERF=1 adds per run: system calls and context switches per echo (perf stat -p PID over the whole tls_load run).
# Output: one line per run, then tools/tls_load_summary.py's table (medians, per-rep ratios to coturn).
set -u
DLL=${1:?rtcstack-turn.dll}; REPS=${2:-3}; WARM=${3:-8}; BEFORE=${BEFORE:-}; VERSION=${VERSION:-tls12}; SECS=${SECS:-3}
ROWS=${ROWS:-"tls-chan-100-m10=10:100:chan:tls:1 tls-chan-1000-m10=10:1000:chan:tls:1 tls-chan-100-m50=50:100:chan:tls:1 tls-send-100-m10=10:100:send:tls:1 tls-rec8-chan-100-m10=10:100:chan:tls:8 tcpw-chan-100-m10=10:100:chan:tcp:1"}
here="$(cd "$(dirname "$0")/.." && pwd)"
W=$(mktemp -d /tmp/tlsloadsbs.XXXX); mkdir -p "$W/cwd" "$W/co" "$W/A" "$W/B"
gcc -O2 -o "$W/tls_load" "$here/tools/tls_load.c" -lssl -lcrypto || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=localhost" -keyout "$W/key.pem" -out "$W/cert.pem" >/dev/null 2>&1
turnutils_peer -L 127.0.0.1 -p 50985 >/dev/null 2>&1 & PEERPID=$!
MIN_PORT=50600 MAX_PORT=50799 "$here/coturn.sh" start tls 34788 "$W/co" >/dev/null || exit 1
CO=$(cat "$W/co/turnserver.pid")
start() { # name dll port min max
  (cd "$W/cwd" && exec env DOTNET_gcServer=0 ${RTCSTACK_ENV:-} dotnet "$2" --listening-ip 127.0.0.1 --listening-port $3 --realm bench.local \
    --user bench:benchpass --lt-cred-mech --fingerprint --allow-loopback-peers --min-port $4 --max-port $5 \
    --tls-listening-port $(($3 + 1)) --cert "$W/cert.pem" --pkey "$W/key.pem" --user-quota 0 --total-quota 0 --challenge-rate 0 \
    --no-stdout-log --log-file "$W/$1/log" >"$W/$1/stdout" 2>&1 </dev/null) & echo $! > "$W/$1/pid"
  for _ in $(seq 1 150); do ss -ltnH "sport = :$(($3 + 1))" | grep -q . && return 0; sleep 0.1; done
  echo "$1 did not start: $(grep -m1 Exception "$W/$1/log")" >&2; return 1
}
cleanup() { for s in A B; do [ -f "$W/$s/pid" ] && kill -TERM "$(cat "$W/$s/pid")" 2>/dev/null; done
  "$here/coturn.sh" stop "$W/co" >/dev/null; kill $PEERPID 2>/dev/null; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT INT TERM
start A "$DLL" 34840 52800 52999 || exit 1
SERVERS="co A"
[ -n "$BEFORE" ] && { start B "$BEFORE" 34842 53000 53199 || exit 1; SERVERS="co A B"; }
declare -A PID=([co]=$CO [A]=$(cat "$W/A/pid")) PORT=([co]=34788 [A]=34840)
[ -n "$BEFORE" ] && { PID[B]=$(cat "$W/B/pid"); PORT[B]=34842; }
run() { # server row-spec secs
  IFS=: read -r m size mode tr rec <<< "$2"
  local p=${PORT[$1]}; [ "$tr" = tls ] && p=$((p + 2)); [ "$1" != co ] && [ "$tr" = tls ] && p=$((${PORT[$1]} + 1))
  if [ -z "${PERF:-}" ] || [ "$3" = 1 ]; then
    "$W/tls_load" 127.0.0.1 $p bench benchpass 50985 "$m" "$size" 16 "$3" "$mode" "$tr" "${PID[$1]}" "$rec" "$VERSION"; return
  fi
  perf stat -x, -e "raw_syscalls:sys_enter,context-switches" -p "${PID[$1]}" -o "$W/perf.txt" & local sp=$!
  sleep 0.2
  local line; line=$("$W/tls_load" 127.0.0.1 $p bench benchpass 50985 "$m" "$size" 16 "$3" "$mode" "$tr" "${PID[$1]}" "$rec" "$VERSION")
  kill -INT $sp; wait $sp
  local recv; recv=$(grep -oE ' recv=[0-9]+' <<< "$line" | cut -d= -f2)
  echo "$line $(awk -F, -v n="${recv:-1}" '/raw_syscalls/ {printf "syscalls_per_echo=%.2f ", $1/n} /context-switches/ {printf "switches_per_echo=%.3f", $1/n}' "$W/perf.txt")"
}
echo "# $(date -u +%H:%M) DLL=$DLL BEFORE=${BEFORE:--} co=$CO A=${PID[A]} B=${PID[B]:--} warm-ups=$WARM reps=$REPS version=$VERSION"
for i in $(seq 1 "$WARM"); do for s in $SERVERS; do for r in $ROWS; do run $s "${r#*=}" 1 >/dev/null; done; done; done
for rep in $(seq 1 "$REPS"); do
  order="$SERVERS"; [ $((rep % 2)) = 0 ] && order="$(echo "$SERVERS" | tr ' ' '\n' | tac | tr '\n' ' ')"
  for s in $order; do for r in $ROWS; do
    echo "rep=$rep server=$s row=${r%%=*} load=$(cut -d' ' -f1 /proc/loadavg) $(run $s "${r#*=}" "$SECS")"
  done; done
done | tee "$W/out.txt"
python3 "$here/tools/tls_load_summary.py" "$W/out.txt"
