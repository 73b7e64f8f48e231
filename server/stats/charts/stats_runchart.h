/* SPDX-License-Identifier: MIT
 * Run charts: a series around its median, judged by one of three rule sets
 * (Anhøj as in qicharts2, IHI, NHS "Making Data Count"). The run-rule
 * engine is shared with the control charts in stats_control.c.
 */
#ifndef TANDEM_STATS_RUNCHART_H
#define TANDEM_STATS_RUNCHART_H

#include <stdbool.h>
#include <stddef.h>

#include <tandem/errors.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Rule sets for reading a series around its centre line. */
typedef enum stats_rules {
	/* Anhøj (qicharts2): unusually long run > round(log2(n)) + 3, or
	 * too few crossings < qbinom(0.05, n - 1, 0.5); n = points not on
	 * the centre. Points on the centre are dropped before counting. */
	STATS_RULES_ANHOJ = 0,
	/* IHI: shift of >= 6 points on one side (points on the centre
	 * neither count nor break it); trend of >= 5 points rising or
	 * falling (equal neighbours counted once). */
	STATS_RULES_IHI = 1,
	/* NHS "Making Data Count": run of >= 7 points on one side (a point
	 * on the centre breaks it); trend of >= 7 points strictly rising or
	 * falling (an equal neighbour breaks it); on control charts also two
	 * of three consecutive points beyond two-thirds of the way from the
	 * centre to a 3-sigma limit, on the same side. */
	STATS_RULES_NHS = 2,
} stats_rules;

/* Where a point lies relative to its centre line. */
typedef enum stats_point_pos {
	STATS_POS_MISSING = 0, /* no value (NaN input, or skipped) */
	STATS_POS_BELOW   = 1,
	STATS_POS_ON      = 2,
	STATS_POS_ABOVE   = 3,
} stats_point_pos;

/* Per-point signal bits: a point has a bit set when it takes part in
 * that signal. */
#define STATS_SIG_LONG_RUN      0x01u /* Anhøj unusually long run */
#define STATS_SIG_FEW_CROSSINGS 0x02u /* Anhøj; set on every valued point */
#define STATS_SIG_SHIFT         0x04u /* IHI / NHS run on one side */
#define STATS_SIG_TREND         0x08u /* IHI / NHS trend */
#define STATS_SIG_OUTSIDE       0x10u /* control charts: beyond a limit */
#define STATS_SIG_TWO_OF_THREE  0x20u /* control charts, NHS rule set */

/* The run analysis of one segment around one centre value.
 * The Anhøj statistics (n_useful .. n_crossings_min) are reported for
 * every rule set; the sig_ flags only for the chosen rule set. */
typedef struct stats_run_summary {
	size_t n_obs; /* points with a value */
	size_t n_useful; /* points with a value, not on the centre */
	/* false when n_useful == 0 (every value on the centre): no run
	 * statistic exists and no run signal can be raised. */
	bool   has_runs;
	size_t longest_run; /* longest run on one side (Anhøj counting) */
	size_t n_crossings; /* runs - 1 */
	size_t longest_run_max; /* round(log2(n_useful)) + 3 */
	size_t n_crossings_min; /* qbinom(0.05, n_useful - 1, 0.5) */
	/* IHI / NHS only (0 under Anhøj), counted by that rule set's
	 * conventions: longest run on one side, longest trend in points. */
	size_t longest_shift;
	size_t longest_trend;
	bool   sig_long_run; /* Anhøj */
	bool   sig_few_crossings; /* Anhøj */
	bool   sig_shift; /* IHI, NHS */
	bool   sig_trend; /* IHI, NHS */
} stats_run_summary;

/* Options. All-zero is the default: Anhøj rules, every point in the
 * baseline, no split. */
typedef struct stats_runchart_opts {
	stats_rules rules;
	/* Freeze: the centre is the median of points [0, baseline) only;
	 * 0 = every point of the segment. With a split, the baseline must
	 * end at or before the split; the second segment always uses all of
	 * its points. */
	size_t baseline;
	/* Index of the first point after a change: points [0, split) and
	 * [split, n) get separate centres and separate run analyses.
	 * 0 = no split. */
	size_t split;
	/* Points (n entries, true = excluded) left out of the median but
	 * drawn and read by the rules (qicharts2's exclude); NULL = none. */
	const bool *exclude;
} stats_runchart_opts;

typedef struct stats_runchart_segment {
	size_t            start, end; /* points [start, end) */
	size_t            n_baseline; /* values the median was taken over */
	double            centre; /* median of the baseline values */
	stats_run_summary runs;
} stats_runchart_segment;

typedef struct stats_runchart_result {
	stats_rules            rules;
	size_t                 n; /* points, including missing */
	size_t                 n_missing; /* NaN inputs, skipped */
	size_t                 nsegments; /* 1, or 2 with a split */
	stats_runchart_segment seg[2];
	/* Per point, n entries each, owned by the result: */
	double          *centre; /* the centre line of the point's segment */
	stats_point_pos *pos; /* missing / below / on / above */
	unsigned        *signals; /* STATS_SIG_* bits */
	bool             any_signal;
} stats_runchart_result;

/* stats_runchart analyses y[0..n) (NaN = missing: skipped, counted in
 * n_missing, never read as zero). On success fills *out, whose arrays the
 * caller owns and releases with stats_runchart_result_free. On failure
 * returns TD_EINVAL (bad option or infinite value), TD_ETOOFEW (no value
 * in a segment or its baseline) or TD_ENOMEM, leaves *out zeroed and, if
 * errmsg is not NULL, writes a sentence of at most TD_ERRMSG_MAX bytes
 * into it (points counted from 1). opts may be NULL for the defaults.
 * A segment whose values all lie on the median is a success with
 * runs.has_runs == false and no signals. */
int stats_runchart(const double *y, size_t n, const stats_runchart_opts *opts,
                   stats_runchart_result *out, char *errmsg)
    __attribute__((warn_unused_result));

/* stats_runchart_result_free releases the arrays of r and zeroes it;
 * accepts NULL and an already-freed result. */
void stats_runchart_result_free(stats_runchart_result *r);

/* stats_anhoej_limits gives the Anhøj limits for n_useful points off the
 * centre: the longest run allowed, round(log2(n)) + 3, and the fewest
 * crossings allowed, qbinom(0.05, n - 1, 0.5) from GSL's binomial CDF.
 * Returns TD_EINVAL for n_useful == 0, where neither is defined. */
int stats_anhoej_limits(size_t n_useful, size_t *longest_run_max,
                        size_t *n_crossings_min)
    __attribute__((warn_unused_result));

/* For stats_control.c: the run analysis of v[start..end) around centre
 * under rules (NaN in v = no value). Fills *rs, sets pos[i] and ORs signal
 * bits into sig[i] for i in [start, end). Returns 0 or TD_ENOMEM. */
int stats_runs_analyse(const double *v, size_t start, size_t end,
                       double centre, stats_rules rules, stats_run_summary *rs,
                       stats_point_pos *pos, unsigned *sig)
    __attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_STATS_RUNCHART_H */
