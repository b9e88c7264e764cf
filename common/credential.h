/*
 * New secrets for API keys and admin tokens: an id, the secret shown once,
 * its SHA-256 (the only form stored) and a short prefix people can use to
 * tell keys apart. The secret has CRYPTO_SECRET_BYTES of randomness.
 */
#ifndef DRIPLINE_CREDENTIAL_H
#define DRIPLINE_CREDENTIAL_H

#include "conf.h"
#include "crypto.h"

#define CREDENTIAL_SHOWN_CHARS	8	/* random characters in the prefix */
#define CREDENTIAL_TOKEN_PREFIX	"dladm_"	/* admin tokens */

struct credential {
	char	id[CRYPTO_UUID_LEN + 1];
	char	secret[CONF_KEY_PREFIX_MAX + CRYPTO_SECRET_CHARS + 1];
	char	hash[CRYPTO_SHA256_HEX_LEN + 1];
	char	prefix[CONF_KEY_PREFIX_MAX + CREDENTIAL_SHOWN_CHARS + 1];
};

/* Fill OUT: c with a fresh credential. Returns 0, or -1 without randomness. */
int	credential_new(const char *prefix, struct credential *c);

/* Overwrite the secret in c. */
void	credential_wipe(struct credential *c);

#endif
