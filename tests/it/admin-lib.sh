# Helpers for the admin API's integration tests, sourced after lib.sh is
# read. They start lighttpd with the shipped data-plane configuration and
# www-conf/lighttpd/dripline-admin.conf, so the gateway listens on $PORT
# and dripline-admin on $ADMIN_PORT, both spawned by lighttpd.
#
# These tests always use lighttpd, because its admin include is what they
# check; DRIPLINE_SERVER is set before lib.sh reads it.

DRIPLINE_SERVER=lighttpd
# shellcheck source=tests/it/lib.sh
. "$(dirname "$0")/lib.sh"

ADMIN=$top_builddir/admin/dripline-admin

# Start lighttpd with both includes and wait for both listeners.
it_admin_start() {
	: "${PORT:=$(it_free_port)}"
	: "${ADMIN_PORT:=$(it_free_port)}"
	it_lighttpd_site
	cat >> "$T/site.conf" <<SITE
var.dripline_admin_bind       = "127.0.0.1"
var.dripline_admin_port       = $ADMIN_PORT
var.dripline_admin            = "$ADMIN"
include "$WWW/lighttpd/dripline-admin.conf"
SITE
	lighttpd -D -f "$T/site.conf" >> "$T/server.log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$PORT/" &&
		    curl -s -o /dev/null "http://127.0.0.1:$ADMIN_PORT/" &&
		    return 0
		sleep 0.05
	done
	it_fail "lighttpd did not start on ports $PORT and $ADMIN_PORT"
	exit 1
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

# The admin app's log lines.
it_admin_log() {
	grep -h 'dripline-admin\[' "$T/server.log" 2>/dev/null
}
