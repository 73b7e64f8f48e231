/* SPDX-License-Identifier: MIT
 * Impact with staggered adoption (Callaway & Sant'Anna 2021, no
 * covariates): group-time ATT(g,t) with a universal base period g-1,
 * never-treated or not-yet-treated controls, the overall ATT and the event
 * study, standard errors from influence functions clustered by school; and
 * the two-way fixed-effects estimate beside them (ANALYSES.md).
 */
#ifndef TANDEM_STATS_STAGGERED_H
#define TANDEM_STATS_STAGGERED_H

#include <stdbool.h>
#include <stddef.h>

#include <tandem/errors.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A school's cohort: the index of its first treated period, or this. */
#define STATS_CS_NEVER (-1)

typedef enum stats_cs_control {
	STATS_CS_CONTROL_NEVER  = 0, /* never-treated schools */
	STATS_CS_CONTROL_NOTYET = 1, /* and schools first treated after
	                              * max(t, g - 1) */
} stats_cs_control;

typedef struct stats_cs_estimate {
	bool   ok; /* false: no treated or no control school with data */
	double est, se, lo, hi; /* 95% normal interval */
} stats_cs_estimate;

typedef struct stats_cs_gt {
	int               g, t; /* cohort and period indexes */
	size_t            n_treated, n_control;
	stats_cs_estimate att;
} stats_cs_gt;

typedef struct stats_cs_event {
	int               e; /* t - g; -1 is the base and not reported */
	stats_cs_estimate theta;
} stats_cs_event;

typedef struct stats_cs_result {
	size_t            n_units, n_periods;
	size_t            n_cohorts; /* treated cohorts with a base period */
	size_t            n_never;
	size_t            n_gt;
	stats_cs_gt      *gt; /* owned */
	stats_cs_estimate overall; /* over t >= g, weights n_g */
	size_t            n_event;
	stats_cs_event   *event; /* owned, e = -(T-1) .. T-1 without -1 */
	/* Y ~ D + school + period by OLS, SE clustered by school (CR1 as
	 * sandwich's vcovCL type "HC1" on the dummy-variable fit). */
	stats_cs_estimate twfe;
} stats_cs_result;

/* stats_cs: y holds n_units rows of n_periods values (row-major, NaN =
 * missing); cohort[i] is the index of unit i's first treated period, or
 * STATS_CS_NEVER. Units treated from period 0 have no base period and
 * are left out of everything. Errors: TD_EINVAL (bad input), TD_ETOOFEW
 * (no treated cohort with a base period, or no control units),
 * TD_ENOMEM. Free with stats_cs_result_free. */
int stats_cs(const double *y, const int *cohort, size_t n_units,
             size_t n_periods, stats_cs_control control, stats_cs_result *out,
             char *errmsg) __attribute__((warn_unused_result));

void stats_cs_result_free(stats_cs_result *r);

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_STATS_STAGGERED_H */
