/* SPDX-License-Identifier: MIT
 * z-scores and modified z-scores for catching mistyped values; see
 * stats_outliers.h. Missing values are left out of every statistic.
 */
#include "stats.h"
#include "stats_outliers.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

/* 0.6745 ~ the normal 75th percentile, so that the modified z of normal
 * data is on the scale of an ordinary z (Iglewicz & Hoaglin 1993). */
#define MODZ_SCALE 0.6745

void
stats_outliers_result_free(stats_outliers_result *r)
{
	if (r == NULL) {
		return;
	}
	free(r->z);
	free(r->mod_z);
	free(r->flag_z);
	free(r->flag_mod_z);
	free(r->missing);
	memset(r, 0, sizeof(*r));
}

int
stats_outliers(const double *x, size_t n, double threshold,
               stats_outliers_result *out, char *errmsg)
{
	stats_outliers_result r    = { 0 };
	double               *vals = NULL, *work = NULL;
	size_t                m  = 0;
	int                   rc = TD_OK;

	if (out == NULL) {
		stats_set_err(errmsg, "no result structure was given");
		return TD_EINVAL;
	}
	memset(out, 0, sizeof(*out));
	if (isnan(threshold) || threshold < 0 || isinf(threshold)) {
		stats_set_err(errmsg, "threshold %g is not a positive number",
		              threshold);
		return TD_EINVAL;
	}
	if (n > 0 && x == NULL) {
		stats_set_err(errmsg,
		              "%zu values were announced but none given", n);
		return TD_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (isinf(x[i])) {
			stats_set_err(errmsg, "value %zu is infinite", i + 1);
			return TD_EINVAL;
		}
		m += !isnan(x[i]);
	}
	if (m == 0) {
		stats_set_err(
		    errmsg, "no values to score (%zu given, all missing)", n);
		return TD_ETOOFEW;
	}

	r.n          = n;
	r.n_used     = m;
	r.n_missing  = n - m;
	r.threshold  = threshold > 0 ? threshold : STATS_OUTLIER_THRESHOLD;
	r.z          = calloc(n, sizeof(*r.z));
	r.mod_z      = calloc(n, sizeof(*r.mod_z));
	r.flag_z     = calloc(n, sizeof(*r.flag_z));
	r.flag_mod_z = calloc(n, sizeof(*r.flag_mod_z));
	r.missing    = calloc(n, sizeof(*r.missing));
	vals         = malloc(m * sizeof(*vals));
	work         = malloc(m * sizeof(*work));
	if (r.z == NULL || r.mod_z == NULL || r.flag_z == NULL
	    || r.flag_mod_z == NULL || r.missing == NULL || vals == NULL
	    || work == NULL) {
		stats_set_err(errmsg, "out of memory for %zu values", n);
		rc = TD_ENOMEM;
		goto done;
	}
	m = 0;
	for (size_t i = 0; i < n; i++) {
		r.missing[i] = isnan(x[i]);
		if (!r.missing[i]) {
			vals[m++] = x[i];
		}
	}

	r.mean = gsl_stats_mean(vals, 1, m);
	if (m >= 2) {
		r.sd = gsl_stats_sd_m(vals, 1, m, r.mean);
	}
	r.has_z = r.sd > 0;
	/* gsl_stats_mad0 is the unscaled MAD; it works on a copy in work. */
	r.mad = gsl_stats_mad0(vals, 1, m, work);
	gsl_sort(vals, 1, m);
	r.median    = gsl_stats_median_from_sorted_data(vals, 1, m);
	r.has_mod_z = r.mad > 0;

	for (size_t i = 0; i < n; i++) {
		if (r.missing[i]) {
			continue;
		}
		if (r.has_z) {
			r.z[i]      = (x[i] - r.mean) / r.sd;
			r.flag_z[i] = fabs(r.z[i]) > r.threshold;
			r.n_flag_z += r.flag_z[i];
		}
		if (r.has_mod_z) {
			r.mod_z[i] = MODZ_SCALE * (x[i] - r.median) / r.mad;
			r.flag_mod_z[i] = fabs(r.mod_z[i]) > r.threshold;
			r.n_flag_mod_z += r.flag_mod_z[i];
		}
	}

done:
	free(vals);
	free(work);
	if (rc != TD_OK) {
		stats_outliers_result_free(&r);
		return rc;
	}
	*out = r;
	return TD_OK;
}
