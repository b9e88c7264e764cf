#!/bin/bash
# What an install exposes: the database that driplinectl init creates is
# private (mode 0600, and its WAL and shared-memory files too) whatever
# the umask, and every shipped configuration puts the admin API on
# loopback or a unix socket only.
. "$(dirname "$0")/lib.sh"

# --- the database file -------------------------------------------------------

(umask 000 && it_config)
check_eq "driplinectl init creates the database with mode 0600" 600 \
    "$(stat -c %a "$T/dripline.db")"
check_eq "and its analytics file with mode 0600" 600 \
    "$(stat -c %a "$T/dripline-analytics.db")"

# A reader of both files keeps their WAL and shared-memory files in
# place while driplinectl writes.
(echo "ATTACH '$T/dripline-analytics.db' AS analytics;"
    echo 'BEGIN; SELECT count(*) FROM users, log_daily;'
    sleep 2; echo 'COMMIT;') |
    sqlite3 "$T/dripline.db" > /dev/null &
reader=$!
IT_PIDS="$IT_PIDS $reader"
sleep 0.3
(umask 000 && it_user exposure-user 10 > /dev/null)
for file in dripline.db-wal dripline.db-shm dripline-analytics.db-wal \
    dripline-analytics.db-shm; do
	check_eq "$file has mode 0600" 600 "$(stat -c %a "$T/$file" 2>&1)"
done
wait "$reader"

# --- the admin listener in the shipped configurations ------------------------

python3 - "$top_srcdir" > "$T/listeners" <<'PY'
"""Print "FILE: ADDRESS" for every admin listener the shipped files define."""
import glob
import os
import re
import sys

root = sys.argv[1]


def shipped(pattern):
    return sorted(glob.glob(os.path.join(root, pattern), recursive=True))


def show(path, address):
    print("%s: %s" % (os.path.relpath(path, root), address))


# lighttpd: the site files set the admin listener's address, and the
# admin include must take it from that variable, never a literal.
for path in shipped("www-conf/lighttpd/*") + shipped("scripts/*.sh"):
    text = open(path, encoding="utf-8").read()
    for value in re.findall(r'var\.dripline_admin_bind\s*=\s*"([^"]*)"',
                            text):
        show(path, value)
    for condition in re.findall(r'\$SERVER\["socket"\]\s*==\s*([^{]*)\{',
                                text):
        if "dripline-admin" in text and "var.dripline_admin_bind" not in condition:
            show(path, "literal " + condition.strip())

# systemd: the admin socket unit.
for path in shipped("www-conf/systemd/*admin*.socket"):
    for value in re.findall(r"^ListenStream=(.*)$",
                            open(path, encoding="utf-8").read(), re.M):
        show(path, value.strip())

# nginx: every server block that passes requests to dripline-admin,
# directly or through the shipped admin include, which itself has no
# listen directive.
for path in shipped("www-conf/nginx/*") + shipped("scripts/*.sh"):
    text = open(path, encoding="utf-8").read()
    if path.endswith("dripline-admin.conf"):
        for value in re.findall(r"^\s*listen\s+([^;\s]+)", text, re.M):
            show(path, "listen in the include " + value)
        continue
    for block in re.split(r"\bserver\s*\{", text)[1:]:
        if re.search(r"fastcgi_pass\s+[^;]*admin|dripline-admin\.conf",
                     block):
            for value in re.findall(r"^\s*listen\s+([^;\s]+)", block, re.M):
                show(path, value)
PY

cat "$T/listeners" | sed 's/^/# admin listener in /'
check_match "the lighttpd example sets the admin address" \
    "site.conf.example: " "$(cat "$T/listeners")"
check_match "the systemd socket unit is found" \
    "dripline-admin.socket: " "$(cat "$T/listeners")"
check_match "the nginx example's admin server is found" \
    "nginx.conf.example: " "$(cat "$T/listeners")"
while IFS= read -r line; do
	address=${line#*: }
	check_match "${line%%: *} listens on loopback or a unix socket" \
	    '^(/|unix:|127\.|localhost(:|$)|\[::1\]|::1$)' "$address"
done < "$T/listeners"

it_done
