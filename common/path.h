/*
 * Request path normalization for route matching. The matched path must be
 * the one any upstream will act on, so the normal form decodes what is
 * safe to decode and rejects what has two readings:
 *  - the query ("?...") is cut off;
 *  - %XX of an unreserved character (A-Z a-z 0-9 - . _ ~) is decoded, any
 *    other %XX is kept with upper-case hex, a raw space or byte >= 0x80 is
 *    encoded, so the normal form is a valid part of an HTTP request line;
 *  - empty segments ("//") and "." segments are dropped, ".." removes the
 *    segment before it and stops at the root;
 *  - an encoded "/" or "\", a NUL, a control character, a raw "\" or "#",
 *    malformed %-encoding, or a target not starting with "/" is rejected.
 */
#ifndef DRIPLINE_PATH_H
#define DRIPLINE_PATH_H

#include <stddef.h>

#define PATH_MAX_LEN	4096	/* longest request target we accept */

/*
 * Normalize the request target into OUT: out (outlen bytes). Returns 0, or
 * -1 with OUT: reason set to a static phrase for the log.
 */
int	path_normalize(const char *target, char *out, size_t outlen,
	    const char **reason);

#endif
