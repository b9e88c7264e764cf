#!/bin/bash
# Changes made through the admin API are in force for the very next
# data-plane request, even after the authorizer has served several
# requests for the same key. A revoked key or user gets 401 without
# reaching the upstream. A limit lowered below today's usage gets 429,
# and a raised limit lets the next request through.

. "$(dirname "$0")/lib.sh"

WARM=5		# requests served before each change

it_config
it_start_upstream
ADMIN_TOKEN=$(ctl token create it-ops 2>/dev/null)
it_start_server

# new_user EXTERNAL_ID LIMIT: print the new user's id.
new_user() {
	admin POST /admin/v1/users "{\"external_id\":\"$1\",\"daily_limit\":$2}"
	it_json id
}

# new_key USER_ID NAME: print the new key's secret; its id goes to
# $T/key-id, since new_key runs in a subshell.
new_key() {
	admin POST "/admin/v1/users/$1/keys" "{\"name\":\"$2\"}"
	it_json id > "$T/key-id"
	it_json secret
}

# warm KEY DESCRIPTION: send $WARM metered requests that must succeed.
warm() {
	local i allowed=0
	for i in $(seq "$WARM"); do
		it_chat "$1"
		[ "$STATUS" = 200 ] && allowed=$((allowed + 1))
	done
	check_eq "$2: $WARM requests allowed before the change" "$WARM" \
	    "$allowed"
}

# --- revoking a key ----------------------------------------------------------

USER=$(new_user it-keys 1000)
KEY1=$(new_key "$USER" first)
KEY1_ID=$(cat "$T/key-id")
KEY2=$(new_key "$USER" second)
warm "$KEY1" "key revoke"

before=$(it_upstream_count)
admin POST "/admin/v1/keys/$KEY1_ID/revoke" ''
check_eq "revoke key: 200" 200 "$STATUS"
it_chat "$KEY1"
check_eq "next request with the revoked key: 401" 401 "$STATUS"
check_eq "next request with the revoked key: code" invalid_api_key \
    "$(it_json error code)"
check_eq "next request with the revoked key: upstream not called" \
    "$before" "$(it_upstream_count)"

it_chat "$KEY2"
check_eq "the user's other key still works" 200 "$STATUS"

# --- revoking the user -------------------------------------------------------

warm "$KEY2" "user revoke"
before=$(it_upstream_count)
admin POST "/admin/v1/users/$USER/revoke" ''
check_eq "revoke user: 200" 200 "$STATUS"
it_chat "$KEY2"
check_eq "next request of the revoked user: 401" 401 "$STATUS"
check_eq "next request of the revoked user: upstream not called" \
    "$before" "$(it_upstream_count)"

# --- lowering and raising the limit ------------------------------------------

# Each chat completion costs 1 unit in the shipped dripline.conf.
USER=$(new_user it-limits 1000)
KEY=$(new_key "$USER" main)
warm "$KEY" "limit change"

before=$(it_upstream_count)
admin PATCH "/admin/v1/users/$USER" "{\"daily_limit\":$((WARM - 2))}"
check_eq "lower the limit below today's usage: 200" 200 "$STATUS"
it_chat "$KEY"
check_eq "next request after lowering the limit: 429" 429 "$STATUS"
check_eq "next request after lowering the limit: code" \
    daily_quota_exceeded "$(it_json error code)"
check_eq "next request after lowering the limit: X-RateLimit-Limit" \
    $((WARM - 2)) "$(it_header X-RateLimit-Limit)"
check_eq "next request after lowering the limit: upstream not called" \
    "$before" "$(it_upstream_count)"

admin PATCH "/admin/v1/users/$USER" "{\"daily_limit\":$((WARM + 1))}"
check_eq "raise the limit: 200" 200 "$STATUS"
it_chat "$KEY"
check_eq "next request after raising the limit: 200" 200 "$STATUS"
check_eq "next request after raising the limit: upstream called" \
    $((before + 1)) "$(it_upstream_count)"
it_chat "$KEY"
check_eq "the request after that exceeds the new limit: 429" 429 "$STATUS"

admin GET "/admin/v1/users/$USER"
check_eq "usage today: units" $((WARM + 1)) "$(it_json usage_today units)"
check_eq "usage today: denied" 2 "$(it_json usage_today denied)"

it_done
