#!/usr/bin/env bash
# rtcstack.sh start [PORT] [RUNDIR] -> builds (once) and starts rtcstack-turn on 127.0.0.1 with settings equivalent to
#   coturn.sh lt: realm bench.local, user bench:benchpass, loopback peers allowed, relay 50450-50989, UDP+TCP;
#   prints "PID PORT - RUNDIR" once the UDP and TCP ports are bound.
# rtcstack.sh stop RUNDIR -> stops that PID only.
# RTCSTACK_TLS_PORT=<port> also listens for TLS there (self-signed certificate made in RUNDIR); otherwise --no-tls.
# RTCSTACK_ENV="VAR=value ..." adds runtime settings (e.g. DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1).
# DLL=path/to/rtcstack-turn.dll runs another build (e.g. a `dotnet publish` of an older commit into /tmp).
# MIN_PORT/MAX_PORT override the relay range (give two servers running side by side separate ranges).
# Quotas and the 401 rate limit are lifted (coturn has none by default) so the allocation row compares like with like.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cmd="${1:-}"; shift || true
case "$cmd" in
stop)
  rd="${1:?rundir}"; [ -f "$rd/rtcstack.pid" ] || exit 0
  pid="$(cat "$rd/rtcstack.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"; for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$rd/rtcstack.pid"; exit 0 ;;
start) ;;
*) sed -n 2,7p "$0"; exit 2 ;;
esac
port="${1:-34790}"; rd="${2:-$here/run/rtcstack-$port}"; mkdir -p "$rd"
dll="${DLL:-$root/turn/RtcStack.Turn.Server/bin/Release/net10.0/rtcstack-turn.dll}"
tls=(--no-tls)
if [ -n "${RTCSTACK_TLS_PORT:-}" ]; then
  [ -f "$rd/cert.pem" ] || openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=localhost" \
      -keyout "$rd/key.pem" -out "$rd/cert.pem" >/dev/null 2>&1
  tls=(--tls-listening-port "$RTCSTACK_TLS_PORT" --cert "$rd/cert.pem" --pkey "$rd/key.pem")
fi
[ -f "$dll" ] || dotnet build "$root/turn/RtcStack.Turn.Server" -c Release >/dev/null || exit 1
env DOTNET_gcServer=0 ${RTCSTACK_ENV:-} setsid dotnet "$dll" --listening-ip 127.0.0.1 --listening-port "$port" --realm bench.local \
  --user bench:benchpass --lt-cred-mech --fingerprint --allow-loopback-peers --min-port "${MIN_PORT:-50450}" --max-port "${MAX_PORT:-50989}" "${tls[@]}" \
  --user-quota 0 --total-quota 0 --challenge-rate 0 --no-stdout-log --log-file "$rd/rtcstack.log" \
  >"$rd/stdout.log" 2>&1 </dev/null &
pid=$!; echo "$pid" > "$rd/rtcstack.pid"
ok=0
for _ in $(seq 1 100); do
  kill -0 "$pid" 2>/dev/null || break
  if ss -ltnH "sport = :$port" | grep -q . && ss -lunH "sport = :$port" | grep -q .; then ok=1; break; fi
  sleep 0.1
done
[ "$ok" = 1 ] || { echo "rtcstack-turn failed to start (see $rd)" >&2; kill "$pid" 2>/dev/null; exit 1; }
echo "$pid $port - $rd"
