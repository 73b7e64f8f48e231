/* SPDX-License-Identifier: MIT
 * Outlier screening of submitted values before they reach a chart: the
 * z-score (mean, sample SD) and the modified z-score of Iglewicz and
 * Hoaglin, 0.6745 (x - median) / MAD with the unscaled MAD.
 */
#ifndef TANDEM_STATS_OUTLIERS_H
#define TANDEM_STATS_OUTLIERS_H

#include <stdbool.h>
#include <stddef.h>

#include <tandem/errors.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Threshold on |z| and |modified z| used when 0 is passed. */
#define STATS_OUTLIER_THRESHOLD 3.0

typedef struct stats_outliers_result {
	size_t n; /* values given, including missing */
	size_t n_used; /* values that are not NaN */
	size_t n_missing; /* NaN values, skipped */
	double threshold; /* the threshold applied */

	double mean;
	double sd; /* sample SD (n - 1); 0 when n_used < 2 */
	/* false when n_used < 2 or sd == 0: z and flag_z are all 0. Note
	 * that |z| <= (n_used - 1) / sqrt(n_used), so with 10 values or
	 * fewer no z can pass 3.0. */
	bool has_z;

	double median;
	double mad; /* median of |x - median|, unscaled */
	/* false when mad == 0 (at least half the values are equal): mod_z
	 * and flag_mod_z are all 0. */
	bool has_mod_z;

	/* Per value, n entries each, owned by the result; 0 / false where
	 * missing[i] or where the score is not available. */
	double *z; /* (x - mean) / sd */
	double *mod_z; /* 0.6745 (x - median) / mad, signed: |mod_z| is
	                * ANALYSES.md's 0.6745 |x - median| / MAD */
	bool  *flag_z; /* |z| > threshold */
	bool  *flag_mod_z; /* |mod_z| > threshold */
	bool  *missing; /* x[i] is NaN */
	size_t n_flag_z;
	size_t n_flag_mod_z;
} stats_outliers_result;

/* stats_outliers scores x[0..n) (NaN = missing: skipped, never read as
 * zero) against threshold (0 = STATS_OUTLIER_THRESHOLD). On success fills
 * *out, whose arrays the caller owns and releases with
 * stats_outliers_result_free. On failure returns TD_EINVAL (negative or
 * NaN threshold, infinite value), TD_ETOOFEW (no value that is not NaN) or
 * TD_ENOMEM, leaves *out zeroed and, if errmsg is not NULL, writes a
 * sentence of at most TD_ERRMSG_MAX bytes (values counted from 1). */
int stats_outliers(const double *x, size_t n, double threshold,
                   stats_outliers_result *out, char *errmsg)
    __attribute__((warn_unused_result));

/* stats_outliers_result_free releases the arrays of r and zeroes it;
 * accepts NULL and an already-freed result. */
void stats_outliers_result_free(stats_outliers_result *r);

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_STATS_OUTLIERS_H */
