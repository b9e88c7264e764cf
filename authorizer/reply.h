/*
 * FastCGI output of a decision. lighttpd calls us in the AUTHORIZER role:
 * a 200 carries the identity as Variable-* lines, which lighttpd turns
 * into request environment, and a denial is the client's whole response.
 * nginx's auth_request calls us in the RESPONDER role, where a 200 carries
 * the identity in X-Dripline-* headers. nginx passes no status but 2xx,
 * 401 and 403 and drops the body, so a denial is a 401 or 403 whose
 * X-Dripline-* headers carry the real status, body and headers.
 */
#ifndef DRIPLINE_REPLY_H
#define DRIPLINE_REPLY_H

#include <stddef.h>

#include "authz.h"

enum reply_role {
	REPLY_AUTHORIZER,
	REPLY_RESPONDER
};

/*
 * Format the response for d into OUT: buf. Returns its length. If it does
 * not fit, the result is the fixed 503 response, which always fits in
 * REPLY_MAX bytes.
 */
#define REPLY_MAX	8192
size_t	reply_format(enum reply_role role, const struct authz_decision *d,
	    const char *method, const char *request_id, char *buf,
	    size_t buflen);

#endif
