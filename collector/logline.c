/*
 * Parser of the access log lines described in logline.h. It copies
 * nothing from the line into the log and accepts only what the shipped
 * formats can produce, so a line from any other format is malformed.
 */
#include "config.h"

#include <string.h>

#include "crypto.h"
#include "logline.h"

#define LOGLINE_FIELDS_MAX	10
#define LOGLINE_TAG		"dripline1"

struct logline_field {
	const char	*p;
	size_t		 len;
};

/*
 * Split line into fields at single spaces; a field that starts with '"'
 * runs to the next '"'. Returns the number of fields, or -1 if there are
 * too many or a quote is not closed.
 */
static int
logline_split(const char *line, size_t len, struct logline_field *f)
{
	const char	*end = line + len, *p = line, *close;
	int		 n = 0;

	while (p < end) {
		if (n == LOGLINE_FIELDS_MAX)
			return -1;
		if (*p == '"') {
			close = memchr(p + 1, '"', (size_t)(end - p - 1));
			if (close == NULL)
				return -1;
			f[n].p = p + 1;
			f[n].len = (size_t)(close - p - 1);
			p = close + 1;
		} else {
			f[n].p = p;
			while (p < end && *p != ' ')
				p++;
			f[n].len = (size_t)(p - f[n].p);
		}
		n++;
		if (p < end && *p != ' ')
			return -1;
		if (p < end)
			p++;
	}
	return n;
}

static int
logline_is(const struct logline_field *f, const char *s)
{
	return f->len == strlen(s) && memcmp(f->p, s, f->len) == 0;
}

/* nginx logs an unset variable as "-" and an empty one as nothing. */
static int
logline_empty(const struct logline_field *f)
{
	return f->len == 0 || logline_is(f, "-");
}

/* Copy f into dst (size dstlen). Returns 0, or -1 if it does not fit. */
static int
logline_copy(const struct logline_field *f, char *dst, size_t dstlen)
{
	if (f->len >= dstlen)
		return -1;
	memcpy(dst, f->p, f->len);
	dst[f->len] = '\0';
	return 0;
}

/* Read a status code 100..599. Returns it, or -1. */
static int
logline_status(const char *p, size_t len)
{
	if (len != 3 || p[0] < '1' || p[0] > '5' || p[1] < '0' ||
	    p[1] > '9' || p[2] < '0' || p[2] > '9')
		return -1;
	return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
}

/* Read a whole number of at most 15 digits. Returns 0 or -1. */
static int
logline_number(const char *p, size_t len, int64_t *value)
{
	size_t	i;

	if (len == 0 || len > 15)
		return -1;
	*value = 0;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		*value = *value * 10 + (p[i] - '0');
	}
	return 0;
}

/*
 * Read nginx's seconds with milliseconds, "1.234", as microseconds. The
 * seconds have at most 9 digits, so the result stays below 10^15 like
 * lighttpd's 15-digit duration, and the multiplication cannot overflow.
 * Returns 0 or -1.
 */
static int
logline_seconds(const char *p, size_t len, int64_t *us)
{
	const char	*dot = memchr(p, '.', len);
	int64_t		 s, ms;

	if (dot == NULL || (size_t)(p + len - dot - 1) != 3 ||
	    dot - p > 9 ||
	    logline_number(p, (size_t)(dot - p), &s) == -1 ||
	    logline_number(dot + 1, 3, &ms) == -1)
		return -1;
	*us = s * 1000000 + ms * 1000;
	return 0;
}

/*
 * Walk an nginx list, one value per upstream tried, separated by ", "
 * (next server) or " : " (next upstream after an internal redirect).
 * Calls each(value, len, arg) per value, in order, and stops at the
 * first -1. Returns 0 or -1.
 */
static int
logline_list(const struct logline_field *f,
    int (*each)(const char *, size_t, void *), void *arg)
{
	const char	*p = f->p, *end = f->p + f->len, *v;

	if (f->len == 0)
		return -1;
	while (p < end) {
		v = p;
		while (p < end && *p != ',' && *p != ' ')
			p++;
		if (each(v, (size_t)(p - v), arg) == -1)
			return -1;
		if (p == end)
			break;
		if (end - p >= 2 && p[0] == ',' && p[1] == ' ')
			p += 2;
		else if (end - p >= 3 && memcmp(p, " : ", 3) == 0)
			p += 3;
		else
			return -1;
		if (p == end)
			return -1;
	}
	return 0;
}

/* The last upstream status of a list; 0 for "-". */
static int
logline_each_status(const char *v, size_t len, void *arg)
{
	int	*last = arg;

	if (len == 1 && v[0] == '-') {
		*last = 0;
		return 0;
	}
	*last = logline_status(v, len);
	return *last == -1 ? -1 : 0;
}

/* Whether the last upstream sent a header: 1, or 0 for "-". */
static int
logline_each_header_time(const char *v, size_t len, void *arg)
{
	int	*sent = arg;
	int64_t	 us;

	if (len == 1 && v[0] == '-') {
		*sent = 0;
		return 0;
	}
	*sent = 1;
	return logline_seconds(v, len, &us);
}

/*
 * Add a response time to the sum in microseconds, which stays -1 while
 * every value is "-". A sum past INT64_MAX, possible only in a line far
 * longer than LOGLINE_MAX, is malformed.
 */
static int
logline_each_response_time(const char *v, size_t len, void *arg)
{
	int64_t	*sum = arg, us;

	if (len == 1 && v[0] == '-')
		return 0;
	if (logline_seconds(v, len, &us) == -1 || *sum > INT64_MAX - us)
		return -1;
	*sum = *sum < 0 ? us : *sum + us;
	return 0;
}

static enum logline_outcome
logline_class(int status)
{
	switch (status / 100) {
	case 2:
		return LOGLINE_2XX;
	case 4:
		return LOGLINE_4XX;
	case 5:
		return LOGLINE_5XX;
	default:
		return LOGLINE_OTHER;
	}
}

/* Fill the outcome and latency from lighttpd's STATUS DURATION_US. */
static int
logline_lighttpd(const struct logline_field *f, int n, struct logline *out,
    const char **reason)
{
	if (n != 7) {
		*reason = "a lighttpd line has 7 fields";
		return -1;
	}
	if (logline_number(f[6].p, f[6].len, &out->latency_us) == -1) {
		*reason = "the duration is not a whole number of microseconds";
		return -1;
	}
	/*
	 * lighttpd 1.4.69 returns 503 itself when it cannot connect (its
	 * error log reads "all handlers ... are down") and 502 for a broken
	 * response.
	 */
	if (out->status == 504)
		out->outcome = LOGLINE_TIMED_OUT;
	else if (out->status == 502 || out->status == 503)
		out->outcome = LOGLINE_UNREACHABLE;
	else
		out->outcome = logline_class(out->status);
	return 0;
}

/* Fill the outcome and latency from nginx's $status and $upstream_*. */
static int
logline_nginx(const struct logline_field *f, int n, struct logline *out,
    const char **reason)
{
	int	upstream_status = 0, header_sent = 0;

	if (n != 9) {
		*reason = "an nginx line has 9 fields";
		return -1;
	}
	if (logline_list(&f[6], logline_each_status, &upstream_status) == -1) {
		*reason = "the upstream status is not a list of status codes";
		return -1;
	}
	if (logline_list(&f[7], logline_each_header_time,
	    &header_sent) == -1) {
		*reason = "the upstream header time is not a list of seconds";
		return -1;
	}
	out->latency_us = -1;
	if (logline_list(&f[8], logline_each_response_time,
	    &out->latency_us) == -1) {
		*reason = "the upstream response time is not a list of seconds";
		return -1;
	}

	if (header_sent && upstream_status > 0)
		out->outcome = logline_class(upstream_status);
	else if (out->status == 504)
		out->outcome = LOGLINE_TIMED_OUT;
	else if (out->status == 502)
		out->outcome = LOGLINE_UNREACHABLE;
	else
		out->outcome = LOGLINE_OTHER;
	return 0;
}

enum logline_result
logline_parse(const char *line, size_t len, struct logline *out,
    const char **reason)
{
	struct logline_field	f[LOGLINE_FIELDS_MAX];
	size_t			i;
	int			n;

	memset(out, 0, sizeof(*out));
	out->latency_us = -1;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;

	if ((n = logline_split(line, len, f)) == -1) {
		*reason = "the fields are not separated by single spaces";
		return LOGLINE_MALFORMED;
	}
	if (n < 6 || !logline_is(&f[0], LOGLINE_TAG)) {
		*reason = "the line does not start with '" LOGLINE_TAG "'";
		return LOGLINE_MALFORMED;
	}
	if (logline_copy(&f[3], out->day, sizeof(out->day)) == -1 ||
	    utcday_parse(out->day, NULL) == -1) {
		out->day[0] = '\0';
		if (!logline_empty(&f[2])) {
			*reason = "the day is not a date YYYY-MM-DD";
			return LOGLINE_MALFORMED;
		}
	}
	if (logline_empty(&f[2]))
		return LOGLINE_NO_USER;
	if (logline_copy(&f[2], out->user_id, sizeof(out->user_id)) == -1 ||
	    !crypto_uuid_valid(out->user_id)) {
		*reason = "the user is not a lower-case UUID";
		return LOGLINE_MALFORMED;
	}
	/*
	 * The collector logs out->request_id also for a malformed line, so
	 * check the whole field before copying it. A NUL byte is tested
	 * separately because strchr would match its string's terminator.
	 */
	for (i = 0; i < f[4].len; i++) {
		if (f[4].p[i] == '\0' ||
		    strchr("0123456789abcdef-", f[4].p[i]) == NULL) {
			*reason = "the request id is not hexadecimal";
			return LOGLINE_MALFORMED;
		}
	}
	if (logline_copy(&f[4], out->request_id,
	    sizeof(out->request_id)) == -1) {
		*reason = "the request id is too long";
		return LOGLINE_MALFORMED;
	}
	if ((out->status = logline_status(f[5].p, f[5].len)) == -1) {
		*reason = "the status is not a code from 100 to 599";
		return LOGLINE_MALFORMED;
	}

	if (logline_is(&f[1], "lighttpd")) {
		if (logline_lighttpd(f, n, out, reason) == -1)
			return LOGLINE_MALFORMED;
	} else if (logline_is(&f[1], "nginx")) {
		if (logline_nginx(f, n, out, reason) == -1)
			return LOGLINE_MALFORMED;
	} else {
		*reason = "the server is neither lighttpd nor nginx";
		return LOGLINE_MALFORMED;
	}
	return LOGLINE_OK;
}

const char *
logline_syslog_message(const char *msg)
{
	const char	*p;

	if (msg[0] != '<')
		return msg;
	if ((p = strstr(msg, ": ")) == NULL)
		return msg;
	return p + 2;
}
