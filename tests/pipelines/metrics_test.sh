#!/usr/bin/env bash
# `ferry run --metrics`: scraped with curl while a run goes on (a task that
# sleeps a minute holds it there), then the run is stopped: every metric
# documented in docs/operations.md is served, with the run's values; /ready
# answers 200 during the run; nothing listens afterwards.
#
#   metrics_test.sh FERRY_BINARY REPO_ROOT CASE
set -uo pipefail
ferry=$(realpath "$1") root=$(realpath "$2") case=$3
tmp=$(mktemp -d)
pid=
trap '[[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$root" || exit 2
source tests/wait_helpers.sh
command -v curl >/dev/null || { echo "FAIL [$case]: curl is not installed (scripts/install-deps installs it)" >&2; exit 1; }

fail() { echo "FAIL [$case]: $*" >&2; exit 1; }

cat >"$tmp/wait.yaml" <<'YAML'
pipeline: metrics
plugins: {math: math, faults: faults}
stages:
  - {name: numbers, source: {values: [60000, 1, 2, 3]}}
  - {name: wait, map: faults.sleep_ms, workers: 1, chunksize: 1}
  - {name: out, sink: stdout}
YAML

url=
# Starts the run in the background with --metrics "$1", and waits for the
# address it serves on.
start() {
  "$ferry" run "$tmp/wait.yaml" --metrics "$1" --grace 0 >"$tmp/out" 2>"$tmp/err" &
  pid=$!
  wait_for 30 grep -q 'serving metrics at http' "$tmp/err" || fail "no address: $(cat "$tmp/err")"
  url=$(sed -n 's|^ferry: serving metrics at \(http://[^ ]*\)/metrics$|\1|p' "$tmp/err")
}
scrape() { curl -sf "$url/metrics" >"$tmp/metrics"; }
# in_flight: the stage has taken items (the first runs on its worker, the
# others wait behind it).
in_flight() { scrape && grep -Eq '^ferry_stage_items_in_flight\{pipeline="metrics",stage="wait",kind="map"\} [1-9]$' "$tmp/metrics"; }
value() { sed -n "s/^$1 \([0-9.e+-]*\)$/\1/p" "$tmp/metrics"; }

case $case in
  metrics_scrape)
    start 0
    [[ $url == http://127.0.0.1:* ]] || fail "not on loopback: $url"
    wait_for 30 in_flight || fail "never in flight: $(cat "$tmp/metrics" 2>/dev/null)"
    for name in ferry_stage_items_in_total ferry_stage_items_out_total ferry_stage_items_failed_total \
        ferry_stage_items_skipped_total ferry_stage_items_collected_total ferry_stage_retries_total \
        ferry_stage_items_in_flight ferry_stage_queue_depth ferry_stage_busy_seconds_total ferry_stage_finished \
        ferry_stage_item_duration_seconds ferry_worker_starts_total ferry_worker_losses_total \
        ferry_worker_resident_memory_bytes ferry_run_elapsed_seconds; do
      grep -q "^# TYPE $name " "$tmp/metrics" || fail "no $name: $(cat "$tmp/metrics")"
    done
    grep -qx 'ferry_stage_items_out_total{pipeline="metrics",stage="numbers",kind="source"} 4' "$tmp/metrics" ||
      fail "source count: $(grep numbers "$tmp/metrics")"
    # The 4 items are all taken or queued in front of the stage: nothing has
    # passed, the first sleeps a minute.
    flight=$(value 'ferry_stage_items_in_flight{pipeline="metrics",stage="wait",kind="map"}')
    queued=$(value 'ferry_stage_queue_depth{pipeline="metrics",stage="wait",kind="map"}')
    [[ $((flight + queued)) -eq 4 ]] || fail "in flight $flight + queued $queued != 4"
    grep -qx 'ferry_stage_items_out_total{pipeline="metrics",stage="wait",kind="map"} 0' "$tmp/metrics" || fail "items out"
    grep -qx 'ferry_stage_finished{pipeline="metrics",stage="numbers",kind="source"} 1' "$tmp/metrics" || fail "finished"
    grep -qx 'ferry_worker_starts_total{pipeline="metrics",stage="wait"} 1' "$tmp/metrics" || fail "starts"
    # The one worker's memory, under its real pid.
    worker=$(sed -n 's/^ferry_worker_resident_memory_bytes{pipeline="metrics",stage="wait",pid="\([0-9]*\)"} [1-9][0-9]*$/\1/p' "$tmp/metrics")
    [[ -n $worker && $(ps -o comm= -p "$worker") == ferry-worker ]] || fail "worker rss: $(grep resident "$tmp/metrics")"
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$url/ready") == 200 ]] || fail "/ready is not 200 during the run"
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$url/nope") == 404 ]] || fail "an unknown path is not 404"
    # A client that connects and says nothing holds the server a bounded
    # time, then the next scrape is answered.
    port=${url##*:}
    exec 3<>"/dev/tcp/127.0.0.1/$port" || fail "cannot connect"
    curl -sf --max-time 30 "$url/metrics" >/dev/null || fail "a silent client blocked the endpoint"
    exec 3>&-
    kill -TERM "$pid"
    wait "$pid"
    code=$?
    pid=
    [[ $code -eq 143 ]] || fail "exit $code"
    ! curl -s "$url/metrics" >/dev/null || fail "still serving after the run"
    ! kill -0 "$worker" 2>/dev/null || fail "worker $worker left behind" ;;
  metrics_refused)
    "$ferry" run "$tmp/wait.yaml" --metrics nope >/dev/null 2>"$tmp/err2"
    [[ $? -eq 2 ]] || fail "a bad address: not exit 2"
    grep -q -- '--metrics=nope: expected PORT or ADDRESS:PORT' "$tmp/err2" || fail "$(cat "$tmp/err2")"
    # A port in use: refused before anything runs.
    start 0
    port=${url##*:}
    "$ferry" run "$tmp/wait.yaml" --metrics "$port" >"$tmp/out2" 2>"$tmp/err2"
    [[ $? -eq 2 ]] || fail "a port in use: not exit 2: $(cat "$tmp/err2")"
    grep -q -- "--metrics=$port: cannot listen there" "$tmp/err2" || fail "$(cat "$tmp/err2")"
    [[ ! -s $tmp/out2 ]] || fail "the refused run ran" ;;
  *) fail "unknown case" ;;
esac
