/* SPDX-License-Identifier: MIT
 * Discover contrasts (stats_discover.h). The group statistics, Welch's t
 * and Hedges' g come from stats_compare (one home for those formulas);
 * this adds the Welch interval of the difference and the suppression rule
 * of Positive Deviance Inquiry's two-group view.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "stats_compare.h"
#include "stats_discover.h"

int
stats_contrast_values(const double *x, size_t n1, const double *y, size_t n2,
                      size_t min_n, stats_contrast *out, char *errmsg)
{
	memset(out, 0, sizeof(*out));
	if ((x == NULL && n1 > 0) || (y == NULL && n2 > 0)) {
		if (errmsg != NULL) {
			snprintf(errmsg, TD_ERRMSG_MAX, "no values given");
		}
		return TD_EINVAL;
	}
	double *v = malloc((n1 + n2 + 1) * sizeof(double));
	size_t *g = malloc((n1 + n2 + 1) * sizeof(size_t));
	if (v == NULL || g == NULL) {
		free(v);
		free(g);
		if (errmsg != NULL) {
			snprintf(errmsg, TD_ERRMSG_MAX, "out of memory");
		}
		return TD_ENOMEM;
	}
	size_t n = 0;
	for (size_t i = 0; i < n1 + n2; i++) {
		double val = i < n1 ? x[i] : y[i - n1];
		if (!isnan(val)) {
			v[n]   = val;
			g[n++] = i < n1 ? 0 : 1;
			*(i < n1 ? &out->n1 : &out->n2) += 1;
		}
	}
	if (out->n1 < min_n || out->n2 < min_n || out->n1 == 0
	    || out->n2 == 0) {
		out->suppressed = out->n1 < min_n || out->n2 < min_n;
		free(v);
		free(g);
		return TD_OK;
	}
	stats_compare_options opt;
	stats_compare_result  res;
	stats_compare_options_init(&opt);
	opt.reference = 1;
	int rv        = stats_compare_values(v, g, n, 2, &opt, &res, errmsg);
	free(v);
	free(g);
	if (rv != TD_OK) {
		return rv;
	}
	const stats_compare_group *a = &res.groups[0], *b = &res.groups[1];
	out->mean1  = a->mean;
	out->mean2  = b->mean;
	out->has_sd = a->has_sd && b->has_sd;
	out->sd1    = a->has_sd ? a->sd : NAN;
	out->sd2    = b->has_sd ? b->sd : NAN;
	out->diff   = a->mean - b->mean;
	if (a->has_welch && out->has_sd) {
		double se       = sqrt(a->sd * a->sd / (double) a->n
		                       + b->sd * b->sd / (double) b->n);
		double q        = gsl_cdf_tdist_Pinv(0.975, a->df);
		out->has_welch  = se > 0 && isfinite(q);
		out->t          = a->t;
		out->df         = a->df;
		out->p          = a->p;
		out->diff_lower = out->diff - q * se;
		out->diff_upper = out->diff + q * se;
	}
	if (a->has_g) {
		out->has_g   = true;
		out->g       = a->g;
		out->g_lower = a->g_lower;
		out->g_upper = a->g_upper;
	}
	stats_compare_result_free(&res);
	return TD_OK;
}
