/* Generation of API keys and admin tokens; see credential.h. */
#include "config.h"

#include <string.h>

#include <openssl/crypto.h>

#include "credential.h"

int
credential_new(const char *prefix, struct credential *c)
{
	size_t	plen = strlen(prefix);

	memset(c, 0, sizeof(*c));
	if (plen > CONF_KEY_PREFIX_MAX)
		return -1;
	if (crypto_uuid_v4(c->id) == -1 ||
	    crypto_secret(prefix, c->secret, sizeof(c->secret)) == -1 ||
	    crypto_sha256_hex(c->secret, strlen(c->secret), c->hash) == -1) {
		credential_wipe(c);
		return -1;
	}
	memcpy(c->prefix, c->secret, plen + CREDENTIAL_SHOWN_CHARS);
	c->prefix[plen + CREDENTIAL_SHOWN_CHARS] = '\0';
	return 0;
}

void
credential_wipe(struct credential *c)
{
	OPENSSL_cleanse(c->secret, sizeof(c->secret));
}
