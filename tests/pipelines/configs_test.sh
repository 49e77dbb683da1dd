#!/usr/bin/env bash
# Runs the pipelines in configs/ the way a user does and compares what they
# print with answers computed here, without ferry: primes by trial division
# in awk, chunk averages from the data file in awk, word counts from the text
# file in awk, the rest as Python prints them (see configs/README.md).
#
#   configs_test.sh FERRY_BINARY REPO_ROOT [CONFIG...]
#
# CONFIG is a file name in configs/ without .yaml (is-prime, word-count, ...);
# without any, every config is checked, and a config this script has no case
# for is a failure. For each config: `ferry validate configs/X.yaml` must print
# "configs/X.yaml: ok (N stages)" and exit 0, then `ferry run configs/X.yaml`
# (from REPO_ROOT) must exit 0 and print the expected stdout. A mismatch prints
# a diff (expected first) and the run's stderr. Exit status: 0 when every
# config passed, 1 otherwise, 2 for a bad command line.
#
# Output formats checked (docs/pipelines.md): the stdout sink writes one
# compact JSON value per line (8, true, "Worker 1 result", [[8,2],[10,16]],
# 51.608); `output: {dict: NAME}` writes one JSON object with sorted keys.
# Floats are compared as numbers, not as text.
set -uo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 FERRY_BINARY REPO_ROOT [CONFIG...]" >&2
  exit 2
fi
ferry=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(cd "$2" && pwd)
shift 2
[[ -x $ferry ]] || { echo "$0: $ferry is not an executable" >&2; exit 2; }
[[ -d $root/configs ]] || { echo "$0: $root has no configs/ folder" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
limit=120  # seconds any single ferry command may take

failures=0
current=""

# fail MESSAGE: records a failure of the current config and shows why.
fail() {
  failures=$((failures + 1))
  echo "FAIL [$current]: $*" >&2
  if [[ -s $tmp/err ]]; then
    echo "--- stderr of the last ferry command (first 40 lines):" >&2
    head -n 40 "$tmp/err" >&2
  fi
  return 1
}

# ferry_cmd ARG...: runs ferry from the repository root with a time limit;
# sets status, leaves stdout in $tmp/out and stderr in $tmp/err.
ferry_cmd() {
  status=0
  (cd "$root" && timeout -k 5 "$limit" "$ferry" "$@") >"$tmp/out" 2>"$tmp/err" || status=$?
  if [[ $status -eq 124 ]]; then
    echo "(ferry $* did not finish within ${limit} s)" >>"$tmp/err"
  fi
}

# validate NAME: `ferry validate configs/NAME.yaml` must accept the file.
validate() {
  local file=configs/$1.yaml
  local stages
  stages=$(grep -cE '^  - name:' "$root/$file")
  ferry_cmd validate "$file"
  [[ $status -eq 0 ]] || { fail "ferry validate $file: exit status $status, expected 0"; return 1; }
  local want="$file: ok ($stages stages)"
  [[ $(<"$tmp/out") == "$want" ]] ||
    { fail "ferry validate $file printed '$(<"$tmp/out")', expected '$want'"; return 1; }
}

# run NAME [ARG...]: `ferry run configs/NAME.yaml ARG...` must exit 0; its
# stdout is then in $tmp/out.
run() {
  local file=configs/$1.yaml
  shift
  ferry_cmd run "$file" "$@"
  [[ $status -eq 0 ]] || { fail "ferry run $file${*:+ $*}: exit status $status, expected 0"; return 1; }
}

# expect_stdout: $tmp/out must equal $tmp/expected, byte for byte.
expect_stdout() {
  if ! cmp -s "$tmp/expected" "$tmp/out"; then
    fail "stdout differs from the expected answer:"
    diff -u --label expected --label "ferry stdout" "$tmp/expected" "$tmp/out" | head -n 60 >&2
    return 1
  fi
}

# expect_numbers: $tmp/out must hold one JSON number per line, numerically
# equal (relative error 1e-9) to the numbers in $tmp/expected.
expect_numbers() {
  local report
  report=$(awk '
    NR == FNR { want[++n] = $0; next }
    {
      ++m
      if ($0 !~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/) { printf "line %d: \"%s\" is not a JSON number\n", m, $0; bad = 1; next }
      if (m > n) { printf "line %d: %s, expected nothing\n", m, $0; bad = 1; next }
      d = $0 - want[m]; if (d < 0) d = -d
      a = want[m]; if (a < 0) a = -a
      if (d > 1e-9 * (a > 1 ? a : 1)) { printf "line %d: %s, expected %s\n", m, $0, want[m]; bad = 1 }
    }
    END {
      if (m < n) { printf "%d lines, expected %d\n", m, n; bad = 1 }
      exit bad
    }' "$tmp/expected" "$tmp/out") || {
    fail "stdout differs from the expected numbers:"
    echo "$report" >&2
    diff -u --label expected --label "ferry stdout" "$tmp/expected" "$tmp/out" | head -n 40 >&2
    return 1
  }
}

# expected LINE...: writes the expected stdout, one argument per line.
expected() { printf '%s\n' "$@" >"$tmp/expected"; }

# primes_awk N...: "true" or "false" per number, by trial division.
primes_awk() {
  printf '%s\n' "$@" | awk '{
    n = $1 + 0; p = (n >= 2)
    for (d = 2; p && d * d <= n; d++) if (n % d == 0) p = 0
    print (p ? "true" : "false")
  }'
}

# --- one function per config ------------------------------------------------

case_square() {
  validate square && run square || return 1
  local x; for x in 1 2 3 4 5; do echo $((x * x)); done >"$tmp/expected"
  expect_stdout
}

case_is_prime() {
  validate is-prime && run is-prime || return 1
  primes_awk 2 17 23 50 97 100 101 200 >"$tmp/expected"  # true true true false true false true false
  expect_stdout || return 1
  # --json-stats=FILE: a JSON summary naming the stages; stdout unchanged.
  run is-prime --json-stats="$tmp/stats.json" || return 1
  expect_stdout || return 1
  [[ -s $tmp/stats.json ]] || { fail "--json-stats=FILE wrote nothing to FILE"; return 1; }
  [[ $(head -c 1 "$tmp/stats.json") == "{" ]] || { fail "--json-stats=FILE: not a JSON object: $(head -c 200 "$tmp/stats.json")"; return 1; }
  grep -q '"check"' "$tmp/stats.json" || { fail "--json-stats=FILE does not mention the stage \"check\": $(head -c 400 "$tmp/stats.json")"; return 1; }
}

case_chunksize() {
  # The whole config sleeps about 22 s; --set makes it a 20-item run with
  # the smaller chunks the tutorial compares (and checks --set itself).
  validate chunksize || return 1
  run chunksize --set 'stages.numbers.source={range: [0, 20]}' --set stages.slow.chunksize=5 || return 1
  local x; for ((x = 0; x < 20; x++)); do echo $((x * x)); done >"$tmp/expected"
  expect_stdout
}

case_power() {
  validate power && run power || return 1
  echo $((2 ** 3)) $((3 ** 4)) $((5 ** 2)) $((10 ** 3)) | tr ' ' '\n' >"$tmp/expected"  # 8 81 25 1000
  expect_stdout
}

case_matrix_multiply() {
  validate matrix-multiply && run matrix-multiply || return 1
  # What Python's multiply_matrices returns for the tutorial's three pairs
  # (the tutorial's page misprints the second one as [[20, 12], [10, 16]]).
  expected '[[19,22],[43,50]]' '[[8,2],[10,16]]' '[[4,6],[4,6]]'
  expect_stdout
}

case_imap_streaming() {
  validate imap-streaming && run imap-streaming || return 1
  local x; for ((x = 0; x < 1000; x++)); do echo "\"Processed $x\""; done >"$tmp/expected"
  expect_stdout
}

case_async_fetch() {
  validate async-fetch && run async-fetch || return 1
  expected '"Data from http://api.example.com/1"' '"Data from http://api.example.com/2"'
  expect_stdout
}

case_async_errors() {
  # on_error: collect: the failed item becomes an error record in its place,
  # and the run succeeds. Only the record's fields that matter are checked,
  # in any order: {"error":{"stage":"work","task":"math.work_with_error",
  # "item":1,"type":"TaskError: std::invalid_argument",...,"input":true}}.
  validate async-errors && run async-errors || return 1
  local lines first second
  lines=$(wc -l <"$tmp/out")
  first=$(sed -n 1p "$tmp/out")
  second=$(sed -n 2p "$tmp/out")
  if [[ $lines -ne 2 || $first != '"Success!"' ]]; then
    expected '"Success!"' '{"error":{"stage":"work","task":"math.work_with_error","item":1,"type":"TaskError: std::invalid_argument","message":"Something went wrong!","input":true}}'
    fail "expected \"Success!\" and one error record:"
    diff -u --label expected --label "ferry stdout" "$tmp/expected" "$tmp/out" >&2
    return 1
  fi
  local want
  for want in '^\{"error":\{' '"stage":"work"' '"task":"[^"]*work_with_error"' '"type":"[^"]*std::invalid_argument"' \
    '"message":"Something went wrong!"' '"input":true' '\}\}$'; do
    grep -Eq -- "$want" <<<"$second" || { fail "error record '$second' does not match /$want/"; return 1; }
  done
}

case_worker_results() {
  validate worker-results && run worker-results || return 1
  expected '"Worker 1 result"' '"Worker 2 result"' '"Worker 3 result"'
  expect_stdout
}

case_slow_task() {
  validate slow-task && run slow-task || return 1
  expected 1 4 9
  expect_stdout
}

case_inc() {
  validate inc && run inc || return 1
  expected 2 3 4 5
  expect_stdout
}

case_is_even() {
  validate is-even && run is-even || return 1
  seq 0 5 | awk '{ print ($1 % 2 == 0 ? "true" : "false") }' >"$tmp/expected"
  expect_stdout
}

case_mul() {
  validate mul && run mul || return 1
  expected $((2 * 3)) $((4 * 5)) $((6 * 7))
  expect_stdout
}

case_chunk_averages() {
  validate chunk-averages && run chunk-averages || return 1
  # The average of each run of 250 lines of the data file (the last run may
  # be shorter): 51.608 46.836 53.068 53.184 for the file in the repository.
  awk 'NF { s += $1; ++n } n == 250 { printf "%.10g\n", s / n; s = 0; n = 0 }
       END { if (n) printf "%.10g\n", s / n }' "$root/configs/data/random-1000.jsonl" >"$tmp/expected"
  expect_numbers
}

case_task_scheduler() {
  # Times are wall-clock times, so only their shape, their order and the
  # run's length are checked: the three tasks (2 s, 1 s, 3 s) run at once.
  validate task-scheduler || return 1
  local start end
  start=$(date +%s)
  run task-scheduler || return 1
  end=$(date +%s)
  local names=("Data backup" "Log analysis" "Email sending") i line secs=()
  [[ $(wc -l <"$tmp/out") -eq 3 ]] || { fail "expected 3 lines, got:"; cat "$tmp/out" >&2; return 1; }
  for i in 0 1 2; do
    line=$(sed -n "$((i + 1))p" "$tmp/out")
    if [[ ! $line =~ ^\[\"${names[i]}\",\"([0-2][0-9]):([0-5][0-9]):([0-6][0-9])\"\]$ ]]; then
      fail "line $((i + 1)) is '$line', expected [\"${names[i]}\",\"HH:MM:SS\"]"
      return 1
    fi
    secs[i]=$((10#${BASH_REMATCH[1]} * 3600 + 10#${BASH_REMATCH[2]} * 60 + 10#${BASH_REMATCH[3]}))
  done
  # Log analysis (1 s) <= Data backup (2 s) <= Email sending (3 s), across midnight too.
  if (((secs[0] - secs[1] + 86400) % 86400 > 43200 || (secs[2] - secs[0] + 86400) % 86400 > 43200)); then
    fail "completion times are not in delay order (Log analysis <= Data backup <= Email sending):"
    cat "$tmp/out" >&2
    return 1
  fi
  # In parallel the run takes about 3 s; one after another it would take 6.
  ((end - start <= 5)) || { fail "the run took $((end - start)) s; in parallel it takes about 3 s"; return 1; }
}

case_shared_dict() {
  validate shared-dict && run shared-dict || return 1
  expected '{"key0":0,"key1":10,"key2":20}'
  expect_stdout
}

# word_counts_json FILE: the counts count_words makes (words split on
# whitespace) as one JSON object with sorted keys.
word_counts_json() {
  awk '{ for (i = 1; i <= NF; i++) ++c[$i] } END { for (w in c) print w "\t" c[w] }' "$1" |
    LC_ALL=C sort -t "$(printf '\t')" -k1,1 |
    awk -F '\t' '{ gsub(/\\/, "\\\\", $1); gsub(/"/, "\\\"", $1); printf "%s\"%s\":%d", (NR > 1 ? "," : "{"), $1, $2 }
                 END { print (NR ? "}" : "{}") }'
}

case_word_count() {
  validate word-count && run word-count || return 1
  word_counts_json "$root/configs/data/multiprocessing.txt" >"$tmp/expected"
  expect_stdout || return 1
  # Paths in the file are relative to the file, not to the current folder.
  status=0
  (cd "$tmp" && timeout -k 5 "$limit" "$ferry" run "$root/configs/word-count.yaml") >"$tmp/out" 2>"$tmp/err" || status=$?
  [[ $status -eq 0 ]] || { fail "ferry run $root/configs/word-count.yaml from $tmp: exit status $status, expected 0"; return 1; }
  expect_stdout
}

case_words() {
  validate words || return 1
  # lines: "-" reads standard input.
  status=0
  printf 'a b\n\nc  d e\n' | (cd "$root" && timeout -k 5 "$limit" "$ferry" run configs/words.yaml) \
    >"$tmp/out" 2>"$tmp/err" || status=$?
  [[ $status -eq 0 ]] || { fail "ferry run configs/words.yaml <input: exit status $status, expected 0"; return 1; }
  expected '"a"' '"b"' '"c"' '"d"' '"e"'
  expect_stdout || return 1
  # No input: no items, and a clean exit.
  status=0
  (cd "$root" && timeout -k 5 "$limit" "$ferry" run configs/words.yaml) </dev/null >"$tmp/out" 2>"$tmp/err" || status=$?
  [[ $status -eq 0 && ! -s $tmp/out ]] || { fail "ferry run configs/words.yaml </dev/null: exit $status, stdout '$(<"$tmp/out")'"; return 1; }
}

case_file_words() {
  validate file-words && run file-words || return 1
  local f
  for f in "$root"/configs/data/chapters/*.txt; do
    printf '["%s",%d]\n' "$(basename "$f")" "$(wc -w <"$f")"
  done >"$tmp/expected"
  expect_stdout || return 1
  [[ ! -s $tmp/err ]] || { fail "stderr is not empty: no file failed"; return 1; }
}

# --- main ---------------------------------------------------------------------

if [[ $# -gt 0 ]]; then
  names=("$@")
else
  names=()
  for f in "$root"/configs/*.yaml; do
    [[ $f == *_test.yaml ]] || names+=("$(basename "$f" .yaml)")  # tests of a config: ferry test
  done
fi

passed=0
for name in "${names[@]}"; do
  current=$name
  fn=case_${name//-/_}
  : >"$tmp/err"
  if ! declare -F "$fn" >/dev/null; then
    fail "no expected output for configs/$name.yaml: add a $fn function to $0"
    continue
  fi
  if [[ ! -f $root/configs/$name.yaml ]]; then
    fail "configs/$name.yaml does not exist"
    continue
  fi
  if "$fn"; then
    echo "ok   [$name]"
    passed=$((passed + 1))
  fi
done

echo "$passed of ${#names[@]} configs passed"
[[ $failures -eq 0 ]] || exit 1
