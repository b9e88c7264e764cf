/*
 * json-c glue; see jio.h. The tokener runs in strict mode with UTF-8
 * validation, so only standard JSON is accepted. Every rejection names
 * the byte offset or the field, and the reason.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "jio.h"

#define JIO_DEPTH_MAX	16	/* request bodies are flat objects */

/* Name a JSON value's type as a client would: "a string", "null". */
static const char *
jio_type_name(struct json_object *jo)
{
	switch (json_object_get_type(jo)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
	case json_type_int:
		return "a number";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "an unknown type";
}

struct json_object *
jio_parse_object(const char *body, size_t len, struct reqerr *re)
{
	struct json_tokener	*tok = NULL;
	struct json_object	*jo = NULL;
	enum json_tokener_error	 jerr;
	size_t			 end;

	if (len == 0) {
		if ((jo = json_object_new_object()) == NULL)
			REQERR(re, 500, "internal_error", "out of memory");
		return jo;
	}
	if ((tok = json_tokener_new_ex(JIO_DEPTH_MAX)) == NULL) {
		REQERR(re, 500, "internal_error", "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);

	jo = json_tokener_parse_ex(tok, body, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		/* A top-level number or literal ends only at a NUL byte. */
		jo = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	}
	if (jerr == json_tokener_continue) {
		REQERR(re, 400, "invalid_json", "invalid JSON in the request "
		    "body: it ends at byte %zu before the value is complete",
		    len);
		goto fail;
	}
	if (jerr != json_tokener_success) {
		REQERR(re, 400, "invalid_json", "invalid JSON in the request "
		    "body at byte %zu: %s", end, json_tokener_error_desc(jerr));
		goto fail;
	}
	for (; end < len; end++) {
		if (strchr(" \t\r\n", body[end]) == NULL || body[end] == '\0') {
			REQERR(re, 400, "invalid_json", "invalid JSON in the "
			    "request body at byte %zu: unexpected data after "
			    "the object", end);
			goto fail;
		}
	}
	if (!json_object_is_type(jo, json_type_object)) {
		REQERR(re, 400, "invalid_json", "the request body must be a "
		    "JSON object, not %s", jio_type_name(jo));
		goto fail;
	}
	json_tokener_free(tok);
	return jo;

fail:
	json_object_put(jo);
	json_tokener_free(tok);
	return NULL;
}

int
jio_check_fields(struct json_object *jo, const char *const fields[],
    struct reqerr *re)
{
	struct json_object_iterator	it, end;
	const char			*name;
	char				 expected[256];
	size_t				 i, n = 0;

	it = json_object_iter_begin(jo);
	end = json_object_iter_end(jo);
	for (; !json_object_iter_equal(&it, &end);
	    json_object_iter_next(&it)) {
		name = json_object_iter_peek_name(&it);
		for (i = 0; fields[i] != NULL; i++)
			if (strcmp(fields[i], name) == 0)
				break;
		if (fields[i] != NULL)
			continue;

		expected[0] = '\0';
		for (i = 0; fields[i] != NULL; i++) {
			n = strlen(expected);
			snprintf(expected + n, sizeof(expected) - n, "%s%s",
			    i > 0 ? ", " : "", fields[i]);
		}
		if (fields[0] == NULL)
			return REQERR(re, 400, "unknown_field", "unknown field "
			    "'%.64s': this request takes no fields", name);
		return REQERR(re, 400, "unknown_field", "unknown field "
		    "'%.64s': expected %s", name, expected);
	}
	return 0;
}

/* Check the bytes of s against chars. Returns 1 if every byte passes. */
static int
jio_chars_valid(const unsigned char *s, size_t len, enum jio_chars chars)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (chars == JIO_CHARS_TOKEN && (s[i] <= 0x20 || s[i] >= 0x7f))
			return 0;
		if (s[i] < 0x20 || s[i] == 0x7f)
			return 0;
		/* C1 controls, U+0080 to U+009F, are 0xc2 0x80..0x9f. */
		if (s[i] == 0xc2 && i + 1 < len && s[i + 1] <= 0x9f)
			return 0;
	}
	return 1;
}

int
jio_get_string(struct json_object *jo, const char *name, int required,
    size_t maxlen, enum jio_chars chars, const char **value,
    struct reqerr *re)
{
	struct json_object	*v;
	const char		*s;
	size_t			 len;

	if (!json_object_object_get_ex(jo, name, &v)) {
		if (required)
			return REQERR(re, 400, "missing_field", "missing "
			    "field '%s': it is required", name);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return REQERR(re, 400, "invalid_field", "invalid '%s': "
		    "expected a string, got %s", name, jio_type_name(v));
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (len == 0 || len > maxlen)
		return REQERR(re, 400, "invalid_field", "invalid '%s': "
		    "expected 1 to %zu bytes, got %zu", name, maxlen, len);
	if (memchr(s, '\0', len) != NULL ||
	    !jio_chars_valid((const unsigned char *)s, len, chars))
		return REQERR(re, 400, "invalid_field", "invalid '%s': %s",
		    name, chars == JIO_CHARS_TOKEN ? "only printable ASCII "
		    "characters without spaces are allowed" : "control "
		    "characters are not allowed");
	*value = s;
	return 1;
}

int
jio_get_int64(struct json_object *jo, const char *name, int required,
    int64_t min, int64_t max, int64_t *value, struct reqerr *re)
{
	struct json_object	*v;
	int64_t			 n;

	if (!json_object_object_get_ex(jo, name, &v)) {
		if (required)
			return REQERR(re, 400, "missing_field", "missing "
			    "field '%s': it is required", name);
		return 0;
	}
	if (!json_object_is_type(v, json_type_int))
		return REQERR(re, 400, "invalid_field", "invalid '%s': "
		    "expected an integer from %" PRId64 " to %" PRId64
		    ", got %s", name, min, max, jio_type_name(v));

	/* json-c clamps integers beyond int64_t to INT64_MIN/MAX. */
	n = json_object_get_int64(v);
	if (n < min || n > max)
		return REQERR(re, 400, "invalid_field", "invalid '%s': "
		    "expected an integer from %" PRId64 " to %" PRId64
		    ", got %.40s", name, min, max, json_object_to_json_string(v));
	*value = n;
	return 1;
}

int
jio_put_object(struct json_object *jo, const char *name,
    struct json_object *value)
{
	if (value == NULL)
		return -1;
	if (json_object_object_add(jo, name, value) != 0) {
		json_object_put(value);
		return -1;
	}
	return 0;
}

int
jio_put_string(struct json_object *jo, const char *name, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return json_object_object_add(jo, name, NULL) == 0 ? 0 : -1;
	return jio_put_object(jo, name, json_object_new_string(value));
}

int
jio_put_int64(struct json_object *jo, const char *name, int64_t value)
{
	return jio_put_object(jo, name, json_object_new_int64(value));
}

int
jio_put_ms(struct json_object *jo, const char *name, int64_t us)
{
	char	text[32];

	if (us < 0)
		return json_object_object_add(jo, name, NULL) == 0 ? 0 : -1;
	snprintf(text, sizeof(text), "%lld.%03lld", (long long)(us / 1000),
	    (long long)(us % 1000));
	return jio_put_object(jo, name, json_object_new_double_s(
	    (double)us / 1000.0, text));
}

int
jio_put_bool(struct json_object *jo, const char *name, int value)
{
	return jio_put_object(jo, name, json_object_new_boolean(value));
}

const char *
jio_error_type(int status)
{
	switch (status) {
	case 401:
		return "authentication_error";
	case 404:
		return "not_found_error";
	default:
		return status >= 500 ? "server_error" : "invalid_request_error";
	}
}

struct json_object *
jio_error_body(int status, const char *code, const char *message,
    const char *request_id)
{
	struct json_object	*body, *error;
	int			 rc = 0;

	if ((body = json_object_new_object()) == NULL)
		return NULL;
	if ((error = json_object_new_object()) == NULL ||
	    jio_put_object(body, "error", error) == -1) {
		json_object_put(body);
		return NULL;
	}
	rc |= jio_put_string(error, "message", message);
	rc |= jio_put_string(error, "type", jio_error_type(status));
	rc |= jio_put_string(error, "code", code);
	rc |= jio_put_string(error, "request_id", request_id);
	if (rc != 0) {
		json_object_put(body);
		return NULL;
	}
	return body;
}

char *
jio_to_string(struct json_object *jo, size_t *len)
{
	const char	*s;
	size_t		 n;
	char		*copy;

	s = json_object_to_json_string_length(jo, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	if (s == NULL || (copy = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(copy, s, n + 1);
	*len = n;
	return copy;
}
