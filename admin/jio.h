/*
 * json-c glue for the admin API. jio_get_* read request fields with the
 * type and range checks the API promises, and record a 400 that names the
 * field and the reason. jio_put_* add reply members and return -1 when
 * json-c runs out of memory, so a builder can OR the results together.
 */
#ifndef DRIPLINE_JIO_H
#define DRIPLINE_JIO_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "reqerr.h"

/* Character classes for jio_get_string. */
enum jio_chars {
	JIO_CHARS_TOKEN,	/* printable ASCII without spaces */
	JIO_CHARS_TEXT		/* any UTF-8 except control characters */
};

/*
 * Parse body (len bytes, not NUL-terminated) as one JSON object. An
 * empty body is an empty object. Returns a new object the caller releases
 * with json_object_put, or NULL with 400 "invalid_json" in re, whose
 * message gives the byte offset where parsing stopped.
 */
struct json_object	*jio_parse_object(const char *body, size_t len,
			    struct reqerr *re);

/*
 * Check that every member of jo is named in fields (NULL-terminated).
 * Returns 0, or -1 with 400 "unknown_field" in re.
 */
int	jio_check_fields(struct json_object *jo, const char *const fields[],
	    struct reqerr *re);

/*
 * Read member name as a string of 1 to maxlen bytes of the given class.
 * Returns 1 with OUT: value borrowed from jo, 0 if absent and not
 * required, or -1 with 400 ("missing_field" or "invalid_field") in re.
 */
int	jio_get_string(struct json_object *jo, const char *name, int required,
	    size_t maxlen, enum jio_chars chars, const char **value,
	    struct reqerr *re);

/*
 * Read member name as an integer from min to max. JSON numbers with a
 * fraction or exponent, strings and booleans are rejected. Returns 1 with
 * OUT: value, 0 if absent and not required, or -1 with 400 in re.
 */
int	jio_get_int64(struct json_object *jo, const char *name, int required,
	    int64_t min, int64_t max, int64_t *value, struct reqerr *re);

/* Add a string member; NULL or "" adds JSON null. Returns 0 or -1. */
int	jio_put_string(struct json_object *jo, const char *name,
	    const char *value);
int	jio_put_int64(struct json_object *jo, const char *name, int64_t value);
int	jio_put_bool(struct json_object *jo, const char *name, int value);
/*
 * Add a duration given in microseconds as a number of milliseconds with
 * three decimals (1234 us is 1.234); a negative value adds JSON null.
 */
int	jio_put_ms(struct json_object *jo, const char *name, int64_t us);
/* Add value, which jo then owns; NULL (out of memory) returns -1. */
int	jio_put_object(struct json_object *jo, const char *name,
	    struct json_object *value);

/* The error "type" for an HTTP status, as OpenAI's API names them. */
const char	*jio_error_type(int status);

/*
 * Build {"error":{"message","type","code","request_id"}}. Returns a new
 * object, or NULL when out of memory.
 */
struct json_object	*jio_error_body(int status, const char *code,
			    const char *message, const char *request_id);

/*
 * Serialize jo into a new NUL-terminated string (caller frees) and its
 * length in OUT: len. Returns NULL when out of memory.
 */
char	*jio_to_string(struct json_object *jo, size_t *len);

#endif
