/* SPDX-License-Identifier: MIT
 * Funnel plots; see stats_funnel.h.
 */
#include "stats_funnel.h"
#include "stats.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

void
stats_funnel_result_free(stats_funnel_result *r)
{
	if (r != NULL) {
		free(r->units);
		memset(r, 0, sizeof(*r));
	}
}

static bool
missing(const double *y, const double *n, const double *v, size_t i)
{
	return isnan(y[i]) || isnan(n[i]) || (v != NULL && isnan(v[i]));
}

static int
check(const double *y, const double *n, const double *v, size_t units,
      size_t *k, char *errmsg)
{
	*k = 0;
	for (size_t i = 0; i < units; i++) {
		if (missing(y, n, v, i)) {
			continue;
		}
		if (!isfinite(y[i]) || !(n[i] > 0) || !isfinite(n[i])
		    || (v != NULL && !(v[i] > 0 && isfinite(v[i])))) {
			stats_set_err(
			    errmsg,
			    "unit %zu: value %g over n %g (variance %g) is "
			    "not usable: n and the variance must be "
			    "positive",
			    i + 1, y[i], n[i], v ? v[i] : NAN);
			return v != NULL && v[i] == 0 ? TD_EZEROVAR
			                              : TD_EINVAL;
		}
		if (v == NULL && (y[i] < 0 || y[i] > 1)) {
			stats_set_err(errmsg,
			              "unit %zu: proportion %g is not in 0..1",
			              i + 1, y[i]);
			return TD_EINVAL;
		}
		(*k)++;
	}
	if (*k < 3) {
		stats_set_err(
		    errmsg,
		    "a funnel plot needs 3 units with a value, not %zu", *k);
		return TD_ETOOFEW;
	}
	return TD_OK;
}

int
stats_funnel(const double *y, const double *n, const double *v, size_t units,
             stats_funnel_result *out, char *errmsg)
{
	stats_funnel_result r  = { 0 };
	double             *zs = NULL;
	double              sx = 0, sn = 0, sw = 0, sw2 = 0, phi = 0;
	size_t              k, j = 0;
	int                 rc;

	if (out == NULL || y == NULL || n == NULL) {
		stats_set_err(errmsg, "no units given");
		return TD_EINVAL;
	}
	memset(out, 0, sizeof(*out));
	if ((rc = check(y, n, v, units, &k, errmsg)) != TD_OK) {
		return rc;
	}
	r.units = calloc(units, sizeof(*r.units));
	zs      = malloc(k * sizeof(*zs));
	if (r.units == NULL || zs == NULL) {
		free(zs);
		stats_funnel_result_free(&r);
		stats_set_err(errmsg, "out of memory for %zu units", units);
		return TD_ENOMEM;
	}
	r.k = k;
	for (size_t i = 0; i < units; i++) {
		if (missing(y, n, v, i)) {
			continue;
		}
		sx += v ? y[i] / v[i] : y[i] * n[i];
		sn += v ? 1.0 / v[i] : n[i];
	}
	r.target = sx / sn;
	if (v == NULL && !(r.target > 0 && r.target < 1)) {
		free(zs);
		stats_funnel_result_free(&r);
		stats_set_err(
		    errmsg, "the pooled proportion is %g: no binomial spread",
		    sx / sn);
		return TD_EZEROVAR;
	}
	for (size_t i = 0; i < units; i++) {
		stats_funnel_unit *u = &r.units[i];

		if (missing(y, n, v, i)) {
			continue;
		}
		u->used = true;
		u->s2   = v ? v[i] : r.target * (1 - r.target) / n[i];
		u->z    = (y[i] - r.target) / sqrt(u->s2);
		zs[j++] = u->z;
		sw += 1.0 / u->s2;
		sw2 += 1.0 / (u->s2 * u->s2);
	}
	gsl_sort(zs, 1, k);
	r.z_lo = gsl_stats_quantile_from_sorted_data(zs, 1, k, 0.1);
	r.z_hi = gsl_stats_quantile_from_sorted_data(zs, 1, k, 0.9);
	for (size_t i = 0; i < k; i++) {
		double zw = fmin(fmax(zs[i], r.z_lo), r.z_hi);

		phi += zw * zw;
	}
	r.phi  = phi / (double) k;
	r.tau2 = fmax(
	    0.0, ((double) k * r.phi - (double) (k - 1)) / (sw - sw2 / sw));
	for (size_t i = 0; i < units; i++) {
		stats_funnel_unit *u = &r.units[i];
		double             a, m;

		if (!u->used) {
			continue;
		}
		a             = sqrt(u->s2 + r.tau2);
		m             = sqrt(r.phi * u->s2);
		u->z_adjusted = (y[i] - r.target) / a;
		u->lo95       = r.target - STATS_FUNNEL_Z95 * a;
		u->hi95       = r.target + STATS_FUNNEL_Z95 * a;
		u->lo998      = r.target - STATS_FUNNEL_Z998 * a;
		u->hi998      = r.target + STATS_FUNNEL_Z998 * a;
		u->mlo95      = r.target - STATS_FUNNEL_Z95 * m;
		u->mhi95      = r.target + STATS_FUNNEL_Z95 * m;
		u->mlo998     = r.target - STATS_FUNNEL_Z998 * m;
		u->mhi998     = r.target + STATS_FUNNEL_Z998 * m;
		u->outside95  = y[i] < u->lo95 || y[i] > u->hi95;
		u->outside998 = y[i] < u->lo998 || y[i] > u->hi998;
	}
	free(zs);
	*out = r;
	return TD_OK;
}
