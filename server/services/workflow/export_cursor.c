/* SPDX-License-Identifier: MIT
 * Export cursors: version byte, then each key as a 2-byte big-endian
 * length and its bytes, then HMAC-SHA256 over the fingerprint and all of
 * that. The MAC key is derived from the server's pseudonym key (so every
 * tandemd of a network accepts every other's cursors), or, when the
 * server has none, random per process.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "export.h"

#define CURSOR_VERSION 1
#define MAC_LEN        32
/* Domain separation: the cursor key is not the pseudonym key itself. */
#define CURSOR_LABEL "tandem export cursor v1"

static unsigned char  random_key[32];
static pthread_once_t random_once = PTHREAD_ONCE_INIT;
static bool           random_ok;

static void
random_init(void)
{
	random_ok = RAND_bytes(random_key, sizeof(random_key)) == 1;
}

static bool
cursor_key(const td_config *cfg, unsigned char key[32])
{
	unsigned int len = 0;
	if (cfg->hmac_key != NULL && cfg->hmac_key_len > 0) {
		return HMAC(EVP_sha256(), cfg->hmac_key,
		            (int) cfg->hmac_key_len,
		            (const unsigned char *) CURSOR_LABEL,
		            strlen(CURSOR_LABEL), key, &len)
		    != NULL
		    && len == 32;
	}
	pthread_once(&random_once, random_init);
	memcpy(key, random_key, 32);
	return random_ok;
}

static bool
mac(const td_config *cfg, const char *fp, size_t fplen, const uint8_t *body,
    size_t len, unsigned char out[MAC_LEN])
{
	unsigned char  key[32];
	unsigned int   n   = 0;
	bool           ok  = false;
	unsigned char *msg = malloc(8 + fplen + len);
	if (msg == NULL || !cursor_key(cfg, key)) {
		free(msg);
		return false;
	}
	/* the fingerprint's length first, so fp and body cannot trade
	 * bytes */
	for (int i = 0; i < 8; i++) {
		msg[i] = (unsigned char) ((uint64_t) fplen >> (56 - 8 * i));
	}
	memcpy(msg + 8, fp, fplen);
	memcpy(msg + 8 + fplen, body, len);
	ok = HMAC(EVP_sha256(), key, 32, msg, 8 + fplen + len, out, &n) != NULL
	    && n == MAC_LEN;
	OPENSSL_cleanse(key, sizeof(key));
	free(msg);
	return ok;
}

bool
export_cursor_make(const td_config *cfg, const char *fp, size_t fplen,
                   const char *const *keys, size_t nkeys, rpc_arena *a,
                   uint8_t **out, size_t *outlen)
{
	size_t len = 1 + MAC_LEN;
	for (size_t i = 0; i < nkeys; i++) {
		size_t kl = strlen(keys[i]);
		if (kl > 0xffff) {
			return false;
		}
		len += 2 + kl;
	}
	if (len > EXPORT_CURSOR_MAX) {
		return false;
	}
	uint8_t *b = rpc_arena_alloc(a, len);
	if (b == NULL) {
		return false;
	}
	size_t p = 0;
	b[p++]   = CURSOR_VERSION;
	for (size_t i = 0; i < nkeys; i++) {
		size_t kl = strlen(keys[i]);
		b[p++]    = (uint8_t) (kl >> 8);
		b[p++]    = (uint8_t) kl;
		memcpy(b + p, keys[i], kl);
		p += kl;
	}
	if (!mac(cfg, fp, fplen, b, p, b + p)) {
		return false;
	}
	*out    = b;
	*outlen = p + MAC_LEN;
	return true;
}

bool
export_cursor_read(const td_config *cfg, const char *fp, size_t fplen,
                   const uint8_t *cur, size_t len, size_t nkeys, rpc_arena *a,
                   char **keys)
{
	unsigned char want[MAC_LEN];
	if (len < 1 + MAC_LEN || len > EXPORT_CURSOR_MAX
	    || cur[0] != CURSOR_VERSION) {
		return false;
	}
	size_t body = len - MAC_LEN;
	/* check the signature before reading anything inside */
	if (!mac(cfg, fp, fplen, cur, body, want)
	    || CRYPTO_memcmp(want, cur + body, MAC_LEN) != 0) {
		return false;
	}
	size_t p = 1;
	for (size_t i = 0; i < nkeys; i++) {
		if (p + 2 > body) {
			return false;
		}
		size_t kl = ((size_t) cur[p] << 8) | cur[p + 1];
		p += 2;
		if (p + kl > body || memchr(cur + p, '\0', kl) != NULL
		    || (keys[i] = rpc_arena_alloc(a, kl + 1)) == NULL) {
			return false;
		}
		memcpy(keys[i], cur + p, kl);
		p += kl;
	}
	return p == body;
}
