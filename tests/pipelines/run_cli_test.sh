#!/usr/bin/env bash
# `ferry run` as a user meets it: quiet when stderr is not a terminal,
# progress when it is, --quiet, --json-stats, --set, exit codes 0 / 1 / 2,
# and a reader that stops early.
#
#   run_cli_test.sh FERRY_BINARY REPO_ROOT CASE
set -uo pipefail
ferry=$(realpath "$1") root=$(realpath "$2") case=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root" || exit 2

fail() { echo "FAIL [$case]: $*" >&2; exit 1; }
# $tmp/levels.yaml: one item through faults.log_levels, which logs a line at
# each level, then $1 more at info.
levels_pipeline() {
  cat >"$tmp/levels.yaml" <<YAML
pipeline: levels
plugins: {faults: faults}
stages:
  - {name: items, source: {values: [$1]}}
  - {name: levels, map: faults.log_levels, workers: 1}
  - {name: out, sink: {file: /dev/null}}
YAML
}
# The levels of the "a/an LEVEL line" lines in $tmp/err, in order.
levels_seen() { sed -n 's/.*\] \([a-z]*\): an\? \1 line$/\1/p' "$tmp/err" | tr '\n' ' ' | sed 's/ $//'; }
# The lines of $tmp/raw as a terminal shows them, one per redraw: cursor
# movements and clears dropped, carriage returns as line ends.
visible_lines() { sed -E 's/\x1b\[[0-9;]*[A-Za-z]//g' "$tmp/raw" | tr '\r' '\n' | grep -v '^$'; }
# run ARGS...: runs ferry, stdout to $tmp/out, stderr to $tmp/err, status in $code.
run() { "$ferry" "$@" >"$tmp/out" 2>"$tmp/err"; code=$?; }

case $case in
  quiet_without_terminal)
    run run configs/is-prime.yaml
    [[ $code -eq 0 ]] || fail "exit $code"
    [[ ! -s $tmp/err ]] || fail "stderr not empty: $(cat "$tmp/err")"
    [[ $(wc -l <"$tmp/out") -eq 8 ]] || fail "expected 8 lines: $(cat "$tmp/out")" ;;
  progress_on_terminal)
    # script(1) gives ferry a terminal; the final table names every stage.
    script -qec "'$ferry' run configs/is-prime.yaml" /dev/null >"$tmp/out" 2>&1 || fail "exit $?"
    grep -q 'check.*map.*8 done.*0 failed' "$tmp/out" || fail "no progress line for check: $(cat -v "$tmp/out")"
    grep -q 'numbers.*source' "$tmp/out" || fail "no progress line for numbers" ;;
  progress_width_50 | progress_width_120)
    # Every redraw fits the terminal (a line as wide as the terminal would
    # wrap and the table would creep down the screen), and the wide one
    # shows every column and, while items are left, an ETA.
    cols=${case#progress_width_}
    script -qec "stty cols $cols rows 40; '$ferry' run configs/slow-task.yaml --set 'stages.numbers.source={range: [0, 40]}'" \
      /dev/null >"$tmp/raw" 2>&1 || fail "exit $?"
    visible_lines >"$tmp/out"
    grep -q '^slow .*40 done' "$tmp/out" || fail "no final line for slow: $(cat "$tmp/out")"
    awk -v w="$cols" 'length($0) >= w { print "too wide (" length($0) "): " $0; bad = 1 } END { exit bad }' "$tmp/out" ||
      fail "a line does not fit $cols columns"
    if [[ $cols -eq 120 ]]; then
      grep -q '^slow  *map .*[0-9] done  *0 failed  *[0-9]* in flight  *[0-9]* queued  *[0-9.]*k\?/s' "$tmp/out" ||
        fail "columns missing at 120: $(cat "$tmp/out")"
      grep -q '^slow-task  0:0[0-9] elapsed  ETA 0:0[0-9]$' "$tmp/out" || fail "no ETA: $(cat "$tmp/out")"
    fi ;;
  progress_logs_above)
    # Task log lines go above the table, each whole on a line of its own.
    cat >"$tmp/log.yaml" <<'YAML'
pipeline: logs
plugins: {math: math}
stages:
  - {name: words, source: {values: [a, b, c, d, e, f, g, h]}}
  - {name: echo, map: math.log_and_echo, workers: 2}
  - {name: out, sink: {file: /dev/null}}
YAML
    script -qec "stty cols 80 rows 40; '$ferry' run '$tmp/log.yaml'" /dev/null >"$tmp/raw" 2>&1 || fail "exit $?"
    visible_lines >"$tmp/out"
    [[ $(grep -c 'echo: ' "$tmp/out") -eq 8 ]] || fail "expected 8 log lines: $(cat "$tmp/out")"
    ! grep 'echo: ' "$tmp/out" | grep -qv '^\[math\.log_and_echo pid [0-9]*\] info: echo: [a-h]$' ||
      fail "a log line was cut or mixed with the table: $(cat "$tmp/out")"
    grep -q '^echo .*8 done' "$tmp/out" || fail "no table after the logs: $(cat "$tmp/out")"
    # Each was written where the table was, once it was cleared, and the
    # table drawn again below it.
    [[ $(grep -o $'\x1b\\[J\\[math\\.log_and_echo' "$tmp/raw" | wc -l) -eq 8 ]] ||
      fail "log lines not written over a cleared table: $(cat -v "$tmp/raw")" ;;
  log_levels)
    # One line at each level; stderr is a file here, so each line starts
    # with its time.
    levels_pipeline 0
    run run "$tmp/levels.yaml"
    [[ $code -eq 0 ]] || fail "exit $code: $(cat "$tmp/err")"
    grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z \[faults\.log_levels pid [0-9]+\] info: an info line$' \
      "$tmp/err" || fail "no timestamped info line: $(cat "$tmp/err")"
    [[ $(levels_seen) == "info warning error" ]] || fail "default level: $(levels_seen)"
    run run "$tmp/levels.yaml" --log-level debug
    [[ $(levels_seen) == "debug info warning error" ]] || fail "--log-level debug: $(levels_seen)"
    run run "$tmp/levels.yaml" --log-level error
    [[ $(levels_seen) == "error" ]] || fail "--log-level error: $(levels_seen)"
    FERRY_LOG_LEVEL=warn run run "$tmp/levels.yaml"
    [[ $(levels_seen) == "warning error" ]] || fail "FERRY_LOG_LEVEL=warn: $(levels_seen)"
    FERRY_LOG_LEVEL=warn run run "$tmp/levels.yaml" --log-level info  # the option wins
    [[ $(levels_seen) == "info warning error" ]] || fail "--log-level over FERRY_LOG_LEVEL: $(levels_seen)"
    run run "$tmp/levels.yaml" --quiet
    [[ $(levels_seen) == "error" ]] || fail "--quiet: $(levels_seen)"
    run run "$tmp/levels.yaml" --log-level loud
    [[ $code -eq 2 ]] || fail "a bad level: exit $code"
    grep -q "^ferry: .*--log-level=loud: not a log level (error, warn, info or debug)" "$tmp/err" || fail "$(cat "$tmp/err")"
    FERRY_LOG_LEVEL=loud run run "$tmp/levels.yaml"
    grep -q "FERRY_LOG_LEVEL=loud: not a log level" "$tmp/err" || fail "$(cat "$tmp/err")" ;;
  log_json)
    # One JSON object a line, keys in a reading order, the item's position
    # in the stage's input included.
    levels_pipeline 0
    run run "$tmp/levels.yaml" --log-format json
    [[ $code -eq 0 ]] || fail "exit $code: $(cat "$tmp/err")"
    [[ $(wc -l <"$tmp/err") -eq 3 ]] || fail "expected 3 lines: $(cat "$tmp/err")"
    grep -Eq '^\{"time":"[0-9T:.-]+Z","level":"warning","source":"task","stage":"levels","plugin":"faults","task":"log_levels","pid":[0-9]+,"item":0,"message":"a warning line"\}$' \
      "$tmp/err" || fail "$(cat "$tmp/err")"
    # ferry's own messages too.
    run run configs/async-errors.yaml --set stages.work.on_error=skip --log-format json
    grep -Eq '^\{"time":"[0-9T:.-]+Z","level":"warning","source":"ferry","message":"1 item failed and was skipped or collected \(on_error\)"\}$' \
      "$tmp/err" || fail "$(cat "$tmp/err")"
    run run "$tmp/levels.yaml" --log-format yaml
    [[ $code -eq 2 ]] || fail "a bad format: exit $code" ;;
  log_rate_limit)
    # 2003 lines reach the limiter (the debug line is dropped before it):
    # what it lets through and what it says it dropped add up to that.
    levels_pipeline 2000
    run run "$tmp/levels.yaml" --log-rate 50
    [[ $code -eq 0 ]] || fail "exit $code: $(cat "$tmp/err")"
    shown=$(grep -c '\] [a-z]*: \(an\|a\|flood\) ' "$tmp/err")
    dropped=$(sed -n 's/.*warning: dropped \([0-9]*\) log lines\? of this worker (more than 50 a second)$/\1/p' "$tmp/err" |
      awk '{ n += $1 } END { print n + 0 }')
    [[ -n $dropped && $dropped -gt 0 ]] || fail "no dropped report: $(tail -3 "$tmp/err")"
    [[ $((shown + dropped)) -eq 2003 ]] || fail "shown $shown + dropped $dropped != 2003"
    [[ $shown -lt 1000 ]] || fail "the limit let $shown lines through"
    run run "$tmp/levels.yaml" --log-rate 0
    [[ $(grep -c 'flood ' "$tmp/err") -eq 2000 ]] || fail "--log-rate 0 dropped lines"
    ! grep -q 'dropped' "$tmp/err" || fail "a dropped report without a limit" ;;
  quiet_flag_on_terminal)
    script -qec "'$ferry' run --quiet configs/is-prime.yaml" /dev/null >"$tmp/out" 2>&1 || fail "exit $?"
    ! grep -q 'done' "$tmp/out" || fail "progress despite --quiet: $(cat -v "$tmp/out")" ;;
  json_stats_stderr)
    run run configs/is-prime.yaml --json-stats
    [[ $code -eq 0 ]] || fail "exit $code"
    [[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "stderr is not the statistics alone: $(cat "$tmp/err")"
    # Keys in reading order, the document's version first.
    grep -q '^{"ferry_stats":1,"pipeline":"is-prime","ok":true,"stopped":false,"wall_ms":' "$tmp/err" ||
      fail "no stats header: $(cat "$tmp/err")"
    grep -Eq '\{"name":"check","kind":"map","workers":[0-9]+,"items_in":8,"items_out":8,"failed":0,' "$tmp/err" ||
      fail "wrong counts: $(cat "$tmp/err")" ;;
  json_stats_stderr_alone)
    # Items skipped: the statistics count them, no "N items failed" line
    # joins them on stderr.
    run run configs/async-errors.yaml --set stages.work.on_error=skip --json-stats
    [[ $code -eq 0 ]] || fail "exit $code"
    [[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "stderr is not the statistics alone: $(cat "$tmp/err")"
    grep -q '"name":"work","kind":"map","workers":2,"items_in":2,"items_out":1,"failed":1,"skipped":1,' "$tmp/err" ||
      fail "wrong counts: $(cat "$tmp/err")"
    # A failed run: its error is in the statistics, and the exit status says it.
    run run configs/async-errors.yaml --set stages.work.on_error=fail --json-stats
    [[ $code -eq 1 ]] || fail "exit $code"
    [[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "stderr is not the statistics alone: $(cat "$tmp/err")"
    grep -q '"ok":false,"stopped":false,"error":"stage '"'"'work'"'"': math.work_with_error failed on item 1' "$tmp/err" ||
      fail "no error in the statistics: $(cat "$tmp/err")"
    # Statistics in a file leave stderr to ferry's own lines.
    run run configs/async-errors.yaml --set stages.work.on_error=skip --json-stats="$tmp/stats.json"
    grep -q '^ferry: 1 item failed' "$tmp/err" || fail "no summary line: $(cat "$tmp/err")"
    grep -q '^{"ferry_stats":1,' "$tmp/stats.json" || fail "no statistics file: $(cat "$tmp/stats.json")" ;;
  set_override)
    run run configs/is-prime.yaml --set 'stages.numbers.source={range: [10, 14]}'
    [[ $code -eq 0 ]] || fail "exit $code: $(cat "$tmp/err")"
    [[ $(tr '\n' ' ' <"$tmp/out") == "false true false true " ]] || fail "got $(cat "$tmp/out")" ;;
  bad_override)
    run run configs/is-prime.yaml --set stages.chek.workers=2
    [[ $code -eq 2 ]] || fail "exit $code"
    grep -q "^--set stages.chek.workers=2: error: no stage named 'chek'" "$tmp/err" || fail "$(cat "$tmp/err")" ;;
  failed_run_exits_1)
    run run configs/async-errors.yaml --set stages.work.on_error=fail
    [[ $code -eq 1 ]] || fail "exit $code"
    grep -q "^ferry: pipeline 'async-errors' failed: stage 'work': math.work_with_error failed on item 1" "$tmp/err" ||
      fail "$(cat "$tmp/err")" ;;
  missing_file)
    run run no-such-pipeline.yaml
    [[ $code -eq 2 ]] || fail "exit $code"
    grep -q "no-such-pipeline.yaml" "$tmp/err" || fail "$(cat "$tmp/err")" ;;
  reader_stops_early)
    # head exits after one line; ferry must notice, stop and exit, not hang.
    timeout 60 bash -c "'$ferry' run configs/imap-streaming.yaml --set 'stages.0.source={range: [0, 1000000]}' | head -1" \
      >"$tmp/out" 2>"$tmp/err"
    [[ $? -eq 0 ]] || fail "pipeline with head did not end"
    [[ $(cat "$tmp/out") == '"Processed 0"' ]] || fail "got $(cat "$tmp/out")" ;;
  start_method)
    # Both methods give the same answers; a third is refused, naming both.
    run run configs/is-prime.yaml
    [[ $code -eq 0 ]] || fail "spawn: exit $code: $(cat "$tmp/err")"
    mv "$tmp/out" "$tmp/spawned"
    run run configs/is-prime.yaml --start-method forkserver
    [[ $code -eq 0 ]] || fail "forkserver: exit $code: $(cat "$tmp/err")"
    cmp -s "$tmp/out" "$tmp/spawned" || fail "forkserver gave $(cat "$tmp/out")"
    run run configs/is-prime.yaml --start-method fork
    [[ $code -eq 2 ]] || fail "--start-method fork: exit $code"
    grep -q "^ferry: --start-method=fork: not a start method (spawn or forkserver)$" "$tmp/err" ||
      fail "the choices are not named: $(cat "$tmp/err")"
    # While a forkserver run goes, its workers are children of a
    # `ferry-worker --forkserver`, itself a child of ferry.
    source "$root/tests/wait_helpers.sh"
    "$ferry" run configs/slow-task.yaml --start-method forkserver --set 'stages.numbers.source={range: [0, 400]}' \
      >/dev/null 2>&1 &
    ferry_pid=$!
    forked_worker() {
      local server
      server=$(pgrep -P "$ferry_pid" -f -- '--forkserver' | head -1)
      [[ -n $server ]] && pgrep -P "$server" >/dev/null
    }
    wait_for 30 forked_worker || { kill -9 "$ferry_pid"; fail "no worker forked by a forkserver"; }
    kill -TERM "$ferry_pid"
    wait "$ferry_pid"
    wait_for 30 gone "$ferry_pid" || fail "the run did not end on SIGTERM" ;;
  *) echo "unknown case $case" >&2; exit 2 ;;
esac
