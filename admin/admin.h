/*
 * The admin REST API, independent of FastCGI: admin_dispatch takes one
 * request (method, path, query, headers, body) and fills one response
 * (status, headers, JSON body). main.c feeds it from libfcgi and the
 * tests call it directly. Every request passes through admin_dispatch
 * and leaves through its single exit, which writes the error body, the
 * operator log line and the audit row of a refused change.
 */
#ifndef DRIPLINE_ADMIN_H
#define DRIPLINE_ADMIN_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "conf.h"
#include "db.h"
#include "reqerr.h"

#define ADMIN_BODY_MAX		(64 * 1024)	/* bytes; larger is 413 */
#define ADMIN_REQUEST_ID_LEN	16
#define ADMIN_HEADERS_MAX	512
#define ADMIN_PATH_MAX		512	/* longer paths are 404 */
#define ADMIN_PREFIX		"/admin/v1"

/* State shared by every worker thread; atomic where it changes. */
struct admin {
	const struct conf	*conf;		/* borrowed */
	uint32_t		 id_base;	/* random, per process */
	atomic_uint		 id_next;
	atomic_int		 analytics_lost;	/* logged as lost */
};

/*
 * One request. All strings are borrowed and may be NULL, except that
 * body may hold any bytes and needs no NUL terminator.
 */
struct admin_request {
	const char	*method;
	const char	*uri;		/* path and query, as sent */
	const char	*authorization;	/* the Authorization header */
	const char	*remote_addr;
	const char	*body;		/* not NUL-terminated */
	size_t		 body_len;
	/* Set instead of body when Content-Length exceeds ADMIN_BODY_MAX. */
	int		 body_too_large;
	/* Set when the body could not be read into memory. */
	int		 body_unread;
};

/* One response; release with admin_response_free. */
struct admin_response {
	int	 status;
	char	 request_id[ADMIN_REQUEST_ID_LEN + 1];
	char	 headers[ADMIN_HEADERS_MAX];	/* "Name: value\r\n" lines */
	char	*body;				/* owned JSON text */
	size_t	 body_len;
};

struct admin_ctx;	/* one request in progress; see admin_int.h */

/*
 * One entry of the dispatch table. A path pattern is literal except for
 * a "{id}" segment, which matches one segment that must be a UUID. The
 * dispatcher rejects query parameters and body fields not listed here
 * before the handler runs.
 */
struct admin_route {
	const char		*method;
	const char		*pattern;
	/* Fills ctx's reply and returns 0, or returns -1 with ctx->re. */
	int			(*handler)(struct admin_ctx *ctx);
	const char		*action;	/* audit action of a change */
	const char *const	*params;	/* NULL-terminated */
	const char *const	*fields;	/* NULL: the body is ignored */
	int			 analytics;	/* reads the analytics file */
};

/* Set up adm for conf (borrowed). Returns 0, or -1 without randomness. */
int	admin_init(struct admin *adm, const struct conf *conf);

/*
 * Serve one request. *dbp is the calling thread's connection: it is
 * opened from adm->conf when NULL, and closed (set to NULL) after a
 * database error other than a lock timeout, so the next request opens it
 * afresh. Always fills OUT: resp with a complete response.
 */
void	admin_dispatch(struct admin *adm, struct db **dbp,
	    const struct admin_request *req, struct admin_response *resp);

void	admin_response_free(struct admin_response *resp);

/*
 * Build the usage report of user for the days from..to (YYYY-MM-DD), the
 * body of GET /admin/v1/users/{id}/usage. The report has one entry per
 * day, so the caller bounds the span (the API allows 366 days). Returns
 * a new object, or NULL with the cause in re.
 */
struct json_object	*admin_usage_report_build(struct db *db,
			    const struct db_user *user, const char *from,
			    const char *to, struct reqerr *re);

/*
 * Build the summary of day with at most top rows per list, the body of
 * GET /admin/v1/usage/summary. Returns a new object, or NULL with re.
 */
struct json_object	*admin_usage_summary_build(struct db *db,
			    const char *day, int64_t top, struct reqerr *re);

/* The dispatch table, for the test that compares it with openapi.json. */
const struct admin_route *admin_routes(size_t *nroutes);

#endif
