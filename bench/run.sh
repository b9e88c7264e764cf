#!/usr/bin/env bash
# What Dripline costs on top of a bare proxy: start everything on
# 127.0.0.1, load it in interleaved rounds, and print a table.
#
# Setups, through each web server (nginx and lighttpd):
#   bare     the server proxies to the upstream, no authorizer
#   ceiling  the shipped Dripline configuration with ceiling-authorizer,
#            which allows everything without a database. The access log
#            goes out as in the shipped configuration (a syslog datagram
#            per request from nginx, a pipe from lighttpd) to a consumer
#            that discards it: log-sink, or cat.
#   normal   the shipped configuration with dripline-authorizer at
#            "durability normal", and dripline-collector reading the
#            access log
#   full     the same with "durability full"
# and "direct": the standalone authorizers driven over FastCGI by
# fcgi-load, with no web server. The upstream is an nginx that returns a
# fixed JSON body for every request. normal and full run against a
# database of each user count (--users); every user has a daily limit of
# 10^12 units and the load rotates over many keys, so nothing is denied.
#
# Every process listens on 127.0.0.1 or a unix socket in a private
# directory, each measurement is bounded in time, and everything started
# here is stopped by PID on exit. See bench/RESULTS.md for a run.

set -u

usage() {
	cat <<'USAGE'
usage: bench/run.sh [options]
  --quick            smoke run: 1 round of 2 s measurements, 1000 users
  --rounds N         rounds of measurements (default 3)
  --duration S       seconds per measurement (default 5)
  --connections N    concurrent connections of each load (default 64)
  --users "N ..."    user counts in the databases (default "1000 1000000")
  --servers "S ..."  web servers to measure (default "nginx lighttpd")
  --no-direct        skip the authorizer-alone measurements
  --keys N           keys each load rotates over, at most (default 100000)
  --wrk-threads N    wrk threads (default 2, wrk's own default)
  --build DIR        build directory with the programs (default: _build
                     in the source tree if it exists, else the tree)
  --data-dir DIR     keep the generated databases here and reuse them in
                     later runs (default: a temporary directory)
  --results FILE     also copy the raw measurements (TSV) to FILE
USAGE
	exit 2
}

SRC=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=3
DURATION=5
CONNECTIONS=64
USER_COUNTS="1000 1000000"
SERVERS="nginx lighttpd"
DIRECT=1
MAX_KEYS=100000
WRK_THREADS=2
BUILD=""
DATA_DIR=""
RESULTS_COPY=""
WARMUP_SECONDS=2

while [ $# -gt 0 ]; do
	case $1 in
	--quick)
		ROUNDS=1 DURATION=2 USER_COUNTS=1000 WARMUP_SECONDS=1 ;;
	--rounds) ROUNDS=${2-}; shift ;;
	--duration) DURATION=${2-}; shift ;;
	--connections) CONNECTIONS=${2-}; shift ;;
	--users) USER_COUNTS=${2-}; shift ;;
	--servers) SERVERS=${2-}; shift ;;
	--no-direct) DIRECT=0 ;;
	--keys) MAX_KEYS=${2-}; shift ;;
	--wrk-threads) WRK_THREADS=${2-}; shift ;;
	--build) BUILD=${2-}; shift ;;
	--data-dir) DATA_DIR=${2-}; shift ;;
	--results) RESULTS_COPY=${2-}; shift ;;
	-h|--help) usage ;;
	*) echo "bench/run.sh: unknown option '$1'" >&2; usage ;;
	esac
	[ $# -gt 0 ] && shift
done

if [ -z "$USER_COUNTS" ]; then
	echo "bench/run.sh: --users needs at least one user count" >&2
	exit 2
fi
for value in "$ROUNDS" "$DURATION" "$CONNECTIONS" "$MAX_KEYS" \
    "$WRK_THREADS" $USER_COUNTS; do
	case $value in
	''|*[!0-9]*|0)
		echo "bench/run.sh: '$value' is not a positive integer" >&2
		exit 2 ;;
	esac
done
for server in $SERVERS; do
	case $server in
	nginx|lighttpd) ;;
	*) echo "bench/run.sh: unknown server '$server'" >&2; exit 2 ;;
	esac
done

if [ -z "$BUILD" ]; then
	if [ -x "$SRC/_build/authorizer/dripline-authorizer" ]; then
		BUILD=$SRC/_build
	else
		BUILD=$SRC
	fi
fi
BUILD=$(cd "$BUILD" && pwd)
AUTHORIZER=$BUILD/authorizer/dripline-authorizer
CEILING=$BUILD/bench/ceiling-authorizer
FCGI_LOAD=$BUILD/bench/fcgi-load
LOG_SINK=$BUILD/bench/log-sink
CTL=$BUILD/ctl/driplinectl
COLLECTOR=$BUILD/collector/dripline-collector
WWW=$SRC/www-conf
BENCH=$SRC/bench

for program in "$AUTHORIZER" "$CEILING" "$FCGI_LOAD" "$LOG_SINK" "$CTL" \
    "$COLLECTOR"; do
	if [ ! -x "$program" ]; then
		echo "bench/run.sh: $program is missing: build first" \
		    "(make in $BUILD), or pass --build DIR" >&2
		exit 1
	fi
done
for cmd in wrk python3 curl $SERVERS; do
	if ! command -v "$cmd" >/dev/null 2>&1; then
		echo "bench/run.sh: $cmd is not installed (Debian package:" \
		    "$( [ "$cmd" = nginx ] && echo nginx-light || echo "$cmd"))" >&2
		exit 1
	fi
done
command -v nginx >/dev/null 2>&1 || {
	echo "bench/run.sh: nginx is needed for the upstream" >&2
	exit 1
}

T=$(mktemp -d "${TMPDIR:-/tmp}/dripline-bench.XXXXXX")
# nginx workers run as www-data and must reach the authorizers' sockets.
chmod 711 "$T"
[ -n "$DATA_DIR" ] || DATA_DIR=$T/data
mkdir -p "$DATA_DIR"
DATA_DIR=$(cd "$DATA_DIR" && pwd)
RESULTS=$T/results.tsv
MEMORY=$T/memory.tsv
PIDS=""
UPSTREAM_PID=""

cleanup() {
	local pid children=""
	for pid in $PIDS; do
		children="$children $(pgrep -P "$pid" 2>/dev/null)"
	done
	for pid in $PIDS; do
		kill "$pid" 2>/dev/null
	done
	for pid in $PIDS; do
		wait "$pid" 2>/dev/null
	done
	for pid in $children; do
		for _ in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
	echo "bench/run.sh: $*" >&2
	exit 1
}

free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# nginx drops its workers to www-data when it runs as root.
if [ "$(id -u)" -eq 0 ]; then
	NGINX_USER="user www-data;"
else
	NGINX_USER=""
fi

# nginx_conf DIR WORKERS HTTP-BLOCK: write DIR/nginx.conf for one instance.
nginx_conf() {
	local dir=$1 workers=$2 http=$3
	mkdir -p "$dir/tmp"
	[ -z "$NGINX_USER" ] || chown www-data "$dir/tmp"
	cat > "$dir/nginx.conf" <<CONF
$NGINX_USER
worker_processes $workers;
daemon off;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log;
events {
	worker_connections 4096;
}
http {
	access_log off;
	client_body_temp_path $dir/tmp/body;
	proxy_temp_path $dir/tmp/proxy;
	fastcgi_temp_path $dir/tmp/fastcgi;
	uwsgi_temp_path $dir/tmp/uwsgi;
	scgi_temp_path $dir/tmp/scgi;
$http
}
CONF
}

# start_nginx DIR: start nginx with DIR/nginx.conf; sets STARTED_PID.
start_nginx() {
	nginx -c "$1/nginx.conf" -e "$1/nginx-error.log" >> "$1/server.log" 2>&1 &
	STARTED_PID=$!
	PIDS="$PIDS $STARTED_PID"
}

# start_lighttpd DIR: start lighttpd with DIR/site.conf.
start_lighttpd() {
	lighttpd -D -f "$1/site.conf" >> "$1/server.log" 2>&1 &
	STARTED_PID=$!
	PIDS="$PIDS $STARTED_PID"
}

# wait_http PORT NAME: wait until an HTTP server responds on PORT.
wait_http() {
	for _ in $(seq 200); do
		curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
		sleep 0.05
	done
	die "$2 did not start on port $1 (logs in $T)"
}

# --- the upstream ----------------------------------------------------------

# A chat completion as an OpenAI-compatible API returns it, 258 bytes.
UPSTREAM_BODY='{"id":"chatcmpl-bench","object":"chat.completion","created":0,"model":"bench","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}'

start_upstream() {
	local dir=$T/upstream
	UPSTREAM_PORT=$(free_port)
	mkdir -p "$dir"
	# One worker: returning a fixed body is far less work than what the
	# gateway in front of it does for each request.
	nginx_conf "$dir" 1 "
	server {
		listen 127.0.0.1:$UPSTREAM_PORT;
		keepalive_requests 1000000;
		location / {
			default_type application/json;
			return 200 '$UPSTREAM_BODY';
		}
	}"
	start_nginx "$dir"
	UPSTREAM_PID=$STARTED_PID
	wait_http "$UPSTREAM_PORT" "the upstream nginx"
}

# --- databases ---------------------------------------------------------------

# dripline_conf FILE DATABASE DURABILITY: the shipped dripline.conf with
# the database and durability replaced.
dripline_conf() {
	sed -e "s|^database.*|database $2|" \
	    -e "s|^durability.*|durability $3|" "$WWW/dripline.conf" > "$1"
}

# prepare_users N: make (or reuse) the database of N users and its keys.
prepare_users() {
	local n=$1 db=$DATA_DIR/users-$1.db keys=$DATA_DIR/users-$1.keys
	dripline_conf "$T/conf-$n-normal" "$db" normal
	dripline_conf "$T/conf-$n-full" "$db" full
	if [ -s "$db" ] && [ -s "$keys" ]; then
		echo "reusing $db"
	else
		rm -f "$db" "$db-wal" "$db-shm" "$keys" \
		    "${db%.db}-analytics.db" "${db%.db}-analytics.db-wal" \
		    "${db%.db}-analytics.db-shm"
		echo "creating $n users in $db"
		"$CTL" -c "$T/conf-$n-normal" init >/dev/null ||
		    die "driplinectl init failed for $db"
		python3 "$BENCH/gen-users.py" "$db" "$n" "$keys" ||
		    die "generating $n users failed"
	fi
	"$CTL" -c "$T/conf-$n-normal" init >/dev/null ||
	    die "driplinectl init failed for $db"
}

# --- setups --------------------------------------------------------------------

# Each setup has a directory $T/<server>-<setup>[-<users>] holding its
# configuration and logs, and a line in $T/setups: the measurement id
# (path/setup/users), how to load it (http PORT or fcgi SOCKET), the key
# file, and the authorizer's PID ("-" for bare).
declare -A AUTHORIZER_PID

# wait_socket SOCKET NAME LOG: wait up to 5 s for a program to create its
# unix socket.
wait_socket() {
	for _ in $(seq 100); do
		[ -S "$1" ] && return 0
		sleep 0.05
	done
	die "$2 did not create $1 (log: $3)"
}

# start_authorizer NAME PROGRAM CONF: a standalone authorizer on
# $T/NAME.sock, for nginx and for the direct measurements.
start_authorizer() {
	local name=$1 program=$2 conf=$3 sock=$T/$1.sock
	"$program" -c "$conf" -s "unix:$sock" -m 0660 \
	    ${NGINX_USER:+-g www-data} >> "$T/$name.log" 2>&1 &
	STARTED_PID=$!
	PIDS="$PIDS $STARTED_PID"
	AUTHORIZER_PID[$name]=$STARTED_PID
	wait_socket "$sock" "$name" "$T/$name.log"
}

# start_collector NAME CONF: a standalone dripline-collector on
# $T/collector-NAME.sock, which nginx sends its access log to.
start_collector() {
	local sock=$T/collector-$1.sock
	"$COLLECTOR" -c "$2" -s "unix:$sock" -m 0660 \
	    ${NGINX_USER:+-g www-data} >> "$T/collector-$1.log" 2>&1 &
	STARTED_PID=$!
	PIDS="$PIDS $STARTED_PID"
	wait_socket "$sock" "collector $1" "$T/collector-$1.log"
}

# start_log_sink SOCKET: log-sink, which takes nginx's access log in the
# ceiling setups and discards it.
start_log_sink() {
	"$LOG_SINK" -s "unix:$1" -m 0660 ${NGINX_USER:+-g www-data} \
	    >> "$T/log-sink.log" 2>&1 &
	STARTED_PID=$!
	PIDS="$PIDS $STARTED_PID"
	wait_socket "$1" log-sink "$T/log-sink.log"
}

nginx_bare_http() {
	cat <<HTTP
	upstream bench_upstream {
		server 127.0.0.1:$UPSTREAM_PORT;
		keepalive 64;
	}
	server {
		listen 127.0.0.1:$1;
		location / {
			proxy_pass http://bench_upstream;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header Host \$host;
			proxy_set_header X-Forwarded-For \$remote_addr;
			proxy_set_header X-Forwarded-Proto \$scheme;
			proxy_buffering off;
		}
	}
HTTP
}

# nginx_dripline_http PORT AUTHORIZER-SOCKET ACCESS-LOG: the shipped
# gateway configuration, as nginx.conf.example uses it, with the access
# log of the dripline_outcome format going to ACCESS-LOG.
nginx_dripline_http() {
	cat <<HTTP
	include $WWW/nginx/dripline-http.conf;
	upstream dripline_authorizer {
		server unix:$2;
	}
	upstream dripline_upstream {
		server 127.0.0.1:$UPSTREAM_PORT;
		keepalive 64;
	}
	server {
		listen 127.0.0.1:$1;
		proxy_read_timeout 30s;
		access_log $3 dripline_outcome;
		include $WWW/nginx/dripline-gateway.conf;
	}
HTTP
}

lighttpd_bare_site() {
	cat <<SITE
server.modules += ( "mod_proxy", "mod_accesslog" )
server.bind          = "127.0.0.1"
server.port          = $2
server.document-root = "$1"
server.errorlog      = "$1/lighttpd-error.log"
server.feature-flags = ( "server.h2proto" => "disable" )
server.stream-response-body = 2
proxy.server = ( "/" => (( "host" => "127.0.0.1", "port" => $UPSTREAM_PORT )))
proxy.forwarded = ( "for" => 1, "proto" => 1 )
SITE
}

# lighttpd_dripline_site DIR PORT AUTHORIZER CONF COLLECTOR: the shipped
# lighttpd configuration, as site.conf.example uses it.
lighttpd_dripline_site() {
	cat <<SITE
var.dripline_bind             = "127.0.0.1"
var.dripline_port             = $2
var.dripline_state_dir        = "$1"
var.dripline_authorizer       = "$3"
var.dripline_collector        = "$5"
var.dripline_config           = "$4"
var.dripline_lua_dir          = "$WWW/lighttpd"
var.dripline_upstream_host    = "127.0.0.1"
var.dripline_upstream_port    = $UPSTREAM_PORT
var.dripline_upstream_timeout = 30
include "$WWW/lighttpd/dripline.conf"
SITE
}

# add_setup ID HOW TARGET KEYS PID
add_setup() {
	printf '%s\t%s\t%s\t%s\t%s\n' "$@" >> "$T/setups"
}

# start_server_setup SERVER SETUP USERS PROGRAM CONF AUTHORIZER-NAME
start_server_setup() {
	local server=$1 setup=$2 users=$3 program=$4 conf=$5 name=$6
	local dir=$T/$server-$setup-$users port pid keys log
	port=$(free_port)
	mkdir -p "$dir"
	keys=$DATA_DIR/users-${users/-/$FIRST_USERS}.keys
	case $server/$setup in
	nginx/bare)
		nginx_conf "$dir" auto "$(nginx_bare_http "$port")"
		start_nginx "$dir"
		pid=- ;;
	nginx/ceiling)
		start_log_sink "$T/sink-$name.sock"
		log=syslog:server=unix:$T/sink-$name.sock,nohostname
		nginx_conf "$dir" auto "$(nginx_dripline_http "$port" \
		    "$T/$name.sock" "$log,tag=dripline")"
		start_nginx "$dir"
		pid=${AUTHORIZER_PID[$name]} ;;
	nginx/*)
		start_collector "$name" "$conf"
		log=syslog:server=unix:$T/collector-$name.sock,nohostname
		nginx_conf "$dir" auto "$(nginx_dripline_http "$port" \
		    "$T/$name.sock" "$log,tag=dripline")"
		start_nginx "$dir"
		pid=${AUTHORIZER_PID[$name]} ;;
	lighttpd/bare)
		lighttpd_bare_site "$dir" "$port" > "$dir/site.conf"
		start_lighttpd "$dir"
		pid=- ;;
	lighttpd/ceiling)
		lighttpd_dripline_site "$dir" "$port" "$program" "$conf" \
		    "$T/discard-log" > "$dir/site.conf"
		start_lighttpd "$dir"
		pid=lighttpd:$STARTED_PID ;;
	lighttpd/*)
		lighttpd_dripline_site "$dir" "$port" "$program" "$conf" \
		    "$COLLECTOR" > "$dir/site.conf"
		start_lighttpd "$dir"
		pid=lighttpd:$STARTED_PID ;;
	esac
	wait_http "$port" "$server ($setup)"
	add_setup "$server/$setup/$users" http "$port" "$keys" "$pid"
}

# A request with a real key must pass each setup: otherwise the figures
# would measure denials.
check_setups() {
	local id how target keys pid key status
	while IFS=$'\t' read -r id how target keys pid; do
		[ "$how" = http ] || continue
		key=$(head -n 1 "$keys")
		status=$(curl -s -o "$T/check-body" -w '%{http_code}' \
		    -H "Authorization: Bearer $key" \
		    -H 'Content-Type: application/json' -d '{}' \
		    "http://127.0.0.1:$target/v1/chat/completions")
		[ "$status" = 200 ] ||
		    die "$id responded $status, expected 200:" \
		    "$(cat "$T/check-body")"
	done < "$T/setups"
}

# The PID of an authorizer, resolving lighttpd:PID to its child.
authorizer_of() {
	case $1 in
	-) echo - ;;
	lighttpd:*) pgrep -P "${1#lighttpd:}" | head -n 1 ;;
	*) echo "$1" ;;
	esac
}

# CPU time of a process in clock ticks (utime + stime), 0 if none.
cpu_ticks() {
	[ "$1" != - ] && [ -r "/proc/$1/stat" ] || { echo 0; return; }
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# group_ticks: CPU clock ticks (utime + stime) of every process, summed
# by group: "upstream" for the upstream nginx and its workers, else the
# command name (wrk, nginx, lighttpd, dripline-autho..., fcgi-load).
# Processes that start or end during a measurement are partly counted.
group_ticks() {
	local pid stat
	for stat in /proc/[0-9]*/stat; do
		pid=${stat#/proc/}
		pid=${pid%/stat}
		{ read -r line < "$stat"; } 2>/dev/null || continue
		printf '%s %s\n' "$pid" "$line"
	done | awk -v upstream="$UPSTREAM_PID" '{
		pid = $1
		comm = $0
		sub(/^[^(]*\(/, "", comm)
		rest = comm
		sub(/\).*$/, "", comm)
		sub(/^.*\) /, "", rest)
		split(rest, f, " ")
		group = (pid == upstream || f[2] == upstream) ? "upstream" : comm
		gsub(/[^A-Za-z0-9_.-]/, "_", group)
		ticks[group] += f[12] + f[13]
	} END { for (g in ticks) print g, ticks[g] }'
}

# group_delta BEFORE AFTER: key=value fields of the ticks each group used
# in between, for the groups that used any.
group_delta() {
	awk 'NR == FNR { before[$1] = $2; next }
	    $2 - before[$1] > 0 { printf " cpu_%s=%d", $1, $2 - before[$1] }' \
	    "$1" "$2"
}

# Busy, idle and stolen clock ticks of the whole machine, from
# /proc/stat. Steal is time a hypervisor gave to other guests.
machine_ticks() {
	awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6, $9 }' /proc/stat
}

# warm_database ID: read the database files of the setup ID (one that
# ends in a user count) into the page cache. On the VM of bench/RESULTS.md
# the page cache shrank by itself, 10-20 MB/s with 22 GiB free. Without
# this, a setup with 10^6 users read some pages from the disk, depending
# on what ran before it. A server with enough memory keeps them cached.
warm_database() {
	local users=${1##*/} db
	case $users in
	''|*[!0-9]*) return 0 ;;
	esac
	db=$DATA_DIR/users-$users.db
	cat "$db" "${db%.db}-analytics.db" > /dev/null 2>&1
}

# measure ID HOW TARGET KEYS PID SECONDS: one load; prints its figures.
measure() {
	local id=$1 how=$2 target=$3 keys=$4 pid seconds=$6 line before after
	local busy0 idle0 steal0 busy1 idle1 steal1 self0 self1 load
	warm_database "$id"
	pid=$(authorizer_of "$5")
	before=$(cpu_ticks "$pid")
	group_ticks > "$T/groups-before"
	read -r busy0 idle0 steal0 < <(machine_ticks)
	# The load generator's CPU time: it is this shell's only child in
	# between, and its ticks reach cutime and cstime once it is reaped.
	read -r -a self0 < "/proc/$BASHPID/stat"
	if [ "$how" = http ]; then
		line=$(timeout $((seconds + 30)) wrk -t "$WRK_THREADS" \
		    -c "$CONNECTIONS" -d "${seconds}s" -s "$BENCH/wrk-keys.lua" \
		    "http://127.0.0.1:$target/v1/chat/completions" \
		    -- "$keys" "$MAX_KEYS" < /dev/null | grep '^requests=')
	else
		line=$(timeout $((seconds + 30)) "$FCGI_LOAD" -s "unix:$target" \
		    -k "$keys" -K "$MAX_KEYS" -c "$CONNECTIONS" -d "$seconds" \
		    < /dev/null | grep '^requests=')
	fi
	read -r -a self1 < "/proc/$BASHPID/stat"
	load=$((self1[15] + self1[16] - self0[15] - self0[16]))
	after=$(cpu_ticks "$pid")
	read -r busy1 idle1 steal1 < <(machine_ticks)
	group_ticks > "$T/groups-after"
	[ -n "$line" ] || die "$id: the load generator reported nothing"
	echo "$line auth_cpu_ticks=$((after - before))" \
	    "cpu_$( [ "$how" = http ] && echo wrk || echo fcgi-load)=$load" \
	    "ticks_per_second=$(getconf CLK_TCK)" \
	    "machine_busy_ticks=$((busy1 - busy0))" \
	    "machine_idle_ticks=$((idle1 - idle0))" \
	    "machine_steal_ticks=$((steal1 - steal0))$(group_delta \
	    "$T/groups-before" "$T/groups-after")"
}

# --- the run -----------------------------------------------------------------

echo "Dripline benchmark: $(nproc) CPUs, $ROUNDS round(s) of ${DURATION} s" \
    "measurements, $CONNECTIONS connections, users: $USER_COUNTS"
FIRST_USERS=${USER_COUNTS%% *}
for n in $USER_COUNTS; do
	prepare_users "$n"
done

start_upstream
: > "$T/setups"
# The ceiling's access log consumer under lighttpd: lighttpd starts it
# with dripline-collector's options, which it ignores.
printf '#!/bin/sh\nexec cat > /dev/null\n' > "$T/discard-log"
chmod 755 "$T/discard-log"
start_authorizer ceiling "$CEILING" "$T/conf-$FIRST_USERS-normal"
for n in $USER_COUNTS; do
	for d in normal full; do
		start_authorizer "$d-$n" "$AUTHORIZER" "$T/conf-$n-$d"
	done
done
for server in $SERVERS; do
	start_server_setup "$server" bare - "" "" ""
	start_server_setup "$server" ceiling - "$CEILING" \
	    "$T/conf-$FIRST_USERS-normal" ceiling
	for n in $USER_COUNTS; do
		for d in normal full; do
			start_server_setup "$server" "$d" "$n" "$AUTHORIZER" \
			    "$T/conf-$n-$d" "$d-$n"
		done
	done
done
if [ "$DIRECT" -eq 1 ]; then
	add_setup direct/ceiling/- fcgi "$T/ceiling.sock" \
	    "$DATA_DIR/users-$FIRST_USERS.keys" "${AUTHORIZER_PID[ceiling]}"
	for n in $USER_COUNTS; do
		for d in normal full; do
			add_setup "direct/$d/$n" fcgi "$T/$d-$n.sock" \
			    "$DATA_DIR/users-$n.keys" "${AUTHORIZER_PID[$d-$n]}"
		done
	done
fi
check_setups

echo "warming up: ${WARMUP_SECONDS} s per setup"
while IFS=$'\t' read -r id how target keys pid; do
	measure "$id" "$how" "$target" "$keys" "$pid" "$WARMUP_SECONDS" \
	    > /dev/null
done < "$T/setups"

printf 'round\tid\tfigures\n' > "$RESULTS"
for round in $(seq "$ROUNDS"); do
	while IFS=$'\t' read -r id how target keys pid; do
		line=$(measure "$id" "$how" "$target" "$keys" "$pid" \
		    "$DURATION") || exit 1
		printf '%s\t%s\t%s\n' "$round" "$id" "$line" >> "$RESULTS"
		python3 "$BENCH/report.py" --line "$round" "$id" "$line"
	done < "$T/setups"
done

# Peak memory of every authorizer, after all the load.
printf 'id\tvmhwm_kib\n' > "$MEMORY"
while IFS=$'\t' read -r id how target keys pid; do
	pid=$(authorizer_of "$pid")
	[ "$pid" != - ] || continue
	printf '%s\t%s\n' "$id" \
	    "$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")" >> "$MEMORY"
done < "$T/setups"

[ -z "$RESULTS_COPY" ] || cp "$RESULTS" "$RESULTS_COPY"
echo
python3 "$BENCH/report.py" "$RESULTS" "$MEMORY"
