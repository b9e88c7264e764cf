/*
 * API key extraction. Keys are RFC 6750 b64token strings; web servers join
 * repeated headers with ", ", and a comma is not a b64token character, so
 * a repeated header is rejected here rather than guessed at.
 */
#include <string.h>
#include <strings.h>

#include "apikey.h"

static int	apikey_token_char(unsigned char);
static enum apikey_status apikey_trim(const char *, const char **, size_t *);

static int
apikey_token_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~' || c == '+' || c == '/' || c == '=';
}

/* Strip surrounding blanks and check the characters of one key. */
static enum apikey_status
apikey_trim(const char *value, const char **key, size_t *keylen)
{
	const char	*start = value, *end;
	const char	*p;

	while (*start == ' ' || *start == '\t')
		start++;
	end = start + strlen(start);
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end == start)
		return APIKEY_MISSING;
	if ((size_t)(end - start) > APIKEY_MAX_LEN)
		return APIKEY_INVALID;
	for (p = start; p < end; p++)
		if (!apikey_token_char((unsigned char)*p))
			return APIKEY_INVALID;

	*key = start;
	*keylen = (size_t)(end - start);
	return APIKEY_OK;
}

enum apikey_status
apikey_extract(const char *authorization, const char *x_api_key,
    const char **key, size_t *keylen)
{
	const char		*bearer = NULL, *header = NULL, *p;
	size_t			 bearerlen = 0, headerlen = 0;
	enum apikey_status	 bearer_status = APIKEY_MISSING;
	enum apikey_status	 header_status = APIKEY_MISSING;

	if (authorization != NULL) {
		p = authorization;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			bearer_status = APIKEY_MISSING;
		else if (strncasecmp(p, "Bearer", 6) != 0 ||
		    (p[6] != ' ' && p[6] != '\t'))
			bearer_status = APIKEY_INVALID;
		else
			bearer_status = apikey_trim(p + 6, &bearer, &bearerlen);
		/* "Bearer" with nothing after it is a malformed header. */
		if (*p != '\0' && bearer_status == APIKEY_MISSING)
			bearer_status = APIKEY_INVALID;
	}
	if (x_api_key != NULL)
		header_status = apikey_trim(x_api_key, &header, &headerlen);

	if (bearer_status == APIKEY_INVALID || header_status == APIKEY_INVALID)
		return APIKEY_INVALID;
	if (bearer_status == APIKEY_OK && header_status == APIKEY_OK) {
		if (bearerlen != headerlen ||
		    memcmp(bearer, header, bearerlen) != 0)
			return APIKEY_CONFLICT;
	}
	if (bearer_status == APIKEY_OK) {
		*key = bearer;
		*keylen = bearerlen;
		return APIKEY_OK;
	}
	if (header_status == APIKEY_OK) {
		*key = header;
		*keylen = headerlen;
		return APIKEY_OK;
	}
	return APIKEY_MISSING;
}

const char *
apikey_status_reason(enum apikey_status status)
{
	switch (status) {
	case APIKEY_OK:
		return "ok";
	case APIKEY_MISSING:
		return "no API key";
	case APIKEY_INVALID:
		return "malformed API key header";
	case APIKEY_CONFLICT:
		return "different keys in Authorization and X-Api-Key";
	}
	return "unknown";
}
