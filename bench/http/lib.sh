# Shared by the bench/http scripts (source it after setting `connections` and `seconds`; and
# `threads`, the wrk threads, unless 1 will do): a temporary directory and the processes started
# in it, removed and stopped on exit, free ports, and wrk measurements.

tmp="$(mktemp -d)"
wrk_prefix=()  # a command wrk runs under (taskset -c N, to keep it off the server's cores)
pids=()    # stopped on exit
groups=()  # process groups ended on exit (jco serve runs its server in a child process)
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for g in "${groups[@]}"; do kill -- "-$g" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_port PORT: waits up to 30 s for something to listen on 127.0.0.1:PORT.
wait_port() {
  for _ in $(seq 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "nothing listens on port $1" >&2
  exit 1
}

# measure URL [WRK_ARGS...]: prints "rps p50_ms p99_ms" from wrk --latency output; any error or
# non-2xx answer fails the benchmark.
measure() {
  local url="$1" out
  shift
  out="$("${wrk_prefix[@]}" wrk -t"${threads:-1}" -c"$connections" -d"${seconds}s" --latency "$@" \
    "$url")"
  if echo "$out" | grep -q "Non-2xx\|Socket errors"; then
    echo "$out" >&2
    echo "wrk saw errors against $url" >&2
    exit 1
  fi
  echo "$out" | awk '
    function ms(v) {
      if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 }
      if (v ~ /ms$/) { sub(/ms$/, "", v); return v + 0 }
      if (v ~ /s$/)  { sub(/s$/, "", v);  return v * 1000 }
      return v
    }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    $1 == "Requests/sec:" { rps = $2 }
    END { printf "%s %.3f %.3f\n", rps, p50, p99 }'
}

# median FILE: the line of FILE ("rps p50 p99" per round) with the median req/s.
median() { sort -n -k1 "$1" | awk '{ r[NR] = $0 } END { print r[int((NR + 1) / 2)] }'; }

# start_nginx BODY: our own nginx (not the system service) on a free port with `threads` worker
# processes and a temporary prefix, answering every request 200 with BODY; sets nginx_port.
start_nginx() {
  local nginx_bin
  nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
  nginx_port="$(free_port)"
  mkdir -p "$tmp/nginx/logs"
  cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes ${threads:-1};
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 60s;
  default_type text/plain;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    location / { return 200 "$1"; }
  }
}
CONF
  "$nginx_bin" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/logs/error.log" &
  pids+=($!)
}
