#!/bin/bash
# A user with a daily limit of 3 gets three 200s with X-RateLimit-*, then
# a 429 with the contract's body and headers, and the upstream sees
# exactly three requests. Also: a free route charges nothing, a 5-unit
# route, streamed responses arrive unbuffered, and an upstream that is
# too slow gives 504.
. "$(dirname "$0")/lib.sh"

it_config
it_start_upstream
it_start_server

user=$(it_user quota-user 3)
key=$(it_key "$user")

for i in 1 2 3; do
	it_chat "$key"
	check_eq "request $i allowed" 200 "$STATUS"
	check_eq "request $i X-RateLimit-Limit" 3 "$(it_header X-RateLimit-Limit)"
	check_eq "request $i X-RateLimit-Remaining" $((3 - i)) \
	    "$(it_header X-RateLimit-Remaining)"
	check_eq "request $i X-RateLimit-Reset" "$(it_next_midnight)" \
	    "$(it_header X-RateLimit-Reset)"
	check_eq "request $i answered by the upstream" chat.completion \
	    "$(it_json object)"
done

it_chat "$key"
now=$(date -u +%s)
reset=$(it_next_midnight)
check_eq "fourth request denied" 429 "$STATUS"
check_eq "429 code" daily_quota_exceeded "$(it_json error code)"
check_eq "429 type" insufficient_quota "$(it_json error type)"
check_match "429 message names the limit and the reset time" \
    "3 of 3 units.*resets at $(date -u -d @"$reset" +%Y-%m-%dT%H:%M:%SZ)" \
    "$(it_json error message)"
check_match "429 Content-Type" '^application/json' "$(it_header Content-Type)"
check_eq "429 X-RateLimit-Limit" 3 "$(it_header X-RateLimit-Limit)"
check_eq "429 X-RateLimit-Remaining" 0 "$(it_header X-RateLimit-Remaining)"
check_eq "429 X-RateLimit-Reset" "$reset" "$(it_header X-RateLimit-Reset)"
check_eq "429 x-should-retry" false "$(it_header x-should-retry)"
retry=$(it_header Retry-After)
check_range "429 Retry-After counts to the next UTC midnight" \
    $((reset - now - 2)) $((reset - now + 2)) "$retry"
check_eq "upstream saw exactly three" 3 \
    "$(it_upstream_count /v1/chat/completions)"
check_eq "stored units" 3 "$(it_units "$user")"

# Denied requests stay denied and still reach nothing.
it_chat "$key"
check_eq "fifth request denied" 429 "$STATUS"
check_eq "upstream still saw three" 3 "$(it_upstream_count)"

# A limit lowered below today's usage: the message says why used > limit.
check_eq "driplinectl user set-limit says what it did" \
    "user $user: daily limit 2 units from the next request on" \
    "$(ctl user set-limit "$user" 2)"
it_chat "$key"
check_eq "denied under a lowered limit" 429 "$STATUS"
check_match "429 message after the limit was lowered" \
    "3 of 2 units are used today \(UTC\), the limit having been lowered since" \
    "$(it_json error message)"
ctl user set-limit "$user" 3 > /dev/null

# A negative limit is an argument, not an option, and is rejected.
ctl user set-limit "$user" -1 > /dev/null 2> "$T/err"
check_eq "negative limit: exit status" 1 "$?"
check_match "negative limit: message" "invalid daily limit '-1'" \
    "$(cat "$T/err")"

# A free route needs a key but charges nothing, even over the quota.
it_request GET /v1/models -H "Authorization: Bearer $key"
check_eq "free route allowed over quota" 200 "$STATUS"
check_eq "free route X-RateLimit-Remaining" 0 \
    "$(it_header X-RateLimit-Remaining)"
check_eq "free route charged nothing" 3 "$(it_units "$user")"

# The images route costs 5: denied at 4 remaining, allowed at 5.
big=$(it_user quota-images 9)
bigkey=$(it_key "$big")
it_request POST /v1/images/generations -H "X-Api-Key: $bigkey" \
    -H 'Content-Type: application/json' -d '{"prompt":"a cat"}'
check_eq "5-unit request allowed at 9 remaining" 200 "$STATUS"
check_eq "5 units stored" 5 "$(it_units "$big")"
it_request POST /v1/images/generations -H "X-Api-Key: $bigkey" \
    -H 'Content-Type: application/json' -d '{"prompt":"a dog"}'
check_eq "5-unit request denied at 4 remaining" 429 "$STATUS"
check_match "429 message names the cost" "costs 5 units and 5 of 9" \
    "$(it_json error message)"
check_eq "denied request charged nothing" 5 "$(it_units "$big")"
it_chat "$bigkey"
check_eq "1-unit request still fits" 200 "$STATUS"

# Streaming: the chunks must reach the client as the upstream sends them,
# so the client reads them in several separate pieces, not one.
stream=$(it_user quota-stream 100)
streamkey=$(it_key "$stream")
pieces=$(python3 - "$PORT" "$streamkey" <<'PY'
import socket, sys
port, key = int(sys.argv[1]), sys.argv[2]
body = b'{"model":"mock-model","stream":true,"messages":[{"role":"user","content":"count to five"}]}'
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
          b"Authorization: Bearer " + key.encode() + b"\r\n"
          b"Content-Type: application/json\r\nConnection: close\r\n"
          b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
reads, data = 0, b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    if b"data:" in chunk:
        reads += 1
    data += chunk
print(reads if b"[DONE]" in data else -1)
PY
)
check_range "stream arrived in several pieces" 3 1000 "$pieces"

# An upstream slower than the proxy's read timeout gives 504.
it_request POST /v1/chat/completions -H "Authorization: Bearer $streamkey" \
    -H 'Content-Type: application/json' \
    -d '{"model":"mock-slow","messages":[{"role":"user","content":"hi"}]}'
check_eq "slow upstream gives 504" 504 "$STATUS"

it_done
