#!/bin/bash
# Fifty clients at once against a limit of 10: exactly ten are allowed,
# the upstream sees exactly ten, and the stored count is ten. Then a
# second user and a second round, to show the first round left the
# authorizer in a clean state.
. "$(dirname "$0")/lib.sh"

it_config
it_start_upstream
it_start_server

# burst KEY N: N concurrent chat requests; prints the status codes.
burst() {
	local key=$1 n=$2
	seq "$n" | xargs -P "$n" -I{} curl -s -o /dev/null -w '%{http_code}\n' \
	    -X POST -H "Authorization: Bearer $key" \
	    -H 'Content-Type: application/json' \
	    -d '{"model":"mock-model","messages":[{"role":"user","content":"hi"}]}' \
	    "http://127.0.0.1:$PORT/v1/chat/completions"
}

user=$(it_user burst-user 10)
key=$(it_key "$user")
burst "$key" 50 > "$T/statuses"
check_eq "50 responses" 50 "$(wc -l < "$T/statuses" | tr -d ' ')"
check_eq "exactly 10 allowed" 10 "$(grep -c '^200$' "$T/statuses")"
check_eq "the other 40 denied with 429" 40 "$(grep -c '^429$' "$T/statuses")"
check_eq "upstream saw exactly 10" 10 "$(it_upstream_count)"
check_eq "stored count 10" 10 "$(it_units "$user")"

other=$(it_user burst-other 25)
otherkey=$(it_key "$other")
burst "$otherkey" 60 > "$T/statuses2"
check_eq "second user: exactly 25 allowed" 25 \
    "$(grep -c '^200$' "$T/statuses2")"
check_eq "second user: stored count 25" 25 "$(it_units "$other")"
check_eq "upstream saw 35 in all" 35 "$(it_upstream_count)"
check_eq "first user unchanged" 10 "$(it_units "$user")"

it_done
