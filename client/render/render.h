/* SPDX-License-Identifier: MIT
 * The rendering module: every picture Tandem draws, shared by `tandem
 * analyze … --svg` and `tandem report`. Charts are self-contained SVG 1.1
 * (no fonts, CSS, scripts or links to fetch), each with a <title> and a
 * <desc> as its text alternative; html.c writes the report's page around
 * them. Pure code: arrays in, text out; it knows nothing of the wire.
 */
#ifndef TANDEM_RENDER_H
#define TANDEM_RENDER_H

#include <stddef.h>
#include <stdio.h>

#include "tandem/errors.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Per-point flags of a series chart; a point may carry several. */
enum render_flag {
	RENDER_SIGNAL   = 1u << 0, /* outside the limits */
	RENDER_RUN      = 1u << 1, /* part of a long run, shift or trend */
	RENDER_EXCLUDED = 1u << 2, /* left out of centre/limits: hollow */
	RENDER_MISSING  = 1u << 3, /* a NaN value is missing, not suppressed */
};

/* Which way is better for a measure. */
enum render_direction {
	RENDER_DIR_NONE   = 0,
	RENDER_DIR_HIGHER = 1,
	RENDER_DIR_LOWER  = 2,
};

/* What a signal means for the measure: better, worse, or (no direction
 * known, or both sides at once) neither. */
enum render_sense {
	RENDER_NEUTRAL     = 0,
	RENDER_IMPROVEMENT = 1,
	RENDER_CONCERN     = 2,
};

/* A signal named in words over points first..last (inclusive). */
typedef struct render_signal {
	size_t      first, last;
	const char *text; /* e.g. "Shift: 9 months above the median" */
	int         no_side; /* 1: the signal has no side (too few
	                        crossings): neutral, whatever the points */
} render_signal;

/* A span of time drawn behind a chart (a PDSA cycle): dates YYYY-MM-DD,
 * end may be "" (still running). */
typedef struct render_span {
	const char *start, *end;
	const char *label;
} render_span;

/* render_signal_sense: whether points first..last of values sit above
 * (mean of value - centre > 0) or below the centre, read against the
 * measure's direction. Points whose value or centre is NaN are ignored.
 * The one place the report's words and the charts' colours come from. */
int render_signal_sense(const double *values, const double *centre,
                        size_t first, size_t last, int direction);

/* A run chart or control chart. Every array has n entries. NaN marks what
 * is not there: a NaN value is a gap in the line (counted as suppressed,
 * or as missing with RENDER_MISSING), a NaN centre/lcl/ucl draws no line
 * at that point. Centre and limits are drawn as steps, broken where the
 * centre changes (a split), and labelled with their last value. With
 * `starts` the x axis is a date axis: points sit at their period's start,
 * and a gap longer than the usual spacing (a summer break) breaks the
 * line and is shaded and named. Infinite values are rejected. */
typedef struct render_series {
	const char        *title; /* may be NULL */
	const char        *subtitle; /* may be NULL */
	const char        *desc; /* more text alternative; may be NULL */
	const char        *y_label; /* name and unit; may be NULL */
	const char        *centre_label; /* NULL = "Centre" */
	int                direction; /* enum render_direction */
	int                has_target; /* 0: no target line */
	double             target;
	size_t             n; /* 1 or more points */
	const char *const *x_labels; /* NULL: points are numbered 1..n */
	const char *const *starts; /* NULL: evenly spaced points */
	const double      *values; /* required */
	const double      *centre; /* NULL: no centre line */
	const double      *lcl; /* NULL: no lower limit */
	const double      *ucl; /* NULL: no upper limit */
	const unsigned    *flags; /* NULL: no flags; render_flag bits */
	size_t             baseline_n; /* 0 = none; else points
	                                  0..baseline_n-1 were the baseline */
	size_t               n_signals;
	const render_signal *signals; /* named on the chart */
	size_t               n_spans;
	const render_span   *spans; /* PDSA cycles; needs starts */
	int                  inline_svg; /* 1: for an HTML page (no prolog) */
} render_series;

/* render_series_chart writes the chart to out. Returns 0, TD_EINVAL (NULL
 * arguments, n = 0, an infinite value, baseline_n > n, a bad date, a
 * signal outside the points) or TD_EIO when writing fails. Nothing is
 * written when the input is rejected. */
int render_series_chart(FILE *out, const render_series *s)
    __attribute__((warn_unused_result));

/* One small chart of a grid (a school). */
typedef struct render_panel {
	const char          *name; /* e.g. the school's name */
	const char          *code; /* small type; may be NULL */
	size_t               n;
	const char *const   *starts; /* required: YYYY-MM-DD */
	const double        *values; /* NaN = suppressed or missing */
	const double        *centre; /* may be NULL */
	const unsigned      *flags; /* may be NULL */
	size_t               n_signals;
	const render_signal *signals;
} render_panel;

/* Small multiples: every panel on the same x (dates) and y scale, so
 * panels can be compared at a glance; signals coloured by their sense. */
typedef struct render_multiples {
	const char         *title;
	const char         *subtitle; /* may be NULL */
	const char         *desc; /* may be NULL */
	const char         *y_label; /* name and unit */
	const char         *centre_label; /* NULL = "Centre" */
	int                 direction;
	int                 has_target; /* 0: no target line */
	double              target;
	size_t              n_panels; /* 1 or more */
	const render_panel *panels;
	int                 columns; /* 0 = 4 */
	int                 inline_svg;
} render_multiples;

int render_multiples_chart(FILE *out, const render_multiples *m)
    __attribute__((warn_unused_result));

/* The positive-deviance scatter: one point per unit at (predicted,
 * actual) on equal axes with the identity line. The flagged units come
 * first for the eye: drawn last, large, labelled with their names, with
 * their 95% prediction intervals; the rest are small and faded, without
 * intervals. A unit whose predicted or actual value is NaN (suppressed)
 * is left out and counted in a note. */
typedef struct render_scatter {
	const char          *title; /* may be NULL */
	const char          *subtitle; /* may be NULL */
	const char          *desc; /* may be NULL */
	const char          *x_label; /* NULL = "Predicted" */
	const char          *y_label; /* NULL = "Actual" */
	size_t               n; /* 1 or more units */
	const char *const   *labels; /* NULL: flagged points are unlabelled */
	const double        *predicted; /* required */
	const double        *actual; /* required */
	const double        *pi_lo; /* NULL or NaN: no bar */
	const double        *pi_hi; /* NULL or NaN: no bar */
	const unsigned char *flagged; /* NULL: none flagged */
	int                  inline_svg;
} render_scatter;

int render_scatter_chart(FILE *out, const render_scatter *s)
    __attribute__((warn_unused_result));

/* The cost-effectiveness plane: x = effect (e.g. Hedges' g) with optional
 * horizontal interval bars, y = cost per student, one labelled point per
 * activity, a vertical line at zero effect. An activity whose effect or
 * cost is NaN is left out and counted in a note. */
typedef struct render_plane {
	const char        *title; /* may be NULL */
	const char        *subtitle; /* may be NULL */
	const char        *desc; /* may be NULL */
	const char        *x_label; /* NULL = "Effect (Hedges' g)" */
	const char        *y_label; /* NULL = "Cost per student ($)" */
	size_t             n; /* 1 or more activities */
	const char *const *labels; /* required: one name per activity */
	const double      *effect; /* required */
	const double      *effect_lo; /* NULL or NaN: no bar */
	const double      *effect_hi; /* NULL or NaN: no bar */
	const double      *cost; /* required: cost per student */
	int                inline_svg;
} render_plane;

int render_plane_chart(FILE *out, const render_plane *s)
    __attribute__((warn_unused_result));

/* A funnel plot: one point per unit at (n, value), the pooled target and
 * 95% and 99.8% limits drawn as curves over n. Units outside the 99.8%
 * limits are labelled. */
typedef struct render_funnel {
	const char          *title;
	const char          *subtitle; /* may be NULL */
	const char          *desc; /* may be NULL */
	const char          *x_label; /* NULL = "Number of students" */
	const char          *y_label;
	size_t               n; /* units, 1 or more */
	const char *const   *labels;
	const double        *size; /* required, > 0 */
	const double        *value; /* NaN = suppressed */
	const unsigned char *outside; /* may be NULL */
	double               target;
	size_t               n_limits; /* points of the limit curves, >= 2 */
	const double        *limit_n; /* ascending */
	const double        *lo95, *hi95, *lo998, *hi998;
	int                  inline_svg;
} render_funnel;

int render_funnel_chart(FILE *out, const render_funnel *f)
    __attribute__((warn_unused_result));

/* The professional-isolation network: one node per school, grouped by
 * district (nodes of a group sit together), one line per cross-school tie
 * (thicker for more tie events). An isolated school is a hollow square
 * named with the word "(isolated)", never colour alone; every node and tie
 * has a tooltip. Edges index nodes; a tie to itself or outside the nodes
 * is rejected (TD_EINVAL) before anything is written. */
typedef struct render_node {
	const char *label; /* the school's name */
	const char *code; /* may be NULL */
	const char *group; /* district; NULL or "" = no district */
	int         degree; /* schools tied to */
	int         isolated;
} render_node;
typedef struct render_edge {
	size_t a, b; /* node indices */
	double weight; /* tie events, >= 0 */
} render_edge;
typedef struct render_network {
	const char        *title;
	const char        *subtitle; /* NULL: counts of schools, ties */
	const char        *desc; /* may be NULL */
	size_t             n_nodes; /* 1 or more */
	const render_node *nodes;
	size_t             n_edges;
	const render_edge *edges;
	int                inline_svg;
} render_network;

int render_network_chart(FILE *out, const render_network *s)
    __attribute__((warn_unused_result));

/* A dot-and-interval chart: one row per item (a rubric criterion), its
 * estimate as a dot with its 95% interval, a line at zero. A suppressed
 * row says "suppressed"; a NaN estimate says "no estimate". */
typedef struct render_interval_row {
	const char *label; /* required */
	double      estimate, lo, hi; /* NaN lo/hi: no bar */
	int         suppressed;
} render_interval_row;
typedef struct render_intervals {
	const char                *title;
	const char                *subtitle; /* may be NULL */
	const char                *desc; /* may be NULL */
	const char                *x_label; /* NULL = "Difference" */
	size_t                     n; /* 1 or more rows */
	const render_interval_row *rows;
	int                        inline_svg;
} render_intervals;

int render_interval_chart(FILE *out, const render_intervals *s)
    __attribute__((warn_unused_result));

/* Making Data Count icons, drawn inline (about 28 px): variation of the
 * latest point and assurance against a target. Each carries a letter
 * (H/L, P/F/?) so colour is never the only cue. */
enum render_variation {
	RENDER_VAR_NONE = 0, /* no icon (too few points): a dash */
	RENDER_VAR_COMMON,
	RENDER_VAR_IMPROVE_HIGH,
	RENDER_VAR_IMPROVE_LOW,
	RENDER_VAR_CONCERN_HIGH,
	RENDER_VAR_CONCERN_LOW,
	RENDER_VAR_NEITHER_HIGH, /* no direction: special cause, high */
	RENDER_VAR_NEITHER_LOW,
};
enum render_assurance {
	RENDER_ASSURE_NONE = 0, /* no target or too few points */
	RENDER_ASSURE_PASS, /* consistently passing */
	RENDER_ASSURE_FAIL, /* consistently failing */
	RENDER_ASSURE_HIT_AND_MISS, /* inconsistent */
};

/* render_variation_icon / render_assurance_icon write one inline <svg>
 * (role="img" with a <title> naming it in words). Return 0 or TD_EIO. */
int render_variation_icon(FILE *out, int variation)
    __attribute__((warn_unused_result));
int render_assurance_icon(FILE *out, int assurance)
    __attribute__((warn_unused_result));
/* The words for an icon, for legends and tables. */
const char *render_variation_words(int variation);
const char *render_assurance_words(int assurance);

/* ---- HTML ---- */

/* render_html_open writes the document's head: UTF-8, a Content-Security-
 * Policy that allows nothing to be fetched or run (default-src 'none';
 * inline styles and data: images only), the print and screen CSS, and
 * <h1>title</h1>. render_html_close ends it. */
void render_html_open(FILE *out, const char *title, const char *lang);
int  render_html_close(FILE *out) __attribute__((warn_unused_result));

/* render_html_text writes s escaped for HTML text and attributes. */
void render_html_text(FILE *out, const char *s);
/* render_html printf-like, with %e for an escaped string, %s raw, %d int,
 * %z size_t, %n a number with decimals (double, int) grouped, %v the
 * full-precision number for a data attribute (%.17g, "" for NaN). */
void render_html(FILE *out, const char *fmt, ...);

/* render_fmt_num formats v with dec decimals (locale-independent),
 * grouping thousands with ',' when group. */
void render_fmt_num(char *buf, size_t len, double v, int dec, int group);

/* Dates: days since 1970-01-01 for "YYYY-MM-DD" (or "YYYY-MM"), or -1
 * when it is not a date. render_month_name: "Jan".."Dec" for 1..12. */
long        render_days(const char *date);
const char *render_month_name(int month);

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_RENDER_H */
