/* SPDX-License-Identifier: MIT
 * The report's first three sections: the summary with its findings in
 * plain words, the network's icon matrix, and the charts of every shared
 * measure (the network's chart, then every school on shared axes), each
 * with the numbers behind it in a collapsed table.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static const Tandem__V1__Series *
first_series(const Tandem__V1__SeriesResponse *r)
{
	return r != NULL && r->n_series > 0 ? r->series[0] : NULL;
}

/* The latest point with a value, or NULL. */
static const Tandem__V1__Point *
latest(const Tandem__V1__Series *s)
{
	for (size_t j = s ? s->n_points : 0; j > 0; j--) {
		if (!s->points[j - 1]->suppressed) {
			return s->points[j - 1];
		}
	}
	return NULL;
}

static double
max_abs(const Tandem__V1__Series *s)
{
	double m = 0;
	for (size_t j = 0; s && j < s->n_points; j++) {
		if (!s->points[j]->suppressed
		    && fabs(s->points[j]->value) > m) {
			m = fabs(s->points[j]->value);
		}
	}
	return m;
}

/* The sense of signal g (render_signal_sense over the series' points). */
static int
signal_sense(const Tandem__V1__Series *s, const Tandem__V1__Signal *g,
             int direction, int no_side)
{
	size_t n = s->n_points;
	if (no_side || n == 0 || g->first_point < 0 || g->last_point < 0
	    || (size_t) g->last_point >= n || g->first_point > g->last_point) {
		return RENDER_NEUTRAL;
	}
	double *v = calloc(n, sizeof(*v)), *c = calloc(n, sizeof(*c));
	int     sense = RENDER_NEUTRAL;
	if (v != NULL && c != NULL) {
		for (size_t j = 0; j < n; j++) {
			v[j] = s->points[j]->suppressed ? NAN
			                                : s->points[j]->value;
			c[j] = s->points[j]->centre;
		}
		sense = render_signal_sense(v, c, (size_t) g->first_point,
		                            (size_t) g->last_point, direction);
	}
	free(v);
	free(c);
	return sense;
}

static const char *
sense_html(int sense)
{
	return sense == RENDER_IMPROVEMENT
	    ? "<span class=\"imp\">\xe2\x96\xb2 "
	      "a signal of improvement</span>"
	    : sense == RENDER_CONCERN ? "<span class=\"con\">\xe2\x96\xa0 a "
	                                "signal of concern</span>"
	                              : "a signal (neither better nor worse)";
}

/* ---- 1. summary ---- */

static void
summary_facts(FILE *f, const report_data *d)
{
	const Tandem__V1__Point *newest = NULL;
	int32_t                  supp = 0, min_n = 0;
	for (size_t i = 0; i < d->n_measures; i++) {
		const report_measure_data *md = &d->md[i];
		const Tandem__V1__Point   *p  = latest(first_series(md->main));
		if (p
		    && (!newest
		        || strcmp(p->period_start, newest->period_start)
		            > 0)) {
			newest = p;
		}
		const Tandem__V1__SeriesResponse *rs[2]
		    = { md->main, md->each };
		for (int k = 0; k < 2; k++) {
			if (rs[k] != NULL) {
				supp += rs[k]->suppressed_points;
				min_n = rs[k]->min_n ? rs[k]->min_n : min_n;
			}
		}
	}
	char buf[32] = "no data";
	if (newest != NULL) {
		figure_period_words(newest, buf, sizeof(buf));
	}
	render_html(f,
	            "<ul>\n<li><strong>Data as of:</strong> %e (the latest "
	            "month with a value).</li>\n",
	            buf);
	render_html(f,
	            "<li><strong>Schools:</strong> %z in this report's "
	            "scope.</li>\n",
	            d->names.n);
	render_html(f,
	            "<li><strong>Suppressed:</strong> %d monthly values "
	            "describe fewer than %d people (the server's "
	            "<code>min_n</code>) and are withheld: tables say "
	            "\xe2\x80\x9csuppressed\xe2\x80\x9d, charts leave a gap "
	            "(a hollow square on the axis of a full-size chart), "
	            "and no statistic uses them. "
	            "Administrators see every value.</li>\n",
	            (int) supp, (int) min_n);
	/* Why, as the server's disclosure module says it (each reason once).
	 */
	const char *seen[16];
	size_t      ns = 0;
	for (size_t i = 0; i < d->n_measures; i++) {
		const Tandem__V1__SeriesResponse *rs[2]
		    = { d->md[i].main, d->md[i].each };
		for (int k = 0; k < 2; k++) {
			const Tandem__V1__Disclosure *x
			    = rs[k] != NULL ? rs[k]->disclosure : NULL;
			for (size_t j = 0; x != NULL && j < x->n_reasons;
			     j++) {
				bool dup = false;
				for (size_t s = 0; s < ns; s++) {
					dup |= strcmp(seen[s], x->reasons[j])
					    == 0;
				}
				if (!dup
				    && ns < sizeof(seen) / sizeof(seen[0])) {
					seen[ns++] = x->reasons[j];
				}
			}
		}
	}
	if (ns > 0) {
		render_html(f, "<li><strong>Why:</strong> ");
		for (size_t s = 0; s < ns; s++) {
			render_html(f, "%s%e", s ? "; " : "", seen[s]);
		}
		render_html(f, ".</li>\n");
	}
	render_html(f, "</ul>\n");

	/* Schools reporting per measure, in the latest month. */
	render_html(f,
	            "<table class=\"reporting\"><caption>Schools with a "
	            "value in the latest month</caption>\n<tr><th>Measure"
	            "</th><th>Latest month</th><th>Schools with a value"
	            "</th><th>Suppressed</th></tr>\n");
	for (size_t i = 0; i < d->n_measures; i++) {
		const report_measure_data *md = &d->md[i];
		const Tandem__V1__Point   *p  = latest(first_series(md->main));
		if (p == NULL || md->each == NULL) {
			continue;
		}
		size_t with = 0, sup = 0, all = md->each->n_series;
		for (size_t k = 0; k < all; k++) {
			const Tandem__V1__Series *s = md->each->series[k];
			for (size_t j = 0; j < s->n_points; j++) {
				if (strcmp(s->points[j]->period, p->period)
				    == 0) {
					with += !s->points[j]->suppressed;
					sup += s->points[j]->suppressed;
				}
			}
		}
		figure_period_words(p, buf, sizeof(buf));
		render_html(f,
		            "<tr><td>%e</td><td>%e</td><td class=\"n\">%z "
		            "of %z</td><td class=\"n\">%z</td></tr>\n",
		            md->m.name, buf, with, all, sup);
	}
	render_html(f, "</table>\n");
}

static void
summary_findings(FILE *f, const report_data *d)
{
	render_html(f, "<h3>Findings</h3>\n<ul class=\"findings\">\n");
	for (size_t i = 0; i < d->n_measures; i++) {
		const report_measure_data *md = &d->md[i];
		const Tandem__V1__Series  *s  = first_series(md->main);
		if (s == NULL || s->n_points == 0) {
			continue;
		}
		int shown = 0;
		for (size_t k = 0; k < s->n_signals; k++) {
			char words[320];
			int  no_side = 0;
			figure_signal_words(s, s->signals[k], "median",
			                    "months", words, sizeof(words),
			                    &no_side);
			if (no_side) {
				continue;
			}
			render_html(f,
			            "<li><strong>%e</strong>: %e \xe2\x80\x94 "
			            "%s.</li>\n",
			            md->m.name, words,
			            sense_html(signal_sense(s, s->signals[k],
			                                    md->m.direction,
			                                    no_side)));
			shown++;
		}
		const Tandem__V1__Point *p = latest(s);
		if (shown == 0 && p != NULL) {
			char w[32];
			figure_period_words(p, w, sizeof(w));
			int dec = report_decimals(max_abs(s));
			render_html(
			    f,
			    "<li><strong>%e</strong>: no signal \xe2\x80"
			    "\x94 common-cause variation around a median "
			    "of %n; %n in %e.</li>\n",
			    md->m.name, p->centre, dec, p->value, dec, w);
		}
	}
	for (size_t i = 0; i < d->n_measures; i++) {
		const Tandem__V1__PositiveDevianceResponse *r = d->md[i].pd;
		size_t                                      k = 0;
		for (size_t j = 0; r != NULL && j < r->n_rows; j++) {
			const Tandem__V1__DeviantRow *w = r->rows[j];
			if (!w->flagged || w->suppressed) {
				continue;
			}
			if (k++ == 0) {
				render_html(
				    f,
				    "<li><strong>%e</strong>: beating "
				    "what their context predicts in %e: ",
				    d->md[i].m.name, r->period);
			} else {
				render_html(f, ", ");
			}
			render_html(f, "%e",
			            figure_name(&d->names, w->school));
			if (w->persistence_of > 0) {
				render_html(f, " (%d of the last %d years)",
				            w->persistence, w->persistence_of);
			}
		}
		if (k > 0) {
			render_html(f, ".</li>\n");
		}
	}
	const Tandem__V1__RoiResponse *roi = d->roi;
	for (size_t j = 0; roi != NULL && j < roi->n_rows; j++) {
		const Tandem__V1__RoiRow *w = roi->rows[j];
		if (!figure_roi_has_estimate(w)) {
			continue;
		}
		const char *name = w->activity;
		for (size_t a = 0; d->reg && a < d->reg->n_activities; a++) {
			if (strcmp(d->reg->activities[a]->activity,
			           w->activity)
			    == 0) {
				name = d->reg->activities[a]->name;
			}
		}
		if (!w->effect_ci_includes_zero) {
			render_html(f,
			            "<li><strong>%e</strong>: %s %e by g = %n "
			            "(95%% interval %n to %n) at $%n per "
			            "student.</li>\n",
			            name,
			            w->hedges_g > 0 ? "raised" : "lowered",
			            d->roi_m.name, w->hedges_g, 2, w->g_low, 2,
			            w->g_high, 2, w->cost_per_student, 0);
		} else {
			render_html(f,
			            "<li><strong>%e</strong>: no detectable "
			            "effect on %e (g = %n, interval includes "
			            "zero) at $%n per student.</li>\n",
			            name, d->roi_m.name, w->hedges_g, 2,
			            w->cost_per_student, 0);
		}
	}
	render_html(f, "</ul>\n");
}

void
report_summary(FILE *f, const report_data *d)
{
	render_html(f, "<h2 id=\"summary\" class=\"first\">1. Summary</h2>\n");
	summary_facts(f, d);
	summary_findings(f, d);
}

/* ---- 3. charts ---- */

static void
points_table(FILE *f, const figure_measure *m, const Tandem__V1__Series *s,
             const char *what)
{
	int   dec   = report_decimals(max_abs(s));
	bool *known = figure_centre_known(s, NULL);
	render_html(f,
	            "<details><summary>Numbers behind the chart (%e)"
	            "</summary>\n<table class=\"num\" data-table=\"run\" "
	            "data-measure=\"%e\" data-unit=\"%e\">\n<tr><th>Period"
	            "</th><th>Value</th><th>n</th><th>Median</th>"
	            "<th>Signal</th></tr>\n",
	            what, m->code, s->unit);
	for (size_t j = 0; j < s->n_points; j++) {
		const Tandem__V1__Point *p = s->points[j];
		double c = known == NULL || known[j] ? p->centre : NAN;
		render_html(f, "<tr data-period=\"%e\"><td>%e</td>", p->period,
		            p->period);
		if (p->suppressed) {
			render_html(
			    f,
			    "<td class=\"n\" data-k=\"value\" "
			    "data-v=\"\">suppressed</td><td class=\"n\">"
			    "&lt; min_n</td>");
		} else {
			render_html(f,
			            "<td class=\"n\" data-k=\"value\" "
			            "data-v=\"%v\">%n</td><td class=\"n\">%d"
			            "</td>",
			            p->value, p->value, dec, (int) p->n);
		}
		render_html(f,
		            "<td class=\"n\" data-k=\"median\" data-v=\"%v\">"
		            "%n</td><td>%s</td></tr>\n",
		            c, c, dec,
		            p->run_signal || p->outside_limits ? "yes" : "");
	}
	render_html(f, "</table>\n</details>\n");
	free(known);
}

static void
series_figure(FILE *f, const report_data *d, const report_measure_data *md,
              const Tandem__V1__Series *s, const char *scope)
{
	char                     title[400], sub[400], desc[600], w[32] = "";
	const Tandem__V1__Point *p   = latest(s);
	int                      dec = report_decimals(max_abs(s));
	snprintf(title, sizeof(title), "Run chart: %s", md->m.name);
	snprintf(sub, sizeof(sub),
	         "%s \xc2\xb7 monthly \xc2\xb7 %s \xc2\xb7 Anh\xc3\xb8j "
	         "rules \xc2\xb7 %s is better",
	         scope,
	         md->baseline > 0 ? "median of the first year" : "median",
	         md->m.direction == RENDER_DIR_HIGHER      ? "higher"
	             : md->m.direction == RENDER_DIR_LOWER ? "lower"
	                                                   : "neither way");
	if (p != NULL) {
		figure_period_words(p, w, sizeof(w));
		snprintf(desc, sizeof(desc),
		         "%zu months; median %.*f; latest %.*f in %s; %zu "
		         "signal%s, named on the chart",
		         s->n_points, dec, p->centre, dec, p->value, w,
		         s->n_signals, s->n_signals == 1 ? "" : "s");
	} else {
		snprintf(desc, sizeof(desc), "every value is suppressed");
	}
	figure_series_opts fo = {
		.title      = title,
		.subtitle   = sub,
		.desc       = desc,
		.grain      = TANDEM__V1__GRAIN__MONTH,
		.chart      = "run",
		.baseline   = md->baseline > 0,
		.inline_svg = true,
	};
	render_span sp[REPORT_MAX_SPANS];
	char        lab[REPORT_MAX_SPANS][96];
	fo.n_spans
	    = figure_pdsa_spans(md->pdsa, s->unit, sp, lab, REPORT_MAX_SPANS);
	fo.spans = sp;
	render_html(f, "<figure>\n");
	if (s->n_points == 0 || figure_series(f, &md->m, s, &fo) != 0) {
		render_html(f, "<p class=\"note\">No points to draw.</p>\n");
	}
	render_html(f, "</figure>\n");
	points_table(f, &md->m, s, scope);
	(void) d;
}

/* The measure's PDSA cycles, as the charts draw them. */
static void
pdsa_table(FILE *f, const report_data *d, const report_measure_data *md)
{
	const Tandem__V1__ListPdsaCyclesResponse *r = md->pdsa;
	if (r == NULL) {
		if (md->pdsa_st.code != TD_CODE_UNIMPLEMENTED) {
			report_unavailable(f, "PDSA cycles", &md->pdsa_st);
		}
		return;
	}
	if (r->n_cycles == 0) {
		return;
	}
	render_html(f,
	            "<details><summary>PDSA cycles on %e (%z)</summary>\n"
	            "<table class=\"num\" data-table=\"pdsa\" "
	            "data-measure=\"%e\">\n<tr><th>Cycle</th><th>Where</th>"
	            "<th>Change idea</th><th>Dates</th><th>Status</th>"
	            "<th>Prediction</th><th>Result</th></tr>\n",
	            md->m.name, r->n_cycles, md->m.code);
	for (size_t i = 0; i < r->n_cycles; i++) {
		const Tandem__V1__PdsaCycle *c = r->cycles[i];
		render_html(f,
		            "<tr data-unit=\"%e\"><td>%e</td><td>%e</td>"
		            "<td>%e</td><td>%e \xe2\x80\x93 %e</td><td>%e</td>"
		            "<td>%e</td><td>%e</td></tr>\n",
		            c->cycle, c->cycle,
		            c->school[0] ? figure_name(&d->names, c->school)
		                         : "the network",
		            c->change_idea, c->start,
		            c->end[0] ? c->end : "now", c->status,
		            c->prediction, c->result);
	}
	render_html(f, "</table>\n</details>\n");
}

/* The Making Data Count XmR chart of the scope. */
static void
mdc_figure(FILE *f, const report_measure_data *md, const char *scope)
{
	const Tandem__V1__MdcResponse *r = md->mdc_main;
	if (r == NULL) {
		report_unavailable(f, "Making Data Count chart",
		                   &md->mdc_main_st);
		return;
	}
	if (r->n_series == 0) {
		return;
	}
	const Tandem__V1__MdcSeries *s = r->series[0];
	if (s->note[0]) {
		render_html(f,
		            "<p class=\"note\">Making Data Count chart: %e"
		            "</p>\n",
		            s->note);
		return;
	}
	char title[400], sub[400], desc[400];
	int  dec = report_decimals(fabs(s->mean) > fabs(s->upl) ? fabs(s->mean)
	                                                        : fabs(s->upl));
	snprintf(title, sizeof(title), "XmR chart (Making Data Count): %s",
	         md->m.name);
	snprintf(sub, sizeof(sub),
	         "%s \xc2\xb7 monthly \xc2\xb7 limits at the mean \xc2\xb1 "
	         "2.66 \xc3\x97 mean moving range",
	         scope);
	snprintf(
	    desc, sizeof(desc),
	    "mean %.*f, process limits %.*f to %.*f; latest month: %s", dec,
	    s->mean, dec, s->lpl, dec, s->upl,
	    render_variation_words(figure_mdc_variation(s, r->direction)));
	figure_series_opts fo = {
		.title      = title,
		.subtitle   = sub,
		.desc       = desc,
		.grain      = TANDEM__V1__GRAIN__MONTH,
		.control    = true,
		.chart      = "i",
		.inline_svg = true,
	};
	render_span sp[REPORT_MAX_SPANS];
	char        lab[REPORT_MAX_SPANS][96];
	fo.n_spans
	    = figure_pdsa_spans(md->pdsa, s->unit, sp, lab, REPORT_MAX_SPANS);
	fo.spans = sp;
	render_html(f, "<figure>\n");
	if (figure_mdc(f, &md->m, s, &fo) != 0) {
		render_html(f, "<p class=\"note\">No points to draw.</p>\n");
	}
	render_html(f,
	            "</figure>\n<details><summary>Numbers behind the "
	            "chart (XmR)</summary>\n<table class=\"num\" "
	            "data-table=\"mdc\" data-measure=\"%e\" "
	            "data-unit=\"%e\">\n<tr><th>Period</th><th>Value</th>"
	            "<th>Mean</th><th>Lower limit</th><th>Upper limit</th>"
	            "<th>Special cause</th></tr>\n",
	            md->m.code, s->unit);
	for (size_t j = 0; j < s->n_points; j++) {
		const Tandem__V1__MdcPoint *p = s->points[j];
		render_html(f, "<tr data-period=\"%e\"><td>%e</td>", p->period,
		            p->period);
		if (p->suppressed) {
			render_html(f,
			            "<td class=\"n\" data-k=\"value\" "
			            "data-v=\"\">suppressed</td>");
		} else {
			render_html(f,
			            "<td class=\"n\" data-k=\"value\" "
			            "data-v=\"%v\">%n</td>",
			            p->value, p->value, dec);
		}
		render_html(f,
		            "<td class=\"n\" data-k=\"mean\" data-v=\"%v\">"
		            "%n</td><td class=\"n\" data-k=\"lpl\" "
		            "data-v=\"%v\">%n</td><td class=\"n\" "
		            "data-k=\"upl\" data-v=\"%v\">%n</td><td>%e%s%e"
		            "</td></tr>\n",
		            p->mean, p->mean, dec, p->lpl, p->lpl, dec, p->upl,
		            p->upl, dec, p->rule, p->rule[0] ? ": " : "",
		            p->point_type);
	}
	render_html(f, "</table>\n</details>\n");
}

static void
schools_table(FILE *f, const report_data *d, const report_measure_data *md)
{
	const Tandem__V1__SeriesResponse *r  = md->each;
	double                            mx = 0;
	for (size_t k = 0; k < r->n_series; k++) {
		mx = fmax(mx, max_abs(r->series[k]));
	}
	int dec = report_decimals(mx);
	render_html(f,
	            "<details><summary>Numbers behind the chart (every "
	            "school)</summary>\n<table class=\"num\" "
	            "data-table=\"schools\" data-measure=\"%e\">\n<tr>"
	            "<th>School</th><th>Latest</th><th>Value</th>"
	            "<th>Median</th><th>Signals</th></tr>\n",
	            md->m.code);
	for (size_t k = 0; k < r->n_series; k++) {
		const Tandem__V1__Series *s     = r->series[k];
		const Tandem__V1__Point  *p     = latest(s);
		char                      w[32] = "";
		render_html(f,
		            "<tr data-unit=\"%e\"><td>%e <small "
		            "class=\"code\">%e</small></td>",
		            s->unit, figure_name(&d->names, s->unit), s->unit);
		if (p == NULL) {
			render_html(f,
			            "<td>\xe2\x80\x93</td><td class=\"n\">"
			            "suppressed</td><td></td>");
		} else {
			figure_period_words(p, w, sizeof(w));
			render_html(f,
			            "<td>%e</td><td class=\"n\" "
			            "data-k=\"value\" data-v=\"%v\">%n</td>"
			            "<td class=\"n\">%n</td>",
			            w, p->value, p->value, dec, p->centre,
			            dec);
		}
		render_html(f, "<td>");
		for (size_t j = 0; j < s->n_signals; j++) {
			char words[320];
			int  ns = 0;
			figure_signal_words(s, s->signals[j], "median",
			                    "months", words, sizeof(words),
			                    &ns);
			render_html(f, "%s%e", j ? "; " : "", words);
		}
		render_html(f, "</td></tr>\n");
	}
	render_html(f, "</table>\n</details>\n");
}

void
report_charts(FILE *f, const report_data *d)
{
	const report_opts *o = d->o;
	render_html(f,
	            "<h2 id=\"charts\">3. Charts of every shared measure"
	            "</h2>\n<p>Points sit at their month on a real date "
	            "axis; the summer break is shaded, not drawn across. "
	            "<span class=\"imp\">\xe2\x96\xb2 Blue triangles</span> "
	            "mark a signal of improvement and <span class=\"con\">"
	            "\xe2\x96\xa0 orange squares</span> a signal of concern, "
	            "read against each measure's direction.</p>\n");
	for (size_t i = 0; i < d->n_measures; i++) {
		const report_measure_data *md = &d->md[i];
		char                       id[200], scope[300];
		snprintf(id, sizeof(id), "m-%s", md->m.code);
		report_measure_heading(f, "h3", &md->m, id);
		snprintf(scope, sizeof(scope), "%s",
		         o->school         ? figure_name(&d->names, o->school)
		             : o->district ? o->district
		                           : "The network");
		if (md->main == NULL) {
			report_unavailable(f, scope, &md->main_st);
		} else if (first_series(md->main) != NULL) {
			series_figure(f, d, md, first_series(md->main), scope);
		}
		mdc_figure(f, md, scope);
		pdsa_table(f, d, md);
		if (o->school != NULL || o->district != NULL) {
			if (md->network == NULL) {
				report_unavailable(f, "The network",
				                   &md->network_st);
			} else if (first_series(md->network) != NULL) {
				series_figure(f, d, md,
				              first_series(md->network),
				              "The network");
			}
		}
		if (o->school != NULL) {
			continue;
		}
		if (md->each == NULL) {
			report_unavailable(f, "Every school", &md->each_st);
			continue;
		}
		char title[400];
		snprintf(title, sizeof(title), "Every school: %s", md->m.name);
		figure_series_opts fo = {
			.baseline = md->baseline > 0,
			.title    = title,
			.subtitle
			= "run charts on the same scales; a suppressed "
			  "month is a gap",
			.desc       = "one small run chart per school, in the "
			              "order of the table below",
			.grain      = TANDEM__V1__GRAIN__MONTH,
			.chart      = "run",
			.inline_svg = true,
		};
		render_html(f, "<figure>\n");
		if (figure_multiples(f, &md->m, md->each, &d->names, &fo)
		    != 0) {
			render_html(f,
			            "<p class=\"note\">No points to draw."
			            "</p>\n");
		}
		render_html(f, "</figure>\n");
		schools_table(f, d, md);
	}
}
