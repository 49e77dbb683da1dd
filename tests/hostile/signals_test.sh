#!/usr/bin/env bash
# `ferry run` against the signal patterns of real process managers, and
# against tasks that leave children behind:
#   group_sigterm_resumes      SIGTERM to the whole process group (`kill -- -PGID`,
#                              `timeout`): workers are not hit, the run drains, no
#                              error record is written or journaled, and a resumed
#                              run gives the uninterrupted run's file
#   every_process_sigterm      SIGTERM to the host and each worker at once (systemd's
#                              KillMode=control-group): the same
#   child_gone_after_kill9     a task's child outliving it: `ferry run | cat` ends when
#                              the host is SIGKILLed, and the child is gone
#   exec_child_has_no_fds      a program a task starts holds none of the worker's
#                              descriptors, and goes when the (stopped) run ends
#
#   signals_test.sh FERRY_BINARY CASE
#
# Waits poll for a state with a deadline; nothing asserts how long anything takes.
set -uo pipefail
ferry=$(realpath "$1") case=$2
tmp=$(mktemp -d)
tag="ferry-signals-$$-$case"
export FERRY_HOSTILE_TAG=$tag  # every worker and what it starts carries it
pid=""
cleanup() {
  [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null
  for p in $(tagged); do kill -9 "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
fail() { echo "FAIL [$case]: $*" >&2; exit 1; }

# Processes other than this script that carry the tag in their environment.
tagged() {
  local e p
  for e in /proc/[0-9]*/environ; do
    p=${e#/proc/}; p=${p%/environ}
    [[ $p == "$$" || $p == "$BASHPID" ]] && continue
    grep -qz "^FERRY_HOSTILE_TAG=$tag\$" "$e" 2>/dev/null || continue
    [[ $(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) == Z ]] && continue
    echo "$p"
  done
}
trap cleanup EXIT
none_tagged() { [[ -z $(tagged) ]]; }
source "$(dirname "$0")/../wait_helpers.sh"

# 100 ms an item, 2 workers, a file sink: slow enough to interrupt.
slow_pipeline() {
  cat <<YAML
pipeline: slow
plugins: {math: math}
stages:
  - name: numbers
    source: {range: [0, $1]}
  - name: square
    map: math.slow_square
    workers: 2
    chunksize: 1
    on_error: collect
  - name: out
    sink: {file: $2}
YAML
}

# Runs slow.yaml with a journal in a session of its own, signals it with
# the given function once output begins, then checks the drained run and
# its resumption against an uninterrupted run.
interrupt_and_resume() {
  local signal_run=$1
  slow_pipeline 40 whole.jsonl >"$tmp/whole.yaml"
  slow_pipeline 40 out.jsonl >"$tmp/slow.yaml"
  (cd "$tmp" && "$ferry" run whole.yaml) || fail "reference run failed"
  (cd "$tmp" && exec setsid "$ferry" run slow.yaml --journal journal) 2>"$tmp/err" & pid=$!
  wait_for 60 lines_at_least "$tmp/out.jsonl" 4 || fail "no output"
  "$signal_run" "$pid"
  wait "$pid"; code=$?; p=$pid; pid=""
  [[ $code -eq 143 ]] || fail "exit $code, expected 143; $(cat "$tmp/err")"
  grep -q error "$tmp/out.jsonl" && fail "error records written: $(grep error "$tmp/out.jsonl")"
  is_prefix_of_squares "$tmp/out.jsonl" || fail "output is not a prefix of the squares"
  (($(wc -l <"$tmp/out.jsonl") < 40)) || fail "the run finished before the signal stopped it"
  wait_for 30 none_tagged || fail "processes left: $(tagged)"
  (cd "$tmp" && "$ferry" run slow.yaml --journal journal) 2>>"$tmp/err" || fail "resumed run failed: $(cat "$tmp/err")"
  cmp -s "$tmp/out.jsonl" "$tmp/whole.jsonl" || fail "the resumed file differs from an uninterrupted run's"
}

sigterm_group() { kill -TERM -- "-$1"; }
sigterm_every_process() {
  local w
  kill -TERM "$1"
  for w in $(pgrep -f "ferry-worker.*--parent $1( |$)"); do kill -TERM "$w"; done
}

case $case in
  group_sigterm_resumes) interrupt_and_resume sigterm_group ;;
  every_process_sigterm) interrupt_and_resume sigterm_every_process ;;
  child_gone_after_kill9)
    # Item 3's task forks a child that sleeps 10 minutes; the slow stage
    # after it keeps the run going until it is killed.
    cat >"$tmp/fork.yaml" <<'YAML'
pipeline: fork
plugins: {hostile: hostile, math: math}
stages:
  - name: numbers
    source: {range: [0, 200]}
  - name: fork
    map: hostile.fork_outlive
    chunksize: 1
  - name: square
    map: math.slow_square
    workers: 1
    chunksize: 1
  - name: out
    sink: stdout
YAML
    (cd "$tmp" && "$ferry" run fork.yaml | cat >"$tmp/out.jsonl"; echo done >"$tmp/cat-ended") 2>"$tmp/err" &
    reader=$!
    wait_for 60 lines_at_least "$tmp/out.jsonl" 5 || fail "no output; $(cat "$tmp/err")"
    host=$(pgrep -f "ferry run fork.yaml" | head -1)
    [[ -n $host ]] || fail "no host process"
    kill -9 "$host"
    wait_for 30 test -f "$tmp/cat-ended" || fail "'| cat' still waits after the host was killed: $(tagged)"
    wait "$reader"
    wait_for 30 none_tagged || fail "a task's child outlived the killed host: $(tagged)" ;;
  exec_child_has_no_fds)
    cat >"$tmp/spawn.yaml" <<'YAML'
pipeline: spawn
plugins: {hostile: hostile, math: math}
stages:
  - name: numbers
    source: {range: [0, 400]}
  - name: spawn
    map: hostile.spawn_outlive
    workers: 1
    chunksize: 1
  - name: square        # slow, with a short queue: the stage before (and its
    map: math.slow_square  # worker, and the program it started) waits for it
    workers: 1
    chunksize: 1
    queue_size: 1
  - name: out
    sink: {file: out.jsonl}
YAML
    (cd "$tmp" && exec "$ferry" run spawn.yaml) 2>"$tmp/err" & pid=$!
    find_sleep() { for p in $(tagged); do [[ $(cat "/proc/$p/comm" 2>/dev/null) == sleep ]] && echo "$p"; done; }
    has_sleep() { [[ -n $(find_sleep) ]]; }
    wait_for 60 has_sleep || fail "the task's program never started"
    child=$(find_sleep | head -1)
    fds=$(ls "/proc/$child/fd" | sort -n | tr '\n' ' ')
    [[ $fds == "0 1 2 " ]] || fail "the program a task started holds descriptors $fds: $(ls -l "/proc/$child/fd")"
    # 40 s of work: the look above has time however slow the machine; a
    # stopped run must leave the program behind no more than a finished one.
    kill -TERM "$pid"; wait "$pid"; code=$?; pid=""
    [[ $code -eq 143 ]] || fail "exit $code; $(cat "$tmp/err")"
    wait_for 30 none_tagged || fail "the task's program outlived the run: $(tagged)" ;;
  *) fail "unknown case" ;;
esac
