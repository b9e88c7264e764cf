/*
 * The decision steps. The path and the key header are checked before the
 * database is queried, so a malformed request costs no round trip to the
 * writer. "No route" is only reported once the key is valid, so an
 * unauthenticated client cannot map the configured routes.
 */
#include "config.h"

#include <string.h>

#include "authz.h"
#include "crypto.h"
#include "quota.h"

int
authz_status(enum authz_outcome outcome)
{
	switch (outcome) {
	case AUTHZ_ALLOW:
		return 200;
	case AUTHZ_UNAUTHORIZED:
		return 401;
	case AUTHZ_BAD_PATH:
		return 400;
	case AUTHZ_NO_ROUTE:
		return 404;
	case AUTHZ_QUOTA_EXCEEDED:
		return 429;
	case AUTHZ_UNAVAILABLE:
		return 503;
	}
	return 503;
}

void
authz_decide(const struct conf *conf, const struct authz_request *req,
    struct authz_decision *d)
{
	struct quota_job	 job;
	const char		*key = NULL;
	size_t			 keylen = 0;
	enum apikey_status	 ks;

	memset(d, 0, sizeof(*d));
	d->outcome = AUTHZ_UNAVAILABLE;
	utcday_window(req->now_ms, &d->window);

	if (req->method == NULL || req->uri == NULL) {
		d->reason = "web server sent no REQUEST_METHOD or REQUEST_URI";
		return;
	}

	if (path_normalize(req->uri, d->path, sizeof(d->path),
	    &d->reason) == -1) {
		d->outcome = AUTHZ_BAD_PATH;
		return;
	}

	ks = req->repeated_key_header ? APIKEY_INVALID :
	    apikey_extract(req->authorization, req->x_api_key, &key, &keylen);
	if (ks != APIKEY_OK) {
		d->outcome = AUTHZ_UNAUTHORIZED;
		d->reason = apikey_status_reason(ks);
		return;
	}

	memset(&job, 0, sizeof(job));
	if (crypto_sha256_hex(key, keylen, job.key_hash) == -1) {
		d->reason = "SHA-256 failed";
		return;
	}
	d->route = conf_route_match(conf, req->method, d->path);
	d->cost = d->route != NULL ? d->route->cost : 0;
	job.cost = d->cost;
	/* An unmatched path under "deny" is refused, so it is not allowed. */
	job.count_free = d->route != NULL ||
	    conf->unmatched == CONF_UNMATCHED_FREE;
	memcpy(job.day, d->window.day, sizeof(job.day));

	quota_decide(&job);

	d->used = job.used;
	if (job.result != QUOTA_ERROR && job.result != QUOTA_UNKNOWN_KEY) {
		d->principal = job.principal;
		d->have_principal = 1;
	}
	switch (job.result) {
	case QUOTA_UNKNOWN_KEY:
		d->outcome = AUTHZ_UNAUTHORIZED;
		d->key_rejected = 1;
		d->reason = "unknown API key";
		return;
	case QUOTA_REVOKED:
		d->outcome = AUTHZ_UNAUTHORIZED;
		d->key_rejected = 1;
		d->reason = job.principal.user_active ? "revoked API key" :
		    "revoked user";
		return;
	case QUOTA_ERROR:
		d->outcome = AUTHZ_UNAVAILABLE;
		d->re = job.re;
		d->reason = "database unavailable";
		return;
	case QUOTA_DENIED:
		d->outcome = AUTHZ_QUOTA_EXCEEDED;
		d->reason = "daily quota exceeded";
		return;
	case QUOTA_ALLOWED:
		break;
	}

	/*
	 * An unmatched route was decided at cost 0 above, to authenticate
	 * the key; under the default policy it is still denied.
	 */
	if (d->route == NULL && conf->unmatched == CONF_UNMATCHED_DENY) {
		d->outcome = AUTHZ_NO_ROUTE;
		d->reason = "no route matches";
		return;
	}
	d->outcome = AUTHZ_ALLOW;
	d->reason = d->cost > 0 ? "charged" : "free";
}
