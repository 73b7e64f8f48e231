/* SPDX-License-Identifier: MIT
 * Positive deviance ("beating the odds"): weighted regression of each
 * unit's outcome on its context, studentized and empirical-Bayes shrunken
 * residuals, flags, and how often a unit was flagged over recent periods.
 */
#ifndef TANDEM_STATS_PDEV_H
#define TANDEM_STATS_PDEV_H

#include <stdbool.h>
#include <stddef.h>

#include <tandem/errors.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum stats_direction {
	STATS_HIGHER_IS_BETTER = 0,
	STATS_LOWER_IS_BETTER  = 1, /* residuals are flipped for flagging */
} stats_direction;

typedef struct stats_pdev_options {
	double threshold; /* studentized residual to beat; default 1.645 */
	double min_n; /* units with n < min_n are never flagged; 0 */
	stats_direction direction; /* default STATS_HIGHER_IS_BETTER */
	double          level; /* prediction interval level; default 0.95 */
	/* Pooled within-unit (per-person) variance of the outcome, used for
	 * every unit when the per-unit within_var array is NULL. NaN by
	 * default. See stats_pdev for why it is needed. */
	double within_var;
	/* With no within-unit variance at all (a scale score submitted
	 * without SDs): use the fit's residual variance sigma2 for every
	 * unit, so v_i = sigma2 / n_i (ANALYSES.md's last resort). */
	bool within_from_residual;
} stats_pdev_options;

/* stats_pdev_options_init fills the defaults described above. */
void stats_pdev_options_init(stats_pdev_options *opt);

typedef struct stats_pdev_unit {
	bool   used; /* false: skipped for a missing value, nothing set */
	double actual, predicted, residual; /* residual = actual - predicted */
	double hat; /* weighted leverage h_i */
	/* Externally studentized (leave-one-out) residual; not available
	 * when h_i = 1 or when the fit leaves one residual df or fewer. */
	bool   has_studentized;
	double studentized;
	/* Prediction interval for a new observation of this unit's weight:
	 * predicted +- t(df) * sqrt(sigma2 / n_i + x' Cov(beta) x). */
	double pi_lower, pi_upper;
	double lambda; /* tau2 / (tau2 + v_i), v_i = within_var_i / n_i; 0 if
	                * tau2 = 0 */
	double shrunken; /* lambda * residual */
	bool   flagged;
} stats_pdev_unit;

typedef struct stats_pdev_result {
	size_t           n_coef; /* 1 + covariates; coef[0] is the intercept */
	double          *coef; /* owned */
	double          *se; /* owned */
	size_t           n_used; /* N: units in the fit */
	double           df; /* residual df, N - n_coef */
	double           sigma2; /* sum n_i e_i^2 / df (R's sigma(fit)^2) */
	double           r2; /* weighted R^2 as summary.lm reports it */
	double           tau2; /* between-unit residual variance, >= 0 */
	size_t           n_units;
	stats_pdev_unit *units; /* owned; n_units long */
	size_t           n_flagged;
} stats_pdev_result;

/* stats_pdev fits y = [1 x] beta by weighted least squares (weights n) over
 * n_units units with n_cov covariates each (x row-major, n_units x n_cov;
 * x may be NULL when n_cov == 0). A unit with NaN in y, n, x or within_var
 * is skipped; n must otherwise be > 0.
 *
 * Shrinkage needs the variance of the outcome among the people behind a
 * unit (within_var[i], e.g. SD^2 of the students' scores, or p(1 - p) for
 * a proportion): from the regression alone, sigma2 already absorbs the
 * between-unit variance and the moment estimate of tau2 would be 0 by
 * construction. within_var may be NULL, then opt->within_var is used.
 * With v_i = within_var_i / n_i the sampling variance of unit i's value,
 * tau2 is the DerSimonian-Laird estimate of the meta-regression of y on
 * [1 x] with known variances v_i (ANALYSES.md; metafor's rma(yi, vi,
 * mods, method = "DL")): weights w_i = 1/v_i, Q_E = sum w_i r_i^2 of that
 * fit, tau2 = max(0, (Q_E - (k - p)) / tr(P)); units with v_i = 0 are
 * left out of it. lambda_i = tau2 / (tau2 + v_i).
 * A unit is flagged when (flipped for STATS_LOWER_IS_BETTER) studentized >
 * threshold, shrunken > 0 and n_i >= min_n.
 *
 * The result's arrays are owned by the caller after success and freed
 * with stats_pdev_result_free; on failure nothing is left to free.
 * Errors: TD_EINVAL (bad input or option), TD_ESINGULAR (N <= number of
 * coefficients, or a covariate collinear with the intercept and earlier
 * covariates), TD_EZEROVAR (the covariates fit the outcome exactly),
 * TD_ENOMEM. */
int stats_pdev(const double *y, const double *n, const double *x,
               size_t n_units, size_t n_cov, const double *within_var,
               const stats_pdev_options *opt, stats_pdev_result *out,
               char *errmsg) __attribute__((warn_unused_result));

/* stats_pdev_result_free frees what the result owns; accepts NULL. */
void stats_pdev_result_free(stats_pdev_result *res);

/* Flag states for stats_pdev_persistence. */
#define STATS_PDEV_NOT_ASSESSED (-1)

/* stats_pdev_persistence counts, per unit, the periods flagged among the
 * last k of n_periods. flags is row-major n_units x n_periods, oldest
 * period first; each entry is 1 (flagged), 0 (not flagged) or
 * STATS_PDEV_NOT_ASSESSED (no result that period). counts[i] receives the
 * periods flagged and assessed[i] (may be NULL) the periods assessed, both
 * caller-owned and n_units long. Errors: TD_EINVAL (k == 0, k > n_periods,
 * an entry other than -1, 0, 1). */
int stats_pdev_persistence(const signed char *flags, size_t n_units,
                           size_t n_periods, size_t k, size_t *counts,
                           size_t *assessed, char *errmsg)
    __attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_STATS_PDEV_H */
