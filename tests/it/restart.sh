#!/bin/bash
# Counts survive crashes: with 7 of 10 used, kill -9 the authorizer and the
# web server, start again, and exactly 3 more requests are allowed.
. "$(dirname "$0")/lib.sh"

it_config
it_start_upstream
it_start_server

user=$(it_user restart-user 10)
key=$(it_key "$user")
for i in $(seq 7); do
	it_chat "$key"
	check_eq "request $i before the crash allowed" 200 "$STATUS"
done

authorizer=$(it_authorizer_pid)
check_match "the web server spawned an authorizer" '^[0-9]+$' "$authorizer"
kill -9 "$authorizer"
wait "$authorizer" 2>/dev/null
it_kill9_server
for _ in $(seq 50); do
	kill -0 "$authorizer" 2>/dev/null || break
	sleep 0.1
done
check_eq "killed authorizer is gone" 1 \
    "$(kill -0 "$authorizer" 2>/dev/null && echo 0 || echo 1)"

it_start_server
check_eq "stored count survived" 7 "$(it_units "$user")"
allowed=0
for i in $(seq 5); do
	it_chat "$key"
	[ "$STATUS" = 200 ] && allowed=$((allowed + 1))
done
check_eq "exactly 3 more allowed after the restart" 3 "$allowed"
check_eq "last request denied" 429 "$STATUS"
check_eq "upstream saw 10 in all" 10 "$(it_upstream_count)"

# A crash of the authorizer alone: the web server starts a new one, and
# no request is forwarded unchecked meanwhile.
fresh=$(it_user restart-fresh 2)
freshkey=$(it_key "$fresh")
kill -9 "$(it_authorizer_pid)"
statuses=""
for i in $(seq 4); do
	it_chat "$freshkey"
	statuses="$statuses $STATUS"
done
check_match "after an authorizer crash only checked requests pass" \
    '^( (200|429|503))+$' "$statuses"
check_range "at most the limit was allowed" 0 2 \
    "$(echo "$statuses" | tr ' ' '\n' | grep -c '^200$')"
check_eq "upstream saw only charged requests" $((10 + $(it_units "$fresh"))) \
    "$(it_upstream_count)"

it_done
