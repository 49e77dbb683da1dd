#!/usr/bin/env bash
# Pipelines over a Redis broker, as docs/distributed.md promises: the same
# file gives the same bytes as a local run with 3 `ferry worker`s; a worker
# killed (-9) or paused (SIGSTOP) mid-run, and redis-server killed (-9) and
# restarted on its append-only file, cost no item and duplicate none; an
# item that kills every worker that takes it becomes an error record after
# the delivery cap; another build of a plugin is refused by name; a host
# killed with SIGKILL leaves keys that expire, and workers serve on.
#
#   distributed_test.sh FERRY_BINARY REPO CASE
#
# Each case starts its own redis-server (free loopback port, temporary
# folder) and stops it by PID. Waits poll for a state with a deadline;
# nothing here asserts how long anything takes.
set -uo pipefail
ferry=$(realpath "$1") repo=$(realpath "$2") case=$3
repo_plugins=$(dirname "$ferry")/../lib/ferry/plugins  # the build tree's
tmp=$(mktemp -d)
host_pid=""
cleanup() { [[ -n $host_pid ]] && kill -9 "$host_pid" 2>/dev/null; broker_cleanup; rm -rf "$tmp"; }
trap cleanup EXIT
fail() {
  echo "FAIL [$case]: $*" >&2
  for f in "$tmp"/*.log "$tmp"/err*; do [[ -f $f ]] && { echo "--- $f" >&2; tail -20 "$f" >&2; }; done
  exit 1
}

source "$repo/tests/wait_helpers.sh"
source "$repo/tests/broker/broker_helpers.sh"

# same_output FILE [ARGS...]: a local run and a run on the broker write the
# same stdout (and the same exit status).
same_output() {
  local file=$1; shift
  # Input for the pipelines that read stdin (lines: "-").
  printf 'one two\nthree four five\n\nsix\n' >"$tmp/stdin.txt"
  # Both at once: several configs sleep on purpose, and the two runs share nothing.
  (cd "$(dirname "$file")" && exec "$ferry" run -q "$file" "$@") <"$tmp/stdin.txt" >"$tmp/local.out" \
    2>"$tmp/err.local" &
  local local_pid=$!
  (cd "$(dirname "$file")" && "$ferry" run -q "$file" --broker "$redis_url" --heartbeat 0.2 "$@") \
    <"$tmp/stdin.txt" >"$tmp/broker.out" 2>"$tmp/err.broker"
  local b=$?
  wait "$local_pid"; local a=$?
  [[ $a -eq $b ]] || fail "$file: exit $a locally, $b on the broker"
  cmp -s "$tmp/local.out" "$tmp/broker.out" ||
    fail "$file: outputs differ: $(diff "$tmp/local.out" "$tmp/broker.out" | head -10)"
  [[ -s $tmp/local.out ]] || fail "$file: no output"
}

three_workers() {
  start_redis
  start_worker w1 --workers 2
  start_worker w2 --workers 2
  start_worker w3 --workers 2
  wait_for 30 workers_listed 3 || fail "the workers did not come up"
}

# words.txt: 400 lines of 0 to 9 words of 1 to 12 letters, the same every time.
make_words() {
  awk 'BEGIN { srand(7); for (i = 0; i < 400; ++i) { n = int(rand() * 10); line = "";
         for (j = 0; j < n; ++j) { w = ""; len = 1 + int(rand() * 12);
           for (k = 0; k < len; ++k) w = w sprintf("%c", 97 + int(rand() * 26));
           line = line (j ? " " : "") w }
         print line } }' >"$tmp/words.txt"
}

# squares.yaml N WORKERS_PER_STAGE: N squares, slow enough to interrupt.
squares_file() {
  cat >"$tmp/squares.yaml" <<YAML
pipeline: squares
plugins: {math: math}
stages:
  - name: numbers
    source: {range: [0, $1]}
  - name: square
    map: math.$2
  - name: out
    sink: {file: out.jsonl}
YAML
}
all_squares() { awk -v n="$1" '{ if ($0 != (NR-1)*(NR-1)) exit 1 } END { exit NR != n }' "$tmp/out.jsonl"; }

start_host() { (cd "$tmp" && exec "$ferry" run -q "$@" --broker "$redis_url" --heartbeat 0.2) 2>"$tmp/err.host" & host_pid=$!; }
finish_host() {
  wait_for 300 gone "$host_pid" || fail "the run did not end"
  wait "$host_pid"; local code=$?; host_pid=""
  [[ $code -eq 0 ]] || fail "the run failed ($code): $(cat "$tmp/err.host")"
}

case $case in
  same_output_configs)
    # Every pipeline in configs/ without shared state or clock times.
    three_workers
    for f in "$repo"/configs/*.yaml; do
      [[ $f == *_test.yaml ]] && continue  # tests of a config (ferry test), not a pipeline
      grep -q '^shared:' "$f" && continue
      [[ $(basename "$f") == task-scheduler.yaml ]] && continue  # prints the time of day
      same_output "$f"
    done ;;
  same_output_shapes)
    # flat_map then map then a failing map (error records whose positions
    # count the fan-out), batch between task stages, apply, skip, errors:
    # to a file, a task source, and ordered: false (compared sorted).
    three_workers
    make_words
    cat >"$tmp/chain.yaml" <<'YAML'
pipeline: chain
plugins: {shared: shared, hostile: hostile, faults: faults}
stages:
  - name: lines
    source: {lines: words.txt}
  - name: words
    flat_map: shared.split_words
  - name: len
    map: hostile.length_of
  - name: check
    map: faults.throw_on_7
    on_error: collect
  - name: out
    sink: stdout
YAML
    same_output "$tmp/chain.yaml"
    grep -q '"item":' "$tmp/broker.out" || fail "chain: no error record"
    cat >"$tmp/batches.yaml" <<'YAML'
pipeline: batches
plugins: {math: math}
stages:
  - {name: n, source: {range: [0, 1000]}}
  - {name: sq, map: math.square, chunksize: 3}
  - {name: tens, batch: 10}
  - {name: avg, map: math.analyze_chunk}
  - {name: out, sink: stdout}
YAML
    same_output "$tmp/batches.yaml"
    cat >"$tmp/apply.yaml" <<'YAML'
pipeline: apply
plugins: {math: math}
stages:
  - {name: n, source: {range: [0, 500]}}
  - {name: inc, map: math.inc}
  - {name: avg, apply: math.analyze_chunk}
  - {name: out, sink: stdout}
YAML
    same_output "$tmp/apply.yaml"
    cat >"$tmp/skip.yaml" <<'YAML'
pipeline: skip
plugins: {math: math, faults: faults}
errors: {file: errors.jsonl}
stages:
  - {name: n, source: {range: [0, 300]}}
  - {name: picky, map: faults.throw_on_7, on_error: skip}
  - {name: sq, map: math.square}
  - {name: again, map: faults.throw_on_7, on_error: collect}
  - {name: out, sink: stdout}
YAML
    same_output "$tmp/skip.yaml"
    cp "$tmp/errors.jsonl" "$tmp/errors.broker" 2>/dev/null || fail "skip: no errors file"
    (cd "$tmp" && "$ferry" run -q skip.yaml >/dev/null 2>&1)
    cmp -s "$tmp/errors.jsonl" "$tmp/errors.broker" || fail "skip: the errors files differ"
    cat >"$tmp/generator.yaml" <<'YAML'
pipeline: generator
plugins: {shared: shared, hostile: hostile}
stages:
  - {name: words, source: {task: shared.split_words, args: ["the quick brown fox jumps over the lazy dog"]}}
  - {name: len, map: hostile.length_of}
  - {name: out, sink: stdout}
YAML
    same_output "$tmp/generator.yaml"
    cat >"$tmp/unordered.yaml" <<'YAML'
pipeline: unordered
plugins: {math: math}
stages:
  - {name: n, source: {range: [0, 2000]}}
  - {name: sq, map: math.square, ordered: false, chunksize: 7}
  - {name: out, sink: stdout}
YAML
    cat >"$tmp/objects.yaml" <<'YAML'
pipeline: objects
plugins: {shared: shared}
shared:
  tally: dict<str,i64>
  seen: list<i64>
  squares: queue<i64>
output: {dict: tally}
stages:
  - {name: n, source: {range: [0, 200]}}
  - {name: count, map: shared.tally, chunksize: 5}
  - {name: sum, apply: shared.tally_summary}
  - {name: out, sink: stdout}
YAML
    same_output "$tmp/objects.yaml"
    [[ $(cat "$tmp/broker.out") == $'[200,200,2646700]\n{"k0":50,"k1":50,"k2":50,"k3":50}' ]] ||
      fail "objects: $(cat "$tmp/broker.out")"
    cat >"$tmp/dict_sink.yaml" <<'YAML'
pipeline: dict_sink
plugins: {math: math}
shared: {squares: 'dict<str,i64>'}
output: {dict: squares}
stages:
  - {name: pairs, source: {values: [[one, 1], [two, 4], [three, 9]]}}
  - {name: store, sink: {dict: squares}}
YAML
    same_output "$tmp/dict_sink.yaml"
    [[ $(cat "$tmp/broker.out") == '{"one":1,"three":9,"two":4}' ]] || fail "dict sink: $(cat "$tmp/broker.out")"
    (cd "$tmp" && "$ferry" run -q unordered.yaml | sort) >"$tmp/a" || fail "unordered: local run failed"
    (cd "$tmp" && "$ferry" run -q unordered.yaml --broker "$redis_url" | sort) >"$tmp/b" || fail "unordered failed"
    cmp -s "$tmp/a" "$tmp/b" || fail "unordered: different items" ;;
  kill9_worker)
    # 50,000 items; one of three workers killed -9 mid-run: every item
    # exactly once, in order, its entries taken over by the others.
    three_workers
    cat >"$tmp/squares.yaml" <<'YAML'
pipeline: squares
plugins: {math: math, faults: faults}
stages:
  - {name: numbers, source: {range: [0, 50000]}}
  - {name: pause, map: faults.echo_after_us, chunksize: 50}
  - {name: square, map: math.square}
  - {name: out, sink: {file: out.jsonl}}
YAML
    start_host squares.yaml
    wait_for 120 lines_at_least "$tmp/out.jsonl" 5000 || fail "no progress"
    wait_for 60 holds w2 || fail "w2 holds nothing"
    kill -9 "$pid_w2"
    finish_host
    all_squares 50000 || fail "output is not the 50,000 squares once each, in order"
    grep -q "takes over entry .* from a lost worker" "$tmp/w1.log" "$tmp/w3.log" ||
      fail "nobody took over the killed worker's entries"
    wait_for 60 no_run_keys || fail "keys left: $(rcli --scan --pattern 'ferry:{*' | head)" ;;
  sigstop_worker)
    # A worker paused past the takeover time, then resumed: its late
    # results are dropped (the entries were finished by others), the
    # output is unchanged.
    three_workers
    squares_file 60 slow_square
    start_host squares.yaml
    wait_for 60 holds w1 || fail "w1 holds nothing"
    kill -STOP "$pid_w1"
    wait_for 60 grep -q "takes over entry" "$tmp/w2.log" "$tmp/w3.log" || fail "nobody took over w1's entries"
    kill -CONT "$pid_w1"
    finish_host
    all_squares 60 || fail "output changed: $(head -c 300 "$tmp/out.jsonl")" ;;
  redis_restart)
    # redis-server killed -9 mid-run and restarted on the same append-only
    # file: the host re-sends what is unfinished, the output is unchanged.
    three_workers
    squares_file 400 slow_square
    start_host squares.yaml
    wait_for 120 lines_at_least "$tmp/out.jsonl" 20 || fail "no progress"
    kill -9 "$redis_pid"; wait "$redis_pid" 2>/dev/null
    wait_for 30 grep -q "unreachable" "$tmp/err.host" || fail "the host did not say the broker is down"
    run_redis
    wait_for 30 redis_ready || fail "redis-server did not restart"
    finish_host
    all_squares 400 || fail "output changed: $(wc -l <"$tmp/out.jsonl") lines"
    [[ $(grep -c "unreachable" "$tmp/err.host") -eq 1 ]] || fail "the outage was not told exactly once"
    grep -q "reachable again" "$tmp/err.host" || fail "the host did not say the broker is back" ;;
  worker_process_killed)
    # A task that kills its worker process every time: the local pool of
    # the `ferry worker` isolates it, as in a local run: the same error
    # records, the same output.
    three_workers
    cat >"$tmp/kill.yaml" <<'YAML'
pipeline: kill
plugins: {faults: faults}
stages:
  - {name: n, source: {range: [0, 40]}}
  - {name: crashy, map: faults.segfault_on_3, on_error: collect, retries: 1}
  - {name: out, sink: stdout}
YAML
    same_output "$tmp/kill.yaml"
    [[ $(grep -c '"error"' "$tmp/broker.out") -eq 4 ]] || fail "expected 4 error records: $(cat "$tmp/broker.out")" ;;
  delivery_cap)
    # A task that kills the `ferry worker` itself (its worker's parent)
    # whenever it sees 3: after max_deliveries (3) it becomes an error
    # record (on_error: collect) and every other item is written once.
    start_redis
    for w in w1 w2 w3 w4 w5; do start_worker $w --workers 1; done
    wait_for 30 workers_listed 5 || fail "the workers did not come up"
    cat >"$tmp/cap.yaml" <<'YAML'
pipeline: cap
plugins: {hostile: hostile}
stages:
  - {name: n, source: {range: [0, 10]}}
  - {name: deadly, map: hostile.kill_parent, on_error: collect}
  - {name: out, sink: {file: out.jsonl}}
YAML
    start_host cap.yaml
    finish_host
    grep -v '"error"' "$tmp/out.jsonl" | tr '\n' ' ' | grep -qx '0 1 2 4 5 6 7 8 9 ' ||
      fail "the other items: $(cat "$tmp/out.jsonl" | tr "\n" " ")"
    grep -q '"type":"WorkerLost"' "$tmp/out.jsonl" || fail "no error record for item 3: $(cat "$tmp/out.jsonl")"
    [[ $(grep -c '"error"' "$tmp/out.jsonl") -eq 1 ]] || fail "one error record expected"
    # on_error: skip drops it; fail stops the run, naming the stage and why.
    for w in w6 w7 w8 w9; do start_worker $w --workers 1; done
    start_host cap.yaml --set stages.deadly.on_error=skip
    finish_host
    [[ $(tr '\n' ' ' <"$tmp/out.jsonl") == '0 1 2 4 5 6 7 8 9 ' ]] || fail "skip: $(cat "$tmp/out.jsonl")"
    for w in w10 w11 w12 w13; do start_worker $w --workers 1; done
    start_host cap.yaml --set stages.deadly.on_error=fail
    wait_for 120 gone "$host_pid" || fail "the failing run did not end"
    wait "$host_pid"; code=$?; host_pid=""
    [[ $code -eq 1 ]] || fail "fail: exit $code, expected 1"
    grep -q "stage 'deadly': hostile.kill_parent failed on an item: WorkerLost: delivered 3 times" "$tmp/err.host" ||
      fail "fail: $(cat "$tmp/err.host")" ;;
  another_build)
    # A worker whose math plugin is another build refuses the run, naming
    # the plugin, and the host says so.
    start_redis
    mkdir -p "$tmp/plugins"
    cp "$repo_plugins/libmath.so" "$tmp/plugins/libmath.so"
    printf 'another build' >>"$tmp/plugins/libmath.so"
    FERRY_PLUGIN_PATH= start_worker odd --workers 1 --plugin-path "$tmp/plugins"
    wait_for 30 workers_listed 1 || fail "the worker did not come up"
    squares_file 10 square
    start_host squares.yaml
    wait_for 60 grep -q "plugin 'math' here is another build" "$tmp/odd.log" || fail "no refusal from the worker"
    wait_for 60 grep -q "worker odd: .*plugin 'math' here is another build" "$tmp/err.host" ||
      fail "the host did not tell the refusal"
    wait_for 60 grep -q "no worker has taken stage 'square' of this run yet" "$tmp/err.host" ||
      fail "the host did not say that no worker serves the stage"
    kill -INT "$host_pid"; wait "$host_pid"; host_pid=""
    wait_for 60 no_run_keys || fail "keys left after the host stopped" ;;
  host_killed)
    # A host killed with SIGKILL: its keys expire; the workers go on
    # serving the next run.
    three_workers
    squares_file 400 slow_square
    start_host squares.yaml
    wait_for 60 lines_at_least "$tmp/out.jsonl" 5 || fail "no progress"
    kill -9 "$host_pid"; wait "$host_pid" 2>/dev/null; host_pid=""
    wait_for 60 no_run_keys || fail "the dead run's keys did not expire: $(rcli --scan --pattern 'ferry:{*' | head -3)"
    rm -f "$tmp/out.jsonl"
    squares_file 50 square
    start_host squares.yaml
    finish_host
    all_squares 50 || fail "the next run's output is wrong" ;;
  worker_metrics)
    # `ferry worker --metrics`: scraped with curl after it served a run, the
    # counts of what it did; /ready answers 200 while it serves, and
    # nothing listens once it stopped.
    command -v curl >/dev/null || fail "curl is not installed (scripts/install-deps installs it)"
    start_redis
    start_worker w1 --workers 2 --metrics 0
    wait_for 30 grep -q 'serving metrics at http' "$tmp/w1.log" || fail "no metrics address"
    url=$(sed -n 's|^ferry worker: serving metrics at \(http://127\.0\.0\.1:[0-9]*\)/metrics$|\1|p' "$tmp/w1.log")
    [[ -n $url ]] || fail "not on loopback: $(cat "$tmp/w1.log")"
    wait_for 30 workers_listed 1 || fail "the worker did not come up"
    squares_file 50 square
    start_host squares.yaml
    finish_host
    all_squares 50 || fail "output changed"
    curl -sf "$url/metrics" >"$tmp/metrics" || fail "cannot scrape"
    grep -qx 'ferry_stage_items_out_total{stage="square"} 50' "$tmp/metrics" || fail "$(grep items_out "$tmp/metrics")"
    grep -qx 'ferry_worker_starts_total{stage="square"} 2' "$tmp/metrics" || fail "$(grep starts "$tmp/metrics")"
    grep -qx 'ferry_stage_item_duration_seconds_count{stage="square"} 50' "$tmp/metrics" ||
      fail "$(grep duration_seconds_count "$tmp/metrics")"
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$url/ready") == 200 ]] || fail "/ready is not 200 while serving"
    kill -TERM "$pid_w1"
    wait_for 60 gone "$pid_w1" || fail "the worker did not stop"
    ! curl -s "$url/metrics" >/dev/null || fail "still serving after it stopped" ;;
  worker_logs)
    # `ferry worker --log-level warn --log-format json`: its tasks' records
    # at warning and above, one JSON object a line naming the stage; its own
    # info lines and the tasks' info and debug lines are not written.
    start_redis
    start_worker w1 --workers 1 --log-level warn --log-format json
    wait_for 30 workers_listed 1 || fail "the worker did not come up"
    cat >"$tmp/logs.yaml" <<YAML
pipeline: logs
plugins: {faults: faults}
stages:
  - name: numbers
    source: {values: [3]}
  - name: talk
    map: faults.log_levels
  - name: out
    sink: {file: out.jsonl}
YAML
    start_host logs.yaml
    finish_host
    [[ $(cat "$tmp/out.jsonl") == 3 ]] || fail "output: $(cat "$tmp/out.jsonl")"
    wait_for 30 grep -q '"message":"an error line"' "$tmp/w1.log" || fail "no error record: $(cat "$tmp/w1.log")"
    grep -q '^{"time":"[^"]*","level":"warning","source":"task","stage":"talk","plugin":"faults","task":"log_levels",.*"message":"a warning line"}$' \
      "$tmp/w1.log" || fail "no warning record: $(cat "$tmp/w1.log")"
    ! grep -q 'info line\|debug line\|flood\|serving' "$tmp/w1.log" || fail "records below warn: $(cat "$tmp/w1.log")"
    ! grep -qv '^{.*}$' "$tmp/w1.log" || fail "not one JSON object a line: $(cat "$tmp/w1.log")" ;;
  worker_drains_on_sigint)
    # SIGINT to a worker mid-run: it finishes what it holds and exits 0;
    # the run completes on the others.
    three_workers
    squares_file 100 slow_square
    start_host squares.yaml
    wait_for 60 holds w3 || fail "w3 holds nothing"
    kill -INT "$pid_w3"
    wait_for 60 gone "$pid_w3" || fail "the worker did not stop"
    wait "$pid_w3"; code=$?
    [[ $code -eq 0 ]] || fail "the worker exited $code"
    finish_host
    all_squares 100 || fail "output changed" ;;
  password_hidden)
    # A broker with a password: the run works, and the password appears in
    # no process listing, log or message.
    start_redis --requirepass s3cr3t-pw
    redis_url="redis://:s3cr3t-pw@127.0.0.1:$redis_port"
    start_worker w1 --workers 1
    rcli() { redis-cli -p "$redis_port" -a s3cr3t-pw --no-auth-warning "$@"; }
    wait_for 30 workers_listed 1 || fail "the worker did not come up"
    squares_file 20 slow_square
    start_host squares.yaml --json-stats=stats.json
    wait_for 60 lines_at_least "$tmp/out.jsonl" 1 || fail "no progress"
    for p in "$pid_w1" "$host_pid"; do
      tr '\0' ' ' <"/proc/$p/cmdline" | grep -q s3cr3t && fail "the password shows in the process listing of $p"
    done
    finish_host
    all_squares 20 || fail "output"
    ! grep -rq s3cr3t "$tmp"/*.log "$tmp"/err.* "$tmp/stats.json" || fail "the password shows in a log"
    "$ferry" workers --broker "redis://:badpass123@127.0.0.1:$redis_port" >/dev/null 2>"$tmp/err.wrong" &&
      fail "a wrong password was accepted"
    grep -q "WRONGPASS\|invalid" "$tmp/err.wrong" || fail "no clear error for a wrong password: $(cat "$tmp/err.wrong")"
    ! grep -q badpass123 "$tmp/err.wrong" || fail "the wrong password was echoed" ;;
  stream_service)
    # source and sink redis_stream: a pipeline as a service between two
    # streams, its task on the workers; entries acknowledged once written;
    # stopped by SIGINT, started again, it takes up where the group is.
    three_workers
    for i in $(seq 0 99); do echo "XADD jobs * value $i"; done | rcli >/dev/null
    cat >"$tmp/svc.yaml" <<YAML
pipeline: svc
plugins: {math: math}
stages:
  - {name: jobs, source: {redis_stream: {stream: jobs, group: squarers, url: "$redis_url"}}}
  - {name: sq, map: math.square}
  - {name: out, sink: {redis_stream: {stream: results, url: "$redis_url"}}}
YAML
    results() { rcli XRANGE results - + | awk 'prev == "value" { print } { prev = $0 }'; }
    result_count_is() { [[ $(rcli XLEN results) -eq $1 ]]; }
    none_pending() { [[ $(rcli XPENDING jobs squarers | head -1) -eq 0 ]]; }
    start_host svc.yaml
    wait_for 120 result_count_is 100 || fail "results: $(rcli XLEN results)"
    wait_for 30 none_pending || fail "entries left unacknowledged: $(rcli XPENDING jobs squarers | head -1)"
    [[ $(results | tr '\n' ' ') == "$(seq 0 99 | awk '{ printf "%d ", $1 * $1 }')" ]] || fail "results: $(results | head)"
    kill -INT "$host_pid"; wait "$host_pid"; code=$?; host_pid=""
    [[ $code -eq 130 ]] || fail "SIGINT: exit $code, expected 130; $(cat "$tmp/err.host")"
    for i in 100 101 102; do rcli XADD jobs '*' value $i >/dev/null; done
    start_host svc.yaml
    wait_for 120 result_count_is 103 || fail "after a restart, results: $(rcli XLEN results)"
    [[ $(results | tail -3 | tr '\n' ' ') == "10000 10201 10404 " ]] || fail "after a restart: $(results | tail -3)"
    kill -TERM "$host_pid"; wait "$host_pid"; code=$?; host_pid=""
    [[ $code -eq 143 ]] || fail "SIGTERM: exit $code, expected 143" ;;
  *) fail "unknown case" ;;
esac
echo "ok [$case]"
