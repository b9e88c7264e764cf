#!/bin/bash
# An unusable database refuses every request with 503
# enforcement_unavailable, forwards nothing, logs one line naming the
# cause, and service resumes by itself once the fault is cleared.
# Faults: a missing file, a file that is not a database, a schema newer
# than the program (at start and while it runs), the file replaced under
# the running authorizer, the write lock held by another process past
# lock_timeout_ms, a read-only file system and a full one.
#
# The database lives on a 1 MiB tmpfs mounted for the test, so that the
# file system can really be made read-only or full. Where mount is refused
# (no root, no CAP_SYS_ADMIN), the read-only fault uses an immutable file
# (chattr +i) or, failing that, a database header whose write version
# makes SQLite treat the file as read-only. The full file system is then
# not tested, and the output reports it. With DRIPLINE_REQUIRE_SERVERS
# set, as under the README's test command, a refused mount is a failure.
# Each output line starting with "#" gives the time the refused request
# took, for a human to compare with lock_timeout_ms; no check depends on
# it.
. "$(dirname "$0")/lib.sh"

LOCK_TIMEOUT_MS=400

store=$T/store
mkdir "$store"
if mount -t tmpfs -o size=1m,mode=0711 dripline-test "$store" \
    2> "$T/mount.err"; then
	IT_MOUNTS=$store
	have_mount=1
else
	have_mount=0
	echo "# mount refused ($(head -n 1 "$T/mount.err")):" \
	    "no read-only or full file system"
	# The README's test command runs as root, where every fault must run.
	if [ -n "${DRIPLINE_REQUIRE_SERVERS:-}" ]; then
		it_fail "mount refused, so the read-only and full file system faults cannot run"
	fi
fi
db=$store/dripline.db
IT_DATABASE=$db

it_config lock_timeout_ms "$LOCK_TIMEOUT_MS"
user=$(it_user fault-user 1000)
key=$(it_key "$user")
mv "$db" "$T/good.db"

# rm cannot remove an immutable file, so clear the flag before cleanup.
trap 'chattr -i "$db" 2>/dev/null; it_cleanup' EXIT

it_start_upstream
it_start_server

# expect_503 FAULT CAUSE-REGEX: one request must be refused with the
# contract's 503, reach nothing, and log exactly one line with the cause.
expect_503() {
	local fault=$1 cause=$2 before_log before_hits lines start
	before_log=$(it_log | wc -l)
	before_hits=$(it_upstream_count)
	start=$(date +%s%N)
	it_chat "$key"
	echo "# $fault: $STATUS after $((($(date +%s%N) - start) / 1000000))" \
	    "ms (lock_timeout_ms $LOCK_TIMEOUT_MS)"
	check_eq "$fault: status" 503 "$STATUS"
	check_eq "$fault: code" enforcement_unavailable "$(it_json error code)"
	check_eq "$fault: type" server_error "$(it_json error type)"
	check_match "$fault: Retry-After" '^[0-9]+$' "$(it_header Retry-After)"
	check_eq "$fault: nothing forwarded" "$before_hits" "$(it_upstream_count)"
	lines=$(it_log | tail -n +$((before_log + 1)))
	check_eq "$fault: one log line" 1 "$(printf '%s\n' "$lines" | grep -c .)"
	check_match "$fault: the log line names the cause" "$cause" "$lines"
}

allowed=0
expect_allowed() {
	it_chat "$key"
	check_eq "$1: service resumed" 200 "$STATUS"
	[ "$STATUS" = 200 ] && allowed=$((allowed + 1))
}

# sqlite3 with a bounded wait for the authorizer's lock.
sql() {
	sqlite3 -cmd ".timeout 2000" "$db" "$@"
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
version=$(sql 'PRAGMA user_version')
sql 'PRAGMA user_version = 99'
it_start_server
expect_503 "newer schema" "schema version 99 is newer"
sql "PRAGMA user_version = $version"
expect_allowed "schema version restored"

# A newer Dripline's migration while the authorizer runs: it notices at
# its next transaction.
sql 'PRAGMA user_version = 99'
expect_503 "schema changed while running" "changed to version 99 .*restart"
sql "PRAGMA user_version = $version"
expect_allowed "schema version restored while running"

# The file replaced under the running authorizer, by a copy in which the
# key is revoked: the batch that notices gets 503, and the next one reads
# the new file, so the revocation holds.
sql 'PRAGMA wal_checkpoint(TRUNCATE)' > /dev/null
cp "$db" "$T/replacement.db"
sqlite3 "$T/replacement.db" "UPDATE api_keys SET status = 'revoked'"
cp "$T/replacement.db" "$store/replacement.db"
rm "$T/replacement.db"
mv "$store/replacement.db" "$db"
expect_503 "database file replaced" "replaced or removed"
it_chat "$key"
check_eq "the replacement's revocation holds" 401 "$STATUS"
sqlite3 "$db" "UPDATE api_keys SET status = 'active', revoked_at = NULL"
expect_allowed "key active again in the replacement"

# Another process holds the write lock for 3 s, past the 400 ms timeout.
it_hold_write_lock "$db" 3
expect_503 "write lock held by another process" "locked"
wait "$HOLDER_PID"
expect_allowed "lock released"

# Read-only. A file system with a file open for writing cannot be made
# read-only (EBUSY), so the server is stopped first. The fault is then
# cleared under the running authorizer.
it_stop_server
if [ "$have_mount" = 1 ]; then
	mount -o remount,ro "$store"
	it_start_server
	expect_503 "read-only file system" "read-only \(Read-only file system\)"
	mount -o remount,rw "$store"
	expect_allowed "file system writable again"
elif chattr +i "$db" 2>/dev/null; then
	it_start_server
	expect_503 "immutable database file" "read-only"
	chattr -i "$db"
	expect_allowed "database file mutable again"
else
	# File format write version 3 (byte 18): SQLite may read, not write.
	sql 'PRAGMA wal_checkpoint(TRUNCATE)' > /dev/null
	printf '\003' | dd of="$db" bs=1 seek=18 conv=notrunc 2>/dev/null
	it_start_server
	expect_503 "database of a newer write format" "read-only"
	printf '\002' | dd of="$db" bs=1 seek=18 conv=notrunc 2>/dev/null
	expect_allowed "database write format restored"
fi

# Full, under the running authorizer: with the WAL file truncated, the
# next commit needs new blocks and SQLite reports SQLITE_FULL. Full at
# start: if the last connection removed the WAL and shared-memory files,
# creating them fails. If the collector's read-only connection was the
# last, they are left, so the first commit fails as before.
if [ "$have_mount" = 1 ]; then
	sql 'PRAGMA wal_checkpoint(TRUNCATE)' > /dev/null
	dd if=/dev/zero of="$store/filler" bs=4k 2>/dev/null
	expect_503 "full file system" "full"
	rm "$store/filler"
	expect_allowed "space freed"

	it_stop_server
	dd if=/dev/zero of="$store/filler" bs=4k 2>/dev/null
	it_start_server
	expect_503 "full file system at start" \
	    "No space left on device|file system is full"
	rm "$store/filler"
	expect_allowed "space freed at start"
else
	echo "# SKIP: full file system, because mount was refused"
fi

check_eq "stored units equal the allowed requests" "$allowed" \
    "$(it_units "$user")"

it_done
