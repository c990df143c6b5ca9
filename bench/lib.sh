# Shared by the sysbench scripts in this folder: source it after setting WARMUP, DURATION, ROUNDS, THREADS,
# TABLES, TABLE_SIZE, WORKLOADS and work (the output folder). Every wait is bounded; nothing here kills by name.

command -v sysbench >/dev/null || { echo "needs sysbench (Debian: apt-get install sysbench)" >&2; exit 1; }
client=$(command -v mariadb || command -v mysql) || { echo "needs a mysql client (Debian: apt-get install mariadb-client)" >&2; exit 1; }
mkdir -p "$work"

# stop PID: SIGTERM, then wait up to a minute
stop_pid() {
  if [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; then
    kill -TERM "$1"
    for _ in $(seq 1 120); do kill -0 "$1" 2>/dev/null || break; sleep 0.5; done
  fi
}

# wait_for LOG TEXT PID: until LOG contains TEXT, PID dies (failure) or 5 minutes pass (failure)
wait_for() {
  for _ in $(seq 1 600); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || { echo "failed:" >&2; tail -20 "$1" >&2; exit 1; }
    sleep 0.5
  done
  echo "not ready within 5 minutes: $1" >&2; exit 1
}

# measure WORKLOAD SYSBENCH-ARGS...: one measured run; prints "qps p95 errors"
measure() {
  local workload=$1; shift
  sysbench "$workload" "${common[@]}" "$@" --time="$DURATION" --percentile=95 run >"$work/last.log"
  awk '/queries:/ {gsub(/\(/, "", $3); q=$3} /95th percentile:/ {p=$3} /ignored errors:/ {e=$3} END {print q, p, e}' "$work/last.log"
}

# compare LABEL: every workload, direct (array direct) and through the proxy (array proxied), alternating
# ROUNDS times; prints each run, then means and the ratio
compare() {
  local label=$1 results=() w r q p e dq dp pq pp
  printf '\n%-20s %-7s %12s %10s %7s\n' workload target QPS p95_ms errors
  for w in $WORKLOADS; do
    dq=0; pq=0; dp=0; pp=0
    for r in $(seq 1 "$ROUNDS"); do
      read -r q p e < <(measure "$w" "${direct[@]}");  printf '%-20s %-7s %12.1f %10.2f %7s\n' "$w" direct "$q" "$p" "$e"
      dq=$(echo "$dq + $q" | bc -l); dp=$(echo "$dp + $p" | bc -l)
      read -r q p e < <(measure "$w" "${proxied[@]}"); printf '%-20s %-7s %12.1f %10.2f %7s\n' "$w" "$label" "$q" "$p" "$e"
      pq=$(echo "$pq + $q" | bc -l); pp=$(echo "$pp + $p" | bc -l)
    done
    results+=("$(printf '%-20s direct %10.1f qps  %s %10.1f qps  ratio %.2f   p95 direct %.2f ms %s %.2f ms' \
      "$w" "$(echo "$dq / $ROUNDS" | bc -l)" "$label" "$(echo "$pq / $ROUNDS" | bc -l)" "$(echo "$pq / $dq" | bc -l)" \
      "$(echo "$dp / $ROUNDS" | bc -l)" "$label" "$(echo "$pp / $ROUNDS" | bc -l)")")
  done
  echo
  echo "summary (means over $ROUNDS alternating rounds of ${DURATION}s, $THREADS threads, $(nproc) cores shared by servers, proxy and sysbench):"
  printf '  %s\n' "${results[@]}"
}
