#!/bin/bash
# The official OpenAI Node SDK, pointed at the gateway, works unchanged:
# a completion, a stream, the rate-limit error without retries, and the
# authentication error. The SDK comes from tests/sdk (npm ci there, or
# DRIPLINE_NODE_MODULES naming an installed node_modules directory).
. "$(dirname "$0")/lib.sh"

it_require node
modules=${DRIPLINE_NODE_MODULES:-$top_srcdir/tests/sdk/node_modules}
[ -d "$modules/openai" ] ||
    it_skip_or_fail "the openai npm package (run npm ci in tests/sdk)"

IT_STREAM_INTERVAL=0.3
it_config
it_start_upstream
it_start_server

user=$(it_user sdk-user 100)
key=$(it_key "$user")
revoked=$(it_key "$user")
ctl key revoke "$(cat "$T/key-id")"
spent=$(it_user sdk-spent 2)
spentkey=$(it_key "$spent")
it_chat "$spentkey"
it_chat "$spentkey"
check_eq "second user's quota is used up" 2 "$(it_units "$spent")"

# Node resolves "openai" from the script's directory upwards.
cp "$top_srcdir/tests/sdk/sdk-test.mjs" "$T/"
ln -s "$modules" "$T/node_modules"
GATEWAY="http://127.0.0.1:$PORT/v1" KEY=$key SPENT_KEY=$spentkey \
    REVOKED_KEY=$revoked UPSTREAM_LOG=$T/upstream.jsonl USER_ID=$user \
    node "$T/sdk-test.mjs" > "$T/sdk.out" 2>&1
status=$?
cat "$T/sdk.out"
IT_PASSED=$((IT_PASSED + $(grep -c '^ok - ' "$T/sdk.out")))
IT_FAILED=$((IT_FAILED + $(grep -c '^FAIL - ' "$T/sdk.out")))
check_eq "SDK checks finished" 0 "$status"

it_done
