/* SPDX-License-Identifier: MIT
 * Rater agreement. Quadratic-weighted kappa is computed from moments: with
 * weights (i - j)^2 the expected disagreement under independence is
 * var(a) + var(b) + (mean a - mean b)^2, so no K x K table is needed.
 */
#include "stats.h"
#include "stats_agreement.h"

#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int
check_score(double x, size_t i, const char *rater, int min, int max,
            char *errmsg)
{
	if (!(x >= (double) min && x <= (double) max) || x != floor(x)) {
		stats_set_err(
		    errmsg,
		    "observation %zu: rater %s score %g is not a whole "
		    "number in %d..%d",
		    i, rater, x, min, max);
		return TD_ERANGE;
	}
	return TD_OK;
}

int
stats_rater_agreement(const double *a, const double *b, size_t n, int min,
                      int max, stats_kappa_result *out, char *errmsg)
{
	size_t i, m = 0, exact = 0, adjacent = 0;
	double sa = 0.0, sb = 0.0, ma, mb, va = 0.0, vb = 0.0, dd = 0.0;
	double expected;
	int    rv;

	if (a == NULL || b == NULL || out == NULL || n == 0) {
		stats_set_err(errmsg, "no scores given");
		return TD_EINVAL;
	}
	if (min >= max) {
		stats_set_err(errmsg,
		              "scale %d..%d is not a range (min < max)", min,
		              max);
		return TD_EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (isnan(a[i]) || isnan(b[i])) {
			continue;
		}
		if ((rv = check_score(a[i], i, "A", min, max, errmsg)) != 0
		    || (rv = check_score(b[i], i, "B", min, max, errmsg))
		        != 0) {
			return rv;
		}
		m++;
		sa += a[i];
		sb += b[i];
		exact += a[i] == b[i];
		adjacent += fabs(a[i] - b[i]) <= 1.0;
	}
	if (m == 0) {
		stats_set_err(errmsg,
		              "no observation has both scores (%zu given)", n);
		return TD_ETOOFEW;
	}
	ma = sa / (double) m;
	mb = sb / (double) m;
	for (i = 0; i < n; i++) {
		if (isnan(a[i]) || isnan(b[i])) {
			continue;
		}
		va += (a[i] - ma) * (a[i] - ma);
		vb += (b[i] - mb) * (b[i] - mb);
		dd += (a[i] - b[i]) * (a[i] - b[i]);
	}
	/* Population moments (divisor m): the chance table is the product
	 * of the observed marginal proportions. */
	expected = va / (double) m + vb / (double) m + (ma - mb) * (ma - mb);
	if (!(expected > 0.0)) {
		stats_set_err(
		    errmsg,
		    "both raters gave all %zu observations the same score: "
		    "weighted kappa is undefined",
		    m);
		return TD_EZEROVAR;
	}
	*out                = (stats_kappa_result) { 0 };
	out->n              = m;
	out->exact          = exact;
	out->adjacent       = adjacent;
	out->exact_share    = (double) exact / (double) m;
	out->adjacent_share = (double) adjacent / (double) m;
	out->kappa_w        = 1.0 - (dd / (double) m) / expected;
	if (errmsg != NULL) {
		errmsg[0] = '\0';
	}
	return TD_OK;
}

int
stats_icc2(const double *scores, size_t n_subjects, size_t k,
           stats_icc2_result *out, char *errmsg)
{
	size_t *rows;
	double *col_mean, *row_mean;
	size_t  i, j, n = 0;
	double  grand = 0.0, ssr = 0.0, ssc = 0.0, sse = 0.0;
	double  msr, msc, mse, denom, dn, dk, shift;

	if (scores == NULL || out == NULL || n_subjects == 0) {
		stats_set_err(errmsg, "no scores given");
		return TD_EINVAL;
	}
	if (k < 2) {
		stats_set_err(errmsg,
		              "ICC(2,1) needs at least 2 raters (got %zu)", k);
		return TD_ETOOFEW;
	}
	if (n_subjects > SIZE_MAX / k) {
		stats_set_err(errmsg, "%zu x %zu scores is too many",
		              n_subjects, k);
		return TD_ETOOBIG;
	}
	for (i = 0; i < n_subjects * k; i++) {
		if (isinf(scores[i])) {
			stats_set_err(errmsg,
			              "subject %zu, rater %zu: score is "
			              "infinite",
			              i / k, i % k);
			return TD_EINVAL;
		}
	}
	rows     = malloc(n_subjects * sizeof(*rows));
	row_mean = malloc(n_subjects * sizeof(*row_mean));
	col_mean = calloc(k, sizeof(*col_mean));
	if (rows == NULL || row_mean == NULL || col_mean == NULL) {
		stats_set_err(errmsg, "out of memory for %zu x %zu scores",
		              n_subjects, k);
		free(rows);
		free(row_mean);
		free(col_mean);
		return TD_ENOMEM;
	}
	for (i = 0; i < n_subjects; i++) {
		for (j = 0; j < k && !isnan(scores[i * k + j]); j++) { }
		if (j == k) {
			rows[n++] = i;
		}
	}
	if (n < 2) {
		stats_set_err(
		    errmsg,
		    "ICC(2,1) needs at least 2 subjects scored by all %zu "
		    "raters (got %zu of %zu)",
		    k, n, n_subjects);
		free(rows);
		free(row_mean);
		free(col_mean);
		return TD_ETOOFEW;
	}
	dn = (double) n;
	dk = (double) k;
	/* Shifting by one score makes constant data exactly 0, so "no
	 * variance" is detected exactly instead of as rounding noise. */
	shift = scores[rows[0] * k];
	for (i = 0; i < n; i++) {
		const double *x = &scores[rows[i] * k];
		double        s = 0.0;

		for (j = 0; j < k; j++) {
			s += x[j] - shift;
			col_mean[j] += x[j] - shift;
		}
		row_mean[i] = s / dk;
		grand += s;
	}
	grand /= dn * dk;
	for (j = 0; j < k; j++) {
		col_mean[j] /= dn;
		ssc += (col_mean[j] - grand) * (col_mean[j] - grand);
	}
	ssc *= dn;
	for (i = 0; i < n; i++) {
		const double *x = &scores[rows[i] * k];

		ssr += (row_mean[i] - grand) * (row_mean[i] - grand);
		for (j = 0; j < k; j++) {
			double e = (x[j] - shift) - row_mean[i] - col_mean[j]
			    + grand;

			sse += e * e;
		}
	}
	ssr *= dk;
	free(rows);
	free(row_mean);
	free(col_mean);

	msr   = ssr / (dn - 1.0);
	msc   = ssc / (dk - 1.0);
	mse   = sse / ((dn - 1.0) * (dk - 1.0));
	denom = msr + (dk - 1.0) * mse + dk * (msc - mse) / dn;
	if (!(denom > 0.0)) {
		stats_set_err(
		    errmsg,
		    "no variance between the %zu subjects or the %zu "
		    "raters: ICC(2,1) is undefined",
		    n, k);
		return TD_EZEROVAR;
	}
	*out            = (stats_icc2_result) { 0 };
	out->n_subjects = n;
	out->n_dropped  = n_subjects - n;
	out->k          = k;
	out->msr        = msr;
	out->msc        = msc;
	out->mse        = mse;
	out->icc        = (msr - mse) / denom;
	if (errmsg != NULL) {
		errmsg[0] = '\0';
	}
	return TD_OK;
}
