/* SPDX-License-Identifier: MIT
 * Rater agreement on double-scored observations: exact and adjacent
 * agreement and quadratic-weighted kappa for two raters on an ordinal
 * scale, and ICC(2,1) for a subjects x raters matrix.
 */
#ifndef TANDEM_STATS_AGREEMENT_H
#define TANDEM_STATS_AGREEMENT_H

#include <stdbool.h>
#include <stddef.h>

#include <tandem/errors.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct stats_kappa_result {
	size_t n; /* pairs with both scores */
	size_t exact; /* pairs with equal scores */
	size_t adjacent; /* pairs with |difference| <= 1 */
	double exact_share; /* exact / n, 0..1 */
	double adjacent_share; /* adjacent / n, 0..1 */
	/* Cohen's kappa with quadratic weights over the categories
	 * min..max: 1 - sum (i-j)^2 p_ij / sum (i-j)^2 p_i. p_.j */
	double kappa_w;
} stats_kappa_result;

/* stats_rater_agreement scores n observations double-scored by two raters
 * (a[i], b[i]) on the integer scale min..max. A pair with a NaN is skipped.
 * Errors: TD_EINVAL (NULL input, min >= max), TD_ERANGE (a score that is
 * not a whole number in min..max), TD_ETOOFEW (no complete pair),
 * TD_EZEROVAR (both raters gave every observation the same score, so
 * chance agreement is total and kappa is undefined). */
int stats_rater_agreement(const double *a, const double *b, size_t n, int min,
                          int max, stats_kappa_result *out, char *errmsg)
    __attribute__((warn_unused_result));

typedef struct stats_icc2_result {
	size_t n_subjects; /* complete rows used */
	size_t n_dropped; /* rows with a NaN */
	size_t k; /* raters */
	double msr; /* mean square for subjects (rows) */
	double msc; /* mean square for raters (columns) */
	double mse; /* residual mean square */
	/* ICC(2,1), two-way random, absolute agreement, single rater:
	 * (MSR - MSE) / (MSR + (k-1) MSE + k (MSC - MSE) / n). May be
	 * negative. */
	double icc;
} stats_icc2_result;

/* stats_icc2 computes ICC(2,1) for a subjects x raters matrix (row-major,
 * n_subjects x k); rows with any NaN are left out.
 * Errors: TD_EINVAL (NULL or infinite input), TD_ETOOFEW (k < 2 raters or
 * fewer than 2 complete rows), TD_EZEROVAR (every score equal). */
int stats_icc2(const double *scores, size_t n_subjects, size_t k,
               stats_icc2_result *out, char *errmsg)
    __attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_STATS_AGREEMENT_H */
