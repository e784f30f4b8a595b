#!/usr/bin/env bash
# tcprelay_fresh_threads.sh DLL -- where a FRESH rtcstack-turn spends CPU on the tcprelay-sbs.sh row: starts it (port
# 34896, relay 52200-52399, 127.0.0.1), then RUNS (3) runs of `turnutils_uclient -T -m 10 -n 300 -l 1000 -z 5`, and
# per run prints the process CPU (10 ms ticks) and the CPU of each thread name, threads that exit included (polled
# every 50 ms: the tiered compilation worker exits when idle). ENVV="VAR=value ..." for the server; JITSUMMARY=1 adds
# DOTNET_JitDisasmSummary (every method jitted, with its tier, to /tmp/tcprelay-jit.txt; line count printed per run).
set -u
dll=$1; port=34896; runs=${RUNS:-3}; envv=${ENVV:-}
[ "${JITSUMMARY:-0}" = 1 ] && { rm -f /tmp/tcprelay-jit.txt; envv="$envv DOTNET_JitDisasmSummary=1 DOTNET_JitStdOutFile=/tmp/tcprelay-jit.txt"; }
log=$(mktemp)
env DOTNET_gcServer=0 $envv dotnet "$dll" --listening-ip 127.0.0.1 --listening-port $port --realm bench.local \
  --user bench:benchpass --lt-cred-mech --fingerprint --allow-loopback-peers --min-port 52200 --max-port 52399 --no-tls \
  --user-quota 0 --total-quota 0 --challenge-rate 0 --no-stdout-log --log-file "$log" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$log"' EXIT INT TERM
for _ in $(seq 1 100); do ss -ltnH "sport = :$port" | grep -q . && break; sleep 0.1; done
python3 - "$pid" "$port" "$runs" <<'PY'
import os, sys, subprocess, time, collections
pid, port, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
seen = {}
def poll():
    for t in os.listdir(f'/proc/{pid}/task'):
        try:
            comm = open(f'/proc/{pid}/task/{t}/comm').read().strip()
            f = open(f'/proc/{pid}/task/{t}/stat').read().rsplit(')', 1)[1].split()
            seen[t] = (comm, int(f[11]) + int(f[12]))
        except OSError:
            pass
def proc():
    f = open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()
    return int(f[11]) + int(f[12])
poll(); base = dict(seen); p0 = proc()
for r in range(1, runs + 1):
    pr = subprocess.Popen(['turnutils_uclient', '-p', port, '-u', 'bench', '-w', 'benchpass', '-T', '-m', '10', '-n', '300',
                           '-l', '1000', '-z', '5', '127.0.0.1'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while pr.poll() is None:
        poll(); time.sleep(0.05)
    time.sleep(0.3); poll(); p1 = proc()
    agg = collections.Counter()
    for t, (c, v) in seen.items():
        agg[c] += v - base.get(t, (c, 0))[1]
    jit = ''
    if os.path.exists('/tmp/tcprelay-jit.txt'):
        jit = f' (methods jitted so far: {sum(1 for _ in open("/tmp/tcprelay-jit.txt"))})'
    print(f"run {r}: process {p1 - p0} ticks; " + ", ".join(f"{c} {v}" for c, v in agg.most_common() if v > 0) + jit)
    base = dict(seen); p0 = p1
PY
