#!/usr/bin/env bash
# `ferry run` under signals and SIGKILL, as docs/reliability.md promises:
# SIGINT / SIGTERM drain and exit 130 / 143, a second signal stops at once,
# a journal resumes a killed run to the same output as an uninterrupted one,
# and kill -9 leaves no process, temp file or /dev/shm entry behind.
#
#   reliability_test.sh FERRY_BINARY CASE
#
# Waits poll for a state (a line count, a process gone) with a deadline;
# nothing here asserts how long anything takes.
set -uo pipefail
ferry=$(realpath "$1") case=$2
tmp=$(mktemp -d)
export TMPDIR=$tmp/tmpdir  # anything ferry makes in a temp folder lands here
mkdir -p "$TMPDIR"
pid=""
cleanup() { [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL [$case]: $*" >&2; exit 1; }

source "$(dirname "$0")/../wait_helpers.sh"
no_workers_of() { [[ -z $(pgrep -f "ferry-worker.*--parent $1( |$)" ; pgrep -P "$1") ]]; }

# A pipeline slow enough to interrupt: 100 ms an item, 2 workers.
cat >"$tmp/slow.yaml" <<'YAML'
pipeline: slow
plugins: {math: math}
shared: {seen: 'dict<str,i64>'}
stages:
  - name: numbers
    source: {range: [0, 200]}
  - name: square
    map: math.slow_square
    workers: 2
    chunksize: 1
  - name: out
    sink: {file: out.jsonl}
YAML

start() { (cd "$tmp" && exec "$ferry" run "$@") 2>"$tmp/err" & pid=$!; }

case $case in
  stdin_trickle_and_sigint)
    # lines: "-" on a pipe that stays open and idle: what came through is
    # written at once (not held for a full batch), and SIGINT ends the run
    # although the source waits for input that never comes.
    printf 'pipeline: stdin\nstages:\n  - name: lines\n    source: {lines: "-"}\n  - name: out\n    sink: {file: out.jsonl}\n' \
      >"$tmp/stdin.yaml"
    mkfifo "$tmp/in"
    exec 3<>"$tmp/in"  # held open: the reader never sees the end of input
    printf 'a\nb\n' >&3
    (cd "$tmp" && exec "$ferry" run stdin.yaml) <"$tmp/in" 2>"$tmp/err" & pid=$!
    wait_for 60 lines_at_least "$tmp/out.jsonl" 2 || fail "the two lines were not written: $(cat "$tmp/err")"
    kill -INT "$pid"
    wait_for 30 gone "$pid" || fail "SIGINT did not end a run waiting on stdin"
    wait "$pid"; code=$?; pid=""
    exec 3>&-
    [[ $code -eq 130 ]] || fail "exit $code, expected 130; $(cat "$tmp/err")"
    [[ $(cat "$tmp/out.jsonl") == $'"a"\n"b"' ]] || fail "output: $(cat "$tmp/out.jsonl")" ;;
  sigint_drains)
    start slow.yaml
    wait_for 60 lines_at_least "$tmp/out.jsonl" 3 || fail "no output"
    kill -INT "$pid"; wait "$pid"; code=$?; pid=""
    [[ $code -eq 130 ]] || fail "exit $code, expected 130; $(cat "$tmp/err")"
    is_prefix_of_squares "$tmp/out.jsonl" || fail "output is not a prefix of the squares"
    (($(wc -l <"$tmp/out.jsonl") < 200)) || fail "intake did not stop"
    grep -q "stopped by SIGINT after finishing the items in progress" "$tmp/err" || fail "$(cat "$tmp/err")" ;;
  sigterm_twice_stops_at_once)
    start slow.yaml --grace 600
    wait_for 60 lines_at_least "$tmp/out.jsonl" 1 || fail "no output"
    kill -TERM "$pid"
    wait_for 30 grep -q "reading stopped" "$tmp/err" || fail "first SIGTERM not seen"
    kill -TERM "$pid"; wait "$pid"; code=$?; p=$pid; pid=""
    [[ $code -eq 143 ]] || fail "exit $code, expected 143; $(cat "$tmp/err")"
    is_prefix_of_squares "$tmp/out.jsonl" || fail "output is not a prefix of the squares"
    wait_for 30 no_workers_of "$p" || fail "workers left" ;;
  journal_resumes_after_kill9)
    # The uninterrupted answer, then a run killed half way and resumed.
    sed 's/out.jsonl/whole.jsonl/' "$tmp/slow.yaml" >"$tmp/whole.yaml"
    sed -i 's/range: \[0, 200\]/range: [0, 40]/' "$tmp/slow.yaml" "$tmp/whole.yaml"
    (cd "$tmp" && "$ferry" run whole.yaml) || fail "reference run failed"
    start slow.yaml --journal journal
    wait_for 60 lines_at_least "$tmp/out.jsonl" 10 || fail "no output"
    kill -9 "$pid"; wait "$pid" 2>/dev/null; p=$pid; pid=""
    wait_for 30 no_workers_of "$p" || fail "workers outlived the killed host"
    (($(wc -l <"$tmp/out.jsonl") < 40)) || fail "the run finished before it was killed"
    (cd "$tmp" && "$ferry" run slow.yaml --journal journal --json-stats=stats.json) || fail "resumed run failed"
    cmp "$tmp/whole.jsonl" "$tmp/out.jsonl" || fail "resumed output differs: $(diff "$tmp/whole.jsonl" "$tmp/out.jsonl")"
    grep -Eq '"resumed":[1-9]' "$tmp/stats.json" || fail "nothing was resumed: $(cat "$tmp/stats.json")" ;;
  kill9_leaves_nothing)
    shm_before=$(ls /dev/shm | sort)
    start slow.yaml
    wait_for 60 lines_at_least "$tmp/out.jsonl" 2 || fail "no output"
    workers=$(pgrep -P "$pid" | tr '\n' ' ')
    [[ -n $workers ]] || fail "no workers seen"
    kill -9 "$pid"; wait "$pid" 2>/dev/null; p=$pid; pid=""
    for w in $workers; do wait_for 30 gone "$w" || fail "worker $w outlived its host"; done
    [[ -z $(ls -A "$TMPDIR") ]] || fail "left in TMPDIR: $(ls -A "$TMPDIR")"
    [[ $(ls /dev/shm | sort) == "$shm_before" ]] || fail "/dev/shm changed: $(ls /dev/shm)"
    [[ -z $(pgrep -f "$tmp") ]] || fail "processes still mention the run's folder" ;;
  *) echo "unknown case $case" >&2; exit 2 ;;
esac
