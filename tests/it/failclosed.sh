#!/bin/bash
# An authorizer that returns garbage, returns nothing, or crashes must not
# open the gateway: the client gets the contract's 503 and the upstream
# sees nothing. The fake authorizer is spawned by the shipped
# configuration in place of the real one.
. "$(dirname "$0")/lib.sh"

it_config
it_start_upstream
IT_AUTHORIZER=$top_builddir/tests/it/fake-authorizer
export FAKE_AUTHORIZER

for mode in garbage noblank novars empty crash; do
	FAKE_AUTHORIZER=$mode
	PORT=$(it_free_port)
	it_start_server
	before=$(it_upstream_count)
	it_request POST /v1/chat/completions -H 'Authorization: Bearer x' \
	    -H 'Content-Type: application/json' -d '{"messages":[]}'
	check_eq "$mode: status" 503 "$STATUS"
	check_eq "$mode: code" enforcement_unavailable "$(it_json error code)"
	check_match "$mode: JSON body" '^application/json' \
	    "$(it_header Content-Type)"
	check_eq "$mode: nothing forwarded" "$before" "$(it_upstream_count)"
	it_stop_server
done

it_done
