/*
 * Extraction of the client's API key from the request headers. A key comes
 * from "Authorization: Bearer <key>" or "X-Api-Key: <key>". When both are
 * sent they must carry the same key, so no proxy or client can make two
 * parts of the chain authenticate different users.
 */
#ifndef DRIPLINE_APIKEY_H
#define DRIPLINE_APIKEY_H

#include <stddef.h>

#define APIKEY_MAX_LEN	256

enum apikey_status {
	APIKEY_OK = 0,
	APIKEY_MISSING,		/* neither header, or both empty */
	APIKEY_INVALID,		/* not Bearer, bad characters, too long */
	APIKEY_CONFLICT		/* both headers, different keys */
};

/*
 * Find the key in the two header values; either may be NULL. On APIKEY_OK,
 * OUT: key and keylen point into one of the header values (borrowed).
 */
enum apikey_status apikey_extract(const char *authorization,
	    const char *x_api_key, const char **key, size_t *keylen);

/* One-word reason for a status, for log lines. */
const char *apikey_status_reason(enum apikey_status status);

#endif
