/* SPDX-License-Identifier: MIT
 * Run and control charts: points on a date axis (gaps shaded and named),
 * centre and limits as labelled steps, a target line, signals coloured and
 * shaped by what they mean for the measure and named in words above the
 * plot, PDSA cycles as spans behind the data.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"

#define SERIES_H      460
#define SIGNAL_ROWS   4 /* rows of signal names above the plot */
#define SIGNAL_ROW_H  15.0
#define RIGHT_LABEL_S 11.0

/* Where each point sits: by date, or evenly spaced. */
typedef struct place {
	const long *days; /* NULL: evenly spaced */
	draw_time   t;
	double      first, dx, ext; /* evenly spaced */
} place;

static double
xpos(const place *p, size_t i)
{
	if (p->days != NULL) {
		return draw_time_x(&p->t, p->days[i]);
	}
	return p->first + p->dx * (double) i;
}

/* Half the usual spacing, in pixels. */
static double
half_step(const place *p)
{
	return (draw_time_x(&p->t, p->t.d0 + p->t.spacing)
	        - draw_time_x(&p->t, p->t.d0))
	    / 2.0;
}

/* Half-widths of a point's step to its neighbours. */
static double
half_left(const place *p, size_t i)
{
	if (i == 0) {
		return p->days != NULL ? half_step(p) : p->ext;
	}
	if (p->days != NULL
	    && draw_time_is_gap(&p->t, p->days[i - 1], p->days[i])) {
		return (draw_time_x(&p->t, p->days[i] + p->t.spacing)
		        - xpos(p, i))
		    / 2.0;
	}
	return (xpos(p, i) - xpos(p, i - 1)) / 2.0;
}

static double
half_right(const place *p, size_t i, size_t n)
{
	if (i == n - 1) {
		return p->days != NULL ? half_step(p) : p->ext;
	}
	if (p->days != NULL
	    && draw_time_is_gap(&p->t, p->days[i], p->days[i + 1])) {
		return half_step(p);
	}
	return (xpos(p, i + 1) - xpos(p, i)) / 2.0;
}

static int
broken(const place *p, size_t i)
{
	return i > 0 && p->days != NULL
	    && draw_time_is_gap(&p->t, p->days[i - 1], p->days[i]);
}

/* Centre or limit as a step line; broken where the value is NaN, at gaps
 * and where the centre changes (a split into periods). */
static void
draw_steps(FILE *f, const draw_frame *fr, const place *p, const double *v,
           const double *centre, size_t n, const char *colour,
           const char *dash, double width)
{
	if (!draw_any_finite(v, n)) {
		return;
	}
	int open = 0;
	draw_out(f,
	         "<path fill=\"none\" stroke=\"%s\" stroke-width=\"%f\"%s "
	         "d=\"",
	         colour, width, dash);
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(v[i])) {
			open = 0;
			continue;
		}
		double x     = xpos(p, i);
		double l     = x - half_left(p, i);
		double r     = x + half_right(p, i, n);
		double y     = draw_map_y(fr, v[i]);
		int    split = i > 0 && centre != NULL && isfinite(centre[i])
		    && isfinite(centre[i - 1]) && centre[i] != centre[i - 1];
		if (!open || split || broken(p, i)) {
			draw_out(f, "M%f %f", l, y);
		} else {
			draw_out(f, "V%f", y);
		}
		draw_out(f, "H%f", r);
		open = 1;
	}
	draw_out(f, "\"/>\n");
}

static int
series_valid(const render_series *s)
{
	if (s->n == 0 || s->values == NULL || s->baseline_n > s->n
	    || !draw_all_finite_or_nan(s->values, s->n)
	    || !draw_all_finite_or_nan(s->centre, s->n)
	    || !draw_all_finite_or_nan(s->lcl, s->n)
	    || !draw_all_finite_or_nan(s->ucl, s->n)
	    || (s->has_target && !isfinite(s->target))
	    || (s->n_signals > 0 && s->signals == NULL)
	    || (s->n_spans > 0 && (s->spans == NULL || s->starts == NULL))) {
		return 0;
	}
	for (size_t i = 0; i < s->n_signals; i++) {
		if (s->signals[i].first > s->signals[i].last
		    || s->signals[i].last >= s->n) {
			return 0;
		}
	}
	for (size_t i = 0; s->starts != NULL && i < s->n; i++) {
		if (render_days(s->starts[i]) < 0
		    || (i > 0
		        && render_days(s->starts[i])
		            <= render_days(s->starts[i - 1]))) {
			return 0;
		}
	}
	return 1;
}

static const char *
sense_word(int sense)
{
	return sense == RENDER_IMPROVEMENT ? "improvement"
	    : sense == RENDER_CONCERN      ? "concern"
	                                   : "special cause";
}

/* The sense of point i: that of a named signal covering it, else its
 * side of the centre. */
static int
point_sense(const render_series *s, size_t i)
{
	for (size_t k = 0; k < s->n_signals; k++) {
		if (i >= s->signals[k].first && i <= s->signals[k].last) {
			if (s->signals[k].no_side) {
				return RENDER_NEUTRAL;
			}
			return render_signal_sense(
			    s->values, s->centre, s->signals[k].first,
			    s->signals[k].last, s->direction);
		}
	}
	return render_signal_sense(s->values, s->centre, i, i, s->direction);
}

/* A right-edge label (centre, limits, target) that keeps clear of the
 * ones before it. */
typedef struct rlabel {
	double      y;
	char        text[64];
	const char *colour;
} rlabel;

static size_t
last_finite(const double *v, size_t n)
{
	for (size_t i = n; v != NULL && i > 0; i--) {
		if (isfinite(v[i - 1])) {
			return i - 1;
		}
	}
	return n;
}

static int
by_y(const void *a, const void *b)
{
	double x = ((const rlabel *) a)->y, y = ((const rlabel *) b)->y;
	return (x > y) - (x < y);
}

static void
right_labels(FILE *f, const draw_frame *fr, rlabel *l, size_t k)
{
	qsort(l, k, sizeof(*l), by_y);
	for (size_t i = 1; i < k; i++) {
		if (l[i].y < l[i - 1].y + RIGHT_LABEL_S + 1.0) {
			l[i].y = l[i - 1].y + RIGHT_LABEL_S + 1.0;
		}
	}
	for (size_t i = 0; i < k; i++) {
		draw_out(
		    f,
		    "<text class=\"rl\" x=\"%f\" y=\"%f\" font-size=\"11\" "
		    "fill=\"%s\">%e</text>\n",
		    fr->x1 + 6.0, l[i].y + 4.0, l[i].colour, l[i].text);
	}
}

static void
add_rlabel(rlabel *l, size_t *k, const draw_frame *fr, const char *name,
           double v, int dec, const char *colour)
{
	char num[48];
	render_fmt_num(num, sizeof(num), v, dec, fabs(v) >= 1e4);
	snprintf(l[*k].text, sizeof(l[*k].text), "%s %s", name, num);
	l[*k].y      = draw_map_y(fr, v);
	l[*k].colour = colour;
	(*k)++;
}

/* Signal names above the plot, each over a bracket spanning its points;
 * rows fill greedily so names never overlap. Returns how many did not
 * fit (named in the note instead). */
static size_t
signal_names(FILE *f, const render_series *s, const place *p,
             const draw_frame *fr, int rows)
{
	double ends[SIGNAL_ROWS];
	size_t dropped = 0;
	for (int r = 0; r < rows; r++) {
		ends[r] = -1e9;
	}
	for (size_t k = 0; k < s->n_signals; k++) {
		const render_signal *g  = &s->signals[k];
		int                  se = g->no_side
		                     ? RENDER_NEUTRAL
		                     : render_signal_sense(s->values, s->centre, g->first,
		                                           g->last, s->direction);
		char                 text[320];
		snprintf(text, sizeof(text), "%s \xe2\x80\x94 %s",
		         g->text != NULL ? g->text : "signal", sense_word(se));
		double a  = xpos(p, g->first) - 3.0;
		double b  = xpos(p, g->last) + 3.0;
		double tw = draw_text_w(text, 11.0);
		double tx = a;
		if (tx + tw > fr->x1 + 60.0) {
			tx = fr->x1 + 60.0 - tw;
		}
		tx    = tx < 8.0 ? 8.0 : tx;
		int r = 0;
		while (r < rows && ends[r] > (tx < a ? tx : a) - 8.0) {
			r++;
		}
		if (r == rows) {
			dropped++;
			continue;
		}
		ends[r]       = (tx + tw > b ? tx + tw : b);
		double      y = fr->y0 - 6.0 - (rows - 1 - r) * SIGNAL_ROW_H;
		const char *c = draw_sense_colour(se);
		draw_out(f,
		         "<path class=\"sigspan\" fill=\"none\" stroke=\"%s\" "
		         "stroke-width=\"1.5\" d=\"M%f %fV%fH%fV%f\"/>\n",
		         c, a, y + 4.0, y + 1.0, b, y + 4.0);
		draw_out(f,
		         "<text class=\"signame\" x=\"%f\" y=\"%f\" "
		         "font-size=\"11\" fill=\"%s\">%e</text>\n",
		         tx, y - 2.0, c, text);
	}
	return dropped;
}

/* PDSA cycles: the spans behind everything (labels 0), then their
 * labels over everything (labels 1), so neither hides the other. */
static void
draw_spans(FILE *f, const render_series *s, const place *p,
           const draw_frame *fr, int labels)
{
	for (size_t k = 0; k < s->n_spans; k++) {
		const render_span *sp = &s->spans[k];
		long               a  = render_days(sp->start);
		long b = sp->end != NULL && *sp->end ? render_days(sp->end)
		                                     : p->t.d1;
		if (a < 0 || b < a) {
			continue;
		}
		a        = a < p->t.d0 ? p->t.d0 : a;
		b        = b > p->t.d1 ? p->t.d1 : b;
		double x = draw_time_x(&p->t, a);
		double w = draw_time_x(&p->t, b) - x;
		if (!labels) {
			draw_out(f,
			         "<rect class=\"pdsa\" x=\"%f\" y=\"%f\" "
			         "width=\"%f\" "
			         "height=\"%f\" fill=\"" C_SPAN
			         "\" stroke=\"#e0c060\" "
			         "stroke-width=\"0.6\"><title>PDSA cycle: %e "
			         "(%e to "
			         "%e)</title></rect>\n",
			         x, fr->y0, w > 1.0 ? w : 1.0, fr->y1 - fr->y0,
			         sp->label != NULL ? sp->label : "", sp->start,
			         sp->end != NULL && *sp->end ? sp->end
			                                     : "now");
			continue;
		}
		draw_out(
		    f,
		    "<text class=\"pdsa-label\" x=\"%f\" y=\"%f\" "
		    "font-size=\"9\" fill=\"#7a5c00\" stroke=\"#ffffff\" "
		    "stroke-width=\"3\" paint-order=\"stroke\">%e</text>\n",
		    x + 2.0, fr->y1 - 6.0 - 10.0 * (double) (k % 3),
		    sp->label != NULL ? sp->label : "");
	}
}

int
render_series_chart(FILE *f, const render_series *s)
{
	if (f == NULL || s == NULL || !series_valid(s)) {
		return TD_EINVAL;
	}
	size_t n  = s->n;
	double lo = HUGE_VAL, hi = -HUGE_VAL;
	size_t n_supp = 0, n_miss = 0;
	int    has_exc = 0, has_gap = 0;
	int    has_sense[3] = { 0, 0, 0 };
	long  *days         = NULL;
	int    rv           = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned fl = s->flags != NULL ? s->flags[i] : 0u;
		draw_range_add(&lo, &hi, s->values[i]);
		if (s->centre != NULL) {
			draw_range_add(&lo, &hi, s->centre[i]);
		}
		if (s->lcl != NULL) {
			draw_range_add(&lo, &hi, s->lcl[i]);
		}
		if (s->ucl != NULL) {
			draw_range_add(&lo, &hi, s->ucl[i]);
		}
		if (isnan(s->values[i])) {
			if (fl & RENDER_MISSING) {
				n_miss++;
			} else {
				n_supp++;
			}
			continue;
		}
		has_exc |= (fl & RENDER_EXCLUDED) != 0;
		if (!(fl & RENDER_EXCLUDED)
		    && (fl & (RENDER_SIGNAL | RENDER_RUN))) {
			has_sense[point_sense(s, i)] = 1;
		}
	}
	if (s->has_target) {
		draw_range_add(&lo, &hi, s->target);
	}
	if (s->starts != NULL) {
		if ((days = malloc(n * sizeof(*days))) == NULL) {
			return TD_ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			days[i] = render_days(s->starts[i]);
		}
	}

	int rows
	    = (int) (s->n_signals < SIGNAL_ROWS ? s->n_signals : SIGNAL_ROWS);
	draw_frame fr;
	memset(&fr, 0, sizeof fr);
	draw_axis_nice(&fr.ya, lo, hi, 6);
	int vdec = fr.ya.dec + 1;
	fr.x0    = draw_left_margin(&fr.ya, s->y_label);
	/* Room on the right for "Median 94.18", "UCL 96.10", "Target …". */
	char   probe[64], num[48];
	double rw = 0.0;
	render_fmt_num(num, sizeof(num), fabs(lo) > fabs(hi) ? lo : hi, vdec,
	               fmax(fabs(lo), fabs(hi)) >= 1e4);
	snprintf(probe, sizeof(probe), "%s %s",
	         s->centre_label != NULL ? s->centre_label : "Centre", num);
	rw = draw_text_w(probe, 11.0);
	rw = fmax(rw, draw_text_w("Target ", 11.0) + draw_text_w(num, 11.0));
	fr.x1 = DRAW_W - 14.0 - rw;
	fr.y0 = (s->subtitle != NULL && *s->subtitle ? 60.0 : 44.0)
	    + (rows > 0 ? rows * SIGNAL_ROW_H + 10.0 : 8.0);
	fr.y1 = SERIES_H - 96.0;

	place p;
	memset(&p, 0, sizeof p);
	p.days = days;
	if (days != NULL) {
		if ((rv = draw_time_init(&p.t, days, n, fr.x0, fr.x1)) != 0) {
			free(days);
			return rv;
		}
	} else {
		double pad = n > 1 ? (fr.x1 - fr.x0) / (double) n / 2.0 : 0.0;
		pad        = pad > 24.0 ? 24.0 : pad < 6.0 ? 6.0 : pad;
		p.first    = (fr.x0 + fr.x1) / 2.0;
		p.ext      = 30.0;
		if (n > 1) {
			p.first = fr.x0 + pad;
			p.dx  = (fr.x1 - fr.x0 - 2.0 * pad) / (double) (n - 1);
			p.ext = pad;
		}
	}

	draw_doc doc = { s->title, s->subtitle, s->desc,
		         DRAW_W,   SERIES_H,    s->inline_svg };
	draw_svg_open(f, &doc);
	draw_y_axis(f, &fr, s->y_label);
	if (days != NULL) {
		draw_spans(f, s, &p, &fr, 0);
		for (size_t i = 1; i < n; i++) {
			if (broken(&p, i)) {
				draw_time_gap(f, &fr, &p.t, days[i - 1],
				              days[i], 1);
				has_gap = 1;
			}
		}
	}
	draw_out(
	    f,
	    "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" stroke=\"" C_AXIS
	    "\" stroke-width=\"1\"/>\n",
	    fr.x0, fr.y1, fr.x1, fr.y1);

	if (days != NULL) {
		draw_time_axis(f, &fr, &p.t, 11.0, 1);
	} else {
		/* x labels: every k-th point so that labels never overlap. */
		double maxw = 0.0;
		for (size_t i = 0; i < n; i++) {
			const char *t
			    = s->x_labels != NULL ? s->x_labels[i] : NULL;
			if (t == NULL) {
				render_fmt_num(num, sizeof num,
				               (double) (i + 1), 0, 0);
				t = num;
			}
			maxw = fmax(maxw, draw_text_w(t, 11.0));
		}
		size_t every = 1;
		if (n > 1 && p.dx > 0.0) {
			every = (size_t) ceil((maxw + 10.0) / p.dx);
			every = every < 1 ? 1 : every;
		}
		for (size_t i = 0; i < n; i++) {
			draw_out(
			    f,
			    "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" "
			    "stroke=\"" C_AXIS "\" stroke-width=\"1\"/>\n",
			    xpos(&p, i), fr.y1, xpos(&p, i),
			    fr.y1 + (i % every == 0 ? 5.0 : 2.5));
			if (i % every != 0) {
				continue;
			}
			const char *t
			    = s->x_labels != NULL ? s->x_labels[i] : NULL;
			if (t == NULL) {
				render_fmt_num(num, sizeof num,
				               (double) (i + 1), 0, 0);
				t = num;
			}
			draw_out(
			    f,
			    "<text x=\"%f\" y=\"%f\" text-anchor=\"middle\" "
			    "font-size=\"11\" fill=\"" C_MUTED
			    "\">%e</text>\n",
			    xpos(&p, i), fr.y1 + 18.0, t);
		}
	}

	/* Baseline end marker. */
	if (s->baseline_n > 0) {
		size_t b = s->baseline_n;
		double x = b < n ? xpos(&p, b) - half_left(&p, b)
		                 : xpos(&p, n - 1) + half_right(&p, n - 1, n);
		x        = x > fr.x1 ? fr.x1 : x;
		draw_out(
		    f,
		    "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" "
		    "stroke=\"" C_MUTED
		    "\" stroke-width=\"1.2\" stroke-dasharray=\"2 3\"/>\n",
		    x, fr.y0, x, fr.y1);
		draw_out(f,
		         "<text x=\"%f\" y=\"%f\" text-anchor=\"end\" "
		         "font-size=\"10\" fill=\"" C_MUTED
		         "\">baseline</text>\n",
		         x - 3.0, fr.y0 + 11.0);
	}

	/* Target, limits, centre, the data line. */
	rlabel rl[4];
	size_t nrl = 0;
	if (s->has_target) {
		double y = draw_map_y(&fr, s->target);
		draw_out(
		    f,
		    "<line class=\"target\" x1=\"%f\" y1=\"%f\" x2=\"%f\" "
		    "y2=\"%f\" stroke=\"" C_TARGET "\" stroke-width=\"1.6\" "
		    "stroke-dasharray=\"10 3 2 3\"/>\n",
		    fr.x0, y, fr.x1, y);
		add_rlabel(rl, &nrl, &fr, "Target", s->target, vdec, C_TARGET);
	}
	if (s->lcl != NULL) {
		draw_steps(f, &fr, &p, s->lcl, s->centre, n, C_LIMIT,
		           " stroke-dasharray=\"6 4\"", 1.3);
		size_t k = last_finite(s->lcl, n);
		if (k < n) {
			add_rlabel(rl, &nrl, &fr, "LCL", s->lcl[k], vdec,
			           C_MUTED);
		}
	}
	if (s->ucl != NULL) {
		draw_steps(f, &fr, &p, s->ucl, s->centre, n, C_LIMIT,
		           " stroke-dasharray=\"6 4\"", 1.3);
		size_t k = last_finite(s->ucl, n);
		if (k < n) {
			add_rlabel(rl, &nrl, &fr, "UCL", s->ucl[k], vdec,
			           C_MUTED);
		}
	}
	if (s->centre != NULL) {
		draw_steps(f, &fr, &p, s->centre, s->centre, n, C_CENTRE, "",
		           1.6);
		size_t k = last_finite(s->centre, n);
		if (k < n) {
			add_rlabel(rl, &nrl, &fr,
			           s->centre_label != NULL ? s->centre_label
			                                   : "Centre",
			           s->centre[k], vdec, C_CENTRE);
		}
	}
	right_labels(f, &fr, rl, nrl);
	if (draw_any_finite(s->values, n)) {
		int open = 0;
		draw_out(f,
		         "<path fill=\"none\" stroke=\"" C_LINE
		         "\" stroke-width=\"1.6\" stroke-linejoin=\"round\" "
		         "d=\"");
		for (size_t i = 0; i < n; i++) {
			if (isnan(s->values[i])) {
				open = 0;
				continue;
			}
			draw_out(f, "%s%f %f",
			         open && !broken(&p, i) ? "L" : "M",
			         xpos(&p, i), draw_map_y(&fr, s->values[i]));
			open = 1;
		}
		draw_out(f, "\"/>\n");
	}

	/* Points, each with a tooltip. */
	for (size_t i = 0; i < n; i++) {
		unsigned    fl = s->flags != NULL ? s->flags[i] : 0u;
		const char *xl = s->x_labels != NULL ? s->x_labels[i] : NULL;
		char        v[64], tip[192];
		if (xl == NULL) {
			render_fmt_num(num, sizeof num, (double) (i + 1), 0,
			               0);
			xl = num;
		}
		if (isnan(s->values[i])) {
			draw_out(f,
			         "<rect class=\"noval\" x=\"%f\" y=\"%f\" "
			         "width=\"7\" height=\"7\" fill=\"#ffffff\" "
			         "stroke=\"" C_NOVAL
			         "\" stroke-width=\"1.2\"><title>%e: "
			         "%s</title></rect>\n",
			         xpos(&p, i) - 3.5, fr.y1 - 3.5, xl,
			         fl & RENDER_MISSING ? "missing"
			                             : "suppressed");
			continue;
		}
		render_fmt_num(v, sizeof v, s->values[i], vdec, 0);
		double x = xpos(&p, i);
		double y = draw_map_y(&fr, s->values[i]);
		if (fl & RENDER_EXCLUDED) {
			draw_out(
			    f,
			    "<circle class=\"pt\" cx=\"%f\" cy=\"%f\" r=\"4\" "
			    "fill=\"#ffffff\" stroke=\"" C_MUTED
			    "\" stroke-width=\"1.5\"><title>%e: %s "
			    "(excluded)</title></circle>\n",
			    x, y, xl, v);
		} else if (fl & (RENDER_SIGNAL | RENDER_RUN)) {
			int se = point_sense(s, i);
			int up = s->centre == NULL || !isfinite(s->centre[i])
			    || s->values[i] >= s->centre[i];
			snprintf(tip, sizeof(tip), "%s: %s (%s%s)", xl, v,
			         fl & RENDER_SIGNAL ? "outside the limits, "
			                            : "run, shift or trend, ",
			         sense_word(se));
			draw_marker(f, x, y, se, up,
			            fl & RENDER_SIGNAL ? 5.5 : 4.5, "pt sig",
			            tip);
		} else {
			draw_out(f,
			         "<circle class=\"pt\" cx=\"%f\" cy=\"%f\" "
			         "r=\"3.5\" fill=\"" C_POINT
			         "\"><title>%e: %s</title></circle>\n",
			         x, y, xl, v);
		}
	}
	if (!draw_any_finite(s->values, n)) {
		draw_out(f,
		         "<text x=\"%f\" y=\"%f\" text-anchor=\"middle\" "
		         "font-size=\"14\" fill=\"" C_MUTED
		         "\">No values to show: every point is suppressed or "
		         "missing</text>\n",
		         (fr.x0 + fr.x1) / 2.0, (fr.y0 + fr.y1) / 2.0);
	}
	size_t dropped = signal_names(f, s, &p, &fr, rows);
	if (days != NULL) {
		draw_spans(f, s, &p, &fr, 1);
	}

	/* Legend and note. */
	/* improvement points the way the measure gets better */
	int improve_kind = s->direction == RENDER_DIR_LOWER ? LG_TRIANGLE_DOWN
	                                                    : LG_TRIANGLE_UP;
	draw_legend lg   = { f, fr.x0, fr.y1 + 44.0, fr.x0, DRAW_W - 10.0 };
	draw_legend_item(&lg, LG_DOT, C_POINT, 3.5, "Value");
	if (draw_any_finite(s->centre, n)) {
		draw_legend_item(&lg, LG_LINE, C_CENTRE, 0,
		                 s->centre_label != NULL ? s->centre_label
		                                         : "Centre");
	}
	if (draw_any_finite(s->lcl, n) || draw_any_finite(s->ucl, n)) {
		draw_legend_item(&lg, LG_DASH, C_LIMIT, 0,
		                 "Control limits (LCL, UCL)");
	}
	if (s->has_target) {
		draw_legend_item(&lg, LG_DASH, C_TARGET, 0, "Target");
	}
	if (has_sense[RENDER_IMPROVEMENT]) {
		draw_legend_item(&lg, improve_kind, C_IMPROVE, 4.5,
		                 "Signal: improvement");
	}
	if (has_sense[RENDER_CONCERN]) {
		draw_legend_item(&lg, LG_FILLED_SQUARE, C_CONCERN, 4.5,
		                 "Signal: concern");
	}
	if (has_sense[RENDER_NEUTRAL]) {
		draw_legend_item(&lg, LG_DIAMOND, C_NEUTRAL, 4.5,
		                 s->direction == RENDER_DIR_NONE
		                     ? "Signal (no direction set)"
		                     : "Signal");
	}
	if (has_exc) {
		draw_legend_item(&lg, LG_HOLLOW, C_MUTED, 4, "Excluded");
	}
	if (n_supp + n_miss > 0) {
		draw_legend_item(&lg, LG_SQUARE, C_NOVAL, 0,
		                 n_supp > 0 && n_miss > 0
		                     ? "Suppressed / missing"
		                     : n_supp > 0 ? "Suppressed"
		                                  : "Missing");
	}
	if (has_gap) {
		draw_legend_item(&lg, LG_BAND, C_GAP, 0, "No data (break)");
	}
	if (s->n_spans > 0) {
		draw_legend_item(&lg, LG_BAND, C_SPAN, 0, "PDSA cycle");
	}
	char note[160];
	draw_count_note(note, sizeof note, n_supp, "point", "points",
	                "suppressed", n_miss);
	if (dropped > 0) {
		size_t len = strlen(note);
		snprintf(note + len, sizeof(note) - len,
		         "%s%zu more signal%s in the table", len ? "; " : "",
		         dropped, dropped == 1 ? "" : "s");
	}
	draw_note(f, fr.x0,
	          lg.y + 22.0 > SERIES_H - 6 ? SERIES_H - 6 : lg.y + 22.0,
	          note);
	free(days);
	return draw_svg_close(f);
}
