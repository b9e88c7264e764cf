# Shared setup for the integration tests, sourced by tests/it/*.sh.
#
# Each test gets a private directory with a configuration, a SQLite file
# and the mock upstream, which appends one JSON line per request it
# receives to upstream.jsonl. A web server on free loopback ports runs
# the shipped web server configuration and the real programs; as shipped,
# its access log feeds dripline-collector. Everything the test started is
# stopped by PID when it exits, and on failure the logs are printed.
#
# The server is a parameter: DRIPLINE_SERVER=lighttpd (default) or nginx.
# A test exits 77 (skipped) when the server is not installed, unless
# DRIPLINE_REQUIRE_SERVERS is set, as the README's test command does.

set -u

IT_NAME=$(basename "$0" .sh)
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
SERVER=${DRIPLINE_SERVER:-lighttpd}
AUTHORIZER=$top_builddir/authorizer/dripline-authorizer
ADMIN=$top_builddir/admin/dripline-admin
CTL=$top_builddir/ctl/driplinectl
COLLECTOR=$top_builddir/collector/dripline-collector
MOCK=$top_srcdir/demo/mock-upstream.py
WWW=$top_srcdir/www-conf

IT_PASSED=0
IT_FAILED=0
IT_PIDS=""
SERVER_PID=""
UPSTREAM_PID=""
# PIDs of the standalone authorizers (nginx), separated by blanks. A test
# that starts its own authorizer sets it too, and lib.sh leaves that one be.
AUTHORIZER_PID=""
# The standalone authorizers lib.sh started: entry I is the PID of the
# authorizer on socket I (see it_authorizer_socket).
IT_AUTHORIZER_PIDS=()
# File systems the test mounted under $T, unmounted when it exits.
IT_MOUNTS=""
COLLECTOR_PID=""
ADMIN_PID=""

it_skip_or_fail() {
	if [ -n "${DRIPLINE_REQUIRE_SERVERS:-}" ]; then
		echo "FAIL: $1 is required (DRIPLINE_REQUIRE_SERVERS is set)"
		exit 1
	fi
	echo "SKIP: $1 is not installed"
	exit 77
}

it_require() {
	local cmd
	for cmd in "$@"; do
		command -v "$cmd" >/dev/null 2>&1 || it_skip_or_fail "$cmd"
	done
}

it_require "$SERVER" python3 curl sqlite3

T=$(mktemp -d "${TMPDIR:-/tmp}/dripline-$IT_NAME.XXXXXX")
# nginx workers run as www-data and must reach the authorizer's socket.
chmod 711 "$T"

# PIDs of the processes that have the test directory in their command
# line or environment, other than this shell: what the test started. The
# directory goes to python3 on stdin, so it does not find itself.
it_leftover_pids() {
	echo "$T/" | python3 -c '
import os, sys
needle = sys.stdin.read().strip().encode()
for pid in os.listdir("/proc"):
    for name in ("cmdline", "environ"):
        try:
            if pid.isdigit() and needle in open(
                    "/proc/%s/%s" % (pid, name), "rb").read():
                print(pid)
                break
        except OSError:
            pass' | grep -vx -e "$$" -e "$BASHPID"
}

it_cleanup() {
	local pid leftovers=""
	for pid in $SERVER_PID $AUTHORIZER_PID $ADMIN_PID $COLLECTOR_PID \
	    $UPSTREAM_PID $IT_PIDS; do
		kill "$pid" 2>/dev/null
	done
	for pid in $SERVER_PID $AUTHORIZER_PID $ADMIN_PID $COLLECTOR_PID \
	    $UPSTREAM_PID $IT_PIDS; do
		wait "$pid" 2>/dev/null
	done
	# The apps a web server spawned stop on their own once it is gone.
	for _ in $(seq 20); do
		leftovers=$(it_leftover_pids)
		[ -z "$leftovers" ] && break
		sleep 0.1
	done
	if [ -n "$leftovers" ]; then
		it_fail "processes still running after the test, killed: $(ps \
		    -o pid=,args= -p "$(echo $leftovers | tr ' ' ,)" | tr -s '\n ' '  ')"
		kill -9 $leftovers 2>/dev/null
	fi
	if [ "$IT_FAILED" -ne 0 ]; then
		echo "--- logs of $T"
		tail -n 40 "$T"/*.log 2>/dev/null
	fi
	for mount in $IT_MOUNTS; do
		umount "$mount" 2>/dev/null || umount -l "$mount"
	done
	rm -rf --one-file-system "$T"
	[ -z "$leftovers" ] || exit 1
}
trap it_cleanup EXIT

# --- assertions --------------------------------------------------------------

it_ok() {
	IT_PASSED=$((IT_PASSED + 1))
	echo "ok - $1"
}

it_fail() {
	IT_FAILED=$((IT_FAILED + 1))
	echo "FAIL - $1"
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		it_ok "$1"
	else
		it_fail "$1: expected '$2', got '$3'"
	fi
}

# check_match DESCRIPTION EXTENDED-REGEX ACTUAL
check_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then
		it_ok "$1"
	else
		it_fail "$1: '$3' does not match /$2/"
	fi
}

# check_range DESCRIPTION LOW HIGH ACTUAL
check_range() {
	if [ "$4" -ge "$2" ] 2>/dev/null && [ "$4" -le "$3" ]; then
		it_ok "$1"
	else
		it_fail "$1: expected $2..$3, got '$4'"
	fi
}

# Fail if any file of the test contains a key that it_key issued: the
# logs of every program and web server, the upstream's record, the
# database. Response bodies and headers may, and are left out.
it_check_secrets() {
	local secret found="" n
	[ -s "$T/issued-keys" ] || return 0
	while IFS= read -r secret; do
		found="$found$(grep -rlaF --exclude=issued-keys --exclude=body \
		    --exclude=headers -- "$secret" "$T")"
	done < "$T/issued-keys"
	n=$(wc -l < "$T/issued-keys")
	check_eq "no file contains any of the $n issued keys" "" "$found"
}

it_done() {
	it_check_secrets
	echo "$IT_PASSED passed, $IT_FAILED failed"
	[ "$IT_FAILED" -eq 0 ]
	exit $?
}

# --- setup -------------------------------------------------------------------

# Print a loopback port that is free now and that this test has not been
# given before: two calls in a row may otherwise get the same port from
# the kernel, since nothing listens on it in between. The ports given
# are kept in $T/ports, as each call runs in a subshell.
it_free_port() {
	python3 - "$T/ports" <<'PY'
import socket
import sys

path = sys.argv[1]
try:
    with open(path) as f:
        used = set(f.read().split())
except FileNotFoundError:
    used = set()
while True:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = str(s.getsockname()[1])
    s.close()
    if port not in used:
        break
with open(path, "a") as f:
    f.write(port + "\n")
print(port)
PY
}

# it_config [DIRECTIVE VALUE]... : write dripline.conf from the shipped one
# with the database in $T (or at $IT_DATABASE), replacing the directives
# given, and create the database.
it_config() {
	local args=("$@") i name
	sed -e "s|^database.*|database ${IT_DATABASE:-$T/dripline.db}|" \
	    "$WWW/dripline.conf" > "$T/dripline.conf"
	for ((i = 0; i < ${#args[@]}; i += 2)); do
		name=${args[i]}
		sed -i -e "/^$name[[:space:]]/d" "$T/dripline.conf"
		echo "$name ${args[i + 1]}" >> "$T/dripline.conf"
	done
	ctl init >/dev/null || { it_fail "driplinectl init"; exit 1; }
}

ctl() {
	"$CTL" -c "$T/dripline.conf" "$@"
}

it_start_upstream() {
	rm -f "$T/upstream.port"
	python3 "$MOCK" --listen 127.0.0.1:0 --port-file "$T/upstream.port" \
	    --record "$T/upstream.jsonl" --quiet \
	    --slow-seconds "${IT_SLOW_SECONDS:-6}" \
	    --stream-interval "${IT_STREAM_INTERVAL:-0.2}" \
	    >> "$T/upstream.log" 2>&1 &
	UPSTREAM_PID=$!
	for _ in $(seq 100); do
		[ -s "$T/upstream.port" ] && break
		sleep 0.05
	done
	UPSTREAM_PORT=$(cat "$T/upstream.port")
	touch "$T/upstream.jsonl"
}

# Write the site file that sets the shipped configuration's variables;
# IT_LIGHTTPD_EXTRA contains more lines for its end.
it_lighttpd_site() {
	cat > "$T/site.conf" <<SITE
var.dripline_bind             = "127.0.0.1"
var.dripline_port             = $PORT
var.dripline_state_dir        = "$T"
var.dripline_authorizer       = "${IT_AUTHORIZER:-$AUTHORIZER}"
var.dripline_collector        = "$COLLECTOR"
var.dripline_config           = "$T/dripline.conf"
var.dripline_lua_dir          = "$WWW/lighttpd"
var.dripline_upstream_host    = "127.0.0.1"
var.dripline_upstream_port    = ${IT_UPSTREAM_PORT:-$UPSTREAM_PORT}
var.dripline_upstream_timeout = ${IT_UPSTREAM_TIMEOUT:-3}
var.dripline_authorizer_extra_procs = $((${IT_AUTHORIZERS:-1} - 1))
var.dripline_admin_bind       = "127.0.0.1"
var.dripline_admin_port       = $ADMIN_PORT
var.dripline_admin            = "$ADMIN"
include "$WWW/lighttpd/dripline.conf"
include "$WWW/lighttpd/dripline-admin.conf"
${IT_LIGHTTPD_EXTRA:-}
SITE
}

# Write an nginx.conf that includes the shipped gateway configuration.
it_nginx_site() {
	mkdir -p "$T/nginx-tmp"
	chown www-data "$T/nginx-tmp"
	cat > "$T/nginx.conf" <<SITE
user www-data;
worker_processes 1;
daemon off;
pid $T/nginx.pid;
error_log $T/nginx-error.log;
events {
	worker_connections 1024;
}
http {
	access_log $T/nginx-access.log;
	client_body_temp_path $T/nginx-tmp/body;
	proxy_temp_path $T/nginx-tmp/proxy;
	fastcgi_temp_path $T/nginx-tmp/fastcgi;
	uwsgi_temp_path $T/nginx-tmp/uwsgi;
	scgi_temp_path $T/nginx-tmp/scgi;
	include $WWW/nginx/dripline-http.conf;
	upstream dripline_authorizer {
$(for i in $(seq "${IT_AUTHORIZERS:-1}"); do
	echo "		server unix:$(it_authorizer_socket "$i");"
done)
	}
	upstream dripline_admin {
		server unix:$T/admin.sock;
	}
	upstream dripline_upstream {
		server 127.0.0.1:${IT_UPSTREAM_PORT:-$UPSTREAM_PORT};
		keepalive 16;
	}
	server {
		listen 127.0.0.1:$PORT;
		proxy_read_timeout ${IT_UPSTREAM_TIMEOUT:-3}s;
		access_log $T/nginx-access.log;
		access_log syslog:server=unix:$T/collector.sock,nohostname,tag=dripline dripline_outcome;
		include $WWW/nginx/dripline-gateway.conf;
	}
	server {
		listen 127.0.0.1:$ADMIN_PORT;
		include $WWW/nginx/dripline-admin.conf;
	}
}
SITE
}

# it_authorizer_socket I: the socket of standalone authorizer I, counting
# from 1. The first one is authorizer.sock, as in the example configs.
it_authorizer_socket() {
	if [ "$1" -eq 1 ]; then
		echo "$T/authorizer.sock"
	else
		echo "$T/authorizer-$1.sock"
	fi
}

# it_start_authorizer [I]: start standalone authorizer I (default 1) on
# its socket (nginx deployments); its log goes to authorizer.log.
it_start_authorizer() {
	local i=${1:-1} sock
	sock=$(it_authorizer_socket "$i")
	# A socket left by a killed authorizer would pass the check below.
	rm -f "$sock"
	"${IT_AUTHORIZER:-$AUTHORIZER}" -c "$T/dripline.conf" \
	    -s "unix:$sock" -m 0660 -g www-data \
	    >> "$T/authorizer.log" 2>&1 &
	IT_AUTHORIZER_PIDS[i]=$!
	AUTHORIZER_PID="${IT_AUTHORIZER_PIDS[*]}"
	for _ in $(seq 100); do
		[ -S "$sock" ] && return 0
		sleep 0.05
	done
	it_fail "the authorizer did not create its socket $sock"
	exit 1
}

# Start each of the IT_AUTHORIZERS (default 1) standalone authorizers that
# is not running.
it_start_authorizers() {
	local i pid
	# A test that cleared AUTHORIZER_PID wants new ones, and one that set
	# it to its own authorizer keeps that.
	[ -z "$AUTHORIZER_PID" ] && IT_AUTHORIZER_PIDS=()
	if [ ${#IT_AUTHORIZER_PIDS[@]} -eq 0 ] && [ -n "$AUTHORIZER_PID" ] &&
	    kill -0 $AUTHORIZER_PID 2>/dev/null; then
		return 0
	fi
	for i in $(seq "${IT_AUTHORIZERS:-1}"); do
		pid=${IT_AUTHORIZER_PIDS[i]:-}
		if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
			it_start_authorizer "$i"
		fi
	done
}

# Start a standalone collector on $T/collector.sock (nginx deployments),
# as in nginx.conf.example. Its log goes to collector.log.
it_start_collector() {
	rm -f "$T/collector.sock"
	"$COLLECTOR" -c "$T/dripline.conf" -s "unix:$T/collector.sock" \
	    -m 0660 -g www-data >> "$T/collector.log" 2>&1 &
	COLLECTOR_PID=$!
	for _ in $(seq 100); do
		[ -S "$T/collector.sock" ] && return 0
		sleep 0.05
	done
	it_fail "the collector did not create its socket"
	exit 1
}

# Start dripline-admin on $T/admin.sock (nginx deployments); its log goes
# to admin.log.
it_start_admin() {
	"$ADMIN" -c "$T/dripline.conf" -s "unix:$T/admin.sock" -m 0660 \
	    -g www-data >> "$T/admin.log" 2>&1 &
	ADMIN_PID=$!
	for _ in $(seq 100); do
		[ -S "$T/admin.sock" ] && return 0
		sleep 0.05
	done
	it_fail "dripline-admin did not create its socket"
	exit 1
}

# Start the web server in the foreground of a background job, with the
# gateway on $PORT and the admin API on $ADMIN_PORT. Its stderr (and so
# the logs of the apps lighttpd spawns) goes to server.log.
it_start_server() {
	: "${PORT:=$(it_free_port)}"
	: "${ADMIN_PORT:=$(it_free_port)}"
	case $SERVER in
	lighttpd)
		it_lighttpd_site
		lighttpd -D -f "$T/site.conf" >> "$T/server.log" 2>&1 &
		SERVER_PID=$!
		;;
	nginx)
		it_start_authorizers
		if [ -z "$ADMIN_PID" ] || ! kill -0 "$ADMIN_PID" 2>/dev/null; then
			it_start_admin
		fi
		if [ -z "$COLLECTOR_PID" ] ||
		    ! kill -0 "$COLLECTOR_PID" 2>/dev/null; then
			it_start_collector
		fi
		it_nginx_site
		nginx -c "$T/nginx.conf" -e "$T/nginx-error.log" \
		    >> "$T/server.log" 2>&1 &
		SERVER_PID=$!
		;;
	*)
		echo "unknown DRIPLINE_SERVER '$SERVER'"
		exit 1
		;;
	esac
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$PORT/" &&
		    curl -s -o /dev/null "http://127.0.0.1:$ADMIN_PORT/" &&
		    return 0
		sleep 0.05
	done
	it_fail "$SERVER did not start on ports $PORT and $ADMIN_PORT"
	exit 1
}

# Stop the web server, and the standalone apps (nginx) with it. Wait
# until the processes the server spawned are gone too: lighttpd reuses a
# live authorizer it finds on its socket instead of starting a new one.
it_stop_server() {
	local pid children
	children=$(pgrep -P "$SERVER_PID")
	for pid in $SERVER_PID $AUTHORIZER_PID $ADMIN_PID $COLLECTOR_PID; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for pid in $children; do
		for _ in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
	done
	SERVER_PID=""
	AUTHORIZER_PID=""
	IT_AUTHORIZER_PIDS=()
	ADMIN_PID=""
	COLLECTOR_PID=""
}

# kill -9 the web server and every process it started.
it_kill9_server() {
	local pid children
	# Stopped first, so it cannot spawn a child that the list misses.
	kill -STOP "$SERVER_PID" 2>/dev/null
	children=$(pgrep -P "$SERVER_PID")
	kill -9 $children "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	# A killed process keeps its sockets until its exit completes, which
	# takes a while for a large one. A web server started meanwhile would
	# find the old authorizer's socket accepting, take it for a running
	# authorizer, and not start one of its own. A zombie has exited.
	for pid in $children; do
		for _ in $(seq 100); do
			grep -qs '^State:[[:space:]]*[^Z]' "/proc/$pid/status" ||
			    break
			sleep 0.05
		done
	done
	SERVER_PID=""
}

# PIDs of the authorizers, one a line: spawned by lighttpd, or standalone
# for nginx.
it_authorizer_pids() {
	if [ -n "$AUTHORIZER_PID" ]; then
		printf '%s\n' $AUTHORIZER_PID
	else
		pgrep -P "$SERVER_PID" -f dripline-authorizer
	fi
}

# PID of the first authorizer.
it_authorizer_pid() {
	it_authorizer_pids | head -n 1
}

# PID of dripline-admin: spawned by lighttpd, or standalone for nginx.
it_admin_pid() {
	if [ -n "$ADMIN_PID" ]; then
		echo "$ADMIN_PID"
	else
		pgrep -P "$SERVER_PID" -f dripline-admin
	fi
}

# The authorizer's log lines.
it_log() {
	cat "$T/server.log" "$T/authorizer.log" 2>/dev/null |
	    grep -h 'dripline-authorizer\['
}

# dripline-collector's log lines.
it_collector_log() {
	cat "$T/server.log" "$T/collector.log" 2>/dev/null |
	    grep -h 'dripline-collector\['
}

# The admin app's log lines.
it_admin_log() {
	cat "$T/server.log" "$T/admin.log" 2>/dev/null |
	    grep -h 'dripline-admin\['
}

# admin METHOD PATH [BODY]: call the admin API with $ADMIN_TOKEN (unset
# it for no token). The status goes to STATUS, the body to $T/body and
# the response headers to $T/headers.
admin() {
	local method=$1 path=$2 args=()
	if [ $# -ge 3 ]; then
		args+=(-H 'Content-Type: application/json' --data-binary "$3")
	fi
	if [ -n "${ADMIN_TOKEN:-}" ]; then
		args+=(-H "Authorization: Bearer $ADMIN_TOKEN")
	fi
	STATUS=$(curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' \
	    -X "$method" "${args[@]}" "http://127.0.0.1:$ADMIN_PORT$path")
}

# it_hold_write_lock DATABASE SECONDS: start a sqlite3 shell that takes
# the database's write lock and keeps it for SECONDS, and return once it
# has the lock. It waits up to 5 s for a lock that the authorizer or the
# collector has at that moment. HOLDER_PID is the shell's PID.
it_hold_write_lock() {
	local held=$T/write-lock-held

	rm -f "$held"
	{
		printf '.timeout 5000\nBEGIN IMMEDIATE;\n'
		printf '.output %s\n.print held\n.output stdout\n' "$held"
		sleep "$2"
		printf 'COMMIT;\n'
	} | sqlite3 -bail "$1" &
	HOLDER_PID=$!
	IT_PIDS="$IT_PIDS $HOLDER_PID"
	for _ in $(seq 150); do
		[ -s "$held" ] && return 0
		sleep 0.05
	done
	it_fail "sqlite3 did not take the write lock of $1 within 7.5 s"
	return 1
}

# it_user EXTERNAL_ID DAILY_LIMIT: print the new user's id.
it_user() {
	ctl user create "$1" "$2"
}

# it_key USER_ID: print the new key's secret; its id goes to $T/key-id,
# and the secret to $T/issued-keys for it_check_secrets.
it_key() {
	local out
	out=$(ctl key create "$1") || return 1
	echo "${out%% *}" > "$T/key-id"
	echo "${out#* }" >> "$T/issued-keys"
	echo "${out#* }"
}

# it_request METHOD PATH [CURL ARGS...]: send one request. STATUS contains
# the status, $T/body the body and $T/headers the response headers.
it_request() {
	local method=$1 path=$2
	shift 2
	STATUS=$(curl -s --path-as-is -o "$T/body" -D "$T/headers" \
	    -w '%{http_code}' -X "$method" "$@" \
	    "http://127.0.0.1:$PORT$path")
}

# it_chat KEY: one metered chat completion with the key as a Bearer token.
it_chat() {
	it_request POST /v1/chat/completions \
	    -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
	    -d '{"model":"mock-model","messages":[{"role":"user","content":"hi"}]}'
}

# it_header NAME: the value of a response header of the last request.
it_header() {
	tr -d '\r' < "$T/headers" | awk -v name="$1" '
	    BEGIN { name = tolower(name) }
	    { i = index($0, ":"); if (i > 0 && tolower(substr($0, 1, i - 1)) == name) {
	        v = substr($0, i + 1); sub(/^[ \t]+/, "", v); print v } }' | tail -n 1
}

# it_json FIELD...: a field of the JSON body, e.g. it_json error code.
it_json() {
	python3 - "$T/body" "$@" <<'PY'
import json, sys
try:
    value = json.load(open(sys.argv[1]))
    for field in sys.argv[2:]:
        value = value[field]
    print(value)
except Exception as e:
    print("<no %s: %s>" % ("/".join(sys.argv[2:]), e))
PY
}

# it_upstream_count [PATH]: requests the upstream received (at PATH).
it_upstream_count() {
	if [ $# -eq 0 ]; then
		wc -l < "$T/upstream.jsonl" | tr -d ' '
	else
		python3 - "$T/upstream.jsonl" "$1" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    if json.loads(line)["path"] == sys.argv[2]:
        n += 1
print(n)
PY
	fi
}

# it_units USER_ID: the units stored for today (UTC).
it_units() {
	ctl usage "$1"
}

# The next UTC midnight as a Unix time.
it_next_midnight() {
	echo $(( ($(date -u +%s) / 86400 + 1) * 86400 ))
}
