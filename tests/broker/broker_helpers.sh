# Sourced by the broker tests: a redis-server of their own on a free
# loopback port (a temporary --dir, appendonly yes), `ferry worker`s, and
# cleanup by PID. Nothing else may be assumed to run; a missing
# redis-server fails the test, it never skips.
#
# Needs: $ferry (the CLI), $tmp (a temporary folder), fail().

redis_pid="" redis_port="" worker_pids=()

# start_redis [ARGS...]: a server on a free port; sets redis_port, redis_url.
start_redis() {
  command -v redis-server >/dev/null || fail "redis-server is not installed (apt-get install redis-server)"
  mkdir -p "$tmp/redis"
  local try
  for try in $(seq 1 20); do
    redis_port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    run_redis "$@"
    if wait_for 10 redis_ready; then
      redis_url="redis://127.0.0.1:$redis_port"
      return 0
    fi
    kill -9 "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null
  done
  fail "no redis-server could be started: $(tail -5 "$tmp/redis/log")"
}
# run_redis [ARGS...]: (re)starts the server on redis_port and its folder.
run_redis() {
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$tmp/redis" --appendonly yes --save '' \
    --daemonize no "$@" >>"$tmp/redis/log" 2>&1 &
  redis_pid=$!
}
redis_ready() { gone "$redis_pid" && return 1; redis-cli -p "$redis_port" PING 2>&1 | grep -q 'PONG\|NOAUTH'; }
rcli() { redis-cli -p "$redis_port" "$@"; }

# start_worker NAME [ARGS...]: a `ferry worker` logging to $tmp/NAME.log.
start_worker() {
  local name=$1; shift
  "$ferry" worker --broker "$redis_url" --name "$name" "$@" >"$tmp/$name.log" 2>&1 &
  worker_pids+=($!)
  eval "pid_$name=$!"
}
# workers_listed N: `ferry workers` shows N live workers.
workers_listed() { (($("$ferry" workers --broker "$redis_url" --json | grep -o '"name"' | wc -l) >= $1)); }

broker_cleanup() {
  local p
  for p in "${worker_pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  [[ -n $redis_pid ]] && kill -9 "$redis_pid" 2>/dev/null
  wait 2>/dev/null
}
# holds NAME: the worker says (in its published state) it holds entries.
holds() { rcli GET "ferry:worker:$1" | grep -q '"held":[1-9]'; }
# No ferry run key is left on the broker (workers' own keys aside).
no_run_keys() { [[ -z $(rcli --scan --pattern 'ferry:{*') ]]; }
