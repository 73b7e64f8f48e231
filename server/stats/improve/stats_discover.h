/* SPDX-License-Identifier: MIT
 * Positive Deviance Inquiry, "discover": one rubric criterion's scores in
 * the positive deviants' schools against those of the other schools. Mean,
 * SD and n per side; the difference with its Welch 95% interval (as R's
 * t.test(x, y)); Hedges' g with its interval (as stats_compare, so the
 * same g is reported everywhere); suppression of a side under min_n.
 */
#ifndef TANDEM_STATS_DISCOVER_H
#define TANDEM_STATS_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>

#include <tandem/errors.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct stats_contrast {
	size_t n1, n2; /* values present (NaN skipped) */
	/* A side with fewer than min_n values: nothing below is set. */
	bool   suppressed;
	double mean1, mean2;
	bool   has_sd; /* both sides have n >= 2 */
	double sd1, sd2;
	/* diff = mean1 - mean2 with Welch's t, df, two-sided p and the 95%
	 * interval diff -+ qt(0.975, df) * se; needs n >= 2 on both sides
	 * and a non-zero standard error. */
	bool   has_welch;
	double diff, diff_lower, diff_upper, t, df, p;
	/* Hedges' g = J d, J = 1 - 3/(4m - 1), m = n1 + n2 - 2, interval
	 * g -+ 1.96 sqrt(1/n1 + 1/n2 + g^2/(2(n1 + n2))); needs a non-zero
	 * pooled SD. */
	bool   has_g;
	double g, g_lower, g_upper;
} stats_contrast;

/* stats_contrast_values compares x (n1 values, the deviants) with y (n2
 * values, the rest); NaN values are missing. min_n = 0 suppresses
 * nothing. Errors: TD_EINVAL (NULL with a non-zero count), TD_ENOMEM. An
 * undefined statistic is not an error: its has_ flag stays false. */
int stats_contrast_values(const double *x, size_t n1, const double *y,
                          size_t n2, size_t min_n, stats_contrast *out,
                          char *errmsg) __attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_STATS_DISCOVER_H */
