/*
 * One authorization decision: key, path, route, quota, in that order.
 * authz_decide always fills a decision; any doubt ends in a denial, never
 * in AUTHZ_ALLOW.
 */
#ifndef DRIPLINE_AUTHZ_H
#define DRIPLINE_AUTHZ_H

#include <stdint.h>

#include "apikey.h"
#include "conf.h"
#include "db.h"
#include "path.h"
#include "reqerr.h"
#include "utcday.h"

enum authz_outcome {
	AUTHZ_ALLOW,
	AUTHZ_UNAUTHORIZED,	/* 401 invalid_api_key */
	AUTHZ_BAD_PATH,		/* 400 invalid_path */
	AUTHZ_NO_ROUTE,		/* 404 route_not_found */
	AUTHZ_QUOTA_EXCEEDED,	/* 429 daily_quota_exceeded */
	AUTHZ_UNAVAILABLE	/* 503 enforcement_unavailable */
};

/* The request as the web server passed it; every string is borrowed. */
struct authz_request {
	const char	*method;
	const char	*uri;		/* REQUEST_URI, with the query */
	const char	*authorization;	/* may be NULL */
	const char	*x_api_key;	/* may be NULL */
	int		 repeated_key_header;	/* either header sent twice */
	int64_t		 now_ms;	/* arrival time, ms since the epoch */
};

struct authz_decision {
	enum authz_outcome	 outcome;
	const char		*reason;	/* static phrase for the log */
	char			 path[PATH_MAX_LEN + 4];	/* normalized */
	const struct conf_route	*route;		/* NULL: unmatched */
	int64_t			 cost;
	struct db_principal	 principal;	/* set once the key resolved */
	int			 have_principal;
	int			 key_rejected;	/* unknown or revoked */
	int64_t			 used;		/* units today afterwards */
	struct utc_window	 window;
	struct reqerr		 re;		/* cause of AUTHZ_UNAVAILABLE */
};

void	authz_decide(const struct conf *conf, const struct authz_request *req,
	    struct authz_decision *d);

/* The HTTP status the client gets for an outcome. */
int	authz_status(enum authz_outcome outcome);

#endif
