#!/bin/bash
# In-process A/B of the epoll engine's wake-up coalescing: one server process alternates coalescing on (the
# configured Server:EpollCoalesceMicroseconds) and off every second, so both modes see the same box load, and
# reports per mode the engine thread's CPU (CLOCK_THREAD_CPUTIME_ID), the process's CPU, wake-ups, pauses and the
# engine thread's voluntary/involuntary context switches per relayed message.
#
#   bench/signaling/ab-coalescing.sh SERVER [PAIRS RATE DURATION]
#
# SERVER: a directory with an `rtcstack` built with results/20261126-1315-coalesce-ab.patch applied (the patch adds
# the S9_AB=1 switch and writes /tmp/s9/ab-PID.txt at shutdown; it is not committed), optionally +VAR=value...
#   git archive HEAD | tar -x -C /tmp/s9src && (cd /tmp/s9src && patch -p1 < .../results/20261126-1315-coalesce-ab.patch \
#     && dotnet publish signaling/RtcStack.Server -c Release -o /tmp/s9ab)
#   bench/signaling/ab-coalescing.sh /tmp/s9ab+Server__EpollCoalesceMicroseconds=500
# Only 1-s periods that relayed at least 54 % of RATE count (the relay phase).
set -u
S=$1; P=${2:-1000}; R=${3:-10000}; D=${4:-20}
HERE=$(cd "$(dirname "$0")" && pwd)
LOAD=${LOAD:-$HERE/RtcStack.Bench.Signaling/bin/Release/net10.0/rtcstack-signaling-load}
SECRET=bench-secret-0123456789-0123456789-abcdef
mkdir -p /tmp/s9
dir=${S%%+*}; envs=""; [ "$dir" != "$S" ] && envs=$(echo "${S#*+}" | tr '+' ' ')
# shellcheck disable=SC2086 # envs is a list of VAR=value words
env S9_AB=1 $envs "$dir/rtcstack" --urls http://127.0.0.1:38010 --Signaling:TokenSecret=$SECRET \
    --Signaling:MessagesPerSecond=1000000 --Signaling:Burst=1000000 --Signaling:MaxConnectionsPerIp=1000000 \
    --Signaling:RoomCapacity=1000 --Serilog:MinimumLevel:Default=Warning >/tmp/s9/ab.srv 2>&1 & SP=$!
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/38010") 2>/dev/null && break; sleep 0.2; done
sleep 1
"$LOAD" --proto rtcstack --url ws://127.0.0.1:38010 --server-pid $SP --secret $SECRET --pairs "$P" --rate "$R" --warmup 3 --duration "$D" \
  | tail -1 | jq -c '{load:"'"$(cut -d' ' -f1 /proc/loadavg)"'",d:.delivered_per_s,cpu:.server_cpu_s_per_100k,p50:.p50_ms,p99:.p99_ms,p999:.p999_ms}'
kill $SP; wait $SP 2>/dev/null
python3 - "/tmp/s9/ab-$SP.txt" "$R" <<'PY'
import sys
rows = [l.split()[1:] for l in open(sys.argv[1]) if l.startswith("AB")]
rate = float(sys.argv[2])
acc = {0: [0] * 8, 1: [0] * 8}
periods = {0: 0, 1: 0}
for r in rows:
    m, *v = map(int, r)
    if v[2] < 0.54 * rate:  # receives in the period: relay phase only
        continue
    periods[m] += 1
    for i, x in enumerate(v):
        acc[m][i] += x
for m in (1, 0):
    cpu, proc, rec, wk, pz, snd, vol, inv = acc[m]
    if rec:
        print(f"mode {'on ' if m else 'off'}: periods {periods[m]}, engine thread {cpu/rec*1e5/1e9:.3f} s/100k, process {proc/rec*1e5/1e9:.3f} s/100k, "
              f"wakeups/msg {wk/rec:.3f}, pauses/msg {pz/rec:.3f}, thread vol/invol switches/msg {vol/rec:.3f}/{inv/rec:.3f}, msgs {rec}")
on, off = acc[1], acc[0]
if on[2] and off[2]:
    print(f"on/off process {(on[1]/on[2])/(off[1]/off[2]):.3f}, thread {(on[0]/on[2])/(off[0]/off[2]):.3f}")
PY
