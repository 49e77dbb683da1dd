#!/usr/bin/env bash
# Broken pipeline files as a user would write them: `ferry validate` and
# `ferry run` must exit 2, print every expected problem as
# FILE:LINE:COLUMN: error: MESSAGE, and run nothing (the file sink each
# broken file names is never created).
#
#   broken_files_test.sh FERRY_BINARY BROKEN_DIR NAME
#
# NAME.yaml holds one or more "# expect: LINE:COLUMN: MESSAGE-PREFIX" lines.
set -uo pipefail
ferry=$(realpath "$1") src=$(realpath "$2")/$3.yaml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$src" "$tmp/"
file=$tmp/$3.yaml
status=0

for command in validate run; do
  (cd "$tmp" && "$ferry" "$command" "$file") >"$tmp/out" 2>"$tmp/err"
  code=$?
  if [[ $code -ne 2 ]]; then
    echo "ferry $command exited $code, expected 2; stderr:"; cat "$tmp/err"; status=1
  fi
  while IFS= read -r expect; do
    want="$file:${expect#\# expect: }"
    location=${want%%: *}
    message=${want#*: }
    if ! grep -qF -- "$location: error: $message" "$tmp/err"; then
      echo "ferry $command: missing '$location: error: $message'; stderr was:"; cat "$tmp/err"; status=1
    fi
  done < <(grep '^# expect: ' "$src")
  if [[ -e $tmp/out.jsonl ]]; then
    echo "ferry $command ran the pipeline: out.jsonl exists"; status=1
  fi
  if [[ -s $tmp/out ]]; then
    echo "ferry $command printed on stdout:"; cat "$tmp/out"; status=1
  fi
done
exit $status
