/* SPDX-License-Identifier: MIT
 * Checks shared by the Registry and Ingest services: codes, dates, enums,
 * duplicate keys inside a batch, the payload hash and respondent
 * pseudonyms.
 */
#ifndef TD_VALIDATE_H
#define TD_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "rpc/rpc.h"

/* validate_code: the code rule of common.h (1..COMMON_CODE_MAX bytes, no
 * control characters or surrounding spaces). On failure adds a detail for
 * record rec, field, and returns false. What names the thing ("school code").
 */
bool validate_code(rpc_call *call, int64_t rec, const char *field,
                   const char *value);
/* validate_date: common_date_parse (YYYY-MM-DD naming a real day in
 * COMMON_YEAR_MIN..COMMON_YEAR_MAX) with a detail when it fails. *days
 * gets days since 1970-01-01 (may be NULL). */
bool validate_date(rpc_call *call, int64_t rec, const char *field,
                   const char *value, int32_t *days);
/* validate_enum: value is one of the NULL-terminated list. */
bool validate_enum(rpc_call *call, int64_t rec, const char *field,
                   const char *value, const char *const *allowed);
/* validate_value: a measure's value within its unit's range: proportion
 * 0..1, percent 0..100, count a non-negative integer, rate >= 0; any unit
 * at most VALIDATE_VALUE_MAX in magnitude. The detail names the rule. */
#define VALIDATE_VALUE_MAX 1e9
bool validate_value(rpc_call *call, int64_t rec, const char *field,
                    const char *unit, double value);
/* validate_horizon: a date no later than the server's horizon
 * (--horizon-days) after today: data about the future is a typo. */
bool validate_horizon(rpc_call *call, int64_t rec, const char *field,
                      const char *value, int32_t days);

/* A set of byte-string keys remembering the record that added each, for
 * "duplicate in this batch (also record k)". */
typedef struct keyset keyset;
keyset               *keyset_create(size_t expected);
void                  keyset_destroy(keyset *k);
/* keyset_add returns -1 when key is new, else the record that had it. */
int64_t keyset_add(keyset *k, const void *key, size_t len, int64_t rec);

/* payload_sha256 hashes the request's bytes as sent. */
void payload_sha256(const rpc_call *call, unsigned char out[32]);

/* pseudonym: HMAC-SHA256(key, district "\0" respondent), first 16 bytes.
 * Returns false when the server has no key configured. */
#define PSEUDONYM_LEN 16
bool pseudonym(const td_config *cfg, const char *district,
               const char *respondent, unsigned char out[PSEUDONYM_LEN]);

#endif /* TD_VALIDATE_H */
