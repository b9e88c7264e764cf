/*
 * The admin API's dispatcher. A request goes through fixed steps: split
 * the URI, open the thread's database, authenticate the admin token, find
 * the route (404, 405), check the size (413), the query parameters and
 * the body fields, then run the handler. Whatever happens, admin_finish
 * is the single exit: it rolls back an open transaction, writes the audit
 * row of a refused change, logs one line for a failed request, and builds
 * the response. Clients never see SQL or SQLite messages; a 5xx body only
 * says "internal error" or "database unavailable" with the request id.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "admin_int.h"
#include "crypto.h"
#include "log.h"

#define ADMIN_TOKEN_MAX		256	/* longer tokens are rejected unread */
#define ADMIN_RETRY_AFTER	5	/* seconds, in a 503's Retry-After */
#define ADMIN_LOG_FIELD_MAX	200	/* bytes of a client string in logs */

static const char *const admin_none[] = { NULL };
static const char *const admin_users_params[] = { "status", "external_id",
    "limit", "after", NULL };
static const char *const admin_users_fields[] = { "external_id",
    "daily_limit", NULL };
static const char *const admin_user_patch_fields[] = { "daily_limit",
    NULL };
static const char *const admin_key_fields[] = { "name", NULL };
static const char *const admin_usage_params[] = { "from", "to", NULL };
static const char *const admin_summary_params[] = { "date", "top", NULL };
static const char *const admin_audit_params[] = { "limit", "after", NULL };

static const struct admin_route admin_route_table[] = {
	{ "GET", ADMIN_PREFIX "/health", admin_health_get, NULL,
	    admin_none, NULL, 1 },
	{ "GET", ADMIN_PREFIX "/users", admin_users_list, NULL,
	    admin_users_params, NULL, 0 },
	{ "POST", ADMIN_PREFIX "/users", admin_users_post, "user.create",
	    admin_none, admin_users_fields, 0 },
	{ "GET", ADMIN_PREFIX "/users/{id}", admin_user_get, NULL,
	    admin_none, NULL, 1 },
	{ "PATCH", ADMIN_PREFIX "/users/{id}", admin_user_patch,
	    "user.update", admin_none, admin_user_patch_fields, 0 },
	{ "POST", ADMIN_PREFIX "/users/{id}/revoke", admin_user_revoke,
	    "user.revoke", admin_none, admin_none, 0 },
	{ "GET", ADMIN_PREFIX "/users/{id}/keys", admin_user_keys_list, NULL,
	    admin_none, NULL, 0 },
	{ "POST", ADMIN_PREFIX "/users/{id}/keys", admin_user_keys_post,
	    "key.create", admin_none, admin_key_fields, 0 },
	{ "GET", ADMIN_PREFIX "/users/{id}/usage", admin_user_usage_get, NULL,
	    admin_usage_params, NULL, 1 },
	{ "POST", ADMIN_PREFIX "/keys/{id}/revoke", admin_key_revoke,
	    "key.revoke", admin_none, admin_none, 0 },
	{ "GET", ADMIN_PREFIX "/usage/summary", admin_usage_summary_get, NULL,
	    admin_summary_params, NULL, 1 },
	{ "GET", ADMIN_PREFIX "/audit", admin_audit_list, NULL,
	    admin_audit_params, NULL, 0 },
};
#define ADMIN_NROUTES	(sizeof(admin_route_table) / \
			    sizeof(admin_route_table[0]))

static int	admin_split_uri(struct admin_ctx *);
static int	admin_open_db(struct admin_ctx *, struct db **);
static int	admin_authenticate(struct admin_ctx *);
static int	admin_route_find(struct admin_ctx *);
static int	admin_check_request(struct admin_ctx *);
static void	admin_finish(struct admin_ctx *, struct db **);

const struct admin_route *
admin_routes(size_t *nroutes)
{
	*nroutes = ADMIN_NROUTES;
	return admin_route_table;
}

int
admin_init(struct admin *adm, const struct conf *conf)
{
	memset(adm, 0, sizeof(*adm));
	adm->conf = conf;
	atomic_init(&adm->id_next, 0);
	atomic_init(&adm->analytics_lost, 0);
	if (crypto_random(&adm->id_base, sizeof(adm->id_base)) == -1)
		return -1;
	return 0;
}

void
admin_response_free(struct admin_response *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
}

void
admin_dispatch(struct admin *adm, struct db **dbp,
    const struct admin_request *req, struct admin_response *resp)
{
	struct admin_ctx	ctx;

	memset(resp, 0, sizeof(*resp));
	memset(&ctx, 0, sizeof(ctx));
	ctx.adm = adm;
	ctx.conf = adm->conf;
	ctx.req = req;
	ctx.resp = resp;
	ctx.status = 200;
	snprintf(resp->request_id, sizeof(resp->request_id), "%08" PRIx32
	    "%08x", adm->id_base, atomic_fetch_add(&adm->id_next, 1));
	db_now(ctx.now);
	utcday_window(utcday_now_ms(), &ctx.today);

	if (admin_split_uri(&ctx) == -1 ||
	    admin_open_db(&ctx, dbp) == -1 ||
	    admin_authenticate(&ctx) == -1 ||
	    admin_route_find(&ctx) == -1 ||
	    admin_check_request(&ctx) == -1)
		goto out;
	(void)ctx.route->handler(&ctx);
out:
	admin_finish(&ctx, dbp);
}

/* Copy the path of the URI into ctx->path and point ctx->query after "?". */
static int
admin_split_uri(struct admin_ctx *ctx)
{
	const char	*uri = ctx->req->uri, *q;
	size_t		 len;

	if (ctx->req->method == NULL || uri == NULL)
		return REQERR(&ctx->re, 500, "internal_error", "the web "
		    "server sent no REQUEST_METHOD or REQUEST_URI");
	q = strchr(uri, '?');
	len = q != NULL ? (size_t)(q - uri) : strlen(uri);
	if (len > ADMIN_PATH_MAX) {
		/* Longer than any route: keep a prefix for the messages. */
		ctx->path_too_long = 1;
		len = ADMIN_PATH_MAX;
	}
	memcpy(ctx->path, uri, len);
	ctx->path[len] = '\0';
	ctx->query = q != NULL ? q + 1 : NULL;
	return 0;
}

/*
 * Open the thread's connection, or check that the one it has still
 * reads the files at their paths, at this program's schema (see
 * db_check_current). A connection that does not is closed, and opening
 * it again gives the request the cause.
 *
 * When the analytics file cannot be opened but the decisions can, the
 * connection is opened without it (DB_OPEN_CORE). Users and keys can then
 * still be managed, so a leaked key can be revoked. The routes that read
 * the analytics file fail with the cause kept in ctx->analytics_re. Such a connection is replaced on every request, so
 * the first request after 'driplinectl init' gets the whole database.
 * The loss and the return are logged once for all worker threads. A file
 * replaced under a thread's connection is logged by each thread that
 * opens the new one; a failed open is logged with the request.
 */
static int
admin_open_db(struct admin_ctx *ctx, struct db **dbp)
{
	const struct conf	*conf = ctx->conf;
	struct reqerr		 stale, re;
	int			 was_core, durability_full;

	durability_full = conf->durability == CONF_DURABILITY_FULL;
	was_core = *dbp != NULL && !db_analytics_open(*dbp);
	reqerr_clear(&stale);
	if (*dbp != NULL && (was_core || db_check_current(*dbp,
	    &stale) == -1)) {
		db_close(*dbp);
		*dbp = NULL;
	}
	if (*dbp == NULL) {
		*dbp = db_open(conf->database, durability_full,
		    conf->lock_timeout_ms, 0, &ctx->re);
		if (*dbp != NULL && stale.status != 0)
			log_warnx("%s; opened the database again",
			    stale.db_message);
		if (*dbp != NULL &&
		    atomic_exchange(&ctx->adm->analytics_lost, 0) == 1)
			log_info("the analytics file is readable again: "
			    "serving every call");
	}
	if (*dbp == NULL) {
		reqerr_clear(&re);
		*dbp = db_open(conf->database, durability_full,
		    conf->lock_timeout_ms, DB_OPEN_CORE, &re);
		if (*dbp != NULL) {
			ctx->analytics_re = ctx->re;
			reqerr_clear(&ctx->re);
			if (atomic_exchange(&ctx->adm->analytics_lost, 1) == 0)
				log_warnx("%s; serving only the calls that "
				    "do not read the analytics file",
				    ctx->analytics_re.db_message[0] != '\0' ?
				    ctx->analytics_re.db_message :
				    ctx->analytics_re.message);
		}
	}
	ctx->db = *dbp;
	return ctx->db != NULL ? 0 : -1;
}

/*
 * Resolve "Authorization: Bearer <token>" to an active admin token. The
 * lookup is by the token's SHA-256; the stored hash is then compared in
 * constant time as well, so a lookup that matched on anything but the
 * exact hash still fails.
 */
static int
admin_authenticate(struct admin_ctx *ctx)
{
	const char	*h = ctx->req->authorization, *token;
	char		 hash[CRYPTO_SHA256_HEX_LEN + 1];
	size_t		 len;
	int		 rc;

	if (h == NULL || h[0] == '\0')
		return REQERR(&ctx->re, 401, "missing_admin_token", "no admin "
		    "token: send 'Authorization: Bearer <admin token>'");
	if (strncasecmp(h, "Bearer ", 7) != 0)
		return REQERR(&ctx->re, 401, "invalid_admin_token", "the "
		    "Authorization header must have the form 'Bearer <admin "
		    "token>'");
	for (token = h + 7; *token == ' '; token++)
		continue;
	len = strlen(token);
	if (len == 0 || len > ADMIN_TOKEN_MAX || strchr(token, ' ') != NULL)
		return REQERR(&ctx->re, 401, "invalid_admin_token", "the "
		    "admin token is not valid: it is unknown or has been "
		    "revoked");

	if (crypto_sha256_hex(token, len, hash) == -1)
		return REQERR(&ctx->re, 500, "internal_error", "SHA-256 of "
		    "the admin token failed");
	if ((rc = db_token_resolve(ctx->db, hash, &ctx->token,
	    &ctx->re)) == -1)
		return -1;
	if (rc == 0 || !crypto_equal(ctx->token.secret_hash, hash,
	    CRYPTO_SHA256_HEX_LEN))
		return REQERR(&ctx->re, 401, "invalid_admin_token", "the "
		    "admin token is not valid: it is unknown or has been "
		    "revoked");
	ctx->authenticated = 1;
	return 0;
}

/*
 * Match path against pattern one character at a time, except that
 * "{id}" takes one whole non-empty segment, returned in OUT: seg and
 * seglen. Returns 1 on a match.
 */
static int
admin_path_match(const char *pattern, const char *path, const char **seg,
    size_t *seglen)
{
	size_t	n;

	while (*pattern != '\0' && *path != '\0') {
		if (strncmp(pattern, "{id}", 4) == 0) {
			if ((n = strcspn(path, "/")) == 0)
				return 0;
			*seg = path;
			*seglen = n;
			pattern += 4;
			path += n;
			continue;
		}
		if (*pattern++ != *path++)
			return 0;
	}
	return *pattern == '\0' && *path == '\0';
}

static int
admin_route_find(struct admin_ctx *ctx)
{
	const struct admin_route	*r;
	const char			*seg = NULL;
	char				 allow[64] = "";
	size_t				 i, seglen = 0, n;

	for (i = 0; i < ADMIN_NROUTES && !ctx->path_too_long; i++) {
		r = &admin_route_table[i];
		if (!admin_path_match(r->pattern, ctx->path, &seg, &seglen))
			continue;
		if (strcmp(r->method, ctx->req->method) == 0) {
			ctx->route = r;
			break;
		}
		n = strlen(allow);
		snprintf(allow + n, sizeof(allow) - n, "%s%s",
		    n > 0 ? ", " : "", r->method);
	}

	if (ctx->route == NULL && allow[0] == '\0')
		return REQERR(&ctx->re, 404, "path_not_found", "no such path "
		    "'%.200s': the admin API's paths start with "
		    ADMIN_PREFIX "/", ctx->path);
	if (ctx->route == NULL) {
		admin_header(ctx, "Allow", "%s", allow);
		return REQERR(&ctx->re, 405, "method_not_allowed", "method "
		    "'%.16s' is not allowed on %.200s: use %s",
		    ctx->req->method, ctx->path, allow);
	}

	if (seg != NULL) {
		if (seglen != DB_UUID_LEN)
			return REQERR(&ctx->re, 400, "invalid_id", "invalid "
			    "id '%.*s' in the path: expected a lower-case UUID",
			    (int)(seglen > 64 ? 64 : seglen), seg);
		memcpy(ctx->id, seg, seglen);
		ctx->id[seglen] = '\0';
		if (!crypto_uuid_valid(ctx->id))
			return REQERR(&ctx->re, 400, "invalid_id", "invalid "
			    "id '%s' in the path: expected a lower-case UUID",
			    ctx->id);
	}
	return 0;
}

/* Check size, query parameters and body fields against the route. */
static int
admin_check_request(struct admin_ctx *ctx)
{
	const struct admin_request	*req = ctx->req;

	if (req->body_too_large)
		return REQERR(&ctx->re, 413, "body_too_large", "the request "
		    "body exceeds the maximum of %d bytes", ADMIN_BODY_MAX);
	if (req->body_unread)
		return ADMIN_NOMEM(ctx);
	if (admin_query_parse(ctx, ctx->route->params) == -1)
		return -1;

	if (ctx->route->fields != NULL) {
		ctx->body = jio_parse_object(req->body, req->body != NULL ?
		    req->body_len : 0, &ctx->re);
		if (ctx->body == NULL ||
		    jio_check_fields(ctx->body, ctx->route->fields,
		    &ctx->re) == -1)
			return -1;
	}

	/* A route that reads the analytics file fails while it is missing. */
	if (ctx->route->analytics && !db_analytics_open(ctx->db)) {
		ctx->re = ctx->analytics_re;
		return -1;
	}
	return 0;
}

int
admin_rows_add(struct admin_rows *rows, struct json_object *jo)
{
	rows->n++;
	if (rows->limit > 0 && rows->n > rows->limit) {
		json_object_put(jo);
		return 0;
	}
	if (jo == NULL || json_object_array_add(rows->data, jo) != 0) {
		json_object_put(jo);
		rows->failed = 1;
		return 0;
	}
	return 1;
}

int
admin_reply(struct admin_ctx *ctx, int status, struct json_object *jo)
{
	json_object_put(ctx->reply);
	ctx->reply = jo;
	ctx->status = status;
	return 0;
}

void
admin_header(struct admin_ctx *ctx, const char *name, const char *fmt, ...)
{
	struct admin_response	*resp = ctx->resp;
	size_t			 start = strlen(resp->headers), n = start;
	va_list			 ap;
	int			 len;

	len = snprintf(resp->headers + n, sizeof(resp->headers) - n, "%s: ",
	    name);
	if (len < 0 || (size_t)len >= sizeof(resp->headers) - n)
		goto overflow;
	n += (size_t)len;
	va_start(ap, fmt);
	len = vsnprintf(resp->headers + n, sizeof(resp->headers) - n, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len + 2 >= sizeof(resp->headers) - n)
		goto overflow;
	memcpy(resp->headers + n + (size_t)len, "\r\n", 3);
	return;

overflow:
	/* Our headers are short; a partial line must never be sent. */
	resp->headers[start] = '\0';
	log_warnx("response header %s dropped: no room", name);
}

int
admin_audit_ok(struct admin_ctx *ctx, const char *target_id,
    struct json_object *detail)
{
	struct db_audit	 audit;
	char		*text = NULL;
	size_t		 len;
	int		 rc;

	if (detail != NULL && (text = jio_to_string(detail, &len)) == NULL) {
		json_object_put(detail);
		return ADMIN_NOMEM(ctx);
	}
	json_object_put(detail);
	memset(&audit, 0, sizeof(audit));
	audit.at = ctx->now;
	audit.token_id = ctx->token.id;
	audit.token_name = ctx->token.name;
	audit.action = ctx->route->action;
	audit.target_id = target_id;
	audit.client_address = ctx->req->remote_addr;
	audit.outcome = "ok";
	audit.detail = text;
	rc = db_audit_insert(ctx->db, &audit, &ctx->re);
	free(text);
	if (target_id != NULL)
		snprintf(ctx->target, sizeof(ctx->target), "%s", target_id);
	return rc;
}

/*
 * Write the audit row of a change that was refused after authentication.
 * Returns NULL when the row was written or is not needed, else a note on
 * the missing row for the log line.
 */
static const char *
admin_audit_refused(struct admin_ctx *ctx)
{
	struct json_object	*detail;
	struct db_audit		 audit;
	struct reqerr		 re;
	char			*text;
	size_t			 len;
	int			 rc;

	if (ctx->route == NULL || ctx->route->action == NULL ||
	    !ctx->authenticated)
		return NULL;
	/* The write would fail (or wait out the lock timeout) again. */
	if (ctx->re.db_code != 0 && ctx->re.status >= 500)
		return "no audit row: database unavailable";

	if ((detail = json_object_new_object()) == NULL ||
	    jio_put_int64(detail, "status", ctx->re.status) == -1 ||
	    jio_put_string(detail, "message", ctx->re.message) == -1 ||
	    (text = jio_to_string(detail, &len)) == NULL) {
		json_object_put(detail);
		return "no audit row: out of memory";
	}
	json_object_put(detail);

	memset(&audit, 0, sizeof(audit));
	audit.at = ctx->now;
	audit.token_id = ctx->token.id;
	audit.token_name = ctx->token.name;
	audit.action = ctx->route->action;
	audit.target_id = ctx->id[0] != '\0' ? ctx->id : NULL;
	audit.client_address = ctx->req->remote_addr;
	audit.outcome = ctx->re.code;
	audit.detail = text;
	reqerr_clear(&re);
	rc = db_audit_insert(ctx->db, &audit, &re);
	free(text);
	return rc == 0 ? NULL : "audit row not written: database unavailable";
}

/* Copy a client or operator string for the log, replacing controls. */
static const char *
admin_printable(const char *s, char *buf, size_t buflen)
{
	size_t	i;

	if (s == NULL || s[0] == '\0')
		return "-";
	for (i = 0; s[i] != '\0' && i + 1 < buflen &&
	    i < ADMIN_LOG_FIELD_MAX; i++)
		buf[i] = (unsigned char)s[i] < 0x20 ||
		    (unsigned char)s[i] >= 0x7f ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

static void
admin_log(struct admin_ctx *ctx, const char *audit_note)
{
	const struct reqerr	*re = &ctx->re;
	const char		*method, *path, *token, *addr, *target;
	char			 method_buf[32], path_buf[256], token_buf[128];
	char			 addr_buf[64], where[384] = "";

	method = admin_printable(ctx->req->method, method_buf,
	    sizeof(method_buf));
	path = admin_printable(ctx->path, path_buf, sizeof(path_buf));
	token = admin_printable(ctx->authenticated ? ctx->token.name : NULL,
	    token_buf, sizeof(token_buf));
	addr = admin_printable(ctx->req->remote_addr, addr_buf,
	    sizeof(addr_buf));
	target = ctx->target[0] != '\0' ? ctx->target : ctx->id;

	if (re->status == 0) {
		if (ctx->route->action != NULL)
			log_info("request %s: %s %s token %s from %s: %d %s "
			    "%s", ctx->resp->request_id, method, path, token,
			    addr, ctx->status, ctx->route->action,
			    target[0] != '\0' ? target : "-");
		else
			log_debug("request %s: %s %s token %s from %s: %d",
			    ctx->resp->request_id, method, path, token, addr,
			    ctx->status);
		return;
	}

	if (re->db_code != 0)
		snprintf(where, sizeof(where), ", sqlite %d%s%s", re->db_code,
		    re->db_message[0] != '\0' ? ": " : "", re->db_message);
	else if (re->db_message[0] != '\0')
		snprintf(where, sizeof(where), ", %s", re->db_message);
	/* A client's error needs no source location, a server's may. */
	if (re->status >= 500)
		log_warnx("request %s: %s %s token %s from %s: %d %s: %s "
		    "(at %s:%d%s)%s%s", ctx->resp->request_id, method, path,
		    token, addr, re->status, re->code, re->message,
		    re->func, re->line, where, audit_note != NULL ? "; " : "",
		    audit_note != NULL ? audit_note : "");
	else
		log_info("request %s: %s %s token %s from %s: %d %s: %s%s%s%s",
		    ctx->resp->request_id, method, path, token, addr,
		    re->status, re->code, re->message, where,
		    audit_note != NULL ? "; " : "",
		    audit_note != NULL ? audit_note : "");
}

/* Fill the response with the error in ctx->re. */
static void
admin_error_response(struct admin_ctx *ctx)
{
	struct admin_response	*resp = ctx->resp;
	const struct reqerr	*re = &ctx->re;
	struct json_object	*body;
	char			 message[sizeof(re->message) + 64];

	if (re->status >= 500 && strcmp(re->code, "database_unavailable") == 0)
		snprintf(message, sizeof(message), "database unavailable, "
		    "retry later (request id %s)", resp->request_id);
	else if (re->status >= 500 && strcmp(re->code, "schema_mismatch") == 0)
		/* The message names the fix and no file. */
		snprintf(message, sizeof(message), "%s (request id %s)",
		    re->message, resp->request_id);
	else if (re->status >= 500)
		snprintf(message, sizeof(message), "internal error (request "
		    "id %s)", resp->request_id);
	else
		snprintf(message, sizeof(message), "%s", re->message);

	if (re->status == 401)
		admin_header(ctx, "WWW-Authenticate", "Bearer");
	if (re->status == 503)
		admin_header(ctx, "Retry-After", "%d", ADMIN_RETRY_AFTER);

	resp->status = re->status;
	body = jio_error_body(re->status, re->code, message,
	    resp->request_id);
	if (body != NULL)
		resp->body = jio_to_string(body, &resp->body_len);
	json_object_put(body);
	/* Out of memory: the status and headers still go out. */
}

static void
admin_finish(struct admin_ctx *ctx, struct db **dbp)
{
	struct admin_response	*resp = ctx->resp;
	const char		*audit_note = NULL;

	/* A handler that failed inside a transaction left it open. */
	db_rollback(ctx->db);

	if (ctx->re.status == 0 && ctx->reply == NULL)
		REQERR(&ctx->re, 500, "internal_error", "the %s handler "
		    "returned neither a reply nor an error", ctx->route != NULL ?
		    ctx->route->pattern : "-");
	if (ctx->re.status == 0) {
		resp->body = jio_to_string(ctx->reply, &resp->body_len);
		if (resp->body == NULL)
			ADMIN_NOMEM(ctx);
		else
			resp->status = ctx->status;
	}
	if (ctx->re.status != 0) {
		audit_note = admin_audit_refused(ctx);
		admin_error_response(ctx);
	}
	admin_log(ctx, audit_note);

	if (ctx->re.status >= 500 && ctx->re.db_code != 0 &&
	    !db_error_is_busy(&ctx->re) && *dbp != NULL) {
		db_close(*dbp);
		*dbp = NULL;
	}
	json_object_put(ctx->body);
	json_object_put(ctx->reply);
}
