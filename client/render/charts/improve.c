/* SPDX-License-Identifier: MIT
 * Pictures of improvement work: the professional-isolation network (schools
 * as nodes grouped by district, cross-school ties as edges, isolated
 * schools a hollow square with a label) and the dot-and-interval chart of
 * Positive Deviance Inquiry's "discover" (one row per criterion).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"

#define NET_H 600
#define PI    3.14159265358979323846

/* ---- the isolation network ---- */

static int
same_group(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

int
render_network_chart(FILE *f, const render_network *s)
{
	if (f == NULL || s == NULL || s->n_nodes == 0 || s->nodes == NULL
	    || (s->n_edges > 0 && s->edges == NULL)) {
		return TD_EINVAL;
	}
	size_t n = s->n_nodes;
	for (size_t e = 0; e < s->n_edges; e++) {
		if (s->edges[e].a >= n || s->edges[e].b >= n
		    || s->edges[e].a == s->edges[e].b
		    || !(s->edges[e].weight >= 0.0)
		    || !isfinite(s->edges[e].weight)) {
			return TD_EINVAL;
		}
	}
	/* Groups in order of first appearance; each node's group and its
	 * place in it. */
	size_t *grp = calloc(n, sizeof *grp), *pos = calloc(n, sizeof *pos);
	size_t *size  = calloc(n, sizeof *size),
	       *first = calloc(n, sizeof *first);
	double *x = calloc(n, sizeof *x), *y = calloc(n, sizeof *y);
	if (!grp || !pos || !size || !first || !x || !y) {
		free(grp), free(pos), free(size), free(first), free(x),
		    free(y);
		return TD_ENOMEM;
	}
	size_t ng = 0, n_iso = 0;
	for (size_t i = 0; i < n; i++) {
		size_t g = 0;
		while (g < ng
		       && !same_group(s->nodes[first[g]].group,
		                      s->nodes[i].group)) {
			g++;
		}
		if (g == ng) {
			first[ng++] = i;
		}
		grp[i] = g;
		pos[i] = size[g]++;
		n_iso += s->nodes[i].isolated != 0;
	}
	/* Groups on a ring, members on a small ring around their group's
	 * place: a district's schools sit together. */
	double cx = DRAW_W / 2.0, cy = 80.0 + (NET_H - 170.0) / 2.0;
	double ring = ng > 1 ? (NET_H - 170.0) / 2.0 - 50.0 : 0.0;
	double gr
	    = ng > 1 ? fmin(60.0, ring * sin(PI / (double) ng) * 0.8) : 160.0;
	for (size_t i = 0; i < n; i++) {
		double ga
		    = 2.0 * PI * (double) grp[i] / (double) ng - PI / 2.0;
		double gx = cx + ring * 1.6 * cos(ga),
		       gy = cy + ring * sin(ga);
		size_t k  = size[grp[i]];
		double r  = k > 1 ? gr : 0.0;
		double a  = 2.0 * PI * (double) pos[i] / (double) (k ? k : 1)
		    - PI / 2.0;
		x[i] = gx + r * cos(a);
		y[i] = gy + r * sin(a);
	}
	char sub[64];
	snprintf(sub, sizeof sub, "%zu schools, %zu ties, %zu isolated", n,
	         s->n_edges, n_iso);
	draw_doc doc = { s->title, s->subtitle != NULL ? s->subtitle : sub,
		         s->desc,  0,
		         NET_H,    s->inline_svg };
	draw_svg_open(f, &doc);
	/* District names above their groups. */
	for (size_t g = 0; g < ng; g++) {
		double ga     = 2.0 * PI * (double) g / (double) ng - PI / 2.0;
		double gx     = cx + ring * 1.6 * cos(ga),
		       gy     = cy + ring * sin(ga);
		double      r = size[g] > 1 ? gr : 0.0;
		const char *name = s->nodes[first[g]].group;
		draw_out(f,
		         "<text class=\"group\" x=\"%f\" y=\"%f\" "
		         "text-anchor=\"middle\" font-size=\"12\" "
		         "font-weight=\"bold\" fill=\"" C_MUTED
		         "\">%e</text>\n",
		         gx, gy - r - 20.0,
		         name != NULL && *name ? name : "No district");
	}
	/* Ties first, so the nodes are drawn over them. */
	/* Many ties: fainter lines, so the nodes stay readable. */
	const char *op = s->n_edges > 150 ? "0.12"
	    : s->n_edges > 40             ? "0.3"
	                                  : "0.55";
	for (size_t e = 0; e < s->n_edges; e++) {
		const render_edge *t = &s->edges[e];
		double             w = 1.0 + 0.5 * log1p(t->weight);
		draw_out(f,
		         "<line class=\"tie\" x1=\"%f\" y1=\"%f\" x2=\"%f\" "
		         "y2=\"%f\" stroke=\"" C_LINE "\" stroke-opacity="
		         "\"%s\" stroke-width=\"%f\"><title>%e \xe2\x80\x93 "
		         "%e</title></line>\n",
		         x[t->a], y[t->a], x[t->b], y[t->b], op,
		         w > 4.0 ? 4.0 : w, s->nodes[t->a].label,
		         s->nodes[t->b].label);
	}
	for (size_t i = 0; i < n; i++) {
		const render_node *v = &s->nodes[i];
		char               deg[32];
		render_fmt_num(deg, sizeof deg, (double) v->degree, 0, 0);
		if (v->isolated) {
			draw_out(f,
			         "<rect class=\"isolated\" x=\"%f\" y=\"%f\" "
			         "width=\"14\" height=\"14\" fill=\"#ffffff\" "
			         "stroke=\"" C_CONCERN
			         "\" stroke-width=\"2.4\">"
			         "<title>%e (%e): isolated, no cross-school "
			         "tie</title></rect>\n",
			         x[i] - 7.0, y[i] - 7.0, v->label,
			         v->code != NULL ? v->code : "");
		} else {
			double r = 4.0 + 1.2 * sqrt((double) v->degree);
			draw_out(
			    f,
			    "<circle class=\"node\" cx=\"%f\" cy=\"%f\" "
			    "r=\"%f\" fill=\"" C_POINT "\" stroke=\"#ffffff"
			    "\" stroke-width=\"1\"><title>%e (%e): tied to "
			    "%s schools</title></circle>\n",
			    x[i], y[i], r > 11.0 ? 11.0 : r, v->label,
			    v->code != NULL ? v->code : "", deg);
		}
	}
	/* Isolated schools are named, with the word, not only the shape. */
	for (size_t i = 0; i < n; i++) {
		if (!s->nodes[i].isolated) {
			continue;
		}
		int  right = x[i] >= cx;
		char text[300];
		snprintf(text, sizeof text, "%s (isolated)",
		         s->nodes[i].label);
		double tw = draw_text_w(text, 11.0);
		/* beside the square, on the side it fits */
		if (right && x[i] + 11.0 + tw > DRAW_W - 4.0) {
			right = 0;
		} else if (!right && x[i] - 11.0 - tw < 4.0) {
			right = 1;
		}
		double tx = right ? x[i] + 11.0 : x[i] - 11.0;
		draw_out(f,
		         "<text class=\"isolated-label\" x=\"%f\" y=\"%f\" "
		         "text-anchor=\"%s\" font-size=\"11\" font-weight="
		         "\"bold\" fill=\"" C_TEXT "\">%e</text>\n",
		         tx, y[i] + 4.0, right ? "start" : "end", text);
	}
	draw_legend lg = { f, 30.0, NET_H - 40.0, 30.0, DRAW_W - 30.0 };
	draw_legend_item(&lg, LG_DOT, C_POINT, 5,
	                 "School (larger: more schools tied)");
	draw_legend_item(&lg, LG_SQUARE, C_CONCERN, 0,
	                 "Isolated school (no cross-school tie)");
	draw_legend_item(&lg, LG_LINE, C_LINE, 0, "Cross-school tie");
	free(grp), free(pos), free(size), free(first), free(x), free(y);
	return draw_svg_close(f);
}

/* ---- the dot-and-interval chart ---- */

int
render_interval_chart(FILE *f, const render_intervals *s)
{
	if (f == NULL || s == NULL || s->n == 0 || s->rows == NULL) {
		return TD_EINVAL;
	}
	double lo = 0.0, hi = 0.0, lw = 60.0; /* include 0 */
	for (size_t i = 0; i < s->n; i++) {
		const render_interval_row *r = &s->rows[i];
		if (r->label == NULL || isinf(r->estimate) || isinf(r->lo)
		    || isinf(r->hi)) {
			return TD_EINVAL;
		}
		double w = draw_text_w(r->label, 12.0);
		lw       = w > lw ? w : lw;
		if (r->suppressed) {
			continue;
		}
		if (!isnan(r->estimate)) {
			draw_range_add(&lo, &hi, r->estimate);
		}
		if (!isnan(r->lo) && !isnan(r->hi)) {
			draw_range_add(&lo, &hi, r->lo);
			draw_range_add(&lo, &hi, r->hi);
		}
	}
	lw = lw > 260.0 ? 260.0 : lw;
	if (hi - lo < 1e-9) {
		lo -= 1.0;
		hi += 1.0;
	}
	draw_frame fr;
	memset(&fr, 0, sizeof fr);
	draw_axis_nice(&fr.xa, lo, hi, 8);
	fr.x0        = 24.0 + lw;
	fr.x1        = DRAW_W - 130.0;
	fr.y0        = s->subtitle != NULL && *s->subtitle ? 64.0 : 50.0;
	fr.y1        = fr.y0 + 30.0 * (double) s->n + 10.0;
	int      h   = (int) (fr.y1 + 84.0);
	draw_doc doc = { s->title, s->subtitle, s->desc, 0, h, s->inline_svg };
	draw_svg_open(f, &doc);
	draw_x_axis(f, &fr, s->x_label != NULL ? s->x_label : "Difference");
	double zx = draw_map_x(&fr, 0.0);
	draw_out(f,
	         "<line class=\"zero\" x1=\"%f\" y1=\"%f\" x2=\"%f\" "
	         "y2=\"%f\" stroke=\"" C_CENTRE "\" stroke-width=\"1.4\"/>\n",
	         zx, fr.y0, zx, fr.y1);
	char e[64], a[64], b[64];
	for (size_t i = 0; i < s->n; i++) {
		const render_interval_row *r = &s->rows[i];
		double y = fr.y0 + 20.0 + 30.0 * (double) i;
		draw_out(f,
		         "<text x=\"%f\" y=\"%f\" text-anchor=\"end\" "
		         "font-size=\"12\" fill=\"" C_TEXT "\">%e</text>\n",
		         fr.x0 - 10.0, y + 4.0, r->label);
		if (r->suppressed || isnan(r->estimate)) {
			draw_out(f,
			         "<text class=\"%s\" x=\"%f\" y=\"%f\" "
			         "font-size=\"11\" font-style=\"italic\" "
			         "fill=\"" C_MUTED "\">%s</text>\n",
			         r->suppressed ? "suppressed" : "noestimate",
			         fr.x0 + 6.0, y + 4.0,
			         r->suppressed
			             ? "suppressed (fewer than min_n "
			               "observations)"
			             : "no estimate");
			continue;
		}
		render_fmt_num(e, sizeof e, r->estimate, 2, 0);
		int bar = !isnan(r->lo) && !isnan(r->hi);
		if (bar) {
			double x0 = draw_map_x(&fr, r->lo);
			double x1 = draw_map_x(&fr, r->hi);
			render_fmt_num(a, sizeof a, r->lo, 2, 0);
			render_fmt_num(b, sizeof b, r->hi, 2, 0);
			draw_out(f,
			         "<path class=\"interval\" fill=\"none\" "
			         "stroke=\"" C_LINE
			         "\" stroke-width=\"2\" d=\"M%f %fH%fM%f "
			         "%fV%fM%f %fV%f\"/>\n",
			         x0, y, x1, x0, y - 5.0, y + 5.0, x1, y - 5.0,
			         y + 5.0);
		}
		/* the interval's side of zero is said in words beside it */
		int above = bar && r->lo > 0.0, below = bar && r->hi < 0.0;
		draw_out(f,
		         "<circle class=\"pt\" cx=\"%f\" cy=\"%f\" r=\"5\" "
		         "fill=\"%s\"><title>%e: %s%s%s%s%s</title>"
		         "</circle>\n",
		         draw_map_x(&fr, r->estimate), y,
		         above       ? C_IMPROVE
		             : below ? C_CONCERN
		                     : C_POINT,
		         r->label, e, bar ? " (95% interval " : "",
		         bar ? a : "", bar ? " to " : "", bar ? b : "");
		if (bar) {
			draw_out(f,
			         "<text x=\"%f\" y=\"%f\" font-size=\"11\" "
			         "fill=\"" C_TEXT "\">%e (%s to %s)</text>\n",
			         fr.x1 + 8.0, y + 4.0, e, a, b);
		}
	}
	draw_legend lg = { f, fr.x0, fr.y1 + 58.0, fr.x0, fr.x1 };
	draw_legend_item(&lg, LG_DOT, C_POINT, 5, "Difference");
	draw_legend_item(&lg, LG_BAR, C_LINE, 0, "95% interval");
	draw_legend_item(&lg, LG_LINE, C_CENTRE, 0, "No difference");
	return draw_svg_close(f);
}
