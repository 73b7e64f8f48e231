/* SPDX-License-Identifier: MIT
 * tandem analyze mdc: Making Data Count XmR charts as tables of points
 * (limits, near-limit lines, the rule and type of each point) and one row
 * of icons per series, which with --each-school is the council's icon
 * matrix. Drawing is the report's business.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cmd_analyze.h"

#define NCOLS(a)   (sizeof(a) / sizeof((a)[0]))
#define ALL_LEVELS 0x1fu

static double
max_abs_value(const Tandem__V1__MdcResponse *r)
{
	double m = 0;
	for (size_t i = 0; i < r->n_series; i++) {
		for (size_t j = 0; j < r->series[i]->n_points; j++) {
			const Tandem__V1__MdcPoint *p
			    = r->series[i]->points[j];
			if (!p->suppressed && fabs(p->value) > m) {
				m = fabs(p->value);
			}
		}
	}
	return m;
}

static out_table *
points_table(const Tandem__V1__MdcResponse *r, int d)
{
	static const char *cols[] = { "unit", "period",     "value",
		                      "n",    "mean",       "lpl",
		                      "upl",  "nlpl",       "nupl",
		                      "rule", "point_type", "suppressed" };
	out_table         *t = out_table_create("points", NCOLS(cols), cols);
	for (size_t i = 0; i < r->n_series; i++) {
		const Tandem__V1__MdcSeries *s     = r->series[i];
		bool                         chart = s->note[0] == '\0';
		for (size_t j = 0; j < s->n_points; j++) {
			const Tandem__V1__MdcPoint *p = s->points[j];
			out_str(t, s->unit);
			out_str(t, p->period);
			analyze_num(t, p->suppressed, p->value, d);
			analyze_n(t, p->suppressed, p->n);
			analyze_num(t, false, chart ? p->mean : NAN, d);
			analyze_num(t, false, chart ? p->lpl : NAN, d);
			analyze_num(t, false, chart ? p->upl : NAN, d);
			analyze_num(t, false, chart ? p->nlpl : NAN, d);
			analyze_num(t, false, chart ? p->nupl : NAN, d);
			out_str(t, p->rule);
			out_str(t, p->point_type);
			out_bool(t, p->suppressed);
		}
	}
	return t;
}

static out_table *
icons_table(const Tandem__V1__MdcResponse *r, int d)
{
	static const char *cols[]
	    = { "unit", "points",       "variation",  "assurance",
		"mean", "lpl",          "upl",        "amr",
		"mrs",  "screened_mrs", "suppressed", "note" };
	out_table *t = out_table_create("icons", NCOLS(cols), cols);
	for (size_t i = 0; i < r->n_series; i++) {
		const Tandem__V1__MdcSeries *s     = r->series[i];
		bool                         chart = s->note[0] == '\0';
		out_str(t, s->unit);
		out_int(t, s->points_with_value);
		if (s->variation[0]) {
			out_str(t, s->variation);
		} else {
			analyze_na(t, false);
		}
		if (s->assurance[0]) {
			out_str(t, s->assurance);
		} else {
			analyze_na(t, false);
		}
		analyze_num(t, false, chart ? s->mean : NAN, d);
		analyze_num(t, false, chart ? s->lpl : NAN, d);
		analyze_num(t, false, chart ? s->upl : NAN, d);
		analyze_num(t, false, chart ? s->amr : NAN, d);
		out_int(t, s->moving_ranges);
		out_int(t, s->screened_moving_ranges);
		out_int(t, s->suppressed_points);
		out_str(t, chart ? s->icon_note : s->note);
	}
	return t;
}

int
analyze_mdc(cli *c, const analyze_opts *o)
{
	Tandem__V1__SeriesQuery  q   = TANDEM__V1__SERIES_QUERY__INIT;
	Tandem__V1__MdcRequest   req = TANDEM__V1__MDC_REQUEST__INIT;
	Tandem__V1__MdcResponse *r   = NULL;
	char                    *rebase[1];
	int rv = analyze_query(o, ALL_LEVELS, TANDEM__V1__SCOPE_LEVEL__NETWORK,
	                       &q);
	if (rv != 0) {
		return rv;
	}
	req.query      = &q;
	req.fix_after  = (int32_t) o->baseline;
	req.no_screen  = analyze_given(o, NO_SCREEN);
	req.icons_only = analyze_given(o, ICONS_ONLY);
	if (o->split_at != NULL) {
		rebase[0]       = (char *) o->split_at;
		req.rebase_at   = rebase;
		req.n_rebase_at = 1;
	}
	if ((rv = analyze_call(c, o, &td_analysis_mdc_method, &req.base,
	                       (ProtobufCMessage **) &r))
	    != 0) {
		return rv;
	}
	int d = analyze_decimals(max_abs_value(r));

	static const char *acols[]
	    = { "measure",          "grain",    "direction",
		"target",           "baseline", "rebase",
		"screened",         "series",   "min_n",
		"suppressed_points" };
	out_table *about = out_table_create("about", NCOLS(acols), acols);
	out_str(about, o->measure);
	out_str(about, analyze_grain_name(o->grain));
	out_str(about, r->direction);
	analyze_num(about, false, r->has_target ? r->target : NAN, d);
	out_int(about, o->baseline);
	out_str(about, o->split_at ? o->split_at : "");
	out_bool(about, !req.no_screen);
	out_int(about, (int64_t) r->n_series);
	out_int(about, r->min_n);
	out_int(about, r->suppressed_points);

	char line[512];
	char dir[32]    = "no direction";
	char target[64] = "no target";
	if (strcmp(r->direction, "neutral") != 0) {
		snprintf(dir, sizeof(dir), "%s is better", r->direction);
	}
	if (r->has_target) {
		snprintf(target, sizeof(target), "target %.*f", d, r->target);
	}
	snprintf(line, sizeof(line),
	         "Making Data Count XmR chart of %s by %s (%s, %s; "
	         "limits mean +- 2.66 x %s mean moving range): %zu series. "
	         "%d suppressed points (n < %d) are left out.",
	         o->measure, analyze_grain_name(o->grain), dir, target,
	         req.no_screen ? "the" : "the screened", r->n_series,
	         r->suppressed_points, r->min_n);
	if (req.icons_only) {
		out_table *icons = icons_table(r, d);
		analyze_print(c, line, about, &icons, 1);
	} else {
		out_table *tables[2]
		    = { points_table(r, d), icons_table(r, d) };
		analyze_print(c, line, about, tables, 2);
	}
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return 0;
}
