#!/usr/bin/env bash
# Starts a real Apache Kafka broker (KRaft, single node) on 127.0.0.1 from
# Maven Central jars, and returns once it answers. Idempotent: a broker that
# already answers is left alone.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
state="${LIVEGRADE_INFRA_DIR:-$repo/.infra}/kafka"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-9093}"
# a second broker (a test's own) may share the default broker's jars instead of copying them again
libs="${KAFKA_LIBS_DIR:-$state/libs}"
pidfile="$state/kafka.pid"
mkdir -p "$state"

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

if answers; then
  echo "kafka: already answering on 127.0.0.1:$port"
  exit 0
fi

# the classpath comes from Maven Central once per pom.xml (a version bump
# refetches); ~/.m2 caches the jars across clones
stamp="$(sha256sum "$here/pom.xml" | cut -c1-16)"
if [ "$(cat "$libs/.complete" 2>/dev/null)" != "$stamp" ]; then
  echo "kafka: fetching broker jars from Maven Central (once)"
  rm -rf "$libs"
  mvn -q -B -Dstyle.color=never -f "$here/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$libs"
  echo "$stamp" >"$libs/.complete"
fi

sed -e "s#@DATA_DIR@#$state#g" -e "s#@PORT@#$port#g" -e "s#@CONTROLLER_PORT@#$controller_port#g" \
  "$here/server.properties" >"$state/server.properties"

java_opts=(-Xms128m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
  "-Dkafka.logs.dir=$state/logs" "-Dlog4j2.configurationFile=$here/log4j2.properties")

# KRaft storage is formatted once per data dir, with a cluster id kept beside it
if [ ! -f "$state/data/meta.properties" ]; then
  cluster_id="$(java -cp "$libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
  java "${java_opts[@]}" -cp "$libs/*" kafka.tools.StorageTool format -t "$cluster_id" \
    -c "$state/server.properties" --ignore-formatted >"$state/format.log" 2>&1 ||
    { cat "$state/format.log"; exit 1; }
fi

mkdir -p "$state/logs"
rm -f "$state/logs/server.log"
nohup java "${java_opts[@]}" -cp "$libs/*" kafka.Kafka "$state/server.properties" \
  >"$state/logs/stdout.log" 2>&1 &
echo $! >"$pidfile"

# ready = the broker logged that it finished starting (after controller
# election and metadata load) and its listener accepts connections
for _ in $(seq 1 120); do
  if grep -q "Kafka Server started" "$state/logs/server.log" 2>/dev/null && answers; then
    echo "kafka: broker up on 127.0.0.1:$port (pid $(cat "$pidfile"), data in $state)"
    exit 0
  fi
  if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "kafka: broker exited during start; last log lines:" >&2
    tail -n 40 "$state/logs/stdout.log" "$state/logs/server.log" 2>/dev/null >&2
    exit 1
  fi
  sleep 1
done
echo "kafka: broker did not answer within 120 s; last log lines:" >&2
tail -n 40 "$state/logs/server.log" >&2 || true
exit 1
