#!/bin/bash
# Build Dripline and run a working gateway in the foreground on loopback:
# the web server on 127.0.0.1:$PORT with the authorizer in front of the
# upstream, and the built-in mock OpenAI-compatible upstream unless
# UPSTREAM names a real one. Creates a demo user and key and prints how to
# call the gateway. Stop it with Ctrl-C.
#
# Environment: PORT (8080), ADMIN_PORT (8081), UPSTREAM (HOST:PORT of a
# real upstream; default: the mock), STATE_DIR (/tmp/dripline-demo),
# SERVER (lighttpd or nginx), DAILY_LIMIT (the demo user's limit, 20).
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)

PORT=${PORT:-8080}
ADMIN_PORT=${ADMIN_PORT:-8081}
STATE_DIR=${STATE_DIR:-/tmp/dripline-demo}
SERVER=${SERVER:-lighttpd}
DAILY_LIMIT=${DAILY_LIMIT:-20}
UPSTREAM=${UPSTREAM:-}

case $SERVER in
lighttpd | nginx) ;;
*)
	echo "quickstart: SERVER=$SERVER is not supported; use lighttpd" \
	    "or nginx" >&2
	exit 2
	;;
esac

# --- build -------------------------------------------------------------------
scripts/deps.sh
[ -x configure ] || autoreconf -fi
mkdir -p _build
(cd _build && { [ -f Makefile ] || ../configure --quiet; } && make -j2 >/dev/null)
build=$top/_build

# --- state: configuration, database, admin token -----------------------------
mkdir -p "$STATE_DIR"
STATE_DIR=$(cd "$STATE_DIR" && pwd)
# Private, but nginx workers (www-data) must reach the authorizer socket.
chmod 711 "$STATE_DIR"
conf=$STATE_DIR/dripline.conf
sed -e "s|^database.*|database $STATE_DIR/dripline.db|" \
    www-conf/dripline.conf > "$conf"
ctl() { "$build/ctl/driplinectl" -c "$conf" "$@"; }
ctl init >/dev/null

if [ ! -s "$STATE_DIR/admin-token" ]; then
	(umask 077; ctl token create "quickstart-$(date -u +%Y%m%dT%H%M%SZ)" \
	    > "$STATE_DIR/admin-token" 2>/dev/null)
fi

# --- upstream ------------------------------------------------------------------
pids=""
cleanup() {
	for pid in $pids; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

if [ -z "$UPSTREAM" ]; then
	rm -f "$STATE_DIR/upstream.port"
	python3 demo/mock-upstream.py --listen 127.0.0.1:0 \
	    --port-file "$STATE_DIR/upstream.port" --quiet \
	    2>> "$STATE_DIR/mock-upstream.log" &
	pids="$pids $!"
	for _ in $(seq 100); do
		[ -s "$STATE_DIR/upstream.port" ] && break
		sleep 0.05
	done
	UPSTREAM=127.0.0.1:$(cat "$STATE_DIR/upstream.port")
	upstream_note="the built-in mock upstream at $UPSTREAM"
else
	UPSTREAM=${UPSTREAM#http://}
	UPSTREAM=${UPSTREAM%/}
	upstream_note="$UPSTREAM"
fi
upstream_host=${UPSTREAM%:*}
upstream_port=${UPSTREAM##*:}

# --- web server ------------------------------------------------------------------
write_lighttpd_conf() {
	cat > "$STATE_DIR/lighttpd.conf" <<SITE
var.dripline_bind             = "127.0.0.1"
var.dripline_port             = $PORT
var.dripline_state_dir        = "$STATE_DIR"
var.dripline_authorizer       = "$build/authorizer/dripline-authorizer"
var.dripline_collector        = "$build/collector/dripline-collector"
var.dripline_config           = "$conf"
var.dripline_lua_dir          = "$top/www-conf/lighttpd"
var.dripline_upstream_host    = "$upstream_host"
var.dripline_upstream_port    = $upstream_port
var.dripline_upstream_timeout = 120
var.dripline_admin_bind       = "127.0.0.1"
var.dripline_admin_port       = $ADMIN_PORT
var.dripline_admin            = "$build/admin/dripline-admin"
include "$top/www-conf/lighttpd/dripline.conf"
include "$top/www-conf/lighttpd/dripline-admin.conf"
SITE
}

write_nginx_conf() {
	mkdir -p "$STATE_DIR/nginx-tmp"
	chown www-data "$STATE_DIR/nginx-tmp"
	cat > "$STATE_DIR/nginx.conf" <<SITE
user www-data;
worker_processes 2;
daemon off;
pid $STATE_DIR/nginx.pid;
error_log $STATE_DIR/nginx-error.log;
events {
	worker_connections 1024;
}
http {
	access_log $STATE_DIR/nginx-access.log;
	client_body_temp_path $STATE_DIR/nginx-tmp/body;
	proxy_temp_path $STATE_DIR/nginx-tmp/proxy;
	fastcgi_temp_path $STATE_DIR/nginx-tmp/fastcgi;
	uwsgi_temp_path $STATE_DIR/nginx-tmp/uwsgi;
	scgi_temp_path $STATE_DIR/nginx-tmp/scgi;
	include $top/www-conf/nginx/dripline-http.conf;
	upstream dripline_authorizer {
		server unix:$STATE_DIR/authorizer.sock;
	}
	upstream dripline_admin {
		server unix:$STATE_DIR/admin.sock;
	}
	upstream dripline_upstream {
		server $upstream_host:$upstream_port;
		keepalive 16;
	}
	server {
		listen 127.0.0.1:$PORT;
		proxy_read_timeout 120s;
		access_log $STATE_DIR/nginx-access.log;
		access_log syslog:server=unix:$STATE_DIR/collector.sock,nohostname,tag=dripline dripline_outcome;
		include $top/www-conf/nginx/dripline-gateway.conf;
	}
	server {
		listen 127.0.0.1:$ADMIN_PORT;
		include $top/www-conf/nginx/dripline-admin.conf;
	}
}
SITE
}

# wait_socket PATH: wait until a daemon has created its socket.
wait_socket() {
	for _ in $(seq 100); do
		[ -S "$1" ] && return 0
		sleep 0.05
	done
	echo "quickstart: $1 did not appear; see the logs in $STATE_DIR" >&2
	exit 1
}

case $SERVER in
lighttpd)
	logs="lighttpd-error.log (lighttpd), server.log (the authorizer and"
	logs="$logs the admin app), collector.log"
	write_lighttpd_conf
	# lighttpd's stderr carries the logs of the apps it spawns.
	lighttpd -D -f "$STATE_DIR/lighttpd.conf" 2>> "$STATE_DIR/server.log" &
	;;
nginx)
	logs="nginx-error.log and nginx-access.log (nginx), authorizer.log,"
	logs="$logs admin.log, collector.log"
	"$build/authorizer/dripline-authorizer" -c "$conf" \
	    -s "unix:$STATE_DIR/authorizer.sock" -g www-data \
	    2>> "$STATE_DIR/authorizer.log" &
	pids="$pids $!"
	"$build/admin/dripline-admin" -c "$conf" \
	    -s "unix:$STATE_DIR/admin.sock" -g www-data \
	    2>> "$STATE_DIR/admin.log" &
	pids="$pids $!"
	"$build/collector/dripline-collector" -c "$conf" \
	    -s "unix:$STATE_DIR/collector.sock" -g www-data \
	    2>> "$STATE_DIR/collector.log" &
	pids="$pids $!"
	wait_socket "$STATE_DIR/authorizer.sock"
	wait_socket "$STATE_DIR/admin.sock"
	wait_socket "$STATE_DIR/collector.sock"
	write_nginx_conf
	nginx -c "$STATE_DIR/nginx.conf" -e "$STATE_DIR/nginx-error.log" \
	    2>> "$STATE_DIR/server.log" &
	;;
esac
server_pid=$!
pids="$pids $server_pid"

# Check the gateway by opening a connection only, because a request would
# reach the authorizer and count as a 401 in the usage summary. Check the
# admin API with the token, so that no 401 goes to its log.
admin_token=$(cat "$STATE_DIR/admin-token")
ready=0
for _ in $(seq 100); do
	if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null &&
	    curl -sf -o /dev/null -H "Authorization: Bearer $admin_token" \
	    "http://127.0.0.1:$ADMIN_PORT/admin/v1/health"; then
		ready=1
		break
	fi
	sleep 0.1
done
if [ "$ready" -ne 1 ]; then
	echo "quickstart: the gateway on port $PORT or the admin API on" \
	    "port $ADMIN_PORT did not answer within 10 s; see the logs" \
	    "in $STATE_DIR ($logs)" >&2
	exit 1
fi

# --- demo user and key, through the admin API --------------------------------------
admin_api() {
	curl -s -X "$1" -H "Authorization: Bearer $admin_token" \
	    -H 'Content-Type: application/json' ${3:+--data-binary "$3"} \
	    "http://127.0.0.1:$ADMIN_PORT$2"
}
json_field() {
	python3 -c 'import json, sys
value = json.load(sys.stdin)
for field in sys.argv[1:]:
    value = value[int(field)] if isinstance(value, list) else value[field]
print(value)' "$@"
}

# The demo user's external id: "demo", unless that one was revoked.
demo=$(cat "$STATE_DIR/demo-user" 2>/dev/null || echo demo)
user=$(admin_api POST /admin/v1/users \
    "{\"external_id\":\"$demo\",\"daily_limit\":$DAILY_LIMIT}" |
    json_field id 2>/dev/null) ||
    user=$(admin_api GET "/admin/v1/users?external_id=$demo" |
	json_field data 0 id)
# A revoked user gets no keys, and stays revoked: make another.
if [ "$(admin_api GET "/admin/v1/users/$user" | json_field status)" != \
    active ]; then
	demo=demo-$(date -u +%Y%m%dT%H%M%SZ)
	user=$(admin_api POST /admin/v1/users \
	    "{\"external_id\":\"$demo\",\"daily_limit\":$DAILY_LIMIT}" |
	    json_field id)
	echo "$demo" > "$STATE_DIR/demo-user"
fi
admin_api PATCH "/admin/v1/users/$user" "{\"daily_limit\":$DAILY_LIMIT}" \
    > /dev/null
# The key is kept in the state directory, so running the quick start again
# reuses it while it is active instead of adding another.
key_file=$STATE_DIR/demo-key
key_id="" key=""
[ -s "$key_file" ] && read -r key_id key < "$key_file"
if [ -n "$key_id" ] && ! admin_api GET "/admin/v1/users/$user/keys" |
    python3 -c 'import json, sys
keys = json.load(sys.stdin)["data"]
sys.exit(0 if any(k["id"] == sys.argv[1] and k["status"] == "active"
    for k in keys) else 1)' "$key_id" 2>/dev/null; then
	key=""
fi
if [ -z "$key" ]; then
	created=$(admin_api POST "/admin/v1/users/$user/keys" \
	    '{"name":"quickstart"}')
	if ! key=$(echo "$created" | json_field secret 2>/dev/null); then
		echo "quickstart: issuing the demo key failed: $created" >&2
		exit 1
	fi
	key_id=$(echo "$created" | json_field id)
	(umask 077; echo "$key_id $key" > "$key_file")
fi

cat <<INFO

Dripline is running on $SERVER: http://127.0.0.1:$PORT -> $upstream_note
Admin API: http://127.0.0.1:$ADMIN_PORT/admin/v1/
State (config, database, logs): $STATE_DIR
Logs: $logs
Admin token (also in $STATE_DIR/admin-token): $admin_token

Demo user $user (external id "$demo"), daily limit $DAILY_LIMIT units.
Its API key (also in $key_file): $key

Try it:
  curl -i http://127.0.0.1:$PORT/v1/chat/completions \\
    -H 'Authorization: Bearer $key' -H 'Content-Type: application/json' \\
    -d '{"model":"mock-model","messages":[{"role":"user","content":"Hello"}]}'

  # streamed
  curl -N http://127.0.0.1:$PORT/v1/chat/completions \\
    -H 'Authorization: Bearer $key' -H 'Content-Type: application/json' \\
    -d '{"model":"mock-model","stream":true,"messages":[{"role":"user","content":"Hi"}]}'

  # the demo user, with today's usage
  curl -s http://127.0.0.1:$ADMIN_PORT/admin/v1/users/$user \\
    -H "Authorization: Bearer \$(cat $STATE_DIR/admin-token)"

  # today's summary: usage, refusals, upstream outcomes, top users
  curl -s http://127.0.0.1:$ADMIN_PORT/admin/v1/usage/summary \\
    -H "Authorization: Bearer \$(cat $STATE_DIR/admin-token)"

  # a new user with a limit of 100 units a day
  curl -s http://127.0.0.1:$ADMIN_PORT/admin/v1/users \\
    -H "Authorization: Bearer \$(cat $STATE_DIR/admin-token)" \\
    -H 'Content-Type: application/json' \\
    -d '{"external_id":"customer-42","daily_limit":100}'

After $DAILY_LIMIT chat completions (an image generation costs 5) the
gateway answers 429 until 00:00 UTC. Press Ctrl-C to stop.

INFO

wait "$server_pid"
