#!/usr/bin/env bash
# Read-write splitting: sysbench through the proxy with replicas in rotation, against the master alone reached
# directly, in one run on one machine.
#
#   bench/sysbench-replicas.sh                          # defaults below: about 6 minutes
#   WARMUP=60 DURATION=30 THREADS=8 PS_MODE=auto bench/sysbench-replicas.sh
#
# Starts its own sandbox (1 group: a master and 2 replicas, semi-sync) and its proxy, whose reads go to the
# replicas (reads.replicas, the default). sbtest is prepared directly on the master and replicated. Through the
# proxy, plain SELECTs outside transactions go to the replicas; oltp_read_only and oltp_read_write wrap their
# statements in BEGIN ... COMMIT, so most of their reads stay on the master: the split shows in
# oltp_point_select and in --skip-trx runs. Every phase is bounded in time; everything it starts is stopped.
# Needs: sysbench and a mysql/mariadb client (Debian: apt-get install sysbench mariadb-client), Java 17, Maven.
set -euo pipefail

WARMUP=${WARMUP:-60}
DURATION=${DURATION:-30}
ROUNDS=${ROUNDS:-1}
THREADS=${THREADS:-8}
TABLES=${TABLES:-4}
TABLE_SIZE=${TABLE_SIZE:-100000}
WORKLOADS=${WORKLOADS:-"oltp_point_select oltp_read_only oltp_read_write"}
BASE_PORT=${BASE_PORT:-27416}
PROXY_PORT=${PROXY_PORT:-27407}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${BENCH_DIR:-$here/target/bench-replicas}"

. "$here/bench/lib.sh"
log="$work/sandbox.log"
cleanup() { stop_pid "${sandbox_pid:-}"; }
trap cleanup EXIT

echo "starting a sandbox (1 group: master + 2 replicas) and its proxy; log: $log"
"$here/shardgate" sandbox --groups 1 --replicas 2 --dir "$work/sandbox" --fresh \
  --base-port "$BASE_PORT" --port "$PROXY_PORT" >"$log" 2>&1 &
sandbox_pid=$!
wait_for "$log" "Ctrl-C stops" "$sandbox_pid"

"$client" --no-defaults -h127.0.0.1 -P"$BASE_PORT" -uroot -e "CREATE DATABASE IF NOT EXISTS sbtest"
common=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-db=sbtest --tables="$TABLES" --table-size="$TABLE_SIZE"
        --db-ps-mode="${PS_MODE:-disable}" --rand-type=uniform --threads="$THREADS" ${SYSBENCH_EXTRA:-})
direct=(--mysql-port="$BASE_PORT" --mysql-user=shardgate --mysql-password=shardgate)
proxied=(--mysql-port="$PROXY_PORT" --mysql-user=app --mysql-password=app)

echo "preparing $TABLES tables x $TABLE_SIZE rows directly on the master"
sysbench oltp_read_write "${common[@]}" "${direct[@]}" prepare >"$work/prepare.log"
for r in 1 2; do # replicas caught up before measuring
  "$client" --no-defaults -h127.0.0.1 -P"$((BASE_PORT + r))" -uroot -e \
    "SELECT MASTER_GTID_WAIT('$("$client" --no-defaults -N -h127.0.0.1 -P"$BASE_PORT" -uroot -e 'SELECT @@gtid_binlog_pos')', 120)" >/dev/null
done

echo "warming up the proxy for ${WARMUP}s (not measured)"
sysbench oltp_point_select "${common[@]}" "${proxied[@]}" --time="$WARMUP" run >"$work/warmup.log"

compare proxy
for r in 1 2; do
  echo "replica $((BASE_PORT + r)) answered $("$client" --no-defaults -N -h127.0.0.1 -P"$((BASE_PORT + r))" -uroot -e \
    "SHOW GLOBAL STATUS LIKE 'Com_select'" | awk '{print $2}') SELECTs"
done
