/*
 * Unit tests of the admin API through admin_dispatch, without FastCGI.
 * Every test starts from a fresh database holding two admin tokens (one
 * active, one revoked), an active user "alice" with one key, and a
 * revoked user "bob", all made through the API itself. The clock is
 * fixed at 2026-03-10T12:00:00Z so "today" is known.
 *
 * The tables check status and error code exactly and the message as a
 * substring. Cases that need more than one request are separate tests.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <json-c/json.h>
#include <sqlite3.h>

#include "admin.h"
#include "conf.h"
#include "credential.h"
#include "db.h"
#include "log.h"
#include "utcday.h"
#include "check_sqlite.h"

#define TEST_NOW_MS	1773144000000LL	/* 2026-03-10T12:00:00Z */
#define TEST_TODAY	"2026-03-10"

enum test_token {
	TOKEN_VALID = 0,
	TOKEN_NONE,
	TOKEN_WRONG,
	TOKEN_REVOKED,
	TOKEN_NOT_BEARER
};

struct api_case {
	const char	*method;
	const char	*uri;	/* {user}, {bob}, {key}, {missing} replaced */
	const char	*body;
	enum test_token	 token;
	int		 status;
	const char	*code;	/* expected error code; NULL on success */
	const char	*message;	/* substring of the message, or NULL */
};

static struct conf	 test_conf;
static struct admin	 test_admin;
static struct db	*test_db;
static char		 test_db_path[64];
static char		 token_valid[128];
static char		 token_revoked[128];
static char		 alice_id[DB_UUID_LEN + 1];
static char		 bob_id[DB_UUID_LEN + 1];
static char		 key_id[DB_UUID_LEN + 1];
static char		 key_secret[128];
static const char	 missing_id[] = "00000000-0000-4000-8000-000000000000";

static int64_t
test_clock(void)
{
	return TEST_NOW_MS;
}

/* Replace the {name} placeholders of the case tables in uri. */
static void
expand_uri(const char *uri, char *out, size_t outlen)
{
	static const struct {
		const char	*name;
		const char	*value;
	} vars[] = {
		{ "{user}", alice_id },
		{ "{bob}", bob_id },
		{ "{key}", key_id },
		{ "{missing}", missing_id },
	};
	size_t	o = 0, i, n;

	while (*uri != '\0' && o + 1 < outlen) {
		for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
			n = strlen(vars[i].name);
			if (strncmp(uri, vars[i].name, n) == 0)
				break;
		}
		if (i < sizeof(vars) / sizeof(vars[0])) {
			o += (size_t)snprintf(out + o, outlen - o, "%s",
			    vars[i].value);
			uri += strlen(vars[i].name);
		} else
			out[o++] = *uri++;
	}
	out[o] = '\0';
}

/*
 * Send one request through admin_dispatch. Returns the status; OUT: jo
 * (if not NULL) gets the parsed body, which the caller releases.
 */
static int
call_full(const char *method, const char *uri, const char *body,
    enum test_token token, struct admin_response *resp,
    struct json_object **jo)
{
	struct admin_request	req;
	char			auth[256], path[1024];

	expand_uri(uri, path, sizeof(path));
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.uri = path;
	req.remote_addr = "192.0.2.7";
	req.body = body;
	req.body_len = body != NULL ? strlen(body) : 0;
	switch (token) {
	case TOKEN_VALID:
		snprintf(auth, sizeof(auth), "Bearer %s", token_valid);
		req.authorization = auth;
		break;
	case TOKEN_WRONG:
		snprintf(auth, sizeof(auth), "Bearer %sx", token_valid);
		req.authorization = auth;
		break;
	case TOKEN_REVOKED:
		snprintf(auth, sizeof(auth), "Bearer %s", token_revoked);
		req.authorization = auth;
		break;
	case TOKEN_NOT_BEARER:
		snprintf(auth, sizeof(auth), "Basic %s", token_valid);
		req.authorization = auth;
		break;
	case TOKEN_NONE:
		break;
	}

	admin_dispatch(&test_admin, &test_db, &req, resp);
	ck_assert_ptr_nonnull(resp->body);
	ck_assert_uint_eq(strlen(resp->body), resp->body_len);
	if (jo != NULL) {
		*jo = json_tokener_parse(resp->body);
		ck_assert_msg(*jo != NULL, "reply is not JSON: %s", resp->body);
	}
	return resp->status;
}

/* Send a request with the valid token and return the parsed reply. */
static struct json_object *
call(const char *method, const char *uri, const char *body, int status)
{
	struct admin_response	 resp;
	struct json_object	*jo;
	int			 got;

	got = call_full(method, uri, body, TOKEN_VALID, &resp, &jo);
	ck_assert_msg(got == status, "%s %s: status %d, expected %d: %s",
	    method, uri, got, status, resp.body);
	admin_response_free(&resp);
	return jo;
}

static struct json_object *
member(struct json_object *jo, const char *name)
{
	struct json_object	*v = NULL;

	ck_assert_msg(json_object_object_get_ex(jo, name, &v),
	    "no member '%s' in %s", name, json_object_to_json_string(jo));
	return v;
}

static const char *
member_str(struct json_object *jo, const char *name)
{
	return json_object_get_string(member(jo, name));
}

static int64_t
member_int(struct json_object *jo, const char *name)
{
	return json_object_get_int64(member(jo, name));
}

static void
copy_member(struct json_object *jo, const char *name, char *out,
    size_t outlen)
{
	snprintf(out, outlen, "%s", member_str(jo, name));
}

/* Insert an admin token named name; OUT: secret. Revoke it if asked. */
static void
make_token(const char *name, int revoked, char *secret, size_t secretlen)
{
	struct credential	c;
	struct reqerr		re;
	char			now[DB_TIME_LEN + 1];

	reqerr_clear(&re);
	db_now(now);
	ck_assert_int_eq(credential_new(CREDENTIAL_TOKEN_PREFIX, &c), 0);
	ck_assert_int_eq(db_token_insert(test_db, c.id, name, c.prefix,
	    c.hash, now, &re), 0);
	if (revoked)
		ck_assert_int_eq(db_token_revoke(test_db, name, now, &re), 1);
	snprintf(secret, secretlen, "%s", c.secret);
}

static void
open_db(const char *path, int flags)
{
	struct reqerr	re;

	reqerr_clear(&re);
	test_conf.database = (char *)path;
	test_db = db_open(path, 0, test_conf.lock_timeout_ms, flags, &re);
	ck_assert_msg(test_db != NULL, "db_open %s: %s", path,
	    re.db_message);
}

/* Fill the fresh database with the users, key and tokens described above. */
static void
populate(void)
{
	struct json_object	*jo;

	make_token("test-ops", 0, token_valid, sizeof(token_valid));
	make_token("test-old", 1, token_revoked, sizeof(token_revoked));

	jo = call("POST", "/admin/v1/users", "{\"external_id\":\"alice\"}",
	    201);
	copy_member(jo, "id", alice_id, sizeof(alice_id));
	json_object_put(jo);
	jo = call("POST", "/admin/v1/users/{user}/keys", "{\"name\":\"main\"}",
	    201);
	copy_member(jo, "id", key_id, sizeof(key_id));
	copy_member(jo, "secret", key_secret, sizeof(key_secret));
	json_object_put(jo);

	jo = call("POST", "/admin/v1/users", "{\"external_id\":\"bob\"}", 201);
	copy_member(jo, "id", bob_id, sizeof(bob_id));
	json_object_put(jo);
	json_object_put(call("POST", "/admin/v1/users/{bob}/revoke", NULL,
	    200));
}

static void
setup_common(void)
{
	memset(&test_conf, 0, sizeof(test_conf));
	test_conf.default_daily_limit = 1000;
	test_conf.lock_timeout_ms = 100;
	test_conf.key_prefix = "dl_";
	test_conf.log_level = LOG_LEVEL_WARN;
	log_init("check_admin", 0);
	log_set_level(LOG_LEVEL_ERROR);
	utcday_set_clock(test_clock);
	ck_assert_int_eq(admin_init(&test_admin, &test_conf), 0);
}

static void
setup_memory(void)
{
	setup_common();
	test_db_path[0] = '\0';
	open_db(":memory:", DB_OPEN_MIGRATE);
	populate();
}

/* A database file, for tests that need a second connection to it. */
static void
setup_file(void)
{
	int	fd;

	setup_common();
	snprintf(test_db_path, sizeof(test_db_path),
	    "/tmp/check_admin.XXXXXX");
	fd = mkstemp(test_db_path);
	ck_assert_int_ne(fd, -1);
	close(fd);
	open_db(test_db_path, DB_OPEN_CREATE | DB_OPEN_MIGRATE);
	populate();
}

static void
teardown(void)
{
	char	analytics[128];

	db_close(test_db);
	test_db = NULL;
	utcday_set_clock(NULL);
	if (test_db_path[0] != '\0') {
		test_db_remove(test_db_path);
		ck_assert_int_eq(db_analytics_path(test_db_path, analytics,
		    sizeof(analytics)), 0);
		test_db_remove(analytics);
	}
}

/* Run one table case and check the whole error contract. */
static void
run_case(const struct api_case *c)
{
	struct admin_response	 resp;
	struct json_object	*jo, *err;
	int			 status;

	status = call_full(c->method, c->uri, c->body, c->token, &resp, &jo);
	ck_assert_msg(status == c->status, "%s %s %s: status %d, expected "
	    "%d: %s", c->method, c->uri, c->body != NULL ? c->body : "",
	    status, c->status, resp.body);

	if (c->code == NULL) {
		ck_assert_msg(!json_object_object_get_ex(jo, "error", NULL),
		    "unexpected error: %s", resp.body);
		goto out;
	}
	err = member(jo, "error");
	ck_assert_str_eq(member_str(err, "code"), c->code);
	ck_assert_str_eq(member_str(err, "request_id"), resp.request_id);
	ck_assert_str_eq(member_str(err, "type"),
	    c->status == 401 ? "authentication_error" :
	    c->status == 404 ? "not_found_error" :
	    c->status >= 500 ? "server_error" : "invalid_request_error");
	if (c->message != NULL)
		ck_assert_msg(strstr(member_str(err, "message"),
		    c->message) != NULL, "message '%s' lacks '%s'",
		    member_str(err, "message"), c->message);
	if (c->status == 401)
		ck_assert_ptr_nonnull(strstr(resp.headers,
		    "WWW-Authenticate: Bearer\r\n"));
	if (c->status == 405)
		ck_assert_ptr_nonnull(strstr(resp.headers, "Allow: "));
out:
	json_object_put(jo);
	admin_response_free(&resp);
}

/* --- core: requests that succeed ---------------------------------------- */

static const struct api_case core_cases[] = {
	{ "GET", "/admin/v1/health", NULL, 0, 200, NULL, NULL },
	{ "POST", "/admin/v1/users", "{\"external_id\":\"carol\"}", 0, 201,
	    NULL, NULL },
	{ "POST", "/admin/v1/users",
	    "{\"external_id\":\"dave@example.com\",\"daily_limit\":0}", 0, 201,
	    NULL, NULL },
	{ "POST", "/admin/v1/users", " \r\n{ \"daily_limit\" : 7 ,"
	    "\"external_id\":\"erin+tag\" }\n", 0, 201, NULL, NULL },
	{ "GET", "/admin/v1/users", NULL, 0, 200, NULL, NULL },
	{ "GET", "/admin/v1/users?status=active&limit=1", NULL, 0, 200, NULL,
	    NULL },
	{ "GET", "/admin/v1/users?external_id=alice", NULL, 0, 200, NULL,
	    NULL },
	{ "GET", "/admin/v1/users?after={missing}&", NULL, 0, 200, NULL,
	    NULL },
	{ "GET", "/admin/v1/users/{user}", NULL, 0, 200, NULL, NULL },
	{ "PATCH", "/admin/v1/users/{user}", "{\"daily_limit\":5}", 0, 200,
	    NULL, NULL },
	{ "PATCH", "/admin/v1/users/{bob}", "{\"daily_limit\":0}", 0, 200,
	    NULL, NULL },
	{ "POST", "/admin/v1/users/{user}/revoke", NULL, 0, 200, NULL, NULL },
	{ "POST", "/admin/v1/users/{bob}/revoke", "{}", 0, 200, NULL, NULL },
	{ "POST", "/admin/v1/users/{user}/keys", "{\"name\":\"CI key \xc3\xa9\"}",
	    0, 201, NULL, NULL },
	{ "GET", "/admin/v1/users/{user}/keys", NULL, 0, 200, NULL, NULL },
	{ "GET", "/admin/v1/users/{bob}/keys", NULL, 0, 200, NULL, NULL },
	{ "POST", "/admin/v1/keys/{key}/revoke", NULL, 0, 200, NULL, NULL },
	{ "GET", "/admin/v1/users/{user}/usage", NULL, 0, 200, NULL, NULL },
	{ "GET", "/admin/v1/users/{user}/usage?from=2026-03-01&to=2026-03-10",
	    NULL, 0, 200, NULL, NULL },
	{ "GET", "/admin/v1/usage/summary", NULL, 0, 200, NULL, NULL },
	{ "GET", "/admin/v1/usage/summary?date=2026-03-01&top=5", NULL, 0, 200,
	    NULL, NULL },
	{ "GET", "/admin/v1/audit", NULL, 0, 200, NULL, NULL },
	{ "GET", "/admin/v1/audit?limit=1&after=1", NULL, 0, 200, NULL, NULL },
};

START_TEST(test_admin_core_table)
{
	run_case(&core_cases[_i]);
}
END_TEST

START_TEST(test_admin_user_lifecycle)
{
	struct json_object	*jo, *data, *k;
	char			 id[DB_UUID_LEN + 1], kid[DB_UUID_LEN + 1];
	char			 uri[128], secret[128];

	jo = call("POST", "/admin/v1/users",
	    "{\"external_id\":\"carol\",\"daily_limit\":50}", 201);
	copy_member(jo, "id", id, sizeof(id));
	ck_assert_str_eq(member_str(jo, "external_id"), "carol");
	ck_assert_int_eq(member_int(jo, "daily_limit"), 50);
	ck_assert_str_eq(member_str(jo, "status"), "active");
	ck_assert(json_object_get_type(member(jo, "revoked_at")) ==
	    json_type_null);
	json_object_put(jo);

	snprintf(uri, sizeof(uri), "/admin/v1/users/%s", id);
	jo = call("GET", uri, NULL, 200);
	ck_assert_int_eq(member_int(member(jo, "keys"), "total"), 0);
	ck_assert_str_eq(member_str(member(jo, "usage_today"), "date"),
	    TEST_TODAY);
	ck_assert_int_eq(member_int(member(jo, "usage_today"), "remaining"),
	    50);
	json_object_put(jo);

	jo = call("PATCH", uri, "{\"daily_limit\":7}", 200);
	ck_assert_int_eq(member_int(jo, "daily_limit"), 7);
	json_object_put(jo);

	snprintf(uri, sizeof(uri), "/admin/v1/users/%s/keys", id);
	jo = call("POST", uri, "{\"name\":\"laptop\"}", 201);
	copy_member(jo, "id", kid, sizeof(kid));
	copy_member(jo, "secret", secret, sizeof(secret));
	ck_assert_int_eq(strncmp(secret, "dl_", 3), 0);
	ck_assert_uint_eq(strlen(secret), 3 + CRYPTO_SECRET_CHARS);
	ck_assert_int_eq(strncmp(member_str(jo, "prefix"), secret,
	    strlen(member_str(jo, "prefix"))), 0);
	ck_assert_str_eq(member_str(jo, "user_id"), id);
	json_object_put(jo);

	/* The list shows the key, never its secret. */
	jo = call("GET", uri, NULL, 200);
	data = member(jo, "data");
	ck_assert_uint_eq(json_object_array_length(data), 1);
	k = json_object_array_get_idx(data, 0);
	ck_assert_str_eq(member_str(k, "id"), kid);
	ck_assert_str_eq(member_str(k, "name"), "laptop");
	ck_assert(!json_object_object_get_ex(k, "secret", NULL));
	ck_assert_ptr_null(strstr(json_object_to_json_string(jo), secret));
	json_object_put(jo);

	snprintf(uri, sizeof(uri), "/admin/v1/keys/%s/revoke", kid);
	jo = call("POST", uri, NULL, 200);
	ck_assert_str_eq(member_str(jo, "status"), "revoked");
	ck_assert_str_ne(member_str(jo, "revoked_at"), "");
	json_object_put(jo);

	snprintf(uri, sizeof(uri), "/admin/v1/users/%s/revoke", id);
	jo = call("POST", uri, NULL, 200);
	ck_assert_str_eq(member_str(jo, "status"), "revoked");
	json_object_put(jo);

	snprintf(uri, sizeof(uri), "/admin/v1/users/%s", id);
	jo = call("GET", uri, NULL, 200);
	ck_assert_str_eq(member_str(jo, "status"), "revoked");
	ck_assert_int_eq(member_int(member(jo, "keys"), "total"), 1);
	ck_assert_int_eq(member_int(member(jo, "keys"), "active"), 0);
	json_object_put(jo);
}
END_TEST

START_TEST(test_admin_user_revoke_revokes_keys)
{
	struct json_object	*jo, *k;

	json_object_put(call("POST", "/admin/v1/users/{user}/keys",
	    "{\"name\":\"second\"}", 201));
	json_object_put(call("POST", "/admin/v1/users/{user}/revoke", NULL,
	    200));

	jo = call("GET", "/admin/v1/users/{user}/keys", NULL, 200);
	ck_assert_uint_eq(json_object_array_length(member(jo, "data")), 2);
	k = json_object_array_get_idx(member(jo, "data"), 0);
	ck_assert_str_eq(member_str(k, "status"), "revoked");
	k = json_object_array_get_idx(member(jo, "data"), 1);
	ck_assert_str_eq(member_str(k, "status"), "revoked");
	json_object_put(jo);
}
END_TEST

START_TEST(test_admin_revoke_is_idempotent)
{
	struct json_object	*jo;
	char			 first[DB_TIME_LEN + 1];

	jo = call("POST", "/admin/v1/users/{user}/revoke", NULL, 200);
	copy_member(jo, "revoked_at", first, sizeof(first));
	json_object_put(jo);
	jo = call("POST", "/admin/v1/users/{user}/revoke", NULL, 200);
	ck_assert_str_eq(member_str(jo, "status"), "revoked");
	ck_assert_str_eq(member_str(jo, "revoked_at"), first);
	json_object_put(jo);

	jo = call("POST", "/admin/v1/keys/{key}/revoke", NULL, 200);
	ck_assert_str_eq(member_str(jo, "status"), "revoked");
	json_object_put(jo);
	jo = call("POST", "/admin/v1/keys/{key}/revoke", NULL, 200);
	ck_assert_str_eq(member_str(jo, "status"), "revoked");
	json_object_put(jo);
}
END_TEST

START_TEST(test_admin_default_limit_from_conf)
{
	struct json_object	*jo;

	test_conf.default_daily_limit = 321;
	jo = call("POST", "/admin/v1/users", "{\"external_id\":\"frank\"}",
	    201);
	ck_assert_int_eq(member_int(jo, "daily_limit"), 321);
	json_object_put(jo);
}
END_TEST

START_TEST(test_admin_users_post_sets_location)
{
	struct admin_response	 resp;
	struct json_object	*jo;
	char			 want[128];

	ck_assert_int_eq(call_full("POST", "/admin/v1/users",
	    "{\"external_id\":\"gina\"}", TOKEN_VALID, &resp, &jo), 201);
	snprintf(want, sizeof(want), "Location: /admin/v1/users/%s\r\n",
	    member_str(jo, "id"));
	ck_assert_ptr_nonnull(strstr(resp.headers, want));
	json_object_put(jo);
	admin_response_free(&resp);
}
END_TEST

START_TEST(test_admin_users_list_filters)
{
	struct json_object	*jo, *data;

	jo = call("GET", "/admin/v1/users?status=revoked", NULL, 200);
	data = member(jo, "data");
	ck_assert_uint_eq(json_object_array_length(data), 1);
	ck_assert_str_eq(member_str(json_object_array_get_idx(data, 0),
	    "external_id"), "bob");
	ck_assert(!json_object_get_boolean(member(jo, "has_more")));
	ck_assert(json_object_get_type(member(jo, "next_after")) ==
	    json_type_null);
	json_object_put(jo);

	/* Percent-encoding is decoded; "+" stays a plus sign. */
	json_object_put(call("POST", "/admin/v1/users",
	    "{\"external_id\":\"a+b@c\"}", 201));
	jo = call("GET", "/admin/v1/users?external_id=a%2bb%40c", NULL, 200);
	ck_assert_uint_eq(json_object_array_length(member(jo, "data")), 1);
	json_object_put(jo);
	jo = call("GET", "/admin/v1/users?external_id=a+b@c", NULL, 200);
	ck_assert_uint_eq(json_object_array_length(member(jo, "data")), 1);
	json_object_put(jo);
}
END_TEST

/*
 * Page through users while others are created between pages: every user
 * that existed at the start is seen exactly once, in id order.
 */
START_TEST(test_admin_users_pagination_stable)
{
	struct json_object	*jo, *data;
	char			 after[DB_UUID_LEN + 1] = "", prev[40] = "";
	char			 uri[256], body[64];
	const char		*id;
	size_t			 i, seen = 0, pages = 0;
	int			 extra = 0;

	for (i = 0; i < 23; i++) {
		snprintf(body, sizeof(body), "{\"external_id\":\"p%02zu\"}", i);
		json_object_put(call("POST", "/admin/v1/users", body, 201));
	}
	/* 25 users now: alice, bob and p00..p22. */
	for (;;) {
		if (after[0] == '\0')
			snprintf(uri, sizeof(uri), "/admin/v1/users?limit=10");
		else
			snprintf(uri, sizeof(uri),
			    "/admin/v1/users?limit=10&after=%s", after);
		jo = call("GET", uri, NULL, 200);
		data = member(jo, "data");
		pages++;
		for (i = 0; i < json_object_array_length(data); i++) {
			id = member_str(json_object_array_get_idx(data, i),
			    "id");
			ck_assert_msg(strcmp(prev, id) < 0, "ids out of order "
			    "or repeated: %s after %s", id, prev);
			snprintf(prev, sizeof(prev), "%s", id);
			seen++;
		}
		if (!json_object_get_boolean(member(jo, "has_more"))) {
			json_object_put(jo);
			break;
		}
		ck_assert_str_eq(member_str(jo, "next_after"), prev);
		copy_member(jo, "next_after", after, sizeof(after));
		json_object_put(jo);

		snprintf(body, sizeof(body), "{\"external_id\":\"late%d\"}",
		    extra++);
		json_object_put(call("POST", "/admin/v1/users", body, 201));
	}
	/* Users created during paging land before or after the cursor. */
	ck_assert_uint_ge(seen, 25);
	ck_assert_uint_le(seen, 25 + (size_t)extra);
	ck_assert_uint_ge(pages, 3);
}
END_TEST

/* Charge usage the way the authorizer does, inside a transaction. */
static void
charge(const char *user_id, const char *day, int64_t cost, int64_t limit)
{
	struct reqerr	re;
	int64_t		used;

	reqerr_clear(&re);
	ck_assert_int_eq(db_begin(test_db, &re), 0);
	ck_assert_int_ge(db_usage_charge(test_db, user_id, day, cost, limit,
	    &used, &re), 0);
	ck_assert_int_eq(db_commit(test_db, &re), 0);
}

START_TEST(test_admin_usage_per_day)
{
	struct json_object	*jo, *data, *day;

	charge(alice_id, "2026-03-08", 4, 1000);
	charge(alice_id, TEST_TODAY, 3, 1000);
	charge(alice_id, TEST_TODAY, 2, 1000);
	charge(alice_id, TEST_TODAY, 5000, 1000);	/* denied */

	jo = call("GET", "/admin/v1/users/{user}/usage?from=2026-03-07&"
	    "to=2026-03-10", NULL, 200);
	ck_assert_str_eq(member_str(jo, "from"), "2026-03-07");
	ck_assert_str_eq(member_str(jo, "to"), TEST_TODAY);
	data = member(jo, "data");
	ck_assert_uint_eq(json_object_array_length(data), 4);

	day = json_object_array_get_idx(data, 0);
	ck_assert_str_eq(member_str(day, "date"), "2026-03-07");
	ck_assert_int_eq(member_int(day, "units"), 0);
	day = json_object_array_get_idx(data, 1);
	ck_assert_str_eq(member_str(day, "date"), "2026-03-08");
	ck_assert_int_eq(member_int(day, "units"), 4);
	ck_assert_int_eq(member_int(day, "allowed"), 1);
	day = json_object_array_get_idx(data, 3);
	ck_assert_str_eq(member_str(day, "date"), TEST_TODAY);
	ck_assert_int_eq(member_int(day, "units"), 5);
	ck_assert_int_eq(member_int(day, "allowed"), 2);
	ck_assert_int_eq(member_int(day, "denied"), 1);
	ck_assert_int_eq(member_int(day, "daily_limit"), 1000);
	ck_assert_int_eq(member_int(day, "remaining"), 995);
	json_object_put(jo);

	/* Without from and to: the 30 days up to today. */
	jo = call("GET", "/admin/v1/users/{user}/usage", NULL, 200);
	ck_assert_str_eq(member_str(jo, "from"), "2026-02-09");
	ck_assert_uint_eq(json_object_array_length(member(jo, "data")), 30);
	json_object_put(jo);

	jo = call("GET", "/admin/v1/users/{user}", NULL, 200);
	ck_assert_int_eq(member_int(member(jo, "usage_today"), "units"), 5);
	ck_assert_int_eq(member_int(member(jo, "usage_today"), "denied"), 1);
	json_object_put(jo);
}
END_TEST

START_TEST(test_admin_usage_limit_of_each_day)
{
	struct json_object	*jo, *data, *day, *first;

	/* Decided under a limit of 10 on the 8th, 1000 today, then 50. */
	charge(alice_id, "2026-03-08", 4, 10);
	charge(alice_id, TEST_TODAY, 3, 1000);
	json_object_put(call("PATCH", "/admin/v1/users/{user}",
	    "{\"daily_limit\":50}", 200));

	jo = call("GET", "/admin/v1/users/{user}/usage?from=2026-03-08&"
	    "to=2026-03-10", NULL, 200);
	data = member(jo, "data");
	ck_assert_uint_eq(json_object_array_length(data), 3);
	day = json_object_array_get_idx(data, 0);
	ck_assert_int_eq(member_int(day, "daily_limit"), 10);
	ck_assert_int_eq(member_int(day, "remaining"), 6);

	/* No decision on the 9th: the current limit. */
	day = json_object_array_get_idx(data, 1);
	ck_assert_int_eq(member_int(day, "daily_limit"), 50);

	/* Today shows the limit the next request gets. */
	day = json_object_array_get_idx(data, 2);
	ck_assert_str_eq(member_str(day, "date"), TEST_TODAY);
	ck_assert_int_eq(member_int(day, "daily_limit"), 50);
	ck_assert_int_eq(member_int(day, "remaining"), 47);
	json_object_put(jo);

	jo = call("GET", "/admin/v1/usage/summary?date=2026-03-08", NULL, 200);
	first = json_object_array_get_idx(member(jo, "top_users"), 0);
	ck_assert_int_eq(member_int(first, "daily_limit"), 10);
	json_object_put(jo);
}
END_TEST

START_TEST(test_admin_usage_summary)
{
	struct json_object	*jo, *top, *first;
	char			 carol[DB_UUID_LEN + 1];

	jo = call("POST", "/admin/v1/users", "{\"external_id\":\"carol\"}",
	    201);
	copy_member(jo, "id", carol, sizeof(carol));
	json_object_put(jo);
	charge(alice_id, TEST_TODAY, 3, 1000);
	charge(carol, TEST_TODAY, 8, 1000);
	charge(carol, TEST_TODAY, 2000, 1000);	/* denied */
	charge(carol, "2026-03-09", 1, 1000);

	jo = call("GET", "/admin/v1/usage/summary", NULL, 200);
	ck_assert_str_eq(member_str(jo, "date"), TEST_TODAY);
	ck_assert_int_eq(member_int(jo, "users"), 2);
	ck_assert_int_eq(member_int(jo, "units"), 11);
	ck_assert_int_eq(member_int(jo, "allowed"), 2);
	ck_assert_int_eq(member_int(jo, "denied"), 1);
	top = member(jo, "top_users");
	ck_assert_uint_eq(json_object_array_length(top), 2);
	first = json_object_array_get_idx(top, 0);
	ck_assert_str_eq(member_str(first, "user_id"), carol);
	ck_assert_str_eq(member_str(first, "external_id"), "carol");
	ck_assert_int_eq(member_int(first, "units"), 8);
	json_object_put(jo);

	jo = call("GET", "/admin/v1/usage/summary?date=2026-03-10&top=1",
	    NULL, 200);
	ck_assert_uint_eq(json_object_array_length(member(jo, "top_users")),
	    1);
	json_object_put(jo);

	jo = call("GET", "/admin/v1/usage/summary?date=2020-01-01", NULL, 200);
	ck_assert_int_eq(member_int(jo, "users"), 0);
	ck_assert_int_eq(member_int(jo, "units"), 0);
	json_object_put(jo);
}
END_TEST

/*
 * Record outcomes for a user and day the way dripline-collector does:
 * n2xx 2xx responses of 4 ms, n5xx 5xx, ntimeouts timeouts of 3 s and
 * nunreachable unreachable. Returns db_outcomes_add's result.
 */
static int
record_outcomes(const char *user_id, const char *day, int n2xx, int n5xx,
    int ntimeouts, int nunreachable)
{
	struct db_outcomes	o;
	struct reqerr		re;
	int			i, rc;

	memset(&o, 0, sizeof(o));
	o.status_2xx = n2xx;
	o.status_5xx = n5xx;
	o.timed_out = ntimeouts;
	o.unreachable = nunreachable;
	for (i = 0; i < n2xx + n5xx + nunreachable; i++)
		histogram_add(&o.latency, 4000);
	for (i = 0; i < ntimeouts; i++)
		histogram_add(&o.latency, 3000000);
	reqerr_clear(&re);
	ck_assert_int_eq(db_begin(test_db, &re), 0);
	rc = db_outcomes_add(test_db, user_id, day, &o, &re);
	ck_assert_int_ne(rc, -1);
	ck_assert_int_eq(db_commit(test_db, &re), 0);
	return rc;
}

/* Add refusals and 401 sources to a day the way the authorizer does. */
static void
record_refusals(const char *day, int n401, int n400, int n404, int n503,
    const char *address, int attempts)
{
	struct db_system_day	delta;
	struct reqerr		re;

	memset(&delta, 0, sizeof(delta));
	delta.unauthorized = n401;
	delta.invalid_path = n400;
	delta.route_not_found = n404;
	delta.unavailable = n503;
	reqerr_clear(&re);
	ck_assert_int_eq(db_begin(test_db, &re), 0);
	ck_assert_int_eq(db_system_add(test_db, day, &delta, &re), 0);
	if (address != NULL)
		ck_assert_int_eq(db_source_add(test_db, day, address, attempts,
		    1000, &re), 1);
	ck_assert_int_eq(db_commit(test_db, &re), 0);
}

START_TEST(test_admin_usage_upstream_outcomes)
{
	struct json_object	*jo, *day, *up, *latency;

	charge(alice_id, TEST_TODAY, 1, 1000);
	charge(alice_id, TEST_TODAY, 1, 1000);
	charge(alice_id, TEST_TODAY, 1, 1000);
	charge(alice_id, TEST_TODAY, 1, 1000);
	charge(alice_id, TEST_TODAY, 1, 1000);
	ck_assert_int_eq(record_outcomes(alice_id, TEST_TODAY, 2, 1, 1, 0), 1);

	jo = call("GET", "/admin/v1/users/{user}/usage?from=2026-03-09&"
	    "to=2026-03-10", NULL, 200);
	day = json_object_array_get_idx(member(jo, "data"), 1);
	ck_assert_int_eq(member_int(day, "allowed"), 5);
	up = member(day, "upstream");
	ck_assert_int_eq(member_int(up, "status_2xx"), 2);
	ck_assert_int_eq(member_int(up, "status_4xx"), 0);
	ck_assert_int_eq(member_int(up, "status_5xx"), 1);
	ck_assert_int_eq(member_int(up, "timed_out"), 1);
	ck_assert_int_eq(member_int(up, "unreachable"), 0);
	ck_assert_int_eq(member_int(up, "other"), 0);
	ck_assert_int_eq(member_int(up, "errors"), 2);
	/* 5 allowed, 4 outcomes: one request has no outcome. */
	ck_assert_int_eq(member_int(up, "unattributed"), 1);
	latency = member(up, "latency_ms");
	ck_assert_int_eq(member_int(latency, "count"), 4);
	ck_assert_double_eq_tol(json_object_get_double(member(latency, "sum")),
	    3012.0, 0.0005);
	ck_assert_double_eq_tol(json_object_get_double(member(latency, "max")),
	    3000.0, 0.0005);
	ck_assert_double_le(json_object_get_double(member(latency, "p50")),
	    5.0);
	ck_assert_double_gt(json_object_get_double(member(latency, "p95")),
	    2500.0);

	/* A day without decisions: zeros, null latencies. */
	day = json_object_array_get_idx(member(jo, "data"), 0);
	up = member(day, "upstream");
	ck_assert_int_eq(member_int(up, "unattributed"), 0);
	ck_assert_int_eq(member_int(member(up, "latency_ms"), "count"), 0);
	ck_assert(json_object_is_type(member(member(up, "latency_ms"), "p50"),
	    json_type_null));
	json_object_put(jo);
}
END_TEST

START_TEST(test_admin_usage_outcomes_need_decision)
{
	/* No usage row for bob today: the outcomes are not recorded. */
	ck_assert_int_eq(record_outcomes(bob_id, TEST_TODAY, 1, 0, 0, 0), 0);
	ck_assert_int_eq(record_outcomes(missing_id, TEST_TODAY, 1, 0, 0, 0),
	    0);
}
END_TEST

START_TEST(test_admin_usage_more_outcomes_than_allowed)
{
	struct json_object	*jo;

	charge(alice_id, TEST_TODAY, 1, 1000);
	ck_assert_int_eq(record_outcomes(alice_id, TEST_TODAY, 3, 0, 0, 0), 1);
	jo = call("GET", "/admin/v1/users/{user}", NULL, 200);
	ck_assert_int_eq(member_int(member(member(jo, "usage_today"),
	    "upstream"), "unattributed"), 0);
	ck_assert_int_eq(member_int(member(member(jo, "usage_today"),
	    "upstream"), "status_2xx"), 3);
	json_object_put(jo);
}
END_TEST

START_TEST(test_admin_usage_summary_analytics)
{
	struct json_object	*jo, *up, *list, *row;
	char			 carol[DB_UUID_LEN + 1];

	jo = call("POST", "/admin/v1/users", "{\"external_id\":\"carol\"}",
	    201);
	copy_member(jo, "id", carol, sizeof(carol));
	json_object_put(jo);
	charge(alice_id, TEST_TODAY, 5, 1000);
	charge(alice_id, TEST_TODAY, 5, 1000);
	charge(alice_id, TEST_TODAY, 5, 1000);
	charge(carol, TEST_TODAY, 1, 1000);
	charge(carol, TEST_TODAY, 1, 1000);
	charge(carol, TEST_TODAY, 1, 1000);
	ck_assert_int_eq(record_outcomes(alice_id, TEST_TODAY, 3, 0, 0, 0), 1);
	/* carol: 1 unreachable, 1 timeout, and 1 without an outcome. */
	ck_assert_int_eq(record_outcomes(carol, TEST_TODAY, 0, 0, 1, 1), 1);
	record_refusals(TEST_TODAY, 4, 1, 2, 3, "192.0.2.9", 3);
	record_refusals(TEST_TODAY, 0, 0, 0, 0, "198.51.100.1", 1);
	record_refusals("2026-03-09", 7, 0, 0, 0, NULL, 0);

	jo = call("GET", "/admin/v1/usage/summary", NULL, 200);
	ck_assert_int_eq(member_int(jo, "allowed"), 6);
	ck_assert_int_eq(member_int(jo, "unauthorized"), 4);
	ck_assert_int_eq(member_int(jo, "invalid_path"), 1);
	ck_assert_int_eq(member_int(jo, "route_not_found"), 2);
	ck_assert_int_eq(member_int(jo, "enforcement_unavailable"), 3);
	up = member(jo, "upstream");
	ck_assert_int_eq(member_int(up, "status_2xx"), 3);
	ck_assert_int_eq(member_int(up, "timed_out"), 1);
	ck_assert_int_eq(member_int(up, "unreachable"), 1);
	ck_assert_int_eq(member_int(up, "errors"), 2);
	ck_assert_int_eq(member_int(up, "unattributed"), 1);
	ck_assert_int_eq(member_int(member(up, "latency_ms"), "count"), 5);
	ck_assert_int_eq(member_int(member(jo, "access_log"),
	    "malformed_lines"), 0);

	list = member(jo, "unauthorized_sources");
	ck_assert_uint_eq(json_object_array_length(list), 2);
	row = json_object_array_get_idx(list, 0);
	ck_assert_str_eq(member_str(row, "address"), "192.0.2.9");
	ck_assert_int_eq(member_int(row, "attempts"), 3);

	list = member(jo, "top_users");
	ck_assert_str_eq(member_str(json_object_array_get_idx(list, 0),
	    "user_id"), alice_id);
	list = member(jo, "top_users_by_errors");
	ck_assert_uint_eq(json_object_array_length(list), 1);
	row = json_object_array_get_idx(list, 0);
	ck_assert_str_eq(member_str(row, "user_id"), carol);
	ck_assert_int_eq(member_int(member(row, "upstream"), "errors"), 2);
	json_object_put(jo);

	jo = call("GET", "/admin/v1/usage/summary?date=2026-03-09&top=1",
	    NULL, 200);
	ck_assert_int_eq(member_int(jo, "unauthorized"), 7);
	ck_assert_uint_eq(json_object_array_length(member(jo,
	    "unauthorized_sources")), 0);
	json_object_put(jo);
}
END_TEST

START_TEST(test_admin_sources_bounded_per_day)
{
	struct json_object	*jo, *list, *row;
	struct reqerr		 re;
	char			 address[32];
	int			 i;

	reqerr_clear(&re);
	ck_assert_int_eq(db_begin(test_db, &re), 0);
	for (i = 0; i < 3; i++) {
		snprintf(address, sizeof(address), "192.0.2.%d", i);
		ck_assert_int_eq(db_source_add(test_db, TEST_TODAY, address, 1,
		    3, &re), 1);
	}
	/* A fourth address is beyond the bound; a known one still adds. */
	ck_assert_int_eq(db_source_add(test_db, TEST_TODAY, "192.0.2.200", 1,
	    3, &re), 0);
	ck_assert_int_eq(db_source_add(test_db, TEST_TODAY, "192.0.2.1", 5, 3,
	    &re), 1);
	ck_assert_int_eq(db_commit(test_db, &re), 0);

	jo = call("GET", "/admin/v1/usage/summary?top=100", NULL, 200);
	list = member(jo, "unauthorized_sources");
	ck_assert_uint_eq(json_object_array_length(list), 3);
	row = json_object_array_get_idx(list, 0);
	ck_assert_str_eq(member_str(row, "address"), "192.0.2.1");
	ck_assert_int_eq(member_int(row, "attempts"), 6);
	json_object_put(jo);
}
END_TEST

/* Fetch the whole audit trail, oldest first. */
static struct json_object *
audit_rows(void)
{
	return call("GET", "/admin/v1/audit?limit=1000", NULL, 200);
}

START_TEST(test_admin_audit_records_changes)
{
	struct json_object	*jo, *data, *row;
	const char		*actions[] = { "user.create", "key.create",
				    "user.create", "user.revoke" };
	size_t			 i;

	jo = audit_rows();
	data = member(jo, "data");
	ck_assert_uint_eq(json_object_array_length(data), 4);
	for (i = 0; i < 4; i++) {
		row = json_object_array_get_idx(data, i);
		ck_assert_str_eq(member_str(row, "action"), actions[i]);
		ck_assert_str_eq(member_str(row, "outcome"), "ok");
		ck_assert_str_eq(member_str(row, "token_name"), "test-ops");
		ck_assert_str_eq(member_str(row, "client_address"),
		    "192.0.2.7");
		ck_assert_uint_eq(strlen(member_str(row, "at")),
		    DB_TIME_LEN);
	}
	row = json_object_array_get_idx(data, 0);
	ck_assert_str_eq(member_str(row, "target_id"), alice_id);
	ck_assert_str_eq(member_str(member(row, "detail"), "external_id"),
	    "alice");
	row = json_object_array_get_idx(data, 1);
	ck_assert_str_eq(member_str(row, "target_id"), key_id);
	ck_assert_str_eq(member_str(member(row, "detail"), "user_id"),
	    alice_id);

	/* The key's secret is in no audit row. */
	ck_assert_ptr_null(strstr(json_object_to_json_string(jo), key_secret));
	json_object_put(jo);
}
END_TEST

START_TEST(test_admin_audit_records_refusals)
{
	struct json_object	*jo, *data, *row;
	size_t			 n;

	json_object_put(call("POST", "/admin/v1/users",
	    "{\"external_id\":\"alice\"}", 409));
	json_object_put(call("PATCH", "/admin/v1/users/{missing}",
	    "{\"daily_limit\":1}", 404));
	json_object_put(call("POST", "/admin/v1/users/{user}/keys", "{",
	    400));
	/* Reads are not audited, and neither are unauthenticated calls. */
	json_object_put(call("GET", "/admin/v1/users/{missing}", NULL, 404));

	jo = audit_rows();
	data = member(jo, "data");
	n = json_object_array_length(data);
	ck_assert_uint_eq(n, 7);
	row = json_object_array_get_idx(data, 4);
	ck_assert_str_eq(member_str(row, "action"), "user.create");
	ck_assert_str_eq(member_str(row, "outcome"), "user_exists");
	ck_assert_int_eq(member_int(member(row, "detail"), "status"), 409);
	row = json_object_array_get_idx(data, 5);
	ck_assert_str_eq(member_str(row, "action"), "user.update");
	ck_assert_str_eq(member_str(row, "outcome"), "user_not_found");
	ck_assert_str_eq(member_str(row, "target_id"), missing_id);
	row = json_object_array_get_idx(data, 6);
	ck_assert_str_eq(member_str(row, "action"), "key.create");
	ck_assert_str_eq(member_str(row, "outcome"), "invalid_json");
	json_object_put(jo);
}
END_TEST

START_TEST(test_admin_audit_pagination)
{
	struct json_object	*jo;
	char			 uri[128];
	int64_t			 next;

	jo = call("GET", "/admin/v1/audit?limit=3", NULL, 200);
	ck_assert_uint_eq(json_object_array_length(member(jo, "data")), 3);
	ck_assert(json_object_get_boolean(member(jo, "has_more")));
	next = member_int(jo, "next_after");
	json_object_put(jo);

	snprintf(uri, sizeof(uri), "/admin/v1/audit?limit=3&after=%lld",
	    (long long)next);
	jo = call("GET", uri, NULL, 200);
	ck_assert_uint_eq(json_object_array_length(member(jo, "data")), 1);
	ck_assert_int_eq(member_int(json_object_array_get_idx(
	    member(jo, "data"), 0), "id"), next + 1);
	ck_assert(!json_object_get_boolean(member(jo, "has_more")));
	json_object_put(jo);
}
END_TEST

/* Capture what the program logs (fd 2) while fn runs. */
static void
capture_log(void (*fn)(void), char *out, size_t outlen)
{
	char	path[] = "/tmp/check_admin_log.XXXXXX";
	int	fd, saved;
	ssize_t	n;

	ck_assert_int_ne(fd = mkstemp(path), -1);
	saved = dup(2);
	dup2(fd, 2);
	fn();
	dup2(saved, 2);
	close(saved);
	n = pread(fd, out, outlen - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
}

static char	lifecycle_secret[128];

static void
lifecycle_with_logging(void)
{
	struct json_object	*jo;

	log_set_level(LOG_LEVEL_DEBUG);
	jo = call("POST", "/admin/v1/users/{user}/keys", "{\"name\":\"log\"}",
	    201);
	copy_member(jo, "secret", lifecycle_secret, sizeof(lifecycle_secret));
	json_object_put(jo);
	json_object_put(call("POST", "/admin/v1/users",
	    "{\"external_id\":\"alice\"}", 409));
	json_object_put(call("GET", "/admin/v1/users/{user}/keys", NULL, 200));
	json_object_put(call("POST", "/admin/v1/users/{user}/revoke", NULL,
	    200));
	log_set_level(LOG_LEVEL_ERROR);
}

START_TEST(test_admin_log_has_no_secret)
{
	char	log[16384];

	capture_log(lifecycle_with_logging, log, sizeof(log));
	ck_assert_ptr_nonnull(strstr(log, "409 user_exists"));
	ck_assert_ptr_nonnull(strstr(log, "token test-ops from 192.0.2.7"));
	ck_assert_ptr_nonnull(strstr(log, "key.create"));
	ck_assert_ptr_nonnull(strstr(log, "user.revoke"));
	ck_assert_ptr_nonnull(strstr(log, alice_id));
	ck_assert_ptr_null(strstr(log, lifecycle_secret));
	ck_assert_ptr_null(strstr(log, token_valid));
	ck_assert_ptr_null(strstr(log, key_secret));
}
END_TEST

/*
 * After driplinectl init of a newer Dripline, the next request gets 503
 * with the fix instead of running the old statements. Once the schema is
 * this program's again, requests work.
 */
START_TEST(test_admin_notices_newer_schema)
{
	struct json_object	*jo;
	char			 sql[64];

	json_object_put(call("GET", "/admin/v1/health", NULL, 200));

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    db_schema_latest() + 1);
	test_db_exec(test_db_path, sql);
	jo = call("GET", "/admin/v1/health", NULL, 503);
	ck_assert_str_eq(member_str(member(jo, "error"), "code"),
	    "schema_mismatch");
	ck_assert_msg(strncmp(member_str(member(jo, "error"), "message"),
	    "the database is of a newer Dripline: upgrade this program (",
	    59) == 0, "message: %s", member_str(member(jo, "error"),
	    "message"));
	json_object_put(jo);

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    db_schema_latest());
	test_db_exec(test_db_path, sql);
	jo = call("GET", "/admin/v1/health", NULL, 200);
	ck_assert_int_eq(member_int(jo, "schema_version"), db_schema_latest());
	json_object_put(jo);
}
END_TEST

START_TEST(test_admin_405_lists_allowed_methods)
{
	struct admin_response	resp;

	ck_assert_int_eq(call_full("DELETE", "/admin/v1/users/{user}", NULL,
	    TOKEN_VALID, &resp, NULL), 405);
	ck_assert_ptr_nonnull(strstr(resp.headers, "Allow: GET, PATCH\r\n"));
	admin_response_free(&resp);

	ck_assert_int_eq(call_full("GET", "/admin/v1/keys/{key}/revoke", NULL,
	    TOKEN_VALID, &resp, NULL), 405);
	ck_assert_ptr_nonnull(strstr(resp.headers, "Allow: POST\r\n"));
	admin_response_free(&resp);
}
END_TEST

/* --- errors: every validation error, auth, routing ----------------------- */

static const struct api_case error_cases[] = {
	/* Authentication. */
	{ "GET", "/admin/v1/health", NULL, TOKEN_NONE, 401,
	    "missing_admin_token", "Authorization: Bearer" },
	{ "GET", "/admin/v1/health", NULL, TOKEN_WRONG, 401,
	    "invalid_admin_token", "unknown or has been revoked" },
	{ "GET", "/admin/v1/health", NULL, TOKEN_REVOKED, 401,
	    "invalid_admin_token", "unknown or has been revoked" },
	{ "GET", "/admin/v1/health", NULL, TOKEN_NOT_BEARER, 401,
	    "invalid_admin_token", "'Bearer <admin token>'" },
	{ "POST", "/admin/v1/users", "{\"external_id\":\"x\"}", TOKEN_REVOKED,
	    401, "invalid_admin_token", NULL },
	{ "GET", "/nowhere", NULL, TOKEN_NONE, 401, "missing_admin_token",
	    NULL },

	/* Routing. */
	{ "GET", "/admin/v1/nope", NULL, 0, 404, "path_not_found", "/nope" },
	{ "GET", "/admin/v2/users", NULL, 0, 404, "path_not_found", NULL },
	{ "GET", "/admin/v1/users/", NULL, 0, 404, "path_not_found", NULL },
	{ "GET", "/admin/v1/users/{user}/keys/extra", NULL, 0, 404,
	    "path_not_found", NULL },
	{ "GET", "/v1/chat/completions", NULL, 0, 404, "path_not_found",
	    NULL },
	{ "DELETE", "/admin/v1/users/{user}", NULL, 0, 405,
	    "method_not_allowed", "GET, PATCH" },
	{ "PUT", "/admin/v1/users", NULL, 0, 405, "method_not_allowed",
	    "GET, POST" },
	{ "HEAD", "/admin/v1/health", NULL, 0, 405, "method_not_allowed",
	    NULL },
	{ "GET", "/admin/v1/users/not-a-uuid", NULL, 0, 400, "invalid_id",
	    "'not-a-uuid'" },
	{ "GET", "/admin/v1/users/00000000-0000-4000-8000-00000000000A", NULL,
	    0, 400, "invalid_id", "lower-case UUID" },
	{ "GET", "/admin/v1/users/00000000-0000-4000-8000-0000000000001",
	    NULL, 0, 400, "invalid_id", NULL },
	{ "GET", "/admin/v1/users/{missing}", NULL, 0, 404, "user_not_found",
	    "00000000-0000-4000-8000-000000000000" },
	{ "POST", "/admin/v1/keys/{missing}/revoke", NULL, 0, 404,
	    "key_not_found", NULL },
	{ "POST", "/admin/v1/keys/{user}/revoke", NULL, 0, 404,
	    "key_not_found", NULL },
	{ "POST", "/admin/v1/users/{missing}/revoke", NULL, 0, 404,
	    "user_not_found", NULL },
	{ "GET", "/admin/v1/users/{missing}/keys", NULL, 0, 404,
	    "user_not_found", NULL },
	{ "GET", "/admin/v1/users/{missing}/usage", NULL, 0, 404,
	    "user_not_found", NULL },

	/* Bodies that are not one JSON object. */
	{ "POST", "/admin/v1/users", "{", 0, 400, "invalid_json",
	    "at byte 1: unexpected end of data" },
	{ "POST", "/admin/v1/users", "{\"external_id\" \"x\"}", 0, 400,
	    "invalid_json", "at byte 15" },
	{ "POST", "/admin/v1/users", "[]", 0, 400, "invalid_json",
	    "must be a JSON object, not an array" },
	{ "POST", "/admin/v1/users", "\"alice\"", 0, 400, "invalid_json",
	    "not a string" },
	{ "POST", "/admin/v1/users", "42", 0, 400, "invalid_json",
	    "not a number" },
	{ "POST", "/admin/v1/users", "null", 0, 400, "invalid_json", NULL },
	{ "POST", "/admin/v1/users", "{\"external_id\":\"a\"} x", 0, 400,
	    "invalid_json", "at byte 20" },
	{ "POST", "/admin/v1/users", "{\"external_id\":\"a\"}{}", 0, 400,
	    "invalid_json", "at byte 19" },
	{ "POST", "/admin/v1/users", "{'external_id':'a'}", 0, 400,
	    "invalid_json", NULL },
	{ "POST", "/admin/v1/users", "{\"external_id\":\"a\",}", 0, 400,
	    "invalid_json", NULL },
	{ "POST", "/admin/v1/users", "{\"external_id\":\"\xff\"}", 0, 400,
	    "invalid_json", NULL },

	/* Fields of POST /users. */
	{ "POST", "/admin/v1/users", NULL, 0, 400, "missing_field",
	    "'external_id'" },
	{ "POST", "/admin/v1/users", "{}", 0, 400, "missing_field",
	    "'external_id'" },
	{ "POST", "/admin/v1/users", "{\"external_id\":5}", 0, 400,
	    "invalid_field", "expected a string, got a number" },
	{ "POST", "/admin/v1/users", "{\"external_id\":null}", 0, 400,
	    "invalid_field", "got null" },
	{ "POST", "/admin/v1/users", "{\"external_id\":[\"a\"]}", 0, 400,
	    "invalid_field", "got an array" },
	{ "POST", "/admin/v1/users", "{\"external_id\":\"\"}", 0, 400,
	    "invalid_field", "1 to 128 bytes, got 0" },
	{ "POST", "/admin/v1/users", "{\"external_id\":\"a b\"}", 0, 400,
	    "invalid_field", "without spaces" },
	{ "POST", "/admin/v1/users", "{\"external_id\":\"a\\tb\"}", 0, 400,
	    "invalid_field", "printable ASCII" },
	{ "POST", "/admin/v1/users", "{\"external_id\":\"a\\u0000b\"}", 0,
	    400, "invalid_field", NULL },
	{ "POST", "/admin/v1/users", "{\"external_id\":\"caf\xc3\xa9\"}", 0,
	    400, "invalid_field", "printable ASCII" },
	{ "POST", "/admin/v1/users", "{\"external_id\":\"x\","
	    "\"daily_limit\":-1}", 0, 400, "invalid_field",
	    "'daily_limit': expected an integer from 0 to 1000000000000" },
	{ "POST", "/admin/v1/users", "{\"external_id\":\"x\","
	    "\"daily_limit\":1.5}", 0, 400, "invalid_field", "got a number" },
	{ "POST", "/admin/v1/users", "{\"external_id\":\"x\","
	    "\"daily_limit\":1e3}", 0, 400, "invalid_field", NULL },
	{ "POST", "/admin/v1/users", "{\"external_id\":\"x\","
	    "\"daily_limit\":\"100\"}", 0, 400, "invalid_field",
	    "got a string" },
	{ "POST", "/admin/v1/users", "{\"external_id\":\"x\","
	    "\"daily_limit\":true}", 0, 400, "invalid_field",
	    "got a boolean" },
	{ "POST", "/admin/v1/users", "{\"external_id\":\"x\","
	    "\"daily_limit\":null}", 0, 400, "invalid_field", "got null" },
	{ "POST", "/admin/v1/users", "{\"external_id\":\"x\","
	    "\"daily_limit\":99999999999999999999999}", 0, 400,
	    "invalid_field", NULL },
	{ "POST", "/admin/v1/users", "{\"external_id\":\"x\",\"limit\":1}", 0,
	    400, "unknown_field", "'limit': expected external_id, daily_limit" },
	{ "POST", "/admin/v1/users", "{\"external_id\":\"alice\"}", 0, 409,
	    "user_exists", "'alice' already exists" },
	{ "POST", "/admin/v1/users", "{\"external_id\":\"bob\"}", 0, 409,
	    "user_exists", NULL },

	/* PATCH /users/{id}. */
	{ "PATCH", "/admin/v1/users/{user}", "{}", 0, 400, "missing_field",
	    "'daily_limit'" },
	{ "PATCH", "/admin/v1/users/{user}", NULL, 0, 400, "missing_field",
	    NULL },
	{ "PATCH", "/admin/v1/users/{user}", "{\"daily_limit\":-5}", 0, 400,
	    "invalid_field", "'daily_limit'" },
	{ "PATCH", "/admin/v1/users/{user}", "{\"daily_limit\":\"5\"}", 0,
	    400, "invalid_field", NULL },
	{ "PATCH", "/admin/v1/users/{user}", "{\"daily_limit\":5,"
	    "\"external_id\":\"x\"}", 0, 400, "unknown_field",
	    "'external_id'" },
	{ "PATCH", "/admin/v1/users/{missing}", "{\"daily_limit\":5}", 0, 404,
	    "user_not_found", NULL },

	/* Revokes take no fields. */
	{ "POST", "/admin/v1/users/{user}/revoke", "{\"now\":true}", 0, 400,
	    "unknown_field", "takes no fields" },
	{ "POST", "/admin/v1/keys/{key}/revoke", "[1]", 0, 400,
	    "invalid_json", NULL },

	/* POST /users/{id}/keys. */
	{ "POST", "/admin/v1/users/{user}/keys", "{}", 0, 400,
	    "missing_field", "'name'" },
	{ "POST", "/admin/v1/users/{user}/keys", "{\"name\":\"\"}", 0, 400,
	    "invalid_field", "1 to 64 bytes" },
	{ "POST", "/admin/v1/users/{user}/keys", "{\"name\":\"a\\u0001b\"}", 0,
	    400, "invalid_field", "control characters" },
	{ "POST", "/admin/v1/users/{user}/keys", "{\"name\":\"a\\nb\"}", 0,
	    400, "invalid_field", "control characters" },
	{ "POST", "/admin/v1/users/{user}/keys", "{\"name\":\"\\u0085\"}", 0,
	    400, "invalid_field", "control characters" },
	{ "POST", "/admin/v1/users/{user}/keys", "{\"name\":7}", 0, 400,
	    "invalid_field", NULL },
	{ "POST", "/admin/v1/users/{user}/keys", "{\"name\":\"k\","
	    "\"secret\":\"mine\"}", 0, 400, "unknown_field", "'secret'" },
	{ "POST", "/admin/v1/users/{bob}/keys", "{\"name\":\"k\"}", 0, 409,
	    "user_revoked", "revoked" },
	{ "POST", "/admin/v1/users/{missing}/keys", "{\"name\":\"k\"}", 0, 404,
	    "user_not_found", NULL },

	/* Query parameters. */
	{ "GET", "/admin/v1/users?foo=1", NULL, 0, 400, "unknown_parameter",
	    "'foo'" },
	{ "GET", "/admin/v1/users?status=gone", NULL, 0, 400,
	    "invalid_parameter", "'active' or 'revoked'" },
	{ "GET", "/admin/v1/users?status=", NULL, 0, 400,
	    "invalid_parameter", "has no value" },
	{ "GET", "/admin/v1/users?status", NULL, 0, 400, "invalid_parameter",
	    "has no value" },
	{ "GET", "/admin/v1/users?status=active&status=revoked", NULL, 0, 400,
	    "invalid_parameter", "more than once" },
	{ "GET", "/admin/v1/users?limit=0", NULL, 0, 400,
	    "invalid_parameter", "from 1 to 1000" },
	{ "GET", "/admin/v1/users?limit=abc", NULL, 0, 400,
	    "invalid_parameter", "'abc'" },
	{ "GET", "/admin/v1/users?limit=-1", NULL, 0, 400,
	    "invalid_parameter", NULL },
	{ "GET", "/admin/v1/users?limit=10x", NULL, 0, 400,
	    "invalid_parameter", NULL },
	{ "GET", "/admin/v1/users?after=xyz", NULL, 0, 400,
	    "invalid_parameter", "'after'" },
	{ "GET", "/admin/v1/users?external_id=a%zz", NULL, 0, 400,
	    "invalid_parameter", "percent-encoding" },
	{ "GET", "/admin/v1/users?external_id=a%00b", NULL, 0, 400,
	    "invalid_parameter", NULL },
	{ "GET", "/admin/v1/users?external_id=a%20b", NULL, 0, 400,
	    "invalid_parameter", "'external_id'" },
	{ "GET", "/admin/v1/health?verbose=1", NULL, 0, 400,
	    "unknown_parameter", "takes none" },
	{ "POST", "/admin/v1/users?dry_run=1", "{\"external_id\":\"z\"}", 0,
	    400, "unknown_parameter", NULL },
	{ "GET", "/admin/v1/users/{user}/usage?from=2026-02-30", NULL, 0, 400,
	    "invalid_parameter", "YYYY-MM-DD" },
	{ "GET", "/admin/v1/users/{user}/usage?to=2026-3-1", NULL, 0, 400,
	    "invalid_parameter", "'to'" },
	{ "GET", "/admin/v1/users/{user}/usage?from=2026-03-10&to=2026-03-01",
	    NULL, 0, 400, "invalid_parameter", "is after" },
	{ "GET", "/admin/v1/users/{user}/usage?day=2026-03-01", NULL, 0, 400,
	    "unknown_parameter", NULL },
	{ "GET", "/admin/v1/usage/summary?date=yesterday", NULL, 0, 400,
	    "invalid_parameter", "'date'" },
	{ "GET", "/admin/v1/usage/summary?top=0", NULL, 0, 400,
	    "invalid_parameter", "'top'" },
	{ "GET", "/admin/v1/audit?after=-1", NULL, 0, 400,
	    "invalid_parameter", "'after'" },
	{ "GET", "/admin/v1/audit?limit=0", NULL, 0, 400,
	    "invalid_parameter", "'limit'" },
};

START_TEST(test_admin_errors_table)
{
	run_case(&error_cases[_i]);
}
END_TEST

START_TEST(test_admin_body_unread_is_500)
{
	struct admin_request	 req;
	struct admin_response	 resp;
	struct json_object	*jo;
	char			 auth[256];

	snprintf(auth, sizeof(auth), "Bearer %s", token_valid);
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.uri = "/admin/v1/users";
	req.authorization = auth;
	req.body_unread = 1;
	admin_dispatch(&test_admin, &test_db, &req, &resp);
	ck_assert_int_eq(resp.status, 500);
	jo = json_tokener_parse(resp.body);
	ck_assert_str_eq(member_str(member(jo, "error"), "code"),
	    "internal_error");
	ck_assert_ptr_nonnull(strstr(member_str(member(jo, "error"),
	    "message"), "internal error (request id"));
	json_object_put(jo);
	admin_response_free(&resp);
}
END_TEST

START_TEST(test_admin_body_too_large_is_413)
{
	struct admin_request	 req;
	struct admin_response	 resp;
	struct json_object	*jo;
	char			 auth[256];

	snprintf(auth, sizeof(auth), "Bearer %s", token_valid);
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.uri = "/admin/v1/users";
	req.authorization = auth;
	req.body_too_large = 1;
	admin_dispatch(&test_admin, &test_db, &req, &resp);
	ck_assert_int_eq(resp.status, 413);
	jo = json_tokener_parse(resp.body);
	ck_assert_str_eq(member_str(member(jo, "error"), "code"),
	    "body_too_large");
	ck_assert_ptr_nonnull(strstr(member_str(member(jo, "error"),
	    "message"), "65536 bytes"));
	json_object_put(jo);
	admin_response_free(&resp);
}
END_TEST

/* Take SQLite's write lock on the test file from a second connection. */
static sqlite3 *
lock_database(void)
{
	sqlite3	*h = NULL;

	ck_assert_int_eq(sqlite3_open(test_db_path, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	return h;
}

START_TEST(test_admin_locked_database_is_503)
{
	struct admin_response	 resp;
	struct json_object	*jo, *err;
	sqlite3			*h;

	h = lock_database();
	ck_assert_int_eq(call_full("POST", "/admin/v1/users",
	    "{\"external_id\":\"zed\"}", TOKEN_VALID, &resp, &jo), 503);
	err = member(jo, "error");
	ck_assert_str_eq(member_str(err, "code"), "database_unavailable");
	ck_assert_str_eq(member_str(err, "type"), "server_error");
	ck_assert_ptr_nonnull(strstr(member_str(err, "message"),
	    "database unavailable"));
	ck_assert_ptr_nonnull(strstr(member_str(err, "message"),
	    resp.request_id));
	ck_assert_ptr_null(strstr(resp.body, "sqlite"));
	ck_assert_ptr_null(strstr(resp.body, "locked"));
	ck_assert_ptr_null(strstr(resp.body, test_db_path));
	ck_assert_ptr_nonnull(strstr(resp.headers, "Retry-After: "));
	json_object_put(jo);
	admin_response_free(&resp);

	/* A lock timeout keeps the connection; nothing was written. */
	ck_assert_ptr_nonnull(test_db);
	sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(h);
	jo = call("GET", "/admin/v1/users?external_id=zed", NULL, 200);
	ck_assert_uint_eq(json_object_array_length(member(jo, "data")), 0);
	json_object_put(jo);
}
END_TEST

/*
 * Make the audit insert fail inside the revoke transaction: the user and
 * its key must stay active, since a change is never half done.
 */
START_TEST(test_admin_failed_change_rolls_back)
{
	struct admin_response	 resp;
	struct json_object	*jo;
	sqlite3			*h = NULL;

	ck_assert_int_eq(sqlite3_open(test_db_path, &h), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(h, "CREATE TRIGGER audit_fails BEFORE "
	    "INSERT ON audit BEGIN SELECT RAISE(ABORT, 'injected'); END",
	    NULL, NULL, NULL), SQLITE_OK);

	ck_assert_int_eq(call_full("POST", "/admin/v1/users/{user}/revoke",
	    NULL, TOKEN_VALID, &resp, &jo), 503);
	ck_assert_ptr_null(strstr(resp.body, "injected"));
	json_object_put(jo);
	admin_response_free(&resp);
	/* Not a lock timeout: the connection was closed for a fresh one. */
	ck_assert_ptr_null(test_db);

	ck_assert_int_eq(sqlite3_exec(h, "DROP TRIGGER audit_fails", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	jo = call("GET", "/admin/v1/users/{user}", NULL, 200);
	ck_assert_str_eq(member_str(jo, "status"), "active");
	ck_assert_int_eq(member_int(member(jo, "keys"), "active"), 1);
	json_object_put(jo);
}
END_TEST

START_TEST(test_admin_missing_database_is_503)
{
	struct admin_response	 resp;
	struct json_object	*jo;

	db_close(test_db);
	test_db = NULL;
	test_conf.database = "/nonexistent/dripline.db";
	ck_assert_int_eq(call_full("GET", "/admin/v1/health", NULL,
	    TOKEN_VALID, &resp, &jo), 503);
	ck_assert_str_eq(member_str(member(jo, "error"), "code"),
	    "database_unavailable");
	ck_assert_ptr_null(strstr(resp.body, "nonexistent"));
	json_object_put(jo);
	admin_response_free(&resp);
	ck_assert_ptr_null(test_db);
}
END_TEST

/* --- limits: values at and just past each bound -------------------------- */

START_TEST(test_admin_limits_external_id)
{
	char	body[512], id[DB_EXTERNAL_ID_MAX + 2];

	memset(id, 'x', sizeof(id));
	id[DB_EXTERNAL_ID_MAX] = '\0';
	snprintf(body, sizeof(body), "{\"external_id\":\"%s\"}", id);
	json_object_put(call("POST", "/admin/v1/users", body, 201));

	id[DB_EXTERNAL_ID_MAX] = 'y';
	id[DB_EXTERNAL_ID_MAX + 1] = '\0';
	snprintf(body, sizeof(body), "{\"external_id\":\"%s\"}", id);
	json_object_put(call("POST", "/admin/v1/users", body, 400));
}
END_TEST

START_TEST(test_admin_limits_key_name)
{
	char	body[512], name[DB_NAME_MAX + 2];

	memset(name, 'n', sizeof(name));
	name[DB_NAME_MAX] = '\0';
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", name);
	json_object_put(call("POST", "/admin/v1/users/{user}/keys", body,
	    201));

	name[DB_NAME_MAX] = 'n';
	name[DB_NAME_MAX + 1] = '\0';
	snprintf(body, sizeof(body), "{\"name\":\"%s\"}", name);
	json_object_put(call("POST", "/admin/v1/users/{user}/keys", body,
	    400));
}
END_TEST

START_TEST(test_admin_limits_daily_limit)
{
	struct json_object	*jo;
	char			 body[128];

	snprintf(body, sizeof(body), "{\"daily_limit\":%lld}", CONF_LIMIT_MAX);
	jo = call("PATCH", "/admin/v1/users/{user}", body, 200);
	ck_assert_int_eq(member_int(jo, "daily_limit"), CONF_LIMIT_MAX);
	json_object_put(jo);
	json_object_put(call("PATCH", "/admin/v1/users/{user}",
	    "{\"daily_limit\":0}", 200));

	snprintf(body, sizeof(body), "{\"daily_limit\":%lld}",
	    CONF_LIMIT_MAX + 1);
	json_object_put(call("PATCH", "/admin/v1/users/{user}", body, 400));
	json_object_put(call("PATCH", "/admin/v1/users/{user}",
	    "{\"daily_limit\":9223372036854775807}", 400));
	json_object_put(call("PATCH", "/admin/v1/users/{user}",
	    "{\"daily_limit\":-9223372036854775808}", 400));
}
END_TEST

START_TEST(test_admin_limits_page_size)
{
	json_object_put(call("GET", "/admin/v1/users?limit=1000", NULL, 200));
	json_object_put(call("GET", "/admin/v1/users?limit=1001", NULL, 400));
	json_object_put(call("GET", "/admin/v1/users?limit="
	    "99999999999999999999999", NULL, 400));
	json_object_put(call("GET", "/admin/v1/audit?limit=1000", NULL, 200));
	json_object_put(call("GET", "/admin/v1/audit?limit=1001", NULL, 400));
	json_object_put(call("GET", "/admin/v1/usage/summary?top=100", NULL,
	    200));
	json_object_put(call("GET", "/admin/v1/usage/summary?top=101", NULL,
	    400));
}
END_TEST

START_TEST(test_admin_limits_usage_span)
{
	struct json_object	*jo;

	/* 2025-03-10 to 2026-03-10 is 366 days, the maximum. */
	jo = call("GET", "/admin/v1/users/{user}/usage?from=2025-03-10",
	    NULL, 200);
	ck_assert_uint_eq(json_object_array_length(member(jo, "data")), 366);
	json_object_put(jo);
	json_object_put(call("GET", "/admin/v1/users/{user}/usage?"
	    "from=2025-03-09", NULL, 400));
	jo = call("GET", "/admin/v1/users/{user}/usage?from=2026-03-10&"
	    "to=2026-03-10", NULL, 200);
	ck_assert_uint_eq(json_object_array_length(member(jo, "data")), 1);
	json_object_put(jo);
}
END_TEST

START_TEST(test_admin_limits_query_and_path_length)
{
	char	uri[2600];

	memset(uri, 0, sizeof(uri));
	snprintf(uri, sizeof(uri), "/admin/v1/users?external_id=");
	memset(uri + strlen(uri), 'q', 1100);
	json_object_put(call("GET", uri, NULL, 400));

	snprintf(uri, sizeof(uri), "/admin/v1/users/");
	memset(uri + strlen(uri), 'p', 2000);
	json_object_put(call("GET", uri, NULL, 404));
}
END_TEST

START_TEST(test_admin_limits_token_length)
{
	struct admin_request	 req;
	struct admin_response	 resp;
	char			 auth[600];

	memset(auth, 'a', sizeof(auth));
	memcpy(auth, "Bearer ", 7);
	auth[sizeof(auth) - 1] = '\0';
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.uri = "/admin/v1/health";
	req.authorization = auth;
	admin_dispatch(&test_admin, &test_db, &req, &resp);
	ck_assert_int_eq(resp.status, 401);
	admin_response_free(&resp);
}
END_TEST

static Suite *
admin_suite(void)
{
	Suite	*s = suite_create("admin");
	TCase	*tc;

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup_memory, teardown);
	tcase_add_loop_test(tc, test_admin_core_table, 0,
	    sizeof(core_cases) / sizeof(core_cases[0]));
	tcase_add_test(tc, test_admin_user_lifecycle);
	tcase_add_test(tc, test_admin_user_revoke_revokes_keys);
	tcase_add_test(tc, test_admin_revoke_is_idempotent);
	tcase_add_test(tc, test_admin_default_limit_from_conf);
	tcase_add_test(tc, test_admin_users_post_sets_location);
	tcase_add_test(tc, test_admin_users_list_filters);
	tcase_add_test(tc, test_admin_users_pagination_stable);
	tcase_add_test(tc, test_admin_usage_per_day);
	tcase_add_test(tc, test_admin_usage_limit_of_each_day);
	tcase_add_test(tc, test_admin_usage_summary);
	tcase_add_test(tc, test_admin_usage_upstream_outcomes);
	tcase_add_test(tc, test_admin_usage_outcomes_need_decision);
	tcase_add_test(tc, test_admin_usage_more_outcomes_than_allowed);
	tcase_add_test(tc, test_admin_usage_summary_analytics);
	tcase_add_test(tc, test_admin_audit_records_changes);
	tcase_add_test(tc, test_admin_audit_records_refusals);
	tcase_add_test(tc, test_admin_audit_pagination);
	tcase_add_test(tc, test_admin_log_has_no_secret);
	tcase_add_test(tc, test_admin_405_lists_allowed_methods);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup_memory, teardown);
	tcase_add_loop_test(tc, test_admin_errors_table, 0,
	    sizeof(error_cases) / sizeof(error_cases[0]));
	tcase_add_test(tc, test_admin_body_too_large_is_413);
	tcase_add_test(tc, test_admin_body_unread_is_500);
	suite_add_tcase(s, tc);

	tc = tcase_create("database");
	tcase_add_checked_fixture(tc, setup_file, teardown);
	tcase_add_test(tc, test_admin_notices_newer_schema);
	tcase_add_test(tc, test_admin_locked_database_is_503);
	tcase_add_test(tc, test_admin_failed_change_rolls_back);
	tcase_add_test(tc, test_admin_missing_database_is_503);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup_memory, teardown);
	tcase_add_test(tc, test_admin_limits_external_id);
	tcase_add_test(tc, test_admin_limits_key_name);
	tcase_add_test(tc, test_admin_limits_daily_limit);
	tcase_add_test(tc, test_admin_limits_page_size);
	tcase_add_test(tc, test_admin_limits_usage_span);
	tcase_add_test(tc, test_admin_sources_bounded_per_day);
	tcase_add_test(tc, test_admin_limits_query_and_path_length);
	tcase_add_test(tc, test_admin_limits_token_length);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 nfailed;

	sr = srunner_create(admin_suite());
	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
