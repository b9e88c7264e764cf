/*
 * API keys: issue, list, revoke. The secret of a new key exists only in
 * the POST reply. The database stores its SHA-256, and the audit row and
 * the log get only the key's id and display prefix. The struct credential
 * that contained the secret is wiped before the handler returns.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "admin_int.h"
#include "credential.h"

struct json_object *
admin_key_object(const struct db_key *key)
{
	struct json_object	*jo;
	int			 rc = 0;

	if ((jo = json_object_new_object()) == NULL)
		return NULL;
	rc |= jio_put_string(jo, "id", key->id);
	rc |= jio_put_string(jo, "user_id", key->user_id);
	rc |= jio_put_string(jo, "name", key->name);
	rc |= jio_put_string(jo, "prefix", key->prefix);
	rc |= jio_put_string(jo, "status", key->status);
	rc |= jio_put_string(jo, "created_at", key->created_at);
	rc |= jio_put_string(jo, "revoked_at", key->revoked_at);
	if (rc != 0) {
		json_object_put(jo);
		return NULL;
	}
	return jo;
}

/* Check that the user of the path exists and, if active_only, is active. */
static int
admin_key_owner(struct admin_ctx *ctx, int active_only)
{
	struct db_user	user;
	int		rc;

	if ((rc = db_user_get(ctx->db, ctx->id, &user, &ctx->re)) == -1)
		return -1;
	if (rc == 0)
		return REQERR(&ctx->re, 404, "user_not_found", "no user with "
		    "id %s", ctx->id);
	if (active_only && strcmp(user.status, "active") != 0)
		return REQERR(&ctx->re, 409, "user_revoked", "user %s is "
		    "revoked: a revoked user cannot get new keys", ctx->id);
	return 0;
}

/* Build the audit detail of a new key: owner, name and prefix only. */
static struct json_object *
admin_key_detail(const struct db_key *key)
{
	struct json_object	*detail;

	if ((detail = json_object_new_object()) == NULL)
		return NULL;
	if (jio_put_string(detail, "user_id", key->user_id) == -1 ||
	    jio_put_string(detail, "name", key->name) == -1 ||
	    jio_put_string(detail, "prefix", key->prefix) == -1) {
		json_object_put(detail);
		return NULL;
	}
	return detail;
}

int
admin_user_keys_post(struct admin_ctx *ctx)
{
	struct json_object	*jo = NULL, *detail = NULL;
	struct credential	 c;
	struct db_key		 key;
	const char		*name;

	memset(&c, 0, sizeof(c));
	if (jio_get_string(ctx->body, "name", 1, DB_NAME_MAX, JIO_CHARS_TEXT,
	    &name, &ctx->re) == -1)
		return -1;
	if (credential_new(ctx->conf->key_prefix, &c) == -1)
		return REQERR(&ctx->re, 500, "internal_error", "no randomness "
		    "available for a new key");

	memset(&key, 0, sizeof(key));
	memcpy(key.id, c.id, sizeof(key.id));
	memcpy(key.user_id, ctx->id, sizeof(key.user_id));
	snprintf(key.name, sizeof(key.name), "%s", name);
	snprintf(key.prefix, sizeof(key.prefix), "%s", c.prefix);
	snprintf(key.status, sizeof(key.status), "active");
	memcpy(key.created_at, ctx->now, sizeof(key.created_at));

	/* The owner check and the insert are one transaction with revoke. */
	if (db_begin(ctx->db, &ctx->re) == -1 ||
	    admin_key_owner(ctx, 1) == -1 ||
	    db_key_insert(ctx->db, key.id, key.user_id, key.name, key.prefix,
	    c.hash, ctx->now, &ctx->re) == -1)
		goto fail;
	if ((jo = admin_key_object(&key)) == NULL ||
	    jio_put_string(jo, "secret", c.secret) == -1 ||
	    (detail = admin_key_detail(&key)) == NULL)
		goto nomem;
	if (admin_audit_ok(ctx, key.id, detail) == -1) {
		detail = NULL;
		goto fail;
	}
	detail = NULL;
	if (db_commit(ctx->db, &ctx->re) == -1)
		goto fail;
	credential_wipe(&c);
	return admin_reply(ctx, 201, jo);

nomem:
	ADMIN_NOMEM(ctx);
fail:
	credential_wipe(&c);
	json_object_put(detail);
	json_object_put(jo);
	return -1;
}

static void
admin_keys_list_row(const struct db_key *key, void *arg)
{
	admin_rows_add(arg, admin_key_object(key));
}

int
admin_user_keys_list(struct admin_ctx *ctx)
{
	struct json_object	*jo;
	struct admin_rows	 rows;

	memset(&rows, 0, sizeof(rows));
	if (admin_key_owner(ctx, 0) == -1)
		return -1;
	if ((jo = json_object_new_object()) == NULL)
		return ADMIN_NOMEM(ctx);
	rows.data = json_object_new_array();
	if (jio_put_object(jo, "data", rows.data) == -1)
		goto nomem;
	if (db_key_list(ctx->db, ctx->id, admin_keys_list_row, &rows,
	    &ctx->re) == -1)
		goto fail;
	if (rows.failed)
		goto nomem;
	return admin_reply(ctx, 200, jo);

nomem:
	ADMIN_NOMEM(ctx);
fail:
	json_object_put(jo);
	return -1;
}

int
admin_key_revoke(struct admin_ctx *ctx)
{
	struct json_object	*jo = NULL, *detail = NULL;
	struct db_key		 key;
	int			 rc;

	if (db_begin(ctx->db, &ctx->re) == -1 ||
	    (rc = db_key_get(ctx->db, ctx->id, &key, &ctx->re)) == -1)
		goto fail;
	if (rc == 0) {
		REQERR(&ctx->re, 404, "key_not_found", "no key with id %s",
		    ctx->id);
		goto fail;
	}
	if ((detail = json_object_new_object()) == NULL ||
	    jio_put_string(detail, "user_id", key.user_id) == -1 ||
	    jio_put_string(detail, "previous_status", key.status) == -1)
		goto nomem;
	if (db_key_revoke(ctx->db, ctx->id, ctx->now, &ctx->re) == -1 ||
	    db_key_get(ctx->db, ctx->id, &key, &ctx->re) != 1)
		goto fail;
	if ((jo = admin_key_object(&key)) == NULL)
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
