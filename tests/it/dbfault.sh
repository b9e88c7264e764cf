#!/bin/bash
# An unusable database refuses every request with 503
# enforcement_unavailable, forwards nothing, logs one line naming the
# cause, and service resumes by itself once the fault is cleared.
# Faults: a missing file, a file that is not a database, a schema newer
# than the program, and the write lock held by another process past
# lock_timeout_ms.
. "$(dirname "$0")/lib.sh"

it_config lock_timeout_ms 400
user=$(it_user fault-user 1000)
key=$(it_key "$user")
db=$T/dripline.db
mv "$db" "$T/good.db"

it_start_upstream
it_start_server

# expect_503 FAULT CAUSE-REGEX: one request must be refused with the
# contract's 503, reach nothing, and log exactly one line with the cause.
expect_503() {
	local fault=$1 cause=$2 before_log before_hits lines
	before_log=$(it_log | wc -l)
	before_hits=$(it_upstream_count)
	it_chat "$key"
	check_eq "$fault: status" 503 "$STATUS"
	check_eq "$fault: code" enforcement_unavailable "$(it_json error code)"
	check_eq "$fault: type" server_error "$(it_json error type)"
	check_match "$fault: Retry-After" '^[0-9]+$' "$(it_header Retry-After)"
	check_eq "$fault: nothing forwarded" "$before_hits" "$(it_upstream_count)"
	lines=$(it_log | tail -n +$((before_log + 1)))
	check_eq "$fault: one log line" 1 "$(printf '%s\n' "$lines" | grep -c .)"
	check_match "$fault: the log line names the cause" "$cause" "$lines"
}

expect_allowed() {
	it_chat "$key"
	check_eq "$1: service resumed" 200 "$STATUS"
}

expect_503 "missing database" "missing or not accessible"
cp "$T/good.db" "$db"
expect_allowed "missing database restored"

it_stop_server
mv "$db" "$T/good.db"
head -c 8192 /dev/urandom > "$db"
it_start_server
expect_503 "not a database" "not a SQLite database"
mv "$T/good.db" "$db"
expect_allowed "not a database replaced"

it_stop_server
version=$(sqlite3 "$db" 'PRAGMA user_version')
sqlite3 "$db" 'PRAGMA user_version = 99'
it_start_server
expect_503 "newer schema" "schema version 99 is newer"
sqlite3 "$db" "PRAGMA user_version = $version"
expect_allowed "schema version restored"

# Another process holds the write lock for 3 s, past the 400 ms timeout.
(echo 'BEGIN IMMEDIATE;'; sleep 3; echo 'COMMIT;') | sqlite3 "$db" &
IT_PIDS="$IT_PIDS $!"
holder=$!
for _ in $(seq 50); do
	sqlite3 -cmd '.timeout 0' "$db" 'BEGIN IMMEDIATE; COMMIT;' \
	    2>/dev/null || break
	sleep 0.05
done
expect_503 "write lock held by another process" "locked"
wait "$holder"
expect_allowed "lock released"
check_eq "stored units equal the allowed requests" 4 "$(it_units "$user")"

it_done
