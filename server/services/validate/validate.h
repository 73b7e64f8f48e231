/* SPDX-License-Identifier: MIT
 * Checks shared by the Registry and Ingest services: codes, dates, enums
 * (here), duplicate keys inside a batch (keyset.h), the payload hash and
 * respondent pseudonyms (digest.h).
 */
#ifndef TD_VALIDATE_H
#define TD_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "digest.h"
#include "keyset.h"
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

#endif /* TD_VALIDATE_H */
