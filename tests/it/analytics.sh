#!/bin/bash
# Usage analytics through the shipped web server configuration, whose
# access log feeds dripline-collector. Two users send a known mix: 200s,
# an upstream 500, an upstream 400, a request the proxy times out, quota
# denials, and requests through a second gateway (same database) whose
# upstream port is closed. The per-user reports and the day's summary
# (driplinectl, which prints the admin API's JSON) must equal the mix
# exactly. A forged X-Dripline-User header changes nothing, refusals
# (401, 400, 404, 503) are counted per day, and a collector killed and
# restarted mid-run leaves every allowed request an outcome or
# unattributed. Finally driplinectl prune deletes the rows of old days
# and keeps today's.
IT_UPSTREAM_TIMEOUT=1	# seconds; lighttpd answers 504 about 2 s later
. "$(dirname "$0")/lib.sh"

it_config lock_timeout_ms 300
it_start_upstream
it_start_server

alice=$(it_user analytics-alice 6)
alice_key=$(it_key "$alice")
bob=$(it_user analytics-bob 4)
bob_key=$(it_key "$bob")

# report USER FIELD...: a field of the user's report for today.
report() {
	local user=$1
	shift
	ctl report "$user" > "$T/report.json"
	python3 - "$T/report.json" "$@" <<'PY'
import json, sys
value = json.load(open(sys.argv[1]))["data"][0]
for field in sys.argv[2:]:
    value = value[field]
print(value)
PY
}

# summary FIELD...: a field of today's summary; a number picks a list row.
summary() {
	ctl summary > "$T/summary.json"
	python3 - "$T/summary.json" "$@" <<'PY'
import json, sys
value = json.load(open(sys.argv[1]))
for field in sys.argv[2:]:
    value = value[int(field)] if field.isdigit() else value[field]
print(value)
PY
}

# outcomes USER: the user's recorded outcomes, all six added up.
outcomes() {
	ctl report "$1" | python3 -c 'import json, sys
u = json.load(sys.stdin)["data"][0]["upstream"]
print(sum(u[k] for k in ("status_2xx", "status_4xx", "status_5xx",
    "timed_out", "unreachable", "other")))'
}

# wait_outcomes USER N: wait up to 10 s for N outcomes of the user.
wait_outcomes() {
	for _ in $(seq 100); do
		[ "$(outcomes "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# A second gateway on the same database whose upstream port is closed:
# the proxy cannot connect, and bob's requests there are unreachable.
# nginx returns 502, lighttpd 1.4.69 returns 503 ("all handlers down").
main_T=$T main_port=$PORT main_admin_port=$ADMIN_PORT
main_server=$SERVER_PID main_authorizer=$AUTHORIZER_PID
main_admin=$ADMIN_PID main_collector=$COLLECTOR_PID
T=$main_T/second
mkdir "$T"
chmod 711 "$T"
cp "$main_T/dripline.conf" "$T/dripline.conf"
PORT=$(it_free_port)
ADMIN_PORT=$(it_free_port)
IT_UPSTREAM_PORT=$(it_free_port)
SERVER_PID="" AUTHORIZER_PID="" ADMIN_PID="" COLLECTOR_PID=""
it_start_server
IT_PIDS="$IT_PIDS $SERVER_PID $AUTHORIZER_PID $ADMIN_PID $COLLECTOR_PID"
unreachable_status=502
[ "$SERVER" = lighttpd ] && unreachable_status=503
for i in 1 2 3; do
	it_chat "$bob_key"
	check_eq "bob through the closed upstream $i" "$unreachable_status" \
	    "$STATUS"
done
it_stop_server
T=$main_T PORT=$main_port ADMIN_PORT=$main_admin_port
SERVER_PID=$main_server AUTHORIZER_PID=$main_authorizer
ADMIN_PID=$main_admin COLLECTOR_PID=$main_collector
unset IT_UPSTREAM_PORT

# Let the refusal counts of the servers' start-up probes settle: the
# authorizer writes them within a second when idle.
sleep 1.5
base_401=$(summary unauthorized)
base_401_local=$(summary unauthorized_sources 0 attempts 2>/dev/null)
case $base_401_local in
''|*[!0-9]*) base_401_local=0 ;;
esac

# --- the mix -----------------------------------------------------------------

chat_model() {
	it_request POST /v1/chat/completions -H "Authorization: Bearer $1" \
	    -H 'Content-Type: application/json' \
	    -d "{\"model\":\"$2\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
}

it_chat "$alice_key"
check_eq "alice 200" 200 "$STATUS"
it_chat "$alice_key"
check_eq "alice second 200" 200 "$STATUS"
it_request POST /v1/chat/completions -H "Authorization: Bearer $alice_key" \
    -H "X-Dripline-User: $bob" -H "x-dripline-user: $bob" \
    -H 'Content-Type: application/json' \
    -d '{"model":"mock-model","messages":[{"role":"user","content":"hi"}]}'
check_eq "alice with a forged X-Dripline-User: 200" 200 "$STATUS"
chat_model "$alice_key" mock-error
check_eq "alice upstream error: 500" 500 "$STATUS"
it_request POST /v1/chat/completions -H "Authorization: Bearer $alice_key" \
    -H 'Content-Type: application/json' -d '[1]'
check_eq "alice upstream rejects the body: 400" 400 "$STATUS"
chat_model "$alice_key" mock-slow
check_eq "alice upstream too slow: 504" 504 "$STATUS"
it_chat "$alice_key"
check_eq "alice over quota: 429" 429 "$STATUS"
it_request GET /v1/nothing-here -H "Authorization: Bearer $alice_key"
check_eq "alice unknown route: 404" 404 "$STATUS"

it_chat "$bob_key"
check_eq "bob 200" 200 "$STATUS"
it_chat "$bob_key"
check_eq "bob over quota: 429" 429 "$STATUS"
it_request GET /v1/models -H "Authorization: Bearer $bob_key"
check_eq "bob free route over quota: 200" 200 "$STATUS"

it_request POST /v1/chat/completions -d '{}'
check_eq "no key: 401" 401 "$STATUS"
it_request GET /v1/models -H 'Authorization: Bearer dl_wrong'
check_eq "wrong key: 401" 401 "$STATUS"
it_request GET /v1/models -H 'X-Api-Key: dl_wrong'
check_eq "wrong X-Api-Key: 401" 401 "$STATUS"
it_request GET '/v1/chat%2Fcompletions' -H "Authorization: Bearer $bob_key"
check_eq "ambiguous path: 400" 400 "$STATUS"

# The upstream saw alice as the user of the forged request, the third.
forged_as=$(python3 - "$T/upstream.jsonl" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print(rows[2]["headers"].get("x-dripline-user", "missing"))
PY
)
check_eq "upstream got the real user of the forged request" "$alice" \
    "$forged_as"

# An enforcement failure: the write lock is held past lock_timeout_ms.
it_hold_write_lock "$T/dripline.db" 2
it_chat "$bob_key"
check_eq "database locked: 503" 503 "$STATUS"
wait "$HOLDER_PID"

# --- the figures ---------------------------------------------------------------

wait_outcomes "$alice" 6 || it_fail "alice's 6 outcomes were not recorded"
wait_outcomes "$bob" 5 || it_fail "bob's 5 outcomes were not recorded"
sleep 1.5	# the refusal counts of the last requests

check_eq "alice allowed" 6 "$(report "$alice" allowed)"
check_eq "alice denied" 1 "$(report "$alice" denied)"
check_eq "alice units" 6 "$(report "$alice" units)"
check_eq "alice 2xx (the forged request too)" 3 \
    "$(report "$alice" upstream status_2xx)"
check_eq "alice 4xx" 1 "$(report "$alice" upstream status_4xx)"
check_eq "alice 5xx" 1 "$(report "$alice" upstream status_5xx)"
check_eq "alice timed out" 1 "$(report "$alice" upstream timed_out)"
check_eq "alice unreachable" 0 "$(report "$alice" upstream unreachable)"
check_eq "alice other" 0 "$(report "$alice" upstream other)"
check_eq "alice unattributed" 0 "$(report "$alice" upstream unattributed)"
check_eq "alice errors" 2 "$(report "$alice" upstream errors)"
check_eq "alice latency count" 6 \
    "$(report "$alice" upstream latency_ms count)"
check_match "alice p95 latency covers the 1 s timeout" '^[0-9.]+$' \
    "$(report "$alice" upstream latency_ms p95)"
check_eq "alice max latency at least the proxy timeout" 1 \
    "$(python3 -c "print(int($(report "$alice" upstream latency_ms max) >= 1000))")"

check_eq "bob allowed (the free request too)" 5 "$(report "$bob" allowed)"
check_eq "bob denied" 1 "$(report "$bob" denied)"
check_eq "bob units" 4 "$(report "$bob" units)"
check_eq "bob 2xx (no forged one)" 2 "$(report "$bob" upstream status_2xx)"
check_eq "bob unreachable" 3 "$(report "$bob" upstream unreachable)"
check_eq "bob timed out" 0 "$(report "$bob" upstream timed_out)"
check_eq "bob 5xx" 0 "$(report "$bob" upstream status_5xx)"
check_eq "bob unattributed" 0 "$(report "$bob" upstream unattributed)"

check_eq "summary users" 2 "$(summary users)"
check_eq "summary units" 10 "$(summary units)"
check_eq "summary allowed" 11 "$(summary allowed)"
check_eq "summary denied" 2 "$(summary denied)"
check_eq "summary 2xx" 5 "$(summary upstream status_2xx)"
check_eq "summary 4xx" 1 "$(summary upstream status_4xx)"
check_eq "summary 5xx" 1 "$(summary upstream status_5xx)"
check_eq "summary timed out" 1 "$(summary upstream timed_out)"
check_eq "summary unreachable" 3 "$(summary upstream unreachable)"
check_eq "summary unattributed" 0 "$(summary upstream unattributed)"
check_eq "summary unauthorized" $((base_401 + 3)) "$(summary unauthorized)"
check_eq "summary top 401 source" 127.0.0.1 \
    "$(summary unauthorized_sources 0 address)"
check_eq "summary 401s from 127.0.0.1" $((base_401_local + 3)) \
    "$(summary unauthorized_sources 0 attempts)"
check_eq "summary invalid path" 1 "$(summary invalid_path)"
check_eq "summary route not found" 1 "$(summary route_not_found)"
check_eq "summary enforcement unavailable" 1 \
    "$(summary enforcement_unavailable)"
check_eq "summary malformed lines" 0 "$(summary access_log malformed_lines)"
check_eq "summary unmatched lines" 0 "$(summary access_log unmatched_lines)"
check_eq "top user by units" "$alice" "$(summary top_users 0 user_id)"
check_eq "top user by upstream errors" "$bob" \
    "$(summary top_users_by_errors 0 user_id)"
check_eq "second user by upstream errors" "$alice" \
    "$(summary top_users_by_errors 1 user_id)"

# --- the collector stops and starts again ---------------------------------------

carol=$(it_user analytics-carol 100)
carol_key=$(it_key "$carol")
for i in 1 2 3; do
	it_chat "$carol_key"
done
wait_outcomes "$carol" 3 || it_fail "carol's first 3 outcomes not recorded"

# lighttpd restarts its piped collector only after 5 s of uptime.
collector_pid() {
	if [ "$SERVER" = nginx ]; then
		echo "$COLLECTOR_PID"
	else
		pgrep -P "$SERVER_PID" -f dripline-collector | head -n 1
	fi
}
old=$(collector_pid)
for _ in $(seq 80); do
	[ "$(ps -o etimes= -p "$old" | tr -d ' ')" -ge 6 ] && break
	sleep 0.1
done
for i in 1 2; do
	it_chat "$carol_key"
done
kill -9 "$old"
[ "$SERVER" = nginx ] && wait "$old" 2>/dev/null
for i in 1 2 3 4; do
	it_chat "$carol_key"
	check_eq "carol while the collector is down $i" 200 "$STATUS"
done
[ "$SERVER" = nginx ] && it_start_collector
for _ in $(seq 100); do
	new=$(collector_pid)
	[ -n "$new" ] && [ "$new" != "$old" ] && break
	sleep 0.1
done
check_match "a new collector runs" '^[0-9]+$' "$new"
for i in 1 2 3; do
	it_chat "$carol_key"
done
wait_outcomes "$carol" 6 || it_fail "carol's last outcomes not recorded"
sleep 1.5

allowed=$(report "$carol" allowed)
recorded=$(outcomes "$carol")
unattributed=$(report "$carol" upstream unattributed)
echo "# carol: $allowed allowed, $recorded outcomes, $unattributed unattributed"
check_eq "carol allowed" 12 "$allowed"
check_eq "every allowed request is an outcome or unattributed" "$allowed" \
    $((recorded + unattributed))
check_range "outcomes before the stop and after the restart recorded" \
    6 12 "$recorded"
check_eq "carol's outcomes are 2xx" "$recorded" \
    "$(report "$carol" upstream status_2xx)"
check_eq "summary unattributed is carol's" "$unattributed" \
    "$(summary upstream unattributed)"

# --- retention ---------------------------------------------------------------

sqlite3 "$T/dripline.db" "
ATTACH '$T/dripline-analytics.db' AS analytics;
INSERT INTO usage_daily (user_id, day, units, allowed)
    VALUES ('$alice', '2000-01-01', 1, 1);
INSERT INTO upstream_daily (user_id, day, status_2xx)
    VALUES ('$alice', '2000-01-01', 1);
INSERT INTO system_daily (day, unauthorized) VALUES ('2000-01-01', 1);
INSERT INTO log_daily (day, malformed) VALUES ('2000-01-01', 1);
INSERT INTO unauthorized_sources (day, address, attempts)
    VALUES ('2000-01-01', '192.0.2.1', 1);"
check_match "prune deletes the old day's rows" \
    'deleted 1 usage_daily, 1 upstream_daily, 1 system_daily, 1 log_daily and 1 unauthorized_sources rows' \
    "$(ctl prune)"
check_eq "old day gone" 0 "$(sqlite3 "$T/dripline.db" \
    "SELECT count(*) FROM usage_daily WHERE day = '2000-01-01'")"
check_eq "today kept after prune" 6 "$(report "$alice" allowed)"
check_eq "today's outcomes kept after prune" 3 \
    "$(report "$alice" upstream status_2xx)"
check_match "prune 1 keeps today only" 'kept [0-9-]+ and later; deleted 0' \
    "$(ctl prune 1)"
check_match "prune rejects 0 days" 'invalid number of days' \
    "$(ctl prune 0 2>&1)"

# --- the analytics file lost under the running servers -----------------------

rm -f "$T/dripline-analytics.db" "$T/dripline-analytics.db-wal" \
    "$T/dripline-analytics.db-shm"

# Enforcement goes on, and keys can still be revoked with driplinectl.
it_chat "$carol_key"
check_eq "a decision without the analytics file" 200 "$STATUS"
lost_key=$(it_key "$carol")
lost_key_id=$(cat "$T/key-id")
ctl key revoke "$lost_key_id" > "$T/revoke.out" 2>&1
check_eq "driplinectl key revoke without the analytics file" \
    "0 key $lost_key_id revoked" "$? $(cat "$T/revoke.out")"
it_chat "$lost_key"
check_eq "the revoked key is refused at once" 401 "$STATUS"

# The admin API and the reports name the fix.
ADMIN_TOKEN=$(ctl token create it-analytics 2>/dev/null)
admin GET /admin/v1/health
check_eq "admin API without the analytics file: status" 503 "$STATUS"
check_eq "admin API without the analytics file: code" schema_mismatch \
    "$(it_json error code)"
check_match "admin API without the analytics file: message" \
    "analytics file is missing: run 'driplinectl init'" \
    "$(it_json error message)"
admin GET "/admin/v1/users/$carol/usage"
check_eq "usage report without the analytics file: status" 503 "$STATUS"
check_match "usage report without the analytics file: message" \
    "analytics file is missing" "$(it_json error message)"
check_match "driplinectl report without the analytics file" \
    "dripline-analytics.db: database file missing" \
    "$(ctl report "$carol" 2>&1)"

# Users and keys are still managed through the API: a key is revoked.
api_key=$(it_key "$carol")
api_key_id=$(cat "$T/key-id")
admin POST "/admin/v1/keys/$api_key_id/revoke" '{}'
check_eq "admin key revoke without the analytics file" 200 "$STATUS"
it_chat "$api_key"
check_eq "the key revoked through the API is refused" 401 "$STATUS"
admin POST /admin/v1/users '{"external_id":"made-without-analytics"}'
check_eq "admin user create without the analytics file" 201 "$STATUS"
admin GET "/admin/v1/users/$carol/keys"
check_eq "admin key list without the analytics file" 200 "$STATUS"
check_eq "the admin app says once what it serves without the file" 1 \
    "$(it_admin_log | grep -c 'serving only the calls that do not read')"
check_eq "no thread logs the lost file on its own" 0 \
    "$(it_admin_log | grep -c 'database again')"

# The collector tries again every second (-t), while it keeps the lines.
sleep 3.5

# init creates it again, empty, reports that, and everything resumes.
check_match "init says the analytics file is new and empty" \
    "analytics file .*dripline-analytics.db was missing and is created empty" \
    "$(ctl init)"
check_eq "the new analytics file is private" 600 \
    "$(stat -c %a "$T/dripline-analytics.db")"
admin GET /admin/v1/health
check_eq "admin API after init" 200 "$STATUS"
admin GET "/admin/v1/users/$carol/usage"
check_eq "usage report after init" 200 "$STATUS"
check_eq "the admin app says once that it serves every call again" 1 \
    "$(it_admin_log | grep -c 'readable again: serving every call')"
before=$(outcomes "$carol")
it_chat "$carol_key"
wait_outcomes "$carol" $((before + 1)) ||
    it_fail "the collector did not write to the new analytics file"
check_eq "outcomes start again from the new file" 0 "$before"
check_eq "the collector warned once in its seconds of failed writes" 1 \
    "$(it_collector_log | grep -c 'line failed\|lines failed')"
check_match "the collector says when it writes again" \
    'writing again after [0-9]+ s' "$(it_collector_log)"

it_done
