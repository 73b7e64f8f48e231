/* SPDX-License-Identifier: MIT
 * Callaway & Sant'Anna (2021) staggered-adoption impact and the TWFE
 * estimate beside it; see stats_staggered.h.
 */
#include "stats_staggered.h"
#include "stats.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* qnorm(0.975), for the 95% intervals. */
#define CS_Z95 1.959963984540054
/* Alternating demeaning stops when nothing moves by more than this. */
#define TWFE_TOL      1e-13
#define TWFE_MAX_ITER 100000

void
stats_cs_result_free(stats_cs_result *r)
{
	if (r != NULL) {
		free(r->gt);
		free(r->event);
		memset(r, 0, sizeof(*r));
	}
}

static void
interval(stats_cs_estimate *e)
{
	e->lo = e->est - CS_Z95 * e->se;
	e->hi = e->est + CS_Z95 * e->se;
}

/* One ATT(g,t) and its influence function psi (N long). */
static void
att_gt(const double *y, const int *coh, size_t n, size_t np,
       stats_cs_control ctl, stats_cs_gt *gt, double *psi)
{
	int    g = gt->g, t = gt->t, b = g - 1;
	double st = 0, sc = 0, mt, mc, v = 0;
	size_t nt = 0, nc = 0;

	for (size_t i = 0; i < n; i++) {
		double d    = y[i * np + (size_t) t] - y[i * np + (size_t) b];
		bool   ctrl = coh[i] == STATS_CS_NEVER
		    || (ctl == STATS_CS_CONTROL_NOTYET && coh[i] != g
		        && coh[i] > (t > b ? t : b));

		psi[i] = 0;
		if (isnan(d)) {
			continue;
		}
		if (coh[i] == g) {
			st += d;
			nt++;
		} else if (ctrl) {
			sc += d;
			nc++;
		}
	}
	gt->n_treated = nt;
	gt->n_control = nc;
	if (nt == 0 || nc == 0) {
		return;
	}
	mt = st / (double) nt;
	mc = sc / (double) nc;
	for (size_t i = 0; i < n; i++) {
		double d    = y[i * np + (size_t) t] - y[i * np + (size_t) b];
		bool   ctrl = coh[i] == STATS_CS_NEVER
		    || (ctl == STATS_CS_CONTROL_NOTYET && coh[i] != g
		        && coh[i] > (t > b ? t : b));

		if (isnan(d)) {
			continue;
		}
		if (coh[i] == g) {
			psi[i] = (double) n / (double) nt * (d - mt);
		} else if (ctrl) {
			psi[i] = -(double) n / (double) nc * (d - mc);
		}
		v += psi[i] * psi[i];
	}
	gt->att.ok  = true;
	gt->att.est = mt - mc;
	gt->att.se  = sqrt(v) / (double) n;
	interval(&gt->att);
}

/* An aggregate over the selected ATT(g,t) with weights n_g. */
static void
aggregate(const stats_cs_result *r, const bool *sel, const size_t *ng,
          const double *psi, size_t n, double *work, stats_cs_estimate *e)
{
	double wsum = 0, v = 0;

	memset(e, 0, sizeof(*e));
	for (size_t k = 0; k < r->n_gt; k++) {
		if (sel[k]) {
			wsum += (double) ng[k];
		}
	}
	if (wsum == 0) {
		return;
	}
	memset(work, 0, n * sizeof(double));
	for (size_t k = 0; k < r->n_gt; k++) {
		double w = (double) ng[k] / wsum;

		if (!sel[k]) {
			continue;
		}
		e->est += w * r->gt[k].att.est;
		for (size_t i = 0; i < n; i++) {
			work[i] += w * psi[k * n + i];
		}
	}
	for (size_t i = 0; i < n; i++) {
		v += work[i] * work[i];
	}
	e->ok = true;
	e->se = sqrt(v) / (double) n;
	interval(e);
}

/* TWFE by alternating demeaning of y and D over units and periods. */
static int
twfe(const double *y, const int *coh, size_t n, size_t np,
     stats_cs_estimate *e)
{
	double *yt  = malloc(n * np * sizeof(double));
	double *dt  = malloc(n * np * sizeof(double));
	double *acc = calloc(2 * (n > np ? n : np), sizeof(double));
	size_t *cnt = calloc(n > np ? n : np, sizeof(size_t));
	double  sdd = 0, sdy = 0, meat = 0, nobs = 0;
	size_t  gunits = 0, tused = 0;
	bool    dvar = false;

	memset(e, 0, sizeof(*e));
	if (!yt || !dt || !acc || !cnt) {
		free(yt), free(dt), free(acc), free(cnt);
		return TD_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t t = 0; t < np; t++) {
			bool use = !isnan(y[i * np + t]) && coh[i] != 0;

			yt[i * np + t] = use ? y[i * np + t] : NAN;
			dt[i * np + t] = !use ? NAN
			    : coh[i] != STATS_CS_NEVER && (int) t >= coh[i]
			    ? 1.0
			    : 0.0;
			nobs += use;
		}
	}
	for (int it = 0; it < TWFE_MAX_ITER; it++) {
		double moved = 0;

		for (int pass = 0; pass < 2; pass++) {
			size_t m = pass == 0 ? n : np;

			memset(acc, 0, 2 * m * sizeof(double));
			memset(cnt, 0, m * sizeof(size_t));
			for (size_t i = 0; i < n; i++) {
				for (size_t t = 0; t < np; t++) {
					size_t c = pass == 0 ? i : t;

					if (isnan(yt[i * np + t])) {
						continue;
					}
					acc[2 * c] += yt[i * np + t];
					acc[2 * c + 1] += dt[i * np + t];
					cnt[c]++;
				}
			}
			for (size_t i = 0; i < n; i++) {
				for (size_t t = 0; t < np; t++) {
					size_t c = pass == 0 ? i : t;
					double my, md;

					if (isnan(yt[i * np + t])) {
						continue;
					}
					my = acc[2 * c] / (double) cnt[c];
					md = acc[2 * c + 1] / (double) cnt[c];
					yt[i * np + t] -= my;
					dt[i * np + t] -= md;
					moved = fmax(moved,
					             fmax(fabs(my), fabs(md)));
				}
			}
		}
		if (moved < TWFE_TOL) {
			break;
		}
	}
	for (size_t t = 0; t < np; t++) {
		bool any = false;

		for (size_t i = 0; i < n; i++) {
			any = any || !isnan(yt[i * np + t]);
		}
		tused += any;
	}
	for (size_t k = 0; k < n * np; k++) {
		if (!isnan(yt[k])) {
			sdd += dt[k] * dt[k];
			sdy += dt[k] * yt[k];
			dvar = dvar || fabs(dt[k]) > 1e-9;
		}
	}
	if (dvar) {
		double beta = sdy / sdd;

		for (size_t i = 0; i < n; i++) {
			double s   = 0;
			bool   any = false;

			for (size_t t = 0; t < np; t++) {
				double r
				    = yt[i * np + t] - beta * dt[i * np + t];

				if (!isnan(r)) {
					s += dt[i * np + t] * r;
					any = true;
				}
			}
			meat += s * s;
			gunits += any;
		}
		double g = (double) gunits;
		double k = 2.0 + (g - 1.0) + ((double) tused - 1.0);

		e->ok  = nobs > k && g > 1;
		e->est = beta;
		e->se  = e->ok ? sqrt(meat / (sdd * sdd) * g / (g - 1.0)
		                      * (nobs - 1.0) / (nobs - k))
		               : 0;
		interval(e);
	}
	free(yt), free(dt), free(acc), free(cnt);
	return TD_OK;
}

int
stats_cs(const double *y, const int *cohort, size_t n_units, size_t n_periods,
         stats_cs_control control, stats_cs_result *out, char *errmsg)
{
	stats_cs_result r   = { 0 };
	size_t         *ng  = NULL;
	double         *psi = NULL, *work = NULL;
	bool           *sel = NULL;
	int             cohorts[64];
	size_t          nco = 0, n = n_units, np = n_periods;
	int             rc = TD_OK;

	if (out == NULL || y == NULL || cohort == NULL || np < 2 || n == 0
	    || (control != STATS_CS_CONTROL_NEVER
	        && control != STATS_CS_CONTROL_NOTYET)) {
		stats_set_err(errmsg,
		              "need units, at least 2 periods and a control "
		              "group");
		return TD_EINVAL;
	}
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		int g = cohort[i];

		if (g != STATS_CS_NEVER && (g < 0 || (size_t) g >= np)) {
			stats_set_err(errmsg,
			              "unit %zu: cohort %d is not a period",
			              i + 1, g);
			return TD_EINVAL;
		}
		r.n_never += g == STATS_CS_NEVER;
		if (g >= 1) {
			size_t j = 0;

			while (j < nco && cohorts[j] != g) {
				j++;
			}
			if (j == nco && nco < 64) {
				size_t at = nco++;

				while (at > 0 && cohorts[at - 1] > g) {
					cohorts[at] = cohorts[at - 1];
					at--;
				}
				cohorts[at] = g;
			}
		}
	}
	if (nco == 0) {
		stats_set_err(errmsg,
		              "no school took part after the first period, "
		              "so no cohort has a period before it");
		return TD_ETOOFEW;
	}
	if (control == STATS_CS_CONTROL_NEVER && r.n_never == 0) {
		stats_set_err(errmsg,
		              "no never-treated school to compare with (try "
		              "not-yet-treated controls)");
		return TD_ETOOFEW;
	}
	r.n_units   = n;
	r.n_periods = np;
	r.n_cohorts = nco;
	r.n_gt      = nco * (np - 1);
	r.n_event   = 2 * (np - 1);
	r.gt        = calloc(r.n_gt, sizeof(*r.gt));
	r.event     = calloc(r.n_event, sizeof(*r.event));
	ng          = calloc(r.n_gt, sizeof(*ng));
	sel         = calloc(r.n_gt, sizeof(*sel));
	psi         = malloc(r.n_gt * n * sizeof(*psi));
	work        = malloc(n * sizeof(*work));
	if (!r.gt || !r.event || !ng || !sel || !psi || !work) {
		stats_set_err(errmsg, "out of memory");
		rc = TD_ENOMEM;
		goto done;
	}
	size_t k = 0;
	for (size_t c = 0; c < nco; c++) {
		size_t size = 0;

		for (size_t i = 0; i < n; i++) {
			size += cohort[i] == cohorts[c];
		}
		for (size_t t = 0; t < np; t++) {
			if ((int) t == cohorts[c] - 1) {
				continue;
			}
			r.gt[k].g = cohorts[c];
			r.gt[k].t = (int) t;
			ng[k]     = size;
			att_gt(y, cohort, n, np, control, &r.gt[k],
			       &psi[k * n]);
			k++;
		}
	}
	for (k = 0; k < r.n_gt; k++) {
		sel[k] = r.gt[k].att.ok && r.gt[k].t >= r.gt[k].g;
	}
	aggregate(&r, sel, ng, psi, n, work, &r.overall);
	size_t ev = 0;
	for (int e = -(int) (np - 1); e <= (int) np - 1; e++) {
		if (e == -1) {
			continue;
		}
		for (k = 0; k < r.n_gt; k++) {
			sel[k] = r.gt[k].att.ok && r.gt[k].t - r.gt[k].g == e;
		}
		r.event[ev].e = e;
		aggregate(&r, sel, ng, psi, n, work, &r.event[ev].theta);
		ev++;
	}
	rc = twfe(y, cohort, n, np, &r.twfe);
	if (rc != TD_OK) {
		stats_set_err(errmsg, "out of memory");
	}
done:
	free(ng);
	free(sel);
	free(psi);
	free(work);
	if (rc != TD_OK) {
		stats_cs_result_free(&r);
		return rc;
	}
	*out = r;
	return TD_OK;
}
