#!/bin/bash
# No secret reaches a log or any other file. A full run at log level
# debug through the web server with the admin API, the collector and the
# recording upstream, with the web server's access log also kept in a
# file. Keys are issued by driplinectl and by the admin API, and sent in
# every way a client can send one: allowed, over the limit, revoked,
# unknown, malformed, conflicting. Admin tokens are used valid, wrong and
# revoked. Afterwards no file in the test directory (the logs of every
# program and of the web server, the upstream's record, the database)
# contains any of those secrets.
. "$(dirname "$0")/lib.sh"

chat='{"model":"mock-model","messages":[{"role":"user","content":"hi"}]}'
secrets=()

# lighttpd pipes its access log to the collector; keep a copy on the way.
# (nginx writes nginx-access.log itself, and its collector is a daemon.)
if [ "$SERVER" = lighttpd ]; then
	collector=$COLLECTOR
	COLLECTOR=$T/collector-tee
	cat > "$COLLECTOR" <<TEE
#!/bin/sh
tee -a "$T/lighttpd-access.log" | exec "$collector" "\$@"
TEE
	chmod +x "$COLLECTOR"
fi

# send HEADER...: one chat completion with the given key headers.
send() {
	local args=() header
	for header in "$@"; do
		args+=(-H "$header")
	done
	it_request POST /v1/chat/completions \
	    -H 'Content-Type: application/json' -d "$chat" "${args[@]}"
	echo "$STATUS" >> "$T/statuses"
}

it_config log_level debug
it_start_upstream
ADMIN_TOKEN=$(ctl token create it-secrets 2>/dev/null)
old_token=$(ctl token create it-old 2>/dev/null)
ctl token revoke it-old > /dev/null
secrets+=("$ADMIN_TOKEN" "$old_token" "${ADMIN_TOKEN}x")
it_start_server

admin POST /admin/v1/users '{"external_id":"secret-user","daily_limit":2}'
user=$(it_json id)
admin POST "/admin/v1/users/$user/keys" '{"name":"main"}'
api_key=$(it_json secret)
admin POST "/admin/v1/users/$user/keys" '{"name":"doomed"}'
revoked_key=$(it_json secret)
admin POST "/admin/v1/keys/$(it_json id)/revoke" '{}'
check_eq "revoke a key through the admin API" 200 "$STATUS"
other=$(it_user secret-other 2)
ctl_key=$(it_key "$other")
unknown_key=dl_$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
secrets+=("$api_key" "$revoked_key" "$ctl_key" "$unknown_key")
check_match "issued keys look like keys" '^dl_[^ ]+ dl_' "$api_key $ctl_key"

saved=$ADMIN_TOKEN
for ADMIN_TOKEN in "$saved" "${saved}x" "$old_token"; do
	admin GET /admin/v1/health
	echo "$STATUS" >> "$T/statuses"
done
ADMIN_TOKEN=$saved

send "Authorization: Bearer $api_key"
send "X-Api-Key: $ctl_key"
send "Authorization: Bearer $api_key" "X-Api-Key: $api_key"
send "Authorization: Bearer $api_key" "X-Api-Key: $ctl_key"
send "Authorization: Bearer $revoked_key"
send "x-api-key: $unknown_key"
send "Authorization: Bearer $api_key trailing"
send "Authorization: Basic $api_key"
send "X-Api-Key: $api_key" "X-Api-Key: $api_key"
for _ in 1 2; do
	send "Authorization: Bearer $ctl_key"
done
it_stop_server
kill "$UPSTREAM_PID"
wait "$UPSTREAM_PID" 2>/dev/null
UPSTREAM_PID=""

check_eq "every status seen" "200 401 429" \
    "$(grep -E '^(200|401|429)$' "$T/statuses" | sort -u | tr '\n' ' ' |
    sed 's/ $//')"
# Limits of 2: two allowed with each of api_key and ctl_key.
check_eq "the upstream saw the allowed requests" 4 "$(it_upstream_count)"
case $SERVER in
lighttpd)
	logs="server.log lighttpd-access.log collector.log" ;;
nginx)
	logs="authorizer.log admin.log collector.log nginx-access.log" ;;
esac
for log in $logs upstream.jsonl; do
	check_match "$log was written" '^[1-9][0-9]*$' \
	    "$(wc -c < "$T/$log" 2>/dev/null)"
done

# The last response bodies contain the secrets the admin API returned,
# and lib.sh's list of issued keys contains the others.
rm -f "$T/body" "$T/headers"
for i in "${!secrets[@]}"; do
	check_eq "no file contains secret $i (${secrets[i]:0:10}...)" "" \
	    "$(grep -rlaF --exclude=issued-keys -- "${secrets[i]}" "$T")"
done

it_done
