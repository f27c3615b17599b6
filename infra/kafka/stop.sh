#!/usr/bin/env bash
# Stops the broker started by start.sh, by its pid: TERM, then KILL after 30 s.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
pidfile="${LIVEGRADE_INFRA_DIR:-$repo/.infra}/kafka/kafka.pid"
[ -f "$pidfile" ] || { echo "kafka: not started by infra/kafka/start.sh"; exit 0; }
pid="$(cat "$pidfile")"
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  echo "kafka: stopped (pid $pid)"
fi
rm -f "$pidfile"
