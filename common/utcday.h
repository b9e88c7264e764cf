/*
 * The quota window: the UTC calendar day. A request at 23:59:59.999 UTC
 * belongs to that day and one at 00:00:00.000 to the next. The clock is
 * injectable so tests can stand on either side of midnight.
 */
#ifndef DRIPLINE_UTCDAY_H
#define DRIPLINE_UTCDAY_H

#include <stdint.h>

#define UTCDAY_DAY_LEN	10	/* "YYYY-MM-DD" */

struct utc_window {
	char	day[UTCDAY_DAY_LEN + 1];	/* the day the instant is in */
	int64_t	reset;		/* Unix time (s) of the next UTC midnight */
	int64_t	retry_after;	/* whole seconds until reset, at least 1 */
};

/* Milliseconds since the Unix epoch, from the current clock source. */
int64_t	utcday_now_ms(void);

/* Replace the clock source; NULL restores the real-time clock. */
void	utcday_set_clock(int64_t (*now_ms)(void));

/* Fill OUT: window for the instant now_ms (ms since the Unix epoch). */
void	utcday_window(int64_t now_ms, struct utc_window *window);

/* Format Unix time t (s) as RFC 3339 UTC, "2026-12-05T00:00:00Z". */
void	utcday_format_rfc3339(int64_t t, char out[21]);

/*
 * Check that day is a real calendar day written "YYYY-MM-DD".
 * Returns 0 if it is, -1 if not.
 */
int	utcday_parse(const char *day, int64_t *midnight);

#endif
