/* SPDX-License-Identifier: MIT
 * The store's side of results kept per school (the MDC icon matrix:
 * analysis_icons.c): which schools' outcomes of a measure changed since a
 * snapshot of the change logs, and the school months of named schools.
 */
#ifndef TD_STORE_ICONS_H
#define TD_STORE_ICONS_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"
#include "store_analysis.h"

/* What changed in an outcome measure's school months since a snapshot of
 * the change log (sql/022_outcome_changes.sql). */
typedef struct store_school_change {
	char   snapshot[256]; /* the log's snapshot now: pass it next time */
	bool   all; /* read every school again (or no snapshot was given) */
	char **codes; /* else these n schools (one malloc'd block, or NULL) */
	size_t n;
} store_school_change;

/* store_school_changes reads which schools' outcomes of measure were
 * written by transactions the snapshot since (NULL: none) did not see,
 * and the snapshot to pass next time; all is set as well when a write
 * changed what the registry's codes mean (the lattice's log of sql/021
 * names every measure) or the log was pruned past since. Read it before
 * the data. The caller frees out->codes with free(). */
int store_school_changes(store *s, const char *measure, const char *since,
                         store_school_change *out)
    __attribute__((warn_unused_result));

/* store_school_months reads what store_series reads for q (an outcome
 * measure's schools by month; q->unit and q->approved_only not looked
 * at) for the n schools codes only, rows in (code, period) order, memory
 * from alloc as store_series. */
int store_school_months(store *s, const store_series_query *q,
                        const char *const *codes, size_t n, store_alloc alloc,
                        void *ctx, store_point **out, size_t *n_out)
    __attribute__((warn_unused_result));

#endif /* TD_STORE_ICONS_H */
