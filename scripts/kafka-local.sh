#!/usr/bin/env bash
# kafka-local.sh - a real single-node Apache Kafka 4.x broker (KRaft, combined
# broker+controller) for local development and tests, without Docker.
#
# The broker comes from Maven Central jars (see infra/kafka/pom.xml); the only
# prerequisites are a Java 17+ runtime and Maven:
#   apt-get install -y openjdk-17-jre-headless maven
#
# Usage: scripts/kafka-local.sh <command> [options]
#   up             fetch jars (first time only), format storage, start the broker,
#                  wait until it answers metadata requests. Idempotent.
#   down [--purge] stop the broker (SIGTERM, then SIGKILL after 30 s). Idempotent.
#                  --purge also deletes the data directory (topics, offsets).
#   status         print whether the broker runs and answers; exit 0 only if it answers.
#   logs [-f]      show the last 100 lines of the broker log (-f: follow).
#
# Environment:
#   KAFKA_LOCAL_DIR      state dir (jars, data, log, pid)   default <repo>/.kafka
#   KAFKA_LOCAL_PORT     PLAINTEXT port; controller = +1    default 9092
#   KAFKA_LOCAL_TIMEOUT  seconds `up` waits for readiness   default 90
#   KAFKA_LOCAL_HEAP     broker -Xmx                        default 512m
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
INFRA_DIR="$REPO_ROOT/infra/kafka"

KAFKA_DIR="$(realpath -m "${KAFKA_LOCAL_DIR:-$REPO_ROOT/.kafka}")"
PORT="${KAFKA_LOCAL_PORT:-9092}"
CONTROLLER_PORT=$((PORT + 1))
HOST=127.0.0.1
BOOTSTRAP="$HOST:$PORT"
TIMEOUT="${KAFKA_LOCAL_TIMEOUT:-90}"
HEAP="${KAFKA_LOCAL_HEAP:-512m}"

LIBS_DIR="$KAFKA_DIR/libs"
DATA_DIR="$KAFKA_DIR/data"
PID_FILE="$KAFKA_DIR/broker.pid"
LOG_FILE="$KAFKA_DIR/broker.log"
PROPS_FILE="$KAFKA_DIR/server.properties"
CLIENT_PROPS_FILE="$KAFKA_DIR/client.properties"
CLUSTER_ID_FILE="$KAFKA_DIR/cluster.id"
POM="$INFRA_DIR/pom.xml"
STAMP_FILE="$LIBS_DIR/.pom.sha256"

SERVICE=kafka-local
# shellcheck source=lib/local-service.sh
source "$SCRIPT_DIR/lib/local-service.sh"

# ---------------------------------------------------------------- prerequisites
require_java() {
  command -v java >/dev/null 2>&1 ||
    die "java not found: install a Java 17+ runtime, e.g. 'apt-get install -y openjdk-17-jre-headless maven'"
  local ver major
  ver="$(java -version 2>&1 | awk -F'"' '/version/ { print $2; exit }')"
  major="${ver%%.*}"
  if [[ "$major" =~ ^[0-9]+$ ]] && (( major < 17 )); then
    die "java $ver found but Kafka 4.x needs Java 17+, e.g. 'apt-get install -y openjdk-17-jre-headless'"
  fi
}

require_mvn() {
  command -v mvn >/dev/null 2>&1 ||
    die "mvn not found (needed once to fetch the Kafka jars from Maven Central): 'apt-get install -y maven'"
}

pom_hash() { sha256sum "$POM" | awk '{ print $1 }'; }

jars_present() {
  [[ -f "$STAMP_FILE" ]] && [[ "$(cat "$STAMP_FILE")" == "$(pom_hash)" ]] &&
    compgen -G "$LIBS_DIR/kafka_2.13-*.jar" >/dev/null &&
    compgen -G "$LIBS_DIR/kafka-tools-[0-9]*.jar" >/dev/null
}

fetch_jars() {
  if jars_present; then
    return 0
  fi
  require_mvn
  local t0; t0="$(now)"
  say "fetching jars from Maven Central (infra/kafka/pom.xml) into $LIBS_DIR …"
  # Start from an empty dir so a version bump never leaves two Kafka versions on the classpath.
  rm -rf "$LIBS_DIR"
  mkdir -p "$LIBS_DIR"
  local mvn_log="$KAFKA_DIR/mvn-fetch.log"
  # Output goes to a file (Maven 3.8 prints stray ANSI resets even with -q) and is shown on failure.
  if ! mvn -B -q -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
      -DoutputDirectory="$LIBS_DIR" -DincludeScope=runtime >"$mvn_log" 2>&1; then
    tail -n 40 "$mvn_log" >&2 || true
    rm -rf "$LIBS_DIR"
    die "maven could not fetch the Kafka jars (is Maven Central reachable?); full output: $mvn_log"
  fi
  rm -f "$mvn_log"
  pom_hash >"$STAMP_FILE"
  say "fetched $(find "$LIBS_DIR" -name '*.jar' | wc -l) jars ($(du -sh "$LIBS_DIR" | cut -f1)) in $(elapsed_since "$t0") s"
}

# Run a Kafka CLI class with the downloaded jars and the quiet tools log config.
kafka_tool() {
  java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
    -Dlog4j2.configurationFile="$INFRA_DIR/log4j2-tools.properties" \
    -cp "$LIBS_DIR/*" "$@"
}

# ---------------------------------------------------------------- liveness checks
write_client_props() {
  mkdir -p "$KAFKA_DIR"
  cat >"$CLIENT_PROPS_FILE" <<EOF
# Admin-client settings used by kafka-local.sh's readiness probe (fail fast).
request.timeout.ms=5000
default.api.timeout.ms=8000
EOF
}

# A real metadata round-trip (Admin listTopics). Needs the jars.
answers_metadata() {
  jars_present || return 1
  write_client_props
  timeout 30 java -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
    -Dlog4j2.configurationFile="$INFRA_DIR/log4j2-tools.properties" \
    -cp "$LIBS_DIR/*" org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$BOOTSTRAP" --command-config "$CLIENT_PROPS_FILE" --list >/dev/null 2>&1
}

is_service_pid() {
  local pid="$1"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'
}


# ---------------------------------------------------------------- config
cluster_id() {
  if [[ ! -s "$CLUSTER_ID_FILE" ]]; then
    # 16 random bytes, base64url without padding = 22 chars (Kafka's Uuid format). Like
    # Kafka's Uuid.randomUuid, never one that starts with "-": the storage tool would read it
    # as an option ("--cluster-id: expected one argument"), one format in 64.
    local id="-"
    while [[ "$id" == -* ]]; do
      id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-22)"
    done
    printf '%s\n' "$id" >"$CLUSTER_ID_FILE"
  fi
  cat "$CLUSTER_ID_FILE"
}

write_server_props() {
  cat >"$PROPS_FILE" <<EOF
# Generated by scripts/kafka-local.sh - edits are overwritten on every 'up'.
# Single combined KRaft node (broker + controller) for local development.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT

log.dirs=$DATA_DIR
num.partitions=3
auto.create.topics.enable=true
delete.topic.enable=true

# Everything is single-replica on one node.
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1

# Consumers join immediately instead of waiting 3 s for more members.
group.initial.rebalance.delay.ms=0
# Offset commits are acknowledged without the default 5 ms write linger of the
# group coordinator: manual commit-per-batch round trips drop from ~10 ms to ~1-2 ms.
group.coordinator.append.linger.ms=0

# Small (2-core) machine: modest thread pools; retention stays at Kafka's 7-day default.
num.network.threads=3
num.io.threads=4
EOF
}

format_storage() {
  if [[ -f "$DATA_DIR/meta.properties" ]]; then
    return 0 # already formatted; keep the data
  fi
  say "formatting KRaft storage in $DATA_DIR"
  local out
  if ! out="$(kafka_tool kafka.tools.StorageTool format -t "$(cluster_id)" -c "$PROPS_FILE" --ignore-formatted 2>&1)"; then
    printf '%s\n' "$out" >&2
    die "storage format failed (see above)"
  fi
}

# ---------------------------------------------------------------- commands
cmd_up() {
  local t0; t0="$(now)"
  require_java

  if port_open "$PORT"; then
    if answers_metadata; then
      say "a broker is already answering on $BOOTSTRAP - nothing to do"
      return 0
    fi
    if is_service_pid "$(read_pid)"; then
      say "broker (pid $(read_pid)) is starting; waiting for it"
    else
      # Nothing to talk to without jars: fetch them and re-check before giving up.
      fetch_jars
      if answers_metadata; then
        say "a broker is already answering on $BOOTSTRAP - nothing to do"
        return 0
      fi
      die "port $PORT is in use by something that does not answer Kafka metadata requests (try KAFKA_LOCAL_PORT=...)"
    fi
  fi

  fetch_jars
  mkdir -p "$KAFKA_DIR" "$DATA_DIR"

  local pid; pid="$(read_pid)"
  if is_service_pid "$pid"; then
    say "broker process $pid exists but does not answer yet; waiting for it"
  else
    rm -f "$PID_FILE"
    if port_open "$CONTROLLER_PORT"; then
      die "controller port $CONTROLLER_PORT is already in use (try KAFKA_LOCAL_PORT=...)"
    fi
    write_server_props
    format_storage
    say "starting broker on $BOOTSTRAP (controller $HOST:$CONTROLLER_PORT, log $LOG_FILE)"
    start_detached java -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -Djava.awt.headless=true \
      -Dkafka.logs.dir="$KAFKA_DIR" \
      -Dlog4j2.configurationFile="$INFRA_DIR/log4j2.properties" \
      -cp "$LIBS_DIR/*" kafka.Kafka "$PROPS_FILE"
    pid="$STARTED_PID"
  fi

  # 1) wait for the TCP listener, 2) wait for a real metadata answer.
  local deadline=$(( $(date +%s) + TIMEOUT ))
  while ! port_open "$PORT"; do
    die_if_exited "$pid" "the broker"
    (( $(date +%s) < deadline )) ||
      die "broker not listening on $BOOTSTRAP after ${TIMEOUT}s; see $LOG_FILE (stop it with: $0 down)"
    sleep 0.2
  done
  until answers_metadata; do
    die_if_exited "$pid" "the broker"
    (( $(date +%s) < deadline )) ||
      die "broker on $BOOTSTRAP does not answer metadata requests after ${TIMEOUT}s; see $LOG_FILE (stop it with: $0 down)"
    sleep 0.5
  done
  say "broker ready on $BOOTSTRAP (pid $pid, $(elapsed_since "$t0") s)"
}

cmd_down() {
  local purge=0 arg
  for arg in "$@"; do
    case "$arg" in
      --purge) purge=1 ;;
      *) die "unknown option for down: $arg" ;;
    esac
  done

  stop_service broker "$PORT" 30

  if (( purge )); then
    rm -rf "$DATA_DIR" "$CLUSTER_ID_FILE"
    say "purged $DATA_DIR"
  fi
}

cmd_status() {
  local pid running=0 answering=0
  pid="$(read_pid)"
  if is_service_pid "$pid"; then running=1; fi
  if port_open "$PORT" && answers_metadata; then answering=1; fi

  if (( running )); then say "process: running (pid $pid)"; else say "process: not running (from $KAFKA_DIR)"; fi
  if (( answering )); then
    say "broker: answering on $BOOTSTRAP"
  elif port_open "$PORT"; then
    say "broker: port $PORT open but no Kafka metadata answer (starting, or not Kafka)"
  else
    say "broker: not answering on $BOOTSTRAP"
  fi
  (( answering ))
}

service_main "$@"
