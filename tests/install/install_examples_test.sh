#!/usr/bin/env bash
# ferry as an installed package, the way docs/install.md describes it:
# `cmake --install` this build into a fresh prefix, build both examples as
# projects of their own against it (find_package(ferry CONFIG),
# ferry_add_plugin, ferry::engine), run the host, build a host through
# pkg-config, then move the prefix and run again: libferry must find its
# worker and plugins relative to itself, with no environment variable set.
#   install_examples_test.sh BUILD_DIR SOURCE_DIR CXX VERSION ABI [CXXFLAGS]
# CXXFLAGS: what the examples need to link an instrumented libferry
# (-fsanitize=... in sanitizer builds). Everything goes in one temporary
# folder, removed on exit.
set -euo pipefail

build=$1
src=$2
cxx=$3
version=$4
abi=$5
flags=${6:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ferry-install-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# Nothing may be found through the environment.
unset FERRY_WORKER FERRY_PLUGIN_PATH LD_LIBRARY_PATH PKG_CONFIG_PATH CMAKE_PREFIX_PATH

fail() { echo "FAIL [install.examples]: $*" >&2; exit 1; }
# quiet CMD...: runs CMD, showing its output only if it fails.
quiet() {
  "$@" >"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; fail "failed: $*"; }
}
expect() {  # expect WANT GOT WHAT
  [[ $2 == "$1" ]] || fail "$3: got
$2
expected
$1"
}

prefix=$tmp/prefix
echo "== cmake --install into $prefix"
quiet cmake --install "$build" --prefix "$prefix"

# The layout docs/install.md promises.
for f in lib/libferry.so "lib/libferry.so.${version%.*}" "lib/libferry.so.$version" \
         libexec/ferry/ferry-worker bin/ferry \
         include/ferry/plugin.hpp include/ferry/abi.h include/ferry/ferry.hpp include/ferry/engine.hpp \
         include/ferry/pipeline.hpp include/ferry/detail/item_list.hpp include/ferry/version.hpp \
         lib/ferry/plugins/libmath.so lib/ferry/plugins/libshared.so \
         lib/cmake/ferry/ferryConfig.cmake lib/cmake/ferry/ferryConfigVersion.cmake \
         lib/cmake/ferry/ferryTargets.cmake lib/cmake/ferry/FerryPlugin.cmake lib/pkgconfig/ferry.pc; do
  [[ -e $prefix/$f ]] || fail "not installed: $f"
done
[[ -L $prefix/lib/libferry.so && -L $prefix/lib/libferry.so.${version%.*} ]] || fail "libferry.so and .so.MAJOR.MINOR must be links"
soname=$(readelf -d "$prefix/lib/libferry.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
expect "libferry.so.${version%.*}" "$soname" "SONAME"  # major.minor before 1.0
for f in lib/ferry/plugins/libfaults.so lib/ferry/plugins/libbad_abi.so bin/ferry-worker; do
  [[ ! -e $prefix/$f ]] || fail "installed but should not be: $f"
done
# No path of the build tree is compiled in (libferry looks beside itself),
# and the installed CLI finds libferry through $ORIGIN.
for p in "$build/bin/ferry-worker" "$build/lib/ferry/plugins"; do
  if grep -qaF "$p" "$prefix/lib/libferry.so.$version"; then fail "libferry holds the build tree's path $p"; fi
done
rpath=$(readelf -d "$prefix/bin/ferry" | sed -n 's/.*(\(RPATH\|RUNPATH\)).*\[\(.*\)\]/\2/p')
[[ $rpath == '$ORIGIN/../lib' ]] || fail "installed ferry's RPATH is '$rpath', not \$ORIGIN/../lib"
# The package files must not name the prefix: it can move.
if grep -rl "$prefix" "$prefix/lib/cmake" "$prefix/lib/pkgconfig"; then fail "package files hold the prefix's absolute path"; fi

expect "ferry $version
plugin ABI version $abi" "$("$prefix/bin/ferry" --version)" "ferry --version"
expect 1024 "$("$prefix/bin/ferry" call math power 2 10)" "installed ferry call math power"

echo "== the examples, as projects of their own, against the prefix"
configure() {  # configure NAME SOURCE_SUBDIR
  quiet cmake -S "$src/examples/$2" -B "$tmp/$1" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
  found=$(sed -n 's/^ferry_DIR:PATH=//p' "$tmp/$1/CMakeCache.txt")
  [[ $found -ef $prefix/lib/cmake/ferry ]] || fail "$2 found ferry in '$found', not in the prefix"
  quiet cmake --build "$tmp/$1" -j2
}
configure plugin standalone_plugin
configure host embedding_host
plugin=$tmp/plugin/libshapes.so
[[ -f $plugin ]] || fail "ferry_add_plugin(shapes ...) made no libshapes.so"
[[ -f $tmp/host/areas.yaml ]] || fail "areas.yaml is not next to the host"

# After its version line, the host prints what examples/embedding_host/expected_output.txt holds.
expected="ferry $version, plugin ABI version $abi
$(cat "$src/examples/embedding_host/expected_output.txt")"
expect "$expected" "$("$tmp/host/shapes_host" "$plugin")" "the host example"
expect 12.0 "$("$prefix/bin/ferry" call "$plugin" area '{width: 3, height: 4}')" "installed ferry call on the example plugin"

echo "== pkg-config"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
expect "$version" "$(pkg-config --modversion ferry)" "pkg-config --modversion"
pc_flags=$(pkg-config --cflags --libs ferry)
[[ $pc_flags == *-lferry* ]] || fail "pkg-config --libs lacks -lferry: $pc_flags"
include=$(pkg-config --cflags-only-I ferry | sed 's/^-I//; s/ *$//')
[[ $include -ef $prefix/include ]] || fail "pkg-config's include folder '$include' is not the prefix's"
cat >"$tmp/pc_host.cpp" <<'CPP'
#include <cstdio>

#include <ferry/engine.hpp>
#include <ferry/version.hpp>

int main() {
  ferry::Engine engine;
  ferry::Plugin math = engine.load("math");  // found beside the installed libferry
  std::printf("%s %s %s\n", FERRY_VERSION_STRING, math.name().c_str(), math.path().c_str());
}
CPP
# shellcheck disable=SC2086  # pc_flags and flags are lists of words
"$cxx" -std=c++20 $flags "$tmp/pc_host.cpp" -o "$tmp/pc_host" $pc_flags -Wl,-rpath,"$prefix/lib" 2>"$tmp/log" ||
  { cat "$tmp/log" >&2; fail "a host built with pkg-config's flags does not build"; }
read -r pc_version pc_name pc_path <<<"$("$tmp/pc_host")"
expect "$version math" "$pc_version $pc_name" "the pkg-config host"
[[ $pc_path -ef $prefix/lib/ferry/plugins/libmath.so ]] || fail "math was loaded from $pc_path, not the prefix"

echo "== the prefix moved"
moved=$tmp/moved
mv "$prefix" "$moved"
expect 1024 "$("$moved/bin/ferry" call math power 2 10)" "moved ferry call math power"
path=$("$moved/bin/ferry" inspect math | sed -n 's/^path: *//p')
[[ $path -ef $moved/lib/ferry/plugins/libmath.so ]] || fail "moved ferry found math at '$path'"
# The host's own RPATH names the old prefix; how a program finds libferry is
# its business. What is checked is that libferry, found, finds the rest.
expect "$expected" "$(LD_LIBRARY_PATH=$moved/lib "$tmp/host/shapes_host" "$plugin")" "the host example, prefix moved"
export PKG_CONFIG_PATH=$moved/lib/pkgconfig
include=$(pkg-config --cflags-only-I ferry | sed 's/^-I//; s/ *$//')
[[ $include -ef $moved/include ]] || fail "after the move pkg-config's include folder is '$include'"
echo "ok"
