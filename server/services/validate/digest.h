/* SPDX-License-Identifier: MIT
 * digest: request hashes and respondent pseudonyms (see digest.c).
 */
#ifndef TD_DIGEST_H
#define TD_DIGEST_H

#include <stdbool.h>

#include "config.h"
#include "rpc/rpc.h"

/* payload_sha256 hashes the request's bytes as sent. */
void payload_sha256(const rpc_call *call, unsigned char out[32]);

/* pseudonym: HMAC-SHA256(key, district "\0" respondent), first 16 bytes.
 * Returns false when the server has no key configured. */
#define PSEUDONYM_LEN 16
bool pseudonym(const td_config *cfg, const char *district,
               const char *respondent, unsigned char out[PSEUDONYM_LEN]);

#endif /* TD_DIGEST_H */
