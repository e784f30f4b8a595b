#!/bin/bash
# tls_perfstat.sh PID TLSPORT -> perf stat (task-clock, context switches, syscalls) of server PID during one TLS
# uclient run (10 clients x 800 echoes at -z 5, peer 127.0.0.1:${PEER:-50999} must be running: turnutils_peer -L 127.0.0.1 -p 50999)
# UCFLAGS="-c -t" (default "-c -t -S") runs the TCP client row instead; Z=0 unpaced.
# Warm up first: a fresh rtcstack-turn still runs tiered JIT for ~8 such runs (run 30); measure from the ninth on,
# and start servers from an empty directory (the host watches its working directory for configuration changes).
PID=${1:?pid}; PORT=${2:?tls port}
EV="task-clock,context-switches,cpu-migrations,syscalls:sys_enter_futex,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_recvfrom,syscalls:sys_enter_sendto,syscalls:sys_enter_ioctl,syscalls:sys_enter_sendmmsg,syscalls:sys_enter_recvmmsg,syscalls:sys_enter_sched_yield,syscalls:sys_enter_epoll_ctl,syscalls:sys_enter_read,syscalls:sys_enter_write,syscalls:sys_enter_recvmsg,syscalls:sys_enter_sendmsg"
perf stat -e "$EV" -p $PID -o "${TMPDIR:-/tmp}/perfstat-$PID.txt" &
SP=$!
sleep 0.5
turnutils_uclient ${UCFLAGS:--c -t -S} -m 10 -n 800 -z ${Z:-5} -l 100 -u bench -w benchpass -e 127.0.0.1 -r ${PEER:-50999} -p $PORT 127.0.0.1 2>&1 | grep -E "Total lost|tot_recv_msgs" | tail -2
kill -INT $SP; wait $SP
cat "${TMPDIR:-/tmp}/perfstat-$PID.txt" | grep -v "^$\|^#"
