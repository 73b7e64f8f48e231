/* SPDX-License-Identifier: MIT
 * Impact of an activity on a measure: difference-in-differences between
 * participating and comparison schools over a pre and a post period, the
 * effect as Hedges' g over the pre-period SD, and dose-response on hours.
 */
#ifndef TANDEM_STATS_DID_H
#define TANDEM_STATS_DID_H

#include <stdbool.h>
#include <stddef.h>

#include <tandem/errors.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One school, as the rollups give it. pre and post are the school's mean
 * outcome in the two periods; NaN means missing, and a school missing
 * either is left out of every statistic (counted in n_skipped), so all
 * results describe the same balanced panel. weight (e.g. students) is read
 * only with use_weights and must then be > 0 (NaN = missing, skipped).
 * hours is the participation dose of a treated school (NaN = unknown,
 * left out of the dose-response only); it is ignored for comparison
 * schools. */
typedef struct stats_did_school {
	bool   treated;
	double pre;
	double post;
	double weight;
	double hours;
} stats_did_school;

typedef enum stats_did_se {
	/* Welch test on the school change scores (post - pre): respects the
	 * pairing of a school's two periods and unequal group variances.
	 * The default. */
	STATS_DID_SE_CHANGE = 0,
	/* OLS on the stacked school x period rows, R's lm(y ~ treat*post):
	 * treats a school's pre and post as independent, which overstates
	 * the SE when they are positively correlated, and pools the four
	 * cells' variances. */
	STATS_DID_SE_OLS = 1,
} stats_did_se;

typedef struct stats_did_options {
	bool         use_weights; /* default false */
	stats_did_se se_method; /* default STATS_DID_SE_CHANGE */
} stats_did_options;

/* A t-based 95% inference for the DiD estimate. */
typedef struct stats_did_inference {
	bool   available; /* false when its SE is 0 (no spread to test) */
	double se;
	double df;
	double t;
	double p; /* two-sided */
	double ci_lo;
	double ci_hi;
} stats_did_inference;

typedef struct stats_did_dose {
	size_t n; /* treated schools with hours and both periods */
	double intercept;
	double slope; /* change in outcome per hour of participation */
	double se;
	double df; /* n - 2 */
	double ci_lo;
	double ci_hi;
} stats_did_dose;

typedef struct stats_did_result {
	size_t n_treated; /* schools with both periods */
	size_t n_comparison; /* schools with both periods */
	size_t n_skipped; /* schools missing pre, post or weight */

	/* Cell means (weighted when use_weights). */
	double mean_pre_treated;
	double mean_post_treated;
	double mean_pre_comparison;
	double mean_post_comparison;

	double       estimate; /* (T post - T pre) - (C post - C pre) */
	stats_did_se se_method;
	/* Headline inference: a copy of `change` or `ols`, per se_method. */
	double              se, df, ci_lo, ci_hi;
	stats_did_inference change; /* Welch on change scores */
	stats_did_inference ols; /* stacked lm(y ~ treat*post) */
	/* The stacked model's SE clustered by school, CR1 (sandwich's
	 * vcovCL type "HC1"), df = schools - 1. */
	stats_did_inference cluster;

	/* Standardised effect: Hedges' g = J * estimate / sd_pre_pooled,
	 * sd_pre_pooled the unweighted pooled within-group SD of the school
	 * pre-period means, J = exp(lgamma(m/2) - log(sqrt(m/2)) -
	 * lgamma((m-1)/2)), m = n_T + n_C - 2 (metafor's exact correction);
	 * v = 1/n_T + 1/n_C + g^2 / (2 (n_T + n_C)) (escalc "SMD", vtype
	 * "LS"); 95% interval g -/+ qnorm(0.975) sqrt(v). */
	double sd_pre_treated;
	double sd_pre_comparison;
	double sd_pre_pooled;
	double g_j;
	double g;
	double g_v;
	double g_ci_lo;
	double g_ci_hi;

	/* Dose-response among treated schools: OLS change ~ hours. */
	bool has_dose;
	char dose_reason[TD_ERRMSG_MAX]; /* why not, when !has_dose */
	stats_did_dose dose;
} stats_did_result;

/* stats_did_options_init: unweighted, Welch change-score SE. */
void stats_did_options_init(stats_did_options *opt);

/* stats_did_compute estimates the difference-in-differences of n schools.
 * opt may be NULL (defaults). The result owns nothing. errmsg
 * (TD_ERRMSG_MAX bytes, may be NULL) names the rule that failed.
 * Errors: TD_EINVAL (bad argument, weight <= 0, hours < 0),
 * TD_ETOOFEW (no pre period, no post period, fewer than 2 treated or 2
 * comparison schools with both periods), TD_EZEROVAR (pre-period SD is 0,
 * so g is undefined; or the headline SE is 0). */
int stats_did_compute(const stats_did_school *schools, size_t n,
                      const stats_did_options *opt, stats_did_result *out,
                      char *errmsg) __attribute__((warn_unused_result));

/* stats_did_usable says whether a school enters the panel: pre and post
 * known, and a weight known when use_weights. */
bool stats_did_usable(const stats_did_school *s, bool use_weights);

/* stats_did_effect: the estimate and g of an already-cleaned panel (every
 * school has pre and post, and a weight > 0 if use_weights), with no
 * inference. The bootstrap calls it on each resample so that replicates
 * and the point estimate share one code path. Returns TD_ETOOFEW when a
 * group has fewer than 2 schools, TD_EZEROVAR when the pooled pre SD is 0.
 */
int stats_did_effect(const stats_did_school *schools, size_t n,
                     bool use_weights, double *estimate, double *g)
    __attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_STATS_DID_H */
