/*
 * The access log line that the shipped web server configurations write
 * for dripline-collector: one line per request, fields separated by one
 * space, a field with spaces in double quotes. "-" or nothing is an
 * empty value.
 *
 *   dripline1 lighttpd USER DAY REQUEST_ID STATUS DURATION_US
 *   dripline1 nginx USER DAY REQUEST_ID STATUS "UPSTREAM_STATUS"
 *       "UPSTREAM_HEADER_TIME" "UPSTREAM_RESPONSE_TIME"
 *
 * USER and DAY are the user and UTC day the authorizer charged for an
 * allowed request. The web server takes them from the authorizer's
 * response, never from the client's request. lighttpd logs %>s and %D
 * (microseconds serving the whole request); nginx logs $status and its
 * $upstream_* variables, lists of one value per upstream tried.
 */
#ifndef DRIPLINE_LOGLINE_H
#define DRIPLINE_LOGLINE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "utcday.h"

#define LOGLINE_MAX		4096	/* bytes of one line */
#define LOGLINE_REQUEST_ID_MAX	32

/* Upstream outcome of one request: one counter of struct db_outcomes. */
enum logline_outcome {
	LOGLINE_2XX,
	LOGLINE_4XX,
	LOGLINE_5XX,		/* the upstream answered 5xx */
	LOGLINE_TIMED_OUT,	/* 504 made by the proxy */
	LOGLINE_UNREACHABLE,	/* 502 (lighttpd: or 503) made by the proxy */
	LOGLINE_OTHER		/* 1xx, 3xx, or no answer from upstream */
};

enum logline_result {
	LOGLINE_OK,		/* an allowed request's outcome */
	LOGLINE_NO_USER,	/* USER is empty: the authorizer allowed nothing */
	LOGLINE_MALFORMED	/* see OUT: reason */
};

struct logline {
	char			user_id[DB_UUID_LEN + 1];
	char			day[UTCDAY_DAY_LEN + 1];	/* "" if unknown */
	char			request_id[LOGLINE_REQUEST_ID_MAX + 1];
	int			status;		/* what the client got */
	enum logline_outcome	outcome;
	int64_t			latency_us;	/* -1 if not logged */
};

/*
 * Parse one line (len bytes, no newline needed, not NUL-terminated) into
 * OUT: out. Returns LOGLINE_OK, LOGLINE_NO_USER, or LOGLINE_MALFORMED
 * with a static phrase in OUT: reason. After a malformed line, out->day
 * is the line's day if that field was valid, else "", and
 * out->request_id is the line's request id or "", never a field that
 * failed its check.
 *
 * Classification: a 504 the proxy made itself is timed out, and a 502
 * it made is unreachable; otherwise the upstream's status counts by its
 * class. On nginx the proxy made the status when the last upstream sent
 * no header ($upstream_header_time "-"). A request that ended without
 * any response from upstream (nginx 499) is "other".
 *
 * NOTE: lighttpd logs no upstream status, and 1.4.69 answers 503 itself
 * when it cannot connect. So on lighttpd every 504 is timed out and every
 * 502 and 503 unreachable, including an upstream's own.
 */
enum logline_result logline_parse(const char *line, size_t len,
		    struct logline *out, const char **reason);

/*
 * Return the message of a syslog datagram ("<PRI>header: message"), as
 * nginx sends it, or msg itself when it does not start with "<".
 */
const char	*logline_syslog_message(const char *msg);

#endif
