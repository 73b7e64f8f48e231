/* SPDX-License-Identifier: MIT
 * Xbar and S charts of subgroups (a survey construct's respondents of one
 * period), as qicharts2's qic.xbar and qic.s: limits that follow each
 * subgroup's size through the unbiasing constants c4, A3, B3, B4.
 */
#ifndef TANDEM_STATS_XBAR_H
#define TANDEM_STATS_XBAR_H

#include <stdbool.h>
#include <stddef.h>

#include <tandem/errors.h>

#include "stats_runchart.h"

#ifdef __cplusplus
extern "C" {
#endif

/* c4(n) = sqrt(2 / (n - 1)) Gamma(n / 2) / Gamma((n - 1) / 2), n >= 2. */
double stats_c4(double n);

typedef struct stats_xbar_result {
	size_t n; /* points */
	double cl; /* xbar: the n-weighted mean of the means; s: s-bar */
	double s_bar; /* sqrt(sum (n - 1) s^2 / sum (n - 1)) */
	size_t n_baseline; /* subgroups the centre and s-bar came from */
	/* Per point, owned: the charted value (mean, or SD), limits, and
	 * whether it has them (a subgroup of one has no SD). */
	double           *value, *lcl, *ucl;
	bool             *has_limits;
	stats_point_pos  *pos;
	unsigned         *signals; /* STATS_SIG_* */
	stats_run_summary runs;
} stats_xbar_result;

/* stats_xbar_s: subgroup i has mean[i], sd[i] and size[i] (NaN or a size
 * below 1 = no subgroup). s_chart chooses the S chart (values sd, CL
 * s-bar, limits B3 s-bar and B4 s-bar) over the Xbar chart (values mean,
 * CL the n-weighted mean, limits CL -+ A3 s-bar). baseline > 0 takes the
 * centre and s-bar from the first baseline points. Points beyond a limit
 * are STATS_SIG_OUTSIDE; the run rules of rules apply around the centre.
 * Errors: TD_EINVAL, TD_ETOOFEW (no subgroup of two or more in the
 * baseline), TD_ENOMEM. Free with stats_xbar_result_free. */
int stats_xbar_s(const double *mean, const double *sd, const double *size,
                 size_t n, bool s_chart, size_t baseline, stats_rules rules,
                 stats_xbar_result *out, char *errmsg)
    __attribute__((warn_unused_result));

void stats_xbar_result_free(stats_xbar_result *r);

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_STATS_XBAR_H */
