/* SPDX-License-Identifier: MIT
 * What the events need from the database beyond the analyses: the state
 * behind deviant.new (which schools were already published as positive
 * deviants) and a PDSA cycle's status before a batch changes it.
 */
#ifndef TD_STORE_EVENTS_H
#define TD_STORE_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* store_deviants_update makes schools[0..n) the deviants of (measure,
 * period): those not there before are added and marked in fresh[i], those
 * there before and not in schools are removed. One statement, so of two
 * workers racing only one sees a school as fresh. */
int store_deviants_update(store *s, const char *measure, const char *period,
                          const char *const *schools, size_t n, bool *fresh)
    __attribute__((warn_unused_result));

/* store_pdsa_status writes the status of cycle code at school_id (0 = the
 * network) into status (cap bytes), "" when there is no such cycle. */
int store_pdsa_status(store *s, const char *code, int64_t school_id,
                      char *status, size_t cap)
    __attribute__((warn_unused_result));

#endif /* TD_STORE_EVENTS_H */
