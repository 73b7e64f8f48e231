/* SPDX-License-Identifier: MIT
 * The report's last three sections: learning from the network (positive
 * deviants with their context, shrinkage and persistence; the funnel
 * plot), the instruments and reporting (reliability, rater agreement,
 * response rates, DHIS2 reporting rates) and the return on investment
 * (ranking, plane, what has no estimate).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* A school reporting less than this share (%) of what was expected is
 * counted in the summary sentence: 80% is the completeness target health
 * information systems commonly set (WHO's data quality review). */
#define REPORT_RATE_LOW 80

static const Tandem__V1__School *
school_of(const report_data *d, const char *code)
{
	for (size_t i = 0; d->schools != NULL && i < d->schools->n_schools;
	     i++) {
		if (strcmp(d->schools->schools[i]->school, code) == 0) {
			return d->schools->schools[i];
		}
	}
	return NULL;
}

/* ---- 4. learning from the network ---- */

static void
deviant_row(FILE *f, const report_data *d, const Tandem__V1__DeviantRow *w,
            int dec)
{
	const Tandem__V1__School *sc = school_of(d, w->school);
	render_html(f,
	            "<tr data-unit=\"%e\"%s><td>%e <small class=\"code\">"
	            "%e</small></td>",
	            w->school, w->flagged ? " class=\"flagged\"" : "",
	            figure_name(&d->names, w->school), w->school);
	if (sc != NULL) {
		render_html(f,
		            "<td class=\"n\">%n%%</td><td class=\"n\">%d</td>"
		            "<td>%e</td>",
		            100 * sc->frl_rate, 0, (int) sc->enrollment,
		            sc->locale);
	} else {
		render_html(f, "<td></td><td></td><td></td>");
	}
	if (w->suppressed) {
		render_html(f,
		            "<td class=\"n\" colspan=\"4\">suppressed</td>"
		            "<td></td></tr>\n");
		return;
	}
	render_html(f,
	            "<td class=\"n\" data-k=\"actual\" data-v=\"%v\">%n</td>"
	            "<td class=\"n\" data-k=\"predicted\" data-v=\"%v\">%n"
	            "</td><td class=\"n\" data-k=\"shrunken\" data-v=\"%v\">"
	            "%n</td><td class=\"n\">%n</td>",
	            w->actual, w->actual, dec, w->predicted, w->predicted, dec,
	            w->shrunken, w->shrunken, dec, w->studentized, 2);
	if (w->persistence_of > 0) {
		render_html(f, "<td class=\"n\">%d of %d</td></tr>\n",
		            w->persistence, w->persistence_of);
	} else {
		render_html(f, "<td>\xe2\x80\x93</td></tr>\n");
	}
}

static void
deviance_section(FILE *f, const report_data *d, const report_measure_data *md)
{
	const Tandem__V1__PositiveDevianceResponse *r = md->pd;
	char                                        id[200];
	snprintf(id, sizeof(id), "pd-%s", md->m.code);
	report_measure_heading(f, "h3", &md->m, id);
	if (r == NULL) {
		report_unavailable(f, "Positive deviance", &md->pd_st);
		return;
	}
	if (r->n_rows == 0) {
		render_html(f, "<p>No schools to compare.</p>\n");
		return;
	}
	render_html(f, "<figure>\n");
	if (figure_deviance(f, &md->m, r, &d->names, 1.645, true) != 0) {
		render_html(f, "<p class=\"note\">No points to draw.</p>\n");
	}
	render_html(f, "</figure>\n");
	double mx = 0;
	for (size_t i = 0; i < r->n_rows; i++) {
		mx = fmax(mx, fabs(r->rows[i]->actual));
	}
	int dec = report_decimals(mx);
	/* The flagged first, in full view; every school behind. */
	render_html(f,
	            "<table class=\"num\" data-table=\"deviants\" "
	            "data-measure=\"%e\">\n<caption>Positive deviants of "
	            "%e: their context, shrunken residual and "
	            "persistence</caption>\n<tr><th>School</th><th>FRL"
	            "</th><th>Enrolment</th><th>Locale</th><th>Actual</th>"
	            "<th>Predicted</th><th>Shrunken residual</th>"
	            "<th>Studentized</th><th>Flagged in</th></tr>\n",
	            md->m.code, r->period);
	size_t flagged = 0;
	for (size_t i = 0; i < r->n_rows; i++) {
		if (r->rows[i]->flagged && !r->rows[i]->suppressed) {
			deviant_row(f, d, r->rows[i], dec);
			flagged++;
		}
	}
	if (flagged == 0) {
		render_html(f,
		            "<tr><td colspan=\"9\">No school is flagged."
		            "</td></tr>\n");
	}
	render_html(f,
	            "</table>\n<p class=\"muted\">R\xc2\xb2 = %n over %d "
	            "schools; a school is flagged when its studentized "
	            "residual exceeds 1.645 and its residual stays above "
	            "zero after shrinking for size; %d suppressed.</p>\n",
	            r->r_squared, 3, (int) r->units, (int) r->suppressed);
	render_html(f,
	            "<details><summary>Every school</summary>\n<table "
	            "class=\"num\" data-table=\"deviance\" "
	            "data-measure=\"%e\">\n<tr><th>School</th><th>FRL</th>"
	            "<th>Enrolment</th><th>Locale</th><th>Actual</th>"
	            "<th>Predicted</th><th>Shrunken residual</th>"
	            "<th>Studentized</th><th>Flagged in</th></tr>\n",
	            md->m.code);
	for (size_t i = 0; i < r->n_rows; i++) {
		deviant_row(f, d, r->rows[i], dec);
	}
	render_html(f, "</table>\n</details>\n");
}

static int
by_n(const void *a, const void *b)
{
	const Tandem__V1__FunnelUnit *x = *(Tandem__V1__FunnelUnit *const *) a;
	const Tandem__V1__FunnelUnit *y = *(Tandem__V1__FunnelUnit *const *) b;
	return (x->n > y->n) - (x->n < y->n);
}

static void
funnel_section(FILE *f, const report_data *d, const report_measure_data *md)
{
	const Tandem__V1__FunnelResponse *r = md->funnel;
	char                              id[200];
	snprintf(id, sizeof(id), "funnel-%s", md->m.code);
	report_measure_heading(f, "h4", &md->m, id);
	if (r == NULL) {
		report_unavailable(f, "Funnel plot", &md->funnel_st);
		return;
	}
	size_t                   n = r->n_rows, k = 0;
	Tandem__V1__FunnelUnit **u   = calloc(n ? n : 1, sizeof(*u));
	const char             **lab = calloc(n ? n : 1, sizeof(*lab));
	double                  *sz  = calloc(n ? n : 1, sizeof(double)),
	       *val                  = calloc(n ? n : 1, sizeof(double)),
	       *ln                   = calloc(n ? n : 1, sizeof(double)),
	       *l95                  = calloc(n ? n : 1, sizeof(double)),
	       *h95                  = calloc(n ? n : 1, sizeof(double)),
	       *l998                 = calloc(n ? n : 1, sizeof(double)),
	       *h998                 = calloc(n ? n : 1, sizeof(double));
	unsigned char *out           = calloc(n ? n : 1, 1);
	if (!u || !lab || !sz || !val || !ln || !l95 || !h95 || !l998 || !h998
	    || !out) {
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		if (r->rows[i]->n > 0) {
			u[k++] = r->rows[i];
		}
	}
	/* The limits at each school's size, in order of size, are the
	 * funnel's curves. */
	qsort(u, k, sizeof(*u), by_n);
	for (size_t i = 0; i < k; i++) {
		lab[i]  = figure_name(&d->names, u[i]->school);
		sz[i]   = (double) u[i]->n;
		val[i]  = u[i]->suppressed ? NAN : u[i]->value;
		out[i]  = !u[i]->suppressed && u[i]->outside998;
		ln[i]   = sz[i];
		l95[i]  = u[i]->lo95;
		h95[i]  = u[i]->hi95;
		l998[i] = u[i]->lo998;
		h998[i] = u[i]->hi998;
	}
	char title[400], sub[300], ylab[400];
	figure_axis_label(&md->m, ylab, sizeof(ylab));
	snprintf(title, sizeof(title), "Funnel plot: %s", md->m.name);
	snprintf(sub, sizeof(sub),
	         "%s \xc2\xb7 %d schools \xc2\xb7 network value %.2f "
	         "\xc2\xb7 overdispersion \xcf\x86 = %.2f, "
	         "\xcf\x84\xc2\xb2 = %.3g",
	         r->period, (int) r->units, r->target, r->phi, r->tau2);
	render_funnel g = {
		.title      = title,
		.subtitle   = sub,
		.desc       = "one point per school at its number of students",
		.y_label    = ylab,
		.n          = k,
		.labels     = lab,
		.size       = sz,
		.value      = val,
		.outside    = out,
		.target     = r->target,
		.n_limits   = k,
		.limit_n    = ln,
		.lo95       = l95,
		.hi95       = h95,
		.lo998      = l998,
		.hi998      = h998,
		.inline_svg = 1,
	};
	render_html(f, "<figure>\n");
	if (k < 2 || render_funnel_chart(f, &g) != 0) {
		render_html(f, "<p class=\"note\">No funnel to draw.</p>\n");
	}
	render_html(f,
	            "</figure>\n<details><summary>Numbers behind the chart"
	            "</summary>\n<table class=\"num\" data-table=\"funnel\" "
	            "data-measure=\"%e\">\n<tr><th>School</th><th>n</th>"
	            "<th>Value</th><th>Adjusted z</th><th>Outside 99.8%%"
	            "</th></tr>\n",
	            md->m.code);
	for (size_t i = 0; i < k; i++) {
		render_html(f,
		            "<tr data-unit=\"%e\"><td>%e <small "
		            "class=\"code\">%e</small></td><td class=\"n\">"
		            "%d</td>",
		            u[i]->school, lab[i], u[i]->school, (int) u[i]->n);
		if (u[i]->suppressed) {
			render_html(f,
			            "<td class=\"n\" colspan=\"3\">suppressed"
			            "</td></tr>\n");
		} else {
			render_html(
			    f,
			    "<td class=\"n\" data-k=\"value\" "
			    "data-v=\"%v\">%n</td><td class=\"n\">%n</td>"
			    "<td>%s</td></tr>\n",
			    u[i]->value, u[i]->value, 2, u[i]->z_adjusted, 2,
			    u[i]->outside998 ? "yes" : "");
		}
	}
	render_html(f, "</table>\n</details>\n");
done:
	free(u);
	free(lab);
	free(sz);
	free(val);
	free(ln);
	free(l95);
	free(h95);
	free(l998);
	free(h998);
	free(out);
}

void
report_learning(FILE *f, const report_data *d)
{
	render_html(f,
	            "<h2 id=\"learning\">4. Learning from the network</h2>\n"
	            "<p>Which schools do better than their context "
	            "(free/reduced-lunch rate, size, locale) predicts, "
	            "after shrinking small schools' results towards the "
	            "prediction: the few flagged schools are drawn large "
	            "and named, with their 95%% prediction intervals; the "
	            "rest are faded.</p>\n");
	for (size_t i = 0; i < d->n_measures; i++) {
		deviance_section(f, d, &d->md[i]);
	}
	render_html(f,
	            "<h3 id=\"funnel\">Funnel plots</h3>\n<p>Each "
	            "school's value against its number of students: "
	            "inside the funnel is what chance alone gives a school "
	            "of that size (95%% and 99.8%% limits around the "
	            "network's value); the schools outside 99.8%% are "
	            "named.</p>\n");
	for (size_t i = 0; i < d->n_measures; i++) {
		funnel_section(f, d, &d->md[i]);
	}
	report_discover(f, d);
	report_isolation(f, d);
}

/* ---- 5. instruments ---- */

static void
reliability(FILE *f, const report_data *d, size_t i)
{
	const Tandem__V1__Survey              *sv = d->reg->surveys[i];
	const Tandem__V1__ReliabilityResponse *r  = d->rel[i];
	render_html(f, "<h4>%e <small class=\"code\">%e</small></h4>\n",
	            sv->name[0] ? sv->name : sv->code, sv->code);
	if (r == NULL) {
		report_unavailable(f, "Reliability", &d->rel_st[i]);
		return;
	}
	render_html(f,
	            "<table class=\"num\" data-table=\"reliability\" "
	            "data-survey=\"%e\">\n<tr><th>Construct</th><th>Items"
	            "</th><th>Respondents</th><th>Cronbach's \xce\xb1</th>"
	            "<th>McDonald's \xcf\x89</th>"
	            "<th>%% favourable</th><th>Note</th></tr>\n",
	            sv->code);
	for (size_t k = 0; k < r->n_constructs; k++) {
		const Tandem__V1__ConstructRow *c = r->constructs[k];
		render_html(f,
		            "<tr data-unit=\"%e\"><td>%e</td><td class=\"n\">"
		            "%d</td>",
		            c->construct, c->construct, (int) c->items);
		if (c->suppressed) {
			render_html(f,
			            "<td class=\"n\" colspan=\"4\">suppressed"
			            "</td>");
		} else {
			render_html(
			    f,
			    "<td class=\"n\">%d</td><td class=\"n\" "
			    "data-k=\"alpha\" data-v=\"%v\">%n</td>"
			    "<td class=\"n\" data-k=\"omega\" "
			    "data-v=\"%v\">%n</td><td class=\"n\">%n</td>",
			    (int) c->n, c->alpha, c->alpha, 3,
			    c->has_omega ? c->omega : NAN,
			    c->has_omega ? c->omega : NAN, 3,
			    c->percent_favourable, 1);
		}
		render_html(f, "<td>%e%s</td></tr>\n", c->note,
		            !c->suppressed && c->alpha < 0.7
		                ? " \xce\xb1 below 0.7: read with care"
		                : "");
	}
	render_html(f, "</table>\n");
}

static void
agreement(FILE *f, const report_data *d, size_t i)
{
	const Tandem__V1__Rubric            *rb = d->reg->rubrics[i];
	const Tandem__V1__AgreementResponse *r  = d->agr[i];
	render_html(f, "<h4>%e <small class=\"code\">%e</small></h4>\n",
	            rb->name[0] ? rb->name : rb->code, rb->code);
	if (r == NULL) {
		report_unavailable(f, "Rater agreement", &d->agr_st[i]);
		return;
	}
	render_html(f,
	            "<p>%d observations were scored by two observers.</p>\n"
	            "<table class=\"num\" data-table=\"agreement\" "
	            "data-rubric=\"%e\">\n<tr><th>Criterion</th><th>Pairs"
	            "</th><th>Exact</th><th>Adjacent</th><th>Weighted "
	            "\xce\xba</th><th>ICC(2,1)</th></tr>\n",
	            (int) r->double_scored, rb->code);

	for (size_t k = 0; k < r->n_criteria; k++) {
		const Tandem__V1__CriterionAgreement *c = r->criteria[k];
		render_html(f, "<tr data-unit=\"%e\"><td>%e</td>",
		            c->criterion, c->criterion);
		if (c->suppressed) {
			render_html(f,
			            "<td class=\"n\" colspan=\"5\">suppressed"
			            "</td></tr>\n");
			continue;
		}
		render_html(f,
		            "<td class=\"n\">%d</td><td class=\"n\">%n%%</td>"
		            "<td class=\"n\">%n%%</td><td class=\"n\" "
		            "data-k=\"kappa\" data-v=\"%v\">%n</td><td "
		            "class=\"n\">%n</td></tr>\n",
		            (int) c->pairs, c->exact, 1, c->adjacent, 1,
		            c->kappa_quadratic, c->kappa_quadratic, 3,
		            c->icc21, 3);
	}
	/* every criterion at once, as the CLI's "(pooled)" row */
	if (!r->pooled_suppressed && r->pooled_pairs > 0) {
		render_html(f,
		            "<tr data-unit=\"(pooled)\"><td>every criterion"
		            "</td><td class=\"n\">%d</td><td></td><td></td>"
		            "<td class=\"n\" data-k=\"kappa\" data-v=\"%v\">"
		            "%n</td><td></td></tr>\n",
		            (int) r->pooled_pairs, r->pooled_kappa_quadratic,
		            r->pooled_kappa_quadratic, 3);
	}
	render_html(f, "</table>\n");
	if (!r->pooled_suppressed && r->pooled_has_alpha) {
		render_html(f,
		            "<p>Krippendorff's \xce\xb1 over every criterion: "
		            "%n (ordinal), %n (interval), %n (nominal).</p>\n",
		            r->pooled_alpha_ordinal, 3,
		            r->pooled_alpha_interval, 3,
		            r->pooled_alpha_nominal, 3);
	} else if (r->pooled_note[0]) {
		render_html(f, "<p class=\"muted\">%e</p>\n", r->pooled_note);
	}
}

static void
response_rates(FILE *f, const report_data *d, size_t i)
{
	const Tandem__V1__CompletenessResponse *r = d->rates[i];
	if (r == NULL) {
		report_unavailable(f, "Response rates", &d->rates_st[i]);
		return;
	}
	int64_t inv = 0, resp = 0;
	size_t  low = 0, shown = 0;
	for (size_t k = 0; k < r->n_response_rates; k++) {
		const Tandem__V1__ResponseRateRow *w = r->response_rates[k];
		if (!w->suppressed) {
			inv += w->invited;
			resp += w->responded;
			shown++;
			low += w->rate < 60.0;
		}
	}
	render_html(f,
	            "<p>Response rate over %z administrations: %n%% "
	            "(%d of %d invited); %z below 60%%.</p>\n",
	            shown,
	            inv > 0 ? 100.0 * (double) resp / (double) inv : NAN, 1,
	            (int) resp, (int) inv, low);
	render_html(f,
	            "<details><summary>Response rate of every "
	            "administration</summary>\n<table class=\"num\">\n<tr>"
	            "<th>School</th><th>Date</th><th>Invited</th>"
	            "<th>Responded</th><th>Rate</th></tr>\n");
	for (size_t k = 0; k < r->n_response_rates; k++) {
		const Tandem__V1__ResponseRateRow *w = r->response_rates[k];
		render_html(f,
		            "<tr><td>%e <small class=\"code\">%e</small></td>"
		            "<td>%e</td>",
		            figure_name(&d->names, w->school), w->school,
		            w->administered_on);
		if (w->suppressed) {
			render_html(f,
			            "<td class=\"n\" colspan=\"3\">suppressed"
			            "</td></tr>\n");
		} else {
			render_html(f,
			            "<td class=\"n\">%d</td><td class=\"n\">%d"
			            "</td><td class=\"n\">%n%%</td></tr>\n",
			            (int) w->invited, (int) w->responded,
			            w->rate, 1);
		}
	}
	render_html(f, "</table>\n</details>\n");
}

void
report_instruments(FILE *f, const report_data *d)
{
	render_html(f,
	            "<h2 id=\"instruments\">5. Instruments and reporting"
	            "</h2>\n");
	if (d->reg == NULL) {
		report_unavailable(f, "The registry", &d->reg_st);
		return;
	}
	render_html(f,
	            "<h3>Reliability of the surveys</h3>\n<p>Cronbach's "
	            "\xce\xb1 of 0.7 or more is usually read as a "
	            "consistent scale.</p>\n");
	for (size_t i = 0; i < d->reg->n_surveys; i++) {
		reliability(f, d, i);
	}
	render_html(f, "<h3>Rater agreement on the rubrics</h3>\n");
	for (size_t i = 0; i < d->reg->n_rubrics; i++) {
		agreement(f, d, i);
	}
	render_html(f, "<h3>Response rates</h3>\n");
	for (size_t i = 0; i < d->reg->n_surveys; i++) {
		const Tandem__V1__Survey *sv = d->reg->surveys[i];
		render_html(f,
		            "<h4>%e <small class=\"code\">%e</small></h4>\n",
		            sv->name[0] ? sv->name : sv->code, sv->code);
		response_rates(f, d, i);
	}
	report_reporting(f, d);
}

/* ---- reporting rates (DHIS2) ---- */

/* The three periods of measure with the lowest reporting rate, as words
 * ("2025-07 (0.0%), …"), when any is below 100%. */
static void
lowest_periods(FILE *f, const Tandem__V1__CompletenessResponse *r,
               const char *measure)
{
	const Tandem__V1__CompletenessRow *low[3] = { NULL };
	for (size_t i = 0; i < r->n_rows; i++) {
		const Tandem__V1__CompletenessRow *w = r->rows[i];
		if (strcmp(w->measure, measure) != 0
		    || w->reported == w->expected) {
			continue;
		}
		for (int k = 0; k < 3; k++) {
			if (low[k] == NULL
			    || w->reporting_rate < low[k]->reporting_rate) {
				for (int j = 2; j > k; j--) {
					low[j] = low[j - 1];
				}
				low[k] = w;
				break;
			}
		}
	}
	if (low[0] == NULL) {
		render_html(f, " Every period was reported by every school.");
		return;
	}
	render_html(f, " Lowest periods:");
	for (int k = 0; k < 3 && low[k]; k++) {
		render_html(f, "%s %e (%n%%, %d of %d)", k ? "," : "",
		            low[k]->period, low[k]->reporting_rate, 1,
		            (int) low[k]->reported, (int) low[k]->expected);
	}
	render_html(f, ".");
}

static void
rate_row(FILE *f, const report_data *d, const Tandem__V1__ReportingRate *w)
{
	const char *name = strcmp(w->level, "network") == 0 ? "Network"
	    : strcmp(w->level, "district") == 0
	    ? w->unit
	    : figure_name(&d->names, w->unit);
	render_html(f,
	            "<tr data-unit=\"%e\"><td>%e <small class=\"code\">%e"
	            "</small></td><td>%e</td><td class=\"n\">%d</td>"
	            "<td class=\"n\">%d</td><td class=\"n\">%d</td>"
	            "<td class=\"n\" data-k=\"reporting\" data-v=\"%v\">%n%%"
	            "</td><td class=\"n\" data-k=\"on_time\" data-v=\"%v\">"
	            "%n%%</td><td class=\"n\" data-k=\"timeliness\" "
	            "data-v=\"%v\">%n%%</td></tr>\n",
	            w->unit, name, w->unit, w->level, (int) w->expected,
	            (int) w->actual, (int) w->on_time, w->reporting_rate,
	            w->reporting_rate, 1, w->on_time_rate, w->on_time_rate, 1,
	            w->timeliness, w->timeliness, 1);
}

static void
measure_rates(FILE *f, const report_data *d, const figure_measure *m)
{
	const Tandem__V1__CompletenessResponse *r     = d->reporting;
	const Tandem__V1__ReportingRate        *nw    = NULL;
	size_t                                  below = 0, schools = 0;
	for (size_t i = 0; i < r->n_rates; i++) {
		const Tandem__V1__ReportingRate *w = r->rates[i];
		if (strcmp(w->measure, m->code) != 0) {
			continue;
		}
		if (strcmp(w->level, "network") == 0) {
			nw = w;
		} else if (strcmp(w->level, "school") == 0) {
			schools++;
			below += w->reporting_rate < REPORT_RATE_LOW;
		}
	}
	if (nw == NULL) {
		return;
	}
	render_html(f,
	            "<h4>%e <small class=\"code\">%e</small></h4>\n<p>%e, "
	            "due %d days after each period: %d of %d expected reports "
	            "arrived (%n%%), %d on time (%n%% of those expected); "
	            "%z of %z schools reported less than %d%%.",
	            m->name, m->code, nw->frequency, (int) nw->timely_days,
	            (int) nw->actual, (int) nw->expected, nw->reporting_rate,
	            1, (int) nw->on_time, nw->on_time_rate, 1, below, schools,
	            (int) REPORT_RATE_LOW);
	lowest_periods(f, r, m->code);
	render_html(f,
	            "</p>\n<details><summary>Reporting rates of %e by "
	            "district and school</summary>\n<table class=\"num\" "
	            "data-table=\"rates\" data-measure=\"%e\">\n<tr><th>"
	            "Unit</th><th>Level</th><th>Expected</th><th>Reported"
	            "</th><th>On time</th><th>Reporting rate</th><th>On-time "
	            "rate</th><th>Timeliness</th></tr>\n",
	            m->name, m->code);
	for (size_t i = 0; i < r->n_rates; i++) {
		if (strcmp(r->rates[i]->measure, m->code) == 0) {
			rate_row(f, d, r->rates[i]);
		}
	}
	render_html(f, "</table>\n</details>\n");
}

void
report_reporting(FILE *f, const report_data *d)
{
	render_html(f,
	            "<h3>Reporting rates</h3>\n<p>As DHIS2 counts them: an "
	            "outcome measure is expected once per school and period "
	            "of its frequency while the school is open; a report "
	            "arrived when its first batch was stored, and is on time "
	            "within the measure's timely days after the period "
	            "ended%s%e%s. Timeliness is the share of the reports made "
	            "that were on time.</p>\n",
	            d->o->backfill ? " (periods that ended before " : "",
	            d->o->backfill ? d->o->backfill : "",
	            d->o->backfill ? " count as on time: history loaded in "
	                             "bulk is not late)"
	                           : "");
	if (d->reporting == NULL) {
		report_unavailable(f, "Reporting rates", &d->reporting_st);
		return;
	}
	for (size_t i = 0; i < d->n_measures; i++) {
		measure_rates(f, d, &d->md[i].m);
	}
}

/* ---- 6. return on investment ---- */

static const char *
activity_name(const report_data *d, const char *code)
{
	for (size_t a = 0; d->reg && a < d->reg->n_activities; a++) {
		if (strcmp(d->reg->activities[a]->activity, code) == 0
		    && d->reg->activities[a]->name[0]) {
			return d->reg->activities[a]->name;
		}
	}
	return code;
}

void
report_roi(FILE *f, const report_data *d)
{
	const Tandem__V1__RoiResponse *r = d->roi;
	char                           label[400];
	render_html(f, "<h2 id=\"roi\">6. Return on investment</h2>\n");
	figure_axis_label(&d->roi_m, label, sizeof(label));
	render_html(f,
	            "<p>Effect of each activity on <strong>%e</strong> "
	            "<small class=\"code\">%e</small>: difference in "
	            "differences between schools that took part and those "
	            "that did not, from %e\xe2\x80\x93%e (before) to "
	            "%e\xe2\x80\x93%e (after); costs by the ingredients "
	            "method.</p>\n",
	            label, d->roi_m.code, d->pre[0], d->pre[1], d->post[0],
	            d->post[1]);
	if (r == NULL) {
		report_unavailable(f, "Return on investment", &d->roi_st);
		return;
	}
	const char **names = calloc(r->n_rows ? r->n_rows : 1, sizeof(*names));
	for (size_t i = 0; names != NULL && i < r->n_rows; i++) {
		names[i] = activity_name(d, r->rows[i]->activity);
	}
	render_html(f,
	            "<table class=\"num\" data-table=\"roi\">\n<caption>"
	            "Ranking (costs in %d dollars per student)</caption>\n"
	            "<tr><th>Rank</th><th>Activity</th><th>Cost per "
	            "student</th><th>Total cost</th><th>Effect (g)</th>"
	            "<th>95%% interval</th><th>Effect per $1,000</th></tr>\n",
	            (int) r->base_year);
	for (size_t i = 0; i < r->n_rows; i++) {
		const Tandem__V1__RoiRow *w = r->rows[i];
		if (!figure_roi_has_estimate(w)) {
			continue;
		}
		render_html(
		    f,
		    "<tr data-unit=\"%e\"><td class=\"n\">%d</td>"
		    "<td>%e <small class=\"code\">%e</small></td>"
		    "<td class=\"n\" data-k=\"cost_per_student\" "
		    "data-v=\"%v\">$%n</td><td class=\"n\">$%n</td>"
		    "<td class=\"n\" data-k=\"hedges_g\" data-v=\"%v\">"
		    "%n</td><td class=\"n\">%n to %n</td>",
		    w->activity, (int) w->rank, activity_name(d, w->activity),
		    w->activity, w->cost_per_student, w->cost_per_student, 2,
		    w->total_cost, 0, w->hedges_g, w->hedges_g, 3, w->g_low, 3,
		    w->g_high, 3);
		if (w->ratio_available) {
			render_html(f, "<td class=\"n\">%n</td></tr>\n",
			            w->effect_per_1000, 3);
		} else {
			render_html(f, "<td>no ratio%s%e</td></tr>\n",
			            w->note[0] ? ": " : "", w->note);
		}
	}
	render_html(f, "</table>\n<figure>\n");
	if (r->n_rows == 0
	    || figure_plane(f, &d->roi_m, r, names, true) != 0) {
		render_html(f,
		            "<p class=\"note\">No activities to draw.</p>\n");
	}
	render_html(f, "</figure>\n");
	size_t none = 0;
	for (size_t i = 0; i < r->n_rows; i++) {
		const Tandem__V1__RoiRow *w = r->rows[i];
		if (figure_roi_has_estimate(w)) {
			continue;
		}
		if (none++ == 0) {
			render_html(f, "<h3>No estimate</h3>\n<ul>\n");
		}
		const char *why = w->suppressed
		    ? "suppressed: its estimate would describe fewer than "
		      "min_n people"
		    : w->note[0] ? w->note
		    : w->treated_schools == 0
		    ? "no school took part in the period"
		    : w->comparison_schools == 0 ? "no school to compare with"
		                                 : "no cost recorded";
		render_html(
		    f, "<li>%e <small class=\"code\">%e</small>: %e</li>\n",
		    activity_name(d, w->activity), w->activity, why);
	}
	if (none > 0) {
		render_html(f, "</ul>\n");
	}
	if (r->note[0]) {
		render_html(f, "<p class=\"muted\">%e</p>\n", r->note);
	}
	free(names);
}
