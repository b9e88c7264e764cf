/*
 * UTC day arithmetic for the quota window. Days are computed with
 * gmtime_r from whole seconds; milliseconds only decide how many seconds
 * remain until the next midnight, rounded up so Retry-After is never 0.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "utcday.h"

#define MS_PER_DAY	86400000LL

static int64_t	utcday_realtime_ms(void);

static int64_t	(*utcday_clock)(void) = utcday_realtime_ms;

static int64_t
utcday_realtime_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
utcday_now_ms(void)
{
	return utcday_clock();
}

void
utcday_set_clock(int64_t (*now_ms)(void))
{
	utcday_clock = now_ms != NULL ? now_ms : utcday_realtime_ms;
}

void
utcday_window(int64_t now_ms, struct utc_window *window)
{
	int64_t	day_index, next_midnight_ms;
	time_t	t;
	struct tm tm;

	/* Floor division, so instants before 1970 still land on their day. */
	day_index = now_ms / MS_PER_DAY;
	if (now_ms % MS_PER_DAY < 0)
		day_index--;
	next_midnight_ms = (day_index + 1) * MS_PER_DAY;

	t = (time_t)(day_index * 86400);
	gmtime_r(&t, &tm);
	strftime(window->day, sizeof(window->day), "%Y-%m-%d", &tm);

	window->reset = next_midnight_ms / 1000;
	window->retry_after = (next_midnight_ms - now_ms + 999) / 1000;
}

void
utcday_format_rfc3339(int64_t t, char out[21])
{
	time_t	tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
utcday_parse(const char *day, int64_t *midnight)
{
	struct tm	tm;
	char		back[UTCDAY_DAY_LEN + 1];
	time_t		t;
	int		i;

	if (strlen(day) != UTCDAY_DAY_LEN)
		return -1;
	for (i = 0; i < UTCDAY_DAY_LEN; i++) {
		if (i == 4 || i == 7) {
			if (day[i] != '-')
				return -1;
		} else if (day[i] < '0' || day[i] > '9')
			return -1;
	}

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (day[0] - '0') * 1000 + (day[1] - '0') * 100 +
	    (day[2] - '0') * 10 + (day[3] - '0') - 1900;
	tm.tm_mon = (day[5] - '0') * 10 + (day[6] - '0') - 1;
	tm.tm_mday = (day[8] - '0') * 10 + (day[9] - '0');
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1)
		return -1;
	t = timegm(&tm);

	/* timegm normalizes 02-30 into March: a round trip catches that. */
	gmtime_r(&t, &tm);
	strftime(back, sizeof(back), "%Y-%m-%d", &tm);
	if (strcmp(back, day) != 0)
		return -1;
	if (midnight != NULL)
		*midnight = (int64_t)t;
	return 0;
}
