#!/usr/bin/env bash
# Runs the shell transcripts of a doc and compares what each command prints
# with what the doc shows under it:
#   run_transcripts.sh DOC BUILD_DIR SOURCE_DIR
#
# A transcript is a plain code block (``` with no language) whose lines
# starting with "$ " are commands (a line ending in a backslash goes on on
# the next); the lines under a command, up to the next one or the block's
# end, are its output (stdout and stderr together). Commands run with bash
# in a folder where build/ is BUILD_DIR and the source tree's folders
# (configs/, docs/, ...) are at hand, as a reader at the root of a tree
# built in build/ would run them, with HOME an empty folder of their own
# (shown as /root: the docs are written as root, as install-deps runs).
#
# What the doc writes as the tree's root, /tmp/ferry-head, stands for it;
# "ferry-worker 12345" and "[plugin.task pid 12345]" match any pid. A command whose block shows no
# output and is followed by a block tagged `text output=NAME` prints that.
# Comment lines steer it:
#   <!-- transcripts: one shell -->    (anywhere) every command of the doc
#                                      runs in one shell, in order, so a cd
#                                      or a variable carries over (a
#                                      tutorial); else each runs on its own
#                                      from the root
#   right before a block:
#   <!-- transcript: prefix -->        the doc shows the first lines only
#   <!-- transcript: not run: WHY -->  not run (WHY says why)
#   <!-- transcript: files NAME=KIND/SAMPLE ... -->
#                                      first writes NAME in the current
#                                      folder: the doc's sample tagged
#                                      KIND=SAMPLE (plugin, host, pipeline;
#                                      see tests/docs/extract.awk), the file
#                                      the text asks the reader to save
set -uo pipefail

doc=$1
build=$(cd "$2" && pwd -P)
source=$(cd "$3" && pwd -P)
samples=$build/tests/docs/extracted
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root" "$work/home" "$work/out"
ln -s "$build" "$root/build"
for d in "$source"/*/; do
  name=$(basename "$d")
  [[ $name == build* ]] || ln -s "$source/$name" "$root/$name"
done

# One record a line: "B mode" opens a block, "F name=kind/sample" a file
# for it, "C command", "O output line", "T" a line of a block tagged
# output=NAME; "S" says one shell.
records=$(awk '
  /^<!-- transcripts: one shell -->$/ { print "S"; next }
  /^<!-- transcript: prefix -->$/ { mode = "prefix"; next }
  /^<!-- transcript: not run/ { mode = "skip"; next }
  /^<!-- transcript: files / {
    for (i = 4; i < NF; ++i) files = files " " $i
    next
  }
  /^```/ {
    if (inblock) { inblock = 0; after_command = plain && last_c; next }
    inblock = 1; plain = ($0 == "```")
    shown = !plain && after_command && $0 ~ /^```text output=/
    after_command = 0; last_c = 0
    if (plain) {
      print "B " (mode ? mode : "exact")
      n = split(files, f, " "); for (i = 1; i <= n; ++i) print "F " f[i]
    }
    mode = ""; files = ""; next
  }
  inblock && plain && (cont || /^\$ /) {
    line = cont ? $0 : substr($0, 3)
    cont = line ~ /\\$/
    if (cont) line = substr(line, 1, length(line) - 1)
    command = command line
    if (!cont) { print "C " command; command = ""; last_c = 1 }
    next
  }
  inblock && plain { print "O " $0; last_c = 0; next }
  inblock && shown { print "T " $0; next }
  { if ($0 != "") { mode = ""; files = "" } }
' "$doc")

one_shell=0
grep -qx 'S' <<<"$records" && one_shell=1

# The script that runs them: commands' outputs go to out/N, what the doc
# shows to want/N, how to compare to mode/N.
script=$work/script.sh
{
  echo "cd '$root'; export HOME='$work/home'; unset FERRY_PLUGIN_PATH FERRY_LOG_LEVEL"
} >"$script"
n=0 mode=exact in_command=0
while IFS= read -r record; do
  kind=${record:0:1} text=${record:2}
  case $kind in
    B) mode=$text in_command=0 ;;
    F)
      [[ $mode == skip ]] && continue
      name=${text%%=*} sample=${text#*=}
      ext=cpp; [[ $sample == pipeline/* ]] && ext=yaml
      if [[ ! -f $samples/$sample.$ext ]]; then
        echo "FAIL: $doc: no sample $sample (tagged in the doc?) for $name"; exit 1
      fi
      echo "cp '$samples/$sample.$ext' '$name'" >>"$script"
      ;;
    C)
      [[ $mode == skip ]] && continue
      n=$((n + 1)) in_command=1
      : >"$work/want.$n"
      echo "$mode" >"$work/mode.$n"
      printf '%s\n' "$text" >"$work/command.$n"
      if ((one_shell)); then
        printf '{ %s\n} >%q 2>&1 </dev/null\n' "$text" "$work/out/$n" >>"$script"
      else
        printf '( cd %q && timeout 120 bash -c %q ) >%q 2>&1 </dev/null\n' "$root" "$text" "$work/out/$n" >>"$script"
      fi
      ;;
    O)
      [[ $mode == skip || $in_command == 0 ]] && continue
      printf '%s\n' "$text" >>"$work/want.$n"
      ;;
    T)
      # A block tagged output=NAME right after a command whose own block
      # shows no output is what that command prints.
      [[ $mode == skip || $in_command == 0 ]] && continue
      printf '%s\n' "$text" >>"$work/want.$n"
      ;;
  esac
done <<<"$records"
((one_shell)) && script_runner=(timeout 900 bash "$script") || script_runner=(bash "$script")
"${script_runner[@]}" >/dev/null 2>&1

normalise() {
  sed -e "s#$build#/tmp/ferry-head/build#g" -e "s#$root#/tmp/ferry-head#g" -e "s#$source#/tmp/ferry-head#g" \
      -e "s#$work/home#/root#g" -e 's#ferry-worker [0-9][0-9]*#ferry-worker PID#g' -e 's# pid [0-9][0-9]*\]# pid PID]#g'
}
failures=0
for ((i = 1; i <= n; ++i)); do
  want=$(normalise <"$work/want.$i")
  actual=$(normalise <"$work/out/$i" 2>/dev/null)
  if [[ $(<"$work/mode.$i") == prefix ]]; then
    actual=$(head -n "$(printf '%s\n' "$want" | wc -l)" <<<"$actual")
  fi
  if [[ $actual != "$want" ]]; then
    failures=$((failures + 1))
    echo "FAIL: $doc: \$ $(<"$work/command.$i")"
    diff <(printf '%s\n' "$want") <(printf '%s\n' "$actual") | sed 's/^/  /'
  fi
done
echo "$doc: $n commands run, $failures differ from the doc"
((failures == 0 && n > 0))
