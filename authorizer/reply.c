/*
 * Response formatting. Every output is a complete CGI response, headers,
 * blank line and, for denials, a JSON body in the error shape that
 * OpenAI-compatible SDKs parse: {"error":{"message","type","code"}}.
 * lighttpd forwards a request on incomplete or garbage authorizer output,
 * so when anything here fails we fall back to a fixed 503.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "reply.h"

#define REPLY_RETRY_UNAVAILABLE	5	/* Retry-After of a 503, seconds */

static const char reply_fallback[] =
    "Status: 503\r\n"
    "Content-Type: application/json\r\n"
    "Retry-After: 5\r\n"
    "Cache-Control: no-store\r\n"
    "\r\n"
    "{\"error\":{\"message\":\"Usage enforcement is unavailable, so the "
    "request was not forwarded. Retry later.\",\"type\":\"server_error\","
    "\"code\":\"enforcement_unavailable\"}}";

struct reply_buf {
	char	*p;
	size_t	 len, cap;
	int	 overflow;
};

static void
reply_printf(struct reply_buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len)
		b->overflow = 1;
	else
		b->len += (size_t)n;
}

/* Header values we emit must not carry CR, LF or other controls. */
static int
reply_header_safe(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static void
reply_message(const struct authz_decision *d, const char *method,
    char *msg, size_t msglen)
{
	char	reset[21];

	switch (d->outcome) {
	case AUTHZ_UNAUTHORIZED:
		if (d->key_rejected)
			snprintf(msg, msglen, "The API key is not valid: it "
			    "is unknown or has been revoked.");
		else
			snprintf(msg, msglen, "No valid API key: %s. Send "
			    "the key as 'Authorization: Bearer <key>' or "
			    "'X-Api-Key: <key>'.", d->reason);
		break;
	case AUTHZ_BAD_PATH:
		snprintf(msg, msglen, "The request path was rejected as "
		    "ambiguous: %s.", d->reason);
		break;
	case AUTHZ_NO_ROUTE:
		snprintf(msg, msglen, "No route is configured for %.16s "
		    "%.200s.", method, d->path);
		break;
	case AUTHZ_QUOTA_EXCEEDED:
		utcday_format_rfc3339(d->window.reset, reset);
		snprintf(msg, msglen, "Daily quota exceeded: this request "
		    "costs %" PRId64 " unit%s and %" PRId64 " of %" PRId64
		    " units are used today (UTC). The quota resets at %s.",
		    d->cost, d->cost == 1 ? "" : "s", d->used,
		    d->principal.daily_limit, reset);
		break;
	default:
		snprintf(msg, msglen, "Usage enforcement is unavailable, so "
		    "the request was not forwarded. Retry later.");
		break;
	}
}

static void
reply_denial(struct reply_buf *b, const struct authz_decision *d,
    const char *method)
{
	struct json_object	*body = NULL, *error;
	const char		*type, *code, *json;
	char			 msg[512];
	int64_t			 limit = d->principal.daily_limit;

	switch (d->outcome) {
	case AUTHZ_UNAUTHORIZED:
		type = "invalid_request_error";
		code = "invalid_api_key";
		break;
	case AUTHZ_BAD_PATH:
		type = "invalid_request_error";
		code = "invalid_path";
		break;
	case AUTHZ_NO_ROUTE:
		type = "invalid_request_error";
		code = "route_not_found";
		break;
	case AUTHZ_QUOTA_EXCEEDED:
		type = "insufficient_quota";
		code = "daily_quota_exceeded";
		break;
	default:
		type = "server_error";
		code = "enforcement_unavailable";
		break;
	}
	reply_message(d, method, msg, sizeof(msg));

	/* "Status:" first: lighttpd drops headers written before it. */
	reply_printf(b, "Status: %d\r\n", authz_status(d->outcome));
	reply_printf(b, "Content-Type: application/json\r\n"
	    "Cache-Control: no-store\r\n");
	if (d->outcome == AUTHZ_UNAUTHORIZED)
		reply_printf(b, "WWW-Authenticate: Bearer\r\n");
	if (d->outcome == AUTHZ_QUOTA_EXCEEDED)
		reply_printf(b, "Retry-After: %" PRId64 "\r\n"
		    "X-RateLimit-Limit: %" PRId64 "\r\n"
		    "X-RateLimit-Remaining: 0\r\n"
		    "X-RateLimit-Reset: %" PRId64 "\r\n"
		    "x-should-retry: false\r\n",
		    d->window.retry_after, limit, d->window.reset);
	if (d->outcome == AUTHZ_UNAVAILABLE)
		reply_printf(b, "Retry-After: %d\r\n",
		    REPLY_RETRY_UNAVAILABLE);

	if ((body = json_object_new_object()) == NULL ||
	    (error = json_object_new_object()) == NULL) {
		b->overflow = 1;
		json_object_put(body);
		return;
	}
	json_object_object_add(body, "error", error);
	json_object_object_add(error, "message", json_object_new_string(msg));
	json_object_object_add(error, "type", json_object_new_string(type));
	json_object_object_add(error, "code", json_object_new_string(code));
	json = json_object_to_json_string_ext(body,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (json == NULL)
		b->overflow = 1;
	else
		reply_printf(b, "\r\n%s", json);
	json_object_put(body);
}

static void
reply_allow(struct reply_buf *b, enum reply_role role,
    const struct authz_decision *d, const char *request_id)
{
	const char	*fmt;
	int64_t		 remaining;

	remaining = d->principal.daily_limit - d->used;
	if (remaining < 0)
		remaining = 0;

	if (!reply_header_safe(d->principal.external_id)) {
		b->overflow = 1;
		return;
	}
	fmt = role == REPLY_AUTHORIZER ?
	    "Status: 200\r\n"
	    "Variable-DRIPLINE_USER: %s\r\n"
	    "Variable-DRIPLINE_EXTERNAL_ID: %s\r\n"
	    "Variable-DRIPLINE_REQUEST_ID: %s\r\n"
	    "Variable-DRIPLINE_RATELIMIT_LIMIT: %" PRId64 "\r\n"
	    "Variable-DRIPLINE_RATELIMIT_REMAINING: %" PRId64 "\r\n"
	    "Variable-DRIPLINE_RATELIMIT_RESET: %" PRId64 "\r\n"
	    "\r\n" :
	    "Status: 200\r\n"
	    "X-Dripline-User: %s\r\n"
	    "X-Dripline-External-Id: %s\r\n"
	    "X-Dripline-Request-Id: %s\r\n"
	    "X-RateLimit-Limit: %" PRId64 "\r\n"
	    "X-RateLimit-Remaining: %" PRId64 "\r\n"
	    "X-RateLimit-Reset: %" PRId64 "\r\n"
	    "\r\n";
	reply_printf(b, fmt, d->principal.user_id, d->principal.external_id,
	    request_id, d->principal.daily_limit, remaining, d->window.reset);
}

size_t
reply_format(enum reply_role role, const struct authz_decision *d,
    const char *method, const char *request_id, char *buf, size_t buflen)
{
	struct reply_buf	b = { buf, 0, buflen, 0 };

	if (d->outcome == AUTHZ_ALLOW)
		reply_allow(&b, role, d, request_id);
	else
		reply_denial(&b, d, method != NULL ? method : "?");

	if (b.overflow || b.len == 0) {
		snprintf(buf, buflen, "%s", reply_fallback);
		return strlen(buf);
	}
	return b.len;
}
