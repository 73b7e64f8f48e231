/* SPDX-License-Identifier: MIT
 * digest: the hashes the services need (libcrypto): SHA-256 of a request's
 * bytes for idempotent retries, HMAC-SHA256 pseudonyms of respondents.
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "digest.h"

void
payload_sha256(const rpc_call *call, unsigned char out[32])
{
	SHA256(call->payload ? call->payload : (const uint8_t *) "",
	       call->payload_len, out);
}

bool
pseudonym(const td_config *cfg, const char *district, const char *respondent,
          unsigned char out[PSEUDONYM_LEN])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int  len = 0;
	char          msg[2 * TD_MAX_STRING + 2];
	size_t        dl = strlen(district), rl = strlen(respondent);
	if (cfg->hmac_key == NULL || cfg->hmac_key_len == 0
	    || dl + rl + 1 > sizeof(msg)) {
		return false;
	}
	/* district NUL respondent: the same id in two districts is two
	 * students. */
	memcpy(msg, district, dl + 1);
	memcpy(msg + dl + 1, respondent, rl);
	if (HMAC(EVP_sha256(), cfg->hmac_key, (int) cfg->hmac_key_len,
	         (const unsigned char *) msg, dl + 1 + rl, mac, &len)
	        == NULL
	    || len < PSEUDONYM_LEN) {
		return false;
	}
	memcpy(out, mac, PSEUDONYM_LEN);
	return true;
}
