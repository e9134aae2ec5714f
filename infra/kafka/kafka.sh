#!/usr/bin/env bash
# A local Apache Kafka broker (KRaft, broker+controller in one JVM), or a cluster
# of them, run from the Maven Central jars listed in pom.xml; for machines without Docker.
#
#   kafka.sh fetch                       copy the jars into .cache/libs (once per version)
#   kafka.sh start --dir DIR --port N    broker on 127.0.0.1:N, controller on N+1
#   kafka.sh stop --dir DIR
#   kafka.sh start-cluster --dir DIR --nodes K --port N   K nodes: brokers on N..N+K-1, controllers on N+K..N+2K-1
#   kafka.sh stop-cluster --dir DIR
#   kafka.sh stop-node --dir DIR --node I [--kill]        node I (1..K) of a cluster; --kill: SIGKILL, no shutdown
#   kafka.sh start-node --dir DIR --node I                starts a stopped node again with its data
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
  sed -n '5,11s/^# \{0,1\}//p' "$0" >&2
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

# Sets $dir, $port, $nodes, $node and $kill from the arguments.
parse_args() {
  dir=""
  port=""
  nodes=""
  node=""
  kill=false
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --dir) dir="${2:-}"; shift 2 || usage ;;
      --port) port="${2:-}"; shift 2 || usage ;;
      --nodes) nodes="${2:-}"; shift 2 || usage ;;
      --node) node="${2:-}"; shift 2 || usage ;;
      --kill) kill=true; shift ;;
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

java_opts() {
  echo "-Dlog4j2.configurationFile=$1/log4j2.yaml"
}

# One combined broker+controller node's config in $1:
# write_config NODE_DIR NODE_ID BROKER_PORT CONTROLLER_PORT VOTERS, then extra lines on stdin.
write_config() {
  local node_dir="$1" node_id="$2" broker_port="$3" controller_port="$4" voters="$5"
  {
    cat <<PROPS
process.roles=broker,controller
node.id=$node_id
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$broker_port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$broker_port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$node_dir/data
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
PROPS
    cat
  } >"$node_dir/server.properties"
  cat >"$node_dir/log4j2.yaml" <<YAML
Configuration:
  status: warn
  Appenders:
    File:
      name: file
      fileName: "$node_dir/kafka.log"
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: warn
      AppenderRef:
        - ref: file
YAML
}

# The one-shot storage tool starts ~0.2 s faster with C1 only and the serial GC.
storage_tool() {
  local node_dir="$1"
  shift
  java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "$(java_opts "$node_dir")" -cp "$libs/*" kafka.tools.StorageTool "$@"
}

format_storage() {
  local node_dir="$1" cluster_id="$2"
  say "formatting storage in $node_dir/data (cluster id $cluster_id)"
  storage_tool "$node_dir" format --ignore-formatted -t "$cluster_id" -c "$node_dir/server.properties" >"$node_dir/format.out" 2>&1 ||
    { cat "$node_dir/format.out" >&2; die "storage format failed"; }
}

# Starts the node configured in $1 in the background (pid in $1/kafka.pid);
# wait_for_node then returns once its broker port $2 accepts connections.
launch_node() {
  local node_dir="$1" heap="$2"
  if [[ -f "$node_dir/kafka.pid" ]] && is_broker_pid "$(cat "$node_dir/kafka.pid")"; then
    die "a broker already runs from $node_dir (pid $(cat "$node_dir/kafka.pid"))"
  fi
  say "starting broker (log: $node_dir/kafka.log)"
  nohup java "-Xmx$heap" "$(java_opts "$node_dir")" -cp "$libs/*" kafka.Kafka "$node_dir/server.properties" >"$node_dir/kafka.out" 2>&1 &
  echo "$!" >"$node_dir/kafka.pid"
}

wait_for_node() {
  local node_dir="$1" broker_port="$2" pid
  pid="$(cat "$node_dir/kafka.pid")"
  local deadline=$((SECONDS + 90))
  until port_open "$broker_port"; do
    if ! kill -0 "$pid" 2>/dev/null || ((SECONDS >= deadline)); then
      echo "--- $node_dir/kafka.out" >&2
      tail -n 30 "$node_dir/kafka.out" >&2 || true
      echo "--- $node_dir/kafka.log" >&2
      tail -n 30 "$node_dir/kafka.log" >&2 || true
      kill -KILL "$pid" 2>/dev/null || true
      die "broker did not accept connections on 127.0.0.1:$broker_port within 90 s"
    fi
    sleep 0.2
  done
  say "broker pid $pid listening on 127.0.0.1:$broker_port"
}

# Stops the broker whose pid file is in $1: TERM (a controlled shutdown, KILL
# after 30 s), or KILL at once when $2 is true.
stop_node_dir() {
  local node_dir="$1" hard="${2:-false}"
  local pid_file="$node_dir/kafka.pid"
  if [[ ! -f "$pid_file" ]]; then
    say "no broker pid file in $node_dir; nothing to stop"
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
  if $hard; then
    say "killing broker pid $pid"
    kill -KILL "$pid" 2>/dev/null || true
  else
    say "stopping broker pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
  fi
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      say "broker pid $pid still running after 30 s; killing"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  rm -f "$pid_file"
  say "stopped"
}

require_port() {
  local span="$1"
  [[ "$port" =~ ^[0-9]+$ ]] && ((port > 0 && port + span - 1 < 65536)) || die "--port N required (N..N+$((span - 1)) must be free)"
  # Otherwise the wait for the broker could mistake another process's listener for ours.
  for ((p = port; p < port + span; p++)); do
    if port_open "$p"; then die "127.0.0.1:$p is already in use"; fi
  done
}

cmd_start() {
  parse_args "$@"
  [[ -f "$marker" ]] || die "jars missing; run '$0 fetch' first"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if [[ -f "$dir/kafka.pid" ]] && is_broker_pid "$(cat "$dir/kafka.pid")"; then
    die "a broker already runs from $dir (pid $(cat "$dir/kafka.pid"))"
  fi
  require_port 2
  local controller_port=$((port + 1))
  say "writing $dir/server.properties (broker 127.0.0.1:$port, controller 127.0.0.1:$controller_port)"
  write_config "$dir" 1 "$port" "$controller_port" "1@127.0.0.1:$controller_port" <<PROPS
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
PROPS
  format_storage "$dir" "$(storage_tool "$dir" random-uuid)"
  launch_node "$dir" 512m
  wait_for_node "$dir" "$port"
}

cmd_stop() {
  parse_args "$@"
  stop_node_dir "$dir"
}

# A cluster's layout, written by start-cluster and read by the node commands.
cluster_env() {
  [[ -f "$dir/cluster.env" ]] || die "no cluster in $dir (cluster.env missing; run start-cluster first)"
  # shellcheck source=/dev/null
  source "$dir/cluster.env"
}

require_node() {
  [[ "$node" =~ ^[0-9]+$ ]] && ((node >= 1 && node <= cluster_nodes)) || die "--node I required, 1..$cluster_nodes"
}

cmd_start_cluster() {
  parse_args "$@"
  [[ "$nodes" =~ ^[0-9]+$ ]] && ((nodes >= 1 && nodes <= 9)) || die "--nodes K required, 1..9"
  [[ -f "$marker" ]] || die "jars missing; run '$0 fetch' first"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  [[ ! -f "$dir/cluster.env" ]] || die "a cluster was already started in $dir"
  require_port $((2 * nodes))
  local voters="" i
  for ((i = 1; i <= nodes; i++)); do voters+="${voters:+,}$i@127.0.0.1:$((port + nodes + i - 1))"; done
  # With fewer than 3 nodes the replication settings fall back to what fits.
  local replication=$((nodes < 3 ? nodes : 3)) min_isr=$((nodes < 3 ? 1 : 2))
  printf 'cluster_nodes=%s\ncluster_port=%s\n' "$nodes" "$port" >"$dir/cluster.env"
  say "cluster of $nodes nodes in $dir: brokers 127.0.0.1:$port..$((port + nodes - 1)), controller quorum $voters"
  for ((i = 1; i <= nodes; i++)); do
    local node_dir="$dir/node-$i"
    mkdir -p "$node_dir"
    # A killed broker is fenced after broker.session.timeout.ms (9 s by
    # default): 4 s moves its partitions' leadership sooner, so producers'
    # retries outlast the failover.
    write_config "$node_dir" "$i" "$((port + i - 1))" "$((port + nodes + i - 1))" "$voters" <<PROPS
num.partitions=6
default.replication.factor=$replication
min.insync.replicas=$min_isr
offsets.topic.replication.factor=$replication
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=$replication
transaction.state.log.min.isr=$min_isr
unclean.leader.election.enable=false
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=500
PROPS
  done
  local cluster_id
  cluster_id="$(storage_tool "$dir/node-1" random-uuid)"
  local formats=()
  for ((i = 1; i <= nodes; i++)); do
    format_storage "$dir/node-$i" "$cluster_id" &
    formats+=($!)
  done
  for pid in "${formats[@]}"; do wait "$pid" || die "storage format failed"; done
  # All nodes start before any is waited for: a broker opens its port only once the controller quorum has a leader.
  for ((i = 1; i <= nodes; i++)); do launch_node "$dir/node-$i" 384m; done
  for ((i = 1; i <= nodes; i++)); do wait_for_node "$dir/node-$i" "$((port + i - 1))"; done
}

cmd_stop_cluster() {
  parse_args "$@"
  if [[ ! -f "$dir/cluster.env" ]]; then
    say "no cluster in $dir; nothing to stop"
    return
  fi
  cluster_env
  # All at once: stopped one by one, the last nodes would wait for a controller quorum that is gone.
  local i
  for ((i = 1; i <= cluster_nodes; i++)); do stop_node_dir "$dir/node-$i" "$kill" & done
  wait
}

cmd_stop_node() {
  parse_args "$@"
  cluster_env
  require_node
  stop_node_dir "$dir/node-$node" "$kill"
}

cmd_start_node() {
  parse_args "$@"
  cluster_env
  require_node
  launch_node "$dir/node-$node" 384m
  wait_for_node "$dir/node-$node" "$((cluster_port + node - 1))"
}

case "${1:-}" in
  fetch) shift; cmd_fetch "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  start-cluster) shift; cmd_start_cluster "$@" ;;
  stop-cluster) shift; cmd_stop_cluster "$@" ;;
  start-node) shift; cmd_start_node "$@" ;;
  stop-node) shift; cmd_stop_node "$@" ;;
  *) usage ;;
esac
