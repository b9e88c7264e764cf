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
		/* A limit lowered below today's usage leaves used > limit. */
		snprintf(msg, msglen, "Daily quota exceeded: this request "
		    "costs %" PRId64 " unit%s and %" PRId64 " of %" PRId64
		    " units are used today (UTC)%s. The quota resets at %s.",
		    d->cost, d->cost == 1 ? "" : "s", d->used,
		    d->principal.daily_limit, d->used > d->principal.daily_limit ?
		    ", the limit having been lowered since" : "", reset);
		break;
	default:
		snprintf(msg, msglen, "Usage enforcement is unavailable, so "
		    "the request was not forwarded. Retry later.");
		break;
	}
}

/* The error type and code of a denial, in the OpenAI error shape. */
static void
reply_error_kind(enum authz_outcome outcome, const char **type,
    const char **code)
{
	switch (outcome) {
	case AUTHZ_UNAUTHORIZED:
		*type = "invalid_request_error";
		*code = "invalid_api_key";
		break;
	case AUTHZ_BAD_PATH:
		*type = "invalid_request_error";
		*code = "invalid_path";
		break;
	case AUTHZ_NO_ROUTE:
		*type = "invalid_request_error";
		*code = "route_not_found";
		break;
	case AUTHZ_QUOTA_EXCEEDED:
		*type = "insufficient_quota";
		*code = "daily_quota_exceeded";
		break;
	default:
		*type = "server_error";
		*code = "enforcement_unavailable";
		break;
	}
}

/*
 * Build the one-line JSON error body into OUT: body. Returns 0, or -1 if
 * json-c failed or the body does not fit.
 */
static int
reply_error_body(const struct authz_decision *d, const char *method,
    char *body, size_t bodylen)
{
	struct json_object	*root, *error;
	const char		*type, *code, *json;
	char			 msg[512];
	int			 n;

	reply_error_kind(d->outcome, &type, &code);
	reply_message(d, method, msg, sizeof(msg));
	if ((root = json_object_new_object()) == NULL)
		return -1;
	if ((error = json_object_new_object()) == NULL) {
		json_object_put(root);
		return -1;
	}
	json_object_object_add(root, "error", error);
	json_object_object_add(error, "message", json_object_new_string(msg));
	json_object_object_add(error, "type", json_object_new_string(type));
	json_object_object_add(error, "code", json_object_new_string(code));
	json = json_object_to_json_string_ext(root,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	n = json != NULL ? snprintf(body, bodylen, "%s", json) : -1;
	json_object_put(root);
	return n < 0 || (size_t)n >= bodylen ? -1 : 0;
}

/*
 * A denial. In the AUTHORIZER role (lighttpd) the output is the client's
 * response: "Status:" first, since lighttpd drops headers written before
 * it, then the contract's headers and the body.
 *
 * In the RESPONDER role (nginx auth_request), nginx passes only 401 and
 * 403 on and replaces the body. So the status is 401 or 403, and the real
 * status, body and headers travel in X-Dripline-* headers for the nginx
 * configuration to put back. The JSON body is one line, so it fits in a
 * header. X-RateLimit-* keep their names in both roles.
 */
static void
reply_denial(struct reply_buf *b, enum reply_role role,
    const struct authz_decision *d, const char *method)
{
	const char	*hp = role == REPLY_RESPONDER ? "X-Dripline-" : "";
	const char	*should_retry = role == REPLY_RESPONDER ?
			    "X-Dripline-Should-Retry" : "x-should-retry";
	char		 body[1024];
	int		 status = authz_status(d->outcome);

	if (reply_error_body(d, method, body, sizeof(body)) == -1) {
		b->overflow = 1;
		return;
	}

	if (role == REPLY_RESPONDER)
		reply_printf(b, "Status: %d\r\nX-Dripline-Status: %d\r\n"
		    "X-Dripline-Body: %s\r\n", status == 401 ? 401 : 403,
		    status, body);
	else
		reply_printf(b, "Status: %d\r\n", status);
	reply_printf(b, "Content-Type: application/json\r\n"
	    "Cache-Control: no-store\r\n");

	if (d->outcome == AUTHZ_UNAUTHORIZED)
		reply_printf(b, "%sWWW-Authenticate: Bearer\r\n", hp);
	if (d->outcome == AUTHZ_QUOTA_EXCEEDED)
		reply_printf(b, "%sRetry-After: %" PRId64 "\r\n"
		    "%s: false\r\n"
		    "X-RateLimit-Limit: %" PRId64 "\r\n"
		    "X-RateLimit-Remaining: 0\r\n"
		    "X-RateLimit-Reset: %" PRId64 "\r\n",
		    hp, d->window.retry_after, should_retry,
		    d->principal.daily_limit, d->window.reset);
	if (d->outcome == AUTHZ_UNAVAILABLE)
		reply_printf(b, "%sRetry-After: %d\r\n", hp,
		    REPLY_RETRY_UNAVAILABLE);

	reply_printf(b, "\r\n%s", body);
}

/*
 * An allowed request: the identity, the quota figures, and the normalized
 * path that was matched, so the web server can forward exactly that path.
 * The web server logs the user and the UTC day charged, which is how
 * dripline-collector attributes the upstream's outcome to the decision.
 */
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
	    "Variable-DRIPLINE_DAY: %s\r\n"
	    "Variable-DRIPLINE_PATH: %s\r\n"
	    "Variable-DRIPLINE_RATELIMIT_LIMIT: %" PRId64 "\r\n"
	    "Variable-DRIPLINE_RATELIMIT_REMAINING: %" PRId64 "\r\n"
	    "Variable-DRIPLINE_RATELIMIT_RESET: %" PRId64 "\r\n"
	    "\r\n" :
	    "Status: 200\r\n"
	    "X-Dripline-User: %s\r\n"
	    "X-Dripline-External-Id: %s\r\n"
	    "X-Dripline-Request-Id: %s\r\n"
	    "X-Dripline-Day: %s\r\n"
	    "X-Dripline-Path: %s\r\n"
	    "X-RateLimit-Limit: %" PRId64 "\r\n"
	    "X-RateLimit-Remaining: %" PRId64 "\r\n"
	    "X-RateLimit-Reset: %" PRId64 "\r\n"
	    "\r\n";
	reply_printf(b, fmt, d->principal.user_id, d->principal.external_id,
	    request_id, d->window.day, d->path, d->principal.daily_limit, remaining,
	    d->window.reset);
}

size_t
reply_format(enum reply_role role, const struct authz_decision *d,
    const char *method, const char *request_id, char *buf, size_t buflen)
{
	struct reply_buf	b = { buf, 0, buflen, 0 };

	if (d->outcome == AUTHZ_ALLOW)
		reply_allow(&b, role, d, request_id);
	else
		reply_denial(&b, role, d, method != NULL ? method : "?");

	if (b.overflow || b.len == 0) {
		snprintf(buf, buflen, "%s", reply_fallback);
		return strlen(buf);
	}
	return b.len;
}
