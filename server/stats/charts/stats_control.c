/* SPDX-License-Identifier: MIT
 * Shewhart control charts as qicharts2 computes them (qic.i, qic.mr,
 * qic.p, qic.pp, qic.u, qic.up, qic.c), with the outside-limits signal,
 * NHS's two-of-three rule and the run rules of stats_runchart.c.
 */
#include "stats.h"
#include "stats_control.h"
#include "stats_mdc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* d2 for moving ranges of two, and D4 = 1 + 3 d3/d2, rounded as in
 * qicharts2 and the textbooks. */
#define D2_MR 1.128
#define D4_MR 3.267
/* Making Data Count (the NHS rule set) puts an XmR chart's limits at
 * 2.66 mean moving ranges, as written, not 3 / 1.128 = 2.6596. */
#define MDC_LIMIT 2.66

const char *
stats_chart_name(stats_chart chart)
{
	switch (chart) {
	case STATS_CHART_I:
		return "i";
	case STATS_CHART_MR:
		return "mr";
	case STATS_CHART_P:
		return "p";
	case STATS_CHART_PP:
		return "pp";
	case STATS_CHART_U:
		return "u";
	case STATS_CHART_UP:
		return "up";
	case STATS_CHART_C:
		return "c";
	}
	return "?";
}

static bool
chart_has_den(stats_chart chart)
{
	return chart == STATS_CHART_P || chart == STATS_CHART_PP
	    || chart == STATS_CHART_U || chart == STATS_CHART_UP;
}

static bool
chart_is_laney(stats_chart chart)
{
	return chart == STATS_CHART_PP || chart == STATS_CHART_UP;
}

static bool
chart_is_proportion(stats_chart chart)
{
	return chart == STATS_CHART_P || chart == STATS_CHART_PP;
}

void
stats_control_result_free(stats_control_result *r)
{
	if (r == NULL) {
		return;
	}
	free(r->value);
	free(r->cl);
	free(r->lcl);
	free(r->ucl);
	free(r->skip);
	free(r->pos);
	free(r->signals);
	memset(r, 0, sizeof(*r));
}

static stats_point_pos
pos_of(double v, double cl)
{
	if (isnan(v)) {
		return STATS_POS_MISSING;
	}
	return v > cl ? STATS_POS_ABOVE
	    : v < cl  ? STATS_POS_BELOW
	              : STATS_POS_ON;
}

/* Checks one input point and turns it into the charted value (NaN when
 * the point is skipped, with the reason in *skip). MR values are made per
 * segment later, so here an MR point only gets its raw value checked. */
static int
point_value(stats_chart chart, const double *y, const double *den, size_t i,
            double *v, stats_skip *skip, char *errmsg)
{
	double num = y[i];
	double d   = den != NULL ? den[i] : NAN;

	*v    = NAN;
	*skip = STATS_SKIP_NONE;
	if (isinf(num) || isinf(d)) {
		stats_set_err(errmsg, "point %zu: %s is infinite", i + 1,
		              isinf(num) ? "the value" : "the denominator");
		return TD_EINVAL;
	}
	if (chart == STATS_CHART_I || chart == STATS_CHART_MR) {
		if (isnan(num)) {
			*skip = STATS_SKIP_MISSING;
		}
		*v = num;
		return TD_OK;
	}
	if (!isnan(num) && num < 0) {
		stats_set_err(errmsg, "point %zu: count %g is negative", i + 1,
		              num);
		return TD_EINVAL;
	}
	if (chart == STATS_CHART_C) {
		if (isnan(num)) {
			*skip = STATS_SKIP_MISSING;
		}
		*v = num;
		return TD_OK;
	}
	if (!isnan(d) && d < 0) {
		stats_set_err(errmsg, "point %zu: denominator %g is negative",
		              i + 1, d);
		return TD_EINVAL;
	}
	if (isnan(num) || isnan(d)) {
		*skip = STATS_SKIP_MISSING;
		return TD_OK;
	}
	if (chart_is_proportion(chart) && num > d) {
		stats_set_err(
		    errmsg,
		    "point %zu: numerator %g is larger than denominator %g",
		    i + 1, num, d);
		return TD_EINVAL;
	}
	if (d == 0) {
		if (num > 0) {
			stats_set_err(
			    errmsg,
			    "point %zu: %g events with an exposure of 0",
			    i + 1, num);
			return TD_EINVAL;
		}
		*skip = STATS_SKIP_ZERO_DEN;
		return TD_OK;
	}
	*v = num / d;
	return TD_OK;
}

/* Mean of the moving ranges |x[i] - x[i-1]| for neighbouring valued
 * points i-1, i in [from, to); optionally screened (Nelson 1982). Returns
 * how many moving ranges were used. */
static size_t
mean_mr(const double *x, size_t from, size_t to, bool screen, double *amr,
        size_t *n_screened)
{
	double sum = 0;
	size_t cnt = 0;

	*amr        = 0;
	*n_screened = 0;
	for (size_t i = from + 1; i < to; i++) {
		if (!isnan(x[i]) && !isnan(x[i - 1])) {
			sum += fabs(x[i] - x[i - 1]);
			cnt++;
		}
	}
	if (cnt == 0) {
		return 0;
	}
	*amr = sum / (double) cnt;
	if (screen && *amr > 0) {
		double ul   = D4_MR * *amr;
		double sum2 = 0;
		size_t kept = 0;

		for (size_t i = from + 1; i < to; i++) {
			if (!isnan(x[i]) && !isnan(x[i - 1])) {
				double mr = fabs(x[i] - x[i - 1]);

				if (mr < ul) {
					sum2 += mr;
					kept++;
				}
			}
		}
		/* kept > 0: not every range can reach 3.267 x their mean. */
		*n_screened = cnt - kept;
		*amr        = sum2 / (double) kept;
		cnt         = kept;
	}
	return cnt;
}

/* Centre line, sigma and limits of one segment whose baseline is
 * [seg->start, bend). v holds the charted values (NaN = skipped); sd[i]
 * receives each point's sigma; z is scratch for Laney charts. */
static int
segment_limits(const stats_control_opts *o, const double *y, const double *den,
               const double *v, const double *vb, size_t bend, size_t segno,
               stats_control_segment *seg, stats_control_result *r, double *sd,
               double *z, char *errmsg)
{
	stats_chart chart = o->chart;
	double      sum_y = 0, sum_d = 0;

	/* vb: the values the limits come from (excluded points are NaN). */
	for (size_t i = seg->start; i < bend; i++) {
		if (isnan(vb[i])) {
			continue;
		}
		seg->n_baseline++;
		if (chart_has_den(chart)) {
			sum_y += y[i];
			sum_d += den[i];
		} else {
			sum_y += vb[i];
		}
	}
	if (seg->n_baseline == 0 && chart == STATS_CHART_MR) {
		stats_set_err(
		    errmsg,
		    "segment %zu: the baseline has no two neighbouring "
		    "values, so no moving range",
		    segno + 1);
		return TD_ETOOFEW;
	}
	if (seg->n_baseline == 0) {
		stats_set_err(
		    errmsg,
		    "segment %zu has no values in its baseline (points %zu "
		    "to %zu)",
		    segno + 1, seg->start + 1, bend);
		return TD_ETOOFEW;
	}
	seg->cl = chart_has_den(chart) ? sum_y / sum_d
	                               : sum_y / (double) seg->n_baseline;

	switch (chart) {
	case STATS_CHART_I:
		/* NHS: moving ranges screened, limits at 2.66 of them. */
		seg->n_mr
		    = mean_mr(vb, seg->start, bend,
		              o->screen_mr || o->rules == STATS_RULES_NHS,
		              &seg->amr, &seg->n_mr_screened);
		if (seg->n_mr == 0) {
			stats_set_err(
			    errmsg,
			    "segment %zu: the baseline has no two "
			    "neighbouring values, so no moving range",
			    segno + 1);
			return TD_ETOOFEW;
		}
		seg->sigma      = o->rules == STATS_RULES_NHS
		         ? MDC_LIMIT * seg->amr / 3
		         : seg->amr / D2_MR;
		seg->has_limits = seg->sigma > 0;
		for (size_t i = seg->start; i < seg->end; i++) {
			sd[i] = seg->sigma;
		}
		break;
	case STATS_CHART_MR:
		/* The baseline's moving ranges are v[start+1 .. bend). */
		seg->amr        = seg->cl;
		seg->n_mr       = seg->n_baseline;
		seg->has_limits = seg->cl > 0;
		for (size_t i = seg->start; i < seg->end; i++) {
			sd[i] = 0;
		}
		break;
	case STATS_CHART_C:
		seg->sigma      = sqrt(seg->cl);
		seg->has_limits = seg->sigma > 0;
		for (size_t i = seg->start; i < seg->end; i++) {
			sd[i] = seg->sigma;
		}
		break;
	case STATS_CHART_P:
	case STATS_CHART_PP:
	case STATS_CHART_U:
	case STATS_CHART_UP: {
		bool   prop = chart_is_proportion(chart);
		double var1 = prop ? seg->cl * (1 - seg->cl) : seg->cl;

		seg->has_limits
		    = prop ? (seg->cl > 0 && seg->cl < 1) : seg->cl > 0;
		for (size_t i = seg->start; i < seg->end; i++) {
			sd[i] = isnan(v[i]) ? 0 : sqrt(var1 / den[i]);
		}
		if (!chart_is_laney(chart) || !seg->has_limits) {
			break;
		}
		for (size_t i = seg->start; i < bend; i++) {
			z[i] = isnan(vb[i]) ? NAN : (vb[i] - seg->cl) / sd[i];
		}
		seg->n_mr = mean_mr(z, seg->start, bend, o->screen_mr,
		                    &seg->amr, &seg->n_mr_screened);
		if (seg->n_mr == 0) {
			stats_set_err(
			    errmsg,
			    "segment %zu: the baseline has no two "
			    "neighbouring values, so no moving range of z",
			    segno + 1);
			return TD_ETOOFEW;
		}
		seg->sigma      = seg->amr / D2_MR;
		seg->has_limits = seg->sigma > 0;
		for (size_t i = seg->start; i < seg->end; i++) {
			sd[i] *= seg->sigma;
		}
		break;
	}
	}

	for (size_t i = seg->start; i < seg->end; i++) {
		double lo, hi;

		r->cl[i] = seg->cl;
		if (isnan(v[i])) {
			continue;
		}
		if (chart == STATS_CHART_MR) {
			lo = 0;
			hi = D4_MR * seg->cl;
		} else {
			lo = seg->cl - 3 * sd[i];
			hi = seg->cl + 3 * sd[i];
		}
		if (chart != STATS_CHART_I && lo < 0) {
			lo = 0;
		}
		if (chart_is_proportion(chart) && hi > 1) {
			hi = 1;
		}
		r->lcl[i] = lo;
		r->ucl[i] = hi;
	}
	return TD_OK;
}

/* Check options and the shape of the inputs before anything is
 * allocated. */
static int
check_opts(const double *y, const double *den, size_t n,
           const stats_control_opts *o, char *errmsg)
{
	if ((int) o->chart < (int) STATS_CHART_I
	    || (int) o->chart > (int) STATS_CHART_C) {
		stats_set_err(errmsg, "chart type %d is unknown",
		              (int) o->chart);
		return TD_EINVAL;
	}
	if (o->rules != STATS_RULES_ANHOJ && o->rules != STATS_RULES_IHI
	    && o->rules != STATS_RULES_NHS) {
		stats_set_err(
		    errmsg, "rule set %d is not Anhoj (0), IHI (1) or NHS (2)",
		    (int) o->rules);
		return TD_EINVAL;
	}
	if (n == 0) {
		stats_set_err(errmsg, "the series is empty");
		return TD_ETOOFEW;
	}
	if (y == NULL) {
		stats_set_err(errmsg,
		              "the series has %zu points but no values", n);
		return TD_EINVAL;
	}
	if (chart_has_den(o->chart) && den == NULL) {
		stats_set_err(errmsg, "the %s chart needs denominators",
		              stats_chart_name(o->chart));
		return TD_EINVAL;
	}
	if (!chart_has_den(o->chart) && den != NULL) {
		stats_set_err(errmsg, "the %s chart takes no denominators",
		              stats_chart_name(o->chart));
		return TD_EINVAL;
	}
	if (o->baseline > n) {
		stats_set_err(
		    errmsg,
		    "baseline %zu is longer than the series (%zu points)",
		    o->baseline, n);
		return TD_EINVAL;
	}
	if (o->split >= n) {
		stats_set_err(
		    errmsg,
		    "split at point %zu leaves no points after it (the "
		    "series has %zu points)",
		    o->split + 1, n);
		return TD_EINVAL;
	}
	if (o->split > 0 && o->baseline > o->split) {
		stats_set_err(
		    errmsg,
		    "baseline %zu runs past the split (the second segment "
		    "starts at point %zu)",
		    o->baseline, o->split + 1);
		return TD_EINVAL;
	}
	return TD_OK;
}

int
stats_control(const double *y, const double *den, size_t n,
              const stats_control_opts *opts, stats_control_result *out,
              char *errmsg)
{
	static const stats_control_opts defaults = { 0 };
	stats_control_result            r        = { 0 };
	double *v = NULL, *vb = NULL, *sd = NULL, *z = NULL;
	int     rc;

	if (out == NULL) {
		stats_set_err(errmsg, "no result structure was given");
		return TD_EINVAL;
	}
	memset(out, 0, sizeof(*out));
	if (opts == NULL) {
		opts = &defaults;
	}
	rc = check_opts(y, den, n, opts, errmsg);
	if (rc != TD_OK) {
		return rc;
	}

	r.chart   = opts->chart;
	r.rules   = opts->rules;
	r.n       = n;
	r.value   = calloc(n, sizeof(*r.value));
	r.cl      = calloc(n, sizeof(*r.cl));
	r.lcl     = calloc(n, sizeof(*r.lcl));
	r.ucl     = calloc(n, sizeof(*r.ucl));
	r.skip    = calloc(n, sizeof(*r.skip));
	r.pos     = calloc(n, sizeof(*r.pos));
	r.signals = calloc(n, sizeof(*r.signals));
	v         = malloc(n * sizeof(*v));
	vb        = malloc(n * sizeof(*vb));
	sd        = malloc(n * sizeof(*sd));
	z         = malloc(n * sizeof(*z));
	if (r.value == NULL || r.cl == NULL || r.lcl == NULL || r.ucl == NULL
	    || r.skip == NULL || r.pos == NULL || r.signals == NULL
	    || v == NULL || vb == NULL || sd == NULL || z == NULL) {
		stats_set_err(errmsg,
		              "out of memory for a series of %zu points", n);
		rc = TD_ENOMEM;
		goto done;
	}

	for (size_t i = 0; i < n; i++) {
		rc = point_value(r.chart, y, den, i, &v[i], &r.skip[i],
		                 errmsg);
		if (rc != TD_OK) {
			goto done;
		}
		if (r.skip[i] == STATS_SKIP_MISSING) {
			r.n_missing++;
		} else if (r.skip[i] == STATS_SKIP_ZERO_DEN) {
			r.n_zero_den++;
		}
	}

	r.nsegments = opts->split > 0 ? 2 : 1;
	for (size_t s = 0; s < r.nsegments; s++) {
		stats_control_segment *seg = &r.seg[s];
		size_t                 bend;

		seg->start = s == 0 ? 0 : opts->split;
		seg->end   = (s == 0 && r.nsegments == 2) ? opts->split : n;
		bend       = (s == 0 && opts->baseline > 0) ? opts->baseline
		                                            : seg->end;

		if (r.chart == STATS_CHART_MR) {
			/* Moving ranges never reach across the split. */
			for (size_t i = seg->start; i < seg->end; i++) {
				if (r.skip[i] != STATS_SKIP_NONE) {
					v[i] = NAN;
				} else if (i == seg->start
				           || isnan(y[i - 1])) {
					v[i]      = NAN;
					r.skip[i] = STATS_SKIP_NO_MR;
				} else {
					v[i] = fabs(y[i] - y[i - 1]);
				}
			}
		}

		for (size_t i = seg->start; i < seg->end; i++) {
			bool ex = opts->exclude != NULL
			    && (opts->exclude[i]
			        || (r.chart == STATS_CHART_MR && i > seg->start
			            && opts->exclude[i - 1]));
			vb[i] = ex ? NAN : v[i];
		}
		rc = segment_limits(opts, y, den, v, vb, bend, s, seg, &r, sd,
		                    z, errmsg);
		if (rc != TD_OK) {
			goto done;
		}

		if (r.chart == STATS_CHART_MR) {
			for (size_t i = seg->start; i < seg->end; i++) {
				r.pos[i] = pos_of(v[i], seg->cl);
			}
		} else {
			rc = stats_runs_analyse(v, seg->start, seg->end,
			                        seg->cl, r.rules, &seg->runs,
			                        r.pos, r.signals);
			if (rc != TD_OK) {
				stats_set_err(
				    errmsg,
				    "out of memory in the run analysis");
				goto done;
			}
		}

		for (size_t i = seg->start; i < seg->end; i++) {
			if (isnan(v[i])) {
				continue;
			}
			r.value[i] = v[i];
			if (seg->has_limits
			    && (v[i] > r.ucl[i] || v[i] < r.lcl[i])) {
				r.signals[i] |= STATS_SIG_OUTSIDE;
				seg->n_outside++;
			}
		}
		seg->sig_outside = seg->n_outside > 0;
		if (r.rules == STATS_RULES_NHS && seg->has_limits
		    && r.chart != STATS_CHART_MR) {
			for (size_t i = seg->start; i < seg->end; i++) {
				z[i]  = seg->cl - 2 * sd[i];
				sd[i] = seg->cl + 2 * sd[i];
			}
			seg->sig_two_of_three = stats_mdc_two_in_three(
			    v, seg->start, seg->end, seg->cl, r.lcl, r.ucl, z,
			    sd, r.signals);
		}
		seg->any_signal = seg->sig_outside || seg->sig_two_of_three
		    || seg->runs.sig_long_run || seg->runs.sig_few_crossings
		    || seg->runs.sig_shift || seg->runs.sig_trend;
		r.any_signal = r.any_signal || seg->any_signal;
	}

done:
	free(v);
	free(vb);
	free(sd);
	free(z);
	if (rc != TD_OK) {
		stats_control_result_free(&r);
		return rc;
	}
	*out = r;
	return TD_OK;
}
