/*
 * Internals shared by the admin_*.c files: the state of one request in
 * progress and the helpers handlers use. A handler reads ctx, does its
 * work through db.h, and either sets ctx->reply (and ctx->status) and
 * returns 0, or records the error in ctx->re and returns -1. It never
 * writes the response or the log itself: admin_dispatch does that once.
 */
#ifndef DRIPLINE_ADMIN_INT_H
#define DRIPLINE_ADMIN_INT_H

#include <stdint.h>

#include <json-c/json.h>

#include "admin.h"
#include "db.h"
#include "jio.h"
#include "reqerr.h"
#include "utcday.h"

#define ADMIN_QUERY_MAX		1024	/* bytes of query string */
#define ADMIN_QUERY_PARAMS_MAX	8
#define ADMIN_PAGE_DEFAULT	100	/* list rows per page */
#define ADMIN_PAGE_MAX		1000

/* Decoded query parameters: names and values point into buf. */
struct admin_query {
	char		 buf[ADMIN_QUERY_MAX + 1];
	const char	*names[ADMIN_QUERY_PARAMS_MAX];
	const char	*values[ADMIN_QUERY_PARAMS_MAX];
	size_t		 n;
};

/*
 * Rows of a list reply, collected by a db_*_list callback. At most limit
 * rows are kept, or all of them when limit is 0. n counts every row
 * offered, so a handler that reads one row more than the page can tell
 * whether more follow.
 */
struct admin_rows {
	struct json_object	*data;		/* owned by the reply */
	int64_t			 limit;
	int64_t			 n;
	int			 failed;	/* out of memory */
};

struct admin_ctx {
	struct admin			*adm;
	const struct conf		*conf;		/* borrowed */
	struct db			*db;		/* borrowed */
	const struct admin_request	*req;
	struct admin_response		*resp;
	const struct admin_route	*route;		/* NULL until matched */
	struct reqerr			 re;
	/* The cause of opening db DB_OPEN_CORE, without analytics. */
	struct reqerr			 analytics_re;

	int				 authenticated;
	struct db_token			 token;		/* the caller's */
	char				 path[ADMIN_PATH_MAX + 1];
	int				 path_too_long;
	const char			*query;		/* borrowed, or NULL */
	struct admin_query		 q;		/* decoded query */
	char				 id[DB_UUID_LEN + 1];	/* {id} or "" */
	char				 target[DB_UUID_LEN + 1];	/* changed */
	char				 now[DB_TIME_LEN + 1];
	struct utc_window		 today;

	struct json_object		*body;		/* owned, parsed */
	struct json_object		*reply;		/* owned, success body */
	int				 status;	/* success status */
};

/*
 * Percent-decode ctx->query into ctx->q. Every name must be one of
 * allowed (NULL-terminated), appear once and have a non-empty value. A
 * "+" is kept as it is, not read as a space. Returns 0, or -1 with 400
 * "invalid_parameter" or "unknown_parameter" in ctx->re.
 */
int	admin_query_parse(struct admin_ctx *ctx, const char *const allowed[]);
/* Return the value of name, or NULL if it was not given. */
const char *admin_query_get(const struct admin_query *q, const char *name);
/*
 * Read name as an integer from min to max, or dflt when absent. Returns
 * 0, or -1 with 400 in ctx->re.
 */
int	admin_query_int64(struct admin_ctx *ctx, const struct admin_query *q,
	    const char *name, int64_t min, int64_t max, int64_t dflt,
	    int64_t *value);
/* Read name as a day YYYY-MM-DD, or dflt when absent. Returns 0 or -1. */
int	admin_query_day(struct admin_ctx *ctx, const struct admin_query *q,
	    const char *name, const char *dflt, char day[UTCDAY_DAY_LEN + 1]);

/*
 * Write the audit row of a successful change, inside the transaction
 * that makes the change. detail is JSON text or NULL and must not
 * contain a secret. Returns 0, or -1 with the cause in ctx->re.
 */
int	admin_audit_ok(struct admin_ctx *ctx, const char *target_id,
	    struct json_object *detail);

/*
 * Offer one row (owned by rows from here; NULL marks a failed allocation).
 * Returns 1 if it was kept, 0 if it is beyond the limit or failed.
 */
int	admin_rows_add(struct admin_rows *rows, struct json_object *jo);

/* Set the success body (owned by ctx from here) and status. Returns 0. */
int	admin_reply(struct admin_ctx *ctx, int status, struct json_object *jo);

/* Append a header line "name: value" to the response. */
void	admin_header(struct admin_ctx *ctx, const char *name,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Record 500 "internal_error" for a failed allocation. Returns -1. */
#define ADMIN_NOMEM(ctx)	REQERR(&(ctx)->re, 500, "internal_error", \
				    "out of memory")

/* JSON objects of the API's resources; NULL when out of memory. */
struct json_object	*admin_user_object(const struct db_user *user);
struct json_object	*admin_key_object(const struct db_key *key);
struct json_object	*admin_usage_day_object(const struct db_usage_day *u,
			    int64_t current_limit);

/*
 * Read the user's counters for today (UTC) into OUT: usage, zero when
 * there was no decision yet. Returns 0 or -1.
 */
int	admin_usage_today(struct admin_ctx *ctx, const char *user_id,
	    struct db_usage_day *usage);

/* Handlers, one per route; see the table in admin.c. */
int	admin_health_get(struct admin_ctx *);
int	admin_users_post(struct admin_ctx *);
int	admin_users_list(struct admin_ctx *);
int	admin_user_get(struct admin_ctx *);
int	admin_user_patch(struct admin_ctx *);
int	admin_user_revoke(struct admin_ctx *);
int	admin_user_keys_post(struct admin_ctx *);
int	admin_user_keys_list(struct admin_ctx *);
int	admin_key_revoke(struct admin_ctx *);
int	admin_user_usage_get(struct admin_ctx *);
int	admin_usage_summary_get(struct admin_ctx *);
int	admin_audit_list(struct admin_ctx *);

#endif
