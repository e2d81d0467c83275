#!/usr/bin/env bash
# Anti-entropy figures of docs/BENCHMARKS.md § Anti-entropy, on real processes on this machine:
#  1. convergence: a three-node cluster (N = 3) holding RECORDS keys; one node is killed, its data folder wiped, and
#     it is started again (a new epoch); the time until its Info shows every key again, with no client read;
#  2. cost: two three-node clusters side by side, one with anti-entropy on at a short interval, one with it off,
#     loaded by one dynamo-bench run with both targets in interleaved rounds; the report's ratio is the cost.
# Run after a Release build:
#
#   dotnet build Dynamo.sln -c Release && bash Bench/anti-entropy.sh [out-dir]
#
# Environment: RECORDS (default 100000), AE_INTERVAL_MS (500), AE_KEYS_PER_S (the rate for the convergence run,
# default 5000, the server's default), DURATION (8s), WARMUP (2s), ROUNDS (3), CLIENTS (50), WORKLOAD (A),
# SKIP_CONVERGENCE / SKIP_COST (1 to leave a part out). Every server is stopped whatever happens.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/BenchmarkDotNet.Artifacts/anti-entropy}
records=${RECORDS:-100000}
interval=${AE_INTERVAL_MS:-500}
keys_per_s=${AE_KEYS_PER_S:-5000}
duration=${DURATION:-8s}
warmup=${WARMUP:-2s}
rounds=${ROUNDS:-3}
clients=${CLIENTS:-50}
workload=${WORKLOAD:-A}
script=anti-entropy
# shellcheck source=Bench/release-build.sh
source "$root/Bench/release-build.sh"

mkdir -p "$out"
tmp=$(mktemp -d -t dynamo-anti-entropy-XXXXXX)
declare -A pid_of=()
stop_pid() {
    kill -TERM "$1" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null || true
}
cleanup() {
    for pid in "${pid_of[@]}"; do stop_pid "$pid"; done
    cp "$tmp"/*.log "$out"/ 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

start_node() { # id port peers extra-options...
    local id=$1 port=$2 peers=$3; shift 3
    mkdir -p "$tmp/$id"
    dotnet "$server" --node "$id" --listen "127.0.0.1:$port" --peers "$peers" --data "$tmp/$id" \
        --durability interval --parent-pid $$ "$@" >>"$tmp/$id.log" 2>&1 &
    pid_of[$id]=$!
}
wait_until() { # what command...
    local what=$1; shift
    for _ in $(seq 600); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
    fail "$what did not happen within 60 s"
}
info_field() { # port field
    dotnet "$cli" -p "$1" INFO | sed -n "s/^$2://p"
}
now_ms() { date +%s%3N; }

if [ "${SKIP_CONVERGENCE:-0}" != 1 ]; then
    # Ports 7511-7513: anti-entropy on, every AE_INTERVAL_MS, AE_KEYS_PER_S keys per second per node.
    peers="c1@127.0.0.1:7511,c2@127.0.0.1:7512,c3@127.0.0.1:7513"
    ae=(--anti-entropy on --ae-interval-ms "$interval" --ae-keys-per-s "$keys_per_s")
    for i in 1 2 3; do start_node "c$i" "751$i" "$peers" "${ae[@]}"; done
    wait_until "the 3-node cluster" dotnet "$cli" -p 7511 SET ready yes
    echo "== loading $records records (W = 3)"
    dotnet "$bench" load --records "$records" --w 3 --seed 1 --target dynamo://127.0.0.1:7511,127.0.0.1:7512,127.0.0.1:7513 \
        >"$out/convergence-load.txt" 2>&1
    total=$(info_field 7511 keys)
    echo "c1 holds $total keys; wiping c3"
    stop_pid "${pid_of[c3]}"
    rm -rf "$tmp/c3"
    start=$(now_ms)
    start_node c3 7513 "$peers" "${ae[@]}"
    wait_until "c3 to answer" dotnet "$cli" -p 7513 PING
    up=$(now_ms)
    while :; do
        keys=$(info_field 7513 keys || echo 0)
        [ "${keys:-0}" -ge "$total" ] && break
        [ $(( $(now_ms) - start )) -gt 600000 ] && fail "c3 holds $keys of $total keys after 10 minutes"
        sleep 0.1
    done
    done_at=$(now_ms)
    {
        echo "records: $records (c1 holds $total keys); --ae-interval-ms $interval --ae-keys-per-s $keys_per_s"
        echo "c3 restarted wiped: answering after $(( up - start )) ms; every key back after $(( done_at - start )) ms from the restart"
        for port in 7511 7512 7513; do
            echo "-- 127.0.0.1:$port"
            dotnet "$cli" -p "$port" INFO | grep -E '^(keys|ae_)'
        done
    } | tee "$out/convergence.txt"
    for id in c1 c2 c3; do stop_pid "${pid_of[$id]}"; unset "pid_of[$id]"; done
fi

if [ "${SKIP_COST:-0}" != 1 ]; then
    # Ports 7521-7523: anti-entropy on every AE_INTERVAL_MS; 7531-7533: off.
    on="n1@127.0.0.1:7521,n2@127.0.0.1:7522,n3@127.0.0.1:7523"
    off="m1@127.0.0.1:7531,m2@127.0.0.1:7532,m3@127.0.0.1:7533"
    for i in 1 2 3; do
        start_node "n$i" "752$i" "$on" --anti-entropy on --ae-interval-ms "$interval"
        start_node "m$i" "753$i" "$off" --anti-entropy off
    done
    wait_until "the cluster with anti-entropy" dotnet "$cli" -p 7521 SET ready yes
    wait_until "the cluster without anti-entropy" dotnet "$cli" -p 7531 SET ready yes
    echo "== workload $workload, $clients clients: anti-entropy on (7521-7523) vs off (7531-7533)"
    dotnet "$bench" run --workload "$workload" --records "$records" --clients "$clients" --pipeline 1 \
        --duration "$duration" --warmup "$warmup" --rounds "$rounds" --seed 1 \
        --target dynamo://127.0.0.1:7521,127.0.0.1:7522,127.0.0.1:7523 \
        --target dynamo://127.0.0.1:7531,127.0.0.1:7532,127.0.0.1:7533 \
        --json "$out/cost.json" >"$out/cost.txt" 2>"$out/cost.progress"
    cat "$out/cost.txt"
    for port in 7521 7522 7523; do
        echo "-- 127.0.0.1:$port"
        dotnet "$cli" -p "$port" INFO | grep -E '^ae_'
    done | tee "$out/cost-ae.txt"
fi
