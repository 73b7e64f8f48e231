/* SPDX-License-Identifier: MIT
 * tandem report: the calls (every one the CLI could make itself, with the
 * caller's token, so the server's scope and suppression rules apply) and
 * the page's frame. The sections are in report_sections.c,
 * report_network.c and report_improve.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "tandem/wire.h"

int
report_note(report_call *st, int code, td_status *s)
{
	st->code = code;
	snprintf(st->message, sizeof(st->message), "%s%s%s",
	         td_code_name(code), s->message[0] ? ": " : "", s->message);
	td_status_reset(s);
	return code;
}

static void
period_bounds(const char *period, char from[16], char to[16])
{
	int y   = 0;
	from[0] = to[0] = '\0';
	if (period != NULL && sscanf(period, "%4d", &y) == 1 && y > 1900
	    && y < 9999) {
		snprintf(from, 16, "%04u-08-01", (unsigned) (y) % 10000u);
		snprintf(to, 16, "%04u-07-31", (unsigned) (y + 1) % 10000u);
	}
}

/* report_measure_key: a measure as users write it, in wire form
 * (td_measure_parse; the keys live in a small ring: a report holds few queries
 * at once). Text the grammar refuses goes as an outcome code, which the server
 * then names in its answer. */
Tandem__V1__MeasureKey *
report_measure_key(const char *measure)
{
	static td_measure keys[8];
	static unsigned   next;
	td_measure       *k = &keys[next++ % 8];
	if (td_measure_parse(k, measure, NULL) != TD_OK) {
		k->key.kind_case = TANDEM__V1__MEASURE_KEY__KIND_OUTCOME;
		k->key.outcome   = (char *) measure;
	}
	return &k->key;
}

static void
series_query(Tandem__V1__SeriesQuery *q, const char *measure, int level,
             const char *code, const report_data *d)
{
	tandem__v1__series_query__init(q);
	q->measure = report_measure_key(measure);
	q->level   = (Tandem__V1__ScopeLevel) level;
	q->code    = (char *) (code != NULL ? code : "");
	q->grain   = TANDEM__V1__GRAIN__MONTH;
	q->to      = (char *) d->to;
	/* the server refuses approved_only where approvals do not apply
	 * (yearly grain, survey measures): that section then says why */
	q->approved_only = d->o->approved_only;
}

/* Points in the first academic year of the series, when that leaves a
 * baseline of 6 or more and at least 6 points after it; else 0. */
static int
baseline_points(const Tandem__V1__SeriesResponse *r)
{
	if (r == NULL || r->n_series == 0 || r->series[0]->n_points == 0) {
		return 0;
	}
	const Tandem__V1__Series *s = r->series[0];
	int                       y = 0, m = 0, k = 0;
	if (sscanf(s->points[0]->period_start, "%4d-%2d", &y, &m) != 2) {
		return 0;
	}
	int ay = m >= 8 ? y : y - 1;
	for (size_t j = 0; j < s->n_points; j++) {
		int py = 0, pm = 0;
		if (sscanf(s->points[j]->period_start, "%4d-%2d", &py, &pm)
		        == 2
		    && (pm >= 8 ? py : py - 1) == ay) {
			k++;
		}
	}
	return k >= 6 && s->n_points >= (size_t) k + 6 ? k : 0;
}

static void
fetch_measure(td_client *c, report_data *d, report_measure_data *md)
{
	const report_opts          *o   = d->o;
	td_status                   s   = { 0 };
	Tandem__V1__SeriesQuery     q   = TANDEM__V1__SERIES_QUERY__INIT;
	Tandem__V1__RunChartRequest req = TANDEM__V1__RUN_CHART_REQUEST__INIT;
	req.query                       = &q;
	req.split_at                    = (char *) "";
	const char *code                = md->m.code;
	int         level = o->school ? TANDEM__V1__SCOPE_LEVEL__SCHOOL
	            : o->district     ? TANDEM__V1__SCOPE_LEVEL__DISTRICT
	                              : TANDEM__V1__SCOPE_LEVEL__NETWORK;
	series_query(&q, code, level, o->school ? o->school : o->district, d);
	report_note(&md->main_st,
	            td_analysis_run_chart(c, &req, &md->main, &s), &s);
	/* The centre is the median of the first academic year (the
	 * baseline), as improvement work reads a run chart: a change since
	 * then shows as a run on one side of it. */
	md->baseline = baseline_points(md->main);
	if (md->baseline > 0) {
		req.baseline = md->baseline;
		protobuf_c_message_free_unpacked(&md->main->base, NULL);
		md->main = NULL;
		report_note(&md->main_st,
		            td_analysis_run_chart(c, &req, &md->main, &s), &s);
	}
	if (o->school != NULL || o->district != NULL) {
		series_query(&q, code, TANDEM__V1__SCOPE_LEVEL__NETWORK, NULL,
		             d);
		report_note(&md->network_st,
		            td_analysis_run_chart(c, &req, &md->network, &s),
		            &s);
	}
	if (o->school == NULL) {
		/* --district D restricts every school to D's */
		series_query(&q, code, TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL,
		             o->district, d);
		report_note(&md->each_st,
		            td_analysis_run_chart(c, &req, &md->each, &s), &s);
	}
	/* Making Data Count: the scope's XmR chart and every school's icons
	 * (the matrix); with --school, that school's row only. */
	Tandem__V1__MdcRequest mreq = TANDEM__V1__MDC_REQUEST__INIT;
	mreq.query                  = &q;
	series_query(&q, code, level, o->school ? o->school : o->district, d);
	report_note(&md->mdc_main_st,
	            td_analysis_mdc(c, &mreq, &md->mdc_main, &s), &s);
	if (o->school == NULL) {
		series_query(&q, code, TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL,
		             o->district, d);
		report_note(&md->mdc_each_st,
		            td_analysis_mdc(c, &mreq, &md->mdc_each, &s), &s);
	}
	/* The funnel plot: every school of the scope on one period (the
	 * report's year, else the latest). */
	Tandem__V1__FunnelRequest freq = TANDEM__V1__FUNNEL_REQUEST__INIT;
	series_query(&q, code, TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL,
	             o->district, d);
	q.grain     = TANDEM__V1__GRAIN__ACADEMIC_YEAR;
	q.from      = (char *) d->from;
	freq.query  = &q;
	freq.period = (char *) (o->period ? o->period : "");
	report_note(&md->funnel_st,
	            td_analysis_funnel(c, &freq, &md->funnel, &s), &s);
	/* PDSA cycles of the measure, drawn as spans on the charts. */
	Tandem__V1__ListPdsaCyclesRequest preq
	    = TANDEM__V1__LIST_PDSA_CYCLES_REQUEST__INIT;
	preq.measure = report_measure_key(code);
	preq.school  = (char *) (o->school ? o->school : "");
	report_note(&md->pdsa_st,
	            td_improvement_list_pdsa_cycles(c, &preq, &md->pdsa, &s),
	            &s);
	Tandem__V1__PositiveDevianceRequest pd
	    = TANDEM__V1__POSITIVE_DEVIANCE_REQUEST__INIT;
	series_query(&q, code, TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL,
	             o->district, d);
	q.grain  = TANDEM__V1__GRAIN__ACADEMIC_YEAR;
	q.from   = (char *) d->from;
	pd.query = &q;
	report_note(&md->pd_st,
	            td_analysis_positive_deviance(c, &pd, &md->pd, &s), &s);
}

/* The ROI periods: as given, else the first academic year of the data
 * before, and every later year (through the report's period) after. */
static void
roi_periods(report_data *d)
{
	const report_opts *o     = d->o;
	int                first = 0, last = 0;
	for (size_t i = 0; i < d->n_measures; i++) {
		const Tandem__V1__SeriesResponse *r
		    = d->md[i].network ? d->md[i].network : d->md[i].main;
		if (strcmp(d->md[i].m.code, d->roi_m.code) != 0 || r == NULL
		    || r->n_series == 0) {
			continue;
		}
		const Tandem__V1__Series *s = r->series[0];
		for (size_t j = 0; j < s->n_points; j++) {
			int y = 0, m = 0;
			if (sscanf(s->points[j]->period_start, "%4d-%2d", &y,
			           &m)
			    == 2) {
				int ay
				    = m >= 8 ? y : y - 1; /* academic year */
				first = first == 0 || ay < first ? ay : first;
				last  = ay > last ? ay : last;
			}
		}
	}
	if (first < 1900 || last > 9990) {
		first = 2000;
		last  = 2001;
	}
	if (last == first) {
		last = first + 1;
	}
	snprintf(d->pre[0], 16, "%04u-08-01", (unsigned) (first) % 10000u);
	snprintf(d->pre[1], 16, "%04u-07-31", (unsigned) (first + 1) % 10000u);
	snprintf(d->post[0], 16, "%04u-08-01",
	         (unsigned) (first + 1) % 10000u);
	snprintf(d->post[1], 16, "%04u-07-31", (unsigned) (last + 1) % 10000u);
	if (o->pre_from && o->pre_to) {
		snprintf(d->pre[0], 16, "%s", o->pre_from);
		snprintf(d->pre[1], 16, "%s", o->pre_to);
	}
	if (o->post_from && o->post_to) {
		snprintf(d->post[0], 16, "%s", o->post_from);
		snprintf(d->post[1], 16, "%s", o->post_to);
	}
}

void
report_not_approved(report_call *st, const char *what)
{
	st->code = TD_CODE_FAILED_PRECONDITION;
	snprintf(st->message, sizeof(st->message),
	         "left out of an approved-only report: %s reads every stored "
	         "record and has no approved-only mode",
	         what);
}

/* fetch_reporting: DHIS2's reporting rates of every outcome measure over
 * the report's period, in its scope (a school's report: its district's,
 * which a school client may read). */
static void
fetch_reporting(td_client *c, report_data *d)
{
	const report_opts              *o = d->o;
	Tandem__V1__CompletenessRequest q
	    = TANDEM__V1__COMPLETENESS_REQUEST__INIT;
	const char *district = o->district;
	for (size_t i = 0; o->school && i < d->names.n; i++) {
		if (strcmp(d->names.codes[i], o->school) == 0) {
			district = d->names.districts[i];
		}
	}
	q.district        = (char *) (district ? district : "");
	q.from            = (char *) d->from;
	q.to              = (char *) d->to;
	q.backfill_before = (char *) (o->backfill ? o->backfill : "");
	td_status s       = { 0 };
	report_note(&d->reporting_st,
	            td_analysis_completeness(c, &q, &d->reporting, &s), &s);
}

int
report_fetch(td_client *c, const report_opts *o, report_data *d, char *err,
             size_t errlen)
{
	td_status s = { 0 };
	memset(d, 0, sizeof(*d));
	d->o = o;
	period_bounds(o->period, d->from, d->to);
	Tandem__V1__ListInstrumentsRequest lreq
	    = TANDEM__V1__LIST_INSTRUMENTS_REQUEST__INIT;
	Tandem__V1__ListSchoolsRequest sreq
	    = TANDEM__V1__LIST_SCHOOLS_REQUEST__INIT;
	int code = report_note(
	    &d->reg_st, td_registry_list_instruments(c, &lreq, &d->reg, &s),
	    &s);
	if (code == TD_CODE_UNAVAILABLE || code == TD_CODE_UNAUTHENTICATED
	    || code == TD_CODE_DEADLINE_EXCEEDED) {
		snprintf(err, errlen, "%s", d->reg_st.message);
		return code == TD_CODE_UNAUTHENTICATED ? TD_EAUTH
		                                       : TD_EUNAVAIL;
	}
	sreq.district = (char *) (o->district ? o->district : "");
	report_note(&d->schools_st,
	            td_registry_list_schools(c, &sreq, &d->schools, &s), &s);
	if (figure_names_from(&d->names, d->schools) != 0) {
		snprintf(err, errlen, "out of memory");
		return TD_ENOMEM;
	}
	/* Measures: as asked, else every outcome measure of the registry. */
	if (o->n_measures > 0) {
		for (size_t i = 0; i < o->n_measures; i++) {
			figure_measure_from(&d->md[d->n_measures++].m,
			                    o->measures[i], d->reg);
		}
	} else {
		for (size_t i = 0; d->reg != NULL && i < d->reg->n_measures
		     && d->n_measures < REPORT_MAX_MEASURES;
		     i++) {
			figure_measure_from(&d->md[d->n_measures++].m,
			                    d->reg->measures[i]->measure,
			                    d->reg);
		}
	}
	for (size_t i = 0; i < d->n_measures; i++) {
		fetch_measure(c, d, &d->md[i]);
	}

	size_t ns   = d->reg ? d->reg->n_surveys : 0;
	size_t nr   = d->reg ? d->reg->n_rubrics : 0;
	d->rel      = calloc(ns + 1, sizeof(*d->rel));
	d->rel_st   = calloc(ns + 1, sizeof(*d->rel_st));
	d->rates    = calloc(ns + 1, sizeof(*d->rates));
	d->rates_st = calloc(ns + 1, sizeof(*d->rates_st));
	d->agr      = calloc(nr + 1, sizeof(*d->agr));
	d->agr_st   = calloc(nr + 1, sizeof(*d->agr_st));
	if (!d->rel || !d->rel_st || !d->rates || !d->rates_st || !d->agr
	    || !d->agr_st) {
		snprintf(err, errlen, "out of memory");
		return TD_ENOMEM;
	}
	for (size_t i = 0; i < ns; i++) {
		Tandem__V1__ReliabilityRequest r
		    = TANDEM__V1__RELIABILITY_REQUEST__INIT;
		r.survey = d->reg->surveys[i]->code;
		r.school = (char *) (o->school ? o->school : "");
		r.from   = (char *) d->from;
		r.to     = (char *) d->to;
		report_note(&d->rel_st[i],
		            td_analysis_reliability(c, &r, &d->rel[i], &s),
		            &s);
		Tandem__V1__CompletenessRequest q
		    = TANDEM__V1__COMPLETENESS_REQUEST__INIT;
		q.survey   = d->reg->surveys[i]->code;
		q.district = (char *) (o->district ? o->district : "");
		q.from     = (char *) d->from;
		q.to       = (char *) d->to;
		report_note(&d->rates_st[i],
		            td_analysis_completeness(c, &q, &d->rates[i], &s),
		            &s);
	}
	for (size_t i = 0; i < nr; i++) {
		Tandem__V1__AgreementRequest r
		    = TANDEM__V1__AGREEMENT_REQUEST__INIT;
		r.rubric = d->reg->rubrics[i]->code;
		r.school = (char *) (o->school ? o->school : "");
		r.from   = (char *) d->from;
		r.to     = (char *) d->to;
		report_note(&d->agr_st[i],
		            td_analysis_agreement(c, &r, &d->agr[i], &s), &s);
	}

	const char *rm = o->roi_measure ? o->roi_measure
	    : d->n_measures > 0         ? d->md[0].m.code
	                                : "";
	figure_measure_from(&d->roi_m, rm, d->reg);
	roi_periods(d);
	Tandem__V1__RoiRequest rr = TANDEM__V1__ROI_REQUEST__INIT;
	rr.measure                = rm[0] ? report_measure_key(rm) : NULL;
	rr.pre_from               = d->pre[0];
	rr.pre_to                 = d->pre[1];
	rr.post_from              = d->post[0];
	rr.post_to                = d->post[1];
	if (o->approved_only) {
		report_not_approved(&d->roi_st, "return on investment");
	} else {
		report_note(&d->roi_st, td_analysis_roi(c, &rr, &d->roi, &s),
		            &s);
	}
	fetch_reporting(c, d);
	report_fetch_improve(c, d);
	return 0;
}

static void
free_msg(void *m)
{
	if (m != NULL) {
		protobuf_c_message_free_unpacked((ProtobufCMessage *) m, NULL);
	}
}

void
report_data_free(report_data *d)
{
	size_t ns = d->reg ? d->reg->n_surveys : 0;
	size_t nr = d->reg ? d->reg->n_rubrics : 0;
	for (size_t i = 0; i < d->n_measures; i++) {
		free_msg(d->md[i].main);
		free_msg(d->md[i].network);
		free_msg(d->md[i].each);
		free_msg(d->md[i].pd);
		free_msg(d->md[i].mdc_main);
		free_msg(d->md[i].mdc_each);
		free_msg(d->md[i].pdsa);
		free_msg(d->md[i].funnel);
		free_msg(d->md[i].discover);
	}
	free_msg(d->isolation);
	for (size_t i = 0; i < ns; i++) {
		free_msg(d->rel ? d->rel[i] : NULL);
		free_msg(d->rates ? d->rates[i] : NULL);
	}
	for (size_t i = 0; i < nr; i++) {
		free_msg(d->agr ? d->agr[i] : NULL);
	}
	free(d->rel);
	free(d->rel_st);
	free(d->rates);
	free(d->rates_st);
	free(d->agr);
	free(d->agr_st);
	free_msg(d->roi);
	free_msg(d->reporting);
	figure_names_free(&d->names);
	free_msg(d->schools);
	free_msg(d->reg);
	memset(d, 0, sizeof(*d));
}

/* ---- shared by the sections ---- */

void
report_unavailable(FILE *f, const char *what, const report_call *st)
{
	const char *why = st->code == TD_CODE_PERMISSION_DENIED
	    ? "not available to this client's role"
	    : st->code == TD_CODE_UNIMPLEMENTED
	    ? "not available from this server"
	    : "not available";
	render_html(f,
	            "<p class=\"note\">%e: %s <small class=\"code\">(%e)"
	            "</small></p>\n",
	            what, why, st->message);
}

void
report_measure_heading(FILE *f, const char *tag, const figure_measure *m,
                       const char *id)
{
	char label[400];
	figure_axis_label(m, label, sizeof(label));
	render_html(f,
	            "<%s id=\"%e\">%e <small class=\"code\">%e</small></%s>\n",
	            tag, id, label, m->code, tag);
}

int
report_decimals(double max_abs)
{
	return max_abs < 10 ? 3 : 2;
}

int
report_write(FILE *f, const report_data *d)
{
	const report_opts *o = d->o;
	char               title[400];
	if (o->title != NULL) {
		snprintf(title, sizeof(title), "%s", o->title);
	} else if (o->school != NULL) {
		snprintf(title, sizeof(title), "%s against the network",
		         figure_name(&d->names, o->school));
	} else if (o->district != NULL) {
		snprintf(title, sizeof(title), "District report: %s",
		         o->district);
	} else {
		snprintf(title, sizeof(title), "Network report");
	}
	render_html_open(f, title, "en");
	render_html(f,
	            "<p class=\"meta\">%s%e%sGenerated %e by tandem report "
	            "from the server's analyses, with this client's role "
	            "and scope.</p>\n",
	            o->period ? "Academic year " : "",
	            o->period ? o->period : "", o->period ? ". " : "",
	            o->generated ? o->generated : "");
	if (o->approved_only) {
		render_html(
		    f,
		    "<p class=\"note\" id=\"approved-only\"><strong>"
		    "Approved data only.</strong> Run charts and icons "
		    "show only months approved for their school, "
		    "district or the network; analyses by academic "
		    "year, of survey measures, positive deviance "
		    "inquiry and return on investment have no "
		    "approved-only mode and are left out, each saying "
		    "so. Instruments and reporting rates are about how "
		    "data were collected and are shown as stored.</p>\n");
	}
	render_html(
	    f,
	    "<nav><p>Sections: <a href=\"#summary\">Summary</a> "
	    "\xc2\xb7 <a href=\"#matrix\">Icon matrix</a> \xc2\xb7 "
	    "<a href=\"#charts\">Charts</a> \xc2\xb7 "
	    "<a href=\"#learning\">Learning from the network</a> "
	    "\xc2\xb7 <a href=\"#instruments\">Instruments and reporting</a> "
	    "\xc2\xb7 <a href=\"#roi\">Return on investment</a>"
	    "</p></nav>\n");
	report_summary(f, d);
	report_matrix(f, d);
	report_charts(f, d);
	report_learning(f, d);
	report_instruments(f, d);
	report_roi(f, d);
	return render_html_close(f);
}
