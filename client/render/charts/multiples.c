/* SPDX-License-Identifier: MIT
 * Small multiples: one small run chart per unit (a school), all on the
 * same date axis and the same value scale so a reader compares them at a
 * glance; signals keep the shapes and colours of the full-size chart.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"

#define PANEL_H   92.0
#define PANEL_GAP 14.0
#define TOP       60.0
#define LEFT_AXIS 44.0
#define BOTTOM    58.0

static int
multiples_valid(const render_multiples *m)
{
	if (m->n_panels == 0 || m->panels == NULL
	    || (m->has_target && !isfinite(m->target))) {
		return 0;
	}
	for (size_t k = 0; k < m->n_panels; k++) {
		const render_panel *p = &m->panels[k];
		if ((p->n > 0 && (p->starts == NULL || p->values == NULL))
		    || !draw_all_finite_or_nan(p->values, p->n)
		    || !draw_all_finite_or_nan(p->centre, p->n)
		    || (p->n_signals > 0 && p->signals == NULL)) {
			return 0;
		}
		for (size_t i = 0; i < p->n; i++) {
			if (render_days(p->starts[i]) < 0) {
				return 0;
			}
		}
		for (size_t i = 0; i < p->n_signals; i++) {
			if (p->signals[i].first > p->signals[i].last
			    || p->signals[i].last >= p->n) {
				return 0;
			}
		}
	}
	return 1;
}

static int
panel_sense(const render_multiples *m, const render_panel *p, size_t i)
{
	for (size_t k = 0; k < p->n_signals; k++) {
		if (i >= p->signals[k].first && i <= p->signals[k].last) {
			if (p->signals[k].no_side) {
				return RENDER_NEUTRAL;
			}
			return render_signal_sense(
			    p->values, p->centre, p->signals[k].first,
			    p->signals[k].last, m->direction);
		}
	}
	return render_signal_sense(p->values, p->centre, i, i, m->direction);
}

/* Writes text cut to fit w pixels (with an ellipsis). */
static void
fitted_text(FILE *f, double x, double y, double size, const char *weight,
            const char *colour, const char *text, double w)
{
	char   buf[256];
	size_t len = strlen(text);
	snprintf(buf, sizeof(buf), "%s", text);
	while (len > 1 && draw_text_w(buf, size) > w) {
		/* drop a whole UTF-8 character, then add the ellipsis */
		len--;
		while (len > 0 && ((unsigned char) buf[len] & 0xC0) == 0x80) {
			len--;
		}
		buf[len] = '\0';
		if (len + 4 < sizeof(buf)) {
			strcpy(buf + len, "\xe2\x80\xa6");
		}
		if (draw_text_w(buf, size) <= w) {
			break;
		}
		buf[len] = '\0';
	}
	draw_out(f,
	         "<text x=\"%f\" y=\"%f\" font-size=\"%f\" font-weight=\"%s\" "
	         "fill=\"%s\">%e</text>\n",
	         x, y, size, weight, colour, buf);
}

/* y of v, kept inside the frame; *off says whether it was moved. */
static double
clamp_y(const draw_frame *fr, double v, int *off)
{
	double y = draw_map_y(fr, v);
	*off     = y < fr->y0 - 0.5 || y > fr->y1 + 0.5;
	return y < fr->y0 ? fr->y0 : y > fr->y1 ? fr->y1 : y;
}

static void
draw_panel(FILE *f, const render_multiples *m, const render_panel *p,
           const draw_frame *fr, const draw_time *t0, int left, int bottom,
           int has_sense[3], int *has_off)
{
	draw_time t = *t0;
	t.x0        = fr->x0;
	t.x1        = fr->x1;
	double w    = fr->x1 - fr->x0;
	/* Name, then the code in small type. */
	double cw = p->code != NULL ? draw_text_w(p->code, 8.0) + 6.0 : 0.0;
	draw_out(f, "<g class=\"panel\"><title>%e%s%e</title>\n", p->name,
	         p->code != NULL ? " " : "", p->code != NULL ? p->code : "");
	fitted_text(f, fr->x0, fr->y0 - 5.0, 10.0, "bold", C_TEXT, p->name,
	            w - cw);
	if (p->code != NULL) {
		draw_out(f,
		         "<text x=\"%f\" y=\"%f\" text-anchor=\"end\" "
		         "font-size=\"8\" fill=\"" C_MUTED "\">%e</text>\n",
		         fr->x1, fr->y0 - 5.0, p->code);
	}
	draw_out(f,
	         "<rect x=\"%f\" y=\"%f\" width=\"%f\" height=\"%f\" "
	         "fill=\"#fbfbfb\" stroke=\"" C_GRID "\"/>\n",
	         fr->x0, fr->y0, w, fr->y1 - fr->y0);
	char buf[48];
	for (int k = 0; k <= draw_axis_ticks(&fr->ya); k++) {
		double v = draw_axis_tick(&fr->ya, k);
		double y = draw_map_y(fr, v);
		draw_out(f,
		         "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" "
		         "stroke=\"" C_GRID "\"/>\n",
		         fr->x0, y, fr->x1, y);
		if (left) {
			draw_tick_label(buf, sizeof(buf), &fr->ya, v);
			draw_out(f,
			         "<text x=\"%f\" y=\"%f\" text-anchor=\"end\" "
			         "font-size=\"9\" fill=\"" C_MUTED
			         "\">%s</text>\n",
			         fr->x0 - 3.0, y + 3.0, buf);
		}
	}
	long prev = -1;
	for (size_t i = 0; i < p->n; i++) {
		long d = render_days(p->starts[i]);
		if (draw_time_is_gap(&t, prev, d)) {
			draw_time_gap(f, fr, &t, prev, d, 0);
		}
		prev = d;
	}
	draw_time_axis(f, fr, &t, 8.0, bottom);
	if (m->has_target) {
		double y = draw_map_y(fr, m->target);
		draw_out(f,
		         "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" "
		         "stroke=\"" C_TARGET "\" stroke-width=\"1\" "
		         "stroke-dasharray=\"6 2 1 2\"/>\n",
		         fr->x0, y, fr->x1, y);
	}
	/* Centre as steps, values as a line broken at gaps and NaN. */
	for (int pass = 0; pass < 2; pass++) {
		const double *v = pass == 0 ? p->centre : p->values;
		if (!draw_any_finite(v, p->n)) {
			continue;
		}
		draw_out(
		    f,
		    "<path fill=\"none\" stroke=\"%s\" stroke-width=\"%s\" "
		    "d=\"",
		    pass == 0 ? C_CENTRE : C_LINE, pass == 0 ? "1" : "1.2");
		int open = 0;
		prev     = -1;
		for (size_t i = 0; i < p->n; i++) {
			long d = render_days(p->starts[i]);
			if (!isfinite(v[i])) {
				open = 0;
				prev = d;
				continue;
			}
			int gap = draw_time_is_gap(&t, prev, d), off;
			draw_out(f, "%s%f %f", open && !gap ? "L" : "M",
			         draw_time_x(&t, d), clamp_y(fr, v[i], &off));
			open = 1;
			prev = d;
		}
		draw_out(f, "\"/>\n");
	}
	for (size_t i = 0; i < p->n; i++) {
		unsigned fl = p->flags != NULL ? p->flags[i] : 0u;
		if (isnan(p->values[i])) {
			continue;
		}
		double x = draw_time_x(&t, render_days(p->starts[i]));
		int    off;
		double y = clamp_y(fr, p->values[i], &off);
		if (off) {
			char tip[96], num[48];
			render_fmt_num(num, sizeof(num), p->values[i], 2, 0);
			snprintf(tip, sizeof(tip),
			         "%s: %s, off the shared scale", p->starts[i],
			         num);
			draw_out(f,
			         "<circle class=\"off\" cx=\"%f\" cy=\"%f\" "
			         "r=\"3\" "
			         "fill=\"#ffffff\" stroke=\"" C_TEXT "\" "
			         "stroke-width=\"1.2\"><title>%e</title></"
			         "circle>\n",
			         x, y, tip);
			*has_off = 1;
		}
		if (fl & (RENDER_SIGNAL | RENDER_RUN)) {
			int se = panel_sense(m, p, i);
			int up = p->centre == NULL || !isfinite(p->centre[i])
			    || p->values[i] >= p->centre[i];
			has_sense[se] = 1;
			draw_marker(f, x, y, se, up, 2.8, "pt sig", NULL);
		}
	}
	if (!draw_any_finite(p->values, p->n)) {
		draw_out(f,
		         "<text x=\"%f\" y=\"%f\" text-anchor=\"middle\" "
		         "font-size=\"9\" fill=\"" C_MUTED
		         "\">suppressed or no data</text>\n",
		         (fr->x0 + fr->x1) / 2.0,
		         (fr->y0 + fr->y1) / 2.0 + 3.0);
	}
	draw_out(f, "</g>\n");
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;
	return (x > y) - (x < y);
}

static void
robust_range(const render_multiples *m, double *lo, double *hi)
{
	size_t total = 0, k = 0;
	for (size_t p = 0; p < m->n_panels; p++) {
		total += m->panels[p].n;
	}
	double *v = malloc((total ? total : 1) * sizeof(*v));
	if (v == NULL) {
		return; /* keep the full range */
	}
	for (size_t p = 0; p < m->n_panels; p++) {
		for (size_t i = 0; i < m->panels[p].n; i++) {
			if (isfinite(m->panels[p].values[i])) {
				v[k++] = m->panels[p].values[i];
			}
		}
	}
	if (k >= 20) {
		qsort(v, k, sizeof(*v), cmp_double);
		double a = v[(size_t) floor(0.01 * (double) (k - 1))];
		double b = v[(size_t) ceil(0.99 * (double) (k - 1))];
		*lo      = a;
		*hi      = b;
		for (size_t p = 0; p < m->n_panels; p++) {
			for (size_t i = 0;
			     m->panels[p].centre != NULL && i < m->panels[p].n;
			     i++) {
				draw_range_add(lo, hi, m->panels[p].centre[i]);
			}
		}
		if (m->has_target) {
			draw_range_add(lo, hi, m->target);
		}
	}
	free(v);
}

int
render_multiples_chart(FILE *f, const render_multiples *m)
{
	if (f == NULL || m == NULL || !multiples_valid(m)) {
		return TD_EINVAL;
	}
	int    cols = m->columns > 0 ? m->columns : 4;
	size_t rows = (m->n_panels + (size_t) cols - 1) / (size_t) cols;
	double lo = HUGE_VAL, hi = -HUGE_VAL;
	size_t total = 0;
	for (size_t k = 0; k < m->n_panels; k++) {
		for (size_t i = 0; i < m->panels[k].n; i++) {
			draw_range_add(&lo, &hi, m->panels[k].values[i]);
			if (m->panels[k].centre != NULL) {
				draw_range_add(&lo, &hi,
				               m->panels[k].centre[i]);
			}
		}
		total += m->panels[k].n;
	}
	if (m->has_target) {
		draw_range_add(&lo, &hi, m->target);
	}
	long *days = malloc((total ? total : 1) * sizeof(*days));
	if (days == NULL) {
		return TD_ENOMEM;
	}
	/* One time axis for all: the union of every panel's dates. */
	size_t k0 = 0;
	long   sp = 0;
	for (size_t k = 0; k < m->n_panels; k++) {
		for (size_t i = 0; i < m->panels[k].n; i++) {
			days[k0++] = render_days(m->panels[k].starts[i]);
		}
	}
	draw_time t;
	int       rv = 0;
	if (total == 0) {
		long d[1] = { 0 };
		rv        = draw_time_init(&t, d, 1, 0.0, 1.0);
	} else {
		/* The usual spacing from the longest panel, so the union of
		 * dates does not read as spacing 0. */
		size_t best = 0;
		for (size_t k = 1; k < m->n_panels; k++) {
			best = m->panels[k].n > m->panels[best].n ? k : best;
		}
		const render_panel *bp = &m->panels[best];
		long *bd = malloc((bp->n ? bp->n : 1) * sizeof(*bd));
		if (bd == NULL) {
			free(days);
			return TD_ENOMEM;
		}
		for (size_t i = 0; i < bp->n; i++) {
			bd[i] = render_days(bp->starts[i]);
		}
		rv = draw_time_init(&t, bd, bp->n, 0.0, 1.0);
		sp = t.spacing;
		free(bd);
		if (rv == 0) {
			rv        = draw_time_init(&t, days, total, 0.0, 1.0);
			t.spacing = sp;
		}
	}
	free(days);
	if (rv != 0) {
		return rv;
	}
	draw_axis ya;
	/* One scale for all, but not one ruined by a single mistyped value:
	 * the 1st to 99th percentile of every value (and the centres and
	 * target); what falls outside is drawn on the edge, marked. */
	robust_range(m, &lo, &hi);
	draw_axis_nice(&ya, lo, hi, 3);

	double left = 16.0 + (m->y_label != NULL ? 16.0 : 0.0)
	    + draw_max_tick_w(&ya, 9.0);
	double   pw     = (DRAW_W - left - 12.0 - (cols - 1) * 10.0) / cols;
	double   height = TOP + (double) rows * (PANEL_H + PANEL_GAP) + BOTTOM;
	draw_doc doc    = { m->title, m->subtitle,        m->desc,
		            DRAW_W,   (int) ceil(height), m->inline_svg };
	draw_svg_open(f, &doc);
	if (m->y_label != NULL) {
		draw_out(
		    f,
		    "<text transform=\"translate(14 %f) rotate(-90)\" "
		    "text-anchor=\"middle\" font-size=\"11\" fill=\"" C_TEXT
		    "\">%e</text>\n",
		    TOP + (double) rows * (PANEL_H + PANEL_GAP) / 2.0,
		    m->y_label);
	}
	int has_sense[3] = { 0, 0, 0 }, has_off = 0;
	for (size_t k = 0; k < m->n_panels; k++) {
		size_t     r = k / (size_t) cols, c = k % (size_t) cols;
		draw_frame fr;
		memset(&fr, 0, sizeof(fr));
		fr.ya      = ya;
		fr.x0      = left + (double) c * (pw + 10.0);
		fr.x1      = fr.x0 + pw;
		fr.y0      = TOP + 14.0 + (double) r * (PANEL_H + PANEL_GAP);
		fr.y1      = fr.y0 + PANEL_H - 30.0;
		int bottom = r == rows - 1 || k + (size_t) cols >= m->n_panels;
		draw_panel(f, m, &m->panels[k], &fr, &t, c == 0, bottom,
		           has_sense, &has_off);
	}
	/* improvement points the way the measure gets better */
	int improve_kind = m->direction == RENDER_DIR_LOWER ? LG_TRIANGLE_DOWN
	                                                    : LG_TRIANGLE_UP;
	draw_legend lg   = { f, left, height - 20.0, left, DRAW_W - 10.0 };
	draw_legend_item(&lg, LG_LINE, C_LINE, 0, "Value");
	draw_legend_item(&lg, LG_LINE, C_CENTRE, 0,
	                 m->centre_label != NULL ? m->centre_label : "Centre");
	if (m->has_target) {
		draw_legend_item(&lg, LG_DASH, C_TARGET, 0, "Target");
	}
	if (has_sense[RENDER_IMPROVEMENT]) {
		draw_legend_item(&lg, improve_kind, C_IMPROVE, 4.0,
		                 "Signal: improvement");
	}
	if (has_sense[RENDER_CONCERN]) {
		draw_legend_item(&lg, LG_FILLED_SQUARE, C_CONCERN, 4.0,
		                 "Signal: concern");
	}
	if (has_sense[RENDER_NEUTRAL]) {
		draw_legend_item(&lg, LG_DIAMOND, C_NEUTRAL, 4.0, "Signal");
	}
	if (has_off) {
		draw_legend_item(&lg, LG_HOLLOW, C_TEXT, 3.0,
		                 "Off the shared scale (drawn at the edge)");
	}
	return draw_svg_close(f);
}
