#!/usr/bin/env bash
# `ferry run --trace FILE`: the file obeys the Trace Event Format's rules
# (checked by trace_check, see there) and holds what the run did.
#
#   trace_test.sh FERRY_BINARY REPO_ROOT TRACE_CHECK CASE
set -uo pipefail
ferry=$(realpath "$1") root=$(realpath "$2") check=$(realpath "$3") case=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root" || exit 2

fail() { echo "FAIL [$case]: $*" >&2; exit 1; }
run() { "$ferry" "$@" >"$tmp/out" 2>"$tmp/err"; code=$?; }

cat >"$tmp/squares.yaml" <<'YAML'
pipeline: squares
plugins: {math: math, faults: faults}
stages:
  - {name: numbers, source: {range: [0, 300]}}
  - {name: square, map: math.square, workers: 2, chunksize: 7}
  - {name: echo, map: faults.echo_after_us, workers: 1, chunksize: 50}
  - {name: out, sink: stdout}
YAML

case $case in
  trace_run)
    run run "$tmp/squares.yaml" --trace "$tmp/trace.json"
    [[ $code -eq 0 ]] || fail "exit $code: $(cat "$tmp/err")"
    [[ $(wc -l <"$tmp/out") -eq 300 ]] || fail "results lost"
    "$check" "$tmp/trace.json" >"$tmp/summary" || fail "not a valid trace"
    # Every item of each stage in its chunks (at most 7 or 50 items each:
    # a chunk takes what is queued).
    grep -Eqx 'slices square (4[3-9]|[5-9][0-9]|[12][0-9][0-9]|300) 300' "$tmp/summary" || fail "square: $(cat "$tmp/summary")"
    grep -Eqx 'slices echo [0-9]+ 300' "$tmp/summary" || fail "echo: $(cat "$tmp/summary")"
    # A track per worker that ran a call (one of square's two may have had none).
    grep -Eqx 'tracks (2|3)' "$tmp/summary" || fail "tracks: $(cat "$tmp/summary")"
    grep -qx 'instants worker started 3' "$tmp/summary" || fail "worker starts: $(cat "$tmp/summary")"
    grep -Eqx 'counters queue square [1-9][0-9]*' "$tmp/summary" || fail "no queue depth: $(cat "$tmp/summary")"
    grep -Eqx 'counters queue out [1-9][0-9]*' "$tmp/summary" || fail "no queue depth: $(cat "$tmp/summary")" ;;
  trace_worker_lost)
    # A worker that dies shows its loss, and its replacement its start.
    cat >"$tmp/dies.yaml" <<'YAML'
pipeline: dies
plugins: {faults: faults}
stages:
  - {name: numbers, source: {range: [0, 20]}}
  - {name: work, map: faults.segfault_on_3, workers: 1, chunksize: 1, on_error: skip}
  - {name: out, sink: {file: /dev/null}}
YAML
    run run "$tmp/dies.yaml" --trace "$tmp/trace.json"
    [[ $code -eq 0 ]] || fail "exit $code: $(cat "$tmp/err")"
    "$check" "$tmp/trace.json" >"$tmp/summary" || fail "not a valid trace"
    grep -qx 'instants worker lost: died 2' "$tmp/summary" || fail "losses: $(cat "$tmp/summary")"
    grep -qx 'slices work 18 18' "$tmp/summary" || fail "slices: $(cat "$tmp/summary")"
    grep -Eqx 'instants worker started (2|3)' "$tmp/summary" || fail "starts: $(cat "$tmp/summary")" ;;
  trace_refused)
    # A trace file that cannot be made: nothing runs, nothing is written.
    run run "$tmp/squares.yaml" --trace "$tmp/no/such/folder/trace.json"
    [[ $code -eq 2 ]] || fail "exit $code"
    grep -q -- "--trace=$tmp/no/such/folder/trace.json: cannot create a file in" "$tmp/err" || fail "$(cat "$tmp/err")"
    [[ ! -s $tmp/out ]] || fail "something ran"
    # The trace file may not be the sink's file.
    sed 's|sink: stdout|sink: {file: '"$tmp"'/same.json}|' "$tmp/squares.yaml" >"$tmp/same.yaml"
    run run "$tmp/same.yaml" --trace "$tmp/same.json"
    [[ $code -eq 2 ]] || fail "exit $code: $(cat "$tmp/err")"
    [[ ! -e $tmp/same.json ]] || fail "a refused run made a file" ;;
  *) fail "unknown case" ;;
esac
