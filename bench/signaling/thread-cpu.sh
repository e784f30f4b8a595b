#!/bin/bash
# Per-thread CPU of a server over 5 s of the relay phase (1000 pairs at 10,000 msg/s), in s per 100k relayed messages.
#   bench/signaling/thread-cpu.sh SERVER      (SERVER as in side-by-side.sh, rtcstack builds only)
S=$1
SECRET=bench-secret-0123456789-0123456789-abcdef
LOAD=$(cd "$(dirname "$0")" && pwd)/RtcStack.Bench.Signaling/bin/Release/net10.0/rtcstack-signaling-load
dir=${S%%+*}; envs=""; [ "$dir" != "$S" ] && envs=$(echo "${S#*+}" | tr '+' ' ')
env $envs "$dir/rtcstack" --urls http://127.0.0.1:38010 --Signaling:TokenSecret=$SECRET \
    --Signaling:MessagesPerSecond=1000000 --Signaling:Burst=1000000 --Signaling:MaxConnectionsPerIp=1000000 \
    --Signaling:RoomCapacity=1000 --Serilog:MinimumLevel:Default=Warning >/dev/null 2>&1 & SP=$!
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/38010") 2>/dev/null && break; sleep 0.2; done
sleep 1
$LOAD --proto rtcstack --url ws://127.0.0.1:38010 --server-pid $SP --secret $SECRET --pairs 1000 --rate 10000 --warmup 3 --duration 10 > ${TMPDIR:-/tmp}/thread-cpu.threads.run & LP=$!
m() { curl -s http://127.0.0.1:38010/metrics | awk '/^rtcstack_server_signaling_engine_receives_inline /{print $2}'; }
prev=$(m); while sleep 0.5; do cur=$(m); [ $((${cur%.*} - ${prev%.*})) -gt 2500 ] && break; prev=$cur; done
sleep 3
snap() { for t in /proc/$SP/task/*; do echo "$(basename $t) $(tr ' ' _ < $t/comm) $(awk '{print $14+$15}' $t/stat)"; done; }
r0=$(m); snap > ${TMPDIR:-/tmp}/thread-cpu.th0; sleep 5; snap > ${TMPDIR:-/tmp}/thread-cpu.th1; r1=$(m)
wait $LP; kill $SP; wait $SP 2>/dev/null
msgs=$(( ${r1%.*} - ${r0%.*} ))
echo "msgs $msgs load $(cut -d' ' -f1 /proc/loadavg)"
join <(sort ${TMPDIR:-/tmp}/thread-cpu.th0) <(sort ${TMPDIR:-/tmp}/thread-cpu.th1) | awk -v m=$msgs '{d=$5-$3; if (d>0) {n[$2]+=d; t+=d}} END {for (k in n) printf "%-28s %6.3f s/100k\n", k, n[k]/100/m*1e5; printf "%-28s %6.3f s/100k\n", "TOTAL", t/100/m*1e5}' | sort -k2 -nr
