/*
 * Unit tests for conf_load and conf_route_match. Each test writes its
 * configuration into a fresh temporary directory, so relative database
 * paths and line numbers are checked against real files. A bad file must
 * fail with "FILE:LINE: reason" (or "FILE: reason" for what is missing
 * from the whole file), and the reason must name the directive.
 */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "conf.h"
#include "log.h"

#define CONF_TEST_BASE	"database /var/lib/dripline/test.db\n" \
			"route POST /v1/chat/completions 1\n"

struct conf_error_case {
	const char	*name;		/* the rule the row checks */
	const char	*text;		/* the whole file */
	int		 line;		/* expected line, 0 for "FILE: " */
	const char	*reason;	/* expected part of the reason */
};

struct conf_match_case {
	const char	*method;
	const char	*path;
	int		 line;		/* line of the expected route, 0: none */
};

Suite	*conf_suite(void);

/* This test's temporary directory, short enough to append file names. */
static char	conf_dir[PATH_MAX / 2];

static void
conf_setup(void)
{
	const char	*tmp = getenv("TMPDIR");
	int		 n;

	n = snprintf(conf_dir, sizeof(conf_dir), "%s/check_conf.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	ck_assert_msg(n > 0 && (size_t)n < sizeof(conf_dir),
	    "TMPDIR is too long");
	ck_assert_ptr_nonnull(mkdtemp(conf_dir));
}

static int
conf_remove_entry(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	return remove(path);
}

static void
conf_teardown(void)
{
	nftw(conf_dir, conf_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write text to name (relative to the test directory) into OUT: path. */
static void
conf_write(const char *name, const char *text, char *path, size_t pathlen)
{
	FILE	*fp;

	snprintf(path, pathlen, "%s/%s", conf_dir, name);
	fp = fopen(path, "w");
	ck_assert_msg(fp != NULL, "cannot create %s: %s", path,
	    strerror(errno));
	ck_assert_int_eq(fputs(text, fp) >= 0, 1);
	ck_assert_int_eq(fclose(fp), 0);
}

/* Write text as dripline.conf and load it. OUT: path names the file. */
static struct conf *
conf_load_text(const char *text, char *path, size_t pathlen, char *err,
    size_t errlen)
{
	conf_write("dripline.conf", text, path, pathlen);
	err[0] = '\0';
	return conf_load(path, err, errlen);
}

START_TEST(test_conf_defaults_applied)
{
	struct conf	*conf;
	char		 path[PATH_MAX], err[512];

	conf = conf_load_text(CONF_TEST_BASE, path, sizeof(path), err,
	    sizeof(err));
	ck_assert_msg(conf != NULL, "load failed: %s", err);
	ck_assert_str_eq(conf->file, path);
	ck_assert_str_eq(conf->database, "/var/lib/dripline/test.db");
	ck_assert_int_eq(conf->durability, CONF_DURABILITY_NORMAL);
	ck_assert_int_eq(conf->lock_timeout_ms, 2000);
	ck_assert_int_eq(conf->default_daily_limit, 1000);
	ck_assert_str_eq(conf->key_prefix, "dl_");
	ck_assert_int_eq(conf->unmatched, CONF_UNMATCHED_DENY);
	ck_assert_int_eq(conf->log_level, LOG_LEVEL_INFO);
	ck_assert_int_eq(conf->threads, 32);
	ck_assert_int_eq(conf->retention_days, 400);
	ck_assert_uint_eq(conf->nroutes, 1);
	conf_free(conf);
}
END_TEST

START_TEST(test_conf_every_directive_read)
{
	static const char text[] =
	    "# every directive, with blanks, tabs and comments\r\n"
	    "\r\n"
	    "database\t/srv/dripline/quota.db   # trailing comment\r\n"
	    "  durability full\r\n"
	    "lock_timeout_ms\t\t150\r\n"
	    "default_daily_limit 0\r\n"
	    "key_prefix acme-Key_1\r\n"
	    "unmatched free\r\n"
	    "log_level debug\r\n"
	    "threads 3\r\n"
	    "retention_days 30\r\n"
	    "route POST /v1/chat/completions 2\r\n";
	struct conf	*conf;
	char		 path[PATH_MAX], err[512];

	conf = conf_load_text(text, path, sizeof(path), err, sizeof(err));
	ck_assert_msg(conf != NULL, "load failed: %s", err);
	ck_assert_str_eq(conf->database, "/srv/dripline/quota.db");
	ck_assert_int_eq(conf->durability, CONF_DURABILITY_FULL);
	ck_assert_int_eq(conf->lock_timeout_ms, 150);
	ck_assert_int_eq(conf->default_daily_limit, 0);
	ck_assert_str_eq(conf->key_prefix, "acme-Key_1");
	ck_assert_int_eq(conf->unmatched, CONF_UNMATCHED_FREE);
	ck_assert_int_eq(conf->log_level, LOG_LEVEL_DEBUG);
	ck_assert_int_eq(conf->threads, 3);
	ck_assert_int_eq(conf->retention_days, 30);
	ck_assert_uint_eq(conf->nroutes, 1);
	ck_assert_str_eq(conf->routes[0].pattern, "/v1/chat/completions");
	ck_assert_int_eq(conf->routes[0].cost, 2);
	ck_assert_int_eq(conf->routes[0].line, 12);
	conf_free(conf);
}
END_TEST

static int
conf_durability_of(const struct conf *conf)
{
	return (int)conf->durability;
}

static int
conf_unmatched_of(const struct conf *conf)
{
	return (int)conf->unmatched;
}

static int
conf_log_level_of(const struct conf *conf)
{
	return conf->log_level;
}

START_TEST(test_conf_enum_values_read)
{
	static const struct {
		const char	*line;
		int		 (*field)(const struct conf *);
		int		 value;
	} cases[] = {
		{ "durability normal", conf_durability_of,
		    CONF_DURABILITY_NORMAL },
		{ "durability full", conf_durability_of, CONF_DURABILITY_FULL },
		{ "unmatched deny", conf_unmatched_of, CONF_UNMATCHED_DENY },
		{ "unmatched free", conf_unmatched_of, CONF_UNMATCHED_FREE },
		{ "log_level error", conf_log_level_of, LOG_LEVEL_ERROR },
		{ "log_level warn", conf_log_level_of, LOG_LEVEL_WARN },
		{ "log_level info", conf_log_level_of, LOG_LEVEL_INFO },
		{ "log_level debug", conf_log_level_of, LOG_LEVEL_DEBUG },
	};
	struct conf	*conf;
	char		 text[256], path[PATH_MAX], err[512];
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "%s%s\n", CONF_TEST_BASE,
		    cases[i].line);
		conf = conf_load_text(text, path, sizeof(path), err,
		    sizeof(err));
		ck_assert_msg(conf != NULL, "'%s': load failed: %s",
		    cases[i].line, err);
		ck_assert_msg(cases[i].field(conf) == cases[i].value,
		    "'%s': value %d, expected %d", cases[i].line,
		    cases[i].field(conf), cases[i].value);
		conf_free(conf);
	}
}
END_TEST

START_TEST(test_conf_routes_read_in_order)
{
	static const char text[] =
	    "database /var/lib/dripline/test.db\n"
	    "route POST\t/v1/chat/completions\t1\n"
	    "# a comment between routes\n"
	    "route GET,HEAD /v1/models/* 0\n"
	    "\n"
	    "route * /v1/files/* 1000000000\n"
	    "route PUT,PATCH,DELETE,OPTIONS /v1/x 7\n";
	struct conf	*conf;
	char		 path[PATH_MAX], err[512];

	conf = conf_load_text(text, path, sizeof(path), err, sizeof(err));
	ck_assert_msg(conf != NULL, "load failed: %s", err);
	ck_assert_uint_eq(conf->nroutes, 4);

	ck_assert_uint_eq(conf->routes[0].methods, CONF_METHOD_POST);
	ck_assert_str_eq(conf->routes[0].pattern, "/v1/chat/completions");
	ck_assert_uint_eq(conf->routes[0].pattern_len,
	    strlen("/v1/chat/completions"));
	ck_assert_int_eq(conf->routes[0].prefix, 0);
	ck_assert_int_eq(conf->routes[0].cost, 1);
	ck_assert_int_eq(conf->routes[0].line, 2);

	ck_assert_uint_eq(conf->routes[1].methods,
	    CONF_METHOD_GET | CONF_METHOD_HEAD);
	ck_assert_str_eq(conf->routes[1].pattern, "/v1/models/");
	ck_assert_uint_eq(conf->routes[1].pattern_len, strlen("/v1/models/"));
	ck_assert_int_eq(conf->routes[1].prefix, 1);
	ck_assert_int_eq(conf->routes[1].cost, 0);
	ck_assert_int_eq(conf->routes[1].line, 4);

	ck_assert_uint_eq(conf->routes[2].methods, CONF_METHOD_ANY);
	ck_assert_str_eq(conf->routes[2].pattern, "/v1/files/");
	ck_assert_int_eq(conf->routes[2].prefix, 1);
	ck_assert_int_eq(conf->routes[2].cost, CONF_COST_MAX);
	ck_assert_int_eq(conf->routes[2].line, 6);

	ck_assert_uint_eq(conf->routes[3].methods, CONF_METHOD_PUT |
	    CONF_METHOD_PATCH | CONF_METHOD_DELETE | CONF_METHOD_OPTIONS);
	ck_assert_int_eq(conf->routes[3].prefix, 0);
	ck_assert_int_eq(conf->routes[3].line, 7);
	conf_free(conf);
}
END_TEST

START_TEST(test_conf_relative_database_beside_file)
{
	struct conf	*conf;
	char		 dir[PATH_MAX], path[PATH_MAX], expected[PATH_MAX];
	char		 err[512];

	snprintf(dir, sizeof(dir), "%s/etc", conf_dir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	conf_write("etc/dripline.conf", "database data/quota.db\n"
	    "route POST /v1/chat/completions 1\n", path, sizeof(path));

	conf = conf_load(path, err, sizeof(err));
	ck_assert_msg(conf != NULL, "load failed: %s", err);
	snprintf(expected, sizeof(expected), "%s/etc/data/quota.db",
	    conf_dir);
	ck_assert_str_eq(conf->database, expected);
	conf_free(conf);
}
END_TEST

START_TEST(test_conf_absolute_database_kept)
{
	struct conf	*conf;
	char		 path[PATH_MAX], err[512];

	conf = conf_load_text("database /data/dripline.db\n"
	    "route GET /v1/models 0\n", path, sizeof(path), err, sizeof(err));
	ck_assert_msg(conf != NULL, "load failed: %s", err);
	ck_assert_str_eq(conf->database, "/data/dripline.db");
	conf_free(conf);
}
END_TEST

START_TEST(test_conf_shipped_example_loads)
{
	const char	*srcdir = getenv("top_srcdir");
	struct conf	*conf;
	char		 path[PATH_MAX], err[512];

	snprintf(path, sizeof(path), "%s/www-conf/dripline.conf",
	    srcdir != NULL && *srcdir != '\0' ? srcdir : ".");
	conf = conf_load(path, err, sizeof(err));
	ck_assert_msg(conf != NULL, "shipped example: %s", err);
	ck_assert_uint_gt(conf->nroutes, 0);
	ck_assert_ptr_nonnull(conf_route_match(conf, "POST",
	    "/v1/chat/completions"));
	conf_free(conf);
}
END_TEST

/* Lines of the routes that test_conf_route_match_picks_first checks. */
static const char conf_match_text[] =
    "database /var/lib/dripline/test.db\n"		/* 1 */
    "route POST /v1/chat/completions 1\n"		/* 2 */
    "route GET,HEAD /v1/models 0\n"			/* 3 */
    "route GET,HEAD /v1/models/* 0\n"			/* 4 */
    "route * /v1/files/* 2\n"				/* 5 */
    "route POST /v1/* 7\n"				/* 6 */
    "route DELETE,PATCH /v1/things 3\n"			/* 7 */
    "route POST /v1/chat/completions 9\n"		/* 8 */
    "route GET /v2* 4\n";				/* 9 */

static const struct conf_match_case conf_matches[] = {
	{ "POST", "/v1/chat/completions", 2 },		/* first wins */
	{ "GET", "/v1/chat/completions", 0 },
	{ "POST", "/v1/chat/completions/", 6 },
	{ "POST", "/v1/chat/completionsx", 6 },
	{ "GET", "/v1/models", 3 },
	{ "HEAD", "/v1/models", 3 },
	{ "GET", "/v1/models/gpt-4o", 4 },
	{ "GET", "/v1/models/a/b/c", 4 },
	{ "GET", "/v1/models/", 4 },
	{ "GET", "/v1/modelsx", 0 },
	{ "POST", "/v1/models", 6 },
	{ "PUT", "/v1/files/abc", 5 },
	{ "OPTIONS", "/v1/files/", 5 },
	{ "GET", "/v1/files", 0 },
	{ "PROPFIND", "/v1/files/abc", 5 },
	{ "BREW", "/v1/files/x", 5 },
	{ "PROPFIND", "/v1/chat/completions", 0 },
	{ "post", "/v1/chat/completions", 0 },
	{ "", "/v1/chat/completions", 0 },
	{ "DELETE", "/v1/things", 7 },
	{ "PATCH", "/v1/things", 7 },
	{ "PUT", "/v1/things", 0 },
	{ "GET", "/v1/things", 0 },
	{ "GET", "/v2", 9 },
	{ "GET", "/v2beta/x", 9 },
	{ "POST", "/v2", 0 },
	{ "POST", "/", 0 },
	{ "GET", "/", 0 },
};

START_TEST(test_conf_route_match_picks_first)
{
	const struct conf_match_case	*c = &conf_matches[_i];
	const struct conf_route		*route;
	struct conf			*conf;
	char				 path[PATH_MAX], err[512];

	conf = conf_load_text(conf_match_text, path, sizeof(path), err,
	    sizeof(err));
	ck_assert_msg(conf != NULL, "load failed: %s", err);
	route = conf_route_match(conf, c->method, c->path);
	if (c->line == 0)
		ck_assert_msg(route == NULL, "%s %s: matched line %d, "
		    "expected no route", c->method, c->path, route->line);
	else {
		ck_assert_msg(route != NULL, "%s %s: no route, expected "
		    "line %d", c->method, c->path, c->line);
		ck_assert_msg(route->line == c->line, "%s %s: matched line "
		    "%d, expected line %d", c->method, c->path, route->line,
		    c->line);
	}
	conf_free(conf);
}
END_TEST

START_TEST(test_conf_method_bits_case_sensitive)
{
	static const struct {
		const char	*method;
		unsigned int	 bit;
	} cases[] = {
		{ "GET", CONF_METHOD_GET },
		{ "HEAD", CONF_METHOD_HEAD },
		{ "POST", CONF_METHOD_POST },
		{ "PUT", CONF_METHOD_PUT },
		{ "PATCH", CONF_METHOD_PATCH },
		{ "DELETE", CONF_METHOD_DELETE },
		{ "OPTIONS", CONF_METHOD_OPTIONS },
		{ "get", 0 },
		{ "Post", 0 },
		{ "PROPFIND", 0 },
		{ "CONNECT", 0 },
		{ "GETX", 0 },
		{ "", 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(conf_method_bit(cases[i].method) == cases[i].bit,
		    "'%s': bit %#x, expected %#x", cases[i].method,
		    conf_method_bit(cases[i].method), cases[i].bit);
}
END_TEST

START_TEST(test_conf_choose_path_order)
{
	const char	*option = "/opt/dripline.conf";
	const char	*fallback;

	ck_assert_int_eq(unsetenv(CONF_ENV), 0);
	fallback = conf_choose_path(NULL);
	ck_assert_ptr_nonnull(strstr(fallback, "/dripline/dripline.conf"));

	ck_assert_int_eq(setenv(CONF_ENV, "/env/dripline.conf", 1), 0);
	ck_assert_str_eq(conf_choose_path(NULL), "/env/dripline.conf");
	ck_assert_ptr_eq(conf_choose_path(option), option);

	ck_assert_int_eq(setenv(CONF_ENV, "", 1), 0);
	ck_assert_str_eq(conf_choose_path(NULL), fallback);
	ck_assert_int_eq(unsetenv(CONF_ENV), 0);
}
END_TEST

#define B	CONF_TEST_BASE

static const struct conf_error_case conf_errors[] = {
	{ "unknown directive", B "databse /x\n", 3,
	    "unknown directive 'databse'" },
	{ "directive names are case-sensitive", B "Threads 4\n", 3,
	    "unknown directive 'Threads'" },
	{ "yaml-style directive", B "durability: full\n", 3,
	    "unknown directive 'durability:'" },
	{ "database without value", "database\n" B, 1,
	    "database takes 1 value, not 0" },
	{ "database with two values", "database /a /b\n", 1,
	    "database takes 1 value, not 2" },
	{ "threads with two values", B "threads 1 2\n", 3,
	    "threads takes 1 value, not 2" },
	{ "route with two values", B "route POST /v1/x\n", 3,
	    "route takes 3 values, not 2" },
	{ "route with four values", B "route POST /v1/x 1 2\n", 3,
	    "route takes 3 values, not 4" },
	{ "too many fields", B "route a b c d e f g h\n", 3,
	    "too many fields" },
	{ "database set twice", B "database /other.db\n", 3,
	    "database is set twice" },
	{ "durability set twice", B "durability full\ndurability full\n", 4,
	    "durability is set twice" },
	{ "lock_timeout_ms set twice",
	    B "lock_timeout_ms 5\nlock_timeout_ms 5\n", 4,
	    "lock_timeout_ms is set twice" },
	{ "default_daily_limit set twice",
	    B "default_daily_limit 5\ndefault_daily_limit 6\n", 4,
	    "default_daily_limit is set twice" },
	{ "key_prefix set twice", B "key_prefix a\nkey_prefix b\n", 4,
	    "key_prefix is set twice" },
	{ "unmatched set twice", B "unmatched free\nunmatched deny\n", 4,
	    "unmatched is set twice" },
	{ "log_level set twice", B "log_level info\nlog_level info\n", 4,
	    "log_level is set twice" },
	{ "threads set twice", B "threads 2\nthreads 2\n", 4,
	    "threads is set twice" },
	{ "lock_timeout_ms not a number", B "lock_timeout_ms abc\n", 3,
	    "lock_timeout_ms: 'abc' is not a whole number" },
	{ "lock_timeout_ms with unit", B "lock_timeout_ms 12ms\n", 3,
	    "lock_timeout_ms: '12ms' is not a whole number" },
	{ "lock_timeout_ms negative", B "lock_timeout_ms -5\n", 3,
	    "lock_timeout_ms: '-5' is not a whole number" },
	{ "lock_timeout_ms with plus sign", B "lock_timeout_ms +5\n", 3,
	    "lock_timeout_ms: '+5' is not a whole number" },
	{ "lock_timeout_ms fraction", B "lock_timeout_ms 1.5\n", 3,
	    "lock_timeout_ms: '1.5' is not a whole number" },
	{ "lock_timeout_ms zero", B "lock_timeout_ms 0\n", 3,
	    "lock_timeout_ms: 0 is out of range (1 to 600000)" },
	{ "lock_timeout_ms above range", B "lock_timeout_ms 600001\n", 3,
	    "lock_timeout_ms: 600001 is out of range (1 to 600000)" },
	{ "retention_days negative", B "retention_days -1\n", 3,
	    "retention_days: '-1' is not a whole number" },
	{ "retention_days above range", B "retention_days 36601\n", 3,
	    "retention_days: 36601 is out of range (0 to 36600)" },
	{ "retention_days set twice", B "retention_days 1\nretention_days 2\n",
	    4, "retention_days is set twice" },
	{ "threads zero", B "threads 0\n", 3,
	    "threads: 0 is out of range (1 to 256)" },
	{ "threads above range", B "threads 257\n", 3,
	    "threads: 257 is out of range (1 to 256)" },
	{ "default_daily_limit negative", B "default_daily_limit -1\n", 3,
	    "default_daily_limit: '-1' is not a whole number" },
	{ "default_daily_limit above range",
	    B "default_daily_limit 1000000000001\n", 3,
	    "default_daily_limit: 1000000000001 is out of range "
	    "(0 to 1000000000000)" },
	{ "default_daily_limit overflows int64",
	    B "default_daily_limit 99999999999999999999\n", 3,
	    "default_daily_limit: 99999999999999999999 is out of range" },
	{ "route cost negative", B "route POST /v1/x -1\n", 3,
	    "route cost: '-1' is not a whole number" },
	{ "route cost above range", B "route POST /v1/x 1000000001\n", 3,
	    "route cost: 1000000001 is out of range (0 to 1000000000)" },
	{ "route cost not a number", B "route POST /v1/x one\n", 3,
	    "route cost: 'one' is not a whole number" },
	{ "durability unknown", B "durability fast\n", 3,
	    "durability: 'fast' is invalid, use normal or full" },
	{ "unmatched unknown", B "unmatched allow\n", 3,
	    "unmatched: 'allow' is invalid, use deny or free" },
	{ "log_level unknown", B "log_level verbose\n", 3,
	    "log_level: 'verbose' is invalid" },
	{ "key_prefix too long", B "key_prefix abcdefghijklmnopq\n", 3,
	    "key_prefix: 'abcdefghijklmnopq' is longer than 16 characters" },
	{ "key_prefix with bad character", B "key_prefix dl!\n", 3,
	    "key_prefix: 'dl!' may only contain" },
	{ "key_prefix with dot", B "key_prefix dl.\n", 3,
	    "key_prefix: 'dl.' may only contain" },
	{ "lower-case method", B "route get /v1/x 1\n", 3,
	    "route: unknown method 'get'" },
	{ "unknown method in list", B "route GET,FOO /v1/x 1\n", 3,
	    "route: unknown method 'FOO'" },
	{ "webdav method", B "route PROPFIND /v1/x 1\n", 3,
	    "route: unknown method 'PROPFIND'" },
	{ "star inside method list", B "route GET,* /v1/x 1\n", 3,
	    "route: unknown method '*'" },
	{ "lone comma as method list", B "route , /v1/x 1\n", 3,
	    "route: empty entry in method list ','" },
	{ "empty entry inside method list", B "route GET,,POST /v1/x 1\n", 3,
	    "route: empty entry in method list 'GET,,POST'" },
	{ "trailing comma in method list", B "route GET, /v1/x 1\n", 3,
	    "route: empty entry in method list 'GET,'" },
	{ "star inside pattern", B "route GET /v1/*/x 1\n", 3,
	    "route: '*' may only end a pattern" },
	{ "two stars at the end", B "route GET /v1/** 1\n", 3,
	    "route: '*' may only end a pattern" },
	{ "doubled slash in pattern", B "route GET /v1//models 1\n", 3,
	    "route: pattern '/v1//models' is not in normal form "
	    "(write '/v1/models')" },
	{ "dot segment in pattern", B "route GET /v1/./models 1\n", 3,
	    "is not in normal form (write '/v1/models')" },
	{ "dot-dot segment in pattern", B "route GET /v1/x/../models 1\n", 3,
	    "is not in normal form (write '/v1/models')" },
	{ "encoded letter in pattern", B "route GET /v1/%6Dodels 1\n", 3,
	    "is not in normal form (write '/v1/models')" },
	{ "lower-case hex in pattern", B "route GET /v1/a%3ab 1\n", 3,
	    "is not in normal form (write '/v1/a%3Ab')" },
	{ "query in pattern", B "route GET /v1/models?x=1 1\n", 3,
	    "is not in normal form (write '/v1/models')" },
	{ "doubled slash in prefix pattern", B "route GET /v1//* 1\n", 3,
	    "route: pattern '/v1//*' is not in normal form (write '/v1/')" },
	{ "relative pattern", B "route GET v1/models 1\n", 3,
	    "route: pattern 'v1/models': request target is not an absolute "
	    "path" },
	{ "star alone as pattern", B "route GET * 1\n", 3,
	    "route: pattern '*': request target is not an absolute path" },
	{ "encoded slash in pattern", B "route GET /v1%2Fmodels 1\n", 3,
	    "route: pattern '/v1%2Fmodels': encoded slash in path" },
	{ "missing database", "route POST /v1/chat/completions 1\n", 0,
	    "missing required directive 'database'" },
	{ "empty file", "", 0, "missing required directive 'database'" },
	{ "comments only", "# nothing\n\n   # here\n", 0,
	    "missing required directive 'database'" },
	{ "no route", "database /var/lib/dripline/test.db\n", 0,
	    "no route defined" },
	{ "error after comments and blank lines",
	    "# header\n\ndatabase /a.db\n\t\n# more\nthreads many\n", 6,
	    "threads: 'many' is not a whole number" },
};

#undef B

#define NERRORS		(sizeof(conf_errors) / sizeof(conf_errors[0]))
#define NMATCHES	(sizeof(conf_matches) / sizeof(conf_matches[0]))

START_TEST(test_conf_bad_file_names_line_and_field)
{
	const struct conf_error_case	*c = &conf_errors[_i];
	struct conf			*conf;
	char				 path[PATH_MAX], prefix[PATH_MAX + 32];
	char				 err[512];

	conf = conf_load_text(c->text, path, sizeof(path), err, sizeof(err));
	ck_assert_msg(conf == NULL, "%s: loaded, expected '%s'", c->name,
	    c->reason);
	if (c->line > 0)
		snprintf(prefix, sizeof(prefix), "%s:%d: ", path, c->line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", path);
	ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0,
	    "%s: error '%s' does not start with '%s'", c->name, err, prefix);
	ck_assert_msg(strstr(err, c->reason) != NULL,
	    "%s: error '%s' does not contain '%s'", c->name, err, c->reason);
}
END_TEST

START_TEST(test_conf_missing_file_fails)
{
	char	path[PATH_MAX], expected[PATH_MAX + 32], err[512];

	snprintf(path, sizeof(path), "%s/absent.conf", conf_dir);
	ck_assert_ptr_null(conf_load(path, err, sizeof(err)));
	snprintf(expected, sizeof(expected), "%s: cannot open: ", path);
	ck_assert_msg(strncmp(err, expected, strlen(expected)) == 0,
	    "error '%s', expected '%s...'", err, expected);
	ck_assert_ptr_nonnull(strstr(err, strerror(ENOENT)));
}
END_TEST

START_TEST(test_conf_directory_fails)
{
	char	err[512];

	ck_assert_ptr_null(conf_load(conf_dir, err, sizeof(err)));
	ck_assert_msg(strncmp(err, conf_dir, strlen(conf_dir)) == 0,
	    "error '%s' does not name %s", err, conf_dir);
}
END_TEST

START_TEST(test_conf_range_edges_accepted)
{
	static const char text[] =
	    CONF_TEST_BASE
	    "lock_timeout_ms 600000\n"
	    "default_daily_limit 1000000000000\n"
	    "key_prefix abcdefghijklmnop\n"
	    "threads 256\n"
	    "route GET /v1/free 0\n"
	    "route POST /v1/costly 1000000000\n";
	struct conf	*conf;
	char		 path[PATH_MAX], err[512];

	conf = conf_load_text(text, path, sizeof(path), err, sizeof(err));
	ck_assert_msg(conf != NULL, "load failed: %s", err);
	ck_assert_int_eq(conf->lock_timeout_ms, 600000);
	ck_assert_int_eq(conf->default_daily_limit, CONF_LIMIT_MAX);
	ck_assert_uint_eq(strlen(conf->key_prefix), CONF_KEY_PREFIX_MAX);
	ck_assert_int_eq(conf->threads, 256);
	ck_assert_int_eq(conf->routes[1].cost, 0);
	ck_assert_int_eq(conf->routes[2].cost, CONF_COST_MAX);
	conf_free(conf);
}
END_TEST

START_TEST(test_conf_low_edges_accepted)
{
	static const char text[] =
	    CONF_TEST_BASE
	    "lock_timeout_ms 1\n"
	    "default_daily_limit 0\n"
	    "key_prefix k\n"
	    "threads 1\n";
	struct conf	*conf;
	char		 path[PATH_MAX], err[512];

	conf = conf_load_text(text, path, sizeof(path), err, sizeof(err));
	ck_assert_msg(conf != NULL, "load failed: %s", err);
	ck_assert_int_eq(conf->lock_timeout_ms, 1);
	ck_assert_int_eq(conf->default_daily_limit, 0);
	ck_assert_str_eq(conf->key_prefix, "k");
	ck_assert_int_eq(conf->threads, 1);
	conf_free(conf);
}
END_TEST

/* A line of n characters: a comment padded with '#' to length n. */
static char *
conf_long_line_text(size_t n)
{
	size_t	 baselen = strlen(CONF_TEST_BASE);
	char	*text;

	text = malloc(baselen + n + 2);
	ck_assert_ptr_nonnull(text);
	memcpy(text, CONF_TEST_BASE, baselen);
	memset(text + baselen, '#', n);
	memcpy(text + baselen + n, "\n", 2);
	return text;
}

START_TEST(test_conf_longest_line_accepted)
{
	char		*text = conf_long_line_text(4094);
	struct conf	*conf;
	char		 path[PATH_MAX], err[512];

	conf = conf_load_text(text, path, sizeof(path), err, sizeof(err));
	ck_assert_msg(conf != NULL, "load failed: %s", err);
	conf_free(conf);
	free(text);
}
END_TEST

START_TEST(test_conf_over_long_line_rejected)
{
	char		*text = conf_long_line_text(4095);
	char		 path[PATH_MAX], expected[PATH_MAX + 32], err[512];

	ck_assert_ptr_null(conf_load_text(text, path, sizeof(path), err,
	    sizeof(err)));
	snprintf(expected, sizeof(expected), "%s:3: line longer than 4094 "
	    "bytes", path);
	ck_assert_str_eq(err, expected);
	free(text);
}
END_TEST

/* fputs stops at a NUL, so this writes the bytes itself. */
START_TEST(test_conf_nul_byte_rejected)
{
	static const char	text[] = "database /d.db\n"
				    "route POST /v1/x 1\0 # the rest\n";
	FILE			*fp;
	char			 path[PATH_MAX], expected[PATH_MAX + 32];
	char			 err[512];

	snprintf(path, sizeof(path), "%s/nul.conf", conf_dir);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(text, 1, sizeof(text) - 1, fp),
	    sizeof(text) - 1);
	ck_assert_int_eq(fclose(fp), 0);

	ck_assert_ptr_null(conf_load(path, err, sizeof(err)));
	snprintf(expected, sizeof(expected), "%s:2: NUL byte in the line",
	    path);
	ck_assert_str_eq(err, expected);
}
END_TEST

START_TEST(test_conf_many_routes_loaded)
{
	const struct conf_route	*route;
	struct conf		*conf;
	char			*text;
	char			 path[PATH_MAX], err[512];
	size_t			 len = 0, cap = 64 * 1000 + 128;
	int			 i;

	text = malloc(cap);
	ck_assert_ptr_nonnull(text);
	len += (size_t)snprintf(text, cap, "database /d.db\n");
	for (i = 0; i < 1000; i++)
		len += (size_t)snprintf(text + len, cap - len,
		    "route POST /v1/r%d %d\n", i, i);

	conf = conf_load_text(text, path, sizeof(path), err, sizeof(err));
	ck_assert_msg(conf != NULL, "load failed: %s", err);
	ck_assert_uint_eq(conf->nroutes, 1000);
	route = conf_route_match(conf, "POST", "/v1/r999");
	ck_assert_ptr_nonnull(route);
	ck_assert_int_eq(route->cost, 999);
	ck_assert_int_eq(route->line, 1001);
	conf_free(conf);
	free(text);
}
END_TEST

START_TEST(test_conf_long_pattern_accepted)
{
	struct conf	*conf;
	char		*text;
	char		 path[PATH_MAX], err[512];
	size_t		 n = 4000;

	text = malloc(n + 128);
	ck_assert_ptr_nonnull(text);
	strcpy(text, "database /d.db\nroute GET /");
	memset(text + strlen(text), 'a', n);
	strcpy(text + strlen("database /d.db\nroute GET /") + n, "* 1\n");

	conf = conf_load_text(text, path, sizeof(path), err, sizeof(err));
	ck_assert_msg(conf != NULL, "load failed: %s", err);
	ck_assert_uint_eq(conf->routes[0].pattern_len, n + 1);
	ck_assert_int_eq(conf->routes[0].prefix, 1);
	conf_free(conf);
	free(text);
}
END_TEST

/* A short error buffer gets a truncated, terminated message. */
START_TEST(test_conf_small_error_buffer_bounded)
{
	char	path[PATH_MAX], err[16];
	size_t	errlen;

	for (errlen = 1; errlen < sizeof(err); errlen++) {
		memset(err, '#', sizeof(err));
		ck_assert_ptr_null(conf_load_text("threads x\n", path,
		    sizeof(path), err, errlen));
		ck_assert_msg(memchr(err, '\0', errlen) != NULL,
		    "errlen %zu: message not terminated", errlen);
		ck_assert_msg(err[errlen] == '#', "errlen %zu: wrote past "
		    "errlen", errlen);
	}
}
END_TEST

Suite *
conf_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("conf");

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, conf_setup, conf_teardown);
	tcase_add_test(tc, test_conf_defaults_applied);
	tcase_add_test(tc, test_conf_every_directive_read);
	tcase_add_test(tc, test_conf_enum_values_read);
	tcase_add_test(tc, test_conf_routes_read_in_order);
	tcase_add_test(tc, test_conf_relative_database_beside_file);
	tcase_add_test(tc, test_conf_absolute_database_kept);
	tcase_add_test(tc, test_conf_shipped_example_loads);
	tcase_add_loop_test(tc, test_conf_route_match_picks_first, 0,
	    NMATCHES);
	tcase_add_test(tc, test_conf_method_bits_case_sensitive);
	tcase_add_test(tc, test_conf_choose_path_order);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, conf_setup, conf_teardown);
	tcase_add_loop_test(tc, test_conf_bad_file_names_line_and_field, 0,
	    NERRORS);
	tcase_add_test(tc, test_conf_missing_file_fails);
	tcase_add_test(tc, test_conf_directory_fails);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, conf_setup, conf_teardown);
	tcase_add_test(tc, test_conf_range_edges_accepted);
	tcase_add_test(tc, test_conf_low_edges_accepted);
	tcase_add_test(tc, test_conf_longest_line_accepted);
	tcase_add_test(tc, test_conf_over_long_line_rejected);
	tcase_add_test(tc, test_conf_nul_byte_rejected);
	tcase_add_test(tc, test_conf_many_routes_loaded);
	tcase_add_test(tc, test_conf_long_pattern_accepted);
	tcase_add_test(tc, test_conf_small_error_buffer_bounded);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 nfailed;

	sr = srunner_create(conf_suite());
	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
