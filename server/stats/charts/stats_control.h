/* SPDX-License-Identifier: MIT
 * Shewhart 3-sigma control charts (i, MR, p, Laney p', u, Laney u', c) with
 * qicharts2's formulas, baseline freeze and a split before/after a change;
 * the run rules of stats_runchart.h are applied around the centre line.
 */
#ifndef TANDEM_STATS_CONTROL_H
#define TANDEM_STATS_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#include <tandem/errors.h>

#include "stats_runchart.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum stats_chart {
	/* Individuals: CL = mean, sigma = mean moving range / 1.128. */
	STATS_CHART_I = 0,
	/* Moving ranges |y[i] - y[i-1]|: CL = mean MR, UCL = 3.267 CL,
	 * LCL = 0. The run rules are not applied. */
	STATS_CHART_MR = 1,
	/* Proportions num/den: CL = sum num / sum den, limits
	 * CL +- 3 sqrt(CL (1 - CL) / den[i]) clamped to [0, 1]. */
	STATS_CHART_P = 2,
	/* Laney p': sigma[i] of the p chart times sigma_z, the mean moving
	 * range of z[i] = (p[i] - CL) / sigma[i] over 1.128. */
	STATS_CHART_PP = 3,
	/* Rates count/exposure: CL = sum count / sum exposure, limits
	 * CL +- 3 sqrt(CL / exposure[i]), LCL clamped at 0. */
	STATS_CHART_U = 4,
	/* Laney u': as p' on the u chart's sigma[i]. */
	STATS_CHART_UP = 5,
	/* Counts: CL = mean count, limits CL +- 3 sqrt(CL), LCL >= 0. */
	STATS_CHART_C = 6,
} stats_chart;

/* Why a point has no value on the chart. */
typedef enum stats_skip {
	STATS_SKIP_NONE     = 0,
	STATS_SKIP_MISSING  = 1, /* NaN value, numerator or denominator */
	STATS_SKIP_ZERO_DEN = 2, /* p/u charts: denominator 0 */
	STATS_SKIP_NO_MR    = 3, /* MR chart: no valued previous point in
	                          * the same segment */
} stats_skip;

/* Options. All-zero is: i chart, Anhøj rules, every point in the
 * baseline, no split, moving ranges not screened. */
typedef struct stats_control_opts {
	stats_chart chart;
	stats_rules rules;
	/* Freeze: limits from points [0, baseline) only; 0 = every point of
	 * the segment. With a split, the baseline must end at or before the
	 * split; the second segment always uses all of its points. */
	size_t baseline;
	/* First point after a change: [0, split) and [split, n) get separate
	 * limits and separate run analyses. 0 = no split. */
	size_t split;
	/* Nelson (1982) screening, qicharts2's option qic.screenedmr: drop
	 * moving ranges >= 3.267 x their mean, then average again (i, p', u'
	 * charts). Off by default, as in ANALYSES.md. */
	bool screen_mr;
	/* qicharts2's exclude: points (n entries, true = excluded) left out
	 * of the centre line and limits but drawn and tested against them;
	 * an MR chart also leaves out the moving ranges that touch one.
	 * NULL = none. */
	const bool *exclude;
} stats_control_opts;

typedef struct stats_control_segment {
	size_t start, end; /* points [start, end) */
	size_t n_baseline; /* valued points the centre line came from */
	double cl; /* centre line */
	/* i: AMR / 1.128; c: sqrt(CL); p', u': sigma_z; p, u, MR: 0 (their
	 * sigma differs per point, or MR has no sigma). */
	double sigma;
	double amr; /* i, MR: of the values; p', u': of z */
	size_t n_mr; /* moving ranges behind amr */
	size_t n_mr_screened; /* dropped by screen_mr */
	/* false when the limits have zero width (zero moving range, CL 0
	 * on p/u/c charts, CL 1 on p charts): lcl = ucl = cl and no point
	 * can be outside; the run rules still apply. */
	bool              has_limits;
	size_t            n_outside;
	bool              sig_outside;
	bool              sig_two_of_three; /* NHS rule set only */
	stats_run_summary runs; /* all zero on MR charts */
	bool              any_signal;
} stats_control_segment;

typedef struct stats_control_result {
	stats_chart           chart;
	stats_rules           rules;
	size_t                n; /* points, including skipped */
	size_t                n_missing; /* skipped as STATS_SKIP_MISSING */
	size_t                n_zero_den; /* skipped as STATS_SKIP_ZERO_DEN */
	size_t                nsegments; /* 1, or 2 with a split */
	stats_control_segment seg[2];
	/* Per point, n entries each, owned by the result. Where skip[i] is
	 * not STATS_SKIP_NONE, value, lcl and ucl are 0 and mean nothing;
	 * cl[i] is always the centre line of the point's segment. */
	double          *value; /* y, MR, num/den or count/exposure */
	double          *cl;
	double          *lcl;
	double          *ucl;
	stats_skip      *skip;
	stats_point_pos *pos;
	unsigned        *signals; /* STATS_SIG_* bits */
	bool             any_signal;
} stats_control_result;

/* stats_control draws the chart opts->chart over n points.
 * y: the values (i, MR), the counts (c), the numerators (p, p') or the
 * event counts (u, u'). den: the denominators (p, p') or the exposures
 * (u, u'); must be NULL for i, MR and c. NaN in either marks a point
 * missing: skipped and counted, never read as zero. A denominator of 0 is
 * skipped and counted in n_zero_den. Moving ranges are taken only between
 * neighbouring valued points of one segment (a gap or the split breaks
 * them), as qicharts2 does.
 * On success fills *out, whose arrays the caller owns and releases with
 * stats_control_result_free. On failure returns TD_EINVAL (bad option,
 * negative count, numerator above its denominator, infinite value),
 * TD_ETOOFEW (a segment or baseline without values, or i/MR/p'/u' without
 * a moving range) or TD_ENOMEM, leaves *out zeroed and, if errmsg is not
 * NULL, writes a sentence of at most TD_ERRMSG_MAX bytes (points counted
 * from 1). opts may be NULL for the defaults. */
int stats_control(const double *y, const double *den, size_t n,
                  const stats_control_opts *opts, stats_control_result *out,
                  char *errmsg) __attribute__((warn_unused_result));

/* stats_control_result_free releases the arrays of r and zeroes it;
 * accepts NULL and an already-freed result. */
void stats_control_result_free(stats_control_result *r);

/* stats_chart_name gives a static lowercase name ("i", "mr", "p", "pp",
 * "u", "up", "c"), or "?" for an unknown chart. */
const char *stats_chart_name(stats_chart chart);

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_STATS_CONTROL_H */
