/* SPDX-License-Identifier: MIT
 * The rendering module's own toolbox (draw.c): what every chart file draws
 * with. Not part of the module's interface (render.h).
 */
#ifndef TANDEM_RENDER_DRAW_H
#define TANDEM_RENDER_DRAW_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "render.h"

/* The default canvas of a full-width chart. */
#define DRAW_W 900
#define DRAW_H 420

/* Colours. The signal palette is Okabe and Ito's (safe for the common
 * colour-vision deficiencies), as Making Data Count uses it: blue for
 * improvement, orange for concern, purple where no direction is known;
 * every sense also has its own shape, so colour is never the only cue. */
#define C_TEXT    "#222222"
#define C_MUTED   "#595959"
#define C_GRID    "#e8e8e8"
#define C_AXIS    "#9a9a9a"
#define C_LINE    "#7f9bbb"
#define C_POINT   "#1f4e79"
#define C_IMPROVE "#0072b2"
#define C_CONCERN "#d55e00"
#define C_NEUTRAL "#7b3294"
#define C_CENTRE  "#3c3c3c"
#define C_LIMIT   "#8c8c8c"
#define C_TARGET  "#009e73"
#define C_OTHER   "#c4c4c4"
#define C_BAR     "#c9d6e3"
#define C_NOVAL   "#a0a0a0"
#define C_GAP     "#f2f2f2"
#define C_SPAN    "#fff4d6"

#define FONT "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif"

/* Average advance of a character as a share of the font size, a little
 * generous so estimated label boxes do not touch. */
#define CHAR_W 0.60

/* Number formatting and text. */
void draw_fmt_uint(char *buf, unsigned long long u);
void draw_esc(FILE *f, const char *s);
/* The module's printf (draw.c says its conversions). */
void   draw_vout(FILE *f, const char *fmt, va_list ap);
void   draw_out(FILE *f, const char *fmt, ...);
double draw_text_w(const char *s, double size);

/* Nice axes: 1-2-5 steps, bounds on whole steps. */
typedef struct draw_axis {
	double lo, hi, step;
	int    dec;
} draw_axis;

void   draw_axis_nice(draw_axis *a, double lo, double hi, int target);
int    draw_axis_ticks(const draw_axis *a);
double draw_axis_tick(const draw_axis *a, int k);
void   draw_tick_label(char *buf, size_t len, const draw_axis *a, double v);
double draw_max_tick_w(const draw_axis *a, double size);

/* The plot area in pixels and its axes. */
typedef struct draw_frame {
	double    x0, x1, y0, y1; /* left, right, top, bottom */
	draw_axis ya, xa;
} draw_frame;

double draw_map_y(const draw_frame *fr, double v);
double draw_map_x(const draw_frame *fr, double v);
void   draw_range_add(double *lo, double *hi, double v);
double draw_left_margin(const draw_axis *ya, const char *y_label);
void   draw_y_axis(FILE *f, const draw_frame *fr, const char *label);
void   draw_x_axis(FILE *f, const draw_frame *fr, const char *label);

/* The document: title, subtitle and text alternative. */
typedef struct draw_doc {
	const char *title, *subtitle, *desc;
	int         width, height; /* 0 = DRAW_W x DRAW_H */
	int         inline_svg;
} draw_doc;

void draw_svg_open(FILE *f, const draw_doc *d);
int  draw_svg_close(FILE *f) __attribute__((warn_unused_result));

/* Legends. */
enum draw_legend_kind {
	LG_LINE,
	LG_DASH,
	LG_DOT,
	LG_HOLLOW,
	LG_SQUARE,
	LG_BAR,
	LG_TRIANGLE_UP,
	LG_TRIANGLE_DOWN,
	LG_DIAMOND,
	LG_BAND,
	LG_FILLED_SQUARE,
};

typedef struct draw_legend {
	FILE  *f;
	double x, y, left, right;
} draw_legend;

void draw_legend_item(draw_legend *l, int kind, const char *colour, double r,
                      const char *text);
void draw_count_note(char *buf, size_t len, size_t k, const char *one,
                     const char *many, const char *what, size_t missing);
void draw_note(FILE *f, double x, double y, const char *note);

/* Point labels that avoid each other. */
typedef struct draw_box {
	double x0, y0, x1, y1;
} draw_box;

draw_box draw_point_box(double x, double y, double r);
int      draw_box_hits(const draw_box *a, const draw_box *b);
void     draw_place_label(FILE *f, const draw_frame *fr, draw_box *placed,
                          size_t *np, double px, double py, const char *text,
                          const char *colour, double size);

/* Validation. */
int draw_all_finite_or_nan(const double *v, size_t n);
int draw_any_finite(const double *v, size_t n);

/* draw_marker draws a point of a given sense: improvement a triangle
 * pointing the way the value moved (up when above the centre), concern a
 * square, neutral a diamond, common cause a small circle. cls is the
 * class attribute; tip the tooltip (escaped). */
void draw_marker(FILE *f, double x, double y, int sense, int up, double r,
                 const char *cls, const char *tip);
const char *draw_sense_colour(int sense);

/* Date axes (timeaxis.c): x by day number. */
typedef struct draw_time {
	long   d0, d1; /* days at the left and right edges */
	double x0, x1;
	long   spacing; /* usual days between points (median) */
} draw_time;

/* draw_time_init spans days (negative = not a date, skipped) with half a
 * step of air each side. TD_EINVAL when no day is valid. */
int    draw_time_init(draw_time *t, const long *days, size_t n, double x0,
                      double x1) __attribute__((warn_unused_result));
double draw_time_x(const draw_time *t, long day);
int    draw_time_is_gap(const draw_time *t, long prev, long next);
void   draw_time_axis(FILE *f, const draw_frame *fr, const draw_time *t,
                      double size, int labels);
void   draw_time_gap(FILE *f, const draw_frame *fr, const draw_time *t,
                     long prev, long next, int label);

#endif /* TANDEM_RENDER_DRAW_H */
