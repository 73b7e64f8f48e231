/* SPDX-License-Identifier: MIT
 * What every chart of the rendering module draws with: number formatting,
 * XML escaping, a tiny printf, nice axes, the document with its title and
 * text alternative, legends, notes and labels that avoid each other.
 * Numbers are formatted by hand so a setlocale() cannot write "12,5" into
 * a coordinate; every piece of caller text is escaped for XML.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "draw.h"

/* ------------------------------------------------------------------ */
/* Output primitives. */

void
draw_fmt_uint(char *buf, unsigned long long u)
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
void
render_fmt_num(char *buf, size_t len, double v, int dec, int group)
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
	draw_fmt_uint(ibuf, ip);
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
void
draw_esc(FILE *f, const char *s)
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

/* The one printf of the module: %s raw string, %e escaped string, %f
 * coordinate (one decimal), %d int, %z size_t, %n a number (double, then
 * int decimals; thousands grouped from 10,000; an en dash for NaN), %v
 * a number at full precision for a data attribute ("" for NaN), %%. */
void
draw_vout(FILE *f, const char *fmt, va_list ap)
{
	char buf[64];
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
			draw_esc(f, va_arg(ap, const char *));
			break;
		case 'f':
			render_fmt_num(buf, sizeof buf, va_arg(ap, double), 1,
			               0);
			fputs(buf, f);
			break;
		case 'd': {
			int v = va_arg(ap, int);
			if (v < 0) {
				putc('-', f);
			}
			draw_fmt_uint(buf,
			              v < 0 ? 0ULL - (unsigned long long) v
			                    : (unsigned long long) v);
			fputs(buf, f);
			break;
		}
		case 'z':
			draw_fmt_uint(buf, va_arg(ap, size_t));
			fputs(buf, f);
			break;
		case 'n': {
			double v   = va_arg(ap, double);
			int    dec = va_arg(ap, int);
			if (isfinite(v)) {
				render_fmt_num(buf, sizeof(buf), v, dec,
				               fabs(v) >= 1e4);
				fputs(buf, f);
			} else {
				fputs("\xe2\x80\x93", f); /* an en dash */
			}
			break;
		}
		case 'v': {
			double v = va_arg(ap, double);
			if (isfinite(v)) {
				/* The C locale's '.' is the only decimal
				 * point the CLI runs with. */
				fprintf(f, "%.17g", v);
			}
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
}

void
draw_out(FILE *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	draw_vout(f, fmt, ap);
	va_end(ap);
}

/* Estimated width in pixels: counts UTF-8 code points, not bytes. */
double
draw_text_w(const char *s, double size)
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

/* 1-2-5 steps, about `target` intervals, bounds on whole steps, with a
 * little air so no point sits on the frame; an draw_axis whose data are all
 * non-negative (percentages, costs) does not dip below zero. */
void
draw_axis_nice(draw_axis *a, double lo, double hi, int target)
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

int
draw_axis_ticks(const draw_axis *a)
{
	return (int) floor((a->hi - a->lo) / a->step + 0.5);
}

double
draw_axis_tick(const draw_axis *a, int k)
{
	double v = a->lo + k * a->step;
	return fabs(v) < a->step * 1e-9 ? 0.0 : v;
}

void
draw_tick_label(char *buf, size_t len, const draw_axis *a, double v)
{
	render_fmt_num(buf, len, v, a->dec,
	               fabs(a->hi) >= 1e4 || fabs(a->lo) >= 1e4);
}

double
draw_max_tick_w(const draw_axis *a, double size)
{
	char   buf[64];
	double w = 0.0;
	for (int k = 0; k <= draw_axis_ticks(a); k++) {
		draw_tick_label(buf, sizeof buf, a, draw_axis_tick(a, k));
		double t = draw_text_w(buf, size);
		w        = t > w ? t : w;
	}
	return w;
}

double
draw_map_y(const draw_frame *fr, double v)
{
	return fr->y1
	    - (v - fr->ya.lo) / (fr->ya.hi - fr->ya.lo) * (fr->y1 - fr->y0);
}

double
draw_map_x(const draw_frame *fr, double v)
{
	return fr->x0
	    + (v - fr->xa.lo) / (fr->xa.hi - fr->xa.lo) * (fr->x1 - fr->x0);
}

void
draw_range_add(double *lo, double *hi, double v)
{
	if (isfinite(v)) {
		*lo = v < *lo ? v : *lo;
		*hi = v > *hi ? v : *hi;
	}
}

/* Left edge of the plot: room for the rotated y label and tick labels. */
double
draw_left_margin(const draw_axis *ya, const char *y_label)
{
	return (y_label != NULL && *y_label ? 34.0 : 12.0)
	    + draw_max_tick_w(ya, 11.0) + 8.0;
}

void
draw_y_axis(FILE *f, const draw_frame *fr, const char *label)
{
	char buf[64];
	for (int k = 0; k <= draw_axis_ticks(&fr->ya); k++) {
		double v = draw_axis_tick(&fr->ya, k);
		double y = draw_map_y(fr, v);
		draw_tick_label(buf, sizeof buf, &fr->ya, v);
		draw_out(f,
		         "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" "
		         "stroke=\"" C_GRID "\" stroke-width=\"1\"/>\n",
		         fr->x0, y, fr->x1, y);
		draw_out(f,
		         "<text x=\"%f\" y=\"%f\" text-anchor=\"end\" "
		         "font-size=\"11\" fill=\"" C_MUTED "\">%s</text>\n",
		         fr->x0 - 6.0, y + 4.0, buf);
	}
	draw_out(
	    f,
	    "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" stroke=\"" C_AXIS
	    "\" stroke-width=\"1\"/>\n",
	    fr->x0, fr->y0, fr->x0, fr->y1);
	if (label != NULL && *label) {
		/* A long name shrinks to the plot's height, never past it. */
		double cy   = (fr->y0 + fr->y1) / 2.0;
		double size = 12.0, h = fr->y1 - fr->y0 + 20.0;
		double w = draw_text_w(label, size);
		if (w > h) {
			size = fmax(8.0, size * h / w);
		}
		draw_out(
		    f,
		    "<text transform=\"translate(18 %f) rotate(-90)\" "
		    "text-anchor=\"middle\" font-size=\"%f\" fill=\"" C_TEXT
		    "\">%e</text>\n",
		    cy, size, label);
	}
}

/* Numeric x axis (scatter, CE plane): ticks, labels and the axis title. */
void
draw_x_axis(FILE *f, const draw_frame *fr, const char *label)
{
	char buf[64];
	for (int k = 0; k <= draw_axis_ticks(&fr->xa); k++) {
		double v = draw_axis_tick(&fr->xa, k);
		double x = draw_map_x(fr, v);
		draw_tick_label(buf, sizeof buf, &fr->xa, v);
		draw_out(f,
		         "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" "
		         "stroke=\"" C_GRID "\" stroke-width=\"1\"/>\n",
		         x, fr->y0, x, fr->y1);
		draw_out(f,
		         "<text x=\"%f\" y=\"%f\" text-anchor=\"middle\" "
		         "font-size=\"11\" fill=\"" C_MUTED "\">%s</text>\n",
		         x, fr->y1 + 16.0, buf);
	}
	draw_out(
	    f,
	    "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" stroke=\"" C_AXIS
	    "\" stroke-width=\"1\"/>\n",
	    fr->x0, fr->y1, fr->x1, fr->y1);
	if (label != NULL && *label) {
		draw_out(f,
		         "<text x=\"%f\" y=\"%f\" text-anchor=\"middle\" "
		         "font-size=\"12\" fill=\"" C_TEXT "\">%e</text>\n",
		         (fr->x0 + fr->x1) / 2.0, fr->y1 + 36.0, label);
	}
}

/* ------------------------------------------------------------------ */
/* Document, title, legend, notes. */

void
draw_svg_open(FILE *f, const draw_doc *d)
{
	int w = d->width > 0 ? d->width : DRAW_W;
	int h = d->height > 0 ? d->height : DRAW_H;
	if (!d->inline_svg) {
		draw_out(f,
		         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		         "<svg xmlns=\"http://www.w3.org/2000/svg\" ");
	} else {
		draw_out(f, "<svg class=\"chart\" ");
	}
	draw_out(f,
	         "version=\"1.1\" role=\"img\" width=\"%d\" height=\"%d\" "
	         "viewBox=\"0 0 %d %d\" font-family=\"" FONT
	         "\" font-size=\"12\">\n",
	         w, h, w, h);
	draw_out(f, "<title>%e</title>\n",
	         d->title != NULL && *d->title ? d->title : "Chart");
	draw_out(
	    f, "<desc>%e%s%e</desc>\n", d->subtitle != NULL ? d->subtitle : "",
	    d->subtitle != NULL && *d->subtitle && d->desc != NULL && *d->desc
	        ? ". "
	        : "",
	    d->desc != NULL ? d->desc : "");
	draw_out(f,
	         "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" "
	         "fill=\"#ffffff\"/>\n",
	         w, h);
	if (d->title != NULL && *d->title) {
		/* Shrink a long title rather than clip it. */
		double size = 17.0;
		double tw   = draw_text_w(d->title, size);
		if (tw > w - 32) {
			size = size * (w - 32) / tw;
			size = size < 9.0 ? 9.0 : size;
		}
		draw_out(f,
		         "<text x=\"16\" y=\"27\" font-size=\"%f\" "
		         "font-weight=\"bold\" fill=\"" C_TEXT
		         "\">%e</text>\n",
		         size, d->title);
	}
	if (d->subtitle != NULL && *d->subtitle) {
		double size = 12.0;
		double tw   = draw_text_w(d->subtitle, size);
		if (tw > w - 32) {
			size = size * (w - 32) / tw;
			size = size < 8.0 ? 8.0 : size;
		}
		draw_out(f,
		         "<text x=\"16\" y=\"46\" font-size=\"%f\" "
		         "fill=\"" C_MUTED "\">%e</text>\n",
		         size, d->subtitle);
	}
}

int
draw_svg_close(FILE *f)
{
	draw_out(f, "</svg>\n");
	return ferror(f) ? TD_EIO : 0;
}

void
draw_legend_item(draw_legend *l, int kind, const char *colour, double r,
                 const char *text)
{
	double w = 26.0 + draw_text_w(text, 12.0) + 16.0;
	if (l->x + w > l->right && l->x > l->left) {
		l->x = l->left;
		l->y += 18.0;
	}
	double x = l->x, y = l->y - 4.0;
	switch (kind) {
	case LG_LINE:
	case LG_DASH:
		draw_out(l->f,
		         "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" "
		         "stroke=\"%s\" "
		         "stroke-width=\"2\"%s/>\n",
		         x, y, x + 20.0, y, colour,
		         kind == LG_DASH ? " stroke-dasharray=\"6 4\"" : "");
		break;
	case LG_DOT:
		draw_out(
		    l->f,
		    "<circle cx=\"%f\" cy=\"%f\" r=\"%f\" fill=\"%s\"/>\n",
		    x + 10.0, y, r, colour);
		break;
	case LG_HOLLOW:
		draw_out(
		    l->f,
		    "<circle cx=\"%f\" cy=\"%f\" r=\"%f\" fill=\"#ffffff\" "
		    "stroke=\"%s\" stroke-width=\"1.5\"/>\n",
		    x + 10.0, y, r, colour);
		break;
	case LG_SQUARE:
		draw_out(
		    l->f,
		    "<rect x=\"%f\" y=\"%f\" width=\"7\" height=\"7\" "
		    "fill=\"#ffffff\" stroke=\"%s\" stroke-width=\"1.2\"/>\n",
		    x + 6.5, y - 3.5, colour);
		break;
	case LG_BAR:
		draw_out(l->f,
		         "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" "
		         "stroke=\"%s\" "
		         "stroke-width=\"3\"/>\n",
		         x + 2.0, y, x + 18.0, y, colour);
		break;
	case LG_TRIANGLE_UP:
		draw_marker(l->f, x + 10.0, y, RENDER_IMPROVEMENT, 1, r, "lg",
		            NULL);
		break;
	case LG_TRIANGLE_DOWN:
		draw_marker(l->f, x + 10.0, y, RENDER_IMPROVEMENT, 0, r, "lg",
		            NULL);
		break;
	case LG_DIAMOND:
		draw_marker(l->f, x + 10.0, y, RENDER_NEUTRAL, 1, r, "lg",
		            NULL);
		break;
	case LG_FILLED_SQUARE:
		draw_marker(l->f, x + 10.0, y, RENDER_CONCERN, 1, r, "lg",
		            NULL);
		break;
	case LG_BAND:
		draw_out(l->f,
		         "<rect x=\"%f\" y=\"%f\" width=\"20\" height=\"10\" "
		         "fill=\"%s\" stroke=\"" C_AXIS
		         "\" stroke-width=\"0.5\"/>\n",
		         x, y - 5.0, colour);
		break;
	}
	draw_out(l->f,
	         "<text x=\"%f\" y=\"%f\" font-size=\"12\" fill=\"" C_TEXT
	         "\">%e</text>\n",
	         x + 26.0, l->y, text);
	l->x += w;
}

/* "3 points suppressed", "1 unit suppressed, 2 missing" ... */
void
draw_count_note(char *buf, size_t len, size_t k, const char *one,
                const char *many, const char *what, size_t missing)
{
	char a[32], b[32];
	render_fmt_num(a, sizeof a, (double) k, 0, 0);
	render_fmt_num(b, sizeof b, (double) missing, 0, 0);
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

void
draw_note(FILE *f, double x, double y, const char *note)
{
	if (note[0] != '\0') {
		draw_out(f,
		         "<text x=\"%f\" y=\"%f\" font-size=\"11\" "
		         "font-style=\"italic\" "
		         "fill=\"" C_MUTED "\">%e</text>\n",
		         x, y, note);
	}
}

/* ------------------------------------------------------------------ */
/* Point labels that avoid each other. */

draw_box
draw_point_box(double x, double y, double r)
{
	return (draw_box) { x - r - 1.0, y - r - 1.0, x + r + 1.0,
		            y + r + 1.0 };
}

int
draw_box_hits(const draw_box *a, const draw_box *b)
{
	return a->x0 < b->x1 && b->x0 < a->x1 && a->y0 < b->y1
	    && b->y0 < a->y1;
}

/* Places `text` near (px, py): right, left, above, below, then further
 * out; the first spot that stays in the plot and clear of `placed` (earlier
 * labels and the points themselves) wins, and is appended to it. */
void
draw_place_label(FILE *f, const draw_frame *fr, draw_box *placed, size_t *np,
                 double px, double py, const char *text, const char *colour,
                 double size)
{
	static const double dx[] = { 8, -8, 0, 0, 8, -8, 8, -8, 14, -14 };
	static const double dy[] = { 4, 4, -9, 18, -8, -8, 16, 16, -18, 26 };
	double              w    = draw_text_w(text, size);
	double              h    = size;
	int                 best = 0;
	draw_box            b    = { 0, 0, 0, 0 };
	for (int c = 0; c < 10; c++) {
		double x = px + dx[c];
		double l = dx[c] > 0 ? x : dx[c] < 0 ? x - w : x - w / 2.0;
		b        = (draw_box) { l - 1.0, py + dy[c] - h, l + w + 1.0,
			                py + dy[c] + 3.0 };
		int ok   = b.x0 >= fr->x0 && b.x1 <= fr->x1 + 12.0
		    && b.y0 >= fr->y0 - 4.0 && b.y1 <= fr->y1;
		for (size_t i = 0; ok && i < *np; i++) {
			ok = !draw_box_hits(&b, &placed[i]);
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
	b        = (draw_box) { l - 1.0, py + dy[best] - h, l + w + 1.0,
		                py + dy[best] + 3.0 };
	placed[(*np)++] = b;
	draw_out(f,
	         "<text class=\"label\" x=\"%f\" y=\"%f\" font-size=\"%f\" "
	         "font-weight=\"bold\" fill=\"%s\" stroke=\"#ffffff\" "
	         "stroke-width=\"3\" paint-order=\"stroke\">%e</text>\n",
	         l, py + dy[best], size, colour, text);
}

/* ------------------------------------------------------------------ */
/* Run and control charts. */

int
draw_all_finite_or_nan(const double *v, size_t n)
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

int
draw_any_finite(const double *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++) {
		if (isfinite(v[i])) {
			return 1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Markers by sense, and the sense of a signal. */

const char *
draw_sense_colour(int sense)
{
	switch (sense) {
	case RENDER_IMPROVEMENT:
		return C_IMPROVE;
	case RENDER_CONCERN:
		return C_CONCERN;
	default:
		return C_NEUTRAL;
	}
}

void
draw_marker(FILE *f, double x, double y, int sense, int up, double r,
            const char *cls, const char *tip)
{
	const char *c = draw_sense_colour(sense);
	double      h = r * 1.25;
	switch (sense) {
	case RENDER_IMPROVEMENT:
		if (up) {
			draw_out(
			    f,
			    "<path class=\"%s\" d=\"M%f %fL%f %fL%f %fZ\" "
			    "fill=\"%s\" stroke=\"#ffffff\" "
			    "stroke-width=\"0.8\">",
			    cls, x, y - h, x + h, y + h * 0.8, x - h,
			    y + h * 0.8, c);
		} else {
			draw_out(
			    f,
			    "<path class=\"%s\" d=\"M%f %fL%f %fL%f %fZ\" "
			    "fill=\"%s\" stroke=\"#ffffff\" "
			    "stroke-width=\"0.8\">",
			    cls, x, y + h, x + h, y - h * 0.8, x - h,
			    y - h * 0.8, c);
		}
		break;
	case RENDER_CONCERN:
		draw_out(f,
		         "<rect class=\"%s\" x=\"%f\" y=\"%f\" width=\"%f\" "
		         "height=\"%f\" fill=\"%s\" stroke=\"#ffffff\" "
		         "stroke-width=\"0.8\">",
		         cls, x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8, c);
		break;
	default:
		draw_out(
		    f,
		    "<path class=\"%s\" d=\"M%f %fL%f %fL%f %fL%f %fZ\" "
		    "fill=\"%s\" stroke=\"#ffffff\" stroke-width=\"0.8\">",
		    cls, x, y - h, x + h, y, x, y + h, x - h, y, c);
		break;
	}
	if (tip != NULL) {
		draw_out(f, "<title>%e</title>", tip);
	}
	draw_out(f, "%s\n", sense == RENDER_CONCERN ? "</rect>" : "</path>");
}

int
render_signal_sense(const double *values, const double *centre, size_t first,
                    size_t last, int direction)
{
	double sum = 0.0;
	size_t k   = 0;
	for (size_t i = first; values != NULL && centre != NULL && i <= last;
	     i++) {
		if (isfinite(values[i]) && isfinite(centre[i])) {
			sum += values[i] - centre[i];
			k++;
		}
	}
	if (k == 0 || sum == 0.0 || direction == RENDER_DIR_NONE) {
		return RENDER_NEUTRAL;
	}
	int up = sum > 0.0;
	return up == (direction == RENDER_DIR_HIGHER) ? RENDER_IMPROVEMENT
	                                              : RENDER_CONCERN;
}

/* ------------------------------------------------------------------ */
/* Dates. */

long
render_days(const char *s)
{
	unsigned y = 0, m = 0, d = 1;
	int      k = 0;
	if (s == NULL) {
		return -1;
	}
	for (int i = 0; i < 4; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return -1;
		}
		y = y * 10 + (unsigned) (s[i] - '0');
	}
	if (s[4] != '-' || s[5] < '0' || s[5] > '9' || s[6] < '0'
	    || s[6] > '9') {
		return -1;
	}
	m = (unsigned) (s[5] - '0') * 10 + (unsigned) (s[6] - '0');
	k = 7;
	if (s[k] == '-') {
		if (s[8] < '0' || s[8] > '9' || s[9] < '0' || s[9] > '9') {
			return -1;
		}
		d = (unsigned) (s[8] - '0') * 10 + (unsigned) (s[9] - '0');
		k = 10;
	}
	if (s[k] != '\0' || m < 1 || m > 12 || d < 1 || d > 31 || y < 1900) {
		return -1;
	}
	/* The day arithmetic is common/'s (days since 1970-01-01). */
	return common_days_from_civil((int) y, (int) m, (int) d);
}

const char *
render_month_name(int month)
{
	static const char *names[]
	    = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	return month >= 1 && month <= 12 ? names[month - 1] : "?";
}
