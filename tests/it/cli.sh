#!/bin/bash
# The programs' command lines: -h and --help, alone or after other
# options, print the usage on standard output and exit 0, and an unknown
# option prints it on standard error and exits 2.
. "$(dirname "$0")/lib.sh"

for program in "$AUTHORIZER" "$ADMIN" "$COLLECTOR" "$CTL"; do
	name=$(basename "$program")
	for option in -h --help "-c $T/absent.conf --help"; do
		# shellcheck disable=SC2086
		"$program" $option > "$T/out" 2> "$T/err"
		check_eq "$name $option: exit status" 0 "$?"
		check_match "$name $option: usage on standard output" \
		    "^usage: $name " "$(head -n 1 "$T/out")"
		check_eq "$name $option: nothing on standard error" "" \
		    "$(cat "$T/err")"
	done
	# The help shows the compiled-in default, not the variable's value.
	check_eq "$name --help: the default configuration path" 0 \
	    "$(DRIPLINE_CONFIG=/elsewhere/x.conf "$program" --help |
	    grep -c elsewhere)"
	"$program" -Z > "$T/out" 2> "$T/err"
	check_eq "$name -Z: exit status" 2 "$?"
	check_eq "$name -Z: nothing on standard output" "" "$(cat "$T/out")"
	check_match "$name -Z: usage on standard error" "usage: $name " \
	    "$(cat "$T/err")"
	"$program" --bogus > /dev/null 2> "$T/err"
	check_eq "$name --bogus: exit status" 2 "$?"
	check_match "$name --bogus: names the option" "unrecognized option '--bogus'" \
	    "$(cat "$T/err")"
done

# driplinectl's help lists its commands, and names a wrong one.
check_match "driplinectl --help lists the commands" "key revoke" \
    "$("$CTL" --help)"
check_eq "driplinectl --help: no trailing blanks" 0 \
    "$("$CTL" --help | grep -c ' $')"
"$CTL" bogus > /dev/null 2> "$T/err"
check_eq "driplinectl unknown command: exit status" 2 "$?"
check_eq "driplinectl unknown command: named" \
    "driplinectl: unknown command 'bogus'" "$(head -n 1 "$T/err")"
"$CTL" user bogus > /dev/null 2> "$T/err"
check_eq "driplinectl unknown subcommand: the choices" \
    "driplinectl: 'user bogus' is not a command; 'user' takes one of: create set-limit revoke" \
    "$(head -n 1 "$T/err")"
"$CTL" key > /dev/null 2> "$T/err"
check_eq "driplinectl missing subcommand: the choices" \
    "driplinectl: 'key' needs one of: create revoke" "$(head -n 1 "$T/err")"

# A command's own usage: for --help after it on standard output, for
# wrong arguments on standard error, with a hint for an option after it.
check_eq "driplinectl usage --help" \
    "usage: driplinectl usage USER_ID [YYYY-MM-DD]" "$("$CTL" usage --help)"
"$CTL" init extra > /dev/null 2> "$T/err"
check_eq "driplinectl init extra: exit status" 2 "$?"
check_eq "driplinectl init extra: usage without a trailing blank" \
    "usage: driplinectl init" "$(cat "$T/err")"
"$CTL" usage some-id -c "$T/absent.conf" > /dev/null 2> "$T/err"
check_match "driplinectl option after the command: hint" \
    "options such as -c go before the command" "$(cat "$T/err")"

it_done
