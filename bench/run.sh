#!/usr/bin/env bash
# LRS Bridge benchmark suite: our server and the peer LRS (Learning Locker's xapi-statements,
# in-memory store) side by side, driven by build/lrs-load. See bench/README.md.
#
#   bench/run.sh            ingest + query suite (ingest, single POSTs, GETs and mixed at QUERY_N,
#                           then, ours only, mixed with State writes and State document traffic)
#   bench/run.sh ingest     only the suite's two ingest workloads (batch 100, single POSTs)
#   bench/run.sh docs       ours only: seed QUERY_N, then mixed, mixed+state and docs
#   bench/run.sh get-1m     seed GET_N (1,000,000) statements, then the filtered-GET benchmark
#
# Environment (defaults in brackets):
#   TARGETS      which servers to run ["ours peer"; get-1m: "ours", as seeding the peer's
#                in-memory store slows down with its size and would take hours; docs: "ours",
#                as the peer has no document API]
#   REPEATS      runs per workload; medians are reported [3]
#   DURATION     seconds per run [15]
#   QUERY_N      statements seeded before the suite's GET/mixed workloads [20000]
#   STATE_SHARE  share of State document POSTs in the mixed+state workload [0.05]
#   GET_N        statements seeded by get-1m [1000000]
#   BUILD_DIR    where lrsbridge and lrs-load live [build]
#   OURS_PORT    [8090]   OURS_USER [bench:benchsecret]
#   PEER_PORT    [8081]   PEER_DIR [~/.cache/lrs-peer]
#   RESULTS_DIR  raw outputs [bench/results/<timestamp>]
#   KEEP_DB=1    keep our database directory afterwards
#
# Every run sends traffic to 127.0.0.1 only, is bounded in time (or count), and every server this
# script starts is stopped again by its PID.
set -euo pipefail

MODE=${1:-suite}
case "$MODE" in
  suite | ingest | get-1m | docs) ;;
  -h | --help | help)
    sed -n '2,/^set -euo/p' "$0" | grep '^#' | cut -c3-
    exit 0
    ;;
  *)
    echo "usage: bench/run.sh [suite|ingest|docs|get-1m]" >&2
    exit 2
    ;;
esac

ROOT=$(cd "$(dirname "$0")/.." && pwd)
case "$MODE" in
  suite | ingest) TARGETS=${TARGETS:-"ours peer"} ;;
  *) TARGETS=${TARGETS:-ours} ;;
esac
REPEATS=${REPEATS:-3}
DURATION=${DURATION:-15}
QUERY_N=${QUERY_N:-20000}
STATE_SHARE=${STATE_SHARE:-0.05}
GET_N=${GET_N:-1000000}
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
OURS_PORT=${OURS_PORT:-8090}
OURS_USER=${OURS_USER:-bench:benchsecret}
PEER_PORT=${PEER_PORT:-8081}
PEER_DIR=${PEER_DIR:-$HOME/.cache/lrs-peer}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/bench/results/$(date +%Y%m%d-%H%M%S)-$MODE}
LOAD=$BUILD_DIR/lrs-load
SERVER=$BUILD_DIR/lrsbridge
OURS_URL=http://127.0.0.1:$OURS_PORT/xapi
PEER_URL=http://127.0.0.1:$PEER_PORT/xAPI

mkdir -p "$RESULTS_DIR"
DB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/lrs-bench.XXXXXX")
declare -A PID=()     # target -> server PID (only servers this script started)
declare -A VALUES=()  # "target|workload|metric" -> space-separated values, one per run
declare -A STORED=()  # target -> statements acknowledged since the server started

GET_KINDS="agent verb activity registration agent+verb activity+related since more"
STATE_KINDS="state-get state-put state-post"

log() { printf '%s\n' "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# Small helpers

json_num() { # json_num KEY LINE: first numeric value of "KEY" in a flat JSON line
  grep -o "\"$1\":[-0-9.eE+]*" <<<"$2" | head -1 | cut -d: -f2
}

json_sub_num() { # json_sub_num OBJECT KEY LINE: "KEY" inside the first "OBJECT":{...}
  grep -o "\"$1\":{[^}]*}" <<<"$3" | head -1 | grep -o "\"$2\":[-0-9.eE+]*" | cut -d: -f2
}

median() { # median VALUES...: empty output when there are none
  [ $# -gt 0 ] || return 0
  printf '%s\n' "$@" | sort -g |
    awk '$1 != "" {a[++n]=$1} END {if (n==0) print ""; else if (n%2) print a[(n+1)/2];
         else print (a[n/2]+a[n/2+1])/2}'
}

ratio() { # ratio A B -> A/B with two decimals, or "-"
  awk -v a="$1" -v b="$2" 'BEGIN {if (a=="" || b=="" || b+0==0) print "-";
       else printf "%.2f", a/b}'
}

fmt1() { # one decimal, or "-" when empty
  awk -v v="$1" 'BEGIN {if (v == "") print "-"; else printf "%.1f", v}'
}

vm_hwm_mb() { # peak RSS of a PID in MB
  awk '/^VmHWM:/ {printf "%.1f", $2/1024}' "/proc/$1/status" 2>/dev/null || true
}

cpu_ticks() { # cpu_ticks PID: user+system clock ticks of the whole process
  awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}

thread_ticks() { # thread_ticks PID: "TID TICKS" per thread, sorted by TID
  local t
  for t in /proc/"$1"/task/*; do
    echo "${t##*/} $(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0)"
  done | sort
}

port_busy() { ss -ltn "sport = :$1" 2>/dev/null | grep -q LISTEN; }

wait_ready() { # wait_ready TARGET URL: poll <url>/about until it answers 200
  local target=$1 url=$2 i
  for i in $(seq 1 150); do
    if ! kill -0 "${PID[$target]}" 2>/dev/null; then
      log "!! $target exited during start-up"
      return 1
    fi
    if [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Experience-API-Version: 1.0.3' \
      "$url/about")" = 200 ]; then
      return 0
    fi
    sleep 0.2
  done
  log "!! $target did not answer $url/about within 30 s"
  return 1
}

stop_server() { # stop_server TARGET: SIGTERM by PID, then wait (SIGKILL after 30 s)
  local target=$1 pid=${PID[$1]:-} i
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "!! $target (pid $pid) ignored SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  unset "PID[$target]"
}

cleanup() {
  local t
  for t in "${!PID[@]}"; do stop_server "$t"; done
  if [ "${KEEP_DB:-0}" = 1 ]; then
    log "our database kept in $DB_DIR"
  else
    rm -rf "$DB_DIR"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Servers

ensure_peer_installed() {
  if [ ! -f "$PEER_DIR/node_modules/xapi-statements/dist/index.js" ]; then
    log "== installing the peer LRS (xapi-statements@5.0.1) into $PEER_DIR"
    mkdir -p "$PEER_DIR"
    [ -f "$PEER_DIR/package.json" ] || echo '{"name":"peer","private":true}' >"$PEER_DIR/package.json"
    (cd "$PEER_DIR" && npm install --omit=dev --ignore-scripts --no-audit --no-fund \
      xapi-statements@5.0.1 >npm-install.log 2>&1) || {
      log "!! npm install failed; see $PEER_DIR/npm-install.log"
      return 1
    }
  fi
  mkdir -p "$PEER_DIR/run/storage/accessLogs"
  # dotenv does not strip inline comments, so the values stay bare. Variables already in the
  # environment win over .env, which is how EXPRESS_PORT is overridden below.
  cat >"$PEER_DIR/run/.env" <<EOF
EXPRESS_PORT=8081
AUTH_REPO=test
EVENTS_REPO=test
MODELS_REPO=memory
STORAGE_REPO=memory
EXPRESS_MORGAN_DIRECTORY=$PEER_DIR/run/storage/accessLogs
FS_LOCAL_STORAGE_DIR=$PEER_DIR/run/storage
WINSTON_CONSOLE_LEVEL=warn
SERVICE_AWAIT_UPDATES=true
EOF
  # The service calls app.listen(port) without a host; force loopback.
  cat >"$PEER_DIR/run/start-loopback.js" <<'EOF'
const net = require('net');
const orig = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) {
    const cb = args.find(a => typeof a === 'function');
    return orig.call(this, { port: Number(args[0]), host: '127.0.0.1' }, cb);
  }
  return orig.apply(this, args);
};
require(process.env.PEER_DIR + '/node_modules/xapi-statements/dist/index.js');
EOF
}

start_server() { # start_server TARGET: fresh state each time
  local target=$1
  case "$target" in
    ours)
      if port_busy "$OURS_PORT"; then
        log "!! port $OURS_PORT is already in use"
        return 1
      fi
      rm -f "$DB_DIR"/bench.db*
      LRSBRIDGE_ADMIN=bench:benchsecret "$SERVER" serve --db "sqlite:$DB_DIR/bench.db" \
        --listen "127.0.0.1:$OURS_PORT" --no-access-log >>"$RESULTS_DIR/ours-server.log" 2>&1 &
      PID[ours]=$!
      wait_ready ours "$OURS_URL" || {
        tail -20 "$RESULTS_DIR/ours-server.log" >&2
        stop_server ours
        return 1
      }
      ;;
    peer)
      if port_busy "$PEER_PORT"; then
        log "!! port $PEER_PORT is already in use (a peer someone else started?)"
        return 1
      fi
      # In-memory store: give V8 room for a million statements.
      (cd "$PEER_DIR/run" && PEER_DIR=$PEER_DIR EXPRESS_PORT=$PEER_PORT \
        exec node --max-old-space-size=12288 start-loopback.js) \
        >>"$RESULTS_DIR/peer-server.log" 2>&1 &
      PID[peer]=$!
      wait_ready peer "$PEER_URL" || {
        tail -20 "$RESULTS_DIR/peer-server.log" >&2
        stop_server peer
        return 1
      }
      ;;
  esac
  STORED[$target]=0
  log "== $target started (pid ${PID[$target]})"
}

url_of() { [ "$1" = ours ] && echo "$OURS_URL" || echo "$PEER_URL"; }
user_of() { [ "$1" = ours ] && echo "$OURS_USER" || echo "bench:any"; }

# ---------------------------------------------------------------------------------------------
# Running workloads

# run_load TARGET WORKLOAD RUN lrs-load-args...: one lrs-load run; records its metrics.
run_load() {
  local target=$1 workload=$2 run=$3
  shift 3
  local out="$RESULTS_DIR/$target-$workload-$run.txt" line rc=0
  # CPU time of the server (and of its busiest thread) and of the load generator, to tell
  # what the work costs apart from what a shared machine lets it run.
  local pid=${PID[$target]:-} cpu0=0 threads0="" cpu1 threads1 load_cpu TIMEFORMAT='%U %S'
  if [ -n "$pid" ]; then
    cpu0=$(cpu_ticks "$pid")
    threads0=$(thread_ticks "$pid")
  fi
  load_cpu=$({ time "$LOAD" "$@" --url "$(url_of "$target")" --user "$(user_of "$target")" \
    --progress 0 --label "$target/$workload/$run" >"$out" 2>&1; } 2>&1 | awk '{print $1 + $2}') ||
    rc=$?
  line=$(grep '^{"mode"' "$out" | tail -1 || true)
  if [ -z "$line" ]; then
    log "!! $target $workload run $run produced no result (exit $rc):"
    tail -5 "$out" >&2
    return 0
  fi
  local st errors
  st=$(json_num statements "$line")
  errors=$(json_num errors "$line")
  st=${st:-0}
  STORED[$target]=$((${STORED[$target]:-0} + st))
  local key="$target|$workload"
  VALUES[$key|sps]+=" $(json_num statements_per_s "$line")"
  VALUES[$key|rps]+=" $(json_num requests_per_s "$line")"
  VALUES[$key|p50]+=" $(json_num p50_ms "$line")"
  VALUES[$key|p99]+=" $(json_num p99_ms "$line")"
  VALUES[$key|errors]+=" $errors"
  if [ -n "$pid" ] && [ "$st" -gt 0 ]; then
    local hz busiest
    hz=$(getconf CLK_TCK)
    cpu1=$(cpu_ticks "$pid")
    threads1=$(thread_ticks "$pid")
    busiest=$(join <(echo "$threads0") <(echo "$threads1") | awk '{d = $3 - $2; if (d > m) m = d}
      END {print m + 0}')
    VALUES[$key|cpu_us]+=" $(awk -v d=$((cpu1 - cpu0)) -v hz="$hz" -v n="$st" \
      'BEGIN {printf "%.1f", d * 1e6 / hz / n}')"
    VALUES[$key|busiest_us]+=" $(awk -v d="$busiest" -v hz="$hz" -v n="$st" \
      'BEGIN {printf "%.1f", d * 1e6 / hz / n}')"
    VALUES[$key|load_us]+=" $(awk -v s="$load_cpu" -v n="$st" 'BEGIN {printf "%.1f", s * 1e6 / n}')"
    # What two otherwise idle cores would sustain at this CPU cost: the server and the load
    # generator share them, and the busiest server thread can use one at most.
    VALUES[$key|ceiling]+=" $(awk -v d=$((cpu1 - cpu0)) -v b="$busiest" -v s="$load_cpu" \
      -v hz="$hz" -v n="$st" 'BEGIN {total = (d / hz + s) / n; one = b / hz / n;
        c = 2 / total; if (one > 0 && 1 / one < c) c = 1 / one; printf "%.0f", c}')"
  fi
  if grep -q '"get":{' <<<"$line"; then
    VALUES[$key|get_p50]+=" $(json_sub_num get p50_ms "$line")"
    VALUES[$key|get_p99]+=" $(json_sub_num get p99_ms "$line")"
    local kind
    for kind in $GET_KINDS $STATE_KINDS; do
      grep -q "\"$kind\":{" <<<"$line" || continue
      VALUES[$key|p99:$kind]+=" $(json_sub_num "$kind" p99_ms "$line")"
      VALUES[$key|rps:$kind]+=" $(json_sub_num "$kind" requests_per_s "$line")"
    done
  fi
  printf '   %-5s %-14s run %d: %9s st/s %8s req/s  p50 %8s ms  p99 %8s ms  errors %s\n' \
    "$target" "$workload" "$run" "$(json_num statements_per_s "$line")" \
    "$(json_num requests_per_s "$line")" "$(json_num p50_ms "$line")" \
    "$(json_num p99_ms "$line")" "$errors" >&2
  if [ "$errors" != 0 ]; then
    sed -n '/first errors/,/^{/p' "$out" | grep -v '^{' | sed 's/^/      /' | cut -c1-220 >&2 || true
  fi
}

# workload NAME lrs-load-args...: REPEATS runs per running target, interleaved so that machine
# noise hits both servers alike.
workload() {
  local name=$1 r t
  shift
  log "-- $name: lrs-load $*"
  for r in $(seq 1 "$REPEATS"); do
    for t in "${RUNNING[@]}"; do run_load "$t" "$name" "$r" "$@"; done
  done
}

# workload_ours NAME lrs-load-args...: like workload, our server only (the peer has no document
# API: State traffic would only measure its 404s).
workload_ours() {
  local name=$1 r
  shift
  [[ " ${RUNNING[*]} " == *" ours "* ]] || return 0
  log "-- $name (ours only): lrs-load $*"
  for r in $(seq 1 "$REPEATS"); do run_load ours "$name" "$r" "$@"; done
}

seed_all() { # seed_all N: fill every running server with N statements
  local n=$1 t
  for t in "${RUNNING[@]}"; do
    log "-- seeding $t with $n statements"
    local start=$SECONDS
    run_load "$t" "seed-$n" 1 seed --count "$n" --conns 4 --batch 500
    log "   seeded in $((SECONDS - start)) s"
  done
}

declare -A RSS=()    # "target|phase" -> MB
declare -A DISK=()   # "phase" -> "bytes/statement (db MB, statements)"

note_rss() { # note_rss PHASE
  local t
  for t in "${RUNNING[@]}"; do RSS[$t|$1]=$(vm_hwm_mb "${PID[$t]}"); done
}

# Stops our server (a clean shutdown checkpoints the WAL), checkpoints again if sqlite3 is at hand,
# then divides .db + -wal by the statements stored.
note_disk() { # note_disk PHASE
  local phase=$1
  [ -n "${PID[ours]:-}" ] || return 0
  stop_server ours
  if command -v sqlite3 >/dev/null && [ -f "$DB_DIR/bench.db" ]; then
    sqlite3 "$DB_DIR/bench.db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null 2>&1 || true
  fi
  local bytes=0 f
  for f in "$DB_DIR/bench.db" "$DB_DIR/bench.db-wal"; do
    [ -f "$f" ] && bytes=$((bytes + $(stat -c %s "$f")))
  done
  local n=${STORED[ours]:-0}
  if [ "$n" -gt 0 ]; then
    DISK[$phase]="$(awk -v b="$bytes" -v n="$n" 'BEGIN {printf "%.0f", b/n}') B/statement \
($(awk -v b="$bytes" 'BEGIN {printf "%.1f", b/1048576}') MB for $n statements)"
  fi
}

# ---------------------------------------------------------------------------------------------
# Report

report_row() { # report_row WORKLOAD METRIC LABEL HIGHER_IS_BETTER(1/0)
  local w=$1 metric=$2 label=$3
  local ours peer
  # shellcheck disable=SC2086
  ours=$(median ${VALUES[ours|$w|$metric]:-})
  # shellcheck disable=SC2086
  peer=$(median ${VALUES[peer|$w|$metric]:-})
  [ -n "$ours$peer" ] || return 0
  printf '%-16s %-24s %12s %12s %10s\n' "$w" "$label" "$(fmt1 "$ours")" "$(fmt1 "$peer")" \
    "$(ratio "$ours" "$peer")"
}

report() {
  local w
  echo
  echo "== Results ($MODE): medians of $REPEATS runs of ${DURATION}s; raw output in $RESULTS_DIR"
  printf '%-16s %-24s %12s %12s %10s\n' workload metric ours peer ours/peer
  for w in "${WORKLOADS[@]}"; do
    case "$w" in
      get*)
        report_row "$w" rps "requests/s"
        report_row "$w" p50 "p50 ms"
        report_row "$w" p99 "p99 ms"
        local kind
        for kind in $GET_KINDS; do report_row "$w" "p99:$kind" "  p99 $kind"; done
        ;;
      mixed*)
        report_row "$w" sps "statements/s"
        report_row "$w" rps "requests/s"
        report_row "$w" get_p99 "GET p99 ms"
        report_row "$w" p99 "p99 ms"
        report_row "$w" p99:state-post "  p99 state-post"
        ;;
      docs*)
        report_row "$w" rps "requests/s"
        local kind
        for kind in $STATE_KINDS; do
          report_row "$w" "rps:$kind" "  $kind req/s"
          report_row "$w" "p99:$kind" "  $kind p99 ms"
        done
        report_row "$w" get_p50 "document GET p50 ms"
        report_row "$w" get_p99 "document GET p99 ms"
        ;;
      *)
        report_row "$w" sps "statements/s"
        report_row "$w" p50 "p50 ms"
        report_row "$w" p99 "p99 ms"
        report_row "$w" cpu_us "  server CPU us/st"
        report_row "$w" busiest_us "  busiest thread us/st"
        report_row "$w" load_us "  lrs-load CPU us/st"
        report_row "$w" ceiling "  2-core ceiling st/s"
        ;;
    esac
    local errs
    # shellcheck disable=SC2086
    errs=$(printf '%s\n' ${VALUES[ours|$w|errors]:-} ${VALUES[peer|$w|errors]:-} |
      awk '{s+=$1} END {print s+0}')
    [ "$errs" = 0 ] || printf '%-16s %-24s %s\n' "$w" "errors per run" \
      "ours [${VALUES[ours|$w|errors]:-}] peer [${VALUES[peer|$w|errors]:-}]"
  done
  local k
  for k in $(printf '%s\n' "${!RSS[@]}" | sort); do
    printf 'peak RSS %-18s %s MB\n' "$k" "${RSS[$k]}"
  done
  for k in "${!DISK[@]}"; do printf 'disk (ours) %-12s %s\n' "$k" "${DISK[$k]}"; done
  echo "targets: ingest >=20000 st/s (batch 100), >=3000 single POSTs/s, GET p99 <10 ms at"
  echo "1,000,000 statements, <=1 KB on disk per statement, RSS <200 MB; document GET p99 <5 ms"
  echo "(docs workload), statement figures holding under mixed+state"
}

# ---------------------------------------------------------------------------------------------
# Main

if [ ! -x "$LOAD" ]; then
  log "== building lrs-load"
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLRS_BUILD_TESTS=OFF >/dev/null
  ninja -C "$BUILD_DIR" -j2 lrs-load
fi
WANTED=()
for t in $TARGETS; do
  case "$t" in
    ours)
      if [ -x "$SERVER" ]; then WANTED+=(ours); else log "!! $SERVER not built; skipping ours"; fi
      ;;
    peer)
      if ensure_peer_installed; then WANTED+=(peer); else log "!! skipping peer"; fi
      ;;
    *) log "!! unknown target $t" ;;
  esac
done
[ ${#WANTED[@]} -gt 0 ] || {
  log "nothing to run"
  exit 1
}

RUNNING=()
start_all() {
  local t
  RUNNING=()
  for t in "${WANTED[@]}"; do
    if start_server "$t"; then RUNNING+=("$t"); else log "!! $t not started; skipping it"; fi
  done
  [ ${#RUNNING[@]} -gt 0 ]
}
stop_all() {
  local t
  for t in "${RUNNING[@]}"; do stop_server "$t"; done
}

log "== bench/run.sh $MODE: targets ${WANTED[*]}, $REPEATS x ${DURATION}s; results in $RESULTS_DIR"
WORKLOADS=()
if [ "$MODE" = suite ] || [ "$MODE" = ingest ]; then
  # Ingest workloads, each on fresh servers: the peer's in-memory store slows down as it grows,
  # so a workload must not inherit the statements of the previous one.
  start_all
  WORKLOADS+=(post-batch100 post-single)
  workload post-batch100 post --conns 4 --batch 100 --duration "$DURATION"
  note_rss post-batch100
  note_disk post-batch100
  stop_all
  start_all
  workload post-single post --conns 16 --batch 1 --duration "$DURATION"
  note_rss post-single
  stop_all
fi
if [ "$MODE" = suite ]; then
  # Phase 2: queries on fresh servers holding QUERY_N statements.
  start_all
  seed_all "$QUERY_N"
  WORKLOADS+=("get@$QUERY_N" "mixed@$QUERY_N")
  workload "get@$QUERY_N" get --conns 4 --duration "$DURATION"
  workload "mixed@$QUERY_N" mixed --conns 4 --batch 1 --duration "$DURATION"
  note_rss "query@$QUERY_N"
  note_disk "at-$QUERY_N"
  stop_all

  # Phase 3, ours only (the peer has no document API), on a fresh server holding QUERY_N
  # statements, so that State documents do not count in the bytes per statement above: a course
  # player's shape (statements, queries and a few State writes), then State document traffic.
  if [[ " ${WANTED[*]} " == *" ours "* ]] && start_server ours; then
    RUNNING=(ours)
    seed_all "$QUERY_N"
    WORKLOADS+=("mixed+state@$QUERY_N" docs)
    workload_ours "mixed+state@$QUERY_N" mixed --conns 4 --batch 1 --state-share "$STATE_SHARE" \
      --duration "$DURATION"
    workload_ours docs docs --conns 4 --duration "$DURATION"
    note_rss "docs@$QUERY_N"
    stop_all
  fi
elif [ "$MODE" = docs ]; then
  # Ours only: the statement mixed load with and without State writes, interleaved run by run so
  # that the comparison sees the same machine load, then State document traffic on its own.
  start_all
  [[ " ${RUNNING[*]} " == *" ours "* ]] || {
    log "docs needs our server"
    exit 1
  }
  seed_all "$QUERY_N"
  WORKLOADS+=("mixed@$QUERY_N" "mixed+state@$QUERY_N" docs)
  log "-- mixed@$QUERY_N and mixed+state@$QUERY_N interleaved (ours only)"
  for r in $(seq 1 "$REPEATS"); do
    run_load ours "mixed@$QUERY_N" "$r" mixed --conns 4 --batch 1 --duration "$DURATION"
    run_load ours "mixed+state@$QUERY_N" "$r" mixed --conns 4 --batch 1 \
      --state-share "$STATE_SHARE" --duration "$DURATION"
  done
  workload_ours docs docs --conns 4 --duration "$DURATION"
  note_rss "docs@$QUERY_N"
  stop_all
elif [ "$MODE" = get-1m ]; then
  start_all
  seed_all "$GET_N"
  note_rss "seed@$GET_N"
  WORKLOADS+=("get@$GET_N")
  workload "get@$GET_N" get --conns 4 --duration "$DURATION"
  note_rss "get@$GET_N"
  note_disk "at-$GET_N"
  stop_all
fi
report | tee "$RESULTS_DIR/summary.txt"
