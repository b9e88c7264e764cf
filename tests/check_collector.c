/*
 * Unit tests for dripline-collector's access log parser (logline.c), its
 * batch (batch.c) and the latency histogram (histogram.c). The line
 * tables use the two formats the shipped web server configurations
 * write, and the outcomes nginx and lighttpd log for an upstream that
 * responds, fails, times out or cannot be reached. The batch's writes go
 * to a real database in a temporary directory.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "batch.h"
#include "check_sqlite.h"
#include "db.h"
#include "histogram.h"
#include "logline.h"

#define USER	"6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b"
#define DAY	"2026-03-10"
#define LT	"dripline1 lighttpd " USER " " DAY " 0123456789abcdef "
#define NG	"dripline1 nginx " USER " " DAY " 0123456789abcdef "

struct line_case {
	const char		*line;
	enum logline_outcome	 outcome;
	int			 status;
	int64_t			 latency_us;	/* -1: none */
};

struct malformed_case {
	const char	*line;
	const char	*reason;	/* a substring of the reason */
};

Suite	*collector_suite(void);

static const struct line_case line_cases[] = {
	/* lighttpd: %>s is all there is; 502, 503, 504 are the proxy's. */
	{ LT "200 1234", LOGLINE_2XX, 200, 1234 },
	{ LT "201 0", LOGLINE_2XX, 201, 0 },
	{ LT "400 77", LOGLINE_4XX, 400, 77 },
	{ LT "429 5", LOGLINE_4XX, 429, 5 },
	{ LT "500 9000", LOGLINE_5XX, 500, 9000 },
	{ LT "501 9000", LOGLINE_5XX, 501, 9000 },
	{ LT "503 9000", LOGLINE_UNREACHABLE, 503, 9000 },
	{ LT "502 300", LOGLINE_UNREACHABLE, 502, 300 },
	{ LT "504 5000000", LOGLINE_TIMED_OUT, 504, 5000000 },
	{ LT "304 12", LOGLINE_OTHER, 304, 12 },
	{ LT "101 12", LOGLINE_OTHER, 101, 12 },
	{ LT "200 1234\n", LOGLINE_2XX, 200, 1234 },
	{ LT "200 1234\r\n", LOGLINE_2XX, 200, 1234 },

	/* nginx: the upstream's status counts when it sent a header. */
	{ NG "200 \"200\" \"0.004\" \"0.010\"", LOGLINE_2XX, 200, 10000 },
	{ NG "404 \"404\" \"0.001\" \"0.001\"", LOGLINE_4XX, 404, 1000 },
	{ NG "500 \"500\" \"0.002\" \"0.002\"", LOGLINE_5XX, 500, 2000 },
	{ NG "502 \"502\" \"0.002\" \"0.002\"", LOGLINE_5XX, 502, 2000 },
	{ NG "504 \"504\" \"1.000\" \"1.000\"", LOGLINE_5XX, 504, 1000000 },
	{ NG "504 \"504\" \"-\" \"3.001\"", LOGLINE_TIMED_OUT, 504,
	    3001000 },
	{ NG "502 \"502\" \"-\" \"0.000\"", LOGLINE_UNREACHABLE, 502, 0 },
	{ NG "502 \"-\" \"-\" \"-\"", LOGLINE_UNREACHABLE, 502, -1 },
	{ NG "499 \"499\" \"-\" \"0.500\"", LOGLINE_OTHER, 499, 500000 },
	{ NG "499 \"-\" \"-\" \"-\"", LOGLINE_OTHER, 499, -1 },
	/* nginx tried a second server: the last server's status counts. */
	{ NG "200 \"502, 200\" \"-, 0.003\" \"0.001, 0.003\"", LOGLINE_2XX,
	    200, 4000 },
	{ NG "502 \"200, 502\" \"0.001, -\" \"0.001, 0.000\"",
	    LOGLINE_UNREACHABLE, 502, 1000 },
	{ NG "504 \"504 : 200\" \"- : 0.002\" \"3.000 : 0.002\"",
	    LOGLINE_2XX, 504, 3002000 },
	{ NG "200 \"200\" \"12.345\" \"12.345\"", LOGLINE_2XX, 200,
	    12345000 },
	{ NG "200 \"200\" \"0.001\" \"999999999.999\"", LOGLINE_2XX, 200,
	    999999999999000 },
};
#define NLINES	(sizeof(line_cases) / sizeof(line_cases[0]))

static const struct malformed_case malformed_cases[] = {
	{ "", "does not start with" },
	{ "hello world", "does not start with" },
	{ "dripline2 lighttpd " USER " " DAY " 0 200 1", "does not start" },
	{ "dripline1 lighttpd " USER " " DAY " 0 200", "7 fields" },
	{ LT "200 1 extra", "7 fields" },
	{ LT "200  1", "7 fields" },
	{ LT "200 x", "microseconds" },
	{ LT "200 -1", "microseconds" },
	{ LT "200 1234567890123456", "microseconds" },
	{ LT "20 1", "status" },
	{ LT "600 1", "status" },
	{ LT "099 1", "status" },
	{ LT "2x0 1", "status" },
	{ LT "- 1", "status" },
	{ "dripline1 lighttpd 6F1C2A9E-3B4D-4E5F-8A7B-9C0D1E2F3A4B " DAY
	    " 0 200 1", "UUID" },
	{ "dripline1 lighttpd " USER "x " DAY " 0 200 1", "UUID" },
	{ "dripline1 lighttpd nobody " DAY " 0 200 1", "UUID" },
	{ "dripline1 lighttpd " USER " 2026-02-30 0 200 1", "day" },
	{ "dripline1 lighttpd " USER " - 0 200 1", "day" },
	{ "dripline1 lighttpd " USER " " DAY " 0123456789ABCDEF 200 1",
	    "hexadecimal" },
	{ "dripline1 lighttpd " USER " " DAY
	    " 0123456789abcdef0123456789abcdef0 200 1", "too long" },
	{ "dripline1 lighttpd " USER " " DAY " 01\x1b[2J 200 1",
	    "hexadecimal" },
	{ "dripline1 apache " USER " " DAY " 0 200 1", "neither" },
	{ NG "200 \"200\" \"0.001\"", "9 fields" },
	{ NG "200 \"200\" \"0.001\" \"0.001", "single spaces" },
	{ NG "200 \"20\" \"0.001\" \"0.001\"", "upstream status" },
	{ NG "200 \"\" \"0.001\" \"0.001\"", "upstream status" },
	{ NG "200 \"200,200\" \"0.001\" \"0.001\"", "upstream status" },
	{ NG "200 \"200, \" \"0.001\" \"0.001\"", "upstream status" },
	{ NG "200 \"200\" \"1\" \"0.001\"", "header time" },
	{ NG "200 \"200\" \"0.01\" \"0.001\"", "header time" },
	{ NG "200 \"200\" \"0.001\" \"x.001\"", "response time" },
	{ NG "200 \"200\" \"0.001\" \"0.001, \"", "response time" },
	{ NG "200 \"200\" \"1000000000.000\" \"0.001\"", "header time" },
	{ NG "200 \"200\" \"0.001\" \"1000000000.000\"", "response time" },
};
#define NMALFORMED	(sizeof(malformed_cases) / sizeof(malformed_cases[0]))

START_TEST(test_logline_outcomes)
{
	const struct line_case	*c = &line_cases[_i];
	struct logline		 l;
	const char		*reason = NULL;

	ck_assert_msg(logline_parse(c->line, strlen(c->line), &l,
	    &reason) == LOGLINE_OK, "%s: %s", c->line, reason);
	ck_assert_str_eq(l.user_id, USER);
	ck_assert_str_eq(l.day, DAY);
	ck_assert_str_eq(l.request_id, "0123456789abcdef");
	ck_assert_int_eq(l.status, c->status);
	ck_assert_msg(l.outcome == c->outcome, "%s: outcome %d, expected %d",
	    c->line, l.outcome, c->outcome);
	ck_assert_int_eq(l.latency_us, c->latency_us);
}
END_TEST

START_TEST(test_logline_no_user_is_skipped)
{
	static const char *const lines[] = {
		"dripline1 lighttpd - - - 401 120",
		"dripline1 lighttpd - - - 503 120",
		"dripline1 nginx - - - 429 \"-\" \"-\" \"-\"",
		"dripline1 lighttpd - garbage - 200 x",
		"dripline1 nginx   0123456789abcdef 401 \"-\" \"-\" \"-\"",
	};
	struct logline	 l;
	const char	*reason = NULL;
	size_t		 i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		ck_assert_msg(logline_parse(lines[i], strlen(lines[i]), &l,
		    &reason) == LOGLINE_NO_USER, "%s", lines[i]);
}
END_TEST

START_TEST(test_logline_line_not_nul_terminated)
{
	char		 buf[256];
	struct logline	 l;
	const char	*reason = NULL;
	size_t		 len;

	len = strlen(LT "200 77");
	memcpy(buf, LT "200 77", len);
	memset(buf + len, '9', sizeof(buf) - len);
	ck_assert_int_eq(logline_parse(buf, len, &l, &reason), LOGLINE_OK);
	ck_assert_int_eq(l.latency_us, 77);
}
END_TEST

START_TEST(test_logline_syslog_header_stripped)
{
	ck_assert_str_eq(logline_syslog_message(
	    "<190>Mar 10 12:00:01 dripline: dripline1 x"), "dripline1 x");
	ck_assert_str_eq(logline_syslog_message(
	    "<190>Mar 10 12:00:01 host nginx: a: b"), "a: b");
	ck_assert_str_eq(logline_syslog_message("dripline1 x"),
	    "dripline1 x");
	ck_assert_str_eq(logline_syslog_message("<190>no colon"),
	    "<190>no colon");
}
END_TEST

START_TEST(test_logline_malformed_reasons)
{
	const struct malformed_case	*c = &malformed_cases[_i];
	struct logline			 l;
	const char			*reason = NULL;

	ck_assert_msg(logline_parse(c->line, strlen(c->line), &l,
	    &reason) == LOGLINE_MALFORMED, "accepted: %s", c->line);
	ck_assert_ptr_nonnull(reason);
	ck_assert_msg(strstr(reason, c->reason) != NULL, "%s: reason '%s' "
	    "does not contain '%s'", c->line, reason, c->reason);
}
END_TEST

START_TEST(test_logline_malformed_keeps_valid_day)
{
	struct logline	 l;
	const char	*reason = NULL;

	ck_assert_int_eq(logline_parse(LT "2x0 1", strlen(LT "2x0 1"), &l,
	    &reason), LOGLINE_MALFORMED);
	ck_assert_str_eq(l.day, DAY);
	ck_assert_int_eq(logline_parse("x", 1, &l, &reason),
	    LOGLINE_MALFORMED);
	ck_assert_str_eq(l.day, "");
}
END_TEST

/* The collector logs the request id of a malformed line. */
START_TEST(test_logline_bad_request_id_not_copied)
{
	static const char	 nul[] = "dripline1 lighttpd " USER " " DAY
	    " 0123\0zz 200 1";
	static const char	 esc[] = "dripline1 lighttpd " USER " " DAY
	    " 0123\x1b[2J 200 1";
	struct logline		 l;
	const char		*reason = NULL;

	ck_assert_int_eq(logline_parse(nul, sizeof(nul) - 1, &l, &reason),
	    LOGLINE_MALFORMED);
	ck_assert_str_eq(l.request_id, "");
	ck_assert_int_eq(logline_parse(esc, sizeof(esc) - 1, &l, &reason),
	    LOGLINE_MALFORMED);
	ck_assert_str_eq(l.request_id, "");
}
END_TEST

START_TEST(test_histogram_bucket_bounds)
{
	int	i;

	ck_assert_int_eq(histogram_bucket(-5), 0);
	ck_assert_int_eq(histogram_bucket(0), 0);
	for (i = 0; i < HISTOGRAM_BUCKETS - 1; i++) {
		ck_assert_int_eq(histogram_bucket(histogram_bound_us(i)), i);
		ck_assert_int_eq(histogram_bucket(histogram_bound_us(i) + 1),
		    i + 1);
		if (i > 0)
			ck_assert_int_gt(histogram_bound_us(i),
			    histogram_bound_us(i - 1));
	}
	ck_assert_int_eq(histogram_bound_us(0), 5000);
	ck_assert_int_eq(histogram_bound_us(HISTOGRAM_BUCKETS - 2), 60000000);
	ck_assert_int_eq(histogram_bound_us(HISTOGRAM_BUCKETS - 1), -1);
	ck_assert_int_eq(histogram_bucket(INT64_MAX / 2),
	    HISTOGRAM_BUCKETS - 1);
}
END_TEST

START_TEST(test_histogram_add_and_merge)
{
	struct histogram	a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	histogram_add(&a, 1000);
	histogram_add(&a, 7000);
	histogram_add(&b, 90000000);
	histogram_add(&b, -3);
	ck_assert_int_eq(a.count, 2);
	ck_assert_int_eq(a.sum_us, 8000);
	ck_assert_int_eq(a.max_us, 7000);
	ck_assert_int_eq(a.buckets[0], 1);
	ck_assert_int_eq(a.buckets[1], 1);
	ck_assert_int_eq(b.sum_us, 90000000);
	ck_assert_int_eq(b.buckets[0], 1);

	histogram_merge(&a, &b);
	ck_assert_int_eq(a.count, 4);
	ck_assert_int_eq(a.sum_us, 90008000);
	ck_assert_int_eq(a.max_us, 90000000);
	ck_assert_int_eq(a.buckets[0], 2);
	ck_assert_int_eq(a.buckets[HISTOGRAM_BUCKETS - 1], 1);
}
END_TEST

START_TEST(test_histogram_percentiles)
{
	struct histogram	h;
	int			i;

	memset(&h, 0, sizeof(h));
	ck_assert_int_eq(histogram_percentile_us(&h, 50), -1);

	/* One value: every percentile is that value, capped by the max. */
	histogram_add(&h, 3000);
	ck_assert_int_eq(histogram_percentile_us(&h, 50), 3000);
	ck_assert_int_eq(histogram_percentile_us(&h, 95), 3000);

	/* 1..100 ms: 5 in (0, 5], 5 in (5, 10], 15, 25, 50 above. */
	memset(&h, 0, sizeof(h));
	for (i = 1; i <= 100; i++)
		histogram_add(&h, (int64_t)i * 1000);
	ck_assert_int_eq(h.buckets[0], 5);
	ck_assert_int_eq(h.buckets[1], 5);
	ck_assert_int_eq(h.buckets[2], 15);
	ck_assert_int_eq(h.buckets[3], 25);
	ck_assert_int_eq(h.buckets[4], 50);
	/* Rank 50 is the last of (25, 50] ms. */
	ck_assert_int_eq(histogram_percentile_us(&h, 50), 50000);
	/* Rank 95 is the 45th of 50 in (50, 100] ms: 50 + 50 * 45 / 50. */
	ck_assert_int_eq(histogram_percentile_us(&h, 95), 95000);
	ck_assert_int_eq(histogram_percentile_us(&h, 100), 100000);
	/* Out-of-range percents are clamped. */
	ck_assert_int_eq(histogram_percentile_us(&h, 0),
	    histogram_percentile_us(&h, 1));
	ck_assert_int_eq(histogram_percentile_us(&h, 250), 100000);
}
END_TEST

START_TEST(test_histogram_open_bucket_uses_max)
{
	struct histogram	h;

	memset(&h, 0, sizeof(h));
	histogram_add(&h, 61000000);
	histogram_add(&h, 200000000);
	ck_assert_int_eq(histogram_percentile_us(&h, 95), 200000000);
	/* Rank 1 of 2 in (60 s, 200 s]: halfway. */
	ck_assert_int_eq(histogram_percentile_us(&h, 50), 130000000);
}
END_TEST

START_TEST(test_histogram_never_above_max)
{
	struct histogram	h;

	memset(&h, 0, sizeof(h));
	histogram_add(&h, 5200);
	histogram_add(&h, 5300);
	ck_assert_int_le(histogram_percentile_us(&h, 95), 5300);
	ck_assert_int_ge(histogram_percentile_us(&h, 95), 5000);
}
END_TEST

START_TEST(test_batch_adds_per_user_and_day)
{
	struct batch	 b;
	struct logline	 l;
	const char	*reason;

	ck_assert_int_eq(batch_init(&b), 0);
	ck_assert_int_eq(logline_parse(LT "200 10", strlen(LT "200 10"), &l,
	    &reason), LOGLINE_OK);
	ck_assert_int_eq(batch_add(&b, &l), 0);
	ck_assert_int_eq(batch_add(&b, &l), 0);
	l.outcome = LOGLINE_TIMED_OUT;
	ck_assert_int_eq(batch_add(&b, &l), 0);
	strcpy(l.day, "2026-03-11");
	ck_assert_int_eq(batch_add(&b, &l), 0);
	ck_assert_int_eq(batch_add_malformed(&b, ""), 0);
	ck_assert_int_eq(batch_add_malformed(&b, DAY), 0);

	ck_assert_uint_eq(b.nentries, 2);
	ck_assert_int_eq(b.entries[0].outcomes.status_2xx, 2);
	ck_assert_int_eq(b.entries[0].outcomes.timed_out, 1);
	ck_assert_int_eq(b.entries[0].outcomes.latency.count, 3);
	ck_assert_int_eq(b.entries[1].outcomes.timed_out, 1);
	ck_assert_int_eq(b.lines, 6);
	ck_assert_uint_ge(b.ndays, 1);
	batch_free(&b);
}
END_TEST

START_TEST(test_batch_full_drops_new_users)
{
	struct batch	 b;
	struct logline	 l;
	const char	*reason;
	int		 i;

	ck_assert_int_eq(batch_init(&b), 0);
	ck_assert_int_eq(logline_parse(LT "200 10", strlen(LT "200 10"), &l,
	    &reason), LOGLINE_OK);
	for (i = 0; i < BATCH_ENTRIES_MAX; i++) {
		snprintf(l.user_id, sizeof(l.user_id),
		    "00000000-0000-4000-8000-%012d", i);
		ck_assert_int_eq(batch_add(&b, &l), 0);
	}
	strcpy(l.user_id, USER);
	ck_assert_int_eq(batch_add(&b, &l), -1);
	ck_assert_int_eq(b.dropped, 1);
	/* A user and day already in the batch still adds up. */
	snprintf(l.user_id, sizeof(l.user_id), "00000000-0000-4000-8000-%012d",
	    7);
	ck_assert_int_eq(batch_add(&b, &l), 0);
	ck_assert_int_eq(b.entries[7].outcomes.status_2xx, 2);
	batch_free(&b);
}
END_TEST

/* The 2xx outcomes upstream_daily has for user on DAY, or -1. */
static int64_t
outcomes_2xx(const char *path, const char *user_id)
{
	char	sql[256];

	snprintf(sql, sizeof(sql), "SELECT status_2xx FROM upstream_daily"
	    " WHERE user_id = '%s' AND day = '" DAY "'", user_id);
	return test_db_int(path, sql, -1);
}

static void
user_id_of(int i, char id[DB_UUID_LEN + 1])
{
	snprintf(id, DB_UUID_LEN + 1, "00000000-0000-4000-8000-%012d", i);
}

/*
 * A write that fails after its first transaction keeps exactly what was
 * not committed: the committed users are not written twice, and an
 * outcome added to one of them before the next try is not lost.
 */
START_TEST(test_batch_write_failed_part_kept)
{
	const int		 n = BATCH_ENTRIES_PER_TX + 2;
	struct batch_result	 result;
	struct batch		 b;
	struct logline		 l;
	struct reqerr		 re;
	struct db		*db;
	const char		*tmp = getenv("TMPDIR"), *reason;
	char			 dir[PATH_MAX / 2], path[PATH_MAX], sql[256];
	char			 side[PATH_MAX + 8];
	char			 id[DB_UUID_LEN + 1], external_id[32];
	int64_t			 used;
	int			 i;

	snprintf(dir, sizeof(dir), "%s/check_collector.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/dripline.db", dir);
	reqerr_clear(&re);
	db = db_open(path, 0, 1000, DB_OPEN_CREATE | DB_OPEN_MIGRATE, &re);
	ck_assert_msg(db != NULL, "db_open: %s", re.db_message);

	/* Users with a decision each, and a line for each. */
	ck_assert_int_eq(batch_init(&b), 0);
	ck_assert_int_eq(logline_parse(LT "200 10", strlen(LT "200 10"), &l,
	    &reason), LOGLINE_OK);
	for (i = 0; i < n; i++) {
		user_id_of(i, id);
		snprintf(external_id, sizeof(external_id), "user-%d", i);
		ck_assert_int_eq(db_user_insert(db, id, external_id, 100,
		    "2026-03-10T00:00:00Z", &re), 0);
		ck_assert_int_eq(db_usage_charge(db, id, DAY, 1, 100, &used,
		    &re), 1);
		memcpy(l.user_id, id, sizeof(l.user_id));
		ck_assert_int_eq(batch_add(&b, &l), 0);
	}

	/* The collector writes through a connection of its own kind. */
	db_close(db);
	db = db_open(path, 0, 1000, DB_OPEN_ANALYTICS_WRITER, &re);
	ck_assert_msg(db != NULL, "db_open: %s", re.db_message);

	/* The first user of the second transaction cannot be written. */
	user_id_of(BATCH_ENTRIES_PER_TX, id);
	snprintf(sql, sizeof(sql), "CREATE TRIGGER analytics.refuse BEFORE"
	    " INSERT ON upstream_daily WHEN NEW.user_id = '%s' BEGIN"
	    " SELECT RAISE(ABORT, 'refused by the test'); END", id);
	test_db_exec(path, sql);
	ck_assert_int_eq(batch_write(&b, db, &result, &re), -1);
	ck_assert_uint_eq(b.nentries, 2);

	/* Another line for a user whose outcome is already written. */
	user_id_of(0, id);
	memcpy(l.user_id, id, sizeof(l.user_id));
	ck_assert_int_eq(batch_add(&b, &l), 0);
	ck_assert_uint_eq(b.nentries, 3);

	test_db_exec(path, "DROP TRIGGER analytics.refuse");
	reqerr_clear(&re);
	ck_assert_int_eq(batch_write(&b, db, &result, &re), 0);
	ck_assert_uint_eq(b.nentries, 0);
	ck_assert_int_eq(result.outcomes, 3);

	ck_assert_int_eq(outcomes_2xx(path, id), 2);
	for (i = 1; i < n; i++) {
		user_id_of(i, id);
		ck_assert_int_eq(outcomes_2xx(path, id), 1);
	}

	batch_free(&b);
	db_close(db);
	ck_assert_int_eq(db_analytics_path(path, side, sizeof(side)), 0);
	test_db_remove(side);
	test_db_remove(path);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

Suite *
collector_suite(void)
{
	Suite	*s = suite_create("collector");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_loop_test(tc, test_logline_outcomes, 0, NLINES);
	tcase_add_test(tc, test_logline_no_user_is_skipped);
	tcase_add_test(tc, test_logline_line_not_nul_terminated);
	tcase_add_test(tc, test_logline_syslog_header_stripped);
	tcase_add_test(tc, test_histogram_add_and_merge);
	tcase_add_test(tc, test_histogram_percentiles);
	tcase_add_test(tc, test_batch_adds_per_user_and_day);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_logline_malformed_reasons, 0, NMALFORMED);
	tcase_add_test(tc, test_logline_malformed_keeps_valid_day);
	tcase_add_test(tc, test_logline_bad_request_id_not_copied);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_histogram_bucket_bounds);
	tcase_add_test(tc, test_histogram_open_bucket_uses_max);
	tcase_add_test(tc, test_histogram_never_above_max);
	tcase_add_test(tc, test_batch_full_drops_new_users);
	suite_add_tcase(s, tc);

	tc = tcase_create("database");
	tcase_add_test(tc, test_batch_write_failed_part_kept);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 nfailed;

	sr = srunner_create(collector_suite());
	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
