/*
 * Hashing and randomness through OpenSSL's libcrypto: SHA-256 of secrets,
 * secrets and UUIDs from the operating system's random source. Nothing
 * here is hand-written cryptography.
 */
#ifndef DRIPLINE_CRYPTO_H
#define DRIPLINE_CRYPTO_H

#include <stddef.h>

#define CRYPTO_SHA256_HEX_LEN	64
#define CRYPTO_UUID_LEN		36
#define CRYPTO_SECRET_BYTES	32	/* 256 bits per key or token */
/* base64url without padding of CRYPTO_SECRET_BYTES bytes */
#define CRYPTO_SECRET_CHARS	43

/* Write the lower-case hex SHA-256 of data into OUT: hex. Returns 0 or -1. */
int	crypto_sha256_hex(const void *data, size_t len,
	    char hex[CRYPTO_SHA256_HEX_LEN + 1]);

/* Fill buf with len random bytes. Returns 0, or -1 if no randomness. */
int	crypto_random(void *buf, size_t len);

/* Write a random (version 4) UUID into OUT: uuid. Returns 0 or -1. */
int	crypto_uuid_v4(char uuid[CRYPTO_UUID_LEN + 1]);

/*
 * Write prefix followed by CRYPTO_SECRET_CHARS base64url characters of
 * fresh randomness into OUT: out. Returns 0, or -1 if out is too small or
 * no randomness was available.
 */
int	crypto_secret(const char *prefix, char *out, size_t outlen);

/* Compare two byte strings in time independent of their contents. */
int	crypto_equal(const void *a, const void *b, size_t len);

/* Check the canonical lower-case 8-4-4-4-12 form. Returns 1 if valid. */
int	crypto_uuid_valid(const char *s);

#endif
