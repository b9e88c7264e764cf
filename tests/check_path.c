/*
 * Unit tests for path_normalize. The normal form decides which route a
 * request is charged for. So the tables below try the tricks a client
 * could use to reach a metered endpoint under another spelling. They
 * cover percent-encoded letters and dots, dot segments, doubled slashes,
 * a query or fragment, and encodings that have two readings.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "path.h"

struct path_case {
	const char	*target;
	const char	*expected;	/* normal form, or the reject reason */
};

Suite	*path_suite(void);

static const struct path_case path_normalized[] = {
	{ "/", "/" },
	{ "/v1/chat/completions", "/v1/chat/completions" },
	{ "/v1/models/gpt-4o-mini_2024.07~x", "/v1/models/gpt-4o-mini_2024.07~x" },

	/* %XX of an unreserved character is decoded. */
	{ "/v1/%63hat/completions", "/v1/chat/completions" },
	{ "/v1/chat/completion%73", "/v1/chat/completions" },
	{ "/%76%31/%63%68%61%74/completions", "/v1/chat/completions" },
	{ "/v1/%43hat", "/v1/Chat" },
	{ "/v1/%2D%2e%5F%7E", "/v1/-._~" },
	{ "/v1/%7euser", "/v1/~user" },
	{ "/v1/%30%39", "/v1/09" },

	/* Other %XX stays encoded, with upper-case hex. */
	{ "/v1/a%3ab", "/v1/a%3Ab" },
	{ "/v1/a%3Ab", "/v1/a%3Ab" },
	{ "/v1/a%20b", "/v1/a%20b" },
	{ "/v1/%25", "/v1/%25" },
	{ "/v1/%2541", "/v1/%2541" },
	{ "/v1/%252F", "/v1/%252F" },
	{ "/v1/a%3fb", "/v1/a%3Fb" },
	{ "/v1/a%23b", "/v1/a%23b" },

	/* Raw bytes >= 0x80 are encoded, so raw and encoded UTF-8 agree. */
	{ "/v1/caf\xc3\xa9", "/v1/caf%C3%A9" },
	{ "/v1/caf%c3%a9", "/v1/caf%C3%A9" },
	{ "/v1/caf%C3%A9", "/v1/caf%C3%A9" },
	{ "/\xff", "/%FF" },

	/*
	 * A raw space is encoded too: lighttpd accepts one and forwards it
	 * as %20, and a raw space would end the upstream's request line.
	 */
	{ "/v1/models/a b", "/v1/models/a%20b" },
	{ "/v1/models/ ", "/v1/models/%20" },

	/* The query is cut off before anything else is looked at. */
	{ "/v1/chat/completions?", "/v1/chat/completions" },
	{ "/v1/chat/completions?stream=true", "/v1/chat/completions" },
	{ "/v1/chat/completions?a=/../../x", "/v1/chat/completions" },
	{ "/v1/chat/completions?x=%2F%00%zz", "/v1/chat/completions" },
	{ "/v1/chat/completions?x=#frag", "/v1/chat/completions" },
	{ "/?", "/" },

	/* Empty and "." segments are dropped. */
	{ "//v1//chat///completions", "/v1/chat/completions" },
	{ "/v1/./chat/./completions", "/v1/chat/completions" },
	{ "/./v1/chat/completions", "/v1/chat/completions" },
	{ "/v1/%2e/chat/completions", "/v1/chat/completions" },
	{ "/v1/%2E/chat/completions", "/v1/chat/completions" },
	{ "/.", "/" },
	{ "//", "/" },

	/* ".." removes the segment before it and stops at the root. */
	{ "/v1/models/../chat/completions", "/v1/chat/completions" },
	{ "/v1/models/x/../../chat/completions", "/v1/chat/completions" },
	{ "/v1/models/%2e%2e/chat/completions", "/v1/chat/completions" },
	{ "/v1/models/%2E%2E/chat/completions", "/v1/chat/completions" },
	{ "/v1/models/.%2e/chat/completions", "/v1/chat/completions" },
	{ "/v1/models/%2e./chat/completions", "/v1/chat/completions" },
	{ "/v1/models//../chat/completions", "/v1/chat/completions" },
	{ "/../v1/chat/completions", "/v1/chat/completions" },
	{ "/../../../v1/chat/completions", "/v1/chat/completions" },
	{ "/v1/../../v1/chat/completions", "/v1/chat/completions" },
	{ "/v1/..", "/" },
	{ "/..", "/" },

	/* Segments that only look like dot segments are kept. */
	{ "/v1/...", "/v1/..." },
	{ "/v1/.hidden", "/v1/.hidden" },
	{ "/v1/..a/b", "/v1/..a/b" },
	{ "/v1/a..", "/v1/a.." },

	/* A trailing slash is kept, also after "." and "..". */
	{ "/v1/chat/", "/v1/chat/" },
	{ "/v1/chat//", "/v1/chat/" },
	{ "/v1/chat/.", "/v1/chat/" },
	{ "/v1/chat/./", "/v1/chat/" },
	{ "/v1/chat/completions/..", "/v1/chat/" },
	{ "/v1/chat/completions/../", "/v1/chat/" },
	{ "/v1/chat/?x", "/v1/chat/" },
};

static const struct path_case path_rejected[] = {
	{ "", "not an absolute path" },
	{ "v1/chat/completions", "not an absolute path" },
	{ "*", "not an absolute path" },
	{ "?x=1", "not an absolute path" },
	{ "%2Fv1/chat/completions", "not an absolute path" },
	{ "http://127.0.0.1/v1/chat/completions", "not an absolute path" },
	{ " /v1/chat/completions", "not an absolute path" },

	{ "/v1%2fchat/completions", "encoded slash" },
	{ "/v1%2Fchat/completions", "encoded slash" },
	{ "/v1/chat/completions%2F", "encoded slash" },
	{ "/v1/%2F..%2Fadmin", "encoded slash" },

	{ "/v1\\chat\\completions", "backslash" },
	{ "/v1/chat%5ccompletions", "backslash" },
	{ "/v1/chat%5Ccompletions", "backslash" },
	{ "/v1/..\\admin", "backslash" },

	{ "/v1/chat%00", "NUL" },
	{ "/v1/chat%00/completions", "NUL" },

	{ "/v1/chat%0a", "control character" },
	{ "/v1/chat%0D%0AX-Dripline-User:%20x", "control character" },
	{ "/v1/chat\r\n", "control character" },
	{ "/v1/chat\tcompletions", "control character" },
	{ "/v1/chat\x1f", "control character" },
	{ "/v1/chat\x7f", "control character" },
	{ "/v1/chat%7F", "control character" },
	{ "/v1/chat%01", "control character" },

	{ "/v1/chat/completions#frag", "fragment" },
	{ "/v1/chat#/../completions", "fragment" },
	{ "/#", "fragment" },

	{ "/v1/chat%", "malformed percent-encoding" },
	{ "/v1/chat%4", "malformed percent-encoding" },
	{ "/v1/chat%4?x", "malformed percent-encoding" },
	{ "/v1/chat%?x", "malformed percent-encoding" },
	{ "/v1/chat%zz", "malformed percent-encoding" },
	{ "/v1/chat%g1", "malformed percent-encoding" },
	{ "/v1/chat%1g", "malformed percent-encoding" },
	{ "/v1/%%41", "malformed percent-encoding" },
	{ "/v1/%-1", "malformed percent-encoding" },
	{ "/v1/% 41", "malformed percent-encoding" },
};

#define NNORMALIZED	(sizeof(path_normalized) / sizeof(path_normalized[0]))
#define NREJECTED	(sizeof(path_rejected) / sizeof(path_rejected[0]))

/* Room for the longest normal form of a PATH_MAX_LEN target. */
#define PATH_BUF_LEN	(3 * PATH_MAX_LEN + 1)

/* Make head, n copies of unit, then tail. The caller frees it. */
static char *
path_repeat(const char *head, const char *unit, size_t n, const char *tail)
{
	size_t	 hlen = strlen(head), ulen = strlen(unit), tlen = strlen(tail);
	size_t	 i;
	char	*s;

	s = malloc(hlen + n * ulen + tlen + 1);
	ck_assert_ptr_nonnull(s);
	memcpy(s, head, hlen);
	for (i = 0; i < n; i++)
		memcpy(s + hlen + i * ulen, unit, ulen);
	memcpy(s + hlen + n * ulen, tail, tlen + 1);
	return s;
}

START_TEST(test_path_tricks_normalize)
{
	const struct path_case	*c = &path_normalized[_i];
	const char		*reason = NULL;
	char			 out[PATH_BUF_LEN];
	int			 rc;

	rc = path_normalize(c->target, out, sizeof(out), &reason);
	ck_assert_msg(rc == 0, "'%s': rejected (%s), expected '%s'",
	    c->target, reason != NULL ? reason : "no reason", c->expected);
	ck_assert_msg(strcmp(out, c->expected) == 0,
	    "'%s': normalized to '%s', expected '%s'", c->target, out,
	    c->expected);
}
END_TEST

/* A normal form must be a fixed point: routes are written in it. */
START_TEST(test_path_normal_form_is_stable)
{
	const struct path_case	*c = &path_normalized[_i];
	const char		*reason = NULL;
	char			 once[PATH_BUF_LEN], twice[PATH_BUF_LEN];

	ck_assert_int_eq(path_normalize(c->target, once, sizeof(once),
	    &reason), 0);
	ck_assert_msg(path_normalize(once, twice, sizeof(twice),
	    &reason) == 0, "'%s': normal form '%s' rejected (%s)", c->target,
	    once, reason);
	ck_assert_msg(strcmp(once, twice) == 0, "'%s': '%s' normalizes "
	    "again to '%s'", c->target, once, twice);
}
END_TEST

START_TEST(test_path_ambiguous_targets_rejected)
{
	const struct path_case	*c = &path_rejected[_i];
	const char		*reason = NULL;
	char			 out[PATH_BUF_LEN];
	int			 rc;

	rc = path_normalize(c->target, out, sizeof(out), &reason);
	ck_assert_msg(rc == -1, "'%s': accepted as '%s', expected "
	    "rejection for %s", c->target, out, c->expected);
	ck_assert_msg(reason != NULL, "'%s': rejected without a reason",
	    c->target);
	ck_assert_msg(strstr(reason, c->expected) != NULL,
	    "'%s': reason '%s', expected '%s'", c->target, reason,
	    c->expected);
}
END_TEST

START_TEST(test_path_null_target_rejected)
{
	const char	*reason = NULL;
	char		 out[16];

	ck_assert_int_eq(path_normalize(NULL, out, sizeof(out), &reason), -1);
	ck_assert_ptr_nonnull(reason);
	ck_assert_ptr_nonnull(strstr(reason, "not an absolute path"));
}
END_TEST

START_TEST(test_path_max_length_accepted)
{
	char		*target = path_repeat("/", "a", PATH_MAX_LEN - 1, "");
	const char	*reason = NULL;
	char		 out[PATH_BUF_LEN];

	ck_assert_uint_eq(strlen(target), PATH_MAX_LEN);
	ck_assert_int_eq(path_normalize(target, out, sizeof(out), &reason), 0);
	ck_assert_str_eq(out, target);
	free(target);
}
END_TEST

START_TEST(test_path_over_max_length_rejected)
{
	char		*target = path_repeat("/", "a", PATH_MAX_LEN, "");
	const char	*reason = NULL;
	char		 out[PATH_BUF_LEN];

	ck_assert_int_eq(path_normalize(target, out, sizeof(out), &reason),
	    -1);
	ck_assert_ptr_nonnull(reason);
	ck_assert_str_eq(reason, "path too long");
	free(target);
}
END_TEST

/* The limit is on the raw target, before decoding shrinks it. */
START_TEST(test_path_long_encoded_target_rejected)
{
	char		*target = path_repeat("/", "%61", PATH_MAX_LEN / 3 + 1,
			    "");
	const char	*reason = NULL;
	char		 out[PATH_BUF_LEN];

	ck_assert_uint_gt(strlen(target), PATH_MAX_LEN);
	ck_assert_int_eq(path_normalize(target, out, sizeof(out), &reason),
	    -1);
	ck_assert_str_eq(reason, "path too long");
	free(target);
}
END_TEST

START_TEST(test_path_long_query_ignored)
{
	char		*target = path_repeat("/v1/models?q=", "x", 100000, "");
	const char	*reason = NULL;
	char		 out[PATH_BUF_LEN];

	ck_assert_int_eq(path_normalize(target, out, sizeof(out), &reason), 0);
	ck_assert_str_eq(out, "/v1/models");
	free(target);
}
END_TEST

START_TEST(test_path_decoding_shrinks_long_target)
{
	char		*target = path_repeat("/", "%61", (PATH_MAX_LEN - 1) / 3,
			    "");
	char		*expected = path_repeat("/", "a", (PATH_MAX_LEN - 1) / 3,
			    "");
	const char	*reason = NULL;
	char		 out[PATH_BUF_LEN];

	ck_assert_uint_le(strlen(target), PATH_MAX_LEN);
	ck_assert_int_eq(path_normalize(target, out, sizeof(out), &reason), 0);
	ck_assert_str_eq(out, expected);
	free(target);
	free(expected);
}
END_TEST

START_TEST(test_path_deep_dot_dot_stops_at_root)
{
	char		*target = path_repeat("/", "../", 1000, "v1/models");
	const char	*reason = NULL;
	char		 out[PATH_BUF_LEN];

	ck_assert_int_eq(path_normalize(target, out, sizeof(out), &reason), 0);
	ck_assert_str_eq(out, "/v1/models");
	free(target);
}
END_TEST

START_TEST(test_path_many_segments_resolved)
{
	char		*target = path_repeat("/v1", "/a/./b/../..//", 200,
			    "models");
	const char	*reason = NULL;
	char		 out[PATH_BUF_LEN];

	ck_assert_int_eq(path_normalize(target, out, sizeof(out), &reason), 0);
	ck_assert_str_eq(out, "/v1/models");
	free(target);
}
END_TEST

/* Encoding raw UTF-8 triples its length, and outlen must still bound it. */
START_TEST(test_path_encoded_output_bounded_by_outlen)
{
	char		*target = path_repeat("/", "\xc3\xa9", 1000, "");
	const char	*reason = NULL;
	char		 out[PATH_MAX_LEN + 4];

	ck_assert_uint_le(strlen(target), PATH_MAX_LEN);
	ck_assert_int_eq(path_normalize(target, out, sizeof(out), &reason),
	    -1);
	ck_assert_str_eq(reason, "path too long");
	free(target);
}
END_TEST

START_TEST(test_path_exact_outlen_accepted)
{
	static const char	*targets[] = {
		"/v1/chat/completions", "/v1/caf\xc3\xa9", "/v1/%63hat/",
		"/v1/a%3ab", "/",
	};
	static const char	*expected[] = {
		"/v1/chat/completions", "/v1/caf%C3%A9", "/v1/chat/",
		"/v1/a%3Ab", "/",
	};
	const char		*reason = NULL;
	char			 out[64];
	size_t			 i, need;

	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		need = strlen(expected[i]) + 1;
		memset(out, '#', sizeof(out));
		ck_assert_msg(path_normalize(targets[i], out, need,
		    &reason) == 0, "'%s' with outlen %zu: rejected (%s)",
		    targets[i], need, reason);
		ck_assert_msg(strcmp(out, expected[i]) == 0, "'%s': '%s', "
		    "expected '%s'", targets[i], out, expected[i]);
		ck_assert_msg(out[need] == '#', "'%s': wrote past outlen",
		    targets[i]);
	}
}
END_TEST

START_TEST(test_path_small_outlen_rejected_in_bounds)
{
	static const char	*targets[] = {
		"/v1/chat/completions", "/v1/caf\xc3\xa9", "/v1/%63hat/",
		"/v1/a%3ab",
	};
	const char		*reason;
	char			 out[64];
	size_t			 i, outlen, need;

	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		ck_assert_int_eq(path_normalize(targets[i], out, sizeof(out),
		    &reason), 0);
		need = strlen(out) + 1;
		for (outlen = 0; outlen < need; outlen++) {
			memset(out, '#', sizeof(out));
			reason = NULL;
			ck_assert_msg(path_normalize(targets[i], out, outlen,
			    &reason) == -1, "'%s' with outlen %zu: accepted",
			    targets[i], outlen);
			ck_assert_msg(reason != NULL &&
			    strcmp(reason, "path too long") == 0,
			    "'%s' with outlen %zu: reason '%s'", targets[i],
			    outlen, reason != NULL ? reason : "(none)");
			ck_assert_msg(out[outlen] == '#', "'%s' with outlen "
			    "%zu: wrote past outlen", targets[i], outlen);
		}
	}
}
END_TEST

Suite *
path_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("path");

	tc = tcase_create("core");
	tcase_add_loop_test(tc, test_path_tricks_normalize, 0, NNORMALIZED);
	tcase_add_loop_test(tc, test_path_normal_form_is_stable, 0,
	    NNORMALIZED);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_path_ambiguous_targets_rejected, 0,
	    NREJECTED);
	tcase_add_test(tc, test_path_null_target_rejected);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_path_max_length_accepted);
	tcase_add_test(tc, test_path_over_max_length_rejected);
	tcase_add_test(tc, test_path_long_encoded_target_rejected);
	tcase_add_test(tc, test_path_long_query_ignored);
	tcase_add_test(tc, test_path_decoding_shrinks_long_target);
	tcase_add_test(tc, test_path_deep_dot_dot_stops_at_root);
	tcase_add_test(tc, test_path_many_segments_resolved);
	tcase_add_test(tc, test_path_encoded_output_bounded_by_outlen);
	tcase_add_test(tc, test_path_exact_outlen_accepted);
	tcase_add_test(tc, test_path_small_outlen_rejected_in_bounds);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 nfailed;

	sr = srunner_create(path_suite());
	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
