#!/usr/bin/env bash
# Side by side on this machine, in one run: Redis 7 Streams (Debian's redis-server, AOF appendfsync everysec) and an
# AkkaKafka broker on the embedded SQLite default, both on private ports and directories, the clients on the same
# machine, 100-byte values. Prints one table with the ratios, then cleans up (also on Ctrl-C or a failure).
#
#   bash bench/compare.sh                     # MESSAGES=2000000 CONSUME_MESSAGES=4000000 E2E_MESSAGES=10000 by default
#   MESSAGES=500000 bash bench/compare.sh     # a quicker run
#
# Needs: the .NET SDK, redis-server and redis-benchmark (apt-get install redis-server redis-tools).
set -euo pipefail
cd "$(dirname "$0")/.."
MESSAGES=${MESSAGES:-2000000}
CONSUME_MESSAGES=${CONSUME_MESSAGES:-4000000}
E2E_MESSAGES=${E2E_MESSAGES:-10000}
SIZE=100

for tool in redis-server redis-benchmark redis-cli; do
  command -v "$tool" >/dev/null || { echo "compare.sh: $tool not found (apt-get install redis-server redis-tools)" >&2; exit 2; }
done

echo "== building (Release)" >&2
dotnet build src/AkkaKafka.Cli -c Release -v quiet -nologo >/dev/null
dotnet build bench/KafkaClientBench -c Release -v quiet -nologo >/dev/null
akkakafka() { dotnet src/AkkaKafka.Cli/bin/Release/net10.0/akkakafka.dll "$@"; }
kafka_client_bench() { dotnet bench/KafkaClientBench/bin/Release/net10.0/kafka-client-bench.dll "$@"; }

work=$(mktemp -d /tmp/akkakafka-compare.XXXXXX)
redis_pid= broker_pid=
cleanup() {
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null || true
  [ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

free_port() { local p=$1; while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done; echo "$p"; }
redis_port=$(free_port 16379)
remoting_port=$(free_port 14653)
kafka_port=$(free_port 19692)

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# ---- Redis ---------------------------------------------------------------------------------------------------
mkdir -p "$work/redis"
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work/redis" --appendonly yes --appendfsync everysec \
  --save "" --daemonize no --logfile "$work/redis/redis.log" &
redis_pid=$!
for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
value=$(head -c $SIZE /dev/zero | tr '\0' 'x')
echo "== redis: XADD, -P 100 -c 8, $MESSAGES entries" >&2
redis_xadd=$(redis-benchmark -p "$redis_port" -P 100 -c 8 -n "$MESSAGES" -q XADD bench '*' v "$value" | tr '\r' '\n' | grep -o '[0-9.]* requests per second' | tail -1 | cut -d' ' -f1)
echo "== redis: XREAD COUNT 1000 from the start of the stream" >&2
redis_xread_rps=$(redis-benchmark -p "$redis_port" -c 1 -n 2000 -q XREAD COUNT 1000 STREAMS bench 0 | tr '\r' '\n' | grep -o '[0-9.]* requests per second' | tail -1 | cut -d' ' -f1)
redis_xread=$(awk -v r="$redis_xread_rps" 'BEGIN { printf "%.0f", r * 1000 }')
kill "$redis_pid"; wait "$redis_pid" 2>/dev/null || true; redis_pid=

# ---- AkkaKafka -------------------------------------------------------------------------------------------------
echo "== akkakafka: one broker, remoting 127.0.0.1:$remoting_port, Kafka 127.0.0.1:$kafka_port, data $work/data" >&2
dotnet src/AkkaKafka.Cli/bin/Release/net10.0/akkakafka.dll broker --port "$remoting_port" --kafka-port "$kafka_port" --http-port 0 --data "$work/data" >"$work/broker.log" 2>&1 &
broker_pid=$!
for _ in $(seq 1 120); do grep -q " is up" "$work/broker.log" && break; kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.5; done
grep -q " is up" "$work/broker.log" || { echo "compare.sh: the broker did not start:" >&2; tail -5 "$work/broker.log" >&2; exit 1; }
bootstrap=127.0.0.1:$remoting_port

run() { # run LABEL COMMAND... -> the command's result line, echoed to stderr too
  local line
  line=$("$@" 2>/dev/null | tail -1)
  echo "   $1 ${2:-}: $line" >&2
  echo "$line"
}
rate() { grep -o '[0-9,]* msgs/s' <<<"$1" | head -1 | tr -d ', msgs/'; }
p() { grep -o "$1 [0-9,.]* ms" <<<"$2" | head -1 | awk '{print $2}' | tr -d ','; }

echo "== akkakafka bench produce (acks=1), $MESSAGES records" >&2
produce=$(run akkakafka bench produce --messages "$MESSAGES" --size $SIZE --acks 1 --topic produce --bootstrap "$bootstrap")
echo "== akkakafka bench produce (acks=all), $MESSAGES records" >&2
produce_all=$(run akkakafka bench produce --messages "$MESSAGES" --size $SIZE --acks all --topic produce --bootstrap "$bootstrap")
echo "== Kafka protocol: Confluent.Kafka produce (acks=all, linger 5 ms), $MESSAGES records" >&2
kafka_produce=$(run kafka_client_bench produce --bootstrap-server "127.0.0.1:$kafka_port" --topic kafka-produce --messages "$MESSAGES" --size $SIZE --acks all --linger-ms 5)
echo "== filling a $CONSUME_MESSAGES-record topic, then akkakafka bench consume from the beginning" >&2
run akkakafka bench produce --messages "$CONSUME_MESSAGES" --size $SIZE --acks 1 --topic old --bootstrap "$bootstrap" >/dev/null
consume=$(run akkakafka bench consume --messages "$CONSUME_MESSAGES" --topic old --bootstrap "$bootstrap")
echo "== Kafka protocol: Confluent.Kafka consume of the same topic" >&2
kafka_consume=$(run kafka_client_bench consume --bootstrap-server "127.0.0.1:$kafka_port" --topic old --messages "$CONSUME_MESSAGES")
echo "== akkakafka bench e2e at 1,000 msgs/s, $E2E_MESSAGES records" >&2
e2e=$(run akkakafka bench e2e --messages "$E2E_MESSAGES" --size $SIZE --throughput 1000 --topic e2e --bootstrap "$bootstrap")
echo "== akkakafka bench produce at 50,000 msgs/s" >&2
steady=$(run akkakafka bench produce --messages 500000 --size $SIZE --throughput 50000 --topic steady --bootstrap "$bootstrap")
rss_mb=$(( $(awk '/VmRSS/ {print $2}' "/proc/$broker_pid/status") / 1024 ))

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "-" }'; }
printf '\n%s\n' "AkkaKafka vs Redis Streams, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| %-66s | %14s | %14s | %8s |\n' "figure" "AkkaKafka" "Redis" "ratio"
printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..68})" "$(printf -- '-%.0s' {1..16})" "$(printf -- '-%.0s' {1..16})" "$(printf -- '-%.0s' {1..10})"
row() { printf '| %-66s | %14s | %14s | %8s |\n' "$1" "$2" "$3" "$4"; }
row "produce msgs/s (akkakafka bench, acks=1 / redis XADD -P 100 -c 8)" "$(rate "$produce")" "${redis_xadd%.*}" "$(ratio "$(rate "$produce")" "$redis_xadd")"
row "produce msgs/s (akkakafka bench, acks=all)" "$(rate "$produce_all")" "${redis_xadd%.*}" "$(ratio "$(rate "$produce_all")" "$redis_xadd")"
row "Kafka-protocol produce msgs/s (Confluent.Kafka, acks=all, 5 ms)" "$(rate "$kafka_produce")" "${redis_xadd%.*}" "$(ratio "$(rate "$kafka_produce")" "$redis_xadd")"
row "consume msgs/s from the beginning, $CONSUME_MESSAGES records (XREAD 1000)" "$(rate "$consume")" "$redis_xread" "$(ratio "$(rate "$consume")" "$redis_xread")"
row "Kafka-protocol consume msgs/s (Confluent.Kafka)" "$(rate "$kafka_consume")" "$redis_xread" "$(ratio "$(rate "$kafka_consume")" "$redis_xread")"
row "e2e at 1,000 msgs/s: p50 / p99 ms" "$(p p50 "$e2e") / $(p p99 "$e2e")" "-" "-"
row "produce at 50,000 msgs/s: p99 ms" "$(p p99 "$steady")" "-" "-"
row "broker RSS after $((MESSAGES * 2 + CONSUME_MESSAGES)) records stored, $CONSUME_MESSAGES read (MB)" "$rss_mb" "-" "-"
printf '\nResult lines as printed:\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n' "$produce" "$produce_all" "$kafka_produce" "$consume" "$kafka_consume" "$e2e" "$steady"
