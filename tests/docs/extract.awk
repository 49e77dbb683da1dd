# Pulls the code samples out of Markdown files, so that tests can build and
# run them and the docs cannot drift from the code.
#
#   awk -v out=DIR -f extract.awk docs/*.md
#
# A fenced block is a sample when its info string carries a tag:
#   ```cpp plugin=NAME      a plugin source      -> DIR/plugin/NAME.cpp
#   ```cpp host=NAME        a host program       -> DIR/host/NAME.cpp
#   ```cpp fragment         part of a program: not compiled on its own
#   ```yaml pipeline=NAME   a pipeline file      -> DIR/pipeline/NAME.yaml
#   ```text output=NAME     what host or pipeline NAME prints -> DIR/output/NAME.txt
# Every cpp block must carry one of its tags (an untagged sample is never
# checked). DIR/manifest gets one line per tagged block, "KIND NAME FILE:LINE",
# and one per mistake found, "problem FILE:LINE: WHAT"; the tests decide
# what a problem costs.

function problem(where, what) { print "problem " where ": " what > manifest }

function start_block(info,    n, words, i, w, key, value) {
  lang = info; sub(/ .*/, "", lang)
  kind = ""; name = ""; block_at = FILENAME ":" FNR; body = ""
  n = split(info, words, " ")
  for (i = 2; i <= n; i++) {
    w = words[i]
    if (w == "fragment" && lang == "cpp") { kind = "fragment"; continue }
    if (index(w, "=") == 0) { problem(block_at, "unknown tag '" w "'"); continue }
    key = substr(w, 1, index(w, "=") - 1); value = substr(w, index(w, "=") + 1)
    if (!((lang == "cpp" && (key == "plugin" || key == "host")) || (lang == "yaml" && key == "pipeline") ||
          (lang == "text" && key == "output"))) {
      problem(block_at, "tag '" key "' does not belong on a " lang " block"); continue
    }
    if (value !~ /^[a-z][a-z0-9_]*$/) { problem(block_at, "name '" value "': use lower case letters, digits and _"); continue }
    if (kind != "") { problem(block_at, "more than one tag"); continue }
    kind = key; name = value
  }
  if (lang == "cpp" && kind == "") problem(block_at, "a cpp block needs a tag: plugin=NAME, host=NAME or fragment")
}

function end_block(    dir, ext, path) {
  if (kind == "" || kind == "fragment") {
    if (kind == "fragment") print "fragment - " block_at > manifest
    return
  }
  if ((kind, name) in seen) {
    problem(block_at, kind " '" name "' is already defined at " seen[kind, name]); return
  }
  seen[kind, name] = block_at
  ext = kind == "pipeline" ? "yaml" : kind == "output" ? "txt" : "cpp"
  path = out "/" kind "/" name "." ext
  printf "%s", body > path
  close(path)
  print kind " " name " " block_at > manifest
}

BEGIN {
  if (out == "") { print "extract.awk: set -v out=DIR" > "/dev/stderr"; exit 2 }
  manifest = out "/manifest"
  printf "" > manifest
  in_block = 0
}

FNR == 1 && in_block { problem(block_at, "the block is never closed"); in_block = 0 }

/^ *```/ {
  line = $0; sub(/^ *```/, "", line)
  if (!in_block) { in_block = 1; start_block(line); next }
  if (line == "") { in_block = 0; end_block(); next }
}

in_block { body = body $0 "\n" }

END {
  if (in_block) problem(block_at, "the block is never closed")
  for (key in seen) {
    split(key, parts, SUBSEP)
    if (parts[1] == "output" && !(("host", parts[2]) in seen) && !(("pipeline", parts[2]) in seen))
      print "problem " seen[key] ": output '" parts[2] "' belongs to no host=" parts[2] " or pipeline=" parts[2] > manifest
  }
}
