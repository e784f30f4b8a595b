#!/usr/bin/env bash
# tcprelay_perfstat.sh [REPS] -- RFC 6062 cost split into per-connection setup and per message, on WARM servers.
# Starts coturn (34786, relay 51000-51199) and rtcstack-turn (34796, relay 51200-51399; BEFORE=dll adds an older
# build on 34797, relay 51400-51599; RTCSTACK_ENV / BEFORE_ENV: "VAR=value ..." for them) once, warms each with WARMUPS (3) runs of the standard row, then per rep and per
# row runs turnutils_uclient -T against each server in turn (interleaved) under `perf stat -p PID` (task-clock,
# context switches, system calls). Rows (ROWS to override, "name=uclient args"):
#   setup  -T -m 10 -n 1    -l 1000 -z 5   (10 pairs: 2 TCP allocations, Connect, ConnectionAttempt, 2 ConnectionBinds each)
#   std    -T -m 10 -n 300  -l 1000 -z 5   (the tcprelay-sbs.sh row)
#   long   -T -m 10 -n 1500 -l 1000 -z 5   (same setup, 5x the messages)
#   long100 -T -m 10 -n 1500 -l 100 -z 5
# Prints one line per run: server, row, task-clock ms, messages received, lost, context switches, system calls,
# load; then per server the medians and (long - setup) / (messages long - messages setup) = the per-message cost.
# STRACE=1 adds one `strace -c -f` run of the long row per server at the end (system call mix per message).
set -u
here="$(cd "$(dirname "$0")/.." && pwd)"; root="$(cd "$here/../.." && pwd)"
REPS="${1:-3}"
dll="${DLL:-$root/turn/RtcStack.Turn.Server/bin/Release/net10.0/rtcstack-turn.dll}"
ROWS="${ROWS:-setup=-T -m 10 -n 1 -l 1000 -z 5;std=-T -m 10 -n 300 -l 1000 -z 5;long=-T -m 10 -n 1500 -l 1000 -z 5;long100=-T -m 10 -n 1500 -l 100 -z 5}"
rd="$(mktemp -d)"; pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$rd"' EXIT INT TERM
start_ours() { # start_ours NAME DLL PORT MIN MAX
  local name=$1 envs=${RTCSTACK_ENV:-}; shift
  [ "$name" = before ] && envs=${BEFORE_ENV:-$envs}
  env DOTNET_gcServer=0 $envs dotnet "$1" --listening-ip 127.0.0.1 --listening-port "$2" \
    --realm bench.local --user bench:benchpass --lt-cred-mech --fingerprint --allow-loopback-peers \
    --min-port "$3" --max-port "$4" --no-tls --user-quota 0 --total-quota 0 --challenge-rate 0 --no-stdout-log \
    --log-file "$rd/$2.log" >/dev/null 2>&1 &
  pids+=($!); names+=("$name"); spid+=($!); sport+=("$2")
}
turnserver -n --listening-ip 127.0.0.1 --listening-port 34786 --relay-ip 127.0.0.1 --realm bench.local \
  --user bench:benchpass --lt-cred-mech --fingerprint --allow-loopback-peers --no-tls --no-dtls --no-cli \
  --min-port 51000 --max-port 51199 --no-stdout-log --log-file /dev/null --pidfile "$rd/c.pid" >/dev/null 2>&1 &
pids+=($!); names=(coturn); spid=($!); sport=(34786)
start_ours rtcstack "$dll" 34796 51200 51399
if [ -n "${BEFORE:-}" ]; then start_ours before "$BEFORE" 34797 51400 51599; fi
for p in "${sport[@]}"; do for _ in $(seq 1 100); do ss -ltnH "sport = :$p" | grep -q . && break; sleep 0.1; done; done
uc() { timeout 120 turnutils_uclient -p "$1" -u bench -w benchpass $2 127.0.0.1 2>&1; }
for i in "${!names[@]}"; do for _ in $(seq 1 "${WARMUPS:-3}"); do uc "${sport[$i]}" "-T -m 10 -n 300 -l 1000 -z 5" >/dev/null; done; done
out="$rd/lines"; : > "$out"
IFS=';' read -r -a rows <<< "$ROWS"
for rep in $(seq 1 "$REPS"); do
  for row in "${rows[@]}"; do
    rname="${row%%=*}"; rargs="${row#*=}"
    for i in "${!names[@]}"; do
      perf stat -x, -e task-clock,context-switches,raw_syscalls:sys_enter -p "${spid[$i]}" -o "$rd/ps" &
      sp=$!; sleep 0.3
      o=$(uc "${sport[$i]}" "$rargs")
      sleep 0.2; kill -INT $sp; wait $sp 2>/dev/null
      tc=$(awk -F, '/task-clock/ {print $1}' "$rd/ps"); cs=$(awk -F, '/context-switches/ {print $1}' "$rd/ps")
      sc=$(awk -F, '/raw_syscalls/ {print $1}' "$rd/ps")
      recv=$(echo "$o" | sed -n 's/.*tot_recv_msgs=\([0-9]*\).*/\1/p' | tail -1)
      lost=$(echo "$o" | sed -n 's/.*Total lost packets \([0-9]*\).*/\1/p' | tail -1)
      printf '%-8s %-8s rep=%s task_ms=%.1f recv=%s lost=%s cs=%s syscalls=%s load=%s\n' "${names[$i]}" "$rname" "$rep" \
        "$tc" "${recv:-0}" "${lost:-?}" "$cs" "$sc" "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$out"
    done
  done
done
echo "--- medians (task ms, recv, cs, syscalls) and per-message cost from (long - setup)"
python3 - "$out" <<'EOF'
import sys, re, statistics as st, collections
d = collections.defaultdict(list)
for l in open(sys.argv[1]):
    f = l.split(); kv = dict(x.split('=', 1) for x in f[2:])
    d[(f[0], f[1])].append((float(kv['task_ms']), int(kv['recv']), float(kv['cs'] or 0), float(kv['syscalls'] or 0)))
servers = sorted({k[0] for k in d}, key=lambda s: ['coturn', 'rtcstack', 'before'].index(s) if s in ['coturn', 'rtcstack', 'before'] else 9)
rows = list(dict.fromkeys(k[1] for k in d))
med = {k: tuple(st.median(v[j] for v in d[k]) for j in range(4)) for k in d}
for s in servers:
    for r in rows:
        if (s, r) in med:
            t, n, c, y = med[(s, r)]
            print(f"{s:8} {r:8} task_ms={t:8.1f} recv={n:6.0f} us/msg(all)={t*1000/max(n,1):7.1f} cs/msg={c/max(n,1):5.2f} syscalls/msg={y/max(n,1):5.2f}")
    if (s, 'setup') in med:
        t0, n0, c0, y0 = med[(s, 'setup')]
        print(f"{s:8} setup per pair (10 pairs): {t0/10:6.2f} ms")
        for r in rows:
            if r != 'setup' and (s, r) in med:
                t, n, c, y = med[(s, r)]
                if n > n0:
                    print(f"{s:8} {r:8} per message beyond setup: {(t-t0)*1000/(n-n0):6.1f} us, {(c-c0)/(n-n0):5.2f} cs, {(y-y0)/(n-n0):5.2f} syscalls")
base = 'coturn'
for s in servers:
    if s != base:
        for r in rows:
            if (s, r) in med and (base, r) in med:
                print(f"{s}/coturn {r:8} task-clock ratio {med[(s, r)][0]/med[(base, r)][0]:.2f}")
EOF
if [ "${STRACE:-0}" = 1 ]; then
  for i in "${!names[@]}"; do
    echo "--- strace -c -f ${names[$i]} (long row)"
    timeout 120 strace -c -f -p "${spid[$i]}" -o "$rd/st" & stp=$!; sleep 1
    uc "${sport[$i]}" "-T -m 10 -n 1500 -l 1000 -z 5" | grep -E "tot_recv_msgs|Total lost" | tail -2
    sleep 0.3; kill -INT $stp; wait $stp 2>/dev/null; head -25 "$rd/st"
  done
fi
