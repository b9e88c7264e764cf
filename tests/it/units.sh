#!/bin/bash
# The shipped systemd units: systemd-analyze verify accepts each service
# with its socket unit, pointed at this build's programs, and the
# collector's unit listens where nginx.conf.example sends the access log.
. "$(dirname "$0")/lib.sh"

it_require systemd-analyze

bin=$T/bin
units=$T/units
mkdir "$bin" "$units"
for program in "$AUTHORIZER" "$ADMIN" "$COLLECTOR"; do
	ln -s "$program" "$bin/"
done
for name in dripline-authorizer dripline-admin dripline-collector; do
	sed -e "s|^ExecStart=[^ ]*/|ExecStart=$bin/|" \
	    "$top_builddir/www-conf/systemd/$name.service" \
	    > "$units/$name.service"
	files=("$units/$name.service")
	if [ -f "$top_srcdir/www-conf/systemd/$name.socket" ]; then
		cp "$top_srcdir/www-conf/systemd/$name.socket" "$units/"
		files+=("$units/$name.socket")
	fi
	out=$(systemd-analyze verify --man=no "${files[@]}" 2>&1)
	check_eq "systemd-analyze verify $name: status and output" "0 " \
	    "$? $out"
done

# The collector's socket is the one nginx logs to.
unit_socket=$(grep '^ExecStart=' "$units/dripline-collector.service" |
    grep -o 'unix:/[^ ]*')
nginx_socket=$(grep -o 'syslog:server=unix:/[^,]*' \
    "$top_srcdir/www-conf/nginx/nginx.conf.example" | head -n 1)
check_eq "the collector listens where nginx sends its log" \
    "syslog:server=$unit_socket" "$nginx_socket"

it_done
