/*
 * Unit tests for apikey_extract: where the key may come from, which
 * header values are malformed, and when the two headers conflict. The
 * cases are tables of header pairs and expected outcomes. Each row names
 * the rule it checks, so a failure points at that rule.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "apikey.h"

struct apikey_case {
	const char		*name;		/* the rule the row checks */
	const char		*authorization;	/* NULL: header absent */
	const char		*x_api_key;	/* NULL: header absent */
	enum apikey_status	 status;
	const char		*key;		/* expected key on APIKEY_OK */
};

Suite	*apikey_suite(void);

static const struct apikey_case apikey_accepted[] = {
	{ "bearer scheme", "Bearer dl_abc123", NULL, APIKEY_OK,
	    "dl_abc123" },
	{ "lower-case scheme", "bearer dl_abc123", NULL, APIKEY_OK,
	    "dl_abc123" },
	{ "upper-case scheme", "BEARER dl_abc123", NULL, APIKEY_OK,
	    "dl_abc123" },
	{ "mixed-case scheme", "bEaReR dl_abc123", NULL, APIKEY_OK,
	    "dl_abc123" },
	{ "tab after scheme", "Bearer\tdl_abc123", NULL, APIKEY_OK,
	    "dl_abc123" },
	{ "blanks around bearer value", " \t Bearer  \t dl_abc123 \t ", NULL,
	    APIKEY_OK, "dl_abc123" },
	{ "x-api-key header", NULL, "dl_abc123", APIKEY_OK, "dl_abc123" },
	{ "blanks around x-api-key", NULL, " \tdl_abc123\t ", APIKEY_OK,
	    "dl_abc123" },
	{ "both headers agree", "Bearer dl_abc123", "dl_abc123", APIKEY_OK,
	    "dl_abc123" },
	{ "both agree after trimming", "Bearer  dl_abc123 ", " dl_abc123",
	    APIKEY_OK, "dl_abc123" },
	{ "empty authorization, key in x-api-key", "", "dl_abc123",
	    APIKEY_OK, "dl_abc123" },
	{ "blank authorization, key in x-api-key", "  \t", "dl_abc123",
	    APIKEY_OK, "dl_abc123" },
	{ "bearer key, empty x-api-key", "Bearer dl_abc123", "", APIKEY_OK,
	    "dl_abc123" },
	{ "every b64token character", "Bearer AZaz09-._~+/==", NULL,
	    APIKEY_OK, "AZaz09-._~+/==" },
	{ "base64url secret with prefix", NULL,
	    "dl_q3vJ0x-Xb_7GkP2mW9sLrT4uYc8dE1fA6hN5oZ0iK3j", APIKEY_OK,
	    "dl_q3vJ0x-Xb_7GkP2mW9sLrT4uYc8dE1fA6hN5oZ0iK3j" },
};

static const struct apikey_case apikey_rejected[] = {
	{ "no headers", NULL, NULL, APIKEY_MISSING, NULL },
	{ "both headers empty", "", "", APIKEY_MISSING, NULL },
	{ "both headers blank", " \t ", "\t", APIKEY_MISSING, NULL },
	{ "empty authorization only", "", NULL, APIKEY_MISSING, NULL },
	{ "empty x-api-key only", NULL, "", APIKEY_MISSING, NULL },
	{ "scheme without key", "Bearer", NULL, APIKEY_INVALID, NULL },
	{ "scheme and blanks without key", "Bearer  \t ", NULL,
	    APIKEY_INVALID, NULL },
	{ "scheme without key, valid x-api-key", "Bearer", "dl_abc123",
	    APIKEY_INVALID, NULL },
	{ "basic scheme", "Basic dXNlcjpwYXNz", NULL, APIKEY_INVALID, NULL },
	{ "unknown scheme", "Token dl_abc123", NULL, APIKEY_INVALID, NULL },
	{ "key without scheme", "dl_abc123", NULL, APIKEY_INVALID, NULL },
	{ "scheme glued to key", "Bearerdl_abc123", NULL, APIKEY_INVALID,
	    NULL },
	{ "scheme prefix only", "Bear dl_abc123", NULL, APIKEY_INVALID,
	    NULL },
	{ "bad authorization beside valid x-api-key", "Basic dXNlcjpwYXNz",
	    "dl_abc123", APIKEY_INVALID, NULL },
	{ "valid bearer beside bad x-api-key", "Bearer dl_abc123",
	    "dl abc123", APIKEY_INVALID, NULL },
	{ "repeated authorization header",
	    "Bearer dl_abc123, Bearer dl_other", NULL, APIKEY_INVALID, NULL },
	{ "repeated authorization with the same key",
	    "Bearer dl_abc123, Bearer dl_abc123", NULL, APIKEY_INVALID,
	    NULL },
	{ "repeated x-api-key header", NULL, "dl_abc123, dl_other",
	    APIKEY_INVALID, NULL },
	{ "repeated x-api-key without blank", NULL, "dl_abc123,dl_other",
	    APIKEY_INVALID, NULL },
	{ "blank inside bearer key", "Bearer dl_abc 123", NULL,
	    APIKEY_INVALID, NULL },
	{ "blank inside x-api-key", NULL, "dl_abc\t123", APIKEY_INVALID,
	    NULL },
	{ "double quote in key", NULL, "\"dl_abc123\"", APIKEY_INVALID,
	    NULL },
	{ "semicolon in key", NULL, "dl_abc;123", APIKEY_INVALID, NULL },
	{ "colon in key", NULL, "dl_abc:123", APIKEY_INVALID, NULL },
	{ "percent in key", NULL, "dl_abc%20", APIKEY_INVALID, NULL },
	{ "at sign in key", NULL, "dl_abc@123", APIKEY_INVALID, NULL },
	{ "non-ASCII in key", NULL, "dl_caf\xc3\xa9", APIKEY_INVALID, NULL },
	{ "control character in key", NULL, "dl_abc\x01", APIKEY_INVALID,
	    NULL },
	{ "header injection in key", "Bearer dl_abc\r\nX-Dripline-User: x",
	    NULL, APIKEY_INVALID, NULL },
	{ "DEL character in key", NULL, "dl_abc\x7f", APIKEY_INVALID, NULL },
	{ "different keys", "Bearer dl_abc123", "dl_other", APIKEY_CONFLICT,
	    NULL },
	{ "keys differ only in case", "Bearer dl_abc123", "DL_ABC123",
	    APIKEY_CONFLICT, NULL },
	{ "x-api-key extends bearer key", "Bearer dl_abc", "dl_abc123",
	    APIKEY_CONFLICT, NULL },
	{ "bearer key extends x-api-key", "Bearer dl_abc123", "dl_abc",
	    APIKEY_CONFLICT, NULL },
};

#define NACCEPTED	(sizeof(apikey_accepted) / sizeof(apikey_accepted[0]))
#define NREJECTED	(sizeof(apikey_rejected) / sizeof(apikey_rejected[0]))

/* Check that key points into one of the two header values. */
static int
apikey_borrowed(const struct apikey_case *c, const char *key, size_t keylen)
{
	const char	*values[2] = { c->authorization, c->x_api_key };
	int		 i;

	for (i = 0; i < 2; i++) {
		if (values[i] == NULL)
			continue;
		if (key >= values[i] &&
		    key + keylen <= values[i] + strlen(values[i]))
			return 1;
	}
	return 0;
}

START_TEST(test_apikey_accepted_headers_yield_key)
{
	const struct apikey_case	*c = &apikey_accepted[_i];
	const char			*key = NULL;
	size_t				 keylen = 0;
	enum apikey_status		 status;

	status = apikey_extract(c->authorization, c->x_api_key, &key, &keylen);
	ck_assert_msg(status == c->status, "%s: status %d, expected %d",
	    c->name, status, c->status);
	ck_assert_msg(key != NULL, "%s: no key returned", c->name);
	ck_assert_msg(keylen == strlen(c->key), "%s: key length %zu, "
	    "expected %zu", c->name, keylen, strlen(c->key));
	ck_assert_msg(memcmp(key, c->key, keylen) == 0,
	    "%s: key '%.*s', expected '%s'", c->name, (int)keylen, key,
	    c->key);
	ck_assert_msg(apikey_borrowed(c, key, keylen),
	    "%s: key does not point into a header value", c->name);
}
END_TEST

START_TEST(test_apikey_status_reasons_distinct)
{
	static const enum apikey_status statuses[] = {
		APIKEY_OK, APIKEY_MISSING, APIKEY_INVALID, APIKEY_CONFLICT
	};
	const char	*reasons[4];
	size_t		 i, j;

	for (i = 0; i < 4; i++) {
		reasons[i] = apikey_status_reason(statuses[i]);
		ck_assert_ptr_nonnull(reasons[i]);
		ck_assert_msg(reasons[i][0] != '\0', "status %d: empty reason",
		    statuses[i]);
	}
	for (i = 0; i < 4; i++)
		for (j = i + 1; j < 4; j++)
			ck_assert_str_ne(reasons[i], reasons[j]);
}
END_TEST

START_TEST(test_apikey_rejected_headers_yield_status)
{
	const struct apikey_case	*c = &apikey_rejected[_i];
	const char			*key = NULL;
	size_t				 keylen = 0;
	enum apikey_status		 status;

	status = apikey_extract(c->authorization, c->x_api_key, &key, &keylen);
	ck_assert_msg(status == c->status, "%s: status %d (%s), expected %d",
	    c->name, status, apikey_status_reason(status), c->status);
}
END_TEST

/* Make a header value: prefix, then n copies of 'k', then suffix. */
static char *
apikey_long_value(const char *prefix, size_t n, const char *suffix)
{
	size_t	 plen = strlen(prefix), slen = strlen(suffix);
	char	*value;

	value = malloc(plen + n + slen + 1);
	ck_assert_ptr_nonnull(value);
	memcpy(value, prefix, plen);
	memset(value + plen, 'k', n);
	memcpy(value + plen + n, suffix, slen + 1);
	return value;
}

START_TEST(test_apikey_max_length_bearer_accepted)
{
	char		*value = apikey_long_value("Bearer ", APIKEY_MAX_LEN, "");
	const char	*key = NULL;
	size_t		 keylen = 0;

	ck_assert_int_eq(apikey_extract(value, NULL, &key, &keylen),
	    APIKEY_OK);
	ck_assert_uint_eq(keylen, APIKEY_MAX_LEN);
	ck_assert_ptr_eq(key, value + strlen("Bearer "));
	free(value);
}
END_TEST

START_TEST(test_apikey_max_length_x_api_key_accepted)
{
	char		*value = apikey_long_value("", APIKEY_MAX_LEN, "");
	const char	*key = NULL;
	size_t		 keylen = 0;

	ck_assert_int_eq(apikey_extract(NULL, value, &key, &keylen),
	    APIKEY_OK);
	ck_assert_uint_eq(keylen, APIKEY_MAX_LEN);
	free(value);
}
END_TEST

START_TEST(test_apikey_blanks_not_counted_in_length)
{
	char		*value = apikey_long_value("  Bearer   ",
			    APIKEY_MAX_LEN, " \t ");
	const char	*key = NULL;
	size_t		 keylen = 0;

	ck_assert_int_eq(apikey_extract(value, NULL, &key, &keylen),
	    APIKEY_OK);
	ck_assert_uint_eq(keylen, APIKEY_MAX_LEN);
	free(value);
}
END_TEST

START_TEST(test_apikey_over_max_bearer_invalid)
{
	char		*value = apikey_long_value("Bearer ",
			    APIKEY_MAX_LEN + 1, "");
	const char	*key = NULL;
	size_t		 keylen = 0;

	ck_assert_int_eq(apikey_extract(value, NULL, &key, &keylen),
	    APIKEY_INVALID);
	free(value);
}
END_TEST

START_TEST(test_apikey_over_max_x_api_key_invalid)
{
	char		*value = apikey_long_value("", APIKEY_MAX_LEN + 1, "");
	const char	*key = NULL;
	size_t		 keylen = 0;

	ck_assert_int_eq(apikey_extract(NULL, value, &key, &keylen),
	    APIKEY_INVALID);
	free(value);
}
END_TEST

START_TEST(test_apikey_huge_header_invalid)
{
	char		*value = apikey_long_value("Bearer ", 1 << 20, "");
	const char	*key = NULL;
	size_t		 keylen = 0;

	ck_assert_int_eq(apikey_extract(value, value + strlen("Bearer "),
	    &key, &keylen), APIKEY_INVALID);
	free(value);
}
END_TEST

START_TEST(test_apikey_one_character_key_accepted)
{
	const char	*key = NULL;
	size_t		 keylen = 0;

	ck_assert_int_eq(apikey_extract("Bearer k", NULL, &key, &keylen),
	    APIKEY_OK);
	ck_assert_uint_eq(keylen, 1);
	ck_assert_int_eq(key[0], 'k');
}
END_TEST

Suite *
apikey_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("apikey");

	tc = tcase_create("core");
	tcase_add_loop_test(tc, test_apikey_accepted_headers_yield_key, 0,
	    NACCEPTED);
	tcase_add_test(tc, test_apikey_status_reasons_distinct);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_apikey_rejected_headers_yield_status, 0,
	    NREJECTED);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_apikey_max_length_bearer_accepted);
	tcase_add_test(tc, test_apikey_max_length_x_api_key_accepted);
	tcase_add_test(tc, test_apikey_blanks_not_counted_in_length);
	tcase_add_test(tc, test_apikey_over_max_bearer_invalid);
	tcase_add_test(tc, test_apikey_over_max_x_api_key_invalid);
	tcase_add_test(tc, test_apikey_huge_header_invalid);
	tcase_add_test(tc, test_apikey_one_character_key_accepted);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 nfailed;

	sr = srunner_create(apikey_suite());
	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
