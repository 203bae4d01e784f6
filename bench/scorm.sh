#!/usr/bin/env bash
# SCORM bridge benchmarks (bench/README.md, "SCORM bridge"): import of a large package and
# CMI commit latency, each run RUNS times (default 3) in a fresh process and database; prints
# every run and the median of each figure.
#
# usage: bench/scorm.sh [BUILD_DIR]   (env: RUNS, PACKAGE_MB, REGISTRATIONS, COMMITS, WARMUP:
# learners whose sessions run first, unmeasured [0])
set -euo pipefail
build=${1:-build}
bench="$build/scorm-bench"
runs=${RUNS:-3}
mb=${PACKAGE_MB:-200}
[[ -x $bench ]] || { echo "build it first: cmake --build $build --target scorm-bench" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# median KEY FILE: the median of KEY=value over the lines of FILE
median() {
  grep -oE "(^| )$1=[0-9.]+" "$2" | cut -d= -f2 | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'
}

echo "making a ${mb} MB package ..."
"$bench" make-package "$work/large.zip" "$mb"
ls -l "$work/large.zip" | awk '{printf "package: %.1f MB\n", $5/1048576}'

: > "$work/import.txt"
for ((i = 1; i <= runs; i++)); do "$bench" import "$work/large.zip" | tee -a "$work/import.txt"; done
: > "$work/commit.txt"
echo "load average (1, 5, 15 min) before the commit runs: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((i = 1; i <= runs; i++)); do
  "$bench" commit --registrations "${REGISTRATIONS:-20}" --commits "${COMMITS:-100}" \
    --warmup "${WARMUP:-0}" |
    tee -a "$work/commit.txt"
done

echo
echo "median of $runs: import seconds=$(median seconds "$work/import.txt")" \
  "peak_rss_mb=$(median peak_rss_mb "$work/import.txt")"
echo "median of $runs: commit p50_ms=$(median p50_ms "$work/commit.txt")" \
  "p99_ms=$(median p99_ms "$work/commit.txt") max_ms=$(median max_ms "$work/commit.txt")" \
  "cpu_p50_ms=$(median cpu_p50_ms "$work/commit.txt") cpu_p99_ms=$(median cpu_p99_ms "$work/commit.txt")" \
  "path_cpu_p50_ms=$(median path_cpu_p50_ms "$work/commit.txt")" \
  "path_cpu_p99_ms=$(median path_cpu_p99_ms "$work/commit.txt")" \
  "first_cpu_p50_ms=$(median first_cpu_p50_ms "$work/commit.txt")" \
  "commits_per_s=$(median commits_per_s "$work/commit.txt")"
# The machine may be shared: wall times are only comparable at a similar load.
echo "load average (1, 5, 15 min) at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
