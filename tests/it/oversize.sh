#!/bin/bash
# Oversized input is refused cleanly: headers, keys and request targets
# far over the web server's limits get the server's own 4xx, those just
# under them reach the authorizer and get its JSON 4xx. Nothing reaches
# the upstream, the authorizer keeps running (same PID), and a normal
# request is allowed afterwards.
. "$(dirname "$0")/lib.sh"

it_config
it_start_upstream
it_start_server

user=$(it_user oversize-user 10)
key=$(it_key "$user")
authorizer=$(it_authorizer_pid)

# repeat N CHAR: CHAR N times.
repeat() {
	head -c "$1" /dev/zero | tr '\0' "$2"
}

# expect_4xx CASE CURL-ARGS...: a POST to the chat route is refused with
# a 4xx and forwards nothing.
expect_4xx() {
	local name=$1 before
	shift
	before=$(it_upstream_count)
	it_request POST "${path:-/v1/chat/completions}" \
	    -H 'Content-Type: application/json' -d '{"messages":[]}' "$@"
	echo "# $name: $STATUS"
	check_range "$name: refused with a 4xx" 400 499 "$STATUS"
	check_eq "$name: nothing forwarded" "$before" "$(it_upstream_count)"
}

big=$(repeat 102400 a)
expect_4xx "100 KB Authorization header" -H "Authorization: Bearer dl_$big"
expect_4xx "100 KB X-Api-Key header" -H "X-Api-Key: dl_$big"
expect_4xx "100 KB of 200 headers" \
    $(for i in $(seq 200); do printf -- "-H X-Pad-$i:%s " "$(repeat 500 b)"; done) \
    -H "Authorization: Bearer $key"
path=/v1/chat/$big expect_4xx "100 KB path" -H "Authorization: Bearer $key"

# Within the web servers' 8 KB header limits, the authorizer decides.
expect_4xx "6 KB key" -H "X-Api-Key: dl_$(repeat 6000 k)"
check_eq "6 KB key: the authorizer's 401" invalid_api_key \
    "$(it_json error code)"
path=/v1/$(repeat 5000 p) expect_4xx "5 KB path" \
    -H "Authorization: Bearer $key"
check_eq "5 KB path: the authorizer's 400" invalid_path \
    "$(it_json error code)"

check_eq "the authorizer still runs" "$authorizer" "$(it_authorizer_pid)"
it_chat "$key"
check_eq "a normal request afterwards is allowed" 200 "$STATUS"
check_eq "only that request was charged" 1 "$(it_units "$user")"

it_done
