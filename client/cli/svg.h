/* SPDX-License-Identifier: MIT
 * SVG chart writers for the `tandem` CLI and its HTML report: run and
 * control charts, the positive-deviance scatter and the cost-effectiveness
 * plane. Output is self-contained SVG 1.1 (no external fonts, CSS or
 * scripts), 900 x 420 with a viewBox so it scales.
 */
#ifndef TANDEM_CLI_SVG_H
#define TANDEM_CLI_SVG_H

#include <stddef.h>
#include <stdio.h>

#include "tandem/errors.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Per-point flags of a series chart; a point may carry several. */
enum td_svg_flag {
	TD_SVG_SIGNAL = 1u << 0, /* outside the limits or a rule fired: red */
	TD_SVG_RUN = 1u << 1, /* part of a long run, shift or trend: orange */
	TD_SVG_EXCLUDED = 1u << 2, /* left out of centre/limits: hollow */
	TD_SVG_MISSING  = 1u << 3, /* a NaN value is missing, not suppressed */
};

/* A run chart or control chart. Every array has n entries. NaN marks what
 * is not there: a NaN value is a gap in the line (counted as suppressed,
 * or as missing with TD_SVG_MISSING), a NaN centre/lcl/ucl draws no line
 * at that point. Centre and limits are drawn as steps, broken where the
 * centre changes (a split). Infinite values are rejected. */
typedef struct td_svg_series {
	const char        *title; /* may be NULL */
	const char        *subtitle; /* may be NULL */
	const char        *y_label; /* may be NULL */
	const char        *centre_label; /* legend, NULL = "Centre" */
	size_t             n; /* 1 or more points */
	const char *const *x_labels; /* NULL: points are numbered 1..n */
	const double      *values; /* required */
	const double      *centre; /* NULL: no centre line */
	const double      *lcl; /* NULL: no lower limit */
	const double      *ucl; /* NULL: no upper limit */
	const unsigned    *flags; /* NULL: no flags; td_svg_flag bits */
	size_t baseline_n; /* 0 = none; else points 0..baseline_n-1 were the
	                      baseline and a marker follows the last one */
} td_svg_series;

/* td_svg_series_chart writes the chart to out. Returns 0, TD_EINVAL (NULL
 * arguments, n = 0, an infinite value, baseline_n > n) or TD_EIO when
 * writing fails. Nothing is written when the input is rejected. */
int td_svg_series_chart(FILE *out, const td_svg_series *s)
    __attribute__((warn_unused_result));

/* The positive-deviance scatter (the type cannot share the function's
 * name in C, hence _data): one point per unit at (predicted,
 * actual) on equal axes with the identity line; optional vertical 95%
 * prediction-interval bars; flagged units highlighted and labelled with
 * their code, the others small and grey. A unit whose predicted or actual
 * value is NaN (suppressed) is left out and counted in a note. */
typedef struct td_svg_scatter_data {
	const char          *title; /* may be NULL */
	const char          *subtitle; /* may be NULL */
	const char          *x_label; /* NULL = "Predicted" */
	const char          *y_label; /* NULL = "Actual" */
	size_t               n; /* 1 or more units */
	const char *const   *codes; /* NULL: flagged points are unlabelled */
	const double        *predicted; /* required */
	const double        *actual; /* required */
	const double        *pi_lo; /* NULL or NaN: no bar */
	const double        *pi_hi; /* NULL or NaN: no bar */
	const unsigned char *flagged; /* NULL: none flagged */
} td_svg_scatter_data;

/* td_svg_scatter writes the scatter to out. Returns 0, TD_EINVAL or
 * TD_EIO as td_svg_series_chart does, or TD_ENOMEM. */
int td_svg_scatter(FILE *out, const td_svg_scatter_data *s)
    __attribute__((warn_unused_result));

/* The cost-effectiveness plane: x = effect (e.g. Hedges' g) with optional
 * horizontal interval bars, y = cost per student, one labelled point per
 * activity, a vertical line at zero effect. An activity whose effect or
 * cost is NaN is left out and counted in a note. */
typedef struct td_svg_ce {
	const char        *title; /* may be NULL */
	const char        *subtitle; /* may be NULL */
	const char        *x_label; /* NULL = "Effect (Hedges' g)" */
	const char        *y_label; /* NULL = "Cost per student ($)" */
	size_t             n; /* 1 or more activities */
	const char *const *labels; /* required: one name per activity */
	const double      *effect; /* required */
	const double      *effect_lo; /* NULL or NaN: no bar */
	const double      *effect_hi; /* NULL or NaN: no bar */
	const double      *cost; /* required: cost per student */
} td_svg_ce;

/* td_svg_ce_plane writes the plane to out. Returns 0, TD_EINVAL or TD_EIO
 * as td_svg_series_chart does, or TD_ENOMEM. */
int td_svg_ce_plane(FILE *out, const td_svg_ce *s)
    __attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_CLI_SVG_H */
