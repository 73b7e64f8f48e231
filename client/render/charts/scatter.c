/* SPDX-License-Identifier: MIT
 * The positive-deviance scatter (actual against predicted, flagged units
 * first for the eye) and the funnel plot (value against size, with the
 * limits a unit of that size would stay within by chance).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"

int
render_scatter_chart(FILE *f, const render_scatter *s)
{
	if (f == NULL || s == NULL || s->n == 0 || s->predicted == NULL
	    || s->actual == NULL || !draw_all_finite_or_nan(s->predicted, s->n)
	    || !draw_all_finite_or_nan(s->actual, s->n)
	    || !draw_all_finite_or_nan(s->pi_lo, s->n)
	    || !draw_all_finite_or_nan(s->pi_hi, s->n)) {
		return TD_EINVAL;
	}
	size_t n = s->n, n_supp = 0, n_flag = 0;
	double lo = HUGE_VAL, hi = -HUGE_VAL;
	int    has_bar = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(s->predicted[i]) || isnan(s->actual[i])) {
			n_supp++;
			continue;
		}
		draw_range_add(&lo, &hi, s->predicted[i]);
		draw_range_add(&lo, &hi, s->actual[i]);
		int fl = s->flagged != NULL && s->flagged[i];
		if (fl && s->pi_lo != NULL && s->pi_hi != NULL
		    && isfinite(s->pi_lo[i]) && isfinite(s->pi_hi[i])) {
			draw_range_add(&lo, &hi, s->pi_lo[i]);
			draw_range_add(&lo, &hi, s->pi_hi[i]);
			has_bar = 1;
		}
		n_flag += s->flagged != NULL && s->flagged[i];
	}
	/* Label boxes: the flagged points, then their labels. */
	draw_box *placed = malloc((2 * n_flag + 1) * sizeof *placed);
	if (placed == NULL) {
		return TD_ENOMEM;
	}
	size_t np = 0;

	/* Equal axes, so the identity line is the diagonal of the data. */
	draw_frame fr;
	memset(&fr, 0, sizeof fr);
	draw_axis_nice(&fr.ya, lo, hi, 6);
	fr.xa          = fr.ya;
	const char *xl = s->x_label != NULL ? s->x_label : "Predicted";
	const char *yl = s->y_label != NULL ? s->y_label : "Actual";
	fr.x0          = draw_left_margin(&fr.ya, yl);
	fr.x1          = DRAW_W - 30.0;
	fr.y0          = s->subtitle != NULL && *s->subtitle ? 64.0 : 50.0;
	fr.y1          = 318.0;

	draw_doc doc = { s->title, s->subtitle, s->desc, 0, 0, s->inline_svg };
	draw_svg_open(f, &doc);
	draw_y_axis(f, &fr, yl);
	draw_x_axis(f, &fr, xl);
	draw_out(
	    f,
	    "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" stroke=\"" C_LIMIT
	    "\" stroke-width=\"1.3\" stroke-dasharray=\"6 4\"/>\n",
	    draw_map_x(&fr, fr.xa.lo), draw_map_y(&fr, fr.ya.lo),
	    draw_map_x(&fr, fr.xa.hi), draw_map_y(&fr, fr.ya.hi));

	/* Intervals only for the flagged units: forty overlapping bars
	 * cannot be read. The rest are faded dots, drawn first. */
	for (size_t i = 0; i < n && has_bar; i++) {
		int fl = s->flagged != NULL && s->flagged[i];
		if (!fl || isnan(s->predicted[i]) || isnan(s->actual[i])
		    || !isfinite(s->pi_lo[i]) || !isfinite(s->pi_hi[i])) {
			continue;
		}
		double x  = draw_map_x(&fr, s->predicted[i]);
		double y0 = draw_map_y(&fr, s->pi_lo[i]);
		double y1 = draw_map_y(&fr, s->pi_hi[i]);
		draw_out(f,
		         "<path class=\"pi\" fill=\"none\" stroke=\"" C_BAR
		         "\" stroke-width=\"2\" "
		         "d=\"M%f %fV%fM%f %fH%fM%f %fH%f\"/>\n",
		         x, y0, y1, x - 4.0, y0, x + 4.0, x - 4.0, y1,
		         x + 4.0);
	}
	char a[64], b[64], tip[320];
	int  dec = fr.ya.dec + 1;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			int fl = s->flagged != NULL && s->flagged[i];
			if (fl != pass || isnan(s->predicted[i])
			    || isnan(s->actual[i])) {
				continue;
			}
			const char *name
			    = s->labels != NULL && s->labels[i] != NULL
			    ? s->labels[i]
			    : "";
			double x = draw_map_x(&fr, s->predicted[i]);
			double y = draw_map_y(&fr, s->actual[i]);
			render_fmt_num(a, sizeof a, s->actual[i], dec, 0);
			render_fmt_num(b, sizeof b, s->predicted[i], dec, 0);
			if (fl) {
				placed[np++] = draw_point_box(x, y, 6.5);
				snprintf(tip, sizeof(tip),
				         "%s: actual %s, predicted %s "
				         "(positive deviant)",
				         name, a, b);
				draw_marker(f, x, y, RENDER_IMPROVEMENT, 1,
				            6.0, "pt flagged", tip);
				continue;
			}
			draw_out(
			    f,
			    "<circle class=\"pt\" cx=\"%f\" cy=\"%f\" "
			    "r=\"3\" fill=\"" C_OTHER
			    "\" fill-opacity=\"0.8\"><title>%e: actual %s, "
			    "predicted %s</title></circle>\n",
			    x, y, name, a, b);
		}
	}
	for (size_t i = 0; i < n && s->labels != NULL; i++) {
		if (s->flagged == NULL || !s->flagged[i]
		    || isnan(s->predicted[i]) || isnan(s->actual[i])
		    || s->labels[i] == NULL) {
			continue;
		}
		draw_place_label(f, &fr, placed, &np,
		                 draw_map_x(&fr, s->predicted[i]),
		                 draw_map_y(&fr, s->actual[i]), s->labels[i],
		                 C_IMPROVE, 11.0);
	}

	draw_legend lg = { f, fr.x0, 382.0, fr.x0, fr.x1 };
	draw_legend_item(&lg, LG_TRIANGLE_UP, C_IMPROVE, 5.0,
	                 "Positive deviant (flagged)");
	draw_legend_item(&lg, LG_DOT, C_OTHER, 3, "Other schools");
	draw_legend_item(&lg, LG_DASH, C_LIMIT, 0, "Actual = predicted");
	if (has_bar) {
		draw_legend_item(&lg, LG_BAR, C_BAR, 0,
		                 "95% prediction interval (flagged only)");
	}
	char note[128];
	draw_count_note(note, sizeof note, n_supp, "unit", "units",
	                "suppressed", 0);
	draw_note(f, fr.x0,
	          lg.y + 24.0 > DRAW_H - 6 ? DRAW_H - 6 : lg.y + 24.0, note);
	free(placed);
	return draw_svg_close(f);
}

/* ------------------------------------------------------------------ */
/* Funnel plot. */

static void
limit_path(FILE *f, const draw_frame *fr, const render_funnel *s,
           const double *v, const char *dash)
{
	int open = 0;
	draw_out(f,
	         "<path fill=\"none\" stroke=\"" C_LIMIT
	         "\" stroke-width=\"1.3\"%s d=\"",
	         dash);
	for (size_t i = 0; i < s->n_limits; i++) {
		if (!isfinite(v[i]) || !isfinite(s->limit_n[i])) {
			open = 0;
			continue;
		}
		double y = draw_map_y(fr, v[i]);
		y        = y < fr->y0 ? fr->y0 : y > fr->y1 ? fr->y1 : y;
		draw_out(f, "%s%f %f", open ? "L" : "M",
		         draw_map_x(fr, s->limit_n[i]), y);
		open = 1;
	}
	draw_out(f, "\"/>\n");
}

int
render_funnel_chart(FILE *f, const render_funnel *s)
{
	if (f == NULL || s == NULL || s->n == 0 || s->size == NULL
	    || s->value == NULL || s->labels == NULL || s->n_limits < 2
	    || s->limit_n == NULL || s->lo95 == NULL || s->hi95 == NULL
	    || s->lo998 == NULL || s->hi998 == NULL || !isfinite(s->target)
	    || !draw_all_finite_or_nan(s->value, s->n)) {
		return TD_EINVAL;
	}
	for (size_t i = 0; i < s->n; i++) {
		if (!(s->size[i] > 0.0) || !isfinite(s->size[i])) {
			return TD_EINVAL;
		}
	}
	double xlo = 0.0, xhi = -HUGE_VAL, ylo = HUGE_VAL, yhi = -HUGE_VAL;
	size_t n_supp = 0, n_out = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (isnan(s->value[i])) {
			n_supp++;
			continue;
		}
		draw_range_add(&xlo, &xhi, s->size[i]);
		draw_range_add(&ylo, &yhi, s->value[i]);
		n_out += s->outside != NULL && s->outside[i];
	}
	draw_range_add(&ylo, &yhi, s->target);
	/* The limits at the smallest unit shown bound the y range. */
	for (size_t i = 0; i < s->n_limits; i++) {
		if (s->limit_n[i] >= xlo && s->limit_n[i] <= xhi) {
			draw_range_add(&ylo, &yhi, s->lo998[i]);
			draw_range_add(&ylo, &yhi, s->hi998[i]);
			break;
		}
	}
	draw_box *placed = malloc((2 * n_out + 1) * sizeof(*placed));
	if (placed == NULL) {
		return TD_ENOMEM;
	}
	size_t     np = 0;
	draw_frame fr;
	memset(&fr, 0, sizeof(fr));
	draw_axis_nice(&fr.ya, ylo, yhi, 6);
	draw_axis_nice(&fr.xa, xlo, xhi, 8);
	const char *xl
	    = s->x_label != NULL ? s->x_label : "Number of students";
	fr.x0        = draw_left_margin(&fr.ya, s->y_label);
	fr.x1        = DRAW_W - 30.0;
	fr.y0        = s->subtitle != NULL && *s->subtitle ? 64.0 : 50.0;
	fr.y1        = 318.0;
	draw_doc doc = { s->title, s->subtitle, s->desc, 0, 0, s->inline_svg };
	draw_svg_open(f, &doc);
	draw_y_axis(f, &fr, s->y_label);
	draw_x_axis(f, &fr, xl);
	double ty = draw_map_y(&fr, s->target);
	draw_out(
	    f,
	    "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" stroke=\"" C_CENTRE
	    "\" stroke-width=\"1.4\"/>\n",
	    fr.x0, ty, fr.x1, ty);
	limit_path(f, &fr, s, s->lo95, " stroke-dasharray=\"6 4\"");
	limit_path(f, &fr, s, s->hi95, " stroke-dasharray=\"6 4\"");
	limit_path(f, &fr, s, s->lo998, "");
	limit_path(f, &fr, s, s->hi998, "");
	char v[64], m[64], tip[320];
	int  dec = fr.ya.dec + 1;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < s->n; i++) {
			int out = s->outside != NULL && s->outside[i];
			if (out != pass || isnan(s->value[i])) {
				continue;
			}
			double x = draw_map_x(&fr, s->size[i]);
			double y = draw_map_y(&fr, s->value[i]);
			render_fmt_num(v, sizeof(v), s->value[i], dec, 0);
			render_fmt_num(m, sizeof(m), s->size[i], 0, 1);
			snprintf(tip, sizeof(tip), "%s: %s (n = %s)%s",
			         s->labels[i] ? s->labels[i] : "", v, m,
			         out ? ", outside the 99.8% limits" : "");
			if (out) {
				placed[np++] = draw_point_box(x, y, 5.5);
				draw_marker(f, x, y, RENDER_NEUTRAL, 1, 5.0,
				            "pt out", tip);
			} else {
				draw_out(
				    f,
				    "<circle class=\"pt\" cx=\"%f\" cy=\"%f\" "
				    "r=\"3.2\" fill=\"" C_POINT
				    "\"><title>%e</title></circle>\n",
				    x, y, tip);
			}
		}
	}
	for (size_t i = 0; i < s->n; i++) {
		if (s->outside == NULL || !s->outside[i] || isnan(s->value[i])
		    || s->labels[i] == NULL) {
			continue;
		}
		draw_place_label(f, &fr, placed, &np,
		                 draw_map_x(&fr, s->size[i]),
		                 draw_map_y(&fr, s->value[i]), s->labels[i],
		                 C_NEUTRAL, 11.0);
	}
	draw_legend lg = { f, fr.x0, 382.0, fr.x0, fr.x1 };
	draw_legend_item(&lg, LG_DOT, C_POINT, 3.2, "School");
	draw_legend_item(&lg, LG_LINE, C_CENTRE, 0, "Network value");
	draw_legend_item(&lg, LG_DASH, C_LIMIT, 0, "95% limits");
	draw_legend_item(&lg, LG_LINE, C_LIMIT, 0, "99.8% limits");
	if (n_out > 0) {
		draw_legend_item(&lg, LG_DIAMOND, C_NEUTRAL, 4.5,
		                 "Outside 99.8%");
	}
	char note[128];
	draw_count_note(note, sizeof(note), n_supp, "school", "schools",
	                "suppressed", 0);
	draw_note(f, fr.x0,
	          lg.y + 24.0 > DRAW_H - 6 ? DRAW_H - 6 : lg.y + 24.0, note);
	free(placed);
	return draw_svg_close(f);
}
