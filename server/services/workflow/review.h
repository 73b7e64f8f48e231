/* SPDX-License-Identifier: MIT
 * Review and approval (review.c): the period-lock check the outcomes ingest
 * runs before it stores anything.
 */
#ifndef TD_REVIEW_H
#define TD_REVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rpc/rpc.h"

/* review_outcome_locks refuses a batch whose records fall in an approved
 * (locked) month: one detail per locked record naming the lock, and
 * FAILED_PRECONDITION. Returns TD_CODE_OK when nothing is locked. */
int review_outcome_locks(rpc_call *call, size_t n, const int64_t *measure_ids,
                         const int64_t     *school_ids,
                         const char *const *period_starts);
/* review_survey_locks does the same for n responses of survey (school
 * ids, administered_on dates) against its approved administration
 * windows. */
int review_survey_locks(rpc_call *call, const char *survey, size_t n,
                        const int64_t *school_ids, const char *const *dates);

#endif /* TD_REVIEW_H */
