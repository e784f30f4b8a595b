#!/bin/bash
# tls_thread_cpu.sh PID TLSPORT (peer: turnutils_peer -L 127.0.0.1 -p 50997) -> task-clock ms (perf stat) and per-thread-name CPU ticks (/proc) of one TLS uclient run
PID=$1; PORT=$2
snap() { for t in /proc/$PID/task/*; do c=$(cat $t/comm); s=($(sed 's/.*) //' $t/stat)); echo "$c|$(( ${s[11]} + ${s[12]} ))"; done | awk -F'|' '{a[$1]+=$2} END{for(k in a) print k"|"a[k]}' | sort; }
snap > ${TMPDIR:-/tmp}/s0.$PID
perf stat -e task-clock -p $PID -o ${TMPDIR:-/tmp}/ps.$PID & SP=$!
sleep 0.3
lost=$(turnutils_uclient -c -t -S -m 10 -n 800 -z 5 -l 100 -u bench -w benchpass -e 127.0.0.1 -r 50997 -p $PORT 127.0.0.1 2>&1 | grep -E "Total lost" | tail -1 | grep -oE "\([0-9.]+%\)" | head -1)
kill -INT $SP; wait $SP
snap > ${TMPDIR:-/tmp}/s1.$PID
tc=$(grep task-clock ${TMPDIR:-/tmp}/ps.$PID | awk '{print $1}')
per=$(join -t'|' ${TMPDIR:-/tmp}/s0.$PID ${TMPDIR:-/tmp}/s1.$PID | awk -F'|' '{d=$3-$2; if(d>0) printf "%s=%d ", $1, d}')
echo "task-clock=$tc lost=$lost load=$(cut -d' ' -f1 /proc/loadavg) ticks: $per"
