# Sourced by the shell tests that watch a run from outside: they poll for a
# state with a deadline, and never assert how long anything takes.

# wait_for SECONDS COMMAND...: polls until COMMAND succeeds; false at the deadline.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}
lines_at_least() { [[ -f $1 ]] && (($(wc -l <"$1") >= $2)); }
gone() { ! kill -0 "$1" 2>/dev/null; }
# is_prefix_of_squares FILE: every line i is i*i, none missing or repeated.
is_prefix_of_squares() { awk '{ if ($0 != (NR-1)*(NR-1)) exit 1 }' "$1"; }
