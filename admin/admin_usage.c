/*
 * Read-only reports: health, one user's usage per day, one day's summary
 * for the whole system, and the audit trail. Usage days are UTC calendar
 * days; a day on which a user had no decision is reported with zeros.
 * The usage report and the summary are also built for driplinectl, so
 * both show the same figures.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "admin_int.h"

#define ADMIN_USAGE_DAYS_DEFAULT	30	/* when "from" is absent */
#define ADMIN_USAGE_DAYS_MAX		366
#define ADMIN_TOP_DEFAULT		10
#define ADMIN_TOP_MAX			100

/* The days of one user's usage report, filled by admin_usage_row. */
struct admin_usage_days {
	struct db_usage_day	*days;		/* ndays, from "from" on */
	int64_t			 from;		/* Unix time of its midnight */
	int64_t			 ndays;
};

/*
 * Build the upstream outcomes of a day: the six outcome counters, the
 * upstream errors (5xx, timed out, unreachable), the allowed requests
 * without an outcome, and the latency.
 */
static struct json_object *
admin_upstream_object(const struct db_outcomes *o, int64_t unattributed)
{
	struct json_object	*jo, *latency;
	const struct histogram	*h = &o->latency;
	int			 rc = 0;

	if ((jo = json_object_new_object()) == NULL)
		return NULL;
	rc |= jio_put_int64(jo, "status_2xx", o->status_2xx);
	rc |= jio_put_int64(jo, "status_4xx", o->status_4xx);
	rc |= jio_put_int64(jo, "status_5xx", o->status_5xx);
	rc |= jio_put_int64(jo, "timed_out", o->timed_out);
	rc |= jio_put_int64(jo, "unreachable", o->unreachable);
	rc |= jio_put_int64(jo, "other", o->other);
	rc |= jio_put_int64(jo, "errors", o->status_5xx + o->timed_out +
	    o->unreachable);
	rc |= jio_put_int64(jo, "unattributed", unattributed);

	latency = json_object_new_object();
	rc |= jio_put_object(jo, "latency_ms", latency);
	if (rc == 0) {
		rc |= jio_put_int64(latency, "count", h->count);
		rc |= jio_put_ms(latency, "sum", h->sum_us);
		rc |= jio_put_ms(latency, "p50", histogram_percentile_us(h, 50));
		rc |= jio_put_ms(latency, "p95", histogram_percentile_us(h, 95));
		rc |= jio_put_ms(latency, "max", h->count > 0 ? h->max_us : -1);
	}
	if (rc != 0) {
		json_object_put(jo);
		return NULL;
	}
	return jo;
}

/*
 * Build one day of a usage report, the object every report shows. A past
 * day shows the limit of its last decision. Today, and a day without a
 * recorded limit, show current_limit, which the next request gets.
 */
struct json_object *
admin_usage_day_object(const struct db_usage_day *u, int64_t current_limit)
{
	struct json_object	*jo;
	struct utc_window	 now;
	int64_t			 daily_limit = current_limit, remaining;
	int			 rc = 0;

	utcday_window(utcday_now_ms(), &now);
	if (u->daily_limit >= 0 && strcmp(u->day, now.day) < 0)
		daily_limit = u->daily_limit;
	remaining = daily_limit > u->units ? daily_limit - u->units : 0;
	if ((jo = json_object_new_object()) == NULL)
		return NULL;
	rc |= jio_put_string(jo, "date", u->day);
	rc |= jio_put_int64(jo, "units", u->units);
	rc |= jio_put_int64(jo, "daily_limit", daily_limit);
	rc |= jio_put_int64(jo, "remaining", remaining);
	rc |= jio_put_int64(jo, "allowed", u->allowed);
	rc |= jio_put_int64(jo, "denied", u->denied);
	rc |= jio_put_object(jo, "upstream", admin_upstream_object(
	    &u->upstream, db_usage_unattributed(u)));
	if (rc != 0) {
		json_object_put(jo);
		return NULL;
	}
	return jo;
}

static void
admin_usage_row(const struct db_usage_day *u, void *arg)
{
	struct admin_usage_days	*r = arg;
	int64_t			 midnight, i;

	if (utcday_parse(u->day, &midnight) == -1)
		return;		/* not a day this program wrote */
	i = (midnight - r->from) / 86400;
	if (i >= 0 && i < r->ndays)
		r->days[i] = *u;
}

/* Write day i after the midnight from (Unix time) into OUT: day. */
static void
admin_day_format(int64_t from, int64_t i, char day[UTCDAY_DAY_LEN + 1])
{
	struct utc_window	w;

	utcday_window((from + i * 86400) * 1000, &w);
	memcpy(day, w.day, UTCDAY_DAY_LEN + 1);
}

int
admin_usage_today(struct admin_ctx *ctx, const char *user_id,
    struct db_usage_day *usage)
{
	struct admin_usage_days	r;

	memset(usage, 0, sizeof(*usage));
	memcpy(usage->day, ctx->today.day, sizeof(usage->day));
	usage->daily_limit = -1;
	r.days = usage;
	r.ndays = 1;
	if (utcday_parse(ctx->today.day, &r.from) == -1)
		return REQERR(&ctx->re, 500, "internal_error", "the clock "
		    "gives no valid day");
	return db_usage_range(ctx->db, user_id, ctx->today.day,
	    ctx->today.day, admin_usage_row, &r, &ctx->re) == -1 ? -1 : 0;
}

/* Check from and to of a usage report into OUT: r and the two days. */
static int
admin_usage_span(struct admin_ctx *ctx, struct admin_usage_days *r,
    char from[UTCDAY_DAY_LEN + 1], char to[UTCDAY_DAY_LEN + 1])
{
	int64_t	to_midnight;
	char	dflt[UTCDAY_DAY_LEN + 1];

	if (admin_query_day(ctx, &ctx->q, "to", ctx->today.day, to) == -1)
		return -1;
	utcday_parse(to, &to_midnight);
	admin_day_format(to_midnight, -(ADMIN_USAGE_DAYS_DEFAULT - 1), dflt);
	if (admin_query_day(ctx, &ctx->q, "from", dflt, from) == -1)
		return -1;
	utcday_parse(from, &r->from);

	r->ndays = (to_midnight - r->from) / 86400 + 1;
	if (r->ndays < 1)
		return REQERR(&ctx->re, 400, "invalid_parameter", "invalid "
		    "query parameters: 'from' (%s) is after 'to' (%s)", from,
		    to);
	if (r->ndays > ADMIN_USAGE_DAYS_MAX)
		return REQERR(&ctx->re, 400, "invalid_parameter", "invalid "
		    "query parameters: %s to %s spans more than the maximum "
		    "of %d days", from, to, ADMIN_USAGE_DAYS_MAX);
	return 0;
}

struct json_object *
admin_usage_report_build(struct db *db, const struct db_user *user,
    const char *from, const char *to, struct reqerr *re)
{
	struct admin_usage_days	 r;
	struct json_object	*jo = NULL, *data, *day;
	int64_t			 to_midnight, i;

	memset(&r, 0, sizeof(r));
	if (utcday_parse(from, &r.from) == -1 ||
	    utcday_parse(to, &to_midnight) == -1 || to_midnight < r.from) {
		REQERR(re, 400, "invalid_parameter", "invalid days %s to %s",
		    from, to);
		return NULL;
	}
	r.ndays = (to_midnight - r.from) / 86400 + 1;
	if ((r.days = calloc((size_t)r.ndays, sizeof(*r.days))) == NULL)
		goto nomem;
	for (i = 0; i < r.ndays; i++) {
		admin_day_format(r.from, i, r.days[i].day);
		r.days[i].daily_limit = -1;
	}
	if (db_usage_range(db, user->id, from, to, admin_usage_row, &r,
	    re) == -1)
		goto fail;

	if ((jo = json_object_new_object()) == NULL)
		goto nomem;
	data = json_object_new_array();
	if (jio_put_string(jo, "user_id", user->id) == -1 ||
	    jio_put_string(jo, "from", from) == -1 ||
	    jio_put_string(jo, "to", to) == -1 ||
	    jio_put_object(jo, "data", data) == -1)
		goto nomem;
	for (i = 0; i < r.ndays; i++) {
		day = admin_usage_day_object(&r.days[i], user->daily_limit);
		if (day == NULL || json_object_array_add(data, day) != 0) {
			json_object_put(day);
			goto nomem;
		}
	}
	free(r.days);
	return jo;

nomem:
	REQERR(re, 500, "internal_error", "out of memory");
fail:
	free(r.days);
	json_object_put(jo);
	return NULL;
}

int
admin_user_usage_get(struct admin_ctx *ctx)
{
	struct admin_usage_days	 r;
	struct json_object	*jo;
	struct db_user		 user;
	char			 from[UTCDAY_DAY_LEN + 1];
	char			 to[UTCDAY_DAY_LEN + 1];
	int			 rc;

	memset(&r, 0, sizeof(r));
	if (admin_usage_span(ctx, &r, from, to) == -1)
		return -1;
	if ((rc = db_user_get(ctx->db, ctx->id, &user, &ctx->re)) == -1)
		return -1;
	if (rc == 0)
		return REQERR(&ctx->re, 404, "user_not_found", "no user with "
		    "id %s", ctx->id);

	if ((jo = admin_usage_report_build(ctx->db, &user, from, to,
	    &ctx->re)) == NULL)
		return -1;
	return admin_reply(ctx, 200, jo);
}

static void
admin_top_row(const struct db_usage_top *top, void *arg)
{
	struct json_object	*jo;

	jo = admin_usage_day_object(&top->usage, top->daily_limit);
	if (jo != NULL && (jio_put_string(jo, "user_id", top->user_id) == -1 ||
	    jio_put_string(jo, "external_id", top->external_id) == -1)) {
		json_object_put(jo);
		jo = NULL;
	}
	admin_rows_add(arg, jo);
}

static void
admin_source_row(const struct db_source *source, void *arg)
{
	struct json_object	*jo;

	if ((jo = json_object_new_object()) != NULL &&
	    (jio_put_string(jo, "address", source->address) == -1 ||
	    jio_put_int64(jo, "attempts", source->attempts) == -1)) {
		json_object_put(jo);
		jo = NULL;
	}
	admin_rows_add(arg, jo);
}

/*
 * Add to jo the list name of at most top rows read by one of the
 * db_*_top functions, which call fn. Returns 0 or -1 with re.
 */
static int
admin_summary_list(struct json_object *jo, const char *name,
    int (*list)(struct db *, const char *, int64_t, void *, struct reqerr *),
    struct db *db, const char *day, int64_t top, struct reqerr *re)
{
	struct admin_rows	rows;

	memset(&rows, 0, sizeof(rows));
	rows.data = json_object_new_array();
	if (jio_put_object(jo, name, rows.data) == -1)
		return REQERR(re, 500, "internal_error", "out of memory");
	if (list(db, day, top, &rows, re) == -1)
		return -1;
	if (rows.failed)
		return REQERR(re, 500, "internal_error", "out of memory");
	return 0;
}

static int
admin_list_top_units(struct db *db, const char *day, int64_t top,
    void *rows, struct reqerr *re)
{
	return db_usage_day_top(db, day, DB_RANK_UNITS, top, admin_top_row,
	    rows, re);
}

static int
admin_list_top_errors(struct db *db, const char *day, int64_t top,
    void *rows, struct reqerr *re)
{
	return db_usage_day_top(db, day, DB_RANK_ERRORS, top, admin_top_row,
	    rows, re);
}

static int
admin_list_top_sources(struct db *db, const char *day, int64_t top,
    void *rows, struct reqerr *re)
{
	return db_source_top(db, day, top, admin_source_row, rows, re);
}

struct json_object *
admin_usage_summary_build(struct db *db, const char *day, int64_t top,
    struct reqerr *re)
{
	struct db_usage_totals	 t;
	struct json_object	*jo = NULL, *log;
	int			 rc = 0;

	if (db_usage_day_totals(db, day, &t, re) == -1)
		return NULL;
	if ((jo = json_object_new_object()) == NULL)
		goto nomem;

	rc |= jio_put_string(jo, "date", day);
	rc |= jio_put_int64(jo, "users", t.users);
	rc |= jio_put_int64(jo, "units", t.units);
	rc |= jio_put_int64(jo, "allowed", t.allowed);
	rc |= jio_put_int64(jo, "denied", t.denied);
	rc |= jio_put_int64(jo, "unauthorized", t.system.unauthorized);
	rc |= jio_put_int64(jo, "invalid_path", t.system.invalid_path);
	rc |= jio_put_int64(jo, "route_not_found", t.system.route_not_found);
	rc |= jio_put_int64(jo, "enforcement_unavailable",
	    t.system.unavailable);
	rc |= jio_put_object(jo, "upstream", admin_upstream_object(
	    &t.upstream, t.unattributed));
	log = json_object_new_object();
	rc |= jio_put_object(jo, "access_log", log);
	if (rc == 0) {
		rc |= jio_put_int64(log, "malformed_lines",
		    t.system.log_malformed);
		rc |= jio_put_int64(log, "unmatched_lines",
		    t.system.log_unmatched);
	}
	if (rc != 0)
		goto nomem;

	if (admin_summary_list(jo, "unauthorized_sources",
	    admin_list_top_sources, db, day, top, re) == -1 ||
	    admin_summary_list(jo, "top_users", admin_list_top_units, db, day,
	    top, re) == -1 ||
	    admin_summary_list(jo, "top_users_by_errors",
	    admin_list_top_errors, db, day, top, re) == -1)
		goto fail;
	return jo;

nomem:
	REQERR(re, 500, "internal_error", "out of memory");
fail:
	json_object_put(jo);
	return NULL;
}

int
admin_usage_summary_get(struct admin_ctx *ctx)
{
	struct json_object	*jo;
	char			 day[UTCDAY_DAY_LEN + 1];
	int64_t			 top;

	if (admin_query_day(ctx, &ctx->q, "date", ctx->today.day, day) == -1 ||
	    admin_query_int64(ctx, &ctx->q, "top", 1, ADMIN_TOP_MAX,
	    ADMIN_TOP_DEFAULT, &top) == -1)
		return -1;
	if ((jo = admin_usage_summary_build(ctx->db, day, top,
	    &ctx->re)) == NULL)
		return -1;
	return admin_reply(ctx, 200, jo);
}

/* Build one audit row; its detail is JSON text and is returned parsed. */
static struct json_object *
admin_audit_object(const struct db_audit *a)
{
	struct json_object	*jo, *detail = NULL;
	int			 rc = 0;

	if ((jo = json_object_new_object()) == NULL)
		return NULL;
	if (a->detail != NULL)
		detail = json_tokener_parse(a->detail);
	rc |= jio_put_int64(jo, "id", a->id);
	rc |= jio_put_string(jo, "at", a->at);
	rc |= jio_put_string(jo, "token_id", a->token_id);
	rc |= jio_put_string(jo, "token_name", a->token_name);
	rc |= jio_put_string(jo, "action", a->action);
	rc |= jio_put_string(jo, "target_id", a->target_id);
	rc |= jio_put_string(jo, "client_address", a->client_address);
	rc |= jio_put_string(jo, "outcome", a->outcome);
	if (detail != NULL)
		rc |= jio_put_object(jo, "detail", detail);
	else
		rc |= jio_put_string(jo, "detail", NULL);
	if (rc != 0) {
		json_object_put(jo);
		return NULL;
	}
	return jo;
}

/* One page of the audit trail for admin_audit_list. */
struct admin_audit_page {
	struct admin_rows	rows;
	int64_t			last;	/* id of the last row kept */
};

static void
admin_audit_row(const struct db_audit *a, void *arg)
{
	struct admin_audit_page	*page = arg;

	if (admin_rows_add(&page->rows, admin_audit_object(a)))
		page->last = a->id;
}

int
admin_audit_list(struct admin_ctx *ctx)
{
	struct admin_audit_page	 page;
	struct json_object	*jo;
	int64_t			 after, limit;
	int			 more;

	memset(&page, 0, sizeof(page));
	if (admin_query_int64(ctx, &ctx->q, "after", 0, INT64_MAX, 0,
	    &after) == -1 ||
	    admin_query_int64(ctx, &ctx->q, "limit", 1, ADMIN_PAGE_MAX,
	    ADMIN_PAGE_DEFAULT, &limit) == -1)
		return -1;
	page.rows.limit = limit;

	if ((jo = json_object_new_object()) == NULL)
		return ADMIN_NOMEM(ctx);
	page.rows.data = json_object_new_array();
	if (jio_put_object(jo, "data", page.rows.data) == -1)
		goto nomem;
	/* One row more than the page, to know if more follow. */
	if (db_audit_list(ctx->db, after, limit + 1, admin_audit_row, &page,
	    &ctx->re) == -1)
		goto fail;
	if (page.rows.failed)
		goto nomem;

	more = page.rows.n > limit;
	if (jio_put_bool(jo, "has_more", more) == -1 ||
	    (more ? jio_put_int64(jo, "next_after", page.last) :
	    jio_put_string(jo, "next_after", NULL)) == -1)
		goto nomem;
	return admin_reply(ctx, 200, jo);

nomem:
	ADMIN_NOMEM(ctx);
fail:
	json_object_put(jo);
	return -1;
}

int
admin_health_get(struct admin_ctx *ctx)
{
	struct json_object	*jo;
	int			 version;

	if ((version = db_schema_version(ctx->db, &ctx->re)) == -1)
		return -1;
	if ((jo = json_object_new_object()) == NULL)
		return ADMIN_NOMEM(ctx);
	if (jio_put_string(jo, "status", "ok") == -1 ||
	    jio_put_string(jo, "database", "ok") == -1 ||
	    jio_put_int64(jo, "schema_version", version) == -1 ||
	    jio_put_int64(jo, "schema_latest", db_schema_latest()) == -1 ||
	    jio_put_string(jo, "version", PACKAGE_VERSION) == -1 ||
	    jio_put_string(jo, "time", ctx->now) == -1) {
		json_object_put(jo);
		return ADMIN_NOMEM(ctx);
	}
	return admin_reply(ctx, 200, jo);
}
