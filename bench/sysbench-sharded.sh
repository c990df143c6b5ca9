#!/usr/bin/env bash
# Sharded throughput as a ratio against one MariaDB server reached directly, in one run on one machine.
#
#   bench/sysbench-sharded.sh                           # defaults below: about 7 minutes
#   WARMUP=60 DURATION=30 THREADS=8 bench/sysbench-sharded.sh
#
# Starts its own sandbox (2 groups, no replicas) on spare ports. Direct: sbtest prepared whole on group g0's
# master. Through the proxy: sbtest1..N sharded by id (hash mod over s0 = g0/sbtest_0 and s1 = g1/sbtest_1),
# prepared through the proxy itself (CREATE TABLE and CREATE INDEX fan out, multi-row INSERTs split by id).
# Point selects go to one shard; oltp_read_only's range queries (id BETWEEN, SUM, ORDER BY, DISTINCT) go to
# both and are merged. Runs each workload directly and through the proxy, alternating, and prints QPS, p95
# latency and proxy/direct. Every phase is bounded in time; everything it starts is stopped on exit.
# Needs: sysbench and a mysql/mariadb client (Debian: apt-get install sysbench mariadb-client), Java 17, Maven.
set -euo pipefail

WARMUP=${WARMUP:-60}
DURATION=${DURATION:-30}
ROUNDS=${ROUNDS:-2}
THREADS=${THREADS:-8}
TABLES=${TABLES:-4}
TABLE_SIZE=${TABLE_SIZE:-100000}
WORKLOADS=${WORKLOADS:-"oltp_point_select oltp_read_only"}
BASE_PORT=${BASE_PORT:-26316}
SANDBOX_PROXY_PORT=${SANDBOX_PROXY_PORT:-26306}
PROXY_PORT=${PROXY_PORT:-26307}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${BENCH_DIR:-$here/target/bench-sharded}"

. "$here/bench/lib.sh"
log="$work/sandbox.log"
cleanup() { stop_pid "${proxy_pid:-}"; stop_pid "${sandbox_pid:-}"; }
trap cleanup EXIT

echo "starting a sandbox (2 groups, no replicas); log: $log"
"$here/shardgate" sandbox --groups 2 --replicas 0 --dir "$work/sandbox" --fresh \
  --base-port "$BASE_PORT" --port "$SANDBOX_PROXY_PORT" >"$log" 2>&1 &
sandbox_pid=$!
wait_for "$log" "Ctrl-C stops" "$sandbox_pid"
g0=$BASE_PORT; g1=$((BASE_PORT + 10))

"$client" --no-defaults -h127.0.0.1 -P"$g0" -uroot -e "CREATE DATABASE IF NOT EXISTS sbtest; CREATE DATABASE IF NOT EXISTS sbtest_0"
"$client" --no-defaults -h127.0.0.1 -P"$g1" -uroot -e "CREATE DATABASE IF NOT EXISTS sbtest_1"

{
  echo "schema: sbtest"
  echo "groups:"
  echo "  g0: { master: 127.0.0.1:$g0 }"
  echo "  g1: { master: 127.0.0.1:$g1 }"
  echo "shards:"
  echo "  s0: { group: g0, database: sbtest_0 }"
  echo "  s1: { group: g1, database: sbtest_1 }"
  echo "default_shard: s0"
  echo "tables:"
  for t in $(seq 1 "$TABLES"); do echo "  sbtest$t: { key: id, hash: { shards: [s0, s1] } }"; done
} >"$work/sharding.yaml"
cat >"$work/shardgate.yaml" <<YAML
listen: 127.0.0.1:$PROXY_PORT
shard_map: sharding.yaml
data_dir: proxy-data
users:
  - { name: app, password: app }
backend:
  user: shardgate
  password: shardgate
YAML
"$here/shardgate" proxy --config "$work/shardgate.yaml" >"$work/proxy.log" 2>&1 &
proxy_pid=$!
wait_for "$work/proxy.log" "shardgate listening" "$proxy_pid"

common=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-db=sbtest --tables="$TABLES" --table-size="$TABLE_SIZE"
        --db-ps-mode="${PS_MODE:-disable}" --rand-type=uniform --threads="$THREADS" --auto-inc=off)
direct=(--mysql-port="$g0" --mysql-user=shardgate --mysql-password=shardgate)
proxied=(--mysql-port="$PROXY_PORT" --mysql-user=app --mysql-password=app)

echo "preparing $TABLES tables x $TABLE_SIZE rows directly on g0's master, and sharded through the proxy"
sysbench oltp_read_only "${common[@]}" "${direct[@]}" prepare >"$work/prepare-direct.log"
sysbench oltp_read_only "${common[@]}" "${proxied[@]}" --threads=1 prepare >"$work/prepare-proxy.log"
rows=$("$client" --no-defaults -N -h127.0.0.1 -P"$PROXY_PORT" -uapp -papp sbtest -e "SELECT COUNT(*) FROM sbtest1")
s0=$("$client" --no-defaults -N -h127.0.0.1 -P"$g0" -uroot -e "SELECT COUNT(*) FROM sbtest_0.sbtest1")
s1=$("$client" --no-defaults -N -h127.0.0.1 -P"$g1" -uroot -e "SELECT COUNT(*) FROM sbtest_1.sbtest1")
echo "sbtest1 through the proxy: $rows rows (s0: $s0, s1: $s1)"
[ "$rows" = "$TABLE_SIZE" ] && [ $((s0 + s1)) = "$TABLE_SIZE" ] || { echo "the sharded table is not complete" >&2; exit 1; }

echo "warming up the proxy for ${WARMUP}s (not measured)"
sysbench oltp_read_only "${common[@]}" "${proxied[@]}" --time="$WARMUP" run >"$work/warmup.log"

compare sharded
