/* SPDX-License-Identifier: MIT
 * SVG chart writers: run/control charts, the positive-deviance scatter and
 * the cost-effectiveness plane, as self-contained SVG 1.1. Numbers are
 * formatted by hand so a setlocale() in the CLI cannot write "12,5" into a
 * coordinate; every piece of caller text is escaped for XML.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svg.h"

#define SVG_W 900
#define SVG_H 420

#define C_TEXT   "#222222"
#define C_MUTED  "#666666"
#define C_GRID   "#e8e8e8"
#define C_AXIS   "#9a9a9a"
#define C_LINE   "#7f9bbb"
#define C_POINT  "#1f4e79"
#define C_SIGNAL "#d62728"
#define C_RUN    "#f28e2b"
#define C_CENTRE "#3c3c3c"
#define C_LIMIT  "#8c8c8c"
#define C_FLAG   "#238b45"
#define C_OTHER  "#b4b4b4"
#define C_BAR    "#c9d6e3"
#define C_NOVAL  "#a0a0a0"

#define FONT "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif"

/* Average advance of a character as a share of the font size, a little
 * generous so estimated label boxes do not touch. */
#define CHAR_W 0.60

/* ------------------------------------------------------------------ */
/* Output primitives. */

static void
fmt_uint(char *buf, unsigned long long u)
{
	char tmp[24];
	int  n = 0;
	do {
		tmp[n++] = (char) ('0' + u % 10);
		u /= 10;
	} while (u > 0);
	while (n > 0) {
		*buf++ = tmp[--n];
	}
	*buf = '\0';
}

/* v with `dec` decimals (0..6); thousands grouped with ',' when `group`.
 * Locale-independent. Values beyond 2^53 fall back to %g (and still get a
 * '.' decimal point). */
static void
fmt_num(char *buf, size_t len, double v, int dec, int group)
{
	static const double p10[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6 };
	if (dec < 0) {
		dec = 0;
	}
	if (dec > 6) {
		dec = 6;
	}
	if (!isfinite(v) || fabs(v) * p10[dec] >= 9.0e15) {
		snprintf(buf, len, "%g", v);
		for (char *p = buf; *p != '\0'; p++) {
			if (*p == ',') {
				*p = '.';
			}
		}
		return;
	}
	double             r  = round(fabs(v) * p10[dec]);
	unsigned long long q  = (unsigned long long) r;
	unsigned long long ip = q / (unsigned long long) p10[dec];
	unsigned long long fp = q % (unsigned long long) p10[dec];
	char               ibuf[32], out[64];
	size_t             o   = 0;
	int                neg = v < 0 && q != 0;
	fmt_uint(ibuf, ip);
	if (neg) {
		out[o++] = '-';
	}
	size_t il = strlen(ibuf);
	for (size_t i = 0; i < il; i++) {
		out[o++]    = ibuf[i];
		size_t left = il - i - 1;
		if (group && left > 0 && left % 3 == 0) {
			out[o++] = ',';
		}
	}
	if (dec > 0) {
		out[o++] = '.';
		for (int i = dec - 1; i >= 0; i--) {
			out[o + (size_t) i] = (char) ('0' + fp % 10);
			fp /= 10;
		}
		o += (size_t) dec;
	}
	out[o] = '\0';
	snprintf(buf, len, "%s", out);
}

/* Escapes XML specials; drops control characters XML 1.0 forbids. */
static void
put_esc(FILE *f, const char *s)
{
	if (s == NULL) {
		return;
	}
	for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
		switch (*p) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			if (*p < 0x20 && *p != '\t' && *p != '\n') {
				putc(' ', f);
			} else {
				putc(*p, f);
			}
		}
	}
}

/* A tiny printf: %s raw string, %e escaped string, %f coordinate (one
 * decimal), %d int, %% percent. */
static void
out(FILE *f, const char *fmt, ...)
{
	va_list ap;
	char    buf[64];
	va_start(ap, fmt);
	for (const char *p = fmt; *p != '\0'; p++) {
		if (*p != '%') {
			putc(*p, f);
			continue;
		}
		switch (*++p) {
		case 's':
			fputs(va_arg(ap, const char *), f);
			break;
		case 'e':
			put_esc(f, va_arg(ap, const char *));
			break;
		case 'f':
			fmt_num(buf, sizeof buf, va_arg(ap, double), 1, 0);
			fputs(buf, f);
			break;
		case 'd': {
			int v = va_arg(ap, int);
			if (v < 0) {
				putc('-', f);
			}
			fmt_uint(buf,
			         v < 0 ? 0ULL - (unsigned long long) v
			               : (unsigned long long) v);
			fputs(buf, f);
			break;
		}
		case '%':
			putc('%', f);
			break;
		default:
			p--; /* a lone '%' at the end: print it */
			putc('%', f);
			break;
		}
	}
	va_end(ap);
}

/* Estimated width in pixels: counts UTF-8 code points, not bytes. */
static double
text_w(const char *s, double size)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *) s; p && *p;
	     p++) {
		n += (*p & 0xC0) != 0x80;
	}
	return (double) n * size * CHAR_W;
}

/* ------------------------------------------------------------------ */
/* Axes. */

typedef struct axis {
	double lo, hi, step;
	int    dec;
} axis;

/* 1-2-5 steps, about `target` intervals, bounds on whole steps, with a
 * little air so no point sits on the frame; an axis whose data are all
 * non-negative (percentages, costs) does not dip below zero. */
static void
axis_nice(axis *a, double lo, double hi, int target)
{
	if (!isfinite(lo) || !isfinite(hi)) {
		lo = 0.0;
		hi = 1.0;
	}
	if (!(hi > lo)) {
		double pad = fabs(lo) > 0.0 ? fabs(lo) * 0.1 : 1.0;
		lo -= pad;
		hi += pad;
	}
	int    nonneg = lo >= 0.0;
	double air    = (hi - lo) * 0.02;
	lo -= air;
	hi += air;
	if (nonneg && lo < 0.0) {
		lo = 0.0;
	}
	double raw = (hi - lo) / target;
	double mag = pow(10.0, floor(log10(raw)));
	double f   = raw / mag;
	double st  = (f < 1.5 ? 1.0 : f < 3.0 ? 2.0 : f < 7.0 ? 5.0 : 10.0);
	st *= mag;
	a->step = st;
	a->lo   = floor(lo / st + 1e-9) * st;
	a->hi   = ceil(hi / st - 1e-9) * st;
	if (a->hi <= a->lo) {
		a->hi = a->lo + st;
	}
	int d  = (int) -floor(log10(st) + 1e-9);
	a->dec = d < 0 ? 0 : d > 6 ? 6 : d;
}

static int
axis_ticks(const axis *a)
{
	return (int) floor((a->hi - a->lo) / a->step + 0.5);
}

static double
axis_tick(const axis *a, int k)
{
	double v = a->lo + k * a->step;
	return fabs(v) < a->step * 1e-9 ? 0.0 : v;
}

static void
tick_label(char *buf, size_t len, const axis *a, double v)
{
	fmt_num(buf, len, v, a->dec, fabs(a->hi) >= 1e4 || fabs(a->lo) >= 1e4);
}

static double
max_tick_w(const axis *a, double size)
{
	char   buf[64];
	double w = 0.0;
	for (int k = 0; k <= axis_ticks(a); k++) {
		tick_label(buf, sizeof buf, a, axis_tick(a, k));
		double t = text_w(buf, size);
		w        = t > w ? t : w;
	}
	return w;
}

/* The plot area in pixels and its axes. */
typedef struct frame {
	double x0, x1, y0, y1; /* left, right, top, bottom */
	axis   ya, xa;
} frame;

static double
map_y(const frame *fr, double v)
{
	return fr->y1
	    - (v - fr->ya.lo) / (fr->ya.hi - fr->ya.lo) * (fr->y1 - fr->y0);
}

static double
map_x(const frame *fr, double v)
{
	return fr->x0
	    + (v - fr->xa.lo) / (fr->xa.hi - fr->xa.lo) * (fr->x1 - fr->x0);
}

static void
range_add(double *lo, double *hi, double v)
{
	if (isfinite(v)) {
		*lo = v < *lo ? v : *lo;
		*hi = v > *hi ? v : *hi;
	}
}

/* Left edge of the plot: room for the rotated y label and tick labels. */
static double
left_margin(const axis *ya, const char *y_label)
{
	return (y_label != NULL && *y_label ? 34.0 : 12.0)
	    + max_tick_w(ya, 11.0) + 8.0;
}

static void
draw_y_axis(FILE *f, const frame *fr, const char *label)
{
	char buf[64];
	for (int k = 0; k <= axis_ticks(&fr->ya); k++) {
		double v = axis_tick(&fr->ya, k);
		double y = map_y(fr, v);
		tick_label(buf, sizeof buf, &fr->ya, v);
		out(f,
		    "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" "
		    "stroke=\"" C_GRID "\" stroke-width=\"1\"/>\n",
		    fr->x0, y, fr->x1, y);
		out(f,
		    "<text x=\"%f\" y=\"%f\" text-anchor=\"end\" "
		    "font-size=\"11\" fill=\"" C_MUTED "\">%s</text>\n",
		    fr->x0 - 6.0, y + 4.0, buf);
	}
	out(f,
	    "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" stroke=\"" C_AXIS
	    "\" stroke-width=\"1\"/>\n",
	    fr->x0, fr->y0, fr->x0, fr->y1);
	if (label != NULL && *label) {
		double cy = (fr->y0 + fr->y1) / 2.0;
		out(f,
		    "<text transform=\"translate(18 %f) rotate(-90)\" "
		    "text-anchor=\"middle\" font-size=\"12\" fill=\"" C_TEXT
		    "\">%e</text>\n",
		    cy, label);
	}
}

/* Numeric x axis (scatter, CE plane): ticks, labels and the axis title. */
static void
draw_x_axis(FILE *f, const frame *fr, const char *label)
{
	char buf[64];
	for (int k = 0; k <= axis_ticks(&fr->xa); k++) {
		double v = axis_tick(&fr->xa, k);
		double x = map_x(fr, v);
		tick_label(buf, sizeof buf, &fr->xa, v);
		out(f,
		    "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" "
		    "stroke=\"" C_GRID "\" stroke-width=\"1\"/>\n",
		    x, fr->y0, x, fr->y1);
		out(f,
		    "<text x=\"%f\" y=\"%f\" text-anchor=\"middle\" "
		    "font-size=\"11\" fill=\"" C_MUTED "\">%s</text>\n",
		    x, fr->y1 + 16.0, buf);
	}
	out(f,
	    "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" stroke=\"" C_AXIS
	    "\" stroke-width=\"1\"/>\n",
	    fr->x0, fr->y1, fr->x1, fr->y1);
	if (label != NULL && *label) {
		out(f,
		    "<text x=\"%f\" y=\"%f\" text-anchor=\"middle\" "
		    "font-size=\"12\" fill=\"" C_TEXT "\">%e</text>\n",
		    (fr->x0 + fr->x1) / 2.0, fr->y1 + 36.0, label);
	}
}

/* ------------------------------------------------------------------ */
/* Document, title, legend, notes. */

static void
svg_open(FILE *f, const char *title, const char *subtitle)
{
	out(f,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
	    "width=\"900\" height=\"420\" viewBox=\"0 0 900 420\" "
	    "font-family=\"" FONT "\" font-size=\"12\">\n");
	out(f, "<title>%e</title>\n", title != NULL ? title : "Chart");
	out(f,
	    "<rect x=\"0\" y=\"0\" width=\"900\" height=\"420\" "
	    "fill=\"#ffffff\"/>\n");
	if (title != NULL && *title) {
		/* Shrink a long title rather than clip it. */
		double size = 17.0;
		double w    = text_w(title, size);
		if (w > SVG_W - 32) {
			size = size * (SVG_W - 32) / w;
			size = size < 10.0 ? 10.0 : size;
		}
		out(f,
		    "<text x=\"16\" y=\"27\" font-size=\"%f\" "
		    "font-weight=\"bold\" fill=\"" C_TEXT "\">%e</text>\n",
		    size, title);
	}
	if (subtitle != NULL && *subtitle) {
		out(f,
		    "<text x=\"16\" y=\"46\" font-size=\"12\" fill=\"" C_MUTED
		    "\">%e</text>\n",
		    subtitle);
	}
}

static int
svg_close(FILE *f)
{
	out(f, "</svg>\n");
	return ferror(f) ? TD_EIO : 0;
}

enum legend_kind { LG_LINE, LG_DASH, LG_DOT, LG_HOLLOW, LG_SQUARE, LG_BAR };

typedef struct legend {
	FILE  *f;
	double x, y, left, right;
} legend;

static void
legend_item(legend *l, int kind, const char *colour, double r,
            const char *text)
{
	double w = 26.0 + text_w(text, 12.0) + 16.0;
	if (l->x + w > l->right && l->x > l->left) {
		l->x = l->left;
		l->y += 18.0;
	}
	double x = l->x, y = l->y - 4.0;
	switch (kind) {
	case LG_LINE:
	case LG_DASH:
		out(l->f,
		    "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" "
		    "stroke=\"%s\" "
		    "stroke-width=\"2\"%s/>\n",
		    x, y, x + 20.0, y, colour,
		    kind == LG_DASH ? " stroke-dasharray=\"6 4\"" : "");
		break;
	case LG_DOT:
		out(l->f,
		    "<circle cx=\"%f\" cy=\"%f\" r=\"%f\" fill=\"%s\"/>\n",
		    x + 10.0, y, r, colour);
		break;
	case LG_HOLLOW:
		out(l->f,
		    "<circle cx=\"%f\" cy=\"%f\" r=\"%f\" fill=\"#ffffff\" "
		    "stroke=\"%s\" stroke-width=\"1.5\"/>\n",
		    x + 10.0, y, r, colour);
		break;
	case LG_SQUARE:
		out(l->f,
		    "<rect x=\"%f\" y=\"%f\" width=\"7\" height=\"7\" "
		    "fill=\"#ffffff\" stroke=\"%s\" stroke-width=\"1.2\"/>\n",
		    x + 6.5, y - 3.5, colour);
		break;
	case LG_BAR:
		out(l->f,
		    "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" "
		    "stroke=\"%s\" "
		    "stroke-width=\"3\"/>\n",
		    x + 2.0, y, x + 18.0, y, colour);
		break;
	}
	out(l->f,
	    "<text x=\"%f\" y=\"%f\" font-size=\"12\" fill=\"" C_TEXT
	    "\">%e</text>\n",
	    x + 26.0, l->y, text);
	l->x += w;
}

/* "3 points suppressed", "1 unit suppressed, 2 missing" ... */
static void
count_note(char *buf, size_t len, size_t k, const char *one, const char *many,
           const char *what, size_t missing)
{
	char a[32], b[32];
	fmt_num(a, sizeof a, (double) k, 0, 0);
	fmt_num(b, sizeof b, (double) missing, 0, 0);
	if (k > 0 && missing > 0) {
		snprintf(buf, len, "%s %s %s, %s missing", a,
		         k == 1 ? one : many, what, b);
	} else if (k > 0) {
		snprintf(buf, len, "%s %s %s", a, k == 1 ? one : many, what);
	} else if (missing > 0) {
		snprintf(buf, len, "%s %s missing", b,
		         missing == 1 ? one : many);
	} else {
		buf[0] = '\0';
	}
}

static void
draw_note(FILE *f, double x, double y, const char *note)
{
	if (note[0] != '\0') {
		out(f,
		    "<text x=\"%f\" y=\"%f\" font-size=\"11\" "
		    "font-style=\"italic\" "
		    "fill=\"" C_MUTED "\">%e</text>\n",
		    x, y, note);
	}
}

/* ------------------------------------------------------------------ */
/* Point labels that avoid each other. */

typedef struct box {
	double x0, y0, x1, y1;
} box;

static box
point_box(double x, double y, double r)
{
	return (box) { x - r - 1.0, y - r - 1.0, x + r + 1.0, y + r + 1.0 };
}

static int
box_hits(const box *a, const box *b)
{
	return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1
	    && b->y0 < a->y1;
}

/* Places `text` near (px, py): right, left, above, below, then further
 * out; the first spot that stays in the plot and clear of `placed` (earlier
 * labels and the points themselves) wins, and is appended to it. */
static void
place_label(FILE *f, const frame *fr, box *placed, size_t *np, double px,
            double py, const char *text, const char *colour, double size)
{
	static const double dx[] = { 8, -8, 0, 0, 8, -8, 8, -8, 14, -14 };
	static const double dy[] = { 4, 4, -9, 18, -8, -8, 16, 16, -18, 26 };
	double              w    = text_w(text, size);
	double              h    = size;
	int                 best = 0;
	box                 b    = { 0, 0, 0, 0 };
	for (int c = 0; c < 10; c++) {
		double x = px + dx[c];
		double l = dx[c] > 0 ? x : dx[c] < 0 ? x - w : x - w / 2.0;
		b        = (box) { l - 1.0, py + dy[c] - h, l + w + 1.0,
			           py + dy[c] + 3.0 };
		int ok   = b.x0 >= fr->x0 && b.x1 <= fr->x1 + 12.0
		    && b.y0 >= fr->y0 - 4.0 && b.y1 <= fr->y1;
		for (size_t i = 0; ok && i < *np; i++) {
			ok = !box_hits(&b, &placed[i]);
		}
		if (ok) {
			best = c;
			break;
		}
		if (c == 9) {
			best = 0;
		}
	}
	double x = px + dx[best];
	double l = dx[best] > 0 ? x : dx[best] < 0 ? x - w : x - w / 2.0;
	b        = (box) { l - 1.0, py + dy[best] - h, l + w + 1.0,
		           py + dy[best] + 3.0 };
	placed[(*np)++] = b;
	out(f,
	    "<text class=\"label\" x=\"%f\" y=\"%f\" font-size=\"%f\" "
	    "font-weight=\"bold\" fill=\"%s\" stroke=\"#ffffff\" "
	    "stroke-width=\"3\" paint-order=\"stroke\">%e</text>\n",
	    l, py + dy[best], size, colour, text);
}

/* ------------------------------------------------------------------ */
/* Run and control charts. */

static int
all_finite_or_nan(const double *v, size_t n)
{
	if (v == NULL) {
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (isinf(v[i])) {
			return 0;
		}
	}
	return 1;
}

static int
any_finite(const double *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++) {
		if (isfinite(v[i])) {
			return 1;
		}
	}
	return 0;
}

/* x positions of n evenly spaced points. */
typedef struct xs {
	double first, dx, ext; /* ext: half-width of a lone point's steps */
} xs;

static double
xpos(const xs *p, size_t i)
{
	return p->first + p->dx * (double) i;
}

/* Centre or limit as a step line; broken where the value is NaN and where
 * the centre changes (a split into periods). */
static void
draw_steps(FILE *f, const frame *fr, const xs *p, const double *v,
           const double *centre, size_t n, const char *colour,
           const char *dash, double width)
{
	if (!any_finite(v, n)) {
		return;
	}
	int open = 0;
	out(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"%f\"%s d=\"",
	    colour, width, dash);
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(v[i])) {
			open = 0;
			continue;
		}
		double x     = xpos(p, i);
		double l     = i == 0 ? x - p->ext : x - p->dx / 2.0;
		double r     = i == n - 1 ? x + p->ext : x + p->dx / 2.0;
		double y     = map_y(fr, v[i]);
		int    split = i > 0 && centre != NULL && isfinite(centre[i])
		    && isfinite(centre[i - 1]) && centre[i] != centre[i - 1];
		if (!open || split) {
			out(f, "M%f %f", l, y);
		} else {
			out(f, "V%f", y);
		}
		out(f, "H%f", r);
		open = 1;
	}
	out(f, "\"/>\n");
}

static int
series_valid(const td_svg_series *s)
{
	return s->n > 0 && s->values != NULL && s->baseline_n <= s->n
	    && all_finite_or_nan(s->values, s->n)
	    && all_finite_or_nan(s->centre, s->n)
	    && all_finite_or_nan(s->lcl, s->n)
	    && all_finite_or_nan(s->ucl, s->n);
}

int
td_svg_series_chart(FILE *f, const td_svg_series *s)
{
	if (f == NULL || s == NULL || !series_valid(s)) {
		return TD_EINVAL;
	}
	size_t n  = s->n;
	double lo = HUGE_VAL, hi = -HUGE_VAL;
	size_t n_supp = 0, n_miss = 0;
	int    has_sig = 0, has_run = 0, has_exc = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned fl = s->flags != NULL ? s->flags[i] : 0u;
		range_add(&lo, &hi, s->values[i]);
		if (s->centre != NULL) {
			range_add(&lo, &hi, s->centre[i]);
		}
		if (s->lcl != NULL) {
			range_add(&lo, &hi, s->lcl[i]);
		}
		if (s->ucl != NULL) {
			range_add(&lo, &hi, s->ucl[i]);
		}
		if (isnan(s->values[i])) {
			if (fl & TD_SVG_MISSING) {
				n_miss++;
			} else {
				n_supp++;
			}
			continue;
		}
		has_exc |= (fl & TD_SVG_EXCLUDED) != 0;
		has_sig |= !(fl & TD_SVG_EXCLUDED) && (fl & TD_SVG_SIGNAL);
		has_run |= !(fl & TD_SVG_EXCLUDED) && !(fl & TD_SVG_SIGNAL)
		    && (fl & TD_SVG_RUN);
	}

	frame fr;
	memset(&fr, 0, sizeof fr);
	axis_nice(&fr.ya, lo, hi, 6);
	fr.x0 = left_margin(&fr.ya, s->y_label);
	fr.x1 = SVG_W - 20.0;
	fr.y0 = s->subtitle != NULL && *s->subtitle ? 64.0 : 50.0;
	fr.y1 = 334.0;

	/* Points, evenly spaced with half a step of air at both ends. */
	double pad = n > 1 ? (fr.x1 - fr.x0) / (double) n / 2.0 : 0.0;
	pad        = pad > 24.0 ? 24.0 : pad < 6.0 ? 6.0 : pad;
	xs p       = { (fr.x0 + fr.x1) / 2.0, 0.0, 30.0 };
	if (n > 1) {
		p.first = fr.x0 + pad;
		p.dx    = (fr.x1 - fr.x0 - 2.0 * pad) / (double) (n - 1);
		p.ext   = 0.0;
	}
	double dx = p.dx;

	svg_open(f, s->title, s->subtitle);
	draw_y_axis(f, &fr, s->y_label);
	out(f,
	    "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" stroke=\"" C_AXIS
	    "\" stroke-width=\"1\"/>\n",
	    fr.x0, fr.y1, fr.x1, fr.y1);

	/* x labels: every k-th point so that labels never overlap. */
	double maxw = 0.0;
	char   num[32];
	for (size_t i = 0; i < n; i++) {
		const char *t = s->x_labels != NULL ? s->x_labels[i] : NULL;
		if (s->x_labels == NULL) {
			fmt_num(num, sizeof num, (double) (i + 1), 0, 0);
			t = num;
		}
		double w = t != NULL ? text_w(t, 11.0) : 0.0;
		maxw     = w > maxw ? w : maxw;
	}
	size_t every = 1;
	if (n > 1 && dx > 0.0) {
		every = (size_t) ceil((maxw + 10.0) / dx);
		every = every < 1 ? 1 : every;
	}
	for (size_t i = 0; i < n; i++) {
		out(f,
		    "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" "
		    "stroke=\"" C_AXIS "\" stroke-width=\"1\"/>\n",
		    xpos(&p, i), fr.y1, xpos(&p, i),
		    fr.y1 + (i % every == 0 ? 5.0 : 2.5));
		if (i % every != 0) {
			continue;
		}
		const char *t = s->x_labels != NULL ? s->x_labels[i] : NULL;
		if (s->x_labels == NULL) {
			fmt_num(num, sizeof num, (double) (i + 1), 0, 0);
			t = num;
		}
		if (t != NULL) {
			out(f,
			    "<text x=\"%f\" y=\"%f\" text-anchor=\"middle\" "
			    "font-size=\"11\" fill=\"" C_MUTED
			    "\">%e</text>\n",
			    xpos(&p, i), fr.y1 + 18.0, t);
		}
	}

	/* Baseline end marker. */
	if (s->baseline_n > 0) {
		size_t b = s->baseline_n;
		double x = b < n
		    ? xpos(&p, b) - dx / 2.0
		    : xpos(&p, n - 1) + (n > 1 ? dx / 2.0 : p.ext);
		x        = x > fr.x1 ? fr.x1 : x;
		out(f,
		    "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" "
		    "stroke=\"" C_MUTED
		    "\" stroke-width=\"1.2\" stroke-dasharray=\"2 3\"/>\n",
		    x, fr.y0, x, fr.y1);
		/* above the frame, where no point can be */
		out(f,
		    "<text x=\"%f\" y=\"%f\" text-anchor=\"end\" "
		    "font-size=\"11\" "
		    "fill=\"" C_MUTED "\">baseline</text>\n",
		    x + 3.0, fr.y0 - 5.0);
	}

	/* Limits, centre, the data line. */
	if (s->lcl != NULL) {
		draw_steps(f, &fr, &p, s->lcl, s->centre, n, C_LIMIT,
		           " stroke-dasharray=\"6 4\"", 1.3);
	}
	if (s->ucl != NULL) {
		draw_steps(f, &fr, &p, s->ucl, s->centre, n, C_LIMIT,
		           " stroke-dasharray=\"6 4\"", 1.3);
	}
	if (s->centre != NULL) {
		draw_steps(f, &fr, &p, s->centre, s->centre, n, C_CENTRE, "",
		           1.6);
	}
	if (any_finite(s->values, n)) {
		int open = 0;
		out(f,
		    "<path fill=\"none\" stroke=\"" C_LINE
		    "\" stroke-width=\"1.6\" stroke-linejoin=\"round\" d=\"");
		for (size_t i = 0; i < n; i++) {
			if (isnan(s->values[i])) {
				open = 0;
				continue;
			}
			out(f, "%s%f %f", open ? "L" : "M", xpos(&p, i),
			    map_y(&fr, s->values[i]));
			open = 1;
		}
		out(f, "\"/>\n");
	}

	/* Points, each with a tooltip. */
	int vdec = fr.ya.dec + 1;
	for (size_t i = 0; i < n; i++) {
		unsigned    fl = s->flags != NULL ? s->flags[i] : 0u;
		const char *xl = s->x_labels != NULL ? s->x_labels[i] : NULL;
		char        v[64];
		if (xl == NULL) {
			fmt_num(num, sizeof num, (double) (i + 1), 0, 0);
			xl = num;
		}
		if (isnan(s->values[i])) {
			out(f,
			    "<rect class=\"noval\" x=\"%f\" y=\"%f\" "
			    "width=\"7\" "
			    "height=\"7\" fill=\"#ffffff\" stroke=\"" C_NOVAL
			    "\" stroke-width=\"1.2\"><title>%e: "
			    "%s</title></rect>\n",
			    xpos(&p, i) - 3.5, fr.y1 - 3.5, xl,
			    fl & TD_SVG_MISSING ? "missing" : "suppressed");
			continue;
		}
		fmt_num(v, sizeof v, s->values[i], vdec, 0);
		double y = map_y(&fr, s->values[i]);
		if (fl & TD_SVG_EXCLUDED) {
			out(f,
			    "<circle class=\"pt\" cx=\"%f\" cy=\"%f\" r=\"4\" "
			    "fill=\"#ffffff\" stroke=\"" C_MUTED
			    "\" stroke-width=\"1.5\"><title>%e: %s "
			    "(excluded)</title></circle>\n",
			    xpos(&p, i), y, xl, v);
		} else if (fl & TD_SVG_SIGNAL) {
			out(f,
			    "<circle class=\"pt\" cx=\"%f\" cy=\"%f\" r=\"5\" "
			    "fill=\"" C_SIGNAL "\" stroke=\"#ffffff\" "
			    "stroke-width=\"1\"><title>%e: %s "
			    "(signal)</title></circle>\n",
			    xpos(&p, i), y, xl, v);
		} else if (fl & TD_SVG_RUN) {
			out(f,
			    "<circle class=\"pt\" cx=\"%f\" cy=\"%f\" "
			    "r=\"4.5\" "
			    "fill=\"" C_RUN "\" stroke=\"#ffffff\" "
			    "stroke-width=\"1\"><title>%e: %s (run, shift or "
			    "trend)</title></circle>\n",
			    xpos(&p, i), y, xl, v);
		} else {
			out(f,
			    "<circle class=\"pt\" cx=\"%f\" cy=\"%f\" "
			    "r=\"3.5\" "
			    "fill=\"" C_POINT
			    "\"><title>%e: %s</title></circle>\n",
			    xpos(&p, i), y, xl, v);
		}
	}
	if (!any_finite(s->values, n)) {
		out(f,
		    "<text x=\"%f\" y=\"%f\" text-anchor=\"middle\" "
		    "font-size=\"14\" fill=\"" C_MUTED "\">No values to show: "
		    "every point is suppressed or missing</text>\n",
		    (fr.x0 + fr.x1) / 2.0, (fr.y0 + fr.y1) / 2.0);
	}

	/* Legend and note. */
	legend lg = { f, fr.x0, 378.0, fr.x0, fr.x1 };
	legend_item(&lg, LG_DOT, C_POINT, 3.5, "Value");
	if (any_finite(s->centre, n)) {
		legend_item(&lg, LG_LINE, C_CENTRE, 0,
		            s->centre_label != NULL ? s->centre_label
		                                    : "Centre");
	}
	if (any_finite(s->lcl, n) || any_finite(s->ucl, n)) {
		legend_item(&lg, LG_DASH, C_LIMIT, 0, "Limits");
	}
	if (has_sig) {
		legend_item(&lg, LG_DOT, C_SIGNAL, 5, "Signal");
	}
	if (has_run) {
		legend_item(&lg, LG_DOT, C_RUN, 4.5, "Run, shift or trend");
	}
	if (has_exc) {
		legend_item(&lg, LG_HOLLOW, C_MUTED, 4, "Excluded");
	}
	if (n_supp + n_miss > 0) {
		legend_item(&lg, LG_SQUARE, C_NOVAL, 0,
		            n_supp > 0 && n_miss > 0 ? "Suppressed / missing"
		                : n_supp > 0         ? "Suppressed"
		                                     : "Missing");
	}
	char note[128];
	count_note(note, sizeof note, n_supp, "point", "points", "suppressed",
	           n_miss);
	draw_note(f, fr.x0, lg.y + 24.0 > SVG_H - 6 ? SVG_H - 6 : lg.y + 24.0,
	          note);
	return svg_close(f);
}

/* ------------------------------------------------------------------ */
/* Positive-deviance scatter. */

int
td_svg_scatter(FILE *f, const td_svg_scatter_data *s)
{
	if (f == NULL || s == NULL || s->n == 0 || s->predicted == NULL
	    || s->actual == NULL || !all_finite_or_nan(s->predicted, s->n)
	    || !all_finite_or_nan(s->actual, s->n)
	    || !all_finite_or_nan(s->pi_lo, s->n)
	    || !all_finite_or_nan(s->pi_hi, s->n)) {
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
		range_add(&lo, &hi, s->predicted[i]);
		range_add(&lo, &hi, s->actual[i]);
		if (s->pi_lo != NULL && s->pi_hi != NULL
		    && isfinite(s->pi_lo[i]) && isfinite(s->pi_hi[i])) {
			range_add(&lo, &hi, s->pi_lo[i]);
			range_add(&lo, &hi, s->pi_hi[i]);
			has_bar = 1;
		}
		n_flag += s->flagged != NULL && s->flagged[i];
	}
	/* Label boxes: the flagged points, then their labels. */
	box *placed = malloc((2 * n_flag + 1) * sizeof *placed);
	if (placed == NULL) {
		return TD_ENOMEM;
	}
	size_t np = 0;

	/* Equal axes, so the identity line is the diagonal of the data. */
	frame fr;
	memset(&fr, 0, sizeof fr);
	axis_nice(&fr.ya, lo, hi, 6);
	fr.xa          = fr.ya;
	const char *xl = s->x_label != NULL ? s->x_label : "Predicted";
	const char *yl = s->y_label != NULL ? s->y_label : "Actual";
	fr.x0          = left_margin(&fr.ya, yl);
	fr.x1          = SVG_W - 30.0;
	fr.y0          = s->subtitle != NULL && *s->subtitle ? 64.0 : 50.0;
	fr.y1          = 318.0;

	svg_open(f, s->title, s->subtitle);
	draw_y_axis(f, &fr, yl);
	draw_x_axis(f, &fr, xl);
	out(f,
	    "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" stroke=\"" C_LIMIT
	    "\" stroke-width=\"1.3\" stroke-dasharray=\"6 4\"/>\n",
	    map_x(&fr, fr.xa.lo), map_y(&fr, fr.ya.lo), map_x(&fr, fr.xa.hi),
	    map_y(&fr, fr.ya.hi));

	/* Bars first, so points sit on top; flagged units last of all. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n && has_bar; i++) {
			int fl = s->flagged != NULL && s->flagged[i];
			if (fl != pass || isnan(s->predicted[i])
			    || isnan(s->actual[i]) || !isfinite(s->pi_lo[i])
			    || !isfinite(s->pi_hi[i])) {
				continue;
			}
			double      x  = map_x(&fr, s->predicted[i]);
			double      y0 = map_y(&fr, s->pi_lo[i]);
			double      y1 = map_y(&fr, s->pi_hi[i]);
			const char *c  = fl ? "#8cc49e" : C_BAR;
			out(f,
			    "<path fill=\"none\" stroke=\"%s\" "
			    "stroke-width=\"1.5\" "
			    "d=\"M%f %fV%fM%f %fH%fM%f %fH%f\"/>\n",
			    c, x, y0, y1, x - 3.0, y0, x + 3.0, x - 3.0, y1,
			    x + 3.0);
		}
	}
	char a[64], b[64];
	int  dec = fr.ya.dec + 1;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < n; i++) {
			int fl = s->flagged != NULL && s->flagged[i];
			if (fl != pass || isnan(s->predicted[i])
			    || isnan(s->actual[i])) {
				continue;
			}
			const char *code
			    = s->codes != NULL && s->codes[i] != NULL
			    ? s->codes[i]
			    : "";
			double x = map_x(&fr, s->predicted[i]);
			double y = map_y(&fr, s->actual[i]);
			fmt_num(a, sizeof a, s->actual[i], dec, 0);
			fmt_num(b, sizeof b, s->predicted[i], dec, 0);
			if (fl) {
				placed[np++] = point_box(x, y, 5.5);
			}
			out(f,
			    "<circle class=\"pt%s\" cx=\"%f\" cy=\"%f\" "
			    "r=\"%s\" "
			    "fill=\"%s\"%s><title>%e: actual %s, predicted "
			    "%s</title></circle>\n",
			    fl ? " flagged" : "", x, y, fl ? "5.5" : "3",
			    fl ? C_FLAG : C_OTHER,
			    fl ? " stroke=\"#ffffff\" stroke-width=\"1\"" : "",
			    code, a, b);
		}
	}
	for (size_t i = 0; i < n && s->codes != NULL; i++) {
		if (s->flagged == NULL || !s->flagged[i]
		    || isnan(s->predicted[i]) || isnan(s->actual[i])
		    || s->codes[i] == NULL) {
			continue;
		}
		place_label(f, &fr, placed, &np, map_x(&fr, s->predicted[i]),
		            map_y(&fr, s->actual[i]), s->codes[i], C_FLAG,
		            11.0);
	}

	legend lg = { f, fr.x0, 382.0, fr.x0, fr.x1 };
	legend_item(&lg, LG_DOT, C_FLAG, 5.5, "Flagged (positive deviant)");
	legend_item(&lg, LG_DOT, C_OTHER, 3, "Other units");
	legend_item(&lg, LG_DASH, C_LIMIT, 0, "Actual = predicted");
	if (has_bar) {
		legend_item(&lg, LG_BAR, C_BAR, 0, "95% prediction interval");
	}
	char note[128];
	count_note(note, sizeof note, n_supp, "unit", "units", "suppressed",
	           0);
	draw_note(f, fr.x0, lg.y + 24.0 > SVG_H - 6 ? SVG_H - 6 : lg.y + 24.0,
	          note);
	free(placed);
	return svg_close(f);
}

/* ------------------------------------------------------------------ */
/* Cost-effectiveness plane. */

int
td_svg_ce_plane(FILE *f, const td_svg_ce *s)
{
	if (f == NULL || s == NULL || s->n == 0 || s->labels == NULL
	    || s->effect == NULL || s->cost == NULL
	    || !all_finite_or_nan(s->effect, s->n)
	    || !all_finite_or_nan(s->cost, s->n)
	    || !all_finite_or_nan(s->effect_lo, s->n)
	    || !all_finite_or_nan(s->effect_hi, s->n)) {
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
		range_add(&xlo, &xhi, s->effect[i]);
		range_add(&ylo, &yhi, s->cost[i]);
		if (s->effect_lo != NULL && s->effect_hi != NULL
		    && isfinite(s->effect_lo[i])
		    && isfinite(s->effect_hi[i])) {
			range_add(&xlo, &xhi, s->effect_lo[i]);
			range_add(&xlo, &xhi, s->effect_hi[i]);
			has_bar = 1;
		}
	}
	/* Label boxes: the points, their labels and the "no effect" text. */
	box *placed = malloc((2 * n + 1) * sizeof *placed);
	if (placed == NULL) {
		return TD_ENOMEM;
	}

	frame fr;
	memset(&fr, 0, sizeof fr);
	/* A little air above the dearest activity for its label. */
	axis_nice(&fr.ya, ylo, yhi + (yhi - ylo) * 0.05, 6);
	axis_nice(&fr.xa, xlo, xhi, 8);
	const char *xl
	    = s->x_label != NULL ? s->x_label : "Effect (Hedges' g)";
	const char *yl
	    = s->y_label != NULL ? s->y_label : "Cost per student ($)";
	fr.x0 = left_margin(&fr.ya, yl);
	fr.x1 = SVG_W - 30.0;
	fr.y0 = s->subtitle != NULL && *s->subtitle ? 64.0 : 50.0;
	fr.y1 = 318.0;

	svg_open(f, s->title, s->subtitle);
	draw_y_axis(f, &fr, yl);
	draw_x_axis(f, &fr, xl);
	double zx = map_x(&fr, 0.0);
	out(f,
	    "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" stroke=\"" C_CENTRE
	    "\" stroke-width=\"1.4\"/>\n",
	    zx, fr.y0, zx, fr.y1);
	out(f,
	    "<text x=\"%f\" y=\"%f\" font-size=\"11\" fill=\"" C_MUTED
	    "\">no effect</text>\n",
	    zx + 5.0, fr.y0 + 11.0);
	if (ylo < 0.0) {
		double zy = map_y(&fr, 0.0);
		out(f,
		    "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" "
		    "stroke=\"" C_AXIS "\" stroke-width=\"1\"/>\n",
		    fr.x0, zy, fr.x1, zy);
	}
	/* The "no effect" text is a label like the others. */
	placed[0] = (box) { zx + 4.0, fr.y0,
		            zx + 6.0 + text_w("no effect", 11), fr.y0 + 14.0 };
	size_t np = 1;

	char e[64], c[64], lo[64], hi[64];
	for (size_t i = 0; i < n; i++) {
		if (isnan(s->effect[i]) || isnan(s->cost[i])) {
			continue;
		}
		double x   = map_x(&fr, s->effect[i]);
		double y   = map_y(&fr, s->cost[i]);
		int    bar = s->effect_lo != NULL && s->effect_hi != NULL
		    && isfinite(s->effect_lo[i]) && isfinite(s->effect_hi[i]);
		if (bar) {
			double x0 = map_x(&fr, s->effect_lo[i]);
			double x1 = map_x(&fr, s->effect_hi[i]);
			out(f,
			    "<path fill=\"none\" stroke=\"" C_LINE
			    "\" stroke-width=\"1.6\" d=\"M%f %fH%fM%f "
			    "%fV%fM%f "
			    "%fV%f\"/>\n",
			    x0, y, x1, x0, y - 4.0, y + 4.0, x1, y - 4.0,
			    y + 4.0);
		}
		placed[np++] = point_box(x, y, 5.0);
		fmt_num(e, sizeof e, s->effect[i], 2, 0);
		fmt_num(c, sizeof c, s->cost[i], 0, 1);
		if (bar) {
			fmt_num(lo, sizeof lo, s->effect_lo[i], 2, 0);
			fmt_num(hi, sizeof hi, s->effect_hi[i], 2, 0);
		}
		out(f,
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
		place_label(f, &fr, placed, &np, map_x(&fr, s->effect[i]),
		            map_y(&fr, s->cost[i]), s->labels[i], C_POINT,
		            11.5);
	}

	legend lg = { f, fr.x0, 382.0, fr.x0, fr.x1 };
	legend_item(&lg, LG_DOT, C_POINT, 5, "Activity");
	if (has_bar) {
		legend_item(&lg, LG_BAR, C_LINE, 0,
		            "95% interval of the effect");
	}
	legend_item(&lg, LG_LINE, C_CENTRE, 0, "No effect");
	char note[128];
	count_note(note, sizeof note, n_na, "activity", "activities",
	           "without an estimate", 0);
	draw_note(f, fr.x0, lg.y + 24.0 > SVG_H - 6 ? SVG_H - 6 : lg.y + 24.0,
	          note);
	free(placed);
	return svg_close(f);
}
