#!/usr/bin/env bash
# startup_cpu.sh [REPS] -- rtcstack-turn start-up cost: wall time until the TCP listener accepts and the server
# process CPU (utime+stime, 10 ms ticks) at that point, then CPU after the first TCP allocation + one RFC 6062 run
# (`uclient -T -m 1 -n 10`, all first-call JIT of that path). Builds interleaved per rep: A (DLL_A, ENV_A) then B
# (DLL_B, ENV_B), ... up to D; each on port 34798 (relay 51600-51799), a fresh process each time.
#   DLL_A=/tmp/x/rtcstack-turn.dll ENV_A="" DLL_B=/tmp/y/rtcstack-turn.dll ENV_B="DOTNET_TieredPGO=0" tools/startup_cpu.sh 5
set -u
REPS="${1:-3}"; tck=$(getconf CLK_TCK); rd="$(mktemp -d)"; pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$rd"' EXIT INT TERM
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
for rep in $(seq 1 "$REPS"); do
  for v in A B C D; do
    dv="DLL_$v"; ev="ENV_$v"; dll="${!dv:-}"; [ -z "$dll" ] && continue
    t0=$(date +%s%N)
    env DOTNET_gcServer=0 ${!ev:-} dotnet "$dll" --listening-ip 127.0.0.1 --listening-port 34798 \
      --realm bench.local --user bench:benchpass --lt-cred-mech --fingerprint --allow-loopback-peers \
      --min-port 51600 --max-port 51799 --no-tls --user-quota 0 --total-quota 0 --challenge-rate 0 --no-stdout-log \
      --log-file "$rd/s.log" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 1 600); do ss -ltnH 'sport = :34798' | grep -q . && break; sleep 0.01; done
    t1=$(date +%s%N); c1=$(cpu "$pid")
    o=$(timeout 60 turnutils_uclient -p 34798 -u bench -w benchpass -T -m 1 -n 10 -l 100 -z 5 127.0.0.1 2>&1)
    c2=$(cpu "$pid"); recv=$(echo "$o" | sed -n 's/.*tot_recv_msgs=\([0-9]*\).*/\1/p' | tail -1)
    printf '%s rep=%s listen_ms=%d cpu_ms_at_listen=%d cpu_ms_first_tcp_run=%d recv=%s load=%s\n' "$v" "$rep" \
      $(( (t1 - t0) / 1000000 )) $(( c1 * 1000 / tck )) $(( (c2 - c1) * 1000 / tck )) "${recv:-0}" "$(cut -d' ' -f1 /proc/loadavg)"
    kill "$pid"; wait "$pid" 2>/dev/null; pid=""
  done
done
