/* SPDX-License-Identifier: MIT
 * Xbar and S charts; see stats_xbar.h.
 */
#include "stats_xbar.h"
#include "stats.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double
stats_c4(double n)
{
	if (!(n >= 2)) {
		return NAN;
	}
	return sqrt(2.0 / (n - 1.0))
	    * exp(lgamma(n / 2.0) - lgamma((n - 1.0) / 2.0));
}

void
stats_xbar_result_free(stats_xbar_result *r)
{
	if (r != NULL) {
		free(r->value);
		free(r->lcl);
		free(r->ucl);
		free(r->has_limits);
		free(r->pos);
		free(r->signals);
		memset(r, 0, sizeof(*r));
	}
}

static bool
usable(const double *mean, const double *sd, const double *size, size_t i)
{
	return !isnan(mean[i]) && !isnan(size[i]) && size[i] >= 1
	    && (size[i] < 2 || !isnan(sd[i]));
}

int
stats_xbar_s(const double *mean, const double *sd, const double *size,
             size_t n, bool s_chart, size_t baseline, stats_rules rules,
             stats_xbar_result *out, char *errmsg)
{
	stats_xbar_result r  = { 0 };
	double            sw = 0, swm = 0, sv = 0, sdf = 0;
	size_t            bend = baseline > 0 && baseline < n ? baseline : n;

	if (out == NULL || mean == NULL || sd == NULL || size == NULL
	    || n == 0) {
		stats_set_err(errmsg, "no subgroups given");
		return TD_EINVAL;
	}
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < bend; i++) {
		if (!usable(mean, sd, size, i)) {
			continue;
		}
		r.n_baseline++;
		sw += size[i];
		swm += size[i] * mean[i];
		if (size[i] >= 2) {
			sv += (size[i] - 1) * sd[i] * sd[i];
			sdf += size[i] - 1;
		}
	}
	if (sdf == 0) {
		stats_set_err(errmsg,
		              "no subgroup of two or more in the baseline: no "
		              "within-subgroup SD");
		return TD_ETOOFEW;
	}
	r.n          = n;
	r.s_bar      = sqrt(sv / sdf);
	r.cl         = s_chart ? r.s_bar : swm / sw;
	r.value      = calloc(n, sizeof(double));
	r.lcl        = calloc(n, sizeof(double));
	r.ucl        = calloc(n, sizeof(double));
	r.has_limits = calloc(n, sizeof(bool));
	r.pos        = calloc(n, sizeof(stats_point_pos));
	r.signals    = calloc(n, sizeof(unsigned));
	if (!r.value || !r.lcl || !r.ucl || !r.has_limits || !r.pos
	    || !r.signals) {
		stats_xbar_result_free(&r);
		stats_set_err(errmsg, "out of memory");
		return TD_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		double c4, c5;

		if (!usable(mean, sd, size, i) || (s_chart && size[i] < 2)) {
			r.value[i] = NAN;
			continue;
		}
		r.value[i] = s_chart ? sd[i] : mean[i];
		c4         = stats_c4(size[i]);
		if (isnan(c4)) {
			continue; /* a subgroup of one: no limits */
		}
		c5              = sqrt(1.0 - c4 * c4);
		r.has_limits[i] = true;
		if (s_chart) {
			r.lcl[i] = fmax(0.0, 1.0 - 3.0 * c5 / c4) * r.s_bar;
			r.ucl[i] = (1.0 + 3.0 * c5 / c4) * r.s_bar;
		} else {
			double a3 = 3.0 / (c4 * sqrt(size[i]));

			r.lcl[i] = r.cl - a3 * r.s_bar;
			r.ucl[i] = r.cl + a3 * r.s_bar;
		}
		if (r.value[i] < r.lcl[i] || r.value[i] > r.ucl[i]) {
			r.signals[i] |= STATS_SIG_OUTSIDE;
		}
	}
	if (stats_runs_analyse(r.value, 0, n, r.cl, rules, &r.runs, r.pos,
	                       r.signals)
	    != TD_OK) {
		stats_xbar_result_free(&r);
		stats_set_err(errmsg, "out of memory in the run analysis");
		return TD_ENOMEM;
	}
	*out = r;
	return TD_OK;
}
