#!/usr/bin/env bash
# End-to-end checks of the ferry CLI, one case per call:
#   cli_test.sh FERRY_BINARY CASE
set -euo pipefail

ferry=$1
case_name=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run CMD...: runs CMD, keeping its stdout, stderr and exit status (set -e
# must not end the script when CMD fails on purpose).
run() {
  status=0
  "$@" >"$tmp/out" 2>"$tmp/err" || status=$?
  out=$(<"$tmp/out")
  err=$(<"$tmp/err")
}
fail() {
  echo "FAIL [$case_name]: $*" >&2
  echo "--- stdout:" >&2; cat "$tmp/out" >&2
  echo "--- stderr:" >&2; cat "$tmp/err" >&2
  exit 1
}
expect_status() { [[ $status -eq $1 ]] || fail "exit status $status, expected $1"; }
expect_out() { [[ $out == "$1" ]] || fail "stdout is '$out', expected '$1'"; }
expect_out_has() { grep -Eq -- "$1" "$tmp/out" || fail "no stdout line matches /$1/"; }
expect_err_has() { [[ $err == *"$1"* ]] || fail "stderr does not mention '$1'"; }
expect_no_err() { [[ -z $err ]] || fail "unexpected stderr"; }

case $case_name in
  inspect_math)
    run "$ferry" inspect math
    expect_status 0
    expect_out_has '^name: +math$'
    expect_out_has '^version: +1\.0$'
    expect_out_has '^path: +/.*/libmath\.so$'
    expect_out_has '^  is_prime\(n: i64\) -> bool +true when n is prime'
    expect_out_has '^  power\(base: i64, exp: i64\) -> i64 +base raised'
    expect_out_has '^  long_task\(\) -> none +prints'
    expect_out_has '^structs:$'
    expect_out_has '^  Point\{x: f64, y: f64\}$'
    ;;
  inspect_json)
    run "$ferry" inspect math --json
    expect_status 0
    expect_out_has '^  "name": "math",$'
    expect_out_has '"name": "is_prime",'
    expect_out_has '"params": "\(i64\)",'
    expect_out_has '"result": "bool",'
    ;;
  call_power)
    run "$ferry" call math power 2 10
    expect_status 0
    expect_out 1024
    expect_no_err
    ;;
  call_matrices)
    run "$ferry" call math multiply_matrices '[[1,2],[3,4]]' '[[5,6],[7,8]]'
    expect_status 0
    expect_out '[[19,22],[43,50]]'
    ;;
  call_struct)
    # A user struct in and out, as a YAML map; f64 results keep their ".0".
    run "$ferry" call math midpoint '{x: 0, y: 0}' '{x: 2, y: 5}'
    expect_status 0
    expect_out '{"x":1.0,"y":2.5}'
    ;;
  call_negative)
    run "$ferry" call math mul -3 7
    expect_status 0
    expect_out -21
    ;;
  task_error)
    run "$ferry" call faults throw_error boom
    expect_status 1
    expect_out ''
    expect_err_has 'ferry: '
    expect_err_has boom
    ;;
  unknown_task)
    run "$ferry" call math nosuch
    expect_status 2
    expect_err_has nosuch
    ;;
  unknown_plugin)
    run "$ferry" call nosuchplugin x
    expect_status 2
    expect_err_has nosuchplugin
    ;;
  wrong_arg_count)
    # Checked against the signature before a worker starts: one line, exit 2.
    run "$ferry" call math power 2
    expect_status 2
    expect_err_has "task 'power' (i64,i64) takes 2 arguments, got 1"
    [[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "more than one line of error"
    ! grep -q 'ferry-worker' "$tmp/err" || fail "a worker was started"
    run "$ferry" call math is_prime
    expect_status 2
    expect_err_has "task 'is_prime' (i64) takes 1 argument, got 0"
    ;;
  wrong_arg_type)
    run "$ferry" call math power 2 x
    expect_status 2
    expect_err_has "task 'power' (i64,i64): argument 2 (exp): expected i64, got string"
    [[ $(wc -l <"$tmp/err") -eq 1 ]] || fail "more than one line of error"
    run "$ferry" call math midpoint '{x: 0, y: 0}' 7
    expect_status 2
    expect_err_has "argument 2 (b)"
    # A struct literal is checked field by field against the plugin's struct.
    run "$ferry" call math midpoint '{x: 0, z: 0}' '{x: 1, y: 1}'
    expect_status 2
    expect_err_has "argument 1 (a): struct Point has no field 'z'; its fields are x, y"
    run "$ferry" call math midpoint '{x: 0, y: zero}' '{x: 1, y: 1}'
    expect_status 2
    expect_err_has "argument 1 (a): field 'y' of struct Point: expected f64, got string"
    ;;
  empty_string_arg)
    # '' is an empty string (YAML would read it as null).
    run "$ferry" call math log_and_echo ''
    expect_status 0
    expect_out '""'
    run "$ferry" call math log_and_echo '""'
    expect_out '""'
    ;;
  task_suggestion)
    run "$ferry" call math is_prim 7
    expect_status 2
    expect_err_has "has no task 'is_prim'; did you mean 'is_prime'?"
    ;;
  unknown_command)
    run "$ferry" runn x.yaml
    expect_status 2
    expect_err_has "unknown command 'runn'; did you mean 'run'?"
    run "$ferry" foo
    expect_status 2
    expect_err_has "unknown command 'foo'; the commands are: inspect call run validate test worker workers help"
    run "$ferry" inspcet math
    expect_status 2
    expect_err_has "did you mean 'inspect'?"
    ;;
  help_command)
    run "$ferry" help
    expect_status 0
    expect_out_has '^Usage: .*ferry'
    expect_out_has 'inspect'
    run "$ferry" help call
    expect_status 0
    expect_out_has 'Usage: .*call .*PLUGIN TASK'
    run "$ferry" help nosuch
    expect_status 2
    expect_err_has "unknown command 'nosuch'"
    ;;
  test_command)
    # ferry test: a pipeline's tests pass (exit 0), fail with what differs
    # and where (exit 1), or the test file is refused (exit 2).
    src=$(cd "$(dirname "$0")/../.." && pwd)
    cp "$src/configs/is-prime.yaml" "$tmp/"
    cat >"$tmp/is-prime_test.yaml" <<'YAML'
tests:
  - name: right
    input: [2, 4]
    expect: [true, false]
  - name: one stage
    stage: check
    input: [9]
    expect_contains: [false]
YAML
    run "$ferry" test "$tmp"
    expect_status 0
    expect_out_has '^ok    .*is-prime_test.yaml: right$'
    expect_out_has '^2 passed, 0 failed$'
    cat >"$tmp/is-prime_test.yaml" <<'YAML'
tests:
  - name: right
    input: [2]
    expect: [true]
  - name: wrong on purpose
    input: [2, 4]
    expect: [true, true]
YAML
    run "$ferry" test "$tmp/is-prime_test.yaml"
    expect_status 1
    expect_out_has "^FAIL  $tmp/is-prime_test.yaml:5:5: wrong on purpose$"
    expect_out_has '^  first difference: item 1$'
    expect_out_has '^1 passed, 1 failed$'
    printf 'tests:\n  - name: typo\n    inpt: [1]\n' >"$tmp/is-prime_test.yaml"
    run "$ferry" test "$tmp/is-prime_test.yaml"
    expect_status 2
    expect_out_has "^ERROR $tmp/is-prime_test.yaml:3:5: unknown key 'inpt'"
    run "$ferry" test "$tmp/is-prime.yaml"
    expect_status 2
    expect_err_has "a test file's name ends in _test.yaml"
    ;;
  inspect_list)
    # Without a plugin: what the search path holds, one line each.
    run "$ferry" inspect
    expect_status 0
    expect_out_has '^NAME +VERSION +TASKS +PATH$'
    expect_out_has '^math +1\.0 +[0-9]+ +/.*/libmath\.so$'
    expect_out_has '^searched, in order: '
    run "$ferry" inspect --json
    expect_status 0
    expect_out_has '"name": "math",'
    expect_out_has '"tasks": [0-9]+,'
    # A folder of FERRY_PLUGIN_PATH comes first; a file there that is no
    # plugin is listed with its reason.
    mkdir "$tmp/plugins"
    echo 'not a library' >"$tmp/plugins/libjunk.so"
    FERRY_PLUGIN_PATH=$tmp/plugins run "$ferry" inspect
    expect_status 0
    expect_out_has "^not a plugin: $tmp/plugins/libjunk\.so: "
    expect_out_has "^searched, in order: $tmp/plugins "
    ;;
  bad_yaml_arg)
    run "$ferry" call math square '[1, 2'
    expect_status 2
    expect_err_has 'argument 1'
    expect_err_has 'line 1, column'
    ;;
  timeout)
    start=$SECONDS
    run "$ferry" call --timeout 0.5 faults hang 1
    expect_status 1
    expect_err_has 'did not finish within'
    (( SECONDS - start < 10 )) || fail "took $((SECONDS - start)) s to stop a hung task"
    ;;
  help)
    run "$ferry" --help
    expect_status 0
    expect_out_has 'inspect'
    expect_out_has 'call'
    run "$ferry" call --help
    expect_status 0
    expect_out_has 'Usage: .*call .*PLUGIN TASK'
    expect_out_has '--timeout'
    run "$ferry" inspect --help
    expect_status 0
    expect_out_has '--json'
    # A command's help ends with the exit statuses, not with a pointer to itself.
    run "$ferry" run --help
    expect_status 0
    expect_out_has '^Exit status'
    ! grep -q "COMMAND --help" "$tmp/out" || fail "ferry run --help repeats the top-level footer"
    ;;
  version)
    for flag in --version -V; do
      run "$ferry" $flag
      expect_status 0
      expect_out "ferry ${FERRY_EXPECTED_VERSION:-0.1.0}
plugin ABI version ${FERRY_EXPECTED_ABI:-1}"
    done
    ;;
  abi_mismatch)
    # libother_abi.so: built with the SDK for the next ABI version.
    abi=${FERRY_EXPECTED_ABI:-1}
    run "$ferry" inspect other_abi
    expect_status 2
    expect_err_has '/libother_abi.so'
    expect_err_has "built for ferry plugin ABI version $((abi + 1)), this ferry speaks version $abi"
    ;;
  call_to_full)
    # A result lost to a full disk used to exit 0 (issue 13, item 8).
    status=0
    "$ferry" call math square 3 >/dev/full 2>"$tmp/err" || status=$?
    err=$(<"$tmp/err")
    expect_status 1
    expect_err_has 'ferry: cannot write to stdout: No space left on device'
    ;;
  inspect_to_full)
    for json in "" --json; do
      status=0
      "$ferry" inspect math $json >/dev/full 2>"$tmp/err" || status=$?
      err=$(<"$tmp/err")
      expect_status 1
      expect_err_has 'ferry: cannot write to stdout: No space left on device'
    done
    ;;
  help_to_full)
    status=0
    "$ferry" --help >/dev/full 2>"$tmp/err" || status=$?
    err=$(<"$tmp/err")
    expect_status 1
    expect_err_has 'cannot write to stdout'
    ;;
  no_command)
    run "$ferry"
    expect_status 2
    expect_err_has "a command is required: inspect, call, run, validate, test, worker, workers, help"
    run "$ferry" call math
    expect_status 2
    run "$ferry" inspect math --no-such-option
    expect_status 2
    ;;
  *)
    echo "unknown case '$case_name'" >&2
    exit 2
    ;;
esac
