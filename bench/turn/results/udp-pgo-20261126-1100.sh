#!/usr/bin/env bash
# two rtcstack-turn (R2R build), TieredPGO=0 vs default, UDP ChannelData rows via run.sh, interleaved 3 reps
cd /work/main/bench/turn
dll=/tmp/t5new2r-pub/rtcstack-turn.dll; rd=$(mktemp -d); pids=()
start() { # name port min max env
  env DOTNET_gcServer=0 $5 dotnet "$dll" --listening-ip 127.0.0.1 --listening-port "$2" --realm bench.local \
  --user bench:benchpass --lt-cred-mech --fingerprint --allow-loopback-peers --min-port "$3" --max-port "$4" --no-tls \
  --user-quota 0 --total-quota 0 --challenge-rate 0 --no-stdout-log --log-file "$rd/$1.log" >/dev/null 2>&1 </dev/null &
  pids+=($!); echo "$1 $!"
}
start pgo0 34810 50450 50700 "DOTNET_TieredPGO=0"; P0=${pids[0]}
start pgo1 34812 50710 50989 "DOTNET_TieredPGO=1"; P1=${pids[1]}
sleep 3
for rep in 1 2 3; do
  for v in pgo0 pgo1; do
    if [ $v = pgo0 ]; then pid=$P0; port=34810; else pid=$P1; port=34812; fi
    [ $rep = 1 ] && SERVER_PID=$pid REPS=1 ROWS="udp-chan-100-m10 udp-chan-1000-m10" OUT=$rd/warm-$v.jsonl ./run.sh 127.0.0.1 $port lt bench benchpass >/dev/null 2>&1
    SERVER_PID=$pid REPS=1 ROWS="udp-chan-100-m10 udp-chan-1000-m10" OUT=/tmp/t5-udp-$v.jsonl LABEL=$v ./run.sh 127.0.0.1 $port lt bench benchpass 2>&1 | grep -E "udp-chan" | sed "s/^/$v rep$rep load=$(cut -d' ' -f1 /proc/loadavg) /"
  done
done
kill ${pids[@]}; rm -rf $rd
