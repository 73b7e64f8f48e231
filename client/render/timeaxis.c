/* SPDX-License-Identifier: MIT
 * Date axes: points placed by their period's start date, month ticks
 * spaced so their labels never touch (always on September, where a school
 * year starts), and gaps longer than the usual spacing (July–August)
 * shaded and named instead of drawn straight across.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "draw.h"

/* A gap is a step this many times the usual (median) spacing. */
#define GAP_FACTOR 1.6

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *) a, y = *(const long *) b;
	return (x > y) - (x < y);
}

int
draw_time_init(draw_time *t, const long *days, size_t n, double x0, double x1)
{
	long lo = 0, hi = 0, *diff = NULL;
	int  any = 0;
	for (size_t i = 0; i < n; i++) {
		if (days[i] < 0) {
			continue;
		}
		lo  = !any || days[i] < lo ? days[i] : lo;
		hi  = !any || days[i] > hi ? days[i] : hi;
		any = 1;
	}
	if (!any) {
		return TD_EINVAL;
	}
	t->spacing = 30;
	if (n > 1 && (diff = malloc((n - 1) * sizeof(*diff))) != NULL) {
		size_t k = 0;
		for (size_t i = 1; i < n; i++) {
			if (days[i] > days[i - 1] && days[i - 1] >= 0) {
				diff[k++] = days[i] - days[i - 1];
			}
		}
		if (k > 0) {
			qsort(diff, k, sizeof(*diff), cmp_long);
			t->spacing = diff[k / 2];
		}
		free(diff);
	} else if (n > 1) {
		return TD_ENOMEM;
	}
	/* Half a step of air at both ends; a lone point a month each side. */
	long pad = t->spacing / 2 > 10 ? t->spacing / 2 : 10;
	t->d0    = lo - pad;
	t->d1    = hi + pad;
	t->x0    = x0;
	t->x1    = x1;
	return 0;
}

double
draw_time_x(const draw_time *t, long day)
{
	return t->x0
	    + (double) (day - t->d0) / (double) (t->d1 - t->d0)
	    * (t->x1 - t->x0);
}

int
draw_time_is_gap(const draw_time *t, long prev, long next)
{
	return prev >= 0 && next >= 0
	    && (double) (next - prev) > GAP_FACTOR * (double) t->spacing;
}

void
draw_time_axis(FILE *f, const draw_frame *fr, const draw_time *t, double size,
               int labels)
{
	static const int steps[] = { 1, 2, 3, 4, 6, 12, 24, 60 };
	double           months  = (double) (t->d1 - t->d0) / 30.44;
	double           per = (t->x1 - t->x0) / (months > 0.5 ? months : 0.5);
	double           need = draw_text_w("Sep 2024", size) + 10.0;
	int              step = 60;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (steps[i] * per >= need) {
			step = steps[i];
			break;
		}
	}
	int y, m, d;
	common_civil_from_days(t->d0, &y, &m, &d);
	/* The first month start at or after d0. */
	if (d > 1) {
		m++;
		if (m > 12) {
			m = 1;
			y++;
		}
	}
	char lab[32];
	for (int guard = 0; guard < 2400; guard++) {
		char date[16];
		snprintf(date, sizeof(date), "%04d-%02d-01", y, m);
		long day = render_days(date);
		if (day > t->d1) {
			break;
		}
		/* Ticks on September and every step months from it. */
		int    off   = ((m - 9) % 12 + 12) % 12;
		int    major = step <= 12 ? off % step == 0
		                          : off == 0 && (y % (step / 12)) == 0;
		double x     = draw_time_x(t, day);
		if (major || per >= 6.0) {
			draw_out(
			    f,
			    "<line x1=\"%f\" y1=\"%f\" x2=\"%f\" y2=\"%f\" "
			    "stroke=\"" C_AXIS "\" stroke-width=\"1\"/>\n",
			    x, fr->y1, x, fr->y1 + (major ? 5.0 : 2.5));
		}
		if (major && labels) {
			snprintf(lab, sizeof(lab), "%s %d",
			         render_month_name(m), y);
			draw_out(
			    f,
			    "<text x=\"%f\" y=\"%f\" text-anchor=\"middle\" "
			    "font-size=\"%f\" fill=\"" C_MUTED
			    "\">%e</text>\n",
			    x, fr->y1 + 6.0 + size, size, lab);
		}
		if (++m > 12) {
			m = 1;
			y++;
		}
	}
}

void
draw_time_gap(FILE *f, const draw_frame *fr, const draw_time *t, long prev,
              long next, int label)
{
	/* From the end of prev's period to the start of next's. */
	double half
	    = (draw_time_x(t, t->d0 + t->spacing) - draw_time_x(t, t->d0))
	    / 2.0;
	double a = draw_time_x(t, prev) + half;
	double b = draw_time_x(t, next) - half;
	if (b <= a) {
		return;
	}
	/* The months with no data: after prev's month, before next's. */
	int py, pm, pd, ny, nm, nd;
	common_civil_from_days(prev + t->spacing, &py, &pm, &pd);
	common_civil_from_days(next - 1, &ny, &nm, &nd);
	char text[32];
	if (pm == nm && py == ny) {
		snprintf(text, sizeof(text), "%s", render_month_name(pm));
	} else {
		snprintf(text, sizeof(text), "%s\xe2\x80\x93%s",
		         render_month_name(pm), render_month_name(nm));
	}
	draw_out(f,
	         "<rect class=\"gap\" x=\"%f\" y=\"%f\" width=\"%f\" "
	         "height=\"%f\" fill=\"" C_GAP "\"><title>no data: "
	         "%e</title></rect>\n",
	         a, fr->y0, b - a, fr->y1 - fr->y0, text);
	if (label && draw_text_w(text, 9.0) <= b - a + 6.0) {
		draw_out(f,
		         "<text x=\"%f\" y=\"%f\" text-anchor=\"middle\" "
		         "font-size=\"9\" fill=\"" C_MUTED "\">%e</text>\n",
		         (a + b) / 2.0, fr->y1 - 4.0, text);
	}
}
