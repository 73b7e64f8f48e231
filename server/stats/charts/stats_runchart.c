/* SPDX-License-Identifier: MIT
 * Run charts and the run-rule engine (Anhøj, IHI, NHS) that the control
 * charts reuse. Definitions: ANALYSES.md, "Improvement over time"; the
 * Anhøj counting follows qicharts2's runs.analysis().
 */
#include "stats.h"
#include "stats_runchart.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

/* Minimum lengths, in points, of the IHI and NHS signals. */
#define IHI_SHIFT_MIN 6
#define IHI_TREND_MIN 5
#define NHS_SHIFT_MIN 7
#define NHS_TREND_MIN 7

/* R's qbinom(p, size, 0.5): the smallest k with P(X <= k) >= p. R fuzzes p
 * down by 64 ulps so that a CDF landing on p by rounding still counts; do
 * the same so that the limits agree with R's at every n. */
static size_t
qbinom_half(double p, size_t size)
{
	double target = p * (1.0 - 64.0 * DBL_EPSILON);
	size_t lo = 0, hi = size;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (gsl_cdf_binomial_P((unsigned) mid, 0.5, (unsigned) size)
		    >= target) {
			hi = mid;
		} else {
			lo = mid + 1;
		}
	}
	return lo;
}

int
stats_anhoej_limits(size_t n_useful, size_t *longest_run_max,
                    size_t *n_crossings_min)
{
	if (n_useful == 0 || n_useful > UINT32_MAX) {
		return TD_EINVAL;
	}
	if (longest_run_max != NULL) {
		*longest_run_max
		    = (size_t) lround(log2((double) n_useful)) + 3;
	}
	if (n_crossings_min != NULL) {
		*n_crossings_min = qbinom_half(0.05, n_useful - 1);
	}
	return TD_OK;
}

static stats_point_pos
side_of(double v, double centre)
{
	if (isnan(v)) {
		return STATS_POS_MISSING;
	}
	if (v > centre) {
		return STATS_POS_ABOVE;
	}
	if (v < centre) {
		return STATS_POS_BELOW;
	}
	return STATS_POS_ON;
}

/* Runs on one side of the centre, over the valued points idx[0..m).
 * Points on the centre either break a run (NHS) or are passed over
 * (Anhøj, IHI). Marks `flag` on every point of a run at least min_len
 * long (min_len 0 marks nothing) and returns the longest run and, through
 * nruns, how many runs there were. */
static size_t
scan_runs(const size_t *idx, size_t m, const stats_point_pos *pos,
          bool centre_breaks, size_t min_len, unsigned flag, unsigned *sig,
          size_t *nruns)
{
	size_t          longest = 0, runs = 0, len = 0, first = 0;
	stats_point_pos side = STATS_POS_MISSING;

	for (size_t j = 0; j <= m; j++) {
		stats_point_pos p = j < m ? pos[idx[j]] : STATS_POS_MISSING;

		if (j < m && p == STATS_POS_ON && !centre_breaks) {
			continue;
		}
		if (j < m && p != STATS_POS_ON && p == side) {
			len++;
			continue;
		}
		/* The current run (if any) ends before j. */
		if (len > 0) {
			runs++;
			if (len > longest) {
				longest = len;
			}
			if (min_len > 0 && len >= min_len) {
				for (size_t k = first; k < j; k++) {
					if (pos[idx[k]] == side) {
						sig[idx[k]] |= flag;
					}
				}
			}
		}
		if (j < m && p != STATS_POS_ON) {
			side  = p;
			len   = 1;
			first = j;
		} else {
			side = STATS_POS_MISSING;
			len  = 0;
		}
	}
	if (nruns != NULL) {
		*nruns = runs;
	}
	return longest;
}

/* Trends over the valued points idx[0..m): stretches of strictly rising
 * or strictly falling values. With collapse_equal, equal neighbours are
 * one point (IHI: they neither make nor break a trend); without it an
 * equal neighbour ends the trend (NHS). Marks every point of a trend of at
 * least min_len counted points; returns the longest trend in counted
 * points. grp is scratch space for m entries. */
static size_t
scan_trends(const double *v, const size_t *idx, size_t m, bool collapse_equal,
            size_t min_len, unsigned *sig, size_t *grp)
{
	size_t ngrp = 0, longest = 0;

	if (m == 0) {
		return 0;
	}
	/* grp[g] = position in idx of the first point of counted point g. */
	for (size_t j = 0; j < m; j++) {
		if (collapse_equal && j > 0 && v[idx[j]] == v[idx[j - 1]]) {
			continue;
		}
		grp[ngrp++] = j;
	}
	longest = 1;
	for (int dir = -1; dir <= 1; dir += 2) {
		size_t start = 0;

		for (size_t g = 1; g <= ngrp; g++) {
			bool cont = false;

			if (g < ngrp) {
				double d = v[idx[grp[g]]] - v[idx[grp[g - 1]]];

				cont = dir > 0 ? d > 0 : d < 0;
			}
			if (cont) {
				continue;
			}
			/* Counted points start .. g-1 form a trend. */
			size_t len = g - start;

			if (len > longest) {
				longest = len;
			}
			if (len >= min_len && len > 1) {
				size_t from = grp[start];
				size_t to   = g < ngrp ? grp[g] : m;

				for (size_t k = from; k < to; k++) {
					sig[idx[k]] |= STATS_SIG_TREND;
				}
			}
			start = g;
		}
	}
	return longest;
}

int
stats_runs_analyse(const double *v, size_t start, size_t end, double centre,
                   stats_rules rules, stats_run_summary *rs,
                   stats_point_pos *pos, unsigned *sig)
{
	size_t *idx = NULL, *grp = NULL;
	size_t  m = 0;

	memset(rs, 0, sizeof(*rs));
	if (end > start) {
		idx = malloc((end - start) * sizeof(*idx));
		grp = malloc((end - start) * sizeof(*grp));
		if (idx == NULL || grp == NULL) {
			free(idx);
			free(grp);
			return TD_ENOMEM;
		}
	}
	for (size_t i = start; i < end; i++) {
		pos[i] = side_of(v[i], centre);
		if (pos[i] != STATS_POS_MISSING) {
			idx[m++] = i;
			if (pos[i] != STATS_POS_ON) {
				rs->n_useful++;
			}
		}
	}
	rs->n_obs    = m;
	rs->has_runs = rs->n_useful > 0;

	if (rs->has_runs) {
		size_t nruns = 0;
		int    rc;

		rs->longest_run
		    = scan_runs(idx, m, pos, false, 0, 0, sig, &nruns);
		rs->n_crossings = nruns - 1;
		rc = stats_anhoej_limits(rs->n_useful, &rs->longest_run_max,
		                         &rs->n_crossings_min);
		if (rc != TD_OK) {
			free(idx);
			free(grp);
			return rc;
		}
	}

	switch (rules) {
	case STATS_RULES_ANHOJ:
		if (!rs->has_runs) {
			break;
		}
		rs->sig_long_run = rs->longest_run > rs->longest_run_max;
		if (rs->sig_long_run) {
			(void) scan_runs(idx, m, pos, false,
			                 rs->longest_run_max + 1,
			                 STATS_SIG_LONG_RUN, sig, NULL);
		}
		rs->sig_few_crossings = rs->n_crossings < rs->n_crossings_min;
		if (rs->sig_few_crossings) {
			for (size_t j = 0; j < m; j++) {
				sig[idx[j]] |= STATS_SIG_FEW_CROSSINGS;
			}
		}
		break;
	case STATS_RULES_IHI:
	case STATS_RULES_NHS: {
		bool   nhs       = rules == STATS_RULES_NHS;
		size_t shift_min = nhs ? NHS_SHIFT_MIN : IHI_SHIFT_MIN;
		size_t trend_min = nhs ? NHS_TREND_MIN : IHI_TREND_MIN;

		rs->longest_shift = scan_runs(idx, m, pos, nhs, shift_min,
		                              STATS_SIG_SHIFT, sig, NULL);
		rs->sig_shift     = rs->longest_shift >= shift_min;
		rs->longest_trend
		    = scan_trends(v, idx, m, !nhs, trend_min, sig, grp);
		rs->sig_trend = rs->longest_trend >= trend_min;
		break;
	}
	}
	free(idx);
	free(grp);
	return TD_OK;
}

/* Median of the valued points of v[from..to); scratch holds to - from
 * entries. Returns the number of values used (0: no median). */
static size_t
median_of(const double *v, size_t from, size_t to, double *scratch,
          double *median)
{
	size_t m = 0;

	for (size_t i = from; i < to; i++) {
		if (!isnan(v[i])) {
			scratch[m++] = v[i];
		}
	}
	if (m > 0) {
		gsl_sort(scratch, 1, m);
		*median = gsl_stats_median_from_sorted_data(scratch, 1, m);
	}
	return m;
}

void
stats_runchart_result_free(stats_runchart_result *r)
{
	if (r == NULL) {
		return;
	}
	free(r->centre);
	free(r->pos);
	free(r->signals);
	memset(r, 0, sizeof(*r));
}

int
stats_runchart(const double *y, size_t n, const stats_runchart_opts *opts,
               stats_runchart_result *out, char *errmsg)
{
	static const stats_runchart_opts defaults = { 0 };
	stats_runchart_result            r        = { 0 };
	double                          *scratch  = NULL, *base;
	int                              rc       = TD_OK;

	if (out == NULL) {
		stats_set_err(errmsg, "no result structure was given");
		return TD_EINVAL;
	}
	memset(out, 0, sizeof(*out));
	if (opts == NULL) {
		opts = &defaults;
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
	if (opts->rules != STATS_RULES_ANHOJ && opts->rules != STATS_RULES_IHI
	    && opts->rules != STATS_RULES_NHS) {
		stats_set_err(
		    errmsg, "rule set %d is not Anhoj (0), IHI (1) or NHS (2)",
		    (int) opts->rules);
		return TD_EINVAL;
	}
	if (opts->baseline > n) {
		stats_set_err(
		    errmsg,
		    "baseline %zu is longer than the series (%zu points)",
		    opts->baseline, n);
		return TD_EINVAL;
	}
	if (opts->split >= n) {
		stats_set_err(
		    errmsg,
		    "split at point %zu leaves no points after it (the "
		    "series has %zu points)",
		    opts->split + 1, n);
		return TD_EINVAL;
	}
	if (opts->split > 0 && opts->baseline > opts->split) {
		stats_set_err(
		    errmsg,
		    "baseline %zu runs past the split (the second segment "
		    "starts at point %zu)",
		    opts->baseline, opts->split + 1);
		return TD_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (isinf(y[i])) {
			stats_set_err(errmsg, "point %zu: value is infinite",
			              i + 1);
			return TD_EINVAL;
		}
		if (isnan(y[i])) {
			r.n_missing++;
		}
	}

	r.rules   = opts->rules;
	r.n       = n;
	r.centre  = malloc(n * sizeof(*r.centre));
	r.pos     = calloc(n, sizeof(*r.pos));
	r.signals = calloc(n, sizeof(*r.signals));
	scratch   = malloc(2 * n * sizeof(*scratch));
	base      = scratch + n;
	if (r.centre == NULL || r.pos == NULL || r.signals == NULL
	    || scratch == NULL) {
		stats_set_err(errmsg,
		              "out of memory for a series of %zu points", n);
		rc = TD_ENOMEM;
		goto fail;
	}

	r.nsegments = opts->split > 0 ? 2 : 1;
	for (size_t s = 0; s < r.nsegments; s++) {
		stats_runchart_segment *seg = &r.seg[s];
		size_t                  bend;

		seg->start = s == 0 ? 0 : opts->split;
		seg->end   = (s == 0 && r.nsegments == 2) ? opts->split : n;
		bend       = (s == 0 && opts->baseline > 0) ? opts->baseline
		                                            : seg->end;
		if (opts->exclude != NULL) {
			/* Excluded points stay out of the median only. */
			for (size_t i = seg->start; i < bend; i++) {
				base[i] = opts->exclude[i] ? NAN : y[i];
			}
		}
		seg->n_baseline
		    = median_of(opts->exclude ? base : y, seg->start, bend,
		                scratch, &seg->centre);
		if (seg->n_baseline == 0) {
			stats_set_err(
			    errmsg,
			    "segment %zu has no values in its baseline "
			    "(points %zu to %zu are all missing)",
			    s + 1, seg->start + 1, bend);
			rc = TD_ETOOFEW;
			goto fail;
		}
		for (size_t i = seg->start; i < seg->end; i++) {
			r.centre[i] = seg->centre;
		}
		rc = stats_runs_analyse(y, seg->start, seg->end, seg->centre,
		                        r.rules, &seg->runs, r.pos, r.signals);
		if (rc != TD_OK) {
			stats_set_err(errmsg,
			              "out of memory in the run analysis");
			goto fail;
		}
		if (seg->runs.sig_long_run || seg->runs.sig_few_crossings
		    || seg->runs.sig_shift || seg->runs.sig_trend) {
			r.any_signal = true;
		}
	}
	free(scratch);
	*out = r;
	return TD_OK;

fail:
	free(scratch);
	stats_runchart_result_free(&r);
	return rc;
}
