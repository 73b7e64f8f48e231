/* SPDX-License-Identifier: MIT
 * tandem analyze run-chart, control-chart and outliers: measures over time,
 * as tables of points, signals and a summary per series, and as SVG charts
 * (one file per series when several are side by side).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_analyze.h"
#include "figures.h"

#define NCOLS(a)      (sizeof(a) / sizeof((a)[0]))
#define ALL_LEVELS    0x1fu
#define SVG_MAX_SPANS 24 /* PDSA cycles drawn on one chart */

static bool
is_rate_chart(const char *chart)
{
	return chart != NULL
	    && (strcmp(chart, "p") == 0 || strcmp(chart, "pp") == 0
	        || strcmp(chart, "u") == 0 || strcmp(chart, "up") == 0
	        || strcmp(chart, "xbar") == 0 || strcmp(chart, "s") == 0);
}

static const char *
chart_title(const char *chart)
{
	static const struct {
		const char *code, *title;
	} t[] = {
		{ "run", "Run chart" },         { "i", "I chart" },
		{ "mr", "Moving-range chart" }, { "p", "P chart" },
		{ "pp", "Laney P' chart" },     { "u", "U chart" },
		{ "up", "Laney U' chart" },     { "c", "C chart" },
		{ "xbar", "Xbar chart" },       { "s", "S chart" },
	};
	for (size_t i = 0; chart != NULL && i < NCOLS(t); i++) {
		if (strcmp(chart, t[i].code) == 0) {
			return t[i].title;
		}
	}
	return "Control chart";
}

/* period_at names point i of a series, or its number when the server sent
 * an index outside the series. */
static const char *
period_at(const Tandem__V1__Series *s, int32_t i, char *buf, size_t size)
{
	if (i >= 0 && (size_t) i < s->n_points) {
		return s->points[i]->period;
	}
	snprintf(buf, size, "#%d", (int) i);
	return buf;
}

static double
max_abs_value(const Tandem__V1__SeriesResponse *r)
{
	double m = 0;
	for (size_t i = 0; i < r->n_series; i++) {
		for (size_t j = 0; j < r->series[i]->n_points; j++) {
			const Tandem__V1__Point *p = r->series[i]->points[j];
			if (!p->suppressed && isfinite(p->value)
			    && fabs(p->value) > m) {
				m = fabs(p->value);
			}
		}
	}
	return m;
}

static out_table *
points_table(const Tandem__V1__SeriesResponse *r, bool control,
             const char *chart, const char *split_at)
{
	const char *cols[16];
	size_t      k    = 0;
	bool        rate = control && is_rate_chart(chart);
	bool        mr   = control && strcmp(chart, "mr") == 0;
	cols[k++]        = "unit";
	cols[k++]        = "period";
	cols[k++]        = "value";
	cols[k++]        = "n";
	if (rate) {
		cols[k++] = "denominator";
	}
	cols[k++] = control ? "centre" : "median";
	if (control) {
		cols[k++] = "lcl";
		cols[k++] = "ucl";
		cols[k++] = "outside";
	}
	cols[k++]    = "run";
	cols[k++]    = "suppressed";
	cols[k++]    = "baseline";
	cols[k++]    = "excluded";
	out_table *t = out_table_create("points", k, cols);
	int        d = analyze_decimals(max_abs_value(r));
	for (size_t i = 0; i < r->n_series; i++) {
		const Tandem__V1__Series *s = r->series[i];
		bool *known                 = figure_centre_known(s, split_at);
		for (size_t j = 0; j < s->n_points; j++) {
			const Tandem__V1__Point *p = s->points[j];
			bool ok                    = known == NULL || known[j];
			out_str(t, s->unit);
			out_str(t, p->period);
			/* An MR chart's first point (of each segment) has no
			 * moving range, hence no limits: its value is not an
			 * MR. */
			bool mr_none = mr && !p->has_limits;
			if (mr_none && !p->suppressed) {
				analyze_na(t, false);
			} else {
				analyze_num(t, p->suppressed, p->value, d);
			}
			if (p->suppressed) {
				/* no exact n for a hidden cell */
				char lt[24];
				snprintf(lt, sizeof(lt), "< %d", r->min_n);
				out_null(t, lt);
			} else {
				analyze_n(t, false, p->n);
			}
			if (rate) {
				analyze_num(t, p->suppressed, p->denominator,
				            2);
			}
			analyze_num(t, false, ok ? p->centre : NAN, d);
			if (control) {
				analyze_num(t, false,
				            p->has_limits ? p->lcl : NAN, d);
				analyze_num(t, false,
				            p->has_limits ? p->ucl : NAN, d);
				out_bool(t, p->outside_limits);
			}
			out_bool(t, p->run_signal);
			out_bool(t, p->suppressed);
			out_bool(t, p->baseline);
			out_bool(t, p->excluded);
		}
		free(known);
	}
	return t;
}

static out_table *
signals_table(const Tandem__V1__SeriesResponse *r)
{
	static const char *cols[] = { "unit",  "rule", "side",  "description",
		                      "first", "last", "points" };
	out_table         *t = out_table_create("signals", NCOLS(cols), cols);
	char               b1[24], b2[24];
	for (size_t i = 0; i < r->n_series; i++) {
		const Tandem__V1__Series *s = r->series[i];
		for (size_t j = 0; j < s->n_signals; j++) {
			const Tandem__V1__Signal *g = s->signals[j];
			out_str(t, s->unit);
			out_str(t, g->rule);
			out_str(t, g->side);
			out_str(t, g->description);
			out_str(t,
			        period_at(s, g->first_point, b1, sizeof(b1)));
			out_str(t,
			        period_at(s, g->last_point, b2, sizeof(b2)));
			out_int(t, g->length);
		}
	}
	return t;
}

/* summary_table: one line per part of each series (two with
 * --split-at). Run limits exist for the Anhoj rules only (IHI and NHS
 * use fixed run lengths), so other rule sets show them as not
 * available. */
static out_table *
summary_table(const Tandem__V1__SeriesResponse *r, int rules)
{
	static const char *cols[] = { "unit",
		                      "label",
		                      "part",
		                      "first",
		                      "last",
		                      "points",
		                      "useful",
		                      "longest_run",
		                      "longest_run_limit",
		                      "crossings",
		                      "crossings_limit",
		                      "suppressed",
		                      "signals",
		                      "note" };
	out_table         *t = out_table_create("summary", NCOLS(cols), cols);
	bool               anhoj = rules == TANDEM__V1__RULE_SET__ANHOJ;
	char               b1[24], b2[24];
	for (size_t i = 0; i < r->n_series; i++) {
		const Tandem__V1__Series *s = r->series[i];
		size_t nparts               = s->n_parts > 0 ? s->n_parts : 1;
		for (size_t k = 0; k < nparts; k++) {
			const Tandem__V1__RunPart *p
			    = s->n_parts > 0 ? s->parts[k] : NULL;
			out_str(t, s->unit);
			out_str(t, s->label);
			out_int(t, (int64_t) k + 1);
			out_str(
			    t,
			    p ? period_at(s, p->first_point, b1, sizeof(b1))
			      : "");
			out_str(t,
			        p ? period_at(s, p->last_point, b2, sizeof(b2))
			          : "");
			out_int(t,
			        p ? p->last_point - p->first_point + 1
			          : (int64_t) s->n_points);
			out_int(t, p ? p->useful_points : s->useful_points);
			out_int(t, p ? p->longest_run : s->longest_run);
			if (anhoj) {
				out_int(t,
				        p ? p->longest_run_limit
				          : s->longest_run_limit);
			} else {
				analyze_na(t, false);
			}
			out_int(t, p ? p->crossings : s->crossings);
			if (anhoj) {
				out_int(t,
				        p ? p->crossings_limit
				          : s->crossings_limit);
			} else {
				analyze_na(t, false);
			}
			out_int(t, s->suppressed_points);
			out_int(t, (int64_t) s->n_signals);
			out_str(t, s->note);
		}
	}
	return t;
}

/* series_svg draws one series; returns 0 or 1 after a message. */
static int
series_svg(const analyze_opts *o, const figure_measure *m,
           const Tandem__V1__Series *s, bool control, const char *chart,
           const Tandem__V1__ListPdsaCyclesResponse *pdsa, const char *path)
{
	char title[400], sub[512], extra[96] = "";
	snprintf(title, sizeof(title), "%s: %s", chart_title(chart), m->name);
	static const char *rules[] = { "Anh\xc3\xb8j", "IHI", "NHS" };
	if (o->split_at != NULL) {
		snprintf(extra, sizeof(extra), " \xc2\xb7 split at %s",
		         o->split_at);
	}
	snprintf(sub, sizeof(sub), "%s \xc2\xb7 by %s \xc2\xb7 %s rules%s%s%s",
	         s->label[0] ? s->label : s->unit,
	         analyze_grain_name(o->grain),
	         rules[o->rules >= 0 && o->rules < 3 ? o->rules : 0], extra,
	         s->note[0] ? " \xc2\xb7 " : "", s->note);
	figure_series_opts fo = {
		.title    = title,
		.subtitle = sub,
		.grain    = o->grain,
		.control  = control,
		.chart    = chart,
		.split_at = o->split_at,
		.baseline = o->baseline > 0,
	};
	/* The measure's PDSA cycles for this unit, as spans. */
	render_span sp[SVG_MAX_SPANS];
	char        lab[SVG_MAX_SPANS][96];
	fo.n_spans = figure_pdsa_spans(pdsa, s->unit, sp, lab, SVG_MAX_SPANS);
	fo.spans   = sp;
	FILE *f    = analyze_svg_open(o, path);
	if (f == NULL) {
		return 1;
	}
	return analyze_svg_close(o, path, f, figure_series(f, m, s, &fo));
}

static int
series_svgs(cli *c, const analyze_opts *o, const Tandem__V1__SeriesResponse *r,
            bool control, const char *chart)
{
	char           path[1024], first[1024] = "", last[1024] = "";
	figure_measure m;
	td_status      st = { 0 };
	/* The registry names the measure and its unit and direction; without
	 * it the chart still draws, with the code. */
	if (figure_measure_fetch(cli_client(c), o->measure, &m, &st)
	    != TD_CODE_OK) {
		fprintf(stderr,
		        "tandem: analyze %s: the measure's name is not "
		        "available (%s); the chart uses its code\n",
		        o->sub, st.message);
	}
	td_status_reset(&st);
	/* PDSA cycles are drawn when the server has them (and the role may
	 * read them); a chart without them is still the chart. */
	Tandem__V1__ListPdsaCyclesRequest preq
	    = TANDEM__V1__LIST_PDSA_CYCLES_REQUEST__INIT;
	Tandem__V1__ListPdsaCyclesResponse *pdsa = NULL;
	preq.measure                             = analyze_measure(o);
	if (td_improvement_list_pdsa_cycles(cli_client(c), &preq, &pdsa, &st)
	    != TD_CODE_OK) {
		pdsa = NULL;
	}
	td_status_reset(&st);
	int    rv    = 0;
	size_t drawn = 0, empty = 0;
	bool   several = r->n_series > 1;
	for (size_t i = 0; i < r->n_series; i++) {
		const Tandem__V1__Series *s = r->series[i];
		if (s->n_points == 0) {
			empty++;
			continue;
		}
		if (analyze_svg_path(o, s->unit, several, path, sizeof(path))
		        != 0
		    || series_svg(o, &m, s, control, chart, pdsa, path) != 0) {
			rv = 1;
			break;
		}
		if (drawn++ == 0) {
			strcpy(first, path);
		}
		strcpy(last, path);
	}
	if (pdsa != NULL) {
		protobuf_c_message_free_unpacked(&pdsa->base, NULL);
	}
	if (rv != 0) {
		return rv;
	}
	if (drawn == 0) {
		fprintf(stderr,
		        "tandem: analyze %s: no points to draw; %s "
		        "not written\n",
		        o->sub, o->svg);
		return 0;
	}
	if (several) {
		fprintf(stderr,
		        "tandem: wrote %zu charts, one per series, named "
		        "after --svg with the unit: %s ... %s\n",
		        drawn, first, last);
	} else {
		fprintf(stderr, "tandem: wrote %s\n", first);
	}
	if (empty > 0) {
		fprintf(stderr,
		        "tandem: %zu series without points drawn no "
		        "chart\n",
		        empty);
	}
	return 0;
}

static int
series_command(cli *c, const analyze_opts *o, bool control)
{
	Tandem__V1__SeriesQuery     q    = TANDEM__V1__SERIES_QUERY__INIT;
	Tandem__V1__RunChartRequest rreq = TANDEM__V1__RUN_CHART_REQUEST__INIT;
	Tandem__V1__ControlChartRequest creq
	    = TANDEM__V1__CONTROL_CHART_REQUEST__INIT;
	Tandem__V1__SeriesResponse *r = NULL;
	const char *chart = control ? (o->chart ? o->chart : "i") : "run";
	int rv = analyze_query(o, ALL_LEVELS, TANDEM__V1__SCOPE_LEVEL__NETWORK,
	                       &q);
	if (rv != 0) {
		return rv;
	}
	if (control) {
		creq.query     = &q;
		creq.chart     = (char *) chart;
		creq.rules     = (Tandem__V1__RuleSet) o->rules;
		creq.baseline  = (int32_t) o->baseline;
		creq.split_at  = (char *) (o->split_at ? o->split_at : "");
		creq.exclude   = (char **) o->exclude;
		creq.n_exclude = o->n_exclude;
		rv = analyze_call(c, o, &td_analysis_control_chart_method,
		                  &creq.base, (ProtobufCMessage **) &r);
	} else {
		rreq.query     = &q;
		rreq.rules     = (Tandem__V1__RuleSet) o->rules;
		rreq.baseline  = (int32_t) o->baseline;
		rreq.split_at  = (char *) (o->split_at ? o->split_at : "");
		rreq.exclude   = (char **) o->exclude;
		rreq.n_exclude = o->n_exclude;
		rv = analyze_call(c, o, &td_analysis_run_chart_method,
		                  &rreq.base, (ProtobufCMessage **) &r);
	}
	if (rv != 0) {
		return rv;
	}
	if (r->series != NULL && r->n_series > 0 && r->series[0]->chart[0]) {
		chart = r->series[0]->chart;
	}

	static const char *acols[]
	    = { "measure", "chart",    "grain",
		"rules",   "baseline", "split_at",
		"series",  "min_n",    "suppressed_points" };
	out_table *about = out_table_create("about", NCOLS(acols), acols);
	out_str(about, o->measure);
	out_str(about, chart);
	out_str(about, analyze_grain_name(o->grain));
	out_str(about, analyze_rules_name(o->rules));
	out_int(about, o->baseline);
	out_str(about, o->split_at ? o->split_at : "");
	out_int(about, (int64_t) r->n_series);
	out_int(about, r->min_n);
	out_int(about, r->suppressed_points);

	char line[512];
	int  len = snprintf(line, sizeof(line), "%s of %s by %s, %s rules",
	                    chart_title(chart), o->measure,
	                    analyze_grain_name(o->grain),
	                    analyze_rules_name(o->rules));
	if (o->baseline > 0) {
		len += snprintf(line + len, sizeof(line) - (size_t) len,
		                ", centre frozen on the first %ld points",
		                o->baseline);
	}
	if (o->split_at != NULL) {
		len += snprintf(line + len, sizeof(line) - (size_t) len,
		                ", split at %s", o->split_at);
	}
	const Tandem__V1__Disclosure *dc = r->disclosure;
	snprintf(line + len, sizeof(line) - (size_t) len,
	         ": %zu series. %d suppressed points (%d with n < %d, %d "
	         "more so that they cannot be recovered by subtraction) "
	         "are left out.",
	         r->n_series, r->suppressed_points, dc ? dc->primary : 0,
	         r->min_n, dc ? dc->complementary : 0);

	out_table *tables[3] = {
		points_table(r, control, chart, o->split_at),
		signals_table(r),
		summary_table(r, o->rules),
	};
	analyze_print(c, line, about, tables, 3);
	rv = o->svg != NULL ? series_svgs(c, o, r, control, chart) : 0;
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return rv;
}

int
analyze_run_chart(cli *c, const analyze_opts *o)
{
	return series_command(c, o, false);
}

int
analyze_control_chart(cli *c, const analyze_opts *o)
{
	return series_command(c, o, true);
}

int
analyze_outliers(cli *c, const analyze_opts *o)
{
	Tandem__V1__SeriesQuery       q   = TANDEM__V1__SERIES_QUERY__INIT;
	Tandem__V1__OutliersRequest   req = TANDEM__V1__OUTLIERS_REQUEST__INIT;
	Tandem__V1__OutliersResponse *r   = NULL;
	int rv = analyze_query(o, ALL_LEVELS, TANDEM__V1__SCOPE_LEVEL__NETWORK,
	                       &q);
	if (rv != 0) {
		return rv;
	}
	req.query     = &q;
	req.threshold = o->threshold;
	if ((rv = analyze_call(c, o, &td_analysis_outliers_method, &req.base,
	                       (ProtobufCMessage **) &r))
	    != 0) {
		return rv;
	}
	double threshold = o->threshold > 0 ? o->threshold : 3.0;
	double m         = 0;
	size_t flagged   = 0;
	for (size_t i = 0; i < r->n_rows; i++) {
		if (isfinite(r->rows[i]->value)
		    && fabs(r->rows[i]->value) > m) {
			m = fabs(r->rows[i]->value);
		}
		flagged += r->rows[i]->flagged;
	}
	int d = analyze_decimals(m);

	static const char *acols[]
	    = { "measure", "threshold", "checked", "flagged", "suppressed" };
	out_table *about = out_table_create("about", NCOLS(acols), acols);
	out_str(about, o->measure);
	out_num(about, threshold, 3);
	out_int(about, r->checked);
	out_int(about, (int64_t) flagged);
	out_int(about, r->suppressed);

	static const char *cols[]
	    = { "school", "period", "subgroup",   "value",
		"n",      "z",      "modified_z", "flagged" };
	out_table *t = out_table_create("outliers", NCOLS(cols), cols);
	for (size_t i = 0; i < r->n_rows; i++) {
		const Tandem__V1__OutlierRow *w = r->rows[i];
		out_str(t, w->school);
		out_str(t, w->period);
		out_str(t, w->subgroup);
		analyze_num(t, false, w->value, d);
		out_int(t, w->n);
		analyze_num(t, false, w->z, 3);
		/* MAD = 0 (half the values equal) leaves no modified z. */
		analyze_num(t, false, w->has_modified_z ? w->modified_z : NAN,
		            3);
		out_bool(t, w->flagged);
	}
	char line[512];
	snprintf(line, sizeof(line),
	         "Outliers of %s: %d values checked, %zu flagged beyond %.2f "
	         "(z or modified z); %d suppressed values left out.",
	         o->measure, r->checked, flagged, threshold, r->suppressed);
	analyze_print(c, line, about, &t, 1);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return 0;
}
