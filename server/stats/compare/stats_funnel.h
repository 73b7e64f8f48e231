/* SPDX-License-Identifier: MIT
 * Funnel plots (Spiegelhalter 2005) for comparing units of very different
 * sizes on one period: a pooled target, 95% and 99.8% limits by n, and
 * overdispersion from winsorised z-scores, both multiplicative (phi) and
 * additive (tau2), as ANALYSES.md defines them.
 */
#ifndef TANDEM_STATS_FUNNEL_H
#define TANDEM_STATS_FUNNEL_H

#include <stdbool.h>
#include <stddef.h>

#include <tandem/errors.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Two-sided normal quantiles of the funnel's limits, as written in
 * ANALYSES.md (qnorm(0.975), qnorm(0.999)). */
#define STATS_FUNNEL_Z95  1.959964
#define STATS_FUNNEL_Z998 3.090232

typedef struct stats_funnel_unit {
	bool   used; /* false: a missing value, nothing else set */
	double s2; /* sampling variance about the target */
	double z; /* (y - target) / s */
	double z_adjusted; /* (y - target) / sqrt(s2 + tau2) */
	/* Additive limits target -+ z_a sqrt(s2 + tau2) */
	double lo95, hi95, lo998, hi998;
	/* Multiplicative limits target -+ z_a sqrt(phi s2) */
	double mlo95, mhi95, mlo998, mhi998;
	bool   outside95, outside998; /* beyond the additive limits */
} stats_funnel_unit;

typedef struct stats_funnel_result {
	size_t             k; /* units used */
	double             target;
	double             phi; /* mean of the winsorised z^2 */
	double             tau2; /* additive overdispersion, >= 0 */
	double             z_lo, z_hi; /* the winsorising bounds */
	stats_funnel_unit *units; /* owned, n long */
} stats_funnel_result;

/* stats_funnel: units i = 0..n-1 with value y[i] over n[i] people.
 * Proportions (v == NULL): y in 0..1, target sum(y n) / sum(n), s2 =
 * target (1 - target) / n. Scale scores: v[i] is the sampling variance of
 * y[i], the target is the mean weighted by 1/v and s2 = v. NaN in y, n or
 * v marks a unit missing. The winsorising bounds are the 10th and 90th
 * percentiles of z (R's quantile type 7). Errors: TD_EINVAL (bad input),
 * TD_ETOOFEW (fewer than 3 units), TD_EZEROVAR (the target is 0 or 1, or
 * a variance is 0), TD_ENOMEM. The caller frees with
 * stats_funnel_result_free. */
int stats_funnel(const double *y, const double *n, const double *v,
                 size_t units, stats_funnel_result *out, char *errmsg)
    __attribute__((warn_unused_result));

void stats_funnel_result_free(stats_funnel_result *r);

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_STATS_FUNNEL_H */
