/*
 * libFuzzer harness of apikey_extract. Input: one flag byte (bit 0: an
 * Authorization header is present, bit 1: an X-Api-Key header is), then
 * the Authorization value, a newline, and the X-Api-Key value. Checked:
 * an accepted key is 1 to APIKEY_MAX_LEN token characters inside one of
 * the two values, and a key in both headers must be the same key.
 */
#include "config.h"

#include <string.h>

#include "apikey.h"
#include "fuzz.h"

static int
token_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || strchr("-._~+/=", c) != NULL;
}

/* Whether [key, key + keylen) lies inside the string value. */
static int
inside(const char *key, size_t keylen, const char *value)
{
	return value != NULL && key >= value &&
	    key + keylen <= value + strlen(value);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum apikey_status	 status;
	const char		*key = NULL;
	char			*authorization, *x_api_key;
	size_t			 keylen = 0, i;
	uint8_t			 flags;

	if (size == 0)
		return 0;
	flags = data[0];
	data++;
	size--;
	authorization = fuzz_field(&data, &size, 0, NULL);
	x_api_key = fuzz_field(&data, &size, 1, NULL);
	if (authorization == NULL || x_api_key == NULL)
		goto out;

	status = apikey_extract(flags & 1 ? authorization : NULL,
	    flags & 2 ? x_api_key : NULL, &key, &keylen);
	FUZZ_CHECK(apikey_status_reason(status) != NULL);
	if (status != APIKEY_OK)
		goto out;

	FUZZ_CHECK(keylen >= 1 && keylen <= APIKEY_MAX_LEN);
	FUZZ_CHECK(inside(key, keylen, flags & 1 ? authorization : NULL) ||
	    inside(key, keylen, flags & 2 ? x_api_key : NULL));
	for (i = 0; i < keylen; i++)
		FUZZ_CHECK(token_char((unsigned char)key[i]));
	/* A key from X-Api-Key alone is the whole value, blanks aside. */
	if (!(flags & 1))
		FUZZ_CHECK(strspn(x_api_key, " \t") + keylen +
		    strspn(key + keylen, " \t") == strlen(x_api_key));
out:
	free(authorization);
	free(x_api_key);
	return 0;
}
