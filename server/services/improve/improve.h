/* SPDX-License-Identifier: MIT
 * What the Improvement service's files share: who may read a school's
 * improvement records, status resets after an inner analysis call, and
 * the hook that lets run and control charts split at a PDSA cycle.
 */
#ifndef TD_IMPROVE_H
#define TD_IMPROVE_H

#include <stdbool.h>
#include <stddef.h>

#include "services/analysis/analysis.h"
#include "rpc/rpc.h"

/* improve_may_read: may the caller read records of school (code "" = the
 * network) in district? Admin, council and evaluator read everything; a
 * district client its district's schools and the network's; a school
 * client its own school and the network's. */
bool improve_may_read(const rpc_call *call, const char *school,
                      const char *district);

/* improve_academic_year reads an academic year, "2024-25" (or "2024"
 * for the one starting then), into the calendar year it starts in. The
 * one parser of academic years: the CLI passes them through. */
bool improve_academic_year(const char *s, int *y);

/* improve_clear_status forgets a failure of an inner call (its message
 * and details), so the outer method can report it as a note instead. */
void improve_clear_status(rpc_call *call);

/* improve_cycle_split: the index of the point of series s (of grain 'w',
 * 'm', 't' or 'y') whose period holds the start of PDSA cycle code (the
 * cycle of s's school when the code is shared, else its earliest start).
 * On failure sets the call's status (NOT_FOUND for an unknown or
 * unreadable cycle, INVALID_ARGUMENT when the start is outside the
 * series) and returns -1. */
long improve_cycle_split(rpc_call *call, char grain, const series *s,
                         const char *code);

/* improve_start_index: among n period starts (ascending), the index of
 * the first period at or after the one of grain that holds date; n when
 * the date is past them all, 0 when it is before them all. On a store
 * failure sets the call's status and returns false. */
bool improve_start_index(rpc_call *call, char grain, const char *const *starts,
                         size_t n, const char *date, size_t *k);

#endif /* TD_IMPROVE_H */
