/* SPDX-License-Identifier: MIT
 * ICC(1) from one-way random-effects ANOVA with unbalanced groups (n0 as in
 * ANALYSES.md). Works on summaries so the server can feed rollups directly;
 * raw values are summarised first.
 */
#include "stats.h"
#include "stats_variance.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_cdf.h>

int
stats_icc1(const stats_group_summary *groups, size_t n_groups,
           stats_icc1_result *out, char *errmsg)
{
	size_t i, k = 0, n = 0;
	double sum = 0.0, sum_n2 = 0.0, grand, ssb = 0.0, ssw = 0.0;
	double msb, msw, n0, denom, shift                     = NAN;

	if (groups == NULL || out == NULL || n_groups == 0) {
		stats_set_err(errmsg, "no groups given");
		return TD_EINVAL;
	}
	for (i = 0; i < n_groups; i++) {
		const stats_group_summary *g = &groups[i];

		if (g->n == 0) {
			continue;
		}
		if (!isfinite(g->mean)) {
			stats_set_err(errmsg,
			              "group %zu: mean is missing but n = %zu",
			              i, g->n);
			return TD_EINVAL;
		}
		if (g->n >= 2 && !(g->sd >= 0.0 && isfinite(g->sd))) {
			stats_set_err(
			    errmsg,
			    "group %zu: SD %g is not a non-negative number "
			    "(n = %zu)",
			    i, g->sd, g->n);
			return TD_EINVAL;
		}
		/* Means are taken relative to the first group's, so equal
		 * means give a between-group sum of squares of exactly 0. */
		if (k == 0) {
			shift = g->mean;
		}
		k++;
		n += g->n;
		sum += (double) g->n * (g->mean - shift);
		sum_n2 += (double) g->n * (double) g->n;
		if (g->n >= 2) {
			ssw += (double) (g->n - 1) * g->sd * g->sd;
		}
	}
	if (k < 2) {
		stats_set_err(errmsg,
		              "ICC(1) needs at least 2 groups with values "
		              "(got %zu)",
		              k);
		return TD_ETOOFEW;
	}
	if (n <= k) {
		stats_set_err(
		    errmsg,
		    "ICC(1) needs a group with 2 or more values (%zu "
		    "values in %zu groups)",
		    n, k);
		return TD_ETOOFEW;
	}
	grand = sum / (double) n;
	for (i = 0; i < n_groups; i++) {
		if (groups[i].n > 0) {
			double d = (groups[i].mean - shift) - grand;

			ssb += (double) groups[i].n * d * d;
		}
	}
	msb   = ssb / (double) (k - 1);
	msw   = ssw / (double) (n - k);
	n0    = ((double) n - sum_n2 / (double) n) / (double) (k - 1);
	denom = msb + (n0 - 1.0) * msw;
	if (!(denom > 0.0)) {
		stats_set_err(errmsg,
		              "every value is equal (%zu values in %zu "
		              "groups): ICC(1) is undefined",
		              n, k);
		return TD_EZEROVAR;
	}

	*out               = (stats_icc1_result) { 0 };
	out->k             = k;
	out->n_total       = n;
	out->ss_between    = ssb;
	out->ss_within     = ssw;
	out->df_between    = (double) (k - 1);
	out->df_within     = (double) (n - k);
	out->msb           = msb;
	out->msw           = msw;
	out->n0            = n0;
	out->icc           = (msb - msw) / denom;
	out->icc_truncated = out->icc > 0.0 ? out->icc : 0.0;
	if (msw > 0.0) {
		out->has_f = true;
		out->f     = msb / msw;
		out->p
		    = gsl_cdf_fdist_Q(out->f, out->df_between, out->df_within);
	}
	if (errmsg != NULL) {
		errmsg[0] = '\0';
	}
	return TD_OK;
}

int
stats_icc1_values(const double *values, const size_t *group, size_t n_values,
                  size_t n_groups, stats_icc1_result *out, char *errmsg)
{
	stats_group_summary *s;
	int                  rv;

	if (n_groups == 0) {
		stats_set_err(errmsg, "no groups given");
		return TD_EINVAL;
	}
	if ((s = malloc(n_groups * sizeof(*s))) == NULL) {
		stats_set_err(errmsg, "out of memory for %zu groups",
		              n_groups);
		return TD_ENOMEM;
	}
	rv = stats_group_summarize(values, group, n_values, n_groups, s,
	                           errmsg);
	if (rv == TD_OK) {
		rv = stats_icc1(s, n_groups, out, errmsg);
	}
	free(s);
	return rv;
}
