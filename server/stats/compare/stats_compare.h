/* SPDX-License-Identifier: MIT
 * Group comparison: per-group mean, SD and t interval; each group against
 * the rest of the network (or a named group) by Welch's t and Hedges' g;
 * one-way ANOVA across groups; the design effect for clustered samples.
 */
#ifndef TANDEM_STATS_COMPARE_H
#define TANDEM_STATS_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include <tandem/errors.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A group as the server's rollups hold it. sd is the sample SD (divisor
 * n - 1); it is ignored, and may be NaN, when n < 2. n == 0 is an empty
 * group: it is skipped. */
typedef struct stats_group_summary {
	double mean;
	double sd;
	size_t n;
} stats_group_summary;

/* stats_group_summarize reduces raw values to one summary per group.
 * values[i] belongs to group[i] (0 .. n_groups - 1); NaN values are missing
 * and skipped. out is caller-owned, n_groups long. */
int stats_group_summarize(const double *values, const size_t *group,
                          size_t n_values, size_t n_groups,
                          stats_group_summary *out, char *errmsg)
    __attribute__((warn_unused_result));

/* Reference for the per-group comparisons. */
#define STATS_COMPARE_VS_REST (-1)

typedef struct stats_compare_options {
	/* STATS_COMPARE_VS_REST (default): each group against all other
	 * groups pooled; otherwise the index of the reference group. */
	long reference;
	/* Groups with 0 < n < min_n are suppressed: not reported and left
	 * out of every other statistic too, so that no difference can
	 * reveal them. Default 0 (nothing suppressed). */
	size_t min_n;
	double level; /* confidence level of the group t intervals; 0.95 */
	/* Design effect 1 + (m - 1) * ICC, reported when both are given
	 * (not NaN). Defaults NaN. */
	double icc;
	double mean_cluster_size;
} stats_compare_options;

/* stats_compare_options_init fills the defaults described above. */
void stats_compare_options_init(stats_compare_options *opt);

typedef struct stats_compare_group {
	size_t n;
	bool   empty; /* n == 0: nothing else is set */
	bool   suppressed; /* 0 < n < min_n: nothing else is set */
	double mean;
	bool   has_sd; /* n >= 2 */
	double sd;
	bool   has_ci; /* n >= 2 */
	double ci_lower, ci_upper;

	/* This group against the reference (the rest, or the named group).
	 * has_comparison is false for the reference group itself and when
	 * the reference is empty. diff = mean - ref_mean. */
	bool   has_comparison;
	size_t ref_n;
	double ref_mean;
	double diff;
	/* Welch's t: needs n >= 2 on both sides and a non-zero SE. */
	bool   has_welch;
	double t, df, p; /* p two-sided */
	/* Cohen's d = diff / pooled SD and Hedges' g = J d with
	 * J = 1 - 3 / (4 m - 1), m = n1 + n2 - 2: needs m >= 1 and a
	 * non-zero pooled SD. g_var is v = 1/n1 + 1/n2 + g^2 / (2 (n1 + n2)),
	 * [g_lower, g_upper] the interval g +- 1.96 sqrt(v). */
	bool   has_g;
	double d, g, g_var, g_lower, g_upper;
} stats_compare_group;

typedef struct stats_compare_result {
	size_t               n_groups; /* as passed in */
	stats_compare_group *groups; /* owned; n_groups long */
	size_t               n_used; /* groups neither empty nor suppressed */
	size_t               n_total; /* people in those groups */

	/* One-way ANOVA across the used groups: needs 2 groups, more people
	 * than groups, and within-group variance. */
	bool   has_anova;
	double ss_between, ss_within;
	double df_between, df_within;
	double f, p, eta2;

	bool   has_design_effect;
	double design_effect;
} stats_compare_result;

/* stats_compare compares n_groups summarised groups. The result's arrays are
 * owned by the caller after success and freed with
 * stats_compare_result_free; on failure nothing is left to free.
 * Errors: TD_EINVAL (bad summary or option), TD_ETOOFEW (fewer than two
 * usable groups), TD_ESUPPRESSED (the named reference group is suppressed),
 * TD_ENOMEM. */
int stats_compare(const stats_group_summary *groups, size_t n_groups,
                  const stats_compare_options *opt, stats_compare_result *out,
                  char *errmsg) __attribute__((warn_unused_result));

/* stats_compare_values is stats_compare on raw values (see
 * stats_group_summarize for the input). */
int stats_compare_values(const double *values, const size_t *group,
                         size_t n_values, size_t n_groups,
                         const stats_compare_options *opt,
                         stats_compare_result *out, char *errmsg)
    __attribute__((warn_unused_result));

/* stats_compare_result_free frees what the result owns; accepts NULL. */
void stats_compare_result_free(stats_compare_result *res);

/* stats_design_effect computes 1 + (m - 1) * icc for mean cluster size m.
 * icc must lie in [-1, 1] and m >= 1 (TD_ERANGE otherwise). A negative ICC
 * is used as given; callers who want the usual floor pass max(0, icc). */
int stats_design_effect(double icc, double mean_cluster_size, double *deff,
                        char *errmsg) __attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_STATS_COMPARE_H */
