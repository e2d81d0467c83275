#!/usr/bin/env bash
# Side-by-side figures of docs/BENCHMARKS.md: YCSB workloads A and C against Dynamo with one node (N = 1), Dynamo with
# three nodes (N = 3, R = W = 2) and Redis with AOF everysec, all on this machine, interleaved in rounds by one
# dynamo-bench invocation per setting. Run after a Release build:
#
#   dotnet build Dynamo.sln -c Release && bash Bench/side-by-side.sh [out-dir]
#
# Environment: DURATION (default 8s), WARMUP (2s), ROUNDS (2), RECORDS (100000), SETTINGS ("10:1 50:1 50:16", as
# clients:pipeline), WORKLOADS ("A C"), DYNAMO_ARGS (extra dynamo-server options, e.g. "--durability interval"),
# CLUSTER (1 to include the three-node cluster, the default; 0 to leave it out), REDIS_ALWAYS (1 to add a second
# Redis with AOF always, port 7422).
# Needs redis-server, redis-cli and jq (.ci/install-deps). Every server is stopped whatever happens.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/BenchmarkDotNet.Artifacts/side-by-side}
duration=${DURATION:-8s}
warmup=${WARMUP:-2s}
rounds=${ROUNDS:-2}
records=${RECORDS:-100000}
settings=${SETTINGS:-"10:1 50:1 50:16"}
workloads=${WORKLOADS:-"A C"}
read -r -a dynamo_args <<<"${DYNAMO_ARGS:-}"
script=side-by-side
# shellcheck source=Bench/release-build.sh
source "$root/Bench/release-build.sh"
for tool in redis-server redis-cli jq; do command -v "$tool" >/dev/null || fail "$tool is missing: run .ci/install-deps"; done

mkdir -p "$out"
tmp=$(mktemp -d -t dynamo-side-by-side-XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    cp "$tmp"/*.log "$out"/ 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# Ports: 1-node Dynamo 7401, 3-node Dynamo 7411-7413, Redis 7421.
start_node() { # id port peers n r w
    mkdir -p "$tmp/$1-$2"
    dotnet "$server" --node "$1" --listen "127.0.0.1:$2" --peers "$3" --data "$tmp/$1-$2" \
        --n "$4" --r "$5" --w "$6" --parent-pid $$ "${dynamo_args[@]}" >"$tmp/$1-$2.log" 2>&1 &
    pids+=("$!")
}
cluster=${CLUSTER:-1}
redis_always=${REDIS_ALWAYS:-0}
start_node solo 7401 "solo@127.0.0.1:7401" 1 1 1
peers="n1@127.0.0.1:7411,n2@127.0.0.1:7412,n3@127.0.0.1:7413"
if [ "$cluster" = 1 ]; then
    for i in 1 2 3; do start_node "n$i" "741$i" "$peers" 3 2 2; done
fi
start_redis() { # port fsync-policy
    mkdir -p "$tmp/redis-$1"
    redis-server --port "$1" --bind 127.0.0.1 --save '' --appendonly yes --appendfsync "$2" --dir "$tmp/redis-$1" \
        >"$tmp/redis-$1.log" 2>&1 &
    pids+=("$!")
}
start_redis 7421 everysec
[ "$redis_always" = 1 ] && start_redis 7422 always

wait_until() { # what command...
    local what=$1; shift
    for _ in $(seq 300); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    fail "$what did not answer within 30 s"
}
wait_until redis redis-cli -p 7421 ping
wait_until "dynamo 7401" dotnet "$cli" -p 7401 PING
targets=(--target dynamo://127.0.0.1:7401)
if [ "$cluster" = 1 ]; then
    for port in 7411 7412 7413; do wait_until "dynamo $port" dotnet "$cli" -p "$port" PING; done
    # The three-node cluster is ready when a quorum write goes through.
    wait_until "the 3-node cluster" dotnet "$cli" -p 7411 SET ready yes
    targets+=(--target dynamo://127.0.0.1:7411,127.0.0.1:7412,127.0.0.1:7413)
fi
targets+=(--target redis://127.0.0.1:7421)
if [ "$redis_always" = 1 ]; then
    wait_until "redis (AOF always)" redis-cli -p 7422 ping
    targets+=(--target redis://127.0.0.1:7422)
fi
load=()
for workload in $workloads; do
    for setting in $settings; do
        clients=${setting%%:*}
        pipeline=${setting##*:}
        name="$workload-c$clients-p$pipeline"
        echo "== workload $workload, $clients clients, pipeline $pipeline"
        dotnet "$bench" run --workload "$workload" --records "$records" --clients "$clients" --pipeline "$pipeline" \
            --duration "$duration" --warmup "$warmup" --rounds "$rounds" "${load[@]}" "${targets[@]}" \
            --json "$out/$name.json" >"$out/$name.txt" 2>"$out/$name.progress"
        load=(--no-load)
        tail -n +1 "$out/$name.txt" | grep -E "^(dynamo|redis)://|throughput|^  (read|update) " || true
    done
done

# One table: target, setting, throughput, read and update p50/p99/p99.9 (µs).
{
    printf '| workload | clients × pipeline | target | ops/s | read p50 | read p99 | read p99.9 | update p50 | update p99 | update p99.9 |\n'
    printf '|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n'
    for file in "$out"/*.json; do
        base=$(basename "$file" .json)
        jq -r --arg base "$base" '
            .targets[] as $t
            | ($base | split("-")) as $p
            | [$p[0], ($p[1][1:] + " × " + $p[2][1:]), $t.name, ($t.throughput_ops_s | floor),
               ($t.latency_us.read.p50 // "-"), ($t.latency_us.read.p99 // "-"), ($t.latency_us.read.p999 // "-"),
               ($t.latency_us.update.p50 // "-"), ($t.latency_us.update.p99 // "-"), ($t.latency_us.update.p999 // "-")]
            | "| " + (map(tostring) | join(" | ")) + " |"' "$file"
    done
} | tee "$out/summary.md"
