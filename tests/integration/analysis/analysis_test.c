/* SPDX-License-Identifier: MIT
 * The analyses over time end to end, on the sample network (PLANTED.md)
 * loaded through the real CLI into a real tandemd (analysis_network.c):
 * run and control charts find the attendance level shift, the outlier
 * screen the mistyped value, Making Data Count charts their icons, the
 * funnel and Xbar/S charts; small cells are suppressed; measure keys and
 * statistic failures get their codes. Across units: analysis_units_test.c.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis_network.h"

static void
run_chart_finds_the_attendance_level_shift(void **state)
{
	(void) state;
	Tandem__V1__SeriesQuery q
	    = query("attendance", TANDEM__V1__SCOPE_LEVEL__NETWORK, "",
	            TANDEM__V1__GRAIN__MONTH);
	Tandem__V1__RunChartRequest req = TANDEM__V1__RUN_CHART_REQUEST__INIT;
	req.query                       = &q;
	req.baseline                    = 10; /* the first year, Sep-Jun */
	Tandem__V1__SeriesResponse *r   = NULL;
	td_status                   st  = { 0 };
	assert_int_equal(td_analysis_run_chart(cl, &req, &r, &st), TD_CODE_OK);
	assert_int_equal(r->n_series, 1);
	const Tandem__V1__Series *s = r->series[0];
	assert_int_equal(s->n_points, 30); /* 3 years x 10 months */
	bool long_run = false;
	for (size_t i = 0; i < s->n_signals; i++) {
		long_run |= strcmp(s->signals[i]->rule, "long_run") == 0;
	}
	assert_true(long_run);
	assert_true(s->longest_run > s->longest_run_limit);
	/* The shift starts in 2024-09: those points are in the run. */
	assert_string_equal(s->points[10]->period, "2024-09");
	assert_true(s->points[12]->run_signal);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
}

static void
outlier_screen_catches_the_mistyped_value(void **state)
{
	(void) state;
	Tandem__V1__SeriesQuery q
	    = query("attendance", TANDEM__V1__SCOPE_LEVEL__NETWORK, "",
	            TANDEM__V1__GRAIN__MONTH);
	Tandem__V1__OutliersRequest req  = TANDEM__V1__OUTLIERS_REQUEST__INIT;
	req.query                        = &q;
	Tandem__V1__OutliersResponse *r  = NULL;
	td_status                     st = { 0 };
	assert_int_equal(td_analysis_outliers(cl, &req, &r, &st), TD_CODE_OK);
	bool found = false;
	for (size_t i = 0; i < r->n_rows; i++) {
		if (strcmp(r->rows[i]->school, "S038") == 0
		    && strcmp(r->rows[i]->period, "2024-03") == 0) {
			found = true;
			assert_true(r->rows[i]->value < 20);
			assert_true(fabs(r->rows[i]->modified_z) > 3);
		}
	}
	assert_true(found);
	assert_true(r->n_rows <= 5); /* the screen is not crying wolf */
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
}

static void
small_cells_are_suppressed_and_counted(void **state)
{
	(void) state;
	/* A council member sees suppression; an admin sees every value. */
	Tandem__V1__CreateClientRequest cr
	    = TANDEM__V1__CREATE_CLIENT_REQUEST__INIT;
	cr.name                              = "council member";
	cr.role                              = "council";
	Tandem__V1__CreateClientResponse *cc = NULL;
	td_status                         cs = { 0 };
	assert_int_equal(td_admin_create_client(cl, &cr, &cc, &cs),
	                 TD_CODE_OK);
	td_client *council = h_client_token(&srv, 60000, cc->token);
	protobuf_c_message_free_unpacked(&cc->base, NULL);
	/* ELL subgroups of small schools have n < 10. */
	Tandem__V1__SeriesQuery q
	    = query("ela_scale", TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL, "",
	            TANDEM__V1__GRAIN__MONTH);
	q.subgroup                      = "ell";
	Tandem__V1__RunChartRequest req = TANDEM__V1__RUN_CHART_REQUEST__INIT;
	req.query                       = &q;
	Tandem__V1__SeriesResponse *r   = NULL;
	td_status                   st  = { 0 };
	assert_int_equal(td_analysis_run_chart(cl, &req, &r, &st), TD_CODE_OK);
	assert_int_equal(r->suppressed_points, 0); /* admin */
	protobuf_c_message_free_unpacked(&r->base, NULL);
	assert_int_equal(td_analysis_run_chart(council, &req, &r, &st),
	                 TD_CODE_OK);
	assert_true(r->suppressed_points > 0);
	size_t seen = 0;
	for (size_t k = 0; k < r->n_series; k++) {
		for (size_t i = 0; i < r->series[k]->n_points; i++) {
			const Tandem__V1__Point *p = r->series[k]->points[i];
			if (p->suppressed) {
				seen++;
				assert_true(p->value == 0); /* no number */
				assert_true(p->n < 10);
			}
		}
	}
	assert_int_equal(seen, (size_t) r->suppressed_points);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_client_destroy(council);
	td_status_reset(&st);
}

static void
unknown_measure_is_not_found(void **state)
{
	(void) state;
	Tandem__V1__SeriesQuery q
	    = query("nosuch", TANDEM__V1__SCOPE_LEVEL__NETWORK, "",
	            TANDEM__V1__GRAIN__MONTH);
	Tandem__V1__RunChartRequest req = TANDEM__V1__RUN_CHART_REQUEST__INIT;
	req.query                       = &q;
	Tandem__V1__SeriesResponse *r   = NULL;
	td_status                   st  = { 0 };
	assert_int_equal(td_analysis_run_chart(cl, &req, &r, &st),
	                 TD_CODE_NOT_FOUND);
	assert_non_null(strstr(st.message, "nosuch"));
	td_status_reset(&st);
}

/* The measure is structured on the wire; the server checks each part under
 * the code rule and names the wire field that breaks it. */
static void
structured_measure_keys_are_checked_by_field(void **state)
{
	(void) state;
	Tandem__V1__SurveyMeasure sm    = TANDEM__V1__SURVEY_MEASURE__INIT;
	Tandem__V1__MeasureKey    key   = TANDEM__V1__MEASURE_KEY__INIT;
	Tandem__V1__SeriesQuery   q     = TANDEM__V1__SERIES_QUERY__INIT;
	sm.survey                       = "";
	sm.construct                    = "belonging";
	key.kind_case                   = TANDEM__V1__MEASURE_KEY__KIND_SURVEY;
	key.survey                      = &sm;
	q.measure                       = &key;
	Tandem__V1__RunChartRequest req = TANDEM__V1__RUN_CHART_REQUEST__INIT;
	req.query                       = &q;
	Tandem__V1__SeriesResponse *r   = NULL;
	td_status                   st  = { 0 };
	assert_int_equal(td_analysis_run_chart(cl, &req, &r, &st),
	                 TD_CODE_INVALID_ARGUMENT);
	assert_int_equal(st.n_details, 1);
	assert_string_equal(st.details[0].field, "measure.survey.survey");
	td_status_reset(&st);
	/* No measure at all. */
	q.measure = NULL;
	assert_int_equal(td_analysis_run_chart(cl, &req, &r, &st),
	                 TD_CODE_INVALID_ARGUMENT);
	assert_string_equal(st.details[0].field, "measure");
	td_status_reset(&st);
	/* A survey construct's favourable share is served. */
	sm.survey = "climate";
	sm.statistic
	    = TANDEM__V1__SURVEY_STATISTIC__SURVEY_STATISTIC_FAVOURABLE;
	q.measure = &key;
	q.grain   = TANDEM__V1__GRAIN__ACADEMIC_YEAR;
	assert_int_equal(td_analysis_run_chart(cl, &req, &r, &st), TD_CODE_OK);
	assert_string_equal(r->measure, "survey:climate/belonging");
	assert_true(r->n_series == 1 && r->series[0]->n_points > 0);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
}

/* A statistic's failure travels through the one internal -> gRPC map:
 * an argument the data cannot honour is INVALID_ARGUMENT, data that cannot
 * support the statistic FAILED_PRECONDITION (the analysis service used to
 * answer FAILED_PRECONDITION for both). */
static void
statistic_failures_map_through_the_one_code_table(void **state)
{
	(void) state;
	Tandem__V1__SeriesQuery q
	    = query("attendance", TANDEM__V1__SCOPE_LEVEL__NETWORK, "",
	            TANDEM__V1__GRAIN__MONTH);
	Tandem__V1__RunChartRequest req = TANDEM__V1__RUN_CHART_REQUEST__INIT;
	req.query                       = &q;
	req.baseline                    = 31; /* the series has 30 points */
	Tandem__V1__SeriesResponse *r   = NULL;
	td_status                   st  = { 0 };
	assert_int_equal(td_analysis_run_chart(cl, &req, &r, &st),
	                 TD_CODE_INVALID_ARGUMENT);
	assert_non_null(strstr(st.message, "baseline 31"));
	td_status_reset(&st);

	/* One month: one value per school, so no school has the two values
	 * ICC(1)'s within-school variance needs. */
	Tandem__V1__SeriesQuery one
	    = query("attendance", TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL, "",
	            TANDEM__V1__GRAIN__MONTH);
	one.from                        = "2024-09-01";
	one.to                          = "2024-09-30";
	Tandem__V1__VarianceRequest vr  = TANDEM__V1__VARIANCE_REQUEST__INIT;
	vr.query                        = &one;
	Tandem__V1__VarianceResponse *v = NULL;
	assert_int_equal(td_analysis_variance(cl, &vr, &v, &st),
	                 TD_CODE_FAILED_PRECONDITION);
	assert_non_null(strstr(st.message, "ICC(1) needs"));
	td_status_reset(&st);
}

/* mdc asks for attendance's MDC chart of the network (limits from the
 * first school year, before the planted shift). */
static Tandem__V1__MdcResponse *
mdc(Tandem__V1__ScopeLevel level, const char *from)
{
	Tandem__V1__SeriesQuery q
	    = query("attendance", level, "", TANDEM__V1__GRAIN__MONTH);
	Tandem__V1__MdcRequest   req = TANDEM__V1__MDC_REQUEST__INIT;
	Tandem__V1__MdcResponse *r   = NULL;
	td_status                st  = { 0 };
	q.from                       = (char *) from;
	req.query                    = &q;
	req.fix_after                = 10;
	assert_int_equal(td_analysis_mdc(cl, &req, &r, &st), TD_CODE_OK);
	td_status_reset(&st);
	return r;
}

static void
set_attendance_target(bool has, double target)
{
	Tandem__V1__Measure               m     = TANDEM__V1__MEASURE__INIT;
	Tandem__V1__Measure              *ms[1] = { &m };
	Tandem__V1__DefineMeasuresRequest req
	    = TANDEM__V1__DEFINE_MEASURES_REQUEST__INIT;
	Tandem__V1__DefineResponse *r  = NULL;
	td_status                   st = { 0 };
	m.measure                      = "attendance";
	m.name                         = "Average daily attendance (monthly)";
	m.unit                         = "percent";
	m.direction                    = "higher";
	m.has_target                   = has;
	m.target                       = target;
	req.measures                   = ms;
	req.n_measures                 = 1;
	assert_int_equal(td_registry_define_measures(cl, &req, &r, &st),
	                 TD_CODE_OK);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
}

/* The planted +1.5 point attendance shift from 2024-09 is a special cause
 * (improvement: higher is better) under Making Data Count's rules, and
 * the latest point carries the improvement icon. */
static void
mdc_finds_the_attendance_shift_and_its_icons(void **state)
{
	(void) state;
	Tandem__V1__MdcResponse *r = mdc(TANDEM__V1__SCOPE_LEVEL__NETWORK, "");
	assert_int_equal(r->n_series, 1);
	assert_string_equal(r->direction, "higher");
	/* The sample's attendance target (PLANTED.md): passed consistently. */
	assert_true(r->has_target);
	assert_true(r->target > 89.9 && r->target < 90.1);
	const Tandem__V1__MdcSeries *s = r->series[0];
	assert_int_equal(s->n_points, 30);
	assert_string_equal(s->points[10]->period, "2024-09");
	size_t special = 0;
	for (size_t i = 10; i < s->n_points; i++) {
		special += strcmp(s->points[i]->point_type,
		                  "special_cause_improvement")
		    == 0;
	}
	assert_true(special >= 15); /* most of the 20 shifted months */
	assert_string_equal(s->variation, "improvement");
	assert_string_equal(s->assurance, "consistent_pass");
	/* Limits at 2.66 mean moving ranges. */
	assert_true(fabs(s->upl - (s->mean + 2.66 * s->amr)) < 1e-9);
	protobuf_c_message_free_unpacked(&r->base, NULL);

	/* A target above the process fails consistently; none gives no
	 * assurance icon, and says why (migration 009's target column). */
	set_attendance_target(true, 99.5);
	r = mdc(TANDEM__V1__SCOPE_LEVEL__NETWORK, "");
	assert_string_equal(r->series[0]->assurance, "consistent_fail");
	protobuf_c_message_free_unpacked(&r->base, NULL);
	set_attendance_target(false, 0);
	r = mdc(TANDEM__V1__SCOPE_LEVEL__NETWORK, "");
	assert_false(r->has_target);
	assert_string_equal(r->series[0]->assurance, "");
	assert_non_null(strstr(r->series[0]->icon_note, "no target"));
	protobuf_c_message_free_unpacked(&r->base, NULL);
	set_attendance_target(true, 90);
}

/* The icon matrix: every school side by side; with fewer than 12 months
 * no school gets icons, and each row says why. */
static void
mdc_icon_matrix_needs_twelve_points(void **state)
{
	(void) state;
	Tandem__V1__MdcResponse *r
	    = mdc(TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL, "2025-09-01");
	assert_true(r->n_series >= 20);
	for (size_t i = 0; i < r->n_series; i++) {
		const Tandem__V1__MdcSeries *s = r->series[i];
		assert_true(s->n_points < 12);
		assert_string_equal(s->variation, "");
		assert_string_equal(s->assurance, "");
		assert_true(strstr(s->icon_note, "fewer than 12") != NULL
		            || s->note[0] != '\0');
	}
	protobuf_c_message_free_unpacked(&r->base, NULL);
}

/* A p chart reads the measure's unit: a proportion (0..1) counts
 * value * n events (its centre was 100x too small when every measure was
 * read as a percent); a chart that does not fit the unit is refused. */
static void
p_chart_reads_the_unit_and_refuses_misfits(void **state)
{
	(void) state;
	Tandem__V1__Measure               m     = TANDEM__V1__MEASURE__INIT;
	Tandem__V1__Measure              *ms[1] = { &m };
	Tandem__V1__DefineMeasuresRequest dreq
	    = TANDEM__V1__DEFINE_MEASURES_REQUEST__INIT;
	Tandem__V1__DefineResponse *dr = NULL;
	td_status                   st = { 0 };
	m.measure = "on_track", m.name = "On track to graduate";
	m.unit = "proportion", m.direction = "higher";
	dreq.measures = ms, dreq.n_measures = 1;
	assert_int_equal(td_registry_define_measures(cl, &dreq, &dr, &st),
	                 TD_CODE_OK);
	protobuf_c_message_free_unpacked(&dr->base, NULL);
	td_status_reset(&st);

	/* 12 months of S001: value 0.80 or 0.70 of 50 students. */
	Tandem__V1__Outcome               o[12], *op[12];
	char                              start[12][16], end[12][16];
	Tandem__V1__SubmitOutcomesRequest sreq
	    = TANDEM__V1__SUBMIT_OUTCOMES_REQUEST__INIT;
	Tandem__V1__SubmitResponse *sr = NULL;
	for (int i = 0; i < 12; i++) {
		int y = 2023 + (8 + i) / 12, mo = (8 + i) % 12 + 1;
		snprintf(start[i], sizeof(start[i]), "%d-%02d-01", y, mo);
		snprintf(end[i], sizeof(end[i]), "%d-%02d-28", y, mo);
		tandem__v1__outcome__init(&o[i]);
		o[i].school = "S001", o[i].measure = "on_track";
		o[i].period_start = start[i], o[i].period_end = end[i];
		o[i].value = i % 2 ? 0.70 : 0.80, o[i].n = 50;
		op[i] = &o[i];
	}
	sreq.submission_id = "analysis-on-track-1";
	sreq.outcomes = op, sreq.n_outcomes = 12;
	assert_int_equal(td_ingest_submit_outcomes(cl, &sreq, &sr, &st),
	                 TD_CODE_OK);
	protobuf_c_message_free_unpacked(&sr->base, NULL);
	td_status_reset(&st);

	Tandem__V1__SeriesQuery q
	    = query("on_track", TANDEM__V1__SCOPE_LEVEL__SCHOOL, "S001",
	            TANDEM__V1__GRAIN__MONTH);
	Tandem__V1__ControlChartRequest req
	    = TANDEM__V1__CONTROL_CHART_REQUEST__INIT;
	Tandem__V1__SeriesResponse *r = NULL;
	req.query                     = &q;
	req.chart                     = "p";
	assert_int_equal(td_analysis_control_chart(cl, &req, &r, &st),
	                 TD_CODE_OK);
	const Tandem__V1__Point *p0 = r->series[0]->points[0];
	/* pbar = (6 * 40 + 6 * 35) / 600 = 0.75; limits
	 * 0.75 -+ 3 sqrt(0.75 * 0.25 / 50), R: sprintf("%.17g",
	 * sqrt(0.75 * 0.25 / 50)) = 0.061237243569579451 */
	double gap = p0->centre - 0.75;
	assert_true(gap < 1e-12 && gap > -1e-12);
	gap = p0->ucl - (0.75 + 3 * 0.061237243569579451);
	assert_true(gap < 1e-12 && gap > -1e-12);
	gap = p0->value - 0.80;
	assert_true(gap < 1e-12 && gap > -1e-12);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);

	/* A scale score has no p chart, a proportion no c or u chart. */
	q.measure = measure_key("ela_scale");
	q.level   = TANDEM__V1__SCOPE_LEVEL__NETWORK;
	q.code    = "";
	assert_int_equal(td_analysis_control_chart(cl, &req, &r, &st),
	                 TD_CODE_FAILED_PRECONDITION);
	assert_non_null(strstr(st.message, "scale_score"));
	td_status_reset(&st);
	q.measure = measure_key("on_track");
	req.chart = "u";
	assert_int_equal(td_analysis_control_chart(cl, &req, &r, &st),
	                 TD_CODE_FAILED_PRECONDITION);
	assert_non_null(strstr(st.message, "rate"));
	td_status_reset(&st);
}

/* submit_on_track writes n months of the proportion measure on_track
 * for one school from 2023-09 on. */
static void
submit_on_track(const char *school, const double *v, int n, const char *id)
{
	Tandem__V1__Outcome               o[48], *op[48];
	char                              start[48][16], end[48][16];
	Tandem__V1__SubmitOutcomesRequest sreq
	    = TANDEM__V1__SUBMIT_OUTCOMES_REQUEST__INIT;
	Tandem__V1__SubmitResponse *sr = NULL;
	td_status                   st = { 0 };
	for (int i = 0; i < n; i++) {
		int y = 2023 + (8 + i) / 12, mo = (8 + i) % 12 + 1;
		snprintf(start[i], sizeof(start[i]), "%d-%02d-01", y, mo);
		snprintf(end[i], sizeof(end[i]), "%d-%02d-28", y, mo);
		tandem__v1__outcome__init(&o[i]);
		o[i].school = (char *) school, o[i].measure = "on_track";
		o[i].period_start = start[i], o[i].period_end = end[i];
		o[i].value = v[i], o[i].n = 50;
		op[i] = &o[i];
	}
	sreq.submission_id = (char *) id;
	sreq.outcomes = op, sreq.n_outcomes = (size_t) n;
	assert_int_equal(td_ingest_submit_outcomes(cl, &sreq, &sr, &st),
	                 TD_CODE_OK);
	protobuf_c_message_free_unpacked(&sr->base, NULL);
	td_status_reset(&st);
}

/* Ten months below the median, twelve above, two below: each long run is
 * its own signal row with its side and length (they were merged into one
 * 22-point row); with --split-at every part has its run statistics (only
 * the last part had them). Median (0.81 + 0.82) / 2; n = 24, longest run
 * allowed round(log2(24)) + 3 = 8. */
static void
run_chart_reports_each_run_and_each_part(void **state)
{
	(void) state;
	double v[24];
	for (int i = 0; i < 10; i++) {
		v[i] = 0.50 + 0.01 * i;
	}
	for (int i = 0; i < 12; i++) {
		v[10 + i] = 0.82 + 0.01 * i;
	}
	v[22] = 0.80, v[23] = 0.81;
	submit_on_track("S002", v, 24, "analysis-on-track-2");
	Tandem__V1__SeriesQuery q
	    = query("on_track", TANDEM__V1__SCOPE_LEVEL__SCHOOL, "S002",
	            TANDEM__V1__GRAIN__MONTH);
	Tandem__V1__RunChartRequest req = TANDEM__V1__RUN_CHART_REQUEST__INIT;
	Tandem__V1__SeriesResponse *r   = NULL;
	td_status                   st  = { 0 };
	req.query                       = &q;
	assert_int_equal(td_analysis_run_chart(cl, &req, &r, &st), TD_CODE_OK);
	const Tandem__V1__Series *s = r->series[0];
	assert_int_equal(s->n_points, 24);
	int runs = 0;
	for (size_t i = 0; i < s->n_signals; i++) {
		const Tandem__V1__Signal *g = s->signals[i];
		if (strcmp(g->rule, "long_run") != 0) {
			continue;
		}
		if (runs++ == 0) {
			assert_string_equal(g->side, "below");
			assert_int_equal(g->first_point, 0);
			assert_int_equal(g->last_point, 9);
			assert_int_equal(g->length, 10);
		} else {
			assert_string_equal(g->side, "above");
			assert_int_equal(g->first_point, 10);
			assert_int_equal(g->last_point, 21);
			assert_int_equal(g->length, 12);
		}
	}
	assert_int_equal(runs, 2);
	assert_int_equal(s->n_parts, 1);
	assert_int_equal(s->parts[0]->longest_run, 12);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);

	req.split_at = "2024-07";
	assert_int_equal(td_analysis_run_chart(cl, &req, &r, &st), TD_CODE_OK);
	s = r->series[0];
	assert_int_equal(s->n_parts, 2);
	assert_int_equal(s->parts[0]->first_point, 0);
	assert_int_equal(s->parts[0]->last_point, 9);
	assert_int_equal(s->parts[1]->first_point, 10);
	assert_int_equal(s->parts[1]->last_point, 23);
	/* Part 1 is ten rising points around their own median. */
	assert_int_equal(s->parts[0]->useful_points, 10);
	assert_int_equal(s->parts[0]->longest_run, 5);
	assert_int_equal(s->parts[1]->useful_points, 14);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);

	/* --exclude: the point stays on the chart, marked; an unknown
	 * period is refused naming it. */
	char *ex[1]   = { "2023-09" };
	req.split_at  = "";
	req.exclude   = ex;
	req.n_exclude = 1;
	assert_int_equal(td_analysis_run_chart(cl, &req, &r, &st), TD_CODE_OK);
	assert_true(r->series[0]->points[0]->excluded);
	assert_false(r->series[0]->points[1]->excluded);
	assert_int_equal(r->series[0]->n_points, 24);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
	ex[0] = "1999-01";
	assert_int_equal(td_analysis_run_chart(cl, &req, &r, &st),
	                 TD_CODE_INVALID_ARGUMENT);
	assert_non_null(strstr(st.message, "1999-01"));
	td_status_reset(&st);
}

/* The funnel plot of attendance (a percent) in the last school year:
 * limits widen as n falls, the planted positive deviants sit above the
 * target; a scale score without SDs is refused with the reason. */
static void
funnel_plots_schools_against_the_target(void **state)
{
	(void) state;
	Tandem__V1__SeriesQuery q
	    = query("attendance", TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL, "",
	            TANDEM__V1__GRAIN__ACADEMIC_YEAR);
	Tandem__V1__FunnelRequest   req = TANDEM__V1__FUNNEL_REQUEST__INIT;
	Tandem__V1__FunnelResponse *r   = NULL;
	td_status                   st  = { 0 };
	req.query                       = &q;
	assert_int_equal(td_analysis_funnel(cl, &req, &r, &st), TD_CODE_OK);
	assert_int_equal(r->units, 40);
	assert_true(r->target > 80 && r->target < 100);
	assert_true(r->phi > 0);
	const char *planted[] = { "S017", "S019", "S032" };
	/* The size plant (PLANTED.md 11): S005, S031, S039 are very small
	 * (wide limits, no flag from noise), S012, S035, S036 very large;
	 * outside the 99.8% limits only planted deviants. */
	const char *small[] = { "S005", "S031", "S039" };
	size_t      n_small = 0;
	for (size_t i = 0; i < r->n_rows; i++) {
		const Tandem__V1__FunnelUnit *w = r->rows[i];
		assert_true(w->lo998 < w->lo95 && w->lo95 < r->target);
		assert_true(r->target < w->hi95 && w->hi95 < w->hi998);
		assert_int_equal(w->outside95,
		                 w->z_adjusted > 1.959964
		                     || w->z_adjusted < -1.959964);
		for (int k = 0; k < 3; k++) {
			if (strcmp(w->school, small[k]) == 0) {
				assert_false(w->outside95);
				assert_true(w->hi998 - w->lo998 > 15);
				n_small++;
			}
		}
		if (w->outside998) {
			assert_true(strcmp(w->school, "S017") == 0
			            || strcmp(w->school, "S019") == 0
			            || strcmp(w->school, "S032") == 0);
		}
		for (int k = 0; k < 3; k++) {
			if (strcmp(w->school, planted[k]) == 0) {
				assert_true(w->z > 0);
			}
		}
	}
	assert_int_equal(n_small, 3);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
	/* Chronic absence: the large school S035 has 20 points more than
	 * its attendance predicts, the one school outside the 99.8% limits
	 * (far below -3.09: z_adjusted < -3.090232 mirrored); the small
	 * schools stay inside even the 95% limits. */
	q.measure = measure_key("chronic_absence");
	assert_int_equal(td_analysis_funnel(cl, &req, &r, &st), TD_CODE_OK);
	size_t out998 = 0;
	n_small       = 0;
	for (size_t i = 0; i < r->n_rows; i++) {
		const Tandem__V1__FunnelUnit *w = r->rows[i];
		out998 += w->outside998;
		if (w->outside998) {
			assert_string_equal(w->school, "S035");
			assert_true(w->z_adjusted > 3.090232);
			assert_true(w->n > 3000);
		}
		for (int k = 0; k < 3; k++) {
			if (strcmp(w->school, small[k]) == 0) {
				assert_false(w->outside95);
				n_small++;
			}
		}
	}
	assert_int_equal(out998, 1);
	assert_int_equal(n_small, 3);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
	/* A scale score with SDs: v = sd^2 / n, the 1/v-weighted mean; a
	 * count has no funnel here. */
	q.measure = measure_key("ela_scale");
	assert_int_equal(td_analysis_funnel(cl, &req, &r, &st), TD_CODE_OK);
	assert_int_equal(r->units, 40);
	assert_true(r->target > 400 && r->target < 700);
	assert_true(r->rows[0]->lo95 < r->target
	            && r->target < r->rows[0]->hi95);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
	q.measure = measure_key("survey:climate/belonging:mean");
	assert_int_equal(td_analysis_funnel(cl, &req, &r, &st),
	                 TD_CODE_FAILED_PRECONDITION);
	assert_non_null(strstr(st.message, "favourable"));
	td_status_reset(&st);
	assert_int_equal(h_run("%s/tandem --server %s --format csv analyze "
	                       "funnel --measure attendance --grain year "
	                       ">/dev/null",
	                       h_bin_dir(), srv.url),
	                 0);
}

/* Xbar and S charts of a survey construct: the respondents of each
 * period are the subgroup, so the limits follow each period's n (wider
 * for fewer respondents); an outcome measure has no subgroups. */
static void
xbar_and_s_charts_of_a_construct(void **state)
{
	(void) state;
	Tandem__V1__SeriesQuery q = query("survey:climate/belonging:mean",
	                                  TANDEM__V1__SCOPE_LEVEL__NETWORK, "",
	                                  TANDEM__V1__GRAIN__TERM);
	Tandem__V1__ControlChartRequest req
	    = TANDEM__V1__CONTROL_CHART_REQUEST__INIT;
	Tandem__V1__SeriesResponse *r  = NULL;
	td_status                   st = { 0 };
	req.query                      = &q;
	req.chart                      = "xbar";
	assert_int_equal(td_analysis_control_chart(cl, &req, &r, &st),
	                 TD_CODE_OK);
	const Tandem__V1__Series *s = r->series[0];
	assert_string_equal(s->chart, "xbar");
	assert_true(s->n_points >= 2);
	const Tandem__V1__Point *a = NULL, *b = NULL;
	for (size_t i = 0; i < s->n_points; i++) {
		const Tandem__V1__Point *p = s->points[i];
		if (!p->has_limits) {
			continue;
		}
		assert_true(p->lcl < p->centre && p->centre < p->ucl);
		if (a == NULL || p->denominator < a->denominator) {
			a = p;
		}
		if (b == NULL || p->denominator > b->denominator) {
			b = p;
		}
	}
	assert_non_null(a);
	if (a->denominator < b->denominator) {
		assert_true(a->ucl - a->lcl > b->ucl - b->lcl);
	}
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
	req.chart = "s";
	assert_int_equal(td_analysis_control_chart(cl, &req, &r, &st),
	                 TD_CODE_OK);
	assert_string_equal(r->series[0]->chart, "s");
	assert_true(r->series[0]->points[0]->centre > 0);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
	q.measure = measure_key("attendance");
	q.grain   = TANDEM__V1__GRAIN__MONTH;
	assert_int_equal(td_analysis_control_chart(cl, &req, &r, &st),
	                 TD_CODE_FAILED_PRECONDITION);
	td_status_reset(&st);
}

static int
setup(void **state)
{
	(void) state;
	return network_setup("analysis");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(run_chart_finds_the_attendance_level_shift),
		cmocka_unit_test(outlier_screen_catches_the_mistyped_value),
		cmocka_unit_test(small_cells_are_suppressed_and_counted),
		cmocka_unit_test(unknown_measure_is_not_found),
		cmocka_unit_test(
		    statistic_failures_map_through_the_one_code_table),
		cmocka_unit_test(structured_measure_keys_are_checked_by_field),
		cmocka_unit_test(mdc_finds_the_attendance_shift_and_its_icons),
		cmocka_unit_test(mdc_icon_matrix_needs_twelve_points),
		cmocka_unit_test(p_chart_reads_the_unit_and_refuses_misfits),
		cmocka_unit_test(run_chart_reports_each_run_and_each_part),
		cmocka_unit_test(funnel_plots_schools_against_the_target),
		cmocka_unit_test(xbar_and_s_charts_of_a_construct),
	};
	return cmocka_run_group_tests_name("analysis", tests, setup,
	                                   network_teardown);
}
