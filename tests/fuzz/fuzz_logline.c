/*
 * libFuzzer harness of logline_parse and logline_syslog_message, the
 * access log parser of dripline-collector. The input is one line. It is
 * parsed from a copy without a NUL, and again as a syslog datagram the
 * way the collector reads one from nginx. Checked for every result:
 * out->day is "" or a real day, and out->request_id is NUL-terminated
 * and contains only hexadecimal digits and '-', because the collector
 * logs it. An accepted line contains no NUL byte, which neither web
 * server writes. Its user is a lower-case UUID, its status is 100 to
 * 599, and its outcome agrees with that status. A malformed line gets a
 * reason. Parsing the same bytes twice gives the same result, and the
 * syslog message lies inside the datagram.
 */
#include "config.h"

#include "fuzz.h"
#include "logline.h"

static int
is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/*
 * Whether s is a UUID in the canonical lower-case 8-4-4-4-12 form. The
 * parser checks the user with crypto_uuid_valid, so the harness checks
 * with code of its own, which a fault there cannot also pass.
 */
static int
is_uuid(const char *s)
{
	size_t	i;

	if (strlen(s) != DB_UUID_LEN)
		return 0;
	for (i = 0; i < DB_UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!is_lower_hex(s[i]))
			return 0;
	}
	return 1;
}

static void
check_result(const char *line, size_t len, enum logline_result rc,
    const struct logline *out, const char *reason)
{
	size_t	i;

	FUZZ_CHECK(rc == LOGLINE_OK || rc == LOGLINE_NO_USER ||
	    rc == LOGLINE_MALFORMED);
	FUZZ_CHECK(memchr(out->day, '\0', sizeof(out->day)) != NULL);
	FUZZ_CHECK(out->day[0] == '\0' || utcday_parse(out->day, NULL) == 0);
	FUZZ_CHECK(memchr(out->request_id, '\0',
	    sizeof(out->request_id)) != NULL);
	for (i = 0; out->request_id[i] != '\0'; i++)
		FUZZ_CHECK(is_lower_hex(out->request_id[i]) ||
		    out->request_id[i] == '-');

	if (rc == LOGLINE_MALFORMED) {
		FUZZ_CHECK(reason != NULL && reason[0] != '\0');
		return;
	}
	if (rc != LOGLINE_OK)
		return;

	FUZZ_CHECK(memchr(line, '\0', len) == NULL);
	FUZZ_CHECK(is_uuid(out->user_id));
	FUZZ_CHECK(utcday_parse(out->day, NULL) == 0);
	FUZZ_CHECK(out->status >= 100 && out->status <= 599);
	FUZZ_CHECK(out->outcome >= LOGLINE_2XX &&
	    out->outcome <= LOGLINE_OTHER);
	/* Only the proxy's own 504 and 502 (lighttpd: or 503) change class. */
	if (out->outcome == LOGLINE_TIMED_OUT)
		FUZZ_CHECK(out->status == 504);
	if (out->outcome == LOGLINE_UNREACHABLE)
		FUZZ_CHECK(out->status == 502 || out->status == 503);
	FUZZ_CHECK(out->latency_us >= -1);
}

/*
 * Parse len bytes at line from a heap copy of exactly that size, so
 * AddressSanitizer catches a read past the end, and check the result.
 * Returns -1 when out of memory, else 0.
 */
static int
parse_and_check(const char *line, size_t len)
{
	struct logline		 out, again;
	enum logline_result	 rc, again_rc;
	const char		*reason = NULL, *again_reason = NULL;
	char			*exact;

	if ((exact = malloc(len > 0 ? len : 1)) == NULL)
		return -1;
	memcpy(exact, line, len);

	rc = logline_parse(exact, len, &out, &reason);
	check_result(exact, len, rc, &out, reason);

	again_rc = logline_parse(exact, len, &again, &again_reason);
	FUZZ_CHECK(again_rc == rc);
	FUZZ_CHECK(again_reason == reason);
	FUZZ_CHECK(memcmp(again.user_id, out.user_id,
	    sizeof(out.user_id)) == 0);
	FUZZ_CHECK(memcmp(again.day, out.day, sizeof(out.day)) == 0);
	FUZZ_CHECK(memcmp(again.request_id, out.request_id,
	    sizeof(out.request_id)) == 0);
	FUZZ_CHECK(again.status == out.status);
	FUZZ_CHECK(again.outcome == out.outcome);
	FUZZ_CHECK(again.latency_us == out.latency_us);

	free(exact);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*message;
	char		*datagram;

	if (parse_and_check((const char *)data, size) == -1)
		return 0;

	/* What the collector does with a datagram from nginx. */
	if ((datagram = fuzz_field(&data, &size, 1, NULL)) == NULL)
		return 0;
	message = logline_syslog_message(datagram);
	FUZZ_CHECK(message >= datagram &&
	    message <= datagram + strlen(datagram));
	(void)parse_and_check(message, strlen(message));
	free(datagram);
	return 0;
}
