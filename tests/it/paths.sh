#!/bin/bash
# Path tricks never reach a metered upstream path without being metered.
# Each request below either is rejected (400, 404) with no upstream hit and
# no charge, or is allowed with exactly one upstream hit and one unit
# charged. Where an expected outcome is given, it is checked too.
. "$(dirname "$0")/lib.sh"

it_config
it_start_upstream
it_start_server

user=$(it_user paths-user 1000)
key=$(it_key "$user")
chat='{"model":"mock-model","messages":[{"role":"user","content":"hi"}]}'

# PATH EXPECTED-STATUS (or "any") EXPECTED-CODE (or "-")
cases='
/v1/chat/completions                     200 -
/v1/%63hat/completions                   200 -
/v1/chat/%63%6F%6d%70letions             200 -
/%76%31/chat/completions                 200 -
/v1/./chat/completions                   200 -
/./v1/chat/completions                   200 -
/v1/models/../chat/completions           200 -
/v1/models/%2e%2e/chat/completions       200 -
/v1/models/%2E%2E/chat/completions       200 -
/v1/embeddings/../chat/completions       200 -
/../../v1/chat/completions               any -
//v1//chat//completions                  200 -
/v1/chat/completions?                    200 -
/v1/chat/completions?stream=false        200 -
/v1/chat/completions?a=/../../models     200 -
/v1/chat%2Fcompletions                   400 invalid_path
/v1/chat%2fcompletions                   400 invalid_path
/v1%2Fchat/completions                   400 invalid_path
/v1/chat/completions%5C                  400 invalid_path
/v1/chat/completions%5c..%5c             400 invalid_path
/v1/chat/completions%zz                  any -
/v1/chat/completions%00                  any -
/v1/chat/completions%0a                  any -
/V1/CHAT/COMPLETIONS                     404 route_not_found
/v1/chat/completions/                    404 route_not_found
/v1/chat/completions/.                   404 route_not_found
/v1/chat/completions;a=b                 404 route_not_found
/v1/chat/completions%3F                  404 route_not_found
/v1/chat/completions%20                  404 route_not_found
/v1/chat/completion%73x                  404 route_not_found
'

while read -r path expect code; do
	[ -n "$path" ] || continue
	before_hits=$(it_upstream_count)
	before_units=$(it_units "$user")
	it_request POST "$path" -H "Authorization: Bearer $key" \
	    -H 'Content-Type: application/json' -d "$chat"
	hits=$(( $(it_upstream_count) - before_hits ))
	units=$(( $(it_units "$user") - before_units ))
	if [ "$expect" != any ]; then
		check_eq "$path: status" "$expect" "$STATUS"
	fi
	if [ "$code" != - ]; then
		check_eq "$path: code" "$code" "$(it_json error code)"
	fi
	case $STATUS in
	200)
		check_eq "$path: one upstream hit" 1 "$hits"
		check_eq "$path: one unit charged" 1 "$units"
		;;
	4*)
		check_eq "$path: no upstream hit" 0 "$hits"
		check_eq "$path: nothing charged" 0 "$units"
		;;
	*)
		it_fail "$path: unexpected status $STATUS"
		;;
	esac
done <<< "$cases"

# Whatever reached the upstream is, read the way an upstream framework
# would read it (percent-decoded, dot segments and empty segments
# resolved), the metered chat path.
paths=$(python3 - "$T/upstream.jsonl" <<'PY'
import json, posixpath, sys, urllib.parse
seen = set()
for line in open(sys.argv[1]):
    raw = json.loads(line)["path"]
    p = posixpath.normpath(urllib.parse.unquote(raw))
    seen.add(p.replace("//", "/"))
print(" ".join(sorted(seen)))
PY
)
check_eq "every forwarded path is the metered one" /v1/chat/completions "$paths"

# Methods the routes do not list, or that the server does not know: a
# 4xx, or lighttpd's JSON 501, that reaches nothing, never the 503 that
# clients retry.
for method in FOO post PROPFIND; do
	before_hits=$(it_upstream_count)
	before_units=$(it_units "$user")
	it_request "$method" /v1/chat/completions \
	    -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
	    -d "$chat"
	check_match "$method: a client error or 501" '^(4[0-9][0-9]|501)$' \
	    "$STATUS"
	check_eq "$method: no upstream hit" 0 \
	    $(( $(it_upstream_count) - before_hits ))
	check_eq "$method: nothing charged" 0 \
	    $(( $(it_units "$user") - before_units ))
	if [ "$STATUS" = 501 ]; then
		check_eq "$method: 501 code" method_not_supported \
		    "$(it_json error code)"
	fi
done

it_done
