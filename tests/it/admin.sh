#!/bin/bash
# The admin API through a real web server with the shipped configuration.
# It drives the whole user and key life cycle with curl and checks admin
# tokens and the separation of the admin listener from the data plane.
# At the end no log, database file or other test file may contain an
# issued key's secret.

. "$(dirname "$0")/lib.sh"

it_config
it_start_upstream
ADMIN_TOKEN=$(ctl token create it-ops 2>/dev/null)
it_start_server

# --- admin tokens ------------------------------------------------------------

saved_token=$ADMIN_TOKEN
ADMIN_TOKEN=
admin GET /admin/v1/health
check_eq "no admin token: 401" 401 "$STATUS"
check_eq "no admin token: code" missing_admin_token "$(it_json error code)"
check_eq "no admin token: WWW-Authenticate" Bearer \
    "$(it_header WWW-Authenticate)"
ADMIN_TOKEN="${saved_token}x"
admin GET /admin/v1/health
check_eq "wrong admin token: 401" 401 "$STATUS"
check_eq "wrong admin token: code" invalid_admin_token "$(it_json error code)"
ADMIN_TOKEN=$saved_token

admin GET /admin/v1/health
check_eq "health: 200" 200 "$STATUS"
check_eq "health: database" ok "$(it_json database)"
check_match "health: request id header" '^[0-9a-f]{16}$' \
    "$(it_header X-Request-Id)"

# --- users -------------------------------------------------------------------

admin POST /admin/v1/users '{"external_id":"it-alice","daily_limit":5}'
check_eq "create user: 201" 201 "$STATUS"
USER=$(it_json id)
check_eq "create user: Location" "/admin/v1/users/$USER" \
    "$(it_header Location)"
check_eq "create user: limit" 5 "$(it_json daily_limit)"

admin POST /admin/v1/users '{"external_id":"it-alice"}'
check_eq "duplicate user: 409" 409 "$STATUS"
line=$(it_admin_log | grep ' 409 user_exists: ' | tail -n 1)
check_match "duplicate user logged with the SQLite code" ', sqlite [0-9]+$' \
    "$line"
check_eq "duplicate user: code" user_exists "$(it_json error code)"

admin POST /admin/v1/users '{"external_id":"it-alice",'
check_eq "bad JSON: 400" 400 "$STATUS"
check_eq "bad JSON: code" invalid_json "$(it_json error code)"

admin PATCH /admin/v1/users/$USER '{"daily_limit":20}'
check_eq "change limit: 200" 200 "$STATUS"
check_eq "change limit: new limit" 20 "$(it_json daily_limit)"

admin GET "/admin/v1/users?external_id=it-alice"
check_eq "find by external id: 200" 200 "$STATUS"
check_eq "find by external id: the user" "$USER" \
    "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"][0]["id"])' "$T/body")"

# --- keys and the data plane -------------------------------------------------

admin POST /admin/v1/users/$USER/keys '{"name":"laptop"}'
check_eq "issue key: 201" 201 "$STATUS"
KEY_ID=$(it_json id)
SECRET=$(it_json secret)
check_match "issue key: secret has the key prefix" '^dl_' "$SECRET"

admin GET /admin/v1/users/$USER/keys
check_eq "list keys: 200" 200 "$STATUS"
check_eq "list keys: no secret in the list" 0 \
    "$(grep -cF -- "$SECRET" "$T/body")"

it_chat "$SECRET"
check_eq "the new key works on the data plane" 200 "$STATUS"
check_eq "upstream got the request" 1 \
    "$(it_upstream_count /v1/chat/completions)"

admin GET /admin/v1/users/$USER
check_eq "user: key count" 1 "$(it_json keys active)"
check_eq "user: today's units" 1 "$(it_json usage_today units)"
admin GET /admin/v1/users/$USER/usage
check_eq "usage report: 200" 200 "$STATUS"
admin GET /admin/v1/usage/summary
check_eq "summary: units" 1 "$(it_json units)"

# lighttpd rejects a POST without Content-Length itself, with a 411 in
# the admin API's JSON shape; nginx passes it on. Revokes therefore send an
# empty body (Content-Length: 0) or an empty object.
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -X POST \
    -H "Authorization: Bearer $ADMIN_TOKEN" \
    "http://127.0.0.1:$ADMIN_PORT/admin/v1/health")
if [ "$SERVER" = lighttpd ]; then
	check_eq "POST without a body: 411" 411 "$STATUS"
	check_eq "POST without a body: code" length_required \
	    "$(it_json error code)"
else
	check_eq "POST without a body: passed on, 405" 405 "$STATUS"
fi
admin FOO /admin/v1/health
check_match "unknown method: a JSON error" '^(405|501)$' "$STATUS"
check_match "unknown method: code" '^(method_not_allowed|method_not_supported)$' \
    "$(it_json error code)"
admin POST /admin/v1/keys/$KEY_ID/revoke ''
check_eq "revoke key: 200" 200 "$STATUS"
check_eq "revoke key: status" revoked "$(it_json status)"
it_chat "$SECRET"
check_eq "revoked key: 401" 401 "$STATUS"

admin POST /admin/v1/users/$USER/keys '{"name":"second"}'
SECRET2=$(it_json secret)
admin POST /admin/v1/users/$USER/revoke '{}'
check_eq "revoke user: 200" 200 "$STATUS"
check_eq "revoke user: status" revoked "$(it_json status)"
admin POST /admin/v1/users/$USER/revoke ''
check_eq "revoke user again: 200" 200 "$STATUS"
it_chat "$SECRET2"
check_eq "key of a revoked user: 401" 401 "$STATUS"
admin GET /admin/v1/users/$USER
check_eq "revoked user: no active key" 0 "$(it_json keys active)"
check_eq "upstream got nothing more" 1 "$(it_upstream_count)"

# --- HTTP details ------------------------------------------------------------

admin DELETE /admin/v1/users/$USER
check_eq "wrong method: 405" 405 "$STATUS"
check_eq "wrong method: Allow" "GET, PATCH" "$(it_header Allow)"

head -c 70000 /dev/zero | tr '\0' ' ' > "$T/big.json"
admin POST /admin/v1/users "@$T/big.json"
check_eq "body over 64 KiB: 413" 413 "$STATUS"
check_eq "body over 64 KiB: code" body_too_large "$(it_json error code)"

# Oversized input never stops dripline-admin: the web server refuses what
# is over its own limits, and the app what is over the API's.
admin_pid=$(it_admin_pid)
head -c 2000000 /dev/zero | tr '\0' ' ' > "$T/huge.json"
admin POST /admin/v1/users "@$T/huge.json"
check_eq "body over 1 MiB: the web server's 413" 413 "$STATUS"
saved_token=$ADMIN_TOKEN
ADMIN_TOKEN=$(head -c 102400 /dev/zero | tr '\0' t)
admin GET /admin/v1/health
check_range "100 KB admin token: 4xx" 400 499 "$STATUS"
ADMIN_TOKEN=$(head -c 300 /dev/zero | tr '\0' t)
admin GET /admin/v1/health
check_eq "300-byte admin token: 401" 401 "$STATUS"
check_eq "300-byte admin token: code" invalid_admin_token \
    "$(it_json error code)"
ADMIN_TOKEN=$saved_token
admin GET "/admin/v1/users?external_id=$(head -c 2000 /dev/zero | tr '\0' x)"
check_eq "2 KB query string: 400" 400 "$STATUS"
check_eq "2 KB query string: code" invalid_parameter "$(it_json error code)"
admin GET "/admin/v1/users?external_id=$(head -c 102400 /dev/zero | tr '\0' x)"
check_range "100 KB query string: 4xx" 400 499 "$STATUS"
check_eq "dripline-admin still runs" "$admin_pid" "$(it_admin_pid)"

admin GET /admin/v1/audit
check_eq "audit: 200" 200 "$STATUS"
check_eq "audit: 7 changes, each by it-ops from 127.0.0.1" "7 yes" \
    "$(python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))["data"]
ok = [r for r in rows if r["outcome"] == "ok"]
same = all(r["token_name"] == "it-ops" and
    r["client_address"] == "127.0.0.1" for r in rows)
print(len(ok), "yes" if same else "no")' "$T/body")"
check_eq "audit: the refused duplicate is recorded" 1 \
    "$(grep -o '"outcome":"user_exists"' "$T/body" | wc -l)"

# --- the admin listener and the data plane stay apart ------------------------

before=$(it_upstream_count)
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -X POST \
    -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
    -d '{"model":"m","messages":[]}' \
    "http://127.0.0.1:$ADMIN_PORT/v1/chat/completions")
check_eq "data-plane path on the admin listener: 404" 404 "$STATUS"
check_eq "data-plane path on the admin listener: JSON code" path_not_found \
    "$(it_json error code)"
check_eq "data-plane path on the admin listener: upstream not called" \
    "$before" "$(it_upstream_count)"

STATUS=$(curl -s -o "$T/body" -w '%{http_code}' \
    "http://127.0.0.1:$ADMIN_PORT/server.log")
check_eq "admin listener serves no files" 401 "$STATUS"

# Request ids of one dripline-admin process count up by one per request.
admin GET /admin/v1/health
id_before=$(it_header X-Request-Id)
it_request GET /admin/v1/health -H "Authorization: Bearer $ADMIN_TOKEN"
check_eq "admin path on the data listener: the authorizer denies it" \
    invalid_api_key "$(it_json error code)"
admin GET /admin/v1/health
id_after=$(it_header X-Request-Id)
check_eq "admin path on the data listener: admin app not called" 1 \
    $(( 16#${id_after:8} - 16#${id_before:8} ))

# --- a revoked admin token ---------------------------------------------------

ctl token revoke it-ops >/dev/null
admin GET /admin/v1/health
check_eq "revoked admin token: 401" 401 "$STATUS"
check_eq "revoked admin token: code" invalid_admin_token \
    "$(it_json error code)"
line=$(it_admin_log | grep ' 401 invalid_admin_token: ' | tail -n 1)
check_match "client error logged: status and code" \
    'GET /admin/v1/health token .* 401 invalid_admin_token: ' "$line"
check_eq "client error logged without source location" "" \
    "$(echo "$line" | grep -o '(at [a-z_]*:[0-9]*')"

# --- no secret anywhere ------------------------------------------------------

it_admin_log | grep -q 'POST /admin/v1/users token it-ops from 127.0.0.1: 201'
check_eq "admin log has the user creation" 0 $?
rm -f "$T/body" "$T/headers"
found=$(grep -rlaF -- "$SECRET" "$T" ; grep -rlaF -- "$SECRET2" "$T")
check_eq "no file in the test directory contains a key secret" "" "$found"
found=$(grep -rlaF -- "$ADMIN_TOKEN" "$T")
check_eq "no file contains the admin token" "" "$found"

it_done
