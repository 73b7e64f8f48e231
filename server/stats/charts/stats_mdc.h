/* SPDX-License-Identifier: MIT
 * NHS "Making Data Count" XmR charts as NHSRplotthedots draws them: limits
 * at mean +- 2.66 x the (screened) mean moving range, the four
 * special-cause rules, and the variation and assurance icons of a series.
 */
#ifndef TANDEM_STATS_MDC_H
#define TANDEM_STATS_MDC_H

#include <stdbool.h>
#include <stddef.h>

#include <tandem/errors.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Points a series needs before its icons mean anything (MDC guidance). */
#define STATS_MDC_MIN_POINTS 12
/* Most rebases (new limits from a point on) one series may carry. */
#define STATS_MDC_MAX_SEGMENTS 16

/* Which way is better. */
typedef enum stats_mdc_direction {
	STATS_MDC_NEUTRAL = 0, /* no direction: neutral icons, no assurance */
	STATS_MDC_HIGHER  = 1,
	STATS_MDC_LOWER   = 2,
} stats_mdc_direction;

/* The rule a point is labelled with, in MDC's precedence (the first that
 * applies wins). */
typedef enum stats_mdc_rule {
	STATS_MDC_RULE_NONE    = 0,
	STATS_MDC_RULE_OUTSIDE = 1, /* beyond a process limit */
	STATS_MDC_RULE_TREND   = 2, /* part of 7 strictly rising/falling */
	STATS_MDC_RULE_TWO_IN_THREE = 3, /* 2 of 3 near a limit, one side */
	STATS_MDC_RULE_SHIFT        = 4, /* part of >= 7 on one side */
} stats_mdc_rule;

/* A point's type, NHSRplotthedots' point_type. */
typedef enum stats_mdc_type {
	STATS_MDC_MISSING      = 0, /* no value */
	STATS_MDC_COMMON       = 1,
	STATS_MDC_IMPROVEMENT  = 2,
	STATS_MDC_CONCERN      = 3,
	STATS_MDC_NEUTRAL_HIGH = 4,
	STATS_MDC_NEUTRAL_LOW  = 5,
} stats_mdc_type;

typedef enum stats_mdc_assurance {
	STATS_MDC_ASSURANCE_NONE         = 0, /* no target or no direction */
	STATS_MDC_ASSURANCE_PASS         = 1, /* consistently passing */
	STATS_MDC_ASSURANCE_FAIL         = 2, /* consistently failing */
	STATS_MDC_ASSURANCE_INCONSISTENT = 3, /* the target is within limits */
} stats_mdc_assurance;

typedef struct stats_mdc_opts {
	stats_mdc_direction direction;
	/* Limits from the first fix_after points of each segment only
	 * (NHSRplotthedots' fix_after_n_points); 0 = every point. */
	size_t fix_after;
	/* Points where new limits start (rebase), strictly increasing,
	 * each in 1..n-1; at most STATS_MDC_MAX_SEGMENTS - 1. */
	const size_t *rebase;
	size_t        n_rebase;
	/* Moving ranges are screened unless this is set. */
	bool   no_screen;
	bool   has_target;
	double target;
} stats_mdc_opts;

typedef struct stats_mdc_segment {
	size_t start, end; /* points [start, end) */
	size_t n_values; /* valued points in the segment */
	size_t n_baseline; /* valued points the mean came from */
	double mean;
	double amr; /* mean moving range after screening */
	size_t n_mr; /* moving ranges behind amr */
	size_t n_mr_screened; /* dropped as >= 3.267 x their first mean */
	double lpl, upl; /* process limits: mean -+ 2.66 amr */
	double nlpl, nupl; /* near-limit lines: mean -+ (2/3) 2.66 amr */
} stats_mdc_segment;

typedef struct stats_mdc_result {
	size_t            n; /* points, including missing */
	size_t            n_missing;
	size_t            nsegments;
	stats_mdc_segment seg[STATS_MDC_MAX_SEGMENTS];
	/* Per point, n entries each, owned by the result. */
	size_t         *segment; /* index into seg */
	stats_mdc_rule *rule;
	stats_mdc_type *type;
	unsigned       *signals; /* STATS_SIG_* bits of every rule it is in */
	/* Icons of the latest valued point and the last segment's limits;
	 * has_icons false with the reason in icon_note otherwise. */
	bool                has_icons;
	stats_mdc_type      variation;
	stats_mdc_assurance assurance;
	char                icon_note[160];
} stats_mdc_result;

/* stats_mdc draws the XmR chart of y[0..n) (NaN = missing: skipped,
 * counted, never zero; a moving range needs two neighbouring values; the
 * rules read the valued points in order). On success fills *out, whose
 * arrays the caller owns and frees with stats_mdc_result_free. On failure
 * returns TD_EINVAL (bad option, infinite value), TD_ETOOFEW (a segment
 * without two neighbouring values) or TD_ENOMEM, leaves *out zeroed and
 * writes a sentence into errmsg (TD_ERRMSG_MAX bytes) when not NULL. */
int stats_mdc(const double *y, size_t n, const stats_mdc_opts *opts,
              stats_mdc_result *out, char *errmsg)
    __attribute__((warn_unused_result));

/* stats_mdc_result_free releases r's arrays and zeroes it; accepts NULL. */
void stats_mdc_result_free(stats_mdc_result *r);

/* stats_mdc_two_in_three marks (STATS_SIG_TWO_OF_THREE) the points of
 * v[start..end) that are close to a limit (beyond their near-limit line
 * nlo[i]/nhi[i] but not beyond the limit lo[i]/hi[i]) within three
 * consecutive valued points that all lie on one side of cl and of which
 * at least two are close. Returns whether any point was marked. */
bool stats_mdc_two_in_three(const double *v, size_t start, size_t end,
                            double cl, const double *lo, const double *hi,
                            const double *nlo, const double *nhi,
                            unsigned *sig);

/* Static lowercase names: "common_cause", "special_cause_improvement", ...
 * (NHSRplotthedots' words), and for icons "improvement", "concern",
 * "common", "neutral_high", "neutral_low"; "consistent_pass",
 * "consistent_fail", "inconsistent", ""; rules "outside_limits",
 * "trend", "two_in_three", "shift", "". */
const char *stats_mdc_type_name(stats_mdc_type t);
const char *stats_mdc_icon_name(stats_mdc_type t);
const char *stats_mdc_assurance_name(stats_mdc_assurance a);
const char *stats_mdc_rule_name(stats_mdc_rule r);

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_STATS_MDC_H */
