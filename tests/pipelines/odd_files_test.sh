#!/usr/bin/env bash
# `ferry run` and `ferry validate` against odd pipelines and odd outputs
# (issue 13, "Hostile plugins, odd signals and odd files"), as a user meets
# them; one case per call.
#
#   odd_files_test.sh FERRY_BINARY CASE
set -uo pipefail
ferry=$(realpath "$1") case=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/p" "$tmp/cwd"
cd "$tmp/cwd" || exit 2

fail() { echo "FAIL [$case]: $*" >&2; echo "--- stdout:" >&2; cat "$tmp/out" >&2; echo "--- stderr:" >&2; cat "$tmp/err" >&2; exit 1; }
# run ARGS...: runs ferry, stdout to $tmp/out, stderr to $tmp/err, status in $code.
run() { "$ferry" "$@" >"$tmp/out" 2>"$tmp/err"; code=$?; }
expect_code() { [[ $code -eq $1 ]] || fail "exit $code, expected $1"; }
expect_err() { grep -qF -- "$1" "$tmp/err" || fail "stderr does not say '$1'"; }
touch "$tmp/out" "$tmp/err"

# The pipeline files live in $tmp/p, the commands run in $tmp/cwd: a file
# sink's path is the YAML file's folder's, a command-line path the cwd's.
cat >"$tmp/p/to-file.yaml" <<'YAML'
pipeline: to-file
stages:
  - name: numbers
    source: {range: [0, 3]}
  - name: save
    sink: {file: out.jsonl}
YAML
cat >"$tmp/p/to-stdout.yaml" <<'YAML'
pipeline: to-stdout
stages:
  - name: numbers
    source: {range: [0, 3]}
  - name: out
    sink: stdout
YAML
cat >"$tmp/p/dict.yaml" <<'YAML'
pipeline: dict
shared: {counts: 'dict<str,i64>'}
output: {dict: counts}
stages:
  - name: pairs
    source: {values: [[a, 1], [b, 2]]}
  - name: store
    sink: {dict: counts}
YAML
sink=$tmp/p/out.jsonl
earlier="an earlier run's output"
# refused ARGS...: ferry run ARGS exits 2, names the clash, and leaves the sink file as it was.
refused() {
  printf '%s\n' "$earlier" >"$sink"
  run run "$@"
  expect_code 2
  expect_err "are the same file"
  [[ $(cat "$sink") == "$earlier" ]] || fail "the sink file was written: $(cat "$sink")"
}

case $case in
  source_only)
    # Item 2: a source alone validated, then died of SIGSEGV.
    printf 'pipeline: only\nstages:\n  - name: numbers\n    source: {range: [0, 3]}\n' >"$tmp/p/only.yaml"
    run validate "$tmp/p/only.yaml"
    expect_code 0
    [[ $(cat "$tmp/out") == "$tmp/p/only.yaml: ok (1 stages)" ]] || fail "validate said something else"
    run run "$tmp/p/only.yaml" --json-stats
    expect_code 0
    [[ ! -s $tmp/out ]] || fail "a pipeline without a sink printed its items"
    grep -q '"items_out":3' "$tmp/err" || fail "the source did not produce its 3 items" ;;
  host_stage_last)
    printf 'pipeline: b\nstages:\n  - name: n\n    source: {range: [0, 3]}\n  - name: b\n    batch: 2\n' >"$tmp/p/b.yaml"
    run run "$tmp/p/b.yaml" --json-stats
    expect_code 0
    grep -Eq '"kind":"batch","workers":[0-9]+,"items_in":3,"items_out":2' "$tmp/err" || fail "batch did not group 3 items into 2" ;;
  journal_in_sink_file)
    # Item 5: the journal's lines used to interleave with the output.
    refused "$tmp/p/to-file.yaml" --journal ../p/out.jsonl
    expect_err "ferry: the file sink 'save' ($sink) and --journal ../p/out.jsonl are the same file" ;;
  stats_in_sink_file)
    refused "$tmp/p/to-file.yaml" "--json-stats=$sink"
    expect_err "--json-stats=$sink" ;;
  stats_in_journal)
    refused "$tmp/p/to-file.yaml" --journal j --json-stats=./j
    expect_err "--journal j and --json-stats=./j are the same file"
    [[ ! -e j ]] || fail "the journal was created" ;;
  links_to_sink_file)
    printf '%s\n' "$earlier" >"$sink"
    ln "$sink" hard
    ln -s ../p/out.jsonl soft
    refused "$tmp/p/to-file.yaml" --json-stats=hard
    refused "$tmp/p/to-file.yaml" --journal soft
    ln -s ../p dir
    refused "$tmp/p/to-file.yaml" --json-stats=dir/out.jsonl ;;
  source_is_sink_file)
    # A lines source reading the file the sink writes: the sink's open
    # emptied it before a line was read.
    printf 'a\nb\n' >"$tmp/p/data.txt"
    printf 'pipeline: same\nstages:\n  - name: read\n    source: {lines: data.txt}\n  - name: save\n    sink: {file: data.txt}\n' >"$tmp/p/same.yaml"
    run run "$tmp/p/same.yaml"
    expect_code 2
    expect_err "the source 'read' reads $tmp/p/data.txt, which is also the file sink 'save'"
    [[ $(cat "$tmp/p/data.txt") == $'a\nb' ]] || fail "the input was written: $(cat "$tmp/p/data.txt")" ;;
  stdout_in_sink_file)
    printf '%s\n' "$earlier" >"$sink"
    "$ferry" run "$tmp/p/to-file.yaml" >>"$sink" 2>"$tmp/err"; code=$?
    expect_code 2
    expect_err "the file sink 'save' ($sink) and standard output are the same file"
    [[ $(cat "$sink") == "$earlier" ]] || fail "the sink file was written" ;;
  distinct_outputs_run)
    run run "$tmp/p/to-file.yaml" --journal j --json-stats=stats.json
    expect_code 0
    [[ $(cat "$sink") == $'0\n1\n2' ]] || fail "output: $(cat "$sink")"
    grep -q '"pipeline":"to-file"' stats.json || fail "no stats"
    # stdout a pipe, not a file: the stats after the items clobber nothing.
    "$ferry" run "$tmp/p/to-stdout.yaml" --json-stats=/dev/stdout 2>"$tmp/err" | cat >"$tmp/out"
    code=${PIPESTATUS[0]}
    expect_code 0
    [[ $(head -3 "$tmp/out") == $'0\n1\n2' ]] || fail "items lost"
    grep -q '"pipeline":"to-stdout"' "$tmp/out" || fail "no stats on stdout"
    # stdout a file: --json-stats=/dev/stdout would truncate it.
    run run "$tmp/p/to-stdout.yaml" --json-stats=/dev/stdout
    expect_code 2
    expect_err "--json-stats=/dev/stdout and standard output are the same file" ;;
  stdout_sink_to_full)
    "$ferry" run "$tmp/p/to-stdout.yaml" >/dev/full 2>"$tmp/err"; code=$?
    expect_code 1
    expect_err "sink 'out': cannot write to stdout: No space left on device" ;;
  output_dict_to_full)
    # Item 8: the dict printed by output: used to be lost with exit 0.
    "$ferry" run "$tmp/p/dict.yaml" >/dev/full 2>"$tmp/err"; code=$?
    expect_code 1
    expect_err "ferry: pipeline 'dict' failed: output: cannot write to stdout: No space left on device" ;;
  validate_to_full)
    "$ferry" validate "$tmp/p/dict.yaml" >/dev/full 2>"$tmp/err"; code=$?
    expect_code 1
    expect_err "ferry: cannot write to stdout: No space left on device" ;;
  json_stats_to_full)
    run run "$tmp/p/to-file.yaml" --json-stats=/dev/full
    expect_code 1
    expect_err "ferry: cannot write --json-stats file /dev/full: No space left on device"
    "$ferry" run "$tmp/p/to-file.yaml" --json-stats >"$tmp/out" 2>/dev/full; code=$?
    expect_code 1 ;;
  json_stats_unwritable)
    # Found before the run, so nothing ran: exit 2 and no output file.
    run run "$tmp/p/to-file.yaml" --json-stats=no-such-folder/stats.json
    expect_code 2
    expect_err "--json-stats=no-such-folder/stats.json: cannot create a file in no-such-folder"
    [[ ! -e $sink ]] || fail "the pipeline ran" ;;
  set_workers_too_many)
    # Item 10: workers: 9223372036854775807 passed validation, then failed in vector::reserve.
    printf 'pipeline: w\nplugins: {math: math}\nstages:\n  - name: n\n    source: {range: [0, 3]}\n  - name: sq\n    map: math.square\n' >"$tmp/p/w.yaml"
    for n in 9223372036854775807 100000 0; do
      run run "$tmp/p/w.yaml" --set "stages.sq.workers=$n"
      expect_code 2
      expect_err "--set stages.sq.workers=$n: error: workers must be an integer from 1 to 1024, got $n"
    done
    run run "$tmp/p/w.yaml" --set defaults.retries=5000
    expect_code 2
    expect_err "--set defaults.retries=5000: error: retries must be an integer from 0 to 1000, got 5000" ;;
  *) echo "unknown case $case" >&2; exit 2 ;;
esac
