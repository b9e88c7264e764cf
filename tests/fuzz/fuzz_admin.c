/*
 * libFuzzer harness of the admin API's dispatcher, without FastCGI: the
 * query strings, JSON bodies, paths and Authorization headers clients
 * send. Input: the method, the URI, the Authorization header and the
 * body, the first three each ended by a newline. An Authorization of "-"
 * stands for the valid admin token and an empty one for no header.
 *
 * The database is in memory and contains that token, a user and a key
 * with fixed ids, so that seed inputs can name them. Checked: every response
 * has a status below 500, because no client input may look like a server
 * fault, a JSON body of the stated length, and header lines that are
 * complete; an error body has the contract's error object.
 */
#include "config.h"

#include <json-c/json.h>

#include "admin.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "fuzz.h"
#include "log.h"
#include "utcday.h"

#define FUZZ_NOW_MS	1773144000000LL	/* 2026-03-10T12:00:00Z */
#define FUZZ_TOKEN	"dladm_fuzzingtokenfuzzingtoken"
#define FUZZ_TOKEN_ID	"0b1e7d4c-4f3a-4c2b-9e8d-7a6b5c4d3e2f"
#define FUZZ_USER_ID	"1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
#define FUZZ_KEY_ID	"2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a"

static struct conf	 fuzz_conf;
static struct admin	 fuzz_admin;
static struct db	*fuzz_db;

int	LLVMFuzzerInitialize(int *argc, char ***argv);

static int64_t
fuzz_clock(void)
{
	return FUZZ_NOW_MS;
}

static void
fuzz_fail(const char *what, const struct reqerr *re)
{
	fprintf(stderr, "fuzz_admin: %s: %s %s\n", what, re->message,
	    re->db_message);
	exit(1);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct reqerr	re;
	char		hash[CRYPTO_SHA256_HEX_LEN + 1];
	char		now[DB_TIME_LEN + 1];

	log_init("fuzz_admin", 0);
	log_set_level(LOG_LEVEL_ERROR);
	utcday_set_clock(fuzz_clock);
	fuzz_conf.database = ":memory:";
	fuzz_conf.lock_timeout_ms = 100;
	fuzz_conf.default_daily_limit = 1000;
	fuzz_conf.key_prefix = "dl_";
	if (admin_init(&fuzz_admin, &fuzz_conf) == -1) {
		fprintf(stderr, "fuzz_admin: no randomness\n");
		exit(1);
	}

	reqerr_clear(&re);
	db_now(now);
	if ((fuzz_db = db_open(":memory:", 0, 100, DB_OPEN_MIGRATE,
	    &re)) == NULL)
		fuzz_fail("db_open", &re);
	if (crypto_sha256_hex(FUZZ_TOKEN, strlen(FUZZ_TOKEN), hash) == -1 ||
	    db_token_insert(fuzz_db, FUZZ_TOKEN_ID, "fuzz", "dladm_fuzz", hash,
	    now, &re) == -1)
		fuzz_fail("admin token", &re);
	if (db_user_insert(fuzz_db, FUZZ_USER_ID, "fuzz-user", 100, now,
	    &re) == -1)
		fuzz_fail("user", &re);
	if (crypto_sha256_hex("dl_fuzzkey", 10, hash) == -1 ||
	    db_key_insert(fuzz_db, FUZZ_KEY_ID, FUZZ_USER_ID, "main",
	    "dl_fuzzkey", hash, now, &re) == -1)
		fuzz_fail("key", &re);
	return 0;
}

/* Check that headers is a run of complete "Name: value\r\n" lines. */
static void
check_headers(const char *headers)
{
	const char	*line = headers, *end;

	while (*line != '\0') {
		end = strstr(line, "\r\n");
		FUZZ_CHECK(end != NULL);
		FUZZ_CHECK(memchr(line, '\n', (size_t)(end - line)) == NULL);
		FUZZ_CHECK(memchr(line, '\r', (size_t)(end - line)) == NULL);
		FUZZ_CHECK(memchr(line, ':', (size_t)(end - line)) != NULL);
		line = end + 2;
	}
}

static void
check_response(const struct admin_response *resp)
{
	struct json_object	*jo, *error, *code;

	FUZZ_CHECK(resp->status >= 200 && resp->status < 500);
	check_headers(resp->headers);
	FUZZ_CHECK(resp->body != NULL);
	FUZZ_CHECK(strlen(resp->body) == resp->body_len);
	jo = json_tokener_parse(resp->body);
	FUZZ_CHECK(jo != NULL);
	if (resp->status >= 400) {
		FUZZ_CHECK(json_object_object_get_ex(jo, "error", &error));
		FUZZ_CHECK(json_object_object_get_ex(error, "code", &code));
		FUZZ_CHECK(json_object_is_type(code, json_type_string));
	}
	json_object_put(jo);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct admin_request	 req;
	struct admin_response	 resp;
	char			*method, *uri, *authorization, *body;
	char			*exact = NULL;
	size_t			 body_len = 0;

	method = fuzz_field(&data, &size, 0, NULL);
	uri = fuzz_field(&data, &size, 0, NULL);
	authorization = fuzz_field(&data, &size, 0, NULL);
	body = fuzz_field(&data, &size, 1, &body_len);
	if (method == NULL || uri == NULL || authorization == NULL ||
	    body == NULL)
		goto out;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.uri = uri;
	if (strcmp(authorization, "-") == 0)
		req.authorization = "Bearer " FUZZ_TOKEN;
	else if (authorization[0] != '\0')
		req.authorization = authorization;
	req.remote_addr = "127.0.0.1";
	/* What main.c passes: no body, a body, or "too large". */
	if (body_len > ADMIN_BODY_MAX)
		req.body_too_large = 1;
	else if (body_len > 0) {
		/* Without the NUL, so a read past the body is caught. */
		if ((exact = malloc(body_len)) == NULL)
			goto out;
		memcpy(exact, body, body_len);
		req.body = exact;
		req.body_len = body_len;
	}

	admin_dispatch(&fuzz_admin, &fuzz_db, &req, &resp);
	check_response(&resp);
	admin_response_free(&resp);
out:
	free(method);
	free(uri);
	free(authorization);
	free(body);
	free(exact);
	return 0;
}
