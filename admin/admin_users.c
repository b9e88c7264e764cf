/*
 * End users: create, list, read, change the daily limit, revoke. Every
 * change runs in one transaction together with its audit row, and the
 * reply is built before the commit, so a failure at any step leaves
 * neither a half-done change nor a change without its audit row.
 */
#include "config.h"

#include <string.h>

#include "admin_int.h"
#include "crypto.h"

/* One page of users for admin_users_list. */
struct admin_user_page {
	struct admin_rows	rows;
	char			last[DB_UUID_LEN + 1];	/* last id kept */
};

struct json_object *
admin_user_object(const struct db_user *user)
{
	struct json_object	*jo;
	int			 rc = 0;

	if ((jo = json_object_new_object()) == NULL)
		return NULL;
	rc |= jio_put_string(jo, "id", user->id);
	rc |= jio_put_string(jo, "external_id", user->external_id);
	rc |= jio_put_int64(jo, "daily_limit", user->daily_limit);
	rc |= jio_put_string(jo, "status", user->status);
	rc |= jio_put_string(jo, "created_at", user->created_at);
	rc |= jio_put_string(jo, "updated_at", user->updated_at);
	rc |= jio_put_string(jo, "revoked_at", user->revoked_at);
	if (rc != 0) {
		json_object_put(jo);
		return NULL;
	}
	return jo;
}

/* Read the user named by the path into OUT: user; 404 if there is none. */
static int
admin_user_load(struct admin_ctx *ctx, struct db_user *user)
{
	int	rc;

	if ((rc = db_user_get(ctx->db, ctx->id, user, &ctx->re)) == -1)
		return -1;
	if (rc == 0)
		return REQERR(&ctx->re, 404, "user_not_found", "no user with "
		    "id %s", ctx->id);
	return 0;
}

int
admin_users_post(struct admin_ctx *ctx)
{
	struct json_object	*jo = NULL, *detail = NULL;
	struct db_user		 user;
	const char		*external_id = NULL;
	char			 id[DB_UUID_LEN + 1];
	int64_t			 limit = ctx->conf->default_daily_limit;

	if (jio_get_string(ctx->body, "external_id", 1, DB_EXTERNAL_ID_MAX,
	    JIO_CHARS_TOKEN, &external_id, &ctx->re) == -1 ||
	    jio_get_int64(ctx->body, "daily_limit", 0, 0, CONF_LIMIT_MAX,
	    &limit, &ctx->re) == -1)
		return -1;
	if (crypto_uuid_v4(id) == -1)
		return REQERR(&ctx->re, 500, "internal_error", "no randomness "
		    "available for a user id");

	if ((detail = json_object_new_object()) == NULL ||
	    jio_put_string(detail, "external_id", external_id) == -1 ||
	    jio_put_int64(detail, "daily_limit", limit) == -1)
		goto nomem;

	if (db_begin(ctx->db, &ctx->re) == -1 ||
	    db_user_insert(ctx->db, id, external_id, limit, ctx->now,
	    &ctx->re) == -1)
		goto fail;
	memset(&user, 0, sizeof(user));
	if (db_user_get(ctx->db, id, &user, &ctx->re) != 1) {
		REQERR(&ctx->re, 500, "internal_error", "the new user %s "
		    "cannot be read back", id);
		goto fail;
	}
	if ((jo = admin_user_object(&user)) == NULL)
		goto nomem;
	if (admin_audit_ok(ctx, id, detail) == -1) {
		detail = NULL;
		goto fail;
	}
	detail = NULL;
	if (db_commit(ctx->db, &ctx->re) == -1)
		goto fail;

	admin_header(ctx, "Location", ADMIN_PREFIX "/users/%s", id);
	return admin_reply(ctx, 201, jo);

nomem:
	ADMIN_NOMEM(ctx);
fail:
	json_object_put(detail);
	json_object_put(jo);
	return -1;
}

static void
admin_users_list_row(const struct db_user *user, void *arg)
{
	struct admin_user_page	*page = arg;

	if (admin_rows_add(&page->rows, admin_user_object(user)))
		memcpy(page->last, user->id, sizeof(page->last));
}

/* Check the filters of GET /users into OUT: filter. */
static int
admin_users_filter(struct admin_ctx *ctx, struct db_user_filter *filter)
{
	const char	*s;
	size_t		 len;

	memset(filter, 0, sizeof(*filter));
	filter->status = admin_query_get(&ctx->q, "status");
	if (filter->status != NULL && strcmp(filter->status, "active") != 0 &&
	    strcmp(filter->status, "revoked") != 0)
		return REQERR(&ctx->re, 400, "invalid_parameter", "invalid "
		    "query parameter 'status': expected 'active' or "
		    "'revoked', got '%.40s'", filter->status);

	if ((s = admin_query_get(&ctx->q, "external_id")) != NULL) {
		for (len = 0; s[len] != '\0'; len++)
			if ((unsigned char)s[len] <= 0x20 ||
			    (unsigned char)s[len] >= 0x7f)
				break;
		if (s[len] != '\0' || len > DB_EXTERNAL_ID_MAX)
			return REQERR(&ctx->re, 400, "invalid_parameter",
			    "invalid query parameter 'external_id': expected "
			    "1 to %d printable ASCII characters without "
			    "spaces", DB_EXTERNAL_ID_MAX);
		filter->external_id = s;
	}

	filter->after = admin_query_get(&ctx->q, "after");
	if (filter->after != NULL && !crypto_uuid_valid(filter->after))
		return REQERR(&ctx->re, 400, "invalid_parameter", "invalid "
		    "query parameter 'after': expected the lower-case UUID "
		    "of the last user of the previous page, got '%.40s'",
		    filter->after);

	return admin_query_int64(ctx, &ctx->q, "limit", 1, ADMIN_PAGE_MAX,
	    ADMIN_PAGE_DEFAULT, &filter->limit);
}

int
admin_users_list(struct admin_ctx *ctx)
{
	struct admin_user_page	 page;
	struct db_user_filter	 filter;
	struct json_object	*jo;
	int			 more;

	memset(&page, 0, sizeof(page));
	if (admin_users_filter(ctx, &filter) == -1)
		return -1;
	/* Read one row more than the page holds, to know if more follow. */
	page.rows.limit = filter.limit;
	filter.limit++;

	if ((jo = json_object_new_object()) == NULL)
		return ADMIN_NOMEM(ctx);
	page.rows.data = json_object_new_array();
	if (jio_put_object(jo, "data", page.rows.data) == -1)
		goto nomem;
	if (db_user_list(ctx->db, &filter, admin_users_list_row, &page,
	    &ctx->re) == -1)
		goto fail;
	if (page.rows.failed)
		goto nomem;

	more = page.rows.n > page.rows.limit;
	if (jio_put_bool(jo, "has_more", more) == -1 ||
	    jio_put_string(jo, "next_after", more ? page.last : NULL) == -1)
		goto nomem;
	return admin_reply(ctx, 200, jo);

nomem:
	ADMIN_NOMEM(ctx);
fail:
	json_object_put(jo);
	return -1;
}

int
admin_user_get(struct admin_ctx *ctx)
{
	struct json_object	*jo, *keys;
	struct db_usage_day	 today;
	struct db_user		 user;
	int64_t			 total, active;

	if (admin_user_load(ctx, &user) == -1 ||
	    db_user_key_count(ctx->db, ctx->id, &total, &active,
	    &ctx->re) == -1)
		return -1;
	if (admin_usage_today(ctx, ctx->id, &today) == -1)
		return -1;

	if ((jo = admin_user_object(&user)) == NULL)
		return ADMIN_NOMEM(ctx);
	keys = json_object_new_object();
	if (jio_put_object(jo, "keys", keys) == -1 ||
	    jio_put_int64(keys, "total", total) == -1 ||
	    jio_put_int64(keys, "active", active) == -1 ||
	    jio_put_object(jo, "usage_today", admin_usage_day_object(&today,
	    user.daily_limit)) == -1) {
		json_object_put(jo);
		return ADMIN_NOMEM(ctx);
	}
	return admin_reply(ctx, 200, jo);
}

int
admin_user_patch(struct admin_ctx *ctx)
{
	struct json_object	*jo = NULL, *detail = NULL;
	struct db_user		 user;
	int64_t			 limit;
	int			 rc;

	if (jio_get_int64(ctx->body, "daily_limit", 1, 0, CONF_LIMIT_MAX,
	    &limit, &ctx->re) == -1)
		return -1;

	if (db_begin(ctx->db, &ctx->re) == -1 ||
	    admin_user_load(ctx, &user) == -1)
		goto fail;
	if ((detail = json_object_new_object()) == NULL ||
	    jio_put_int64(detail, "daily_limit", limit) == -1 ||
	    jio_put_int64(detail, "previous_daily_limit",
	    user.daily_limit) == -1)
		goto nomem;
	if ((rc = db_user_set_limit(ctx->db, ctx->id, limit, ctx->now,
	    &ctx->re)) == -1)
		goto fail;
	if (rc == 0) {
		REQERR(&ctx->re, 404, "user_not_found", "no user with id %s",
		    ctx->id);
		goto fail;
	}

	/* The row now contains exactly this, so it is not read back. */
	user.daily_limit = limit;
	memcpy(user.updated_at, ctx->now, sizeof(user.updated_at));
	if ((jo = admin_user_object(&user)) == NULL)
		goto nomem;
	if (admin_audit_ok(ctx, ctx->id, detail) == -1) {
		detail = NULL;
		goto fail;
	}
	detail = NULL;
	if (db_commit(ctx->db, &ctx->re) == -1)
		goto fail;
	return admin_reply(ctx, 200, jo);

nomem:
	ADMIN_NOMEM(ctx);
fail:
	json_object_put(detail);
	json_object_put(jo);
	return -1;
}

int
admin_user_revoke(struct admin_ctx *ctx)
{
	struct json_object	*jo = NULL, *detail = NULL;
	struct db_user		 user;

	if (db_begin(ctx->db, &ctx->re) == -1 ||
	    admin_user_load(ctx, &user) == -1)
		goto fail;
	if ((detail = json_object_new_object()) == NULL ||
	    jio_put_string(detail, "previous_status", user.status) == -1)
		goto nomem;
	if (db_user_revoke(ctx->db, ctx->id, ctx->now, &ctx->re) == -1 ||
	    admin_user_load(ctx, &user) == -1)
		goto fail;
	if ((jo = admin_user_object(&user)) == NULL)
		goto nomem;
	if (admin_audit_ok(ctx, ctx->id, detail) == -1) {
		detail = NULL;
		goto fail;
	}
	detail = NULL;
	if (db_commit(ctx->db, &ctx->re) == -1)
		goto fail;
	return admin_reply(ctx, 200, jo);

nomem:
	ADMIN_NOMEM(ctx);
fail:
	json_object_put(detail);
	json_object_put(jo);
	return -1;
}
