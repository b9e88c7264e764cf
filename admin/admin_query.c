/*
 * Query strings of the admin API: "name=value" pairs joined by "&",
 * percent-decoded. The API is strict so that a typo in a filter never
 * silently lists everything: unknown, repeated and empty parameters are
 * rejected, and so is a decoded NUL or control character.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "admin_int.h"

static int
admin_hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decode s in place. Returns 0, or -1 on a malformed escape or a
 * decoded control character.
 */
static int
admin_percent_decode(char *s)
{
	char	*out = s;
	int	 hi, lo;

	for (; *s != '\0'; s++) {
		if (*s == '%') {
			if ((hi = admin_hex_value(s[1])) == -1 ||
			    (lo = admin_hex_value(s[2])) == -1)
				return -1;
			*out = (char)(hi * 16 + lo);
			s += 2;
		} else
			*out = *s;
		if ((unsigned char)*out < 0x20 || *out == 0x7f)
			return -1;
		out++;
	}
	*out = '\0';
	return 0;
}

/* Store one decoded "name=value" pair in q after checking it. */
static int
admin_query_add(struct admin_ctx *ctx, const char *const allowed[],
    char *pair)
{
	struct admin_query	*q = &ctx->q;
	char			*value;
	size_t			 i;

	if ((value = strchr(pair, '=')) != NULL)
		*value++ = '\0';
	if (admin_percent_decode(pair) == -1 ||
	    (value != NULL && admin_percent_decode(value) == -1))
		return REQERR(&ctx->re, 400, "invalid_parameter", "invalid "
		    "query string: malformed percent-encoding or a control "
		    "character");
	for (i = 0; allowed[i] != NULL; i++)
		if (strcmp(allowed[i], pair) == 0)
			break;
	if (allowed[i] == NULL)
		return REQERR(&ctx->re, 400, "unknown_parameter", "unknown "
		    "query parameter '%.64s'%s", pair, allowed[0] == NULL ?
		    ": this request takes none" : "");
	if (admin_query_get(q, pair) != NULL)
		return REQERR(&ctx->re, 400, "invalid_parameter", "query "
		    "parameter '%s' is given more than once", pair);
	if (value == NULL || value[0] == '\0')
		return REQERR(&ctx->re, 400, "invalid_parameter", "query "
		    "parameter '%s' has no value", pair);
	if (q->n == ADMIN_QUERY_PARAMS_MAX)
		return REQERR(&ctx->re, 400, "invalid_parameter", "too many "
		    "query parameters");
	q->names[q->n] = pair;
	q->values[q->n] = value;
	q->n++;
	return 0;
}

int
admin_query_parse(struct admin_ctx *ctx, const char *const allowed[])
{
	struct admin_query	*q = &ctx->q;
	char			*pair, *next;

	q->n = 0;
	if (ctx->query == NULL || ctx->query[0] == '\0')
		return 0;
	if (strlen(ctx->query) > ADMIN_QUERY_MAX)
		return REQERR(&ctx->re, 400, "invalid_parameter", "the query "
		    "string exceeds the maximum of %d bytes", ADMIN_QUERY_MAX);
	memcpy(q->buf, ctx->query, strlen(ctx->query) + 1);

	for (pair = q->buf; pair != NULL; pair = next) {
		if ((next = strchr(pair, '&')) != NULL)
			*next++ = '\0';
		if (pair[0] == '\0')
			continue;	/* "a=1&&b=2" or a trailing "&" */
		if (admin_query_add(ctx, allowed, pair) == -1)
			return -1;
	}
	return 0;
}

const char *
admin_query_get(const struct admin_query *q, const char *name)
{
	size_t	i;

	for (i = 0; i < q->n; i++)
		if (strcmp(q->names[i], name) == 0)
			return q->values[i];
	return NULL;
}

int
admin_query_int64(struct admin_ctx *ctx, const struct admin_query *q,
    const char *name, int64_t min, int64_t max, int64_t dflt,
    int64_t *value)
{
	const char	*s = admin_query_get(q, name);
	char		*end;
	long long	 v;

	if (s == NULL) {
		*value = dflt;
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno == ERANGE ||
	    v < min || v > max)
		return REQERR(&ctx->re, 400, "invalid_parameter", "invalid "
		    "query parameter '%s': expected an integer from %" PRId64
		    " to %" PRId64 ", got '%.40s'", name, min, max, s);
	*value = v;
	return 0;
}

int
admin_query_day(struct admin_ctx *ctx, const struct admin_query *q,
    const char *name, const char *dflt, char day[UTCDAY_DAY_LEN + 1])
{
	const char	*s = admin_query_get(q, name);

	if (s == NULL)
		s = dflt;
	if (utcday_parse(s, NULL) == -1)
		return REQERR(&ctx->re, 400, "invalid_parameter", "invalid "
		    "query parameter '%s': expected a date YYYY-MM-DD, got "
		    "'%.40s'", name, s);
	memcpy(day, s, UTCDAY_DAY_LEN + 1);
	return 0;
}
