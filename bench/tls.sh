#!/usr/bin/env bash
# What security costs, in one run on this machine: the same benchmarks against one broker (embedded SQLite default,
# private ports and directory) started twice, first plaintext, then secured: TLS on Akka remoting (the akkakafka
# clients, mutual, as hocon/tls.hocon has it), SASL_SSL with SCRAM-SHA-256 on the Kafka listener, ACLs on (the bench
# user is allowed exactly the topics and groups it uses, so every request goes through the authorizer). 100-byte values,
# the clients on the same machine. Prints one table with the ratios, then cleans up (also on Ctrl-C or a failure).
#
#   bash bench/tls.sh                      # MESSAGES=1000000 E2E_MESSAGES=10000 by default
#   MESSAGES=300000 bash bench/tls.sh      # a quicker run
#
# Needs: the .NET SDK and openssl (for the self-signed certificate, as the README's recipe makes it).
set -euo pipefail
cd "$(dirname "$0")/.."
MESSAGES=${MESSAGES:-1000000}
E2E_MESSAGES=${E2E_MESSAGES:-10000}
SIZE=100

command -v openssl >/dev/null || { echo "tls.sh: openssl not found (apt-get install openssl)" >&2; exit 2; }

echo "== building (Release)" >&2
dotnet build src/AkkaKafka.Cli -c Release -v quiet -nologo >/dev/null
dotnet build bench/KafkaClientBench -c Release -v quiet -nologo >/dev/null
akkakafka() { dotnet src/AkkaKafka.Cli/bin/Release/net10.0/akkakafka.dll "$@"; }
kafka_client_bench() { dotnet bench/KafkaClientBench/bin/Release/net10.0/kafka-client-bench.dll "$@"; }

work=$(mktemp -d /tmp/akkakafka-tls-bench.XXXXXX)
broker_pid=
stop_broker() {
  [ -n "$broker_pid" ] || return 0
  kill "$broker_pid" 2>/dev/null || true
  wait "$broker_pid" 2>/dev/null || true
  broker_pid=
}
cleanup() { stop_broker; rm -rf "$work"; }
trap cleanup EXIT INT TERM

free_port() { local p=$1; while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done; echo "$p"; }
remoting_port=$(free_port 14753)
kafka_port=$(free_port 19792)
bootstrap=127.0.0.1:$remoting_port

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=akkakafka-bench" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$work/broker.key" -out "$work/broker.crt" 2>/dev/null
printf 'bench-secret\n' >"$work/bench.password"
printf 'admin-secret\n' >"$work/admin.password"
chmod 600 "$work"/*.password "$work/broker.key"

start_broker() { # start_broker DATA_DIR FLAGS...
  local data=$1; shift
  # dotnet itself in the background (not the akkakafka function, whose subshell a kill would leave the broker behind).
  dotnet src/AkkaKafka.Cli/bin/Release/net10.0/akkakafka.dll broker --port "$remoting_port" --kafka-port "$kafka_port" --http-port 0 \
    --data "$data" "$@" >"$data.log" 2>&1 &
  broker_pid=$!
  for _ in $(seq 1 120); do grep -q " is up" "$data.log" 2>/dev/null && break; kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.5; done
  grep -q " is up" "$data.log" || { echo "tls.sh: the broker did not start:" >&2; tail -5 "$data.log" >&2; exit 1; }
}

run() { # run COMMAND... -> the command's result line, echoed to stderr too; a failed command stops the script
  local line
  line=$("$@" 2>"$work/last.err" | tail -1) || { echo "tls.sh: failed: $*" >&2; tail -3 "$work/last.err" >&2; exit 1; }
  echo "   $line" >&2
  echo "$line"
}

bench_all() { # bench_all NAME AKKA_FLAGS_VAR KAFKA_FLAGS_VAR: sets NAME_produce, NAME_consume, NAME_e2e, NAME_kproduce, NAME_kconsume
  local name=$1; local -n akka_flags=$2; local -n kafka_flags=$3
  echo "== $name: akkakafka bench produce (acks=all), $MESSAGES records" >&2
  printf -v "${name}_produce" '%s' "$(run akkakafka bench produce --messages "$MESSAGES" --size $SIZE --acks all --topic produce --bootstrap "$bootstrap" "${akka_flags[@]}")"
  echo "== $name: akkakafka bench consume from the beginning, $MESSAGES records" >&2
  printf -v "${name}_consume" '%s' "$(run akkakafka bench consume --messages "$MESSAGES" --topic produce --bootstrap "$bootstrap" "${akka_flags[@]}")"
  echo "== $name: akkakafka bench e2e at 1,000 msgs/s, $E2E_MESSAGES records" >&2
  printf -v "${name}_e2e" '%s' "$(run akkakafka bench e2e --messages "$E2E_MESSAGES" --size $SIZE --throughput 1000 --topic e2e --bootstrap "$bootstrap" "${akka_flags[@]}")"
  echo "== $name: Kafka protocol, Confluent.Kafka produce (acks=all, linger 5 ms), $MESSAGES records" >&2
  printf -v "${name}_kproduce" '%s' "$(run kafka_client_bench produce --bootstrap-server "127.0.0.1:$kafka_port" --topic kafka-produce --messages "$MESSAGES" --size $SIZE --acks all --linger-ms 5 "${kafka_flags[@]}")"
  echo "== $name: Kafka protocol, Confluent.Kafka consume of the same topic" >&2
  printf -v "${name}_kconsume" '%s' "$(run kafka_client_bench consume --bootstrap-server "127.0.0.1:$kafka_port" --topic kafka-produce --messages "$MESSAGES" "${kafka_flags[@]}")"
}

# ---- plaintext -------------------------------------------------------------------------------------------------
echo "== plaintext broker: remoting $bootstrap, Kafka 127.0.0.1:$kafka_port" >&2
start_broker "$work/plain"
akkakafka topic create kafka-produce --partitions 1 --bootstrap "$bootstrap" >/dev/null
plain_akka=()
plain_kafka=()
bench_all plain plain_akka plain_kafka
stop_broker

# ---- secured: TLS on remoting, SASL_SSL (SCRAM-SHA-256) on the Kafka listener, ACLs on -----------------------------
echo "== secured broker: TLS remoting, SASL_SSL SCRAM-SHA-256, ACLs on" >&2
tls=(--tls-cert "$work/broker.crt" --tls-key "$work/broker.key")
start_broker "$work/secured" "${tls[@]}" --kafka-tls-cert "$work/broker.crt" --kafka-tls-key "$work/broker.key" \
  --kafka-sasl-mechanisms SCRAM-SHA-256 --acls --super-users admin
admin=("${tls[@]}" --username admin --password-file "$work/admin.password" --bootstrap "$bootstrap")
akkakafka user create admin --password-stdin "${tls[@]}" --bootstrap "$bootstrap" <"$work/admin.password" >/dev/null
akkakafka user create bench --password-stdin "${admin[@]}" <"$work/bench.password" >/dev/null
for topic in produce e2e kafka-produce; do
  akkakafka topic create "$topic" --partitions "$([ "$topic" = kafka-produce ] && echo 1 || echo 3)" "${admin[@]}" >/dev/null
  for operation in create write read; do akkakafka acl add --user bench --topic "$topic" --operation "$operation" "${admin[@]}" >/dev/null; done
done
akkakafka acl add --user bench --group 'kafka-client-bench-*' --operation read "${admin[@]}" >/dev/null
secured_akka=("${tls[@]}" --username bench --password-file "$work/bench.password")
secured_kafka=(-X security.protocol=SASL_SSL -X sasl.mechanisms=SCRAM-SHA-256 -X sasl.username=bench -X sasl.password=bench-secret
  -X "ssl.ca.location=$work/broker.crt")
bench_all secured secured_akka secured_kafka
stop_broker

rate() { grep -o '[0-9,]* msgs/s' <<<"$1" | head -1 | tr -d ', msgs/'; }
p() { grep -o "$1 [0-9,.]* ms" <<<"$2" | head -1 | awk '{print $2}' | tr -d ','; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f×", a / b; else print "-" }'; }
printf '\n%s\n' "AkkaKafka plaintext vs TLS + SCRAM + ACLs, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| %-58s | %14s | %14s | %8s |\n' "figure" "plaintext" "secured" "ratio"
printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..60})" "$(printf -- '-%.0s' {1..16})" "$(printf -- '-%.0s' {1..16})" "$(printf -- '-%.0s' {1..10})"
row() { printf '| %-58s | %14s | %14s | %8s |\n' "$1" "$2" "$3" "$4"; }
row "produce msgs/s (akkakafka bench, acks=all; TLS remoting)" "$(rate "$plain_produce")" "$(rate "$secured_produce")" "$(ratio "$(rate "$secured_produce")" "$(rate "$plain_produce")")"
row "consume msgs/s from the beginning (akkakafka bench)" "$(rate "$plain_consume")" "$(rate "$secured_consume")" "$(ratio "$(rate "$secured_consume")" "$(rate "$plain_consume")")"
row "e2e at 1,000 msgs/s: p50 / p99 ms" "$(p p50 "$plain_e2e") / $(p p99 "$plain_e2e")" "$(p p50 "$secured_e2e") / $(p p99 "$secured_e2e")" "-"
row "Kafka-protocol produce msgs/s (Confluent.Kafka; SASL_SSL)" "$(rate "$plain_kproduce")" "$(rate "$secured_kproduce")" "$(ratio "$(rate "$secured_kproduce")" "$(rate "$plain_kproduce")")"
row "Kafka-protocol consume msgs/s (Confluent.Kafka; SASL_SSL)" "$(rate "$plain_kconsume")" "$(rate "$secured_kconsume")" "$(ratio "$(rate "$secured_kconsume")" "$(rate "$plain_kconsume")")"
printf '\nResult lines as printed (plaintext, then secured):\n'
printf '%s\n' "$plain_produce" "$plain_consume" "$plain_e2e" "$plain_kproduce" "$plain_kconsume" \
  "$secured_produce" "$secured_consume" "$secured_e2e" "$secured_kproduce" "$secured_kconsume"
