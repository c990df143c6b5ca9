#!/usr/bin/env bash
# Proxy overhead as a ratio against the same MariaDB server reached directly, in one run on one machine.
#
#   bench/sysbench-passthrough.sh                       # defaults below: about 6 minutes
#   WARMUP=60 DURATION=30 THREADS=8 bench/sysbench-passthrough.sh
#
# Starts its own sandbox (1 group, no replicas) on spare ports, prepares sbtest directly on the server,
# warms the proxy up (a JVM compiles its hot code during the first minute of load), then runs each
# workload directly and through the proxy, alternating, and prints QPS, p95 latency and proxy/direct.
# Every phase is bounded in time; everything it starts is stopped on exit.
# Needs: sysbench and a mysql/mariadb client (Debian: apt-get install sysbench mariadb-client), Java 17, Maven.
set -euo pipefail

WARMUP=${WARMUP:-60}
DURATION=${DURATION:-30}
ROUNDS=${ROUNDS:-2}
THREADS=${THREADS:-8}
TABLES=${TABLES:-4}
TABLE_SIZE=${TABLE_SIZE:-100000}
WORKLOADS=${WORKLOADS:-"oltp_point_select oltp_read_only"}
BASE_PORT=${BASE_PORT:-25316}
PROXY_PORT=${PROXY_PORT:-25307}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${BENCH_DIR:-$here/target/bench}"

. "$here/bench/lib.sh"
log="$work/sandbox.log"
cleanup() { stop_pid "${sandbox_pid:-}"; }
trap cleanup EXIT

echo "starting a sandbox (1 group, no replicas) and the proxy; log: $log"
"$here/shardgate" sandbox --groups 1 --replicas 0 --dir "$work/sandbox" --fresh \
  --base-port "$BASE_PORT" --port "$PROXY_PORT" >"$log" 2>&1 &
sandbox_pid=$!
wait_for "$log" "Ctrl-C stops" "$sandbox_pid"

"$client" --no-defaults -h127.0.0.1 -P"$BASE_PORT" -uroot -e "CREATE DATABASE IF NOT EXISTS sbtest"
common=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-db=sbtest --tables="$TABLES" --table-size="$TABLE_SIZE"
        --db-ps-mode=disable --rand-type=uniform --threads="$THREADS")
direct=(--mysql-port="$BASE_PORT" --mysql-user=shardgate --mysql-password=shardgate)
proxied=(--mysql-port="$PROXY_PORT" --mysql-user=app --mysql-password=app)

echo "preparing $TABLES tables x $TABLE_SIZE rows directly on the server"
sysbench oltp_read_only "${common[@]}" "${direct[@]}" prepare >"$work/prepare.log"

echo "warming up the proxy for ${WARMUP}s (not measured)"
sysbench oltp_point_select "${common[@]}" "${proxied[@]}" --time="$WARMUP" run >"$work/warmup.log"

compare proxy
