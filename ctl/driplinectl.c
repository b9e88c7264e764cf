/*
 * driplinectl: the operator's command line. It creates and migrates the
 * database, manages admin tokens, checks a configuration, explains which
 * route a request would match, and manages end users and keys directly in
 * the database for scripts and for setups without the admin API. Its
 * usage reports are the admin API's JSON bodies, built by the same code,
 * and it prunes per-day rows older than the configured retention.
 * Secrets are printed once, on creation, and never stored.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "admin.h"
#include "conf.h"
#include "credential.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "path.h"
#include "utcday.h"

struct ctl {
	struct conf	*conf;
	struct db	*db;
};

/* The parts of the database a command opens. */
enum ctl_db {
	CTL_DB_NONE,
	CTL_DB_CORE,		/* users, keys, tokens and decisions */
	CTL_DB_ALL,		/* with the analytics file */
	CTL_DB_INIT		/* both, created and migrated */
};

struct ctl_command {
	const char	*words;		/* "token create" */
	const char	*args;		/* for usage */
	int		 min_args, max_args;
	enum ctl_db	 db;
	int		 (*run)(struct ctl *, int, char **);
	const char	*help;
};

static int	ctl_init(struct ctl *, int, char **);
static int	ctl_check_config(struct ctl *, int, char **);
static int	ctl_explain(struct ctl *, int, char **);
static int	ctl_token_create(struct ctl *, int, char **);
static int	ctl_token_list(struct ctl *, int, char **);
static int	ctl_token_revoke(struct ctl *, int, char **);
static int	ctl_user_create(struct ctl *, int, char **);
static int	ctl_user_set_limit(struct ctl *, int, char **);
static int	ctl_user_revoke(struct ctl *, int, char **);
static int	ctl_key_create(struct ctl *, int, char **);
static int	ctl_key_revoke(struct ctl *, int, char **);
static int	ctl_usage(struct ctl *, int, char **);
static int	ctl_report(struct ctl *, int, char **);
static int	ctl_summary(struct ctl *, int, char **);
static int	ctl_prune(struct ctl *, int, char **);

static const struct ctl_command ctl_commands[] = {
	{ "init", "", 0, 0, CTL_DB_INIT, ctl_init,
	    "create the database, or migrate it to this version" },
	{ "check-config", "", 0, 0, CTL_DB_NONE, ctl_check_config,
	    "read the configuration and report the first error" },
	{ "explain", "METHOD PATH", 2, 2, CTL_DB_NONE, ctl_explain,
	    "show the normalized path, the matching route and its cost" },
	{ "token create", "NAME", 1, 1, CTL_DB_CORE, ctl_token_create,
	    "create an admin token and print its secret once" },
	{ "token list", "", 0, 0, CTL_DB_CORE, ctl_token_list,
	    "list admin tokens (never their secrets)" },
	{ "token revoke", "NAME|ID", 1, 1, CTL_DB_CORE, ctl_token_revoke,
	    "revoke an admin token" },
	{ "user create", "EXTERNAL_ID [DAILY_LIMIT]", 1, 2, CTL_DB_CORE,
	    ctl_user_create, "create an end user and print its id" },
	{ "user set-limit", "USER_ID DAILY_LIMIT", 2, 2, CTL_DB_CORE,
	    ctl_user_set_limit, "change a user's daily limit" },
	{ "user revoke", "USER_ID", 1, 1, CTL_DB_CORE, ctl_user_revoke,
	    "revoke a user and all its keys" },
	{ "key create", "USER_ID [NAME]", 1, 2, CTL_DB_CORE, ctl_key_create,
	    "issue an API key and print its secret once" },
	{ "key revoke", "KEY_ID", 1, 1, CTL_DB_CORE, ctl_key_revoke,
	    "revoke one API key" },
	{ "usage", "USER_ID [YYYY-MM-DD]", 1, 2, CTL_DB_CORE, ctl_usage,
	    "print the units a user used on a UTC day (default today)" },
	{ "report", "USER_ID [FROM [TO]]", 1, 3, CTL_DB_ALL, ctl_report,
	    "print a user's usage and upstream outcomes per UTC day as JSON\n"
	    "      (FROM and TO are YYYY-MM-DD, default today)" },
	{ "summary", "[YYYY-MM-DD]", 0, 1, CTL_DB_ALL, ctl_summary,
	    "print one UTC day's usage for the whole system as JSON "
	    "(default today)" },
	{ "prune", "[DAYS]", 0, 1, CTL_DB_ALL, ctl_prune,
	    "delete per-day rows of days before the last DAYS UTC days\n"
	    "      (default: retention_days of the configuration)" },
};
#define CTL_NCOMMANDS (sizeof(ctl_commands) / sizeof(ctl_commands[0]))

/* The one long option: --help, as -h. */
static const struct option help_option[] = {
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* Print the usage (to stdout for -h or --help) and exit with status. */
static void
usage(int status)
{
	FILE	*out = status == 0 ? stdout : stderr;
	size_t	 i;

	fprintf(out, "usage: driplinectl [-h] [-c config] COMMAND [ARGS]\n"
	    "  -c config  configuration file (default: $" CONF_ENV ", else "
	    "%s)\n  -h         print this help and exit\n\ncommands:\n",
	    conf_default_path());
	for (i = 0; i < CTL_NCOMMANDS; i++)
		fprintf(out, "  %s%s%s\n      %s\n", ctl_commands[i].words,
		    ctl_commands[i].args[0] != '\0' ? " " : "",
		    ctl_commands[i].args, ctl_commands[i].help);
	exit(status);
}

/* Print the error recorded in re, prefixed with what failed. */
static int
ctl_fail(const char *what, const struct reqerr *re)
{
	if (re->db_message[0] != '\0')
		fprintf(stderr, "driplinectl: %s: %s\n", what,
		    re->db_message);
	else
		fprintf(stderr, "driplinectl: %s: %s\n", what, re->message);
	return 1;
}

static int
ctl_parse_limit(const char *s, int64_t *limit)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno == ERANGE ||
	    v > CONF_LIMIT_MAX) {
		fprintf(stderr, "driplinectl: invalid daily limit '%s': use "
		    "a whole number from 0 to %lld\n", s, CONF_LIMIT_MAX);
		return -1;
	}
	*limit = v;
	return 0;
}

static int
ctl_parse_uuid(const char *what, const char *s)
{
	if (crypto_uuid_valid(s))
		return 0;
	fprintf(stderr, "driplinectl: invalid %s '%s': expected a "
	    "lower-case UUID\n", what, s);
	return -1;
}

static int
ctl_init(struct ctl *ctl, int argc, char **argv)
{
	char	analytics[PATH_MAX];
	int	found = db_schema_version_found(ctl->db);

	if (found == 0)
		printf("database %s created at schema version %d\n",
		    ctl->conf->database, db_schema_latest());
	else if (found < db_schema_latest())
		printf("database %s migrated from schema version %d to %d\n",
		    ctl->conf->database, found, db_schema_latest());
	else
		printf("database %s is at schema version %d\n",
		    ctl->conf->database, db_schema_latest());

	/* Report a lost analytics file that was created again, empty. */
	if (found != 0 && db_analytics_created(ctl->db) &&
	    db_analytics_path(ctl->conf->database, analytics,
	    sizeof(analytics)) == 0)
		printf("analytics file %s was missing and is created empty: "
		    "the upstream outcomes recorded before are gone\n",
		    analytics);
	return 0;
}

static int
ctl_check_config(struct ctl *ctl, int argc, char **argv)
{
	printf("%s: OK, %zu route%s, database %s\n", ctl->conf->file,
	    ctl->conf->nroutes, ctl->conf->nroutes == 1 ? "" : "s",
	    ctl->conf->database);
	return 0;
}

static int
ctl_explain(struct ctl *ctl, int argc, char **argv)
{
	const struct conf_route	*route;
	const char		*reason;
	char			 path[PATH_MAX_LEN + 4];

	if (path_normalize(argv[1], path, sizeof(path), &reason) == -1) {
		printf("%s %s: rejected with 400 invalid_path: %s\n", argv[0],
		    argv[1], reason);
		return 0;
	}
	printf("normalized path: %s\n", path);
	route = conf_route_match(ctl->conf, argv[0], path);
	if (route == NULL) {
		if (ctl->conf->unmatched == CONF_UNMATCHED_FREE)
			printf("no route matches; unmatched is 'free': "
			    "allowed with a valid key, cost 0\n");
		else
			printf("no route matches; unmatched is 'deny': "
			    "404 route_not_found\n");
		return 0;
	}
	printf("route: line %d of %s, pattern %s%s\ncost: %" PRId64
	    " unit%s\n", route->line, ctl->conf->file, route->pattern,
	    route->prefix ? "*" : "", route->cost,
	    route->cost == 1 ? "" : "s");
	return 0;
}

static int
ctl_token_create(struct ctl *ctl, int argc, char **argv)
{
	struct credential	c;
	struct reqerr		re;
	char			now[DB_TIME_LEN + 1];
	size_t			len = strlen(argv[0]);

	reqerr_clear(&re);
	if (len == 0 || len > DB_NAME_MAX) {
		fprintf(stderr, "driplinectl: token name must have 1 to %d "
		    "characters\n", DB_NAME_MAX);
		return 1;
	}
	if (credential_new(CREDENTIAL_TOKEN_PREFIX, &c) == -1) {
		fprintf(stderr, "driplinectl: no randomness available\n");
		return 1;
	}
	db_now(now);
	if (db_token_insert(ctl->db, c.id, argv[0], c.prefix, c.hash, now,
	    &re) == -1) {
		credential_wipe(&c);
		return ctl_fail("cannot create token", &re);
	}
	printf("%s\n", c.secret);
	fprintf(stderr, "admin token '%s' created (id %s); the secret above "
	    "is shown only once\n", argv[0], c.id);
	credential_wipe(&c);
	return 0;
}

static void
ctl_token_print(const struct db_token *t, void *arg)
{
	(void)arg;
	printf("%s  %-20s  %s...  %-7s  created %s%s%s\n", t->id, t->name,
	    t->prefix, t->status, t->created_at,
	    t->revoked_at[0] != '\0' ? "  revoked " : "", t->revoked_at);
}

static int
ctl_token_list(struct ctl *ctl, int argc, char **argv)
{
	struct reqerr	re;

	reqerr_clear(&re);
	if (db_token_list(ctl->db, ctl_token_print, NULL, &re) == -1)
		return ctl_fail("cannot list tokens", &re);
	return 0;
}

static int
ctl_token_revoke(struct ctl *ctl, int argc, char **argv)
{
	struct reqerr	re;
	char		now[DB_TIME_LEN + 1];
	int		rc;

	reqerr_clear(&re);
	db_now(now);
	if ((rc = db_token_revoke(ctl->db, argv[0], now, &re)) == -1)
		return ctl_fail("cannot revoke token", &re);
	if (rc == 0) {
		fprintf(stderr, "driplinectl: no admin token named '%s'\n",
		    argv[0]);
		return 1;
	}
	printf("admin token '%s' revoked\n", argv[0]);
	return 0;
}

static int
ctl_user_create(struct ctl *ctl, int argc, char **argv)
{
	struct reqerr	re;
	char		id[CRYPTO_UUID_LEN + 1], now[DB_TIME_LEN + 1];
	int64_t		limit = ctl->conf->default_daily_limit;
	const char	*p;
	size_t		len = strlen(argv[0]);

	reqerr_clear(&re);
	if (len == 0 || len > DB_EXTERNAL_ID_MAX) {
		fprintf(stderr, "driplinectl: external id must have 1 to %d "
		    "characters\n", DB_EXTERNAL_ID_MAX);
		return 1;
	}
	for (p = argv[0]; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			fprintf(stderr, "driplinectl: external id may only "
			    "contain printable ASCII without spaces\n");
			return 1;
		}
	if (argc == 2 && ctl_parse_limit(argv[1], &limit) == -1)
		return 1;
	if (crypto_uuid_v4(id) == -1) {
		fprintf(stderr, "driplinectl: no randomness available\n");
		return 1;
	}
	db_now(now);
	if (db_user_insert(ctl->db, id, argv[0], limit, now, &re) == -1)
		return ctl_fail("cannot create user", &re);
	printf("%s\n", id);
	return 0;
}

static int
ctl_user_set_limit(struct ctl *ctl, int argc, char **argv)
{
	struct reqerr	re;
	char		now[DB_TIME_LEN + 1];
	int64_t		limit;
	int		rc;

	reqerr_clear(&re);
	if (ctl_parse_uuid("user id", argv[0]) == -1 ||
	    ctl_parse_limit(argv[1], &limit) == -1)
		return 1;
	db_now(now);
	if ((rc = db_user_set_limit(ctl->db, argv[0], limit, now, &re)) == -1)
		return ctl_fail("cannot change the limit", &re);
	if (rc == 0) {
		fprintf(stderr, "driplinectl: no user %s\n", argv[0]);
		return 1;
	}
	printf("user %s: daily limit %" PRId64 " units from the next "
	    "request on\n", argv[0], limit);
	return 0;
}

static int
ctl_user_revoke(struct ctl *ctl, int argc, char **argv)
{
	struct reqerr	re;
	char		now[DB_TIME_LEN + 1];
	int		rc;

	reqerr_clear(&re);
	if (ctl_parse_uuid("user id", argv[0]) == -1)
		return 1;
	db_now(now);
	if (db_begin(ctl->db, &re) == -1 ||
	    (rc = db_user_revoke(ctl->db, argv[0], now, &re)) == -1 ||
	    db_commit(ctl->db, &re) == -1) {
		db_rollback(ctl->db);
		return ctl_fail("cannot revoke user", &re);
	}
	if (rc == 0) {
		fprintf(stderr, "driplinectl: no user %s\n", argv[0]);
		return 1;
	}
	printf("user %s revoked, with all its keys\n", argv[0]);
	return 0;
}

static int
ctl_key_create(struct ctl *ctl, int argc, char **argv)
{
	struct credential	c;
	struct db_user		user;
	struct reqerr		re;
	char			now[DB_TIME_LEN + 1];
	const char		*name = argc == 2 ? argv[1] : "default";
	int			rc;

	reqerr_clear(&re);
	if (ctl_parse_uuid("user id", argv[0]) == -1)
		return 1;
	if (strlen(name) == 0 || strlen(name) > DB_NAME_MAX) {
		fprintf(stderr, "driplinectl: key name must have 1 to %d "
		    "characters\n", DB_NAME_MAX);
		return 1;
	}
	if ((rc = db_user_get(ctl->db, argv[0], &user, &re)) == -1)
		return ctl_fail("cannot read user", &re);
	if (rc == 0 || strcmp(user.status, "active") != 0) {
		fprintf(stderr, "driplinectl: no active user %s\n", argv[0]);
		return 1;
	}
	if (credential_new(ctl->conf->key_prefix, &c) == -1) {
		fprintf(stderr, "driplinectl: no randomness available\n");
		return 1;
	}
	db_now(now);
	if (db_key_insert(ctl->db, c.id, argv[0], name, c.prefix, c.hash,
	    now, &re) == -1) {
		credential_wipe(&c);
		return ctl_fail("cannot create key", &re);
	}
	printf("%s %s\n", c.id, c.secret);
	credential_wipe(&c);
	return 0;
}

static int
ctl_key_revoke(struct ctl *ctl, int argc, char **argv)
{
	struct reqerr	re;
	char		now[DB_TIME_LEN + 1];
	int		rc;

	reqerr_clear(&re);
	if (ctl_parse_uuid("key id", argv[0]) == -1)
		return 1;
	db_now(now);
	if ((rc = db_key_revoke(ctl->db, argv[0], now, &re)) == -1)
		return ctl_fail("cannot revoke key", &re);
	if (rc == 0) {
		fprintf(stderr, "driplinectl: no key %s\n", argv[0]);
		return 1;
	}
	printf("key %s revoked\n", argv[0]);
	return 0;
}

static int
ctl_usage(struct ctl *ctl, int argc, char **argv)
{
	struct utc_window	window;
	struct reqerr		re;
	const char		*day;
	int64_t			used;

	reqerr_clear(&re);
	utcday_window(utcday_now_ms(), &window);
	day = argc == 2 ? argv[1] : window.day;
	if (ctl_parse_uuid("user id", argv[0]) == -1)
		return 1;
	if (utcday_parse(day, NULL) == -1) {
		fprintf(stderr, "driplinectl: invalid day '%s': use "
		    "YYYY-MM-DD\n", day);
		return 1;
	}
	if (db_usage_get(ctl->db, argv[0], day, &used, &re) == -1)
		return ctl_fail("cannot read usage", &re);
	printf("%" PRId64 "\n", used);
	return 0;
}

/* Print jo (released here) as indented JSON. */
static int
ctl_print_json(struct json_object *jo)
{
	const char	*text;

	text = json_object_to_json_string_ext(jo, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text == NULL) {
		json_object_put(jo);
		fprintf(stderr, "driplinectl: out of memory\n");
		return 1;
	}
	printf("%s\n", text);
	json_object_put(jo);
	return 0;
}

/* Check a YYYY-MM-DD argument. Returns 0, or -1 after the message. */
static int
ctl_parse_day(const char *day)
{
	if (utcday_parse(day, NULL) == 0)
		return 0;
	fprintf(stderr, "driplinectl: invalid day '%s': use YYYY-MM-DD\n",
	    day);
	return -1;
}

static int
ctl_report(struct ctl *ctl, int argc, char **argv)
{
	struct json_object	*jo;
	struct utc_window	 window;
	struct db_user		 user;
	struct reqerr		 re;
	const char		*from, *to;
	int64_t			 from_midnight, to_midnight;
	int			 rc;

	reqerr_clear(&re);
	utcday_window(utcday_now_ms(), &window);
	from = argc >= 2 ? argv[1] : window.day;
	to = from;
	if (argc == 3)
		to = argv[2];
	if (ctl_parse_uuid("user id", argv[0]) == -1 ||
	    ctl_parse_day(from) == -1 || ctl_parse_day(to) == -1)
		return 1;
	utcday_parse(from, &from_midnight);
	utcday_parse(to, &to_midnight);
	if (to_midnight < from_midnight ||
	    (to_midnight - from_midnight) / 86400 >= 366) {
		fprintf(stderr, "driplinectl: %s to %s is not a span of 1 to "
		    "366 days\n", from, to);
		return 1;
	}

	if ((rc = db_user_get(ctl->db, argv[0], &user, &re)) == -1)
		return ctl_fail("cannot read user", &re);
	if (rc == 0) {
		fprintf(stderr, "driplinectl: no user %s\n", argv[0]);
		return 1;
	}
	if ((jo = admin_usage_report_build(ctl->db, &user, from, to,
	    &re)) == NULL)
		return ctl_fail("cannot read usage", &re);
	return ctl_print_json(jo);
}

static int
ctl_summary(struct ctl *ctl, int argc, char **argv)
{
	struct json_object	*jo;
	struct utc_window	 window;
	struct reqerr		 re;
	const char		*day;

	reqerr_clear(&re);
	utcday_window(utcday_now_ms(), &window);
	day = argc == 1 ? argv[0] : window.day;
	if (ctl_parse_day(day) == -1)
		return 1;
	if ((jo = admin_usage_summary_build(ctl->db, day, 10, &re)) == NULL)
		return ctl_fail("cannot read usage", &re);
	return ctl_print_json(jo);
}

static int
ctl_prune(struct ctl *ctl, int argc, char **argv)
{
	struct db_prune_counts	counts;
	struct utc_window	first_kept;
	struct reqerr		re;
	int64_t			days = ctl->conf->retention_days;
	char			*end;
	long			v;

	reqerr_clear(&re);
	if (argc == 1) {
		errno = 0;
		v = strtol(argv[0], &end, 10);
		if (argv[0][0] < '0' || argv[0][0] > '9' || *end != '\0' ||
		    errno == ERANGE || v < 1 || v > CONF_RETENTION_MAX) {
			fprintf(stderr, "driplinectl: invalid number of days "
			    "'%s': use 1 to %d\n", argv[0],
			    CONF_RETENTION_MAX);
			return 1;
		}
		days = v;
	}
	if (days == 0) {
		printf("retention_days is 0: every day is kept\n");
		return 0;
	}

	/* Keep today and the days - 1 before it. */
	utcday_window(utcday_now_ms() - (days - 1) * 86400000LL,
	    &first_kept);
	if (db_prune(ctl->db, first_kept.day, &counts, &re) == -1) {
		fprintf(stderr, "driplinectl: deleted %" PRId64 " usage_daily, "
		    "%" PRId64 " upstream_daily, %" PRId64 " system_daily, %"
		    PRId64 " log_daily and %" PRId64 " unauthorized_sources "
		    "rows before the failure\n", counts.usage_daily,
		    counts.upstream_daily, counts.system_daily,
		    counts.log_daily, counts.unauthorized_sources);
		return ctl_fail("cannot prune", &re);
	}
	printf("kept %s and later; deleted %" PRId64 " usage_daily, %" PRId64
	    " upstream_daily, %" PRId64 " system_daily, %" PRId64
	    " log_daily and %" PRId64 " unauthorized_sources rows\n",
	    first_kept.day, counts.usage_daily, counts.upstream_daily,
	    counts.system_daily, counts.log_daily,
	    counts.unauthorized_sources);
	return 0;
}

/*
 * Say what is wrong with a command line that names no command: an unknown
 * word, or the first word of commands such as "user" without the second.
 */
static void
ctl_unknown(int argc, char **argv)
{
	size_t	i, n = 0, len = strlen(argv[0]);

	for (i = 0; i < CTL_NCOMMANDS; i++) {
		if (strncmp(ctl_commands[i].words, argv[0], len) != 0 ||
		    ctl_commands[i].words[len] != ' ')
			continue;
		if (n == 0 && argc >= 2)
			fprintf(stderr, "driplinectl: '%s %s' is not a "
			    "command; '%s' takes one of:", argv[0], argv[1],
			    argv[0]);
		else if (n == 0)
			fprintf(stderr, "driplinectl: '%s' needs one of:",
			    argv[0]);
		fprintf(stderr, " %s", ctl_commands[i].words + len + 1);
		n++;
	}
	if (n > 0)
		fputc('\n', stderr);
	else
		fprintf(stderr, "driplinectl: unknown command '%s'\n",
		    argv[0]);
}

/*
 * Check the arguments after the command. Returns -1 to run it, else the
 * exit status after printing the command's usage. That is 0 for -h or
 * --help among them. It is 2 for a wrong number of arguments, with a
 * hint when -c follows the command, since options end at the command.
 */
static int
ctl_check_args(const struct ctl_command *cmd, int argc, char **argv)
{
	const char	*sep = cmd->args[0] != '\0' ? " " : "";
	int		 i, help = 0, option = 0;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			help = 1;
		else if (strcmp(argv[i], "-c") == 0)
			option = 1;
	}
	if (help) {
		printf("usage: driplinectl %s%s%s\n", cmd->words, sep,
		    cmd->args);
		return 0;
	}
	if (argc >= cmd->min_args && argc <= cmd->max_args)
		return -1;
	fprintf(stderr, "usage: driplinectl %s%s%s\n", cmd->words, sep,
	    cmd->args);
	if (option)
		fprintf(stderr, "driplinectl: options such as -c go before "
		    "the command: driplinectl -c config %s ...\n",
		    cmd->words);
	return 2;
}

/* Find the command named by the leading words of argv. */
static const struct ctl_command *
ctl_find(int argc, char **argv, int *nwords)
{
	char	words[64];
	size_t	i;

	for (i = 0; i < CTL_NCOMMANDS; i++) {
		if (strcmp(ctl_commands[i].words, argv[0]) == 0) {
			*nwords = 1;
			return &ctl_commands[i];
		}
		if (argc >= 2) {
			snprintf(words, sizeof(words), "%s %s", argv[0],
			    argv[1]);
			if (strcmp(ctl_commands[i].words, words) == 0) {
				*nwords = 2;
				return &ctl_commands[i];
			}
		}
	}
	return NULL;
}

int
main(int argc, char *argv[])
{
	const struct ctl_command	*cmd;
	struct ctl			 ctl;
	struct reqerr			 re;
	const char			*conf_path = NULL;
	char				 err[512];
	int				 ch, nwords, rc, flags;

	/*
	 * Options come before the command ("+"), so that an argument such as
	 * a negative limit reaches the command and gets its own message.
	 */
	while ((ch = getopt_long(argc, argv, "+c:h", help_option,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		fprintf(stderr, "driplinectl: no command given\n");
		usage(2);
	}
	if ((cmd = ctl_find(argc, argv, &nwords)) == NULL) {
		ctl_unknown(argc, argv);
		usage(2);
	}
	argc -= nwords;
	argv += nwords;
	if ((rc = ctl_check_args(cmd, argc, argv)) != -1)
		return rc;

	log_init("driplinectl", 0);
	memset(&ctl, 0, sizeof(ctl));
	conf_path = conf_choose_path(conf_path);
	if ((ctl.conf = conf_load(conf_path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "driplinectl: %s\n", err);
		return 1;
	}

	/*
	 * Commands that change keys and users open the decisions alone, so
	 * that a key can be revoked even while the analytics file is lost.
	 */
	if (cmd->db != CTL_DB_NONE) {
		reqerr_clear(&re);
		flags = cmd->db == CTL_DB_INIT ? DB_OPEN_CREATE |
		    DB_OPEN_MIGRATE : cmd->db == CTL_DB_CORE ? DB_OPEN_CORE : 0;
		ctl.db = db_open(ctl.conf->database,
		    ctl.conf->durability == CONF_DURABILITY_FULL,
		    ctl.conf->lock_timeout_ms, flags, &re);
		if (ctl.db == NULL) {
			rc = ctl_fail("cannot open database", &re);
			conf_free(ctl.conf);
			return rc;
		}
	}

	rc = cmd->run(&ctl, argc, argv);
	db_close(ctl.db);
	conf_free(ctl.conf);
	return rc;
}
