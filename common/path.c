/*
 * Path normalization in two passes: first decode the %-encoding into a
 * canonical byte form (rejecting ambiguous bytes), then resolve the
 * segments. Both passes write into the caller's buffer, so a hostile path
 * costs no allocation.
 */
#include <string.h>

#include "path.h"

static int	path_hex_value(int);
static int	path_unreserved(unsigned char);
static int	path_decode(const char *, size_t, char *, size_t *, size_t,
		    const char **);
static void	path_remove_dot_segments(char *, size_t *);

static int
path_hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
path_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/* First pass: canonical %-encoding of target[0..len) into out. */
static int
path_decode(const char *target, size_t len, char *out, size_t *outpos,
    size_t outlen, const char **reason)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t		i, o = 0;
	unsigned char	c;
	int		hi, lo, encoded, escape;

	for (i = 0; i < len; i++) {
		c = (unsigned char)target[i];
		encoded = 0;
		if (c == '%') {
			if (i + 2 >= len) {
				*reason = "malformed percent-encoding";
				return -1;
			}
			hi = path_hex_value((unsigned char)target[i + 1]);
			lo = hi == -1 ? -1 :
			    path_hex_value((unsigned char)target[i + 2]);
			if (hi == -1 || lo == -1) {
				*reason = "malformed percent-encoding";
				return -1;
			}
			c = (unsigned char)(hi << 4 | lo);
			encoded = 1;
			i += 2;
		}

		if (c == '\0') {
			*reason = "NUL byte in path";
			return -1;
		}
		if (c < 0x20 || c == 0x7f) {
			*reason = "control character in path";
			return -1;
		}
		if (encoded && c == '/') {
			*reason = "encoded slash in path";
			return -1;
		}
		if (c == '\\') {
			*reason = "backslash in path";
			return -1;
		}
		if (!encoded && c == '#') {
			*reason = "fragment in request target";
			return -1;
		}

		escape = (encoded && !path_unreserved(c)) || c >= 0x80 ||
		    c == ' ';
		/* Room for this byte's form and the final NUL. */
		if (o + (escape ? 3 : 1) >= outlen) {
			*reason = "path too long";
			return -1;
		}
		if (escape) {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0x0f];
		} else
			out[o++] = (char)c;
	}
	*outpos = o;
	return 0;
}

/*
 * Second pass, in place: drop empty and "." segments, apply "..", keep a
 * trailing slash when the last segment was empty, "." or "..".
 */
static void
path_remove_dot_segments(char *buf, size_t *len)
{
	size_t	r = 0, w = 0, seg, seglen;
	int	trailing = 0;

	while (r < *len) {
		while (r < *len && buf[r] == '/')
			r++;
		if (r == *len) {
			trailing = 1;
			break;
		}
		seg = r;
		while (r < *len && buf[r] != '/')
			r++;
		seglen = r - seg;
		trailing = 0;

		if (seglen == 1 && buf[seg] == '.') {
			trailing = r == *len;
			continue;
		}
		if (seglen == 2 && buf[seg] == '.' && buf[seg + 1] == '.') {
			while (w > 0 && buf[w - 1] != '/')
				w--;
			if (w > 0)
				w--;
			trailing = r == *len;
			continue;
		}
		buf[w++] = '/';
		memmove(buf + w, buf + seg, seglen);
		w += seglen;
	}
	if (trailing || w == 0)
		buf[w++] = '/';
	*len = w;
}

int
path_normalize(const char *target, char *out, size_t outlen,
    const char **reason)
{
	size_t	len, o;

	*reason = NULL;
	if (target == NULL || target[0] != '/') {
		*reason = "request target is not an absolute path";
		return -1;
	}
	len = strcspn(target, "?");
	if (len > PATH_MAX_LEN) {
		*reason = "path too long";
		return -1;
	}

	if (path_decode(target, len, out, &o, outlen, reason) == -1)
		return -1;
	/* Removing segments never lengthens the path, so the NUL fits. */
	path_remove_dot_segments(out, &o);
	out[o] = '\0';
	return 0;
}
