#!/bin/bash
# The authorizer as a daemon on its own socket, as nginx deployments run
# it: socket permissions and group, a clear error when the path is taken,
# a stale socket replaced, a clean stop on SIGTERM, and systemd socket
# activation (through systemd-socket-activate) serving a real gateway.
. "$(dirname "$0")/lib.sh"

it_require systemd-socket-activate nginx
it_config
user=$(it_user daemon-user 5)
key=$(it_key "$user")
sock=$T/authorizer.sock

"$AUTHORIZER" -c "$T/dripline.conf" -s "unix:$sock" -m 0660 -g www-data \
    >> "$T/authorizer.log" 2>&1 &
AUTHORIZER_PID=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
check_eq "socket mode" 660 "$(stat -c %a "$sock")"
check_eq "socket group" www-data "$(stat -c %G "$sock")"

# A second daemon on the same path must refuse, and leave the first alone.
"$AUTHORIZER" -c "$T/dripline.conf" -s "unix:$sock" > "$T/second.out" 2>&1
check_eq "second daemon exits with status 1" 1 "$?"
check_match "second daemon says the path is in use" \
    "socket path .*authorizer.sock is in use by a running process" \
    "$(cat "$T/second.out")"
check_eq "first daemon still serves" 0 \
    "$(kill -0 "$AUTHORIZER_PID" 2>/dev/null; echo $?)"

# SIGTERM: exit status 0, the socket file removed, a log line.
kill -TERM "$AUTHORIZER_PID"
wait "$AUTHORIZER_PID"
check_eq "SIGTERM gives exit status 0" 0 "$?"
AUTHORIZER_PID=""
check_eq "socket removed on exit" absent \
    "$([ -e "$sock" ] && echo present || echo absent)"
check_match "stop is logged" "received SIGTERM" "$(it_log | tail -n 2)"

# A path that is not a socket is never removed.
echo data > "$T/not-a-socket"
"$AUTHORIZER" -c "$T/dripline.conf" -s "unix:$T/not-a-socket" \
    > "$T/third.out" 2>&1
check_eq "a regular file at the path: exit status 1" 1 "$?"
check_match "a regular file at the path: message" "exists and is not a socket" \
    "$(cat "$T/third.out")"
check_eq "the file is left alone" data "$(cat "$T/not-a-socket")"

# A bad configuration stops the daemon with the file, line and reason.
printf 'database x.db\nroute GET /v1/x one\n' > "$T/bad.conf"
"$AUTHORIZER" -c "$T/bad.conf" -s "unix:$T/bad.sock" > "$T/bad.out" 2>&1
check_eq "bad configuration: exit status 1" 1 "$?"
check_match "bad configuration: file, line and reason" \
    "bad.conf:2: route cost: 'one' is not a whole number" "$(cat "$T/bad.out")"

# A web server that dies while the authorizer it spawned is still
# starting: the authorizer must not run on as an orphan, which a web
# server started anew would take for its own and never replace. The
# spawner hands over a listening socket on fd 0, as lighttpd does, and
# exits while the authorizer waits to read its configuration from a FIFO:
# once the kernel shows it blocked opening the FIFO (wait_for_partner),
# it has noted its parent, which it cannot do for one already gone.
mkfifo "$T/slow.conf"
python3 - "$AUTHORIZER" "$T/slow.conf" "$T/orphan.sock" "$T/orphan.pid" \
    2>> "$T/orphan.log" <<'PY'
import os, socket, sys, time
listener = socket.socket(socket.AF_UNIX)
listener.bind(sys.argv[3])
listener.listen(8)
child = os.fork()
if child == 0:
    os.dup2(listener.fileno(), 0)
    os.execv(sys.argv[1], [sys.argv[1], "-c", sys.argv[2]])
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    with open("/proc/%d/wchan" % child) as f:
        if f.read() == "wait_for_partner":
            break
    time.sleep(0.01)
open(sys.argv[4], "w").write("%d\n" % child)
PY
orphan=$(cat "$T/orphan.pid")
IT_PIDS="$IT_PIDS $orphan"
cat "$T/dripline.conf" > "$T/slow.conf"
for _ in $(seq 100); do
	kill -0 "$orphan" 2>/dev/null || break
	sleep 0.05
done
check_eq "an orphaned authorizer stops" gone \
    "$(kill -0 "$orphan" 2>/dev/null && echo running || echo gone)"
check_match "an orphaned authorizer says why" \
    "the web server that started dripline-authorizer .* has exited" \
    "$(cat "$T/orphan.log")"

# Socket activation: systemd-socket-activate holds the socket and starts
# the authorizer with it as fd 3, as a .socket unit does; nginx in front.
systemd-socket-activate -l "$sock" \
    -E DRIPLINE_CONFIG="$T/dripline.conf" "$AUTHORIZER" \
    >> "$T/authorizer.log" 2>&1 &
activator=$!
IT_PIDS="$IT_PIDS $activator"
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
chgrp www-data "$sock"
chmod 660 "$sock"
SERVER=nginx
AUTHORIZER_PID=$activator
it_start_upstream
it_start_server
it_chat "$key"
check_eq "socket-activated authorizer allows" 200 "$STATUS"
check_eq "socket-activated authorizer charged" 1 "$(it_units "$user")"
check_match "it logged its start" "started: " "$(it_log)"

it_done
