/*
 * Unit tests for the quota window. The expected Unix times were computed
 * independently with GNU date, for example `date -u -d 2026-12-05 +%s`,
 * so a mistake in utcday.c cannot hide in the expectations.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "utcday.h"

#define MS	1000LL
#define DAY	86400LL

/* Unix times (s) of UTC midnights used below. */
#define T_2026_03_01	1772323200LL
#define T_2026_12_05	1796428800LL
#define T_2026_12_06	1796515200LL
#define T_2027_01_01	1798761600LL
#define T_2028_02_28	1835308800LL
#define T_2028_02_29	1835395200LL
#define T_2028_03_01	1835481600LL
#define T_2000_02_29	951782400LL
#define T_2100_02_28	4107456000LL
#define T_2100_03_01	4107542400LL
#define T_10000_01_01	253402300800LL

struct utcday_window_case {
	const char	*name;
	int64_t		 now_ms;
	const char	*day;
	int64_t		 reset;
	int64_t		 retry_after;
};

struct utcday_day_case {
	const char	*day;
	int64_t		 midnight;
};

Suite	*utcday_suite(void);

static const struct utcday_window_case utcday_windows[] = {
	{ "last millisecond of the day", T_2026_12_05 * MS - 1,
	    "2026-12-04", T_2026_12_05, 1 },
	{ "first millisecond of the day", T_2026_12_05 * MS,
	    "2026-12-05", T_2026_12_06, DAY },
	{ "second millisecond of the day", T_2026_12_05 * MS + 1,
	    "2026-12-05", T_2026_12_06, DAY },
	{ "last whole second of the day", T_2026_12_05 * MS - 1000,
	    "2026-12-04", T_2026_12_05, 1 },
	{ "1.001 s before midnight", T_2026_12_05 * MS - 1001,
	    "2026-12-04", T_2026_12_05, 2 },
	{ "noon", T_2026_12_05 * MS + DAY * MS / 2,
	    "2026-12-05", T_2026_12_06, DAY / 2 },
	{ "Unix epoch", 0, "1970-01-01", DAY, DAY },
	{ "last millisecond before 1970", -1, "1969-12-31", 0, 1 },
	{ "first millisecond of 1969-12-31", -DAY * MS, "1969-12-31", 0,
	    DAY },
	{ "last millisecond of 1969-12-30", -DAY * MS - 1, "1969-12-30",
	    -DAY, 1 },
	{ "noon of 1969-07-20", -14212800000LL, "1969-07-20", -14169600LL,
	    43200 },
	{ "eve of a leap day", T_2028_02_29 * MS - 1, "2028-02-28",
	    T_2028_02_29, 1 },
	{ "leap day", T_2028_02_29 * MS, "2028-02-29", T_2028_03_01, DAY },
	{ "end of a leap day", T_2028_03_01 * MS - 1, "2028-02-29",
	    T_2028_03_01, 1 },
	{ "end of February in a common year", T_2026_03_01 * MS - 1,
	    "2026-02-28", T_2026_03_01, 1 },
	{ "leap day of a 400th year", T_2000_02_29 * MS + 1, "2000-02-29",
	    T_2000_02_29 + DAY, DAY },
	{ "end of February in 2100, not a leap year", T_2100_03_01 * MS - 1,
	    "2100-02-28", T_2100_03_01, 1 },
	{ "start of 2100-02-28", T_2100_02_28 * MS, "2100-02-28",
	    T_2100_03_01, DAY },
	{ "end of the year", T_2027_01_01 * MS - 1, "2026-12-31",
	    T_2027_01_01, 1 },
	{ "start of the year", T_2027_01_01 * MS, "2027-01-01",
	    T_2027_01_01 + DAY, DAY },
	{ "end of year 9999", T_10000_01_01 * MS - 1, "9999-12-31",
	    T_10000_01_01, 1 },
};

static const struct utcday_day_case utcday_valid_days[] = {
	{ "1970-01-01", 0 },
	{ "1969-12-31", -DAY },
	{ "2026-12-05", T_2026_12_05 },
	{ "2026-12-31", T_2027_01_01 - DAY },
	{ "2027-01-01", T_2027_01_01 },
	{ "2028-02-29", T_2028_02_29 },
	{ "2000-02-29", T_2000_02_29 },
	{ "2026-02-28", T_2026_03_01 - DAY },
	{ "2100-02-28", T_2100_02_28 },
	{ "9999-12-31", T_10000_01_01 - DAY },
};

static const char *const utcday_invalid_days[] = {
	"2026-02-29",		/* 2026 is not a leap year */
	"2100-02-29",		/* nor is 2100 */
	"2028-02-30",
	"2026-04-31",
	"2026-01-32",
	"2026-01-00",
	"2026-00-10",
	"2026-13-01",
	"2026-99-99",
	"2026-1-05",
	"26-01-05",
	"2026/01/05",
	"2026.01.05",
	"20260105",
	"2026-01-05 ",
	" 2026-01-05",
	"2026-01-05\n",
	"2026-01-05T00:00:00Z",
	"2026-01-5x",
	"2026--1-05",
	"+026-01-05",
	"-026-01-05",
	"abcd-ef-gh",
	"today",
	"",
};

#define NWINDOWS	(sizeof(utcday_windows) / sizeof(utcday_windows[0]))
#define NVALID		(sizeof(utcday_valid_days) / \
			    sizeof(utcday_valid_days[0]))
#define NINVALID	(sizeof(utcday_invalid_days) / \
			    sizeof(utcday_invalid_days[0]))

static int64_t	utcday_fixed_ms;

static int64_t
utcday_fixed_clock(void)
{
	return utcday_fixed_ms;
}

static void
utcday_restore_clock(void)
{
	utcday_set_clock(NULL);
}

START_TEST(test_utcday_window_for_instant)
{
	const struct utcday_window_case	*c = &utcday_windows[_i];
	struct utc_window		 w;

	memset(&w, 0x5a, sizeof(w));
	utcday_window(c->now_ms, &w);
	ck_assert_msg(strcmp(w.day, c->day) == 0, "%s: day '%s', expected "
	    "'%s'", c->name, w.day, c->day);
	ck_assert_msg(w.reset == c->reset, "%s: reset %lld, expected %lld",
	    c->name, (long long)w.reset, (long long)c->reset);
	ck_assert_msg(w.retry_after == c->retry_after, "%s: retry_after "
	    "%lld, expected %lld", c->name, (long long)w.retry_after,
	    (long long)c->retry_after);
}
END_TEST

START_TEST(test_utcday_injected_clock_before_midnight)
{
	struct utc_window	w;

	utcday_fixed_ms = T_2026_12_05 * MS - 1;	/* 23:59:59.999 */
	utcday_set_clock(utcday_fixed_clock);
	ck_assert_int_eq(utcday_now_ms(), utcday_fixed_ms);

	utcday_window(utcday_now_ms(), &w);
	ck_assert_str_eq(w.day, "2026-12-04");
	ck_assert_int_eq(w.reset, T_2026_12_05);
	ck_assert_int_eq(w.retry_after, 1);
}
END_TEST

START_TEST(test_utcday_injected_clock_at_midnight)
{
	struct utc_window	w;

	utcday_fixed_ms = T_2026_12_05 * MS;		/* 00:00:00.000 */
	utcday_set_clock(utcday_fixed_clock);
	ck_assert_int_eq(utcday_now_ms(), utcday_fixed_ms);

	utcday_window(utcday_now_ms(), &w);
	ck_assert_str_eq(w.day, "2026-12-05");
	ck_assert_int_eq(w.reset, T_2026_12_06);
	ck_assert_int_eq(w.retry_after, DAY);
}
END_TEST

START_TEST(test_utcday_null_clock_restores_real_time)
{
	int64_t	before, now, after;

	utcday_fixed_ms = 0;
	utcday_set_clock(utcday_fixed_clock);
	ck_assert_int_eq(utcday_now_ms(), 0);

	utcday_set_clock(NULL);
	before = (int64_t)time(NULL) * MS;
	now = utcday_now_ms();
	after = ((int64_t)time(NULL) + 1) * MS;
	ck_assert_int_ge(now, before);
	ck_assert_int_lt(now, after);
}
END_TEST

START_TEST(test_utcday_valid_day_parsed)
{
	const struct utcday_day_case	*c = &utcday_valid_days[_i];
	int64_t				 midnight = -12345;

	ck_assert_msg(utcday_parse(c->day, &midnight) == 0,
	    "'%s': rejected", c->day);
	ck_assert_msg(midnight == c->midnight, "'%s': midnight %lld, "
	    "expected %lld", c->day, (long long)midnight,
	    (long long)c->midnight);
	ck_assert_msg(utcday_parse(c->day, NULL) == 0,
	    "'%s': rejected without an output", c->day);
}
END_TEST

START_TEST(test_utcday_window_day_parses_back)
{
	const struct utcday_window_case	*c = &utcday_windows[_i];
	struct utc_window		 w;
	int64_t				 midnight;

	utcday_window(c->now_ms, &w);
	ck_assert_msg(utcday_parse(w.day, &midnight) == 0,
	    "%s: day '%s' rejected", c->name, w.day);
	ck_assert_msg(midnight + DAY == w.reset, "%s: midnight %lld is not "
	    "one day before reset %lld", c->name, (long long)midnight,
	    (long long)w.reset);
}
END_TEST

START_TEST(test_utcday_rfc3339_formatted)
{
	static const struct {
		int64_t		 t;
		const char	*text;
	} cases[] = {
		{ 0, "1970-01-01T00:00:00Z" },
		{ -1, "1969-12-31T23:59:59Z" },
		{ T_2026_12_05, "2026-12-05T00:00:00Z" },
		{ T_2026_12_05 - 1, "2026-12-04T23:59:59Z" },
		{ T_2028_02_29 + 12 * 3600 + 34 * 60 + 56,
		    "2028-02-29T12:34:56Z" },
		{ T_2000_02_29, "2000-02-29T00:00:00Z" },
		{ T_10000_01_01 - 1, "9999-12-31T23:59:59Z" },
	};
	char	out[21];
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, 'x', sizeof(out));
		utcday_format_rfc3339(cases[i].t, out);
		ck_assert_msg(memchr(out, '\0', sizeof(out)) != NULL,
		    "%lld: output not terminated", (long long)cases[i].t);
		ck_assert_msg(strcmp(out, cases[i].text) == 0, "%lld: '%s', "
		    "expected '%s'", (long long)cases[i].t, out,
		    cases[i].text);
	}
}
END_TEST

START_TEST(test_utcday_invalid_day_rejected)
{
	const char	*day = utcday_invalid_days[_i];
	int64_t		 midnight;

	ck_assert_msg(utcday_parse(day, &midnight) == -1,
	    "'%s': accepted", day);
	ck_assert_msg(utcday_parse(day, NULL) == -1,
	    "'%s': accepted without an output", day);
}
END_TEST

START_TEST(test_utcday_retry_after_at_least_one)
{
	struct utc_window	w;
	int64_t			ms;

	/* Every millisecond of the last two seconds before midnight. */
	for (ms = T_2026_12_05 * MS - 2000; ms < T_2026_12_05 * MS; ms++) {
		utcday_window(ms, &w);
		ck_assert_msg(w.retry_after >= 1, "%lld: retry_after %lld",
		    (long long)ms, (long long)w.retry_after);
		ck_assert_msg(w.reset * MS - ms <= w.retry_after * MS,
		    "%lld: retry_after %lld ends before reset",
		    (long long)ms, (long long)w.retry_after);
		ck_assert_msg(strcmp(w.day, "2026-12-04") == 0,
		    "%lld: day '%s'", (long long)ms, w.day);
	}
}
END_TEST

START_TEST(test_utcday_every_day_of_leap_year)
{
	struct utc_window	w;
	int64_t			t, midnight;
	int			n = 0;

	/* 2028-01-01 .. 2028-12-31: 366 windows, each a day long. */
	for (t = T_2028_02_29 - 59 * DAY; t < T_2028_02_29 + 307 * DAY;
	    t += DAY, n++) {
		utcday_window(t * MS + DAY * MS - 1, &w);
		ck_assert_int_eq(w.reset, t + DAY);
		ck_assert_int_eq(utcday_parse(w.day, &midnight), 0);
		ck_assert_int_eq(midnight, t);
	}
	ck_assert_int_eq(n, 366);
	utcday_window((T_2028_02_29 - 59 * DAY) * MS, &w);
	ck_assert_str_eq(w.day, "2028-01-01");
	utcday_window((T_2028_02_29 + 306 * DAY) * MS, &w);
	ck_assert_str_eq(w.day, "2028-12-31");
}
END_TEST

Suite *
utcday_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("utcday");

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, NULL, utcday_restore_clock);
	tcase_add_loop_test(tc, test_utcday_window_for_instant, 0, NWINDOWS);
	tcase_add_test(tc, test_utcday_injected_clock_before_midnight);
	tcase_add_test(tc, test_utcday_injected_clock_at_midnight);
	tcase_add_test(tc, test_utcday_null_clock_restores_real_time);
	tcase_add_loop_test(tc, test_utcday_valid_day_parsed, 0, NVALID);
	tcase_add_loop_test(tc, test_utcday_window_day_parses_back, 0,
	    NWINDOWS);
	tcase_add_test(tc, test_utcday_rfc3339_formatted);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_utcday_invalid_day_rejected, 0, NINVALID);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_utcday_retry_after_at_least_one);
	tcase_add_test(tc, test_utcday_every_day_of_leap_year);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 nfailed;

	sr = srunner_create(utcday_suite());
	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
