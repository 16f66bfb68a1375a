#!/usr/bin/env bash
# scripts/supervise.sh RUN NAME PORT CMD... : run CMD, the instance of service NAME that serves
# /health on PORT, and start it again when it dies (shared/CONTRACT.md, section 1: within 5 s).
#
# ./sk spawns it as the leader of a session of its own, CMD in the same process group: `./sk down`
# and `./sk scale` stop both with one SIGTERM to the group, and the supervisor, told so too, then
# waits for CMD and starts nothing again. (A signal to the supervisor alone ends the supervision only.)
# Beside ./sk's pid file (the supervisor's) in the directory RUN it keeps
#   NAME-PORT.service   "<pid> <start time>" of the running CMD: the pid `./sk ps` shows
#   NAME-PORT.restarts  how many times CMD was started again
# and writes "restarting NAME on PORT after exit CODE" to its stdout, the instance's log.
#
# A CMD that exits with an error before its /health ever answered 200 failed to start: it is not
# started again (it would fail the same way: configuration, build), and ./sk reports it with the
# log's last lines. Any other end (a signal's, or any end once it served) is a death: it starts again.
set -euo pipefail

# shellcheck source=scripts/infra.sh
source "$(dirname "${BASH_SOURCE[0]}")/infra.sh"

[ $# -ge 4 ] || { echo "usage: $0 RUN NAME PORT CMD..." >&2; exit 2; }
run=$1 name=$2 port=$3
shift 3
state="$run/$name-$port"

# Pause before each start again: 0.25 s, doubling while CMD keeps dying within RAN_LONG seconds of
# its start, so a crash loop costs little CPU yet each start still comes within 5 s of the death.
BACKOFF=(0.25 0.5 1 2 4)
RAN_LONG=30

stopping=
trap 'stopping=1' TERM INT

# bash's own stderr to /dev/null, CMD's to the log: bash would add a notice of its own ("Killed") to
# each death that the restart line reports.
exec 3>&2 2> /dev/null

stamp() { printf '=== %s: %s\n' "$(date '+%F %T')" "$*"; }

# written whole, then renamed: `./sk ps` never reads half a line
put() { printf '%s\n' "$2" > "$1.tmp" && mv -f "$1.tmp" "$1"; }

# reap : wait until CMD has ended, through waits that a signal (its trap) cut short; status in $code
code=0
reap() {
  local rc
  while :; do
    rc=0
    wait "$child" || rc=$?
    proc_start_time "$child" > /dev/null || break
  done
  code=$rc
}

why() { # the exit status as the log says it: "exit 137 (SIGKILL)" for a signal's
  local sig=
  [ "$code" -le 128 ] || sig=$(kill -l "$code" 2>/dev/null) || true
  printf 'exit %s%s' "$code" "${sig:+ (SIG$sig)}"
}

restarts=0
put "$state.restarts" 0
healthy=   # set once /health answered 200: from then on any end is a crash to recover from
quick=0    # index in BACKOFF
while :; do
  started=$SECONDS
  "$@" 2>&3 3>&- &
  child=$!
  put "$state.service" "$child $(proc_start_time "$child" || true)"
  while [ -z "$healthy" ] && [ -z "$stopping" ] && proc_start_time "$child" > /dev/null; do
    # fd 3 closed: health_ok's bash would write its request to the log through it when the port is closed
    if health_ok "$port" 3>&-; then healthy=1; else sleep 0.2 || true; fi
  done
  reap
  [ -z "$stopping" ] || exit 0
  if [ -z "$healthy" ] && [ "$code" -ge 1 ] && [ "$code" -le 128 ]; then
    stamp "$name on $port ended ($(why)) before its /health answered 200: not starting it again"
    exit "$code"
  fi

  [ $((SECONDS - started)) -lt "$RAN_LONG" ] || quick=0
  restarts=$((restarts + 1))
  stamp "restarting $name on $port after $(why): restart $restarts, in ${BACKOFF[quick]} s"
  put "$state.restarts" "$restarts"
  sleep "${BACKOFF[quick]}" || true   # cut short by a stop (the group's SIGTERM)
  [ "$quick" -ge $((${#BACKOFF[@]} - 1)) ] || quick=$((quick + 1))
  [ -z "$stopping" ] || exit 0
done
