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
  *) echo "unknown case $case" >&2; exit 2 ;;
esac
