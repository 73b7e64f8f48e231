/* SPDX-License-Identifier: MIT
 * The cost-effectiveness plane: effect with its interval against cost per
 * student, one labelled point per activity.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"

int
render_plane_chart(FILE *f, const render_plane *s)
{
	if (f == NULL || s == NULL || s->n == 0 || s->labels == NULL
	    || s->effect == NULL || s->cost == NULL
	    || !draw_all_finite_or_nan(s->effect, s->n)
	    || !draw_all_finite_or_nan(s->cost, s->n)
	    || !draw_all_finite_or_nan(s->effect_lo, s->n)
	    || !draw_all_finite_or_nan(s->effect_hi, s->n)) {
		return TD_EINVAL;
	}
	size_t n = s->n, n_na = 0;
	double xlo = 0.0, xhi = 0.0, ylo = 0.0, yhi = 0.0; /* include 0 */
	int    has_bar = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(s->effect[i]) || isnan(s->cost[i])) {
			n_na++;
			continue;
		}
		draw_range_add(&xlo, &xhi, s->effect[i]);
		draw_range_add(&ylo, &yhi, s->cost[i]);
		if (s->effect_lo != NULL && s->effect_hi != NULL
		    && isfinite(s->effect_lo[i])
		    && isfinite(s->effect_hi[i])) {
			draw_range_add(&xlo, &xhi, s->effect_lo[i]);
			draw_range_add(&xlo, &xhi, s->effect_hi[i]);
			has_bar = 1;
		}
	}
	/* Label boxes: the points, their labels and the "no effect" text. */
	draw_box *placed = malloc((2 * n + 1) * sizeof *placed);
	if (placed == NULL) {
		return TD_ENOMEM;
	}

	draw_frame fr;
	memset(&fr, 0, sizeof fr);
	/* A little air above the dearest activity for its label. */
	draw_axis_nice(&fr.ya, ylo, yhi + (yhi - ylo) * 0.05, 6);
	draw_axis_nice(&fr.xa, xlo, xhi, 8);
	const char *xl
	    = s->x_label != NULL ? s->x_label : "Effect (Hedges' g)";
	const char *yl
	    = s->y_label != NULL ? s->y_label : "Cost per student ($)";
	fr.x0 = draw_left_margin(&fr.ya, yl);
	fr.x1 = DRAW_W - 30.0;
	fr.y0 = s->subtitle != NULL && *s->subtitle ? 64.0 : 50.0;
	fr.y1 = 318.0;

	draw_doc doc = { s->title, s->subtitle, s->desc, 0, 0, s->inline_svg };
	draw_svg_open(f, &doc);
	draw_y_axis(f, &fr, yl);
	draw_x_axis(f, &fr, xl);
	double zx = draw_map_x(&fr, 0.0);
	draw_out(
	    f,
	    "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" stroke=\"" C_CENTRE
	    "\" stroke-width=\"1.4\"/>\n",
	    zx, fr.y0, zx, fr.y1);
	draw_out(f,
	         "<text x=\"%f\" y=\"%f\" font-size=\"11\" fill=\"" C_MUTED
	         "\">no effect</text>\n",
	         zx + 5.0, fr.y0 + 11.0);
	if (ylo < 0.0) {
		double zy = draw_map_y(&fr, 0.0);
		draw_out(f,
		         "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" "
		         "stroke=\"" C_AXIS "\" stroke-width=\"1\"/>\n",
		         fr.x0, zy, fr.x1, zy);
	}
	/* The "no effect" text is a label like the others. */
	placed[0] = (draw_box) { zx + 4.0, fr.y0,
		                 zx + 6.0 + draw_text_w("no effect", 11),
		                 fr.y0 + 14.0 };
	size_t np = 1;

	char e[64], c[64], lo[64], hi[64];
	for (size_t i = 0; i < n; i++) {
		if (isnan(s->effect[i]) || isnan(s->cost[i])) {
			continue;
		}
		double x   = draw_map_x(&fr, s->effect[i]);
		double y   = draw_map_y(&fr, s->cost[i]);
		int    bar = s->effect_lo != NULL && s->effect_hi != NULL
		    && isfinite(s->effect_lo[i]) && isfinite(s->effect_hi[i]);
		if (bar) {
			double x0 = draw_map_x(&fr, s->effect_lo[i]);
			double x1 = draw_map_x(&fr, s->effect_hi[i]);
			draw_out(f,
			         "<path fill=\"none\" stroke=\"" C_LINE
			         "\" stroke-width=\"1.6\" d=\"M%f %fH%fM%f "
			         "%fV%fM%f "
			         "%fV%f\"/>\n",
			         x0, y, x1, x0, y - 4.0, y + 4.0, x1, y - 4.0,
			         y + 4.0);
		}
		placed[np++] = draw_point_box(x, y, 5.0);
		render_fmt_num(e, sizeof e, s->effect[i], 2, 0);
		render_fmt_num(c, sizeof c, s->cost[i], 0, 1);
		if (bar) {
			render_fmt_num(lo, sizeof lo, s->effect_lo[i], 2, 0);
			render_fmt_num(hi, sizeof hi, s->effect_hi[i], 2, 0);
		}
		draw_out(f,
		         "<circle class=\"pt\" cx=\"%f\" cy=\"%f\" r=\"5\" "
		         "fill=\"" C_POINT "\" stroke=\"#ffffff\" "
		         "stroke-width=\"1\"><title>%e: effect "
		         "%s%s%s%s%s, $%s per student</title></circle>\n",
		         x, y, s->labels[i] != NULL ? s->labels[i] : "", e,
		         bar ? " (" : "", bar ? lo : "", bar ? " to " : "",
		         bar ? hi : "", c);
	}
	/* Labels after all points, so no point is drawn over a label. */
	for (size_t i = 0; i < n; i++) {
		if (isnan(s->effect[i]) || isnan(s->cost[i])
		    || s->labels[i] == NULL) {
			continue;
		}
		draw_place_label(
		    f, &fr, placed, &np, draw_map_x(&fr, s->effect[i]),
		    draw_map_y(&fr, s->cost[i]), s->labels[i], C_POINT, 11.5);
	}

	draw_legend lg = { f, fr.x0, 382.0, fr.x0, fr.x1 };
	draw_legend_item(&lg, LG_DOT, C_POINT, 5, "Activity");
	if (has_bar) {
		draw_legend_item(&lg, LG_BAR, C_LINE, 0,
		                 "95% interval of the effect");
	}
	draw_legend_item(&lg, LG_LINE, C_CENTRE, 0, "No effect");
	char note[128];
	draw_count_note(note, sizeof note, n_na, "activity", "activities",
	                "without an estimate", 0);
	draw_note(f, fr.x0,
	          lg.y + 24.0 > DRAW_H - 6 ? DRAW_H - 6 : lg.y + 24.0, note);
	free(placed);
	return draw_svg_close(f);
}
