/* SPDX-License-Identifier: MIT
 * Return on investment of an activity for one measure: its ingredients cost
 * (stats_cost.h), its impact (stats_did.h) and the cost-effectiveness ratios
 * with a school bootstrap, a sensitivity table and a ranking across
 * activities.
 */
#ifndef TANDEM_STATS_ROI_H
#define TANDEM_STATS_ROI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tandem/errors.h>

#include "stats_cost.h"
#include "stats_did.h"

#ifdef __cplusplus
extern "C" {
#endif

#define STATS_ROI_DEFAULT_SEED   20261122u
#define STATS_ROI_DEFAULT_N_BOOT 2000
#define STATS_ROI_MAX_N_BOOT     1000000

/* Sensitivity grid: costs x0.8, x1.0, x1.2 by discount rate 0%..7%. */
#define STATS_ROI_SENS_NCOST 3
#define STATS_ROI_SENS_NRATE 8

/* One activity for one measure. Everything is borrowed for the call. */
typedef struct stats_roi_activity {
	const char            *name; /* for messages; may be NULL */
	const stats_cost_item *items;
	size_t                 n_items;
	/* Price index, base year, discount rate and year, counts.
	 * cost.n_students must be known and > 0. */
	stats_cost_options      cost;
	const stats_did_school *schools;
	size_t                  n_schools;
	stats_did_options       did;
} stats_roi_activity;

typedef struct stats_roi_options {
	size_t n_boot; /* bootstrap replicates; 0 = no bootstrap */
	/* gsl_rng_mt19937 seed. GSL maps seed 0 to 4357, so 0 and 4357
	 * give the same resamples. */
	uint32_t seed;
} stats_roi_options;

typedef struct stats_roi_sens_cell {
	double cost_multiplier; /* 0.8, 1.0 or 1.2 */
	double discount_rate; /* 0.00 .. 0.07 */
	double cost_per_student; /* present value x multiplier / students */
	bool   has_effect_per_1000;
	double effect_per_1000;
	bool   has_cost_per_sd;
	double cost_per_sd;
} stats_roi_sens_cell;

typedef struct stats_roi_result {
	stats_cost_result cost; /* owns its years array */
	stats_did_result  did;

	double cost_per_student; /* cost.total_pv / students */
	double g; /* = did.g, the effect in SD units */

	/* The ratios are withheld when the DiD's headline 95% interval
	 * (did.ci_lo .. did.ci_hi, closed) contains 0: a ratio over an
	 * effect that may be nothing is meaningless. */
	bool   effect_ci_includes_zero;
	bool   has_effect_per_1000;
	double effect_per_1000; /* g per $1,000 per student */
	bool   has_cost_per_sd; /* also false when g < 0 (harm) */
	double cost_per_sd; /* dollars per student per 1 SD */
	char   ratio_reason[TD_ERRMSG_MAX]; /* why a ratio is missing */

	/* Percentile bootstrap (R quantile type 7) over resamples of schools
	 * with replacement, within the treated and the comparison group. */
	bool     has_boot;
	char     boot_reason[TD_ERRMSG_MAX];
	uint32_t seed;
	size_t   n_boot;
	size_t   n_boot_valid; /* resamples whose pooled pre SD was > 0 */
	double   boot_g_lo;
	double   boot_g_hi;
	bool     has_boot_effect_per_1000; /* follows has_effect_per_1000 */
	double   boot_effect_per_1000_lo;
	double   boot_effect_per_1000_hi;

	/* sens[i][j]: cost multiplier i (0.8, 1.0, 1.2), rate j percent. */
	stats_roi_sens_cell sens[STATS_ROI_SENS_NCOST][STATS_ROI_SENS_NRATE];
} stats_roi_result;

/* stats_roi_options_init: 2000 replicates, seed 20261122. */
void stats_roi_options_init(stats_roi_options *opt);

/* stats_roi_compute runs cost, impact, ratios, bootstrap and sensitivity
 * for one activity. opt may be NULL (defaults). On success *out owns memory
 * that stats_roi_result_free releases; on failure it owns nothing. errmsg
 * (TD_ERRMSG_MAX bytes, may be NULL) starts with the activity name.
 * Errors: those of stats_cost_compute and stats_did_compute; TD_EINVAL when
 * the student count is unknown or 0, or n_boot is too large; TD_ERANGE when
 * the total cost is 0; TD_ENOMEM. */
int stats_roi_compute(const stats_roi_activity *act,
                      const stats_roi_options *opt, stats_roi_result *out,
                      char *errmsg) __attribute__((warn_unused_result));

/* stats_roi_set_effect replaces the effect r's ratios are built on (g in
 * SD units, and whether its 95% interval includes 0) with one estimated
 * elsewhere (the staggered-adoption ATT over its pre SD): the ratios and
 * the sensitivity table follow it under the same rules; the bootstrap,
 * which resampled the DiD, is dropped with why_no_boot as its reason. */
void stats_roi_set_effect(stats_roi_result *r, double g, bool ci_has_zero,
                          const char *why_no_boot);

/* stats_roi_result_free releases what *r owns and zeroes it; NULL is
 * accepted. */
void stats_roi_result_free(stats_roi_result *r);

/* stats_roi_rank orders n activities' results for one measure: highest
 * effect per $1,000 first, those without the ratio last, ties in input
 * order. order (n entries, caller-owned) receives indices into results. */
int stats_roi_rank(const stats_roi_result *results, size_t n, size_t *order)
    __attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_STATS_ROI_H */
