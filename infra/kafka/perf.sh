#!/usr/bin/env bash
# perf.sh — baseline throughput of the local broker with Kafka's own Java tools
# (ProducerPerformance / ConsumerPerformance from the kafka-tools jar).
#
# Needs a running broker:   scripts/kafka-local.sh up
#
# Usage: infra/kafka/perf.sh [all|produce|consume]          (default: all)
#   all      create a fresh 3-partition topic, produce N records, consume them
#   produce  produce N records to $TOPIC (auto-created with num.partitions=3)
#   consume  consume N records from $TOPIC with a fresh consumer group
#
# Environment (defaults in brackets):
#   N [500000]  records     S [200]  record size in bytes
#   TOPIC [perf-<epoch>]    PARTITIONS [3]
#   ACKS [all]              COMPRESSION [none]  (none|gzip|lz4|zstd|snappy)
#   KAFKA_LOCAL_DIR [<repo>/.kafka]   KAFKA_LOCAL_PORT [9092]
#
# The raw commands, if you want to run them by hand from the repo root:
#   java -cp '.kafka/libs/*' org.apache.kafka.tools.ProducerPerformance \
#     --topic T --num-records 500000 --record-size 200 --throughput -1 \
#     --producer-props bootstrap.servers=127.0.0.1:9092 acks=all
#   java -cp '.kafka/libs/*' org.apache.kafka.tools.ConsumerPerformance \
#     --bootstrap-server 127.0.0.1:9092 --topic T --messages 500000
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
KAFKA_DIR="${KAFKA_LOCAL_DIR:-$REPO_ROOT/.kafka}"
BOOTSTRAP="127.0.0.1:${KAFKA_LOCAL_PORT:-9092}"

N="${N:-500000}"
S="${S:-200}"
TOPIC="${TOPIC:-perf-$(date +%s)}"
PARTITIONS="${PARTITIONS:-3}"
ACKS="${ACKS:-all}"
COMPRESSION="${COMPRESSION:-none}"

compgen -G "$KAFKA_DIR/libs/kafka-tools-[0-9]*.jar" >/dev/null ||
  { echo "perf: no jars in $KAFKA_DIR/libs - run scripts/kafka-local.sh up first" >&2; exit 1; }

tool() {
  java -Xmx1g -Dlog4j2.configurationFile="$SCRIPT_DIR/log4j2-tools.properties" \
    -cp "$KAFKA_DIR/libs/*" "$@"
}

create_topic() {
  echo "perf: creating topic $TOPIC ($PARTITIONS partitions, rf 1)"
  tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" \
    --create --if-not-exists --topic "$TOPIC" --partitions "$PARTITIONS" --replication-factor 1
}

produce() {
  echo "perf: ProducerPerformance topic=$TOPIC records=$N size=$S acks=$ACKS compression=$COMPRESSION"
  tool org.apache.kafka.tools.ProducerPerformance \
    --topic "$TOPIC" --num-records "$N" --record-size "$S" --throughput -1 \
    --producer-props bootstrap.servers="$BOOTSTRAP" acks="$ACKS" compression.type="$COMPRESSION"
}

consume() {
  echo "perf: ConsumerPerformance topic=$TOPIC messages=$N"
  tool org.apache.kafka.tools.ConsumerPerformance \
    --bootstrap-server "$BOOTSTRAP" --topic "$TOPIC" --messages "$N" \
    --group "perf-consumer-$(date +%s%N)" --timeout 30000
}

case "${1:-all}" in
  all) create_topic; produce; consume ;;
  produce) produce ;;
  consume) consume ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
