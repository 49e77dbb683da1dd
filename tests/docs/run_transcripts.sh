#!/usr/bin/env bash
# Runs the shell transcripts of a doc and compares what each command prints
# with what the doc shows under it:
#   run_transcripts.sh DOC BUILD_DIR SOURCE_DIR
#
# A transcript is a plain code block (``` with no language) whose lines
# starting with "$ " are commands; the lines under a command, up to the next
# one or the block's end, are its output (stdout and stderr together). Each
# command runs with bash in a folder where build/ is BUILD_DIR and the
# source tree's folders (configs/, docs/, ...) are at hand, as a reader at
# the root of a tree built in build/ would run it.
#
# What the doc writes as the tree's root, /tmp/ferry-head, stands for it;
# "ferry-worker 12345" matches any pid. A comment line right before a block
# changes how it is checked:
#   <!-- transcript: prefix -->        the doc shows the first lines only
#   <!-- transcript: not run: WHY -->  not run (WHY says why: a service,
#                                      the time of day, ...)
set -uo pipefail

doc=$1
build=$(cd "$2" && pwd -P)
source=$(cd "$3" && pwd -P)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ln -s "$build" "$work/build"
for d in "$source"/*/; do
  name=$(basename "$d")
  [[ $name == build* ]] || ln -s "$source/$name" "$work/$name"
done

# One record a line: "B mode" opens a block, "C command", "O output line".
records=$(awk '
  /^<!-- transcript: prefix -->$/ { mode = "prefix"; next }
  /^<!-- transcript: not run/ { mode = "skip"; next }
  /^```/ {
    if (inblock) { inblock = 0; next }
    inblock = 1; plain = ($0 == "```"); if (plain) print "B " (mode ? mode : "exact"); mode = ""; next
  }
  inblock && plain && /^\$ / { print "C " substr($0, 3); next }
  inblock && plain { print "O " $0; next }
  { if ($0 != "") mode = "" }
' "$doc")

normalise() {
  sed -e "s#$build#/tmp/ferry-head/build#g" -e "s#$work#/tmp/ferry-head#g" -e "s#$source#/tmp/ferry-head#g" \
      -e 's#ferry-worker [0-9][0-9]*#ferry-worker PID#g'
}

failures=0 ran=0 mode=exact command="" expected=""
check() {
  [[ -z $command || $mode == skip ]] && return
  ran=$((ran + 1))
  local actual
  actual=$(cd "$work" && timeout 60 bash -c "$command" 2>&1 | normalise)
  local want
  want=$(printf '%s' "$expected" | normalise)
  if [[ $mode == prefix ]]; then
    actual=$(printf '%s\n' "$actual" | head -n "$(printf '%s\n' "$want" | wc -l)")
  fi
  if [[ $actual != "$want" ]]; then
    failures=$((failures + 1))
    echo "FAIL: $doc: \$ $command"
    diff <(printf '%s\n' "$want") <(printf '%s\n' "$actual") | sed 's/^/  /'
  fi
}
while IFS= read -r record; do
  kind=${record:0:1} text=${record:2}
  case $kind in
    B) check; command="" expected="" mode=$text ;;
    C) check; command=$text expected="" ;;
    O) expected+=${expected:+$'\n'}$text ;;
  esac
done <<<"$records"
check
echo "$doc: $ran commands run, $failures differ from the doc"
((failures == 0 && ran > 0))
