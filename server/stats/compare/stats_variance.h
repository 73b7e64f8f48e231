/* SPDX-License-Identifier: MIT
 * Variance components of a measure across units (students within schools):
 * one-way random-effects ANOVA and ICC(1), from raw values or from the
 * group summaries (mean, SD, n) the server's rollups hold.
 */
#ifndef TANDEM_STATS_VARIANCE_H
#define TANDEM_STATS_VARIANCE_H

#include <stdbool.h>
#include <stddef.h>

#include <tandem/errors.h>

#include "stats_compare.h" /* stats_group_summary */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct stats_icc1_result {
	size_t k; /* groups with at least one value */
	size_t n_total; /* N: values in those groups */
	double ss_between, ss_within;
	double df_between, df_within; /* k - 1, N - k */
	double msb, msw;
	double n0; /* (N - sum n_i^2 / N) / (k - 1) */
	/* ICC(1) = (MSB - MSW) / (MSB + (n0 - 1) MSW), reported as is (it
	 * is negative when groups differ less than chance would make them)
	 * and floored at 0 in icc_truncated. */
	double icc;
	double icc_truncated;
	/* F = MSB / MSW with its upper-tail p; only when MSW > 0. */
	bool   has_f;
	double f, p;
} stats_icc1_result;

/* stats_icc1 computes ICC(1) from n_groups group summaries; groups with
 * n == 0 are skipped. Errors: TD_EINVAL (bad summary), TD_ETOOFEW (fewer
 * than 2 groups, or no group with 2 or more values), TD_EZEROVAR (no
 * variance at all: every value equal). */
int stats_icc1(const stats_group_summary *groups, size_t n_groups,
               stats_icc1_result *out, char *errmsg)
    __attribute__((warn_unused_result));

/* stats_icc1_values is stats_icc1 on raw values: values[i] belongs to
 * group[i] (0 .. n_groups - 1); NaN values are missing and skipped. */
int stats_icc1_values(const double *values, const size_t *group,
                      size_t n_values, size_t n_groups, stats_icc1_result *out,
                      char *errmsg) __attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_STATS_VARIANCE_H */
