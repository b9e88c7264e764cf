#!/bin/bash
# Quota exactness under load and across crashes.
#
# Exactness: 1000 requests from 64 concurrent clients against a limit of
# 100, once with one authorizer process of 16 threads and once with four
# processes of 4 threads (lighttpd's max-procs, or four standalone
# authorizers behind one nginx upstream block). Exactly 100 are allowed,
# the other 900 get 429, the stored count is 100 and the upstream saw 100.
#
# Crashes: 200 requests a second rotate over eight users with a limit of
# 100 each, so requests are still being allowed while the authorizer is
# killed with SIGKILL three times and the web server once. The load stops
# half a second after the web server is back.
# For every user: the 200s the clients received <= the requests the
# upstream saw <= the stored count <= the limit. A charge may outlive its
# reply, because the process can die between commit and reply, but a
# reply never outlives its charge.
. "$(dirname "$0")/lib.sh"

LOAD=$top_srcdir/tests/it/load.py

# load_run OUT [LOAD.PY ARGS...]: run the load client in the foreground.
load_run() {
	local out=$1
	shift
	python3 "$LOAD" --port "$PORT" "$@" > "$out" 2>> "$T/load.log"
	tail -n 1 "$T/load.log"
}

# status_count FILE STATUS [KEY_INDEX]: responses with STATUS in FILE.
status_count() {
	if [ $# -eq 2 ]; then
		awk -v s="$2" '$1 == s { n++ } END { print n + 0 }' "$1"
	else
		awk -v s="$2" -v k="$3" '$1 == s && $2 == k { n++ }
		    END { print n + 0 }' "$1"
	fi
}

# upstream_count_for USER_ID: requests the upstream received for the user.
upstream_count_for() {
	python3 - "$T/upstream.jsonl" "$1" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    if json.loads(line)["headers"].get("x-dripline-user") == sys.argv[2]:
        n += 1
print(n)
PY
}

# exactness NAME: 1000 requests of one user with a limit of 100.
exactness() {
	local name=$1 user key before
	user=$(it_user "stress-$name" 100)
	key=$(it_key "$user")
	before=$(it_upstream_count)
	echo "# $name: $(load_run "$T/$name.out" --key "$key" --count 1000 \
	    --concurrency 64 --deadline 60)"
	check_eq "$name: 1000 responses" 1000 \
	    "$(wc -l < "$T/$name.out" | tr -d ' ')"
	check_eq "$name: exactly 100 allowed" 100 \
	    "$(status_count "$T/$name.out" 200)"
	check_eq "$name: the other 900 denied with 429" 900 \
	    "$(status_count "$T/$name.out" 429)"
	check_eq "$name: stored count equals the 200s" 100 "$(it_units "$user")"
	check_eq "$name: upstream saw exactly 100" 100 \
	    "$(($(it_upstream_count) - before))"
}

it_start_upstream

it_config threads 16
it_start_server
exactness threads
it_stop_server

it_config threads 4
IT_AUTHORIZERS=4
PORT=$(it_free_port)
it_start_server
check_eq "four authorizer processes run" 4 "$(it_authorizer_pids | wc -l)"
exactness processes
it_stop_server
IT_AUTHORIZERS=1

# --- crashes -----------------------------------------------------------------

it_config
PORT=$(it_free_port)
it_start_server
users=()
keyargs=()
for i in $(seq 0 7); do
	users[i]=$(it_user "crash-$i" 100)
	keyargs+=(--key "$(it_key "${users[i]}")")
done

python3 "$LOAD" --port "$PORT" "${keyargs[@]}" --count 6000 \
    --concurrency 64 --rate 200 --deadline 30 \
    > "$T/crash.out" 2>> "$T/load.log" &
load=$!
IT_PIDS="$IT_PIDS $load"

# kill_authorizer: SIGKILL the first authorizer, and wait until one runs
# again: lighttpd starts it itself, and for nginx the test plays the
# supervisor (systemd in the example units). Prints how long it took.
kill_authorizer() {
	local pid new start=$(date +%s%N)
	pid=$(it_authorizer_pid)
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || return 1
	if [ "$SERVER" = nginx ]; then
		wait "$pid" 2>/dev/null
		it_start_authorizer 1
	else
		for _ in $(seq 100); do
			new=$(it_authorizer_pid)
			[ -n "$new" ] && [ "$new" != "$pid" ] && break
			sleep 0.05
		done
	fi
	echo "# authorizer $pid killed, another one up after" \
	    "$((($(date +%s%N) - start) / 1000000)) ms"
}

kills=0
for _ in 1 2 3; do
	sleep 0.3
	kill_authorizer && kills=$((kills + 1))
done
check_eq "the authorizer was killed three times" 3 "$kills"
sleep 0.3
it_kill9_server
it_start_server
sleep 0.5
kill -TERM "$load"
wait "$load"
echo "# crashes: $(tail -n 1 "$T/load.log"), statuses:" \
    $(cut -d ' ' -f 1 "$T/crash.out" | sort | uniq -c | tr '\n' ' ')

check_range "crashes: the load was stopped, not finished" 1 5999 \
    "$(wc -l < "$T/crash.out" | tr -d ' ')"
check_eq "crashes: only 200, 429, 503 or no response" "" \
    "$(awk '$1 !~ /^(200|429|503|000)$/' "$T/crash.out" | head -n 3)"
check_range "crashes: some requests were allowed" 1 800 \
    "$(status_count "$T/crash.out" 200)"
for i in $(seq 0 7); do
	ok=$(status_count "$T/crash.out" 200 "$i")
	seen=$(upstream_count_for "${users[i]}")
	stored=$(it_units "${users[i]}")
	check_range "user $i: upstream saw at least the $ok 200s" \
	    "$ok" 100 "$seen"
	check_range "user $i: stored count covers the $seen forwarded" \
	    "$seen" 100 "$stored"
done

# The day goes on after the crashes: each user gets exactly what is left.
for i in $(seq 0 7); do
	stored=$(it_units "${users[i]}")
	key=${keyargs[2 * i + 1]}
	load_run "$T/after-$i.out" --key "$key" --count 120 \
	    --concurrency 16 > /dev/null
	check_eq "user $i: after the crashes exactly the rest allowed" \
	    $((100 - stored)) "$(status_count "$T/after-$i.out" 200)"
	check_eq "user $i: stored count reaches the limit" 100 \
	    "$(it_units "${users[i]}")"
done

it_done
