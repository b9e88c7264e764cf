/*
 * Thin wrappers over libcrypto so the rest of the code never touches
 * OpenSSL types. RAND_bytes draws from the operating system's source.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "crypto.h"

int
crypto_sha256_hex(const void *data, size_t len,
    char hex[CRYPTO_SHA256_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0;
	unsigned int	i;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		return -1;
	for (i = 0; i < mdlen; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0x0f];
	}
	hex[2 * mdlen] = '\0';
	return 0;
}

int
crypto_random(void *buf, size_t len)
{
	if (len > INT32_MAX || RAND_bytes(buf, (int)len) != 1)
		return -1;
	return 0;
}

int
crypto_uuid_v4(char uuid[CRYPTO_UUID_LEN + 1])
{
	unsigned char	b[16];

	if (crypto_random(b, sizeof(b)) == -1)
		return -1;
	b[6] = (b[6] & 0x0f) | 0x40;	/* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
	snprintf(uuid, CRYPTO_UUID_LEN + 1,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
	    b[10], b[11], b[12], b[13], b[14], b[15]);
	return 0;
}

int
crypto_secret(const char *prefix, char *out, size_t outlen)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_";
	unsigned char	raw[CRYPTO_SECRET_BYTES];
	size_t		plen = strlen(prefix);
	size_t		i, o;
	uint32_t	acc = 0;
	int		bits = 0;

	if (outlen < plen + CRYPTO_SECRET_CHARS + 1)
		return -1;
	if (crypto_random(raw, sizeof(raw)) == -1)
		return -1;

	memcpy(out, prefix, plen);
	o = plen;
	for (i = 0; i < sizeof(raw); i++) {
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = alphabet[(acc >> bits) & 0x3f];
		}
	}
	if (bits > 0)
		out[o++] = alphabet[(acc << (6 - bits)) & 0x3f];
	out[o] = '\0';
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

int
crypto_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

int
crypto_uuid_valid(const char *s)
{
	size_t	i;

	if (strlen(s) != CRYPTO_UUID_LEN)
		return 0;
	for (i = 0; i < CRYPTO_UUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}
