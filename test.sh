#!/usr/bin/env bash
# The whole test suite: installs what the tests need when it is missing, builds, and runs every
# test project inside a private network namespace that has only loopback (ICE and TURN tests can
# never reach another interface; fixed ports cannot clash with the host). Ends with one plain line
# "N passed, N failed" and exits non-zero on any failure.
#
#   ./test.sh                  # everything
#   ./test.sh --filter X       # extra arguments go to every `dotnet test`
set -uo pipefail
cd "$(dirname "$0")"
root=$PWD
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# 1. System packages the interop and browser tests use.
need=()
command -v chromium          >/dev/null 2>&1 || need+=(chromium)
command -v redis-server      >/dev/null 2>&1 || need+=(redis-server)
command -v turnutils_uclient >/dev/null 2>&1 || need+=(coturn)
command -v openssl           >/dev/null 2>&1 || need+=(openssl)
command -v unshare           >/dev/null 2>&1 || need+=(util-linux)
command -v ip                >/dev/null 2>&1 || need+=(iproute2)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "test.sh: missing ${need[*]}; install them or run as root" >&2; exit 2; fi
  echo "test.sh: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || { echo "test.sh: apt-get failed" >&2; exit 2; }
fi
# coturn's package starts a system turnserver on 3478; the tests bring their own servers.
if command -v systemctl >/dev/null 2>&1; then systemctl stop coturn redis-server >/dev/null 2>&1 || true; fi

# 2. Build once (needs the NuGet registry, so outside the namespace).
dotnet build RtcStack.sln -c Release 2>&1 | tail -n 30
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "0 passed, 1 failed"; exit 1; }

# 3. Run each test project in a loopback-only network namespace.
out="$root/.test-output"; rm -rf "$out"; mkdir -p "$out"
projects=$(ls tests/*/*.Tests.csproj)
run_tests() {
  local status=0
  for p in $projects; do
    name=$(basename "$p" .csproj)
    echo "=== $name"
    dotnet test "$p" -c Release --no-build --logger "trx;LogFileName=$name.trx" --results-directory "$out" "$@" 2>&1 | tee "$out/$name.log" | grep -E '^(  Failed |Failed!|Passed!|  Error Message|   )' | head -n 200
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  done
  return $status
}
export -f run_tests; export projects out
if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
  unshare -n bash -c 'ip link set lo up && run_tests "$@"' _ "$@"
else
  echo "test.sh: no network namespace available; running on the host network" >&2
  run_tests "$@"
fi
status=$?

# 4. One plain summary line, counted from the TRX files.
passed=0; failed=0; skipped=0
for f in "$out"/*.trx; do
  [ -f "$f" ] || continue
  c=$(grep -o '<Counters [^>]*>' "$f" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$c"); fl=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$c")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$c"); e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$c")
  passed=$((passed + ${p:-0})); failed=$((failed + ${fl:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
if [ $status -ne 0 ] && [ $failed -eq 0 ]; then failed=1; fi   # a crashed test host counts as a failure
echo "$passed passed, $failed failed, $skipped skipped"
[ $status -eq 0 ] && [ $failed -eq 0 ]
