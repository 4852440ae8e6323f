#!/usr/bin/env bash
# What an fsync per commit costs: `bench produce` against a one-broker SQLite cluster with
# akkakafka.storage.sqlite.synchronous = normal and = full, alternating (normal, full, normal, full, ...) so that the
# load of a shared machine falls on both alike; each run on a fresh data directory. Prints every run, the median of
# each and the ratio full / normal, with the load before and after.
#
#   bash bench/synchronous.sh                    # RUNS=3 (of each) MESSAGES=500000 by default
#   RUNS=5 MESSAGES=1000000 bash bench/synchronous.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
MESSAGES=${MESSAGES:-500000}

echo "== building (Release)" >&2
dotnet build src/AkkaKafka.Cli -c Release -v quiet -nologo >/dev/null
akkakafka() { dotnet src/AkkaKafka.Cli/bin/Release/net10.0/akkakafka.dll "$@"; }

work=$(mktemp -d /tmp/akkakafka-synchronous.XXXXXX)
broker_pid=
trap '[ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT INT TERM

free_port() { local p=$1; while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done; echo "$p"; }
remoting_port=$(free_port 14753)

echo "== machine: $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
declare -A rates
for run in $(seq 1 "$RUNS"); do
  for mode in normal full; do
    data="$work/$mode-$run"
    mkdir -p "$data"
    echo "akkakafka.storage.sqlite.synchronous = $mode" >"$work/$mode.hocon"
    # The broker runs as dotnet itself in the background, so stopping it frees its port for the next run.
    dotnet src/AkkaKafka.Cli/bin/Release/net10.0/akkakafka.dll broker --port "$remoting_port" --kafka-port 0 --http-port 0 \
      --data "$data" --config "$work/$mode.hocon" >"$data/broker.out" 2>&1 &
    broker_pid=$!
    for _ in $(seq 1 240); do grep -q " is up" "$data/broker.out" && break; kill -0 "$broker_pid" 2>/dev/null || break; sleep 0.5; done
    grep -q " is up" "$data/broker.out" || { echo "synchronous.sh: the broker did not start:" >&2; tail -5 "$data/broker.out" >&2; exit 1; }
    line=$(akkakafka bench produce --messages "$MESSAGES" --acks all --topic sync --bootstrap "127.0.0.1:$remoting_port" 2>/dev/null | tail -1)
    rate=$(grep -o '[0-9,]* msgs/s' <<<"$line" | head -1 | tr -d ', msgs/')
    [ -n "$rate" ] || { echo "synchronous.sh: no rate in: $line" >&2; exit 1; }
    echo "   run $run $mode: $line" >&2
    rates[$mode]+="$rate "
    kill "$broker_pid"; wait "$broker_pid" 2>/dev/null || true; broker_pid=
  done
done
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
normal=$(median "${rates[normal]}")
full=$(median "${rates[full]}")
printf '%-8s %-40s %12s\n' "mode" "runs (msgs/s, acks=all, $MESSAGES x 100 B)" "median"
printf '%-8s %-40s %12s\n' "normal" "${rates[normal]}" "$normal"
printf '%-8s %-40s %12s\n' "full" "${rates[full]}" "$full"
awk -v f="$full" -v n="$normal" 'BEGIN { printf "full / normal: %.2f (%+.0f%%)\n", f / n, (f / n - 1) * 100 }'
