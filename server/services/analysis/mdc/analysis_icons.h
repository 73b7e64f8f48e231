/* SPDX-License-Identifier: MIT
 * Inside the MDC icon matrix kept per school (analysis_icons.c): the kept
 * rows and sets with their cache (analysis_icons_set.c) and the patching
 * of a kept set after writes (analysis_icons_patch.c).
 */
#ifndef TD_ANALYSIS_ICONS_H
#define TD_ANALYSIS_ICONS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis_mdc.h"
#include "store/store_analysis.h"
#include "store/store_icons.h"

/* One school's kept result; immutable once made, shared by the sets of
 * successive data versions that did not change it. One block: the row,
 * then months, values, states and strings. */
typedef struct icon_row {
	_Atomic size_t        refs;
	const char           *unit;
	size_t                n; /* points */
	int32_t              *month; /* year * 12 + month - 1 */
	double               *raw; /* the point's value before suppression */
	uint8_t              *reason; /* STATS_DISC_* */
	size_t                n_primary, n_complementary;
	int                   rv; /* stats_mdc's return */
	Tandem__V1__MdcSeries row; /* strings into this block, or static */
	size_t                bytes;
} icon_row;

/* The rows of every school for one key, in code order, current while the
 * data version is the one it was computed under. */
typedef struct icon_set {
	char              *key;
	uint64_t           version;
	char               snapshot[256]; /* the outcome change log's */
	analysis_stamps    stamps; /* of the lattice the states came from */
	store_measure_meta meta;
	icon_row         **rows;
	size_t             n, bytes;
	size_t             refs; /* under analysis_icons_set.c's cache_mu */
	uint64_t           used;
	bool               cached;
} icon_set;

/* analysis_icons_set_new makes an empty set of room for cap rows, held
 * once by the caller; NULL when out of memory. */
icon_set *analysis_icons_set_new(const char *key, uint64_t version,
                                 const char *snapshot, size_t cap);
/* analysis_icons_set_add gives row r (held) to set S. */
void analysis_icons_set_add(icon_set *S, icon_row *r);
/* analysis_icons_set_free frees a set no one holds, and its rows' holds. */
void analysis_icons_set_free(icon_set *S);
/* analysis_icons_set_release lets go of the caller's hold (NULL: none). */
void analysis_icons_set_release(icon_set *S);
/* analysis_icons_cache_get gives the current set of key, or NULL and in
 * *base the stale one (NULL if none), both held for the caller. */
icon_set *analysis_icons_cache_get(const char *key, uint64_t version,
                                   icon_set **base);
/* analysis_icons_cache_put keeps S (held by the caller, who still
 * releases it) unless a newer one is kept already. */
void analysis_icons_cache_put(icon_set *S);

/* analysis_icons_month_of reads a school month's start YYYY-MM-01 as
 * year * 12 + month - 1; -1 when it is not one (then nothing is kept). */
int32_t analysis_icons_month_of(const char *p);
/* analysis_icons_row_new makes a school's row of n points (months, values
 * before suppression, states) and computes its answer row as
 * analysis_mdc does (analysis_mdc_row); NULL when out of memory. */
icon_row *analysis_icons_row_new(rpc_call *call, const series_spec *spec,
                                 const store_measure_meta     *meta,
                                 const Tandem__V1__MdcRequest *in,
                                 const char *unit, size_t n,
                                 const int32_t *month, const double *raw,
                                 const uint8_t *reason);
/* analysis_icons_row_of makes the row of a loaded series (points and
 * states); NULL when out of memory, and *bad when a period is not a
 * month start. */
icon_row *analysis_icons_row_of(rpc_call *call, const series_spec *spec,
                                const store_measure_meta     *meta,
                                const Tandem__V1__MdcRequest *in,
                                const series *s, bool *bad);
/* analysis_icons_oom fails the call as out of memory. */
int analysis_icons_oom(rpc_call *call);

/* analysis_icons_by_code orders school codes (char *) for qsort. */
int analysis_icons_by_code(const void *a, const void *b);
/* analysis_icons_patch builds on base: the changed schools ch (sorted by
 * code) read again, the states of the years the lattice decided again
 * walked again; NULL *out and OK when a walk kept meeting new writes
 * (the caller computes every school). */
int analysis_icons_patch(rpc_call *call, const Tandem__V1__MdcRequest *in,
                         const series_spec        *spec,
                         const store_measure_meta *meta, const icon_set *base,
                         const store_school_change *ch, uint64_t version,
                         icon_set **out);

#endif /* TD_ANALYSIS_ICONS_H */
