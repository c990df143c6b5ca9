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

command -v sysbench >/dev/null || { echo "needs sysbench (Debian: apt-get install sysbench)" >&2; exit 1; }
client=$(command -v mariadb || command -v mysql) || { echo "needs a mysql client (Debian: apt-get install mariadb-client)" >&2; exit 1; }
mkdir -p "$work"
log="$work/sandbox.log"

cleanup() {
  if [ -n "${sandbox_pid:-}" ] && kill -0 "$sandbox_pid" 2>/dev/null; then
    kill -TERM "$sandbox_pid"
    for _ in $(seq 1 120); do kill -0 "$sandbox_pid" 2>/dev/null || break; sleep 0.5; done
  fi
}
trap cleanup EXIT

echo "starting a sandbox (1 group, no replicas) and the proxy; log: $log"
"$here/shardgate" sandbox --groups 1 --replicas 0 --dir "$work/sandbox" --fresh \
  --base-port "$BASE_PORT" --port "$PROXY_PORT" >"$log" 2>&1 &
sandbox_pid=$!
for _ in $(seq 1 600); do
  grep -q "Ctrl-C stops" "$log" 2>/dev/null && break
  kill -0 "$sandbox_pid" 2>/dev/null || { echo "sandbox failed:" >&2; tail -20 "$log" >&2; exit 1; }
  sleep 0.5
done
grep -q "Ctrl-C stops" "$log" || { echo "sandbox did not start within 5 minutes" >&2; exit 1; }

"$client" --no-defaults -h127.0.0.1 -P"$BASE_PORT" -uroot -e "CREATE DATABASE IF NOT EXISTS sbtest"
common=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-db=sbtest --tables="$TABLES" --table-size="$TABLE_SIZE"
        --db-ps-mode=disable --rand-type=uniform --threads="$THREADS")
direct=(--mysql-port="$BASE_PORT" --mysql-user=shardgate --mysql-password=shardgate)
proxied=(--mysql-port="$PROXY_PORT" --mysql-user=app --mysql-password=app)

echo "preparing $TABLES tables x $TABLE_SIZE rows directly on the server"
sysbench oltp_read_only "${common[@]}" "${direct[@]}" prepare >"$work/prepare.log"

echo "warming up the proxy for ${WARMUP}s (not measured)"
sysbench oltp_point_select "${common[@]}" "${proxied[@]}" --time="$WARMUP" run >"$work/warmup.log"

# one measured run; prints "qps p95"
measure() {
  local workload=$1; shift
  sysbench "$workload" "${common[@]}" "$@" --time="$DURATION" --percentile=95 run >"$work/last.log"
  awk '/queries:/ {gsub(/\(/, "", $3); q=$3} /95th percentile:/ {p=$3} END {print q, p}' "$work/last.log"
}

printf '\n%-20s %-7s %12s %10s\n' workload target QPS p95_ms
results=()
for w in $WORKLOADS; do
  dq=0; pq=0; dp=0; pp=0
  for r in $(seq 1 "$ROUNDS"); do
    read -r q p < <(measure "$w" "${direct[@]}");  printf '%-20s %-7s %12.1f %10.2f\n' "$w" direct "$q" "$p"
    dq=$(echo "$dq + $q" | bc -l); dp=$(echo "$dp + $p" | bc -l)
    read -r q p < <(measure "$w" "${proxied[@]}"); printf '%-20s %-7s %12.1f %10.2f\n' "$w" proxy "$q" "$p"
    pq=$(echo "$pq + $q" | bc -l); pp=$(echo "$pp + $p" | bc -l)
  done
  results+=("$(printf '%-20s direct %10.1f qps  proxy %10.1f qps  ratio %.2f   p95 direct %.2f ms proxy %.2f ms' \
    "$w" "$(echo "$dq / $ROUNDS" | bc -l)" "$(echo "$pq / $ROUNDS" | bc -l)" "$(echo "$pq / $dq" | bc -l)" \
    "$(echo "$dp / $ROUNDS" | bc -l)" "$(echo "$pp / $ROUNDS" | bc -l)")")
done

echo
echo "summary (means over $ROUNDS alternating rounds of ${DURATION}s, $THREADS threads, $(nproc) cores shared by server, proxy and sysbench):"
printf '  %s\n' "${results[@]}"
