#!/usr/bin/env bash
# Multiplexing: many client connections through the proxy against few backend connections, in one run.
#
#   bench/sysbench-multiplex.sh                         # defaults below: about 5 minutes
#   CLIENTS=1000 MAX_BACKEND=64 DURATION=30 bench/sysbench-multiplex.sh
#
# Starts its own sandbox (1 group, no replicas) and a proxy whose backend account (mux) may open at most
# MAX_BACKEND connections to the server. sysbench runs each workload with MAX_BACKEND threads directly on the
# server, then with CLIENTS threads (each its own client connection) through the proxy, alternating ROUNDS
# times; meanwhile the server's processlist is sampled twice a second and the most connections the proxy's
# account held is printed: it must stay at or under MAX_BACKEND while CLIENTS clients are served.
# Every phase is bounded in time; everything it starts is stopped on exit.
# Needs: sysbench and a mysql/mariadb client (Debian: apt-get install sysbench mariadb-client), Java 17, Maven.
set -euo pipefail

WARMUP=${WARMUP:-30}
DURATION=${DURATION:-30}
ROUNDS=${ROUNDS:-2}
CLIENTS=${CLIENTS:-1000}
MAX_BACKEND=${MAX_BACKEND:-64}
THREADS=$MAX_BACKEND
TABLES=${TABLES:-4}
TABLE_SIZE=${TABLE_SIZE:-100000}
WORKLOADS=${WORKLOADS:-"oltp_point_select oltp_read_only"}
BASE_PORT=${BASE_PORT:-28316}
SANDBOX_PROXY_PORT=${SANDBOX_PROXY_PORT:-28306}
PROXY_PORT=${PROXY_PORT:-28307}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${BENCH_DIR:-$here/target/bench-multiplex}"

. "$here/bench/lib.sh"
log="$work/sandbox.log"
cleanup() { stop_pid "${sampler_pid:-}"; stop_pid "${proxy_pid:-}"; stop_pid "${sandbox_pid:-}"; }
trap cleanup EXIT

echo "starting a sandbox (1 group, no replicas); log: $log"
"$here/shardgate" sandbox --groups 1 --replicas 0 --dir "$work/sandbox" --fresh \
  --base-port "$BASE_PORT" --port "$SANDBOX_PROXY_PORT" >"$log" 2>&1 &
sandbox_pid=$!
wait_for "$log" "Ctrl-C stops" "$sandbox_pid"
sql() { "$client" --no-defaults -N -h127.0.0.1 -P"$BASE_PORT" -uroot -e "$1"; }
sql "SET GLOBAL max_connections = $((CLIENTS + 200)); CREATE DATABASE IF NOT EXISTS sbtest;
     CREATE USER IF NOT EXISTS 'mux'@'127.0.0.1' IDENTIFIED BY 'mux'; GRANT ALL ON *.* TO 'mux'@'127.0.0.1'"

cat >"$work/sharding.yaml" <<YAML
schema: sbtest
groups:
  g0: { master: 127.0.0.1:$BASE_PORT }
YAML
cat >"$work/shardgate.yaml" <<YAML
listen: 127.0.0.1:$PROXY_PORT
shard_map: sharding.yaml
data_dir: proxy-data
users:
  - { name: app, password: app }
frontend:
  max_connections: $((CLIENTS + 100))
backend:
  user: mux
  password: mux
  max_per_instance: $MAX_BACKEND
  lease_timeout_ms: 10000
  multiplex: true
YAML
"$here/shardgate" proxy --config "$work/shardgate.yaml" >"$work/proxy.log" 2>&1 &
proxy_pid=$!
wait_for "$work/proxy.log" "shardgate listening" "$proxy_pid"

common=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-db=sbtest --tables="$TABLES" --table-size="$TABLE_SIZE"
        --db-ps-mode=disable --rand-type=uniform)
direct=(--threads="$MAX_BACKEND" --mysql-port="$BASE_PORT" --mysql-user=shardgate --mysql-password=shardgate)
proxied=(--threads="$CLIENTS" --mysql-port="$PROXY_PORT" --mysql-user=app --mysql-password=app)

echo "preparing $TABLES tables x $TABLE_SIZE rows directly on the server"
sysbench oltp_read_only "${common[@]}" "${direct[@]}" prepare >"$work/prepare.log"

# the most connections the proxy's backend account holds, sampled twice a second until stopped
( max=0; while :; do
    n=$(sql "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'mux'" 2>/dev/null || echo 0)
    [ "$n" -gt "$max" ] && { max=$n; echo "$max" >"$work/max-backend"; }
    sleep 0.5
  done ) &
sampler_pid=$!

echo "warming up the proxy for ${WARMUP}s with $CLIENTS clients (not measured)"
sysbench oltp_point_select "${common[@]}" "${proxied[@]}" --time="$WARMUP" run >"$work/warmup.log"

THREADS="$MAX_BACKEND direct / $CLIENTS through the proxy"
compare "$CLIENTS-clients"
echo
echo "most backend connections the proxy held at once: $(cat "$work/max-backend" 2>/dev/null || echo 0) (max_per_instance $MAX_BACKEND)"
echo "client connections per run through the proxy: $CLIENTS"
