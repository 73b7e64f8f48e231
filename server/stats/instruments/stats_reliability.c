/* SPDX-License-Identifier: MIT
 * Cronbach's alpha and percent favourable for the items of one construct.
 * Alpha works on complete respondents only (listwise), as ANALYSES.md asks;
 * percent favourable counts every non-missing response.
 */
#include "stats.h"
#include "stats_reliability.h"

#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* A total whose variance is this small against the sum of the item
 * variances is all cancellation noise (items that exactly offset each
 * other): alpha would be a huge negative number of no meaning. */
#define ZERO_VAR_REL 1e-12

/* Values are shifted by the first complete row before the two-pass sums:
 * a constant item then gives a variance of exactly 0, not rounding noise,
 * and large offsets (scores around 1000) lose no precision. */
typedef struct alpha_work {
	size_t *rows; /* complete rows, n of them */
	double *shift; /* k: first complete row */
	double *mean; /* k: mean of the shifted item */
	double *var; /* k: sample variance of the item */
	double *total; /* n: shifted total of each complete row */
} alpha_work;

static void
alpha_work_free(alpha_work *w)
{
	free(w->rows);
	free(w->shift);
	free(w->mean);
	free(w->var);
	free(w->total);
}

static int
alpha_work_alloc(alpha_work *w, size_t n_resp, size_t k)
{
	w->rows  = malloc(n_resp * sizeof(*w->rows));
	w->shift = malloc(k * sizeof(*w->shift));
	w->mean  = calloc(k, sizeof(*w->mean));
	w->var   = calloc(k, sizeof(*w->var));
	w->total = malloc(n_resp * sizeof(*w->total));
	if (w->rows == NULL || w->shift == NULL || w->mean == NULL
	    || w->var == NULL || w->total == NULL) {
		alpha_work_free(w);
		return TD_ENOMEM;
	}
	return TD_OK;
}

/* Variance of a row total and the item's covariance with it, for the
 * total without item `skip` (k for the full total). */
static void
rest_moments(const double *items, size_t k, const alpha_work *w, size_t n,
             size_t skip, double *var_rest, double *cov_item)
{
	size_t r;
	double m = 0.0, vr = 0.0, cv = 0.0;

	for (r = 0; r < n; r++) {
		double t = w->total[r];

		if (skip < k) {
			t -= items[w->rows[r] * k + skip] - w->shift[skip];
		}
		m += t;
	}
	m /= (double) n;
	for (r = 0; r < n; r++) {
		double t = w->total[r], di = 0.0;

		if (skip < k) {
			di = items[w->rows[r] * k + skip] - w->shift[skip];
			t -= di;
			di -= w->mean[skip];
		}
		vr += (t - m) * (t - m);
		cv += di * (t - m);
	}
	*var_rest = vr / (double) (n - 1);
	*cov_item = cv / (double) (n - 1);
}

int
stats_alpha(const double *items, size_t n_resp, size_t k,
            stats_alpha_result *out, char *errmsg)
{
	alpha_work        w = { 0 };
	stats_alpha_item *res;
	size_t            i, j, n = 0;
	double            sum_var = 0.0, var_total, unused;
	int               rv;

	if (items == NULL || out == NULL || n_resp == 0) {
		stats_set_err(errmsg, "no responses given");
		return TD_EINVAL;
	}
	if (k < 2) {
		stats_set_err(errmsg, "alpha needs at least 2 items (got %zu)",
		              k);
		return TD_ETOOFEW;
	}
	if (n_resp > SIZE_MAX / k) {
		stats_set_err(errmsg, "%zu x %zu items is too many", n_resp,
		              k);
		return TD_ETOOBIG;
	}
	for (i = 0; i < n_resp * k; i++) {
		if (isinf(items[i])) {
			stats_set_err(errmsg,
			              "respondent %zu, item %zu: value is "
			              "infinite",
			              i / k, i % k);
			return TD_EINVAL;
		}
	}
	if ((rv = alpha_work_alloc(&w, n_resp, k)) != TD_OK) {
		stats_set_err(errmsg, "out of memory for %zu x %zu items",
		              n_resp, k);
		return rv;
	}
	for (i = 0; i < n_resp; i++) {
		for (j = 0; j < k && !isnan(items[i * k + j]); j++) { }
		if (j == k) {
			w.rows[n++] = i;
		}
	}
	if (n < 2) {
		stats_set_err(
		    errmsg,
		    "alpha needs at least 2 respondents who answered all "
		    "%zu items (got %zu of %zu)",
		    k, n, n_resp);
		alpha_work_free(&w);
		return TD_ETOOFEW;
	}

	for (j = 0; j < k; j++) {
		w.shift[j] = items[w.rows[0] * k + j];
	}
	for (i = 0; i < n; i++) {
		w.total[i] = 0.0;
		for (j = 0; j < k; j++) {
			double d = items[w.rows[i] * k + j] - w.shift[j];

			w.mean[j] += d;
			w.total[i] += d;
		}
	}
	for (j = 0; j < k; j++) {
		w.mean[j] /= (double) n;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < k; j++) {
			double d = items[w.rows[i] * k + j] - w.shift[j]
			    - w.mean[j];

			w.var[j] += d * d;
		}
	}
	for (j = 0; j < k; j++) {
		w.var[j] /= (double) (n - 1);
		sum_var += w.var[j];
	}
	rest_moments(items, k, &w, n, k, &var_total, &unused);
	if (!(var_total > ZERO_VAR_REL * sum_var)) {
		stats_set_err(
		    errmsg,
		    "the total of the %zu items has no variance over %zu "
		    "respondents: alpha is undefined",
		    k, n);
		alpha_work_free(&w);
		return TD_EZEROVAR;
	}
	if ((res = calloc(k, sizeof(*res))) == NULL) {
		stats_set_err(errmsg, "out of memory for %zu items", k);
		alpha_work_free(&w);
		return TD_ENOMEM;
	}
	for (j = 0; j < k; j++) {
		double var_rest, cov;

		rest_moments(items, k, &w, n, j, &var_rest, &cov);
		if (!(var_rest > ZERO_VAR_REL * (sum_var - w.var[j]))
		    || var_rest <= 0.0) {
			continue;
		}
		if (w.var[j] > 0.0) {
			res[j].has_item_rest = true;
			res[j].item_rest     = cov / sqrt(w.var[j] * var_rest);
		}
		if (k >= 3) {
			double km1 = (double) (k - 1);

			res[j].has_alpha_if_deleted = true;
			res[j].alpha_if_deleted     = km1 / (km1 - 1.0)
			    * (1.0 - (sum_var - w.var[j]) / var_rest);
		}
	}
	*out           = (stats_alpha_result) { 0 };
	out->k         = k;
	out->n_used    = n;
	out->n_dropped = n_resp - n;
	out->alpha
	    = (double) k / (double) (k - 1) * (1.0 - sum_var / var_total);
	out->items = res;
	alpha_work_free(&w);
	if (errmsg != NULL) {
		errmsg[0] = '\0';
	}
	return TD_OK;
}

void
stats_alpha_result_free(stats_alpha_result *res)
{
	if (res == NULL) {
		return;
	}
	free(res->items);
	res->items = NULL;
	res->k     = 0;
}

int
stats_percent_favourable(const double *items, size_t n_resp, size_t k,
                         double min, double max, const unsigned char *reverse,
                         double threshold, stats_favourable_result *out,
                         char *errmsg)
{
	stats_favourable_item *res;
	size_t                 i, j, n_people = 0, n_resp_total = 0, fav = 0;

	if (items == NULL || out == NULL || n_resp == 0 || k == 0) {
		stats_set_err(errmsg, "no responses given");
		return TD_EINVAL;
	}
	if (!(isfinite(min) && isfinite(max) && min < max)) {
		stats_set_err(errmsg,
		              "scale %g..%g is not a range (min < max)", min,
		              max);
		return TD_EINVAL;
	}
	if (!(threshold >= min && threshold <= max)) {
		stats_set_err(errmsg,
		              "favourable threshold %g is outside %g..%g",
		              threshold, min, max);
		return TD_EINVAL;
	}
	if (n_resp > SIZE_MAX / k) {
		stats_set_err(errmsg, "%zu x %zu items is too many", n_resp,
		              k);
		return TD_ETOOBIG;
	}
	for (i = 0; i < n_resp * k; i++) {
		double x = items[i];

		if (!isnan(x) && !(x >= min && x <= max)) {
			stats_set_err(
			    errmsg,
			    "respondent %zu, item %zu: value %g is outside "
			    "%g..%g",
			    i / k, i % k, x, min, max);
			return TD_ERANGE;
		}
	}
	if ((res = calloc(k, sizeof(*res))) == NULL) {
		stats_set_err(errmsg, "out of memory for %zu items", k);
		return TD_ENOMEM;
	}
	for (i = 0; i < n_resp; i++) {
		bool answered = false;

		for (j = 0; j < k; j++) {
			double x = items[i * k + j];

			if (isnan(x)) {
				continue;
			}
			if (reverse != NULL && reverse[j]) {
				x = min + max - x;
			}
			answered = true;
			res[j].n++;
			if (x >= threshold) {
				res[j].favourable++;
			}
		}
		n_people += answered;
	}
	for (j = 0; j < k; j++) {
		n_resp_total += res[j].n;
		fav += res[j].favourable;
		if (res[j].n > 0) {
			res[j].has_share = true;
			res[j].share
			    = (double) res[j].favourable / (double) res[j].n;
		}
	}
	if (n_resp_total == 0) {
		stats_set_err(
		    errmsg,
		    "no responses: all %zu respondents left all %zu items "
		    "blank",
		    n_resp, k);
		free(res);
		return TD_ETOOFEW;
	}
	*out               = (stats_favourable_result) { 0 };
	out->k             = k;
	out->n_respondents = n_people;
	out->n_responses   = n_resp_total;
	out->favourable    = fav;
	out->share         = (double) fav / (double) n_resp_total;
	out->items         = res;
	if (errmsg != NULL) {
		errmsg[0] = '\0';
	}
	return TD_OK;
}

void
stats_favourable_result_free(stats_favourable_result *res)
{
	if (res == NULL) {
		return;
	}
	free(res->items);
	res->items = NULL;
	res->k     = 0;
}
