#!/usr/bin/env bash
# Makes sure a Redis answers on 127.0.0.1:$REDIS_PORT (default 6379). These
# machines usually run one already; otherwise start a throwaway one.
set -euo pipefail
port="${REDIS_PORT:-6379}"
ping() { redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; }
if command -v redis-cli >/dev/null && ping; then
  echo "redis: already answering on 127.0.0.1:$port"
  exit 0
fi
if ! command -v redis-server >/dev/null; then
  echo "redis: installing redis-server from Debian"
  apt-get update -qq && apt-get install -y -qq redis-server >/dev/null
fi
redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no
for _ in $(seq 1 50); do ping && { echo "redis: up on 127.0.0.1:$port"; exit 0; }; sleep 0.2; done
echo "redis: did not answer on 127.0.0.1:$port" >&2
exit 1
