#!/bin/bash
# Every way a key can be wrong gives 401 invalid_api_key with
# WWW-Authenticate and never reaches the upstream; what does reach the
# upstream carries the identity Dripline set, never one the client sent,
# and never the client's key.
. "$(dirname "$0")/lib.sh"

it_config
it_start_upstream
it_start_server

user=$(it_user auth-user 100)
key=$(it_key "$user")
revoked=$(it_key "$user")
revoked_id=$(cat "$T/key-id")
check_eq "driplinectl key revoke says what it did" \
    "key $revoked_id revoked" "$(ctl key revoke "$revoked_id")"
gone=$(it_user auth-gone 100)
gonekey=$(it_key "$gone")
check_eq "driplinectl user revoke says what it did" \
    "user $gone revoked, with all its keys" "$(ctl user revoke "$gone")"
chat='{"model":"mock-model","messages":[{"role":"user","content":"hi"}]}'

# expect_401 DESCRIPTION [CURL ARGS...]
expect_401() {
	local what=$1
	shift
	it_request POST /v1/chat/completions -H 'Content-Type: application/json' \
	    -d "$chat" "$@"
	check_eq "$what: status" 401 "$STATUS"
	check_eq "$what: code" invalid_api_key "$(it_json error code)"
	check_eq "$what: type" invalid_request_error "$(it_json error type)"
	check_eq "$what: WWW-Authenticate" Bearer "$(it_header WWW-Authenticate)"
}

expect_401 "no key"
expect_401 "unknown key" -H "Authorization: Bearer dl_unknownkeyunknownkey"
expect_401 "revoked key" -H "Authorization: Bearer $revoked"
expect_401 "revoked user" -H "X-Api-Key: $gonekey"
expect_401 "different keys in both headers" \
    -H "Authorization: Bearer $key" -H "X-Api-Key: $revoked"
expect_401 "Basic instead of Bearer" -H "Authorization: Basic $key"
expect_401 "empty Bearer" -H "Authorization: Bearer"
expect_401 "repeated X-Api-Key" -H "X-Api-Key: $key" -H "X-Api-Key: $key"
expect_401 "key with a space" -H "X-Api-Key: $key x"
expect_401 "over-long key" -H "X-Api-Key: $(printf 'a%.0s' $(seq 300))"
check_eq "no 401 reached the upstream" 0 "$(it_upstream_count)"

# Allowed requests: forged identity headers in any case, repeated, are
# replaced by the real ones.
it_request POST /v1/chat/completions -H 'Content-Type: application/json' \
    -d "$chat" -H "Authorization: Bearer $key" \
    -H "X-Dripline-User: 00000000-0000-4000-8000-000000000000" \
    -H "x-dripline-user: forged-lower" -H "X-DRIPLINE-USER: forged-upper" \
    -H "X-Dripline-External-Id: someone-else" -H "X-Dripline-Anything: x"
check_eq "allowed with forged headers" 200 "$STATUS"
it_request GET /v1/models -H "X-Api-Key: $key" -H "X-Api-Key-Extra: 1" \
    -H "X-Dripline-User: forged-on-free-route"
check_eq "free route allowed" 200 "$STATUS"
it_request POST /v1/embeddings -H "X-Api-Key: $key" \
    -H "Authorization: bearer $key" -H 'Content-Type: application/json' \
    -d '{"model":"m","input":"hello"}'
check_eq "same key in both headers, lower-case scheme" 200 "$STATUS"

python3 - "$T/upstream.jsonl" "$user" "$key" <<'PY' > "$T/identity"
import json, sys
path, user, key = sys.argv[1:]
for line in open(path):
    rec = json.loads(line)
    h = rec["headers"]
    print("user", h.get("x-dripline-user"))
    print("external", h.get("x-dripline-external-id"))
    print("key", "leaked" if key in line else "absent")
    print("auth", "present" if "authorization" in h or "x-api-key" in h
          else "absent")
PY
check_eq "upstream got three requests" 3 "$(it_upstream_count)"
check_eq "X-Dripline-User is the real user on each" \
    "$user $user $user" "$(grep '^user ' "$T/identity" | cut -d' ' -f2 | xargs)"
check_eq "X-Dripline-External-Id is the real one" \
    "auth-user auth-user auth-user" \
    "$(grep '^external ' "$T/identity" | cut -d' ' -f2 | xargs)"
check_eq "the client's key never reaches the upstream" absent \
    "$(grep '^key ' "$T/identity" | sort -u | cut -d' ' -f2)"
check_eq "no Authorization or X-Api-Key reaches the upstream" absent \
    "$(grep '^auth ' "$T/identity" | sort -u | cut -d' ' -f2)"

# The key never appears in any log.
if grep -rqF -e "$key" -e "$revoked" -e "$gonekey" "$T"/*.log; then
	it_fail "a key appears in a log"
else
	it_ok "no key appears in any log"
fi

it_done
