#!/usr/bin/env bash
# The SDK promise: a plugin built by hand, outside ferry's build, with one g++
# line, works with the ferry CLI.
# A host using the embedding API (examples/embedding_host) runs it too.
#   standalone_plugin.sh FERRY_BINARY FERRY_SOURCE_DIR EXAMPLE_HOST
# with FERRY_EXPECTED_VERSION and FERRY_EXPECTED_ABI set (CTest sets them).
set -euo pipefail

ferry=$1
repo=$2
host=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL [sdk.standalone_plugin]: $*" >&2; exit 1; }
expect() {  # expect WANT GOT WHAT
  [[ $2 == "$1" ]] || fail "$3: got '$2', expected '$1'"
}

cp "$repo/examples/standalone_plugin/my_plugin.cpp" "$repo/examples/standalone_plugin/shapes.hpp" "$tmp/"
cd "$tmp"
g++ -std=c++20 -shared -fPIC -I "$repo/sdk/include" my_plugin.cpp -o libshapes.so

info=$("$ferry" inspect ./libshapes.so)
grep -Eq '^name: +shapes$' <<<"$info" || fail "inspect does not name the plugin: $info"
grep -Eq '^version: +0\.2$' <<<"$info" || fail "inspect does not show the version: $info"
path=$(sed -n 's/^path: *//p' <<<"$info")
[[ $path == /* && $path -ef $tmp/libshapes.so ]] || fail "inspect does not show the library's absolute path: $info"
grep -Eq '^  area\(Rect\) -> f64 +width \* height' <<<"$info" || fail "inspect lacks area: $info"
grep -Eq '^  scale\(Rect,f64\) -> Rect +the rectangle' <<<"$info" || fail "inspect lacks scale: $info"

expect '12.0' "$("$ferry" call ./libshapes.so area '{width: 3, height: 4}')" "area"
expect '{"width":2.5,"height":5.0}' "$("$ferry" call ./libshapes.so scale '{width: 1, height: 2}' 2.5)" "scale"

status=0
err=$("$ferry" call ./libshapes.so scale '{width: 1, height: 2}' 0 2>&1 >/dev/null) || status=$?
expect 1 "$status" "exit status of a task that throws"
[[ $err == *"factor must be positive"* ]] || fail "the task's message is not reported: $err"
expected_host="ferry $FERRY_EXPECTED_VERSION, plugin ABI version $FERRY_EXPECTED_ABI
$(cat "$repo/examples/embedding_host/expected_output.txt")"
expect "$expected_host" "$("$host" "$tmp/libshapes.so")" "the embedding host example"
echo "ok"
