#!/usr/bin/env bash
# A local single-node Apache Kafka broker (KRaft, broker+controller in one JVM)
# run from the Maven Central jars listed in pom.xml; for machines without Docker.
#
#   kafka.sh fetch                       copy the jars into .cache/libs (once per version)
#   kafka.sh start --dir DIR --port N    broker on 127.0.0.1:N, controller on N+1
#   kafka.sh stop --dir DIR
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pom="$here/pom.xml"
cache="$here/.cache"
libs="$cache/libs"
kafka_version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$pom")"
marker="$cache/libs-complete-kafka-$kafka_version"

say() { echo "kafka.sh: $*"; }
die() { echo "kafka.sh: error: $*" >&2; exit 1; }

usage() {
  sed -n '5,7s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

cmd_fetch() {
  mkdir -p "$cache"
  # Concurrent test processes may fetch at once; one copies, the others wait.
  exec 9>"$cache/fetch.lock"
  flock 9
  if [[ -f "$marker" ]]; then
    say "jars for Kafka $kafka_version already in $libs"
    return
  fi
  say "fetching Kafka $kafka_version jars from Maven Central into $libs"
  # Start from an empty directory so jars of another version never share the classpath.
  rm -rf "$libs" "$cache"/libs-complete-*
  # Output only on failure: Maven 3.8 prints stray ANSI resets even with -q -B.
  mvn -q -B -f "$pom" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$libs" \
    >"$cache/mvn.log" 2>&1 || { cat "$cache/mvn.log" >&2; die "mvn dependency:copy-dependencies failed"; }
  touch "$marker"
  say "fetched $(find "$libs" -name '*.jar' | wc -l) jars"
}

# Sets $dir and $port from --dir/--port.
parse_args() {
  dir=""
  port=""
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --dir) dir="${2:-}"; shift 2 || usage ;;
      --port) port="${2:-}"; shift 2 || usage ;;
      *) usage ;;
    esac
  done
  [[ -n "$dir" ]] || usage
}

is_broker_pid() {
  [[ -r "/proc/$1/cmdline" ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q 'kafka\.Kafka'
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

write_config() {
  local controller_port=$((port + 1))
  cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
PROPS
  cat >"$dir/log4j2.yaml" <<YAML
Configuration:
  status: warn
  Appenders:
    File:
      name: file
      fileName: "$dir/kafka.log"
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: warn
      AppenderRef:
        - ref: file
YAML
}

cmd_start() {
  parse_args "$@"
  [[ "$port" =~ ^[0-9]+$ ]] && ((port > 0 && port < 65535)) || die "--port N required (N and N+1 must be free)"
  [[ -f "$marker" ]] || die "jars missing; run '$0 fetch' first"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if [[ -f "$dir/kafka.pid" ]] && is_broker_pid "$(cat "$dir/kafka.pid")"; then
    die "a broker already runs from $dir (pid $(cat "$dir/kafka.pid"))"
  fi
  # Otherwise the wait below could mistake another process's listener for ours.
  for p in "$port" "$((port + 1))"; do
    if port_open "$p"; then die "127.0.0.1:$p is already in use"; fi
  done
  local java_opts=(-Dlog4j2.configurationFile="$dir/log4j2.yaml" -cp "$libs/*")
  # The one-shot storage tool starts ~0.2 s faster with C1 only and the serial GC.
  local tool_opts=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC "${java_opts[@]}")

  say "writing $dir/server.properties (broker 127.0.0.1:$port, controller 127.0.0.1:$((port + 1)))"
  write_config

  local cluster_id
  cluster_id="$(java "${tool_opts[@]}" kafka.tools.StorageTool random-uuid)"
  say "formatting storage in $dir/data (cluster id $cluster_id)"
  java "${tool_opts[@]}" kafka.tools.StorageTool format --ignore-formatted \
    -t "$cluster_id" -c "$dir/server.properties" >"$dir/format.out" 2>&1 ||
    { cat "$dir/format.out" >&2; die "storage format failed"; }

  say "starting broker (log: $dir/kafka.log)"
  nohup java -Xmx512m "${java_opts[@]}" kafka.Kafka "$dir/server.properties" >"$dir/kafka.out" 2>&1 &
  local pid=$!
  echo "$pid" >"$dir/kafka.pid"

  local deadline=$((SECONDS + 60))
  until port_open "$port"; do
    if ! kill -0 "$pid" 2>/dev/null || ((SECONDS >= deadline)); then
      echo "--- $dir/kafka.out" >&2
      tail -n 30 "$dir/kafka.out" >&2 || true
      echo "--- $dir/kafka.log" >&2
      tail -n 30 "$dir/kafka.log" >&2 || true
      kill -KILL "$pid" 2>/dev/null || true
      die "broker did not accept connections on 127.0.0.1:$port within 60 s"
    fi
    sleep 0.2
  done
  say "broker pid $pid listening on 127.0.0.1:$port"
}

cmd_stop() {
  parse_args "$@"
  local pid_file="$dir/kafka.pid"
  if [[ ! -f "$pid_file" ]]; then
    say "no broker pid file in $dir; nothing to stop"
    return
  fi
  local pid
  pid="$(cat "$pid_file")"
  # The pid may have been reused since; only signal a Kafka broker.
  if ! is_broker_pid "$pid"; then
    say "broker pid $pid is not running"
    rm -f "$pid_file"
    return
  fi
  say "stopping broker pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 10))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      say "broker pid $pid still running after 10 s; killing"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  rm -f "$pid_file"
  say "stopped"
}

case "${1:-}" in
  fetch) shift; cmd_fetch "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) usage ;;
esac
