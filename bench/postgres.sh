#!/usr/bin/env bash
# LRS Bridge on PostgreSQL: ingest and query throughput with one and with two lrsbridge
# processes on one database (bench/README.md, "PostgreSQL").
#
#   POSTGRES_URL=postgresql://USER@127.0.0.1:PORT/DB bench/postgres.sh
#
# For each run and each process count P (1, then 2), a fresh schema of that database is
# made, P servers are started on it (ports BASE_PORT, BASE_PORT+1), and one lrs-load per
# server drives it at the same time for DURATION seconds; the statements/s of the loads
# are added up. Runs alternate 1, 2, 1, 2, ... so machine noise hits both alike, and the
# summary gives medians of REPEATS runs. There is no load balancer: each lrs-load talks
# to its own server, which is what a balancer would do with its share of the clients.
#
# Environment (defaults in brackets):
#   POSTGRES_URL  the database (required; the script only creates and drops schemas in it)
#   REPEATS [3]  DURATION [15]  BUILD_DIR [build]  BASE_PORT [18200]
#   POST_ARGS ["--conns 4 --batch 100"]   lrs-load post arguments per server
#   QUERY_N [20000]   statements seeded before the get runs
#   GET_ARGS ["--conns 4"]                lrs-load get arguments per server
#   RESULTS_DIR  raw outputs [bench/results/<timestamp>-postgres]
#   PG_PID       the postmaster's PID (head -1 DATADIR/postmaster.pid): with it, the CPU
#                time of PostgreSQL (the postmaster and its children) is reported too
#   PIN [0]      1: server i runs on CPU i (taskset -c), so one process has one core and
#                two processes have one core each; the load generators and PostgreSQL
#                are not pinned. Shows how the processes scale when the machine has as
#                many cores as processes to give, on a machine too small to leave a
#                second process cores of its own otherwise.
#   PROCS ["1 2"]  the process counts of each run
#   QUERIES [1]  0: post runs only (no seeding, no get runs), for comparing ingest builds
# For each post run the summary also gives CPU microseconds per statement of the
# lrsbridge processes (summed) and of PostgreSQL, the share of the machine's CPU time
# that was idle or waiting for I/O (from /proc/stat), the load average at the end, and
# lock_waits=W/N: in W of N samples of pg_stat_activity (every 0.2 s) a backend of the
# database waited for a lock (any heavyweight lock: advisory, row, relation), and the WAL
# bytes and full-page images per statement (pg_stat_wal, the whole server: run it on a server
# of its own). The summary starts with the server settings the figures depend on.
# Servers listen on 127.0.0.1 only and are stopped by the PIDs this script started.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
: "${POSTGRES_URL:?set POSTGRES_URL=postgresql://USER@HOST:PORT/DB (a database you may create schemas in)}"
REPEATS=${REPEATS:-3}
DURATION=${DURATION:-15}
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
BASE_PORT=${BASE_PORT:-18200}
POST_ARGS=${POST_ARGS:-"--conns 4 --batch 100"}
GET_ARGS=${GET_ARGS:-"--conns 4"}
QUERY_N=${QUERY_N:-20000}
PG_PID=${PG_PID:-}
PIN=${PIN:-0}
PROCS=${PROCS:-"1 2"}
QUERIES=${QUERIES:-1}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/bench/results/$(date +%Y%m%d-%H%M%S)-postgres}
LOAD=$BUILD_DIR/lrs-load
SERVER=$BUILD_DIR/lrsbridge
USER_PASS=bench:benchsecret
mkdir -p "$RESULTS_DIR"
DATA_DIR=$(mktemp -d /tmp/lrsbridge-bench-pg-XXXXXX)

PIDS=()
SCHEMA=""
STARTS=0
stop_servers() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
drop_schema() {
  [ -n "$SCHEMA" ] && psql -q "$POSTGRES_URL" -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" \
    >/dev/null 2>&1 || true
  SCHEMA=""
}
cleanup() {
  stop_servers
  drop_schema
  rm -rf "$DATA_DIR"
}
trap cleanup EXIT INT TERM

with_schema() {
  local sep='?'
  [[ "$POSTGRES_URL" == *\?* ]] && sep='&'
  echo "$POSTGRES_URL${sep}options=-csearch_path%3D$1"
}

# start_servers P: a fresh schema and P servers on it.
start_servers() {
  local procs=$1 i
  STARTS=$((STARTS + 1))
  drop_schema
  SCHEMA=bench_$$_$RANDOM
  psql -q "$POSTGRES_URL" -c "CREATE SCHEMA $SCHEMA" >/dev/null
  local url; url=$(with_schema "$SCHEMA")
  for ((i = 0; i < procs; i++)); do
    local pin=()
    [ "$PIN" = 1 ] && pin=(taskset -c "$i")
    LRSBRIDGE_ADMIN=$USER_PASS "${pin[@]}" "$SERVER" serve --db "$url" --data-dir "$DATA_DIR/packages" \
      --listen "127.0.0.1:$((BASE_PORT + i))" --no-access-log \
      >"$RESULTS_DIR/server-start$STARTS-$i.log" 2>&1 &
    PIDS+=($!)
  done
  for ((i = 0; i < procs; i++)); do
    for _ in $(seq 100); do
      curl -fs "http://127.0.0.1:$((BASE_PORT + i))/xapi/about" >/dev/null 2>&1 && break
      sleep 0.1
    done
    if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
      echo "server $i did not start:" >&2
      cat "$RESULTS_DIR/server-start$STARTS-$i.log" >&2
      exit 1
    fi
  done
}

# load P MODE TAG ARGS...: one lrs-load per server at once; prints the summed
# statements/s (post) or requests/s (get) and the worst p99 of the loads.
load() {
  local procs=$1 mode=$2 tag=$3; shift 3
  local i pids=() outs=()
  for ((i = 0; i < procs; i++)); do
    local out="$RESULTS_DIR/$tag-p$procs-s$i.out"
    outs+=("$out")
    "$LOAD" "$mode" --url "http://127.0.0.1:$((BASE_PORT + i))/xapi" --user "$USER_PASS" \
      --duration "$DURATION" "$@" >"$out" 2>/dev/null &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || true; done
  local key=statements_per_s
  [ "$mode" = get ] && key=requests_per_s
  local f total=0 p99=0 errors=0
  for f in "${outs[@]}"; do
    local line v p e
    line=$(tail -n 1 "$f")
    e=$(grep -o '"errors":[0-9]*' <<<"$line" | head -n 1 | cut -d: -f2)
    errors=$((errors + ${e:-1}))
    # The first occurrences are the totals (per-kind figures follow).
    v=$(grep -o "\"$key\":[0-9.]*" <<<"$line" | head -n 1 | cut -d: -f2)
    p=$(grep -o '"p99_ms":[0-9.]*' <<<"$line" | head -n 1 | cut -d: -f2)
    total=$(awk -v a="$total" -v b="${v:-0}" 'BEGIN { printf "%.0f", a + b }')
    p99=$(awk -v a="$p99" -v b="${p:-0}" 'BEGIN { print (b > a ? b : a) }')
  done
  echo "$total $p99 $errors"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# CPU clock ticks (user + system) used so far by the given PIDs.
cpu_ticks() {
  local pid total=0
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    # Fields after the command name, which may hold spaces: utime and stime are 14, 15.
    total=$((total + $(sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }')))
  done
  echo "$total"
}
postgres_pids() {
  [ -n "$PG_PID" ] || return 0
  echo "$PG_PID"
  pgrep -P "$PG_PID" || true
}
# "busy idle" jiffies of the whole machine (idle includes iowait).
machine_jiffies() {
  awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat
}

summary="$RESULTS_DIR/summary.txt"
: >"$summary"
# The server settings the figures depend on, first line of the summary.
psql -Atq "$POSTGRES_URL" -c "SELECT 'server ' || string_agg(name || '=' || setting, ' ' ORDER BY name)
  FROM pg_settings WHERE name IN ('server_version', 'fsync', 'synchronous_commit',
  'full_page_writes', 'wal_compression', 'shared_buffers', 'max_wal_size', 'checkpoint_timeout',
  'wal_level')" | tee -a "$summary"
# WAL bytes and full-page images written by the whole server so far (pg_stat_wal).
wal_counters() {
  psql -Atq -F' ' "$POSTGRES_URL" -c "SELECT wal_bytes, wal_fpi FROM pg_stat_wal" 2>/dev/null ||
    echo "0 0"
}
HZ=$(getconf CLK_TCK)
for run in $(seq "$REPEATS"); do
  for procs in $PROCS; do
    start_servers "$procs"
    # Server CPU is counted from here; PostgreSQL's backends of the servers' pools are
    # opened lazily, so the first ones appear during the run (counted from 0).
    pg_before=$(cpu_ticks $(postgres_pids))
    lrs_before=$(cpu_ticks "${PIDS[@]}")
    read -r busy_before idle_before <<<"$(machine_jiffies)"
    read -r wal_before fpi_before <<<"$(wal_counters)"
    locks="$RESULTS_DIR/locks-post-run$run-p$procs.txt"
    (while :; do
      psql -Atq "$POSTGRES_URL" -c "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'), \
        string_agg(DISTINCT wait_event, ',') FILTER (WHERE wait_event_type = 'Lock') \
        FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()" \
        2>/dev/null || true
      sleep 0.2
    done >"$locks") &
    sampler=$!
    # shellcheck disable=SC2086
    r=$(load "$procs" post "post-run$run" $POST_ARGS)
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    read -r n p99 errors <<<"$r"
    lrs_after=$(cpu_ticks "${PIDS[@]}")
    pg_after=$(cpu_ticks $(postgres_pids))
    read -r busy_after idle_after <<<"$(machine_jiffies)"
    read -r wal_after fpi_after <<<"$(wal_counters)"
    stored=$(awk -v n="$n" -v d="$DURATION" 'BEGIN { printf "%.0f", n * d }')
    cpu=$(awk -v l=$((lrs_after - lrs_before)) -v p=$((pg_after - pg_before)) -v s="$stored" \
      -v hz="$HZ" -v b=$((busy_after - busy_before)) -v i=$((idle_after - idle_before)) \
      -v w="$((${wal_after%.*} - ${wal_before%.*}))" -v f="$((fpi_after - fpi_before))" \
      'BEGIN { if (s == 0) s = 1;
        printf "lrs_cpu_us_per_st=%.0f pg_cpu_us_per_st=%.0f idle_pct=%.0f wal_bytes_per_st=%.0f fpi_per_1000_st=%.1f",
          l * 1e6 / hz / s, p * 1e6 / hz / s, 100 * i / (b + i), w / s, 1000 * f / s }')
    waits=$(awk -F'|' '$1 > 0 { w++ } END { printf "%d/%d", w, NR }' "$locks")
    echo "post procs=$procs run=$run statements_per_s=$n p99_ms=$p99 errors=$errors $cpu" \
      "lock_waits=$waits load=$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$summary"
    if [ "$QUERIES" = 0 ]; then
      stop_servers
      continue
    fi
    # Queries on a store of QUERY_N statements, seeded through the first server.
    "$LOAD" seed --url "http://127.0.0.1:$BASE_PORT/xapi" --user "$USER_PASS" \
      --count "$QUERY_N" >/dev/null 2>&1 || true
    # shellcheck disable=SC2086
    r=$(load "$procs" get "get-run$run" $GET_ARGS)
    read -r n p99 errors <<<"$r"
    echo "get procs=$procs run=$run requests_per_s=$n p99_ms=$p99 errors=$errors" |
      tee -a "$summary"
    stop_servers
  done
done
echo "medians of $REPEATS runs of ${DURATION}s:" | tee -a "$summary"
KINDS="post get"
[ "$QUERIES" = 0 ] && KINDS=post
for kind in $KINDS; do
  for procs in $PROCS; do
    m=$(grep "^$kind procs=$procs " "$summary" | sed 's/.*_per_s=\([0-9]*\).*/\1/' | median)
    p=$(grep "^$kind procs=$procs " "$summary" | sed 's/.*p99_ms=\([0-9.]*\).*/\1/' | median)
    e=$(grep "^$kind procs=$procs " "$summary" | sed 's/.*errors=\([0-9]*\).*/\1/' |
      awk '{ s += $1 } END { print s + 0 }')
    c=""
    if [ "$kind" = post ]; then
      c=$(grep "^post procs=$procs " "$summary" |
        awk '{ for (i = 1; i <= NF; i++) if ($i ~ /cpu_us|idle|wal_bytes|fpi/) print $i }' |
        awk -F= '{ v[$1] = v[$1] " " $2 } END { for (k in v) print k, v[k] }' | sort |
        while read -r k vs; do
          echo -n " $k=$(tr ' ' '\n' <<<"$vs" | grep . | median)"
        done)
    fi
    echo "$kind procs=$procs per_s=$m p99_ms=$p errors=$e$c" | tee -a "$summary"
  done
done
echo "raw outputs: $RESULTS_DIR"
