/* SPDX-License-Identifier: MIT
 * The improvement work end to end, PDSA cycles: the sample network with
 * its cycles loaded through the real CLI into a real tandemd
 * (improve_network.c); a network PDSA cycle followed by a run-chart
 * signal (planted.csv), each start in its period, run charts split at a
 * cycle; who may read which cycles, roles on every Improvement method,
 * and the CLI's three analyses. Discover and isolation:
 * improve_network_test.c.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "improve_network.h"

static void
pdsa_cycle_is_followed_by_a_signal(void **state)
{
	(void) state;
	Tandem__V1__PdsaRequest   req = TANDEM__V1__PDSA_REQUEST__INIT;
	Tandem__V1__PdsaResponse *r   = NULL;
	td_status                 st  = { 0 };
	req.measure                   = h_outcome("attendance");
	assert_int_equal(td_improvement_pdsa(cl, &req, &r, &st), TD_CODE_OK);
	const Tandem__V1__PdsaRow *row = NULL;
	for (size_t i = 0; i < r->n_rows; i++) {
		if (strcmp(r->rows[i]->cycle->cycle, cycle) == 0) {
			row = r->rows[i];
		}
	}
	assert_non_null(row);
	assert_string_equal(row->series, "network");
	/* The first year (Sep-Jun) is the baseline; the cycle starts with
	 * the level shift in September of the second. */
	assert_int_equal(row->before_points, 10);
	assert_string_equal(row->start_period, "2024-09");
	assert_true(row->signal_after);
	assert_string_equal(row->signal_direction, "improvement");
	/* Making Data Count sees it too, with limits from the baseline. */
	assert_true(row->mdc_signal);
	assert_string_equal(row->mdc_point_type, "special_cause_improvement");
	assert_true(row->change > 1.0); /* the planted +1.5 points */
	assert_true(row->has_prediction_met);
	assert_true(row->prediction_met);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
}

static void
pdsa_places_each_start_in_its_period(void **state)
{
	(void) state;
	/* A cycle planned after the last data has nothing after its start;
	 * one starting mid-month starts in that month. */
	Tandem__V1__PdsaCycle  c     = TANDEM__V1__PDSA_CYCLE__INIT;
	Tandem__V1__PdsaCycle *cp[1] = { &c };
	c.cycle                      = "LATER-1";
	c.school                     = deviant[1];
	c.measure                    = "attendance";
	c.change_idea                = "Morning greeting at the gate";
	c.start                      = "2027-01-11";
	c.status                     = "planned";
	Tandem__V1__SubmitPdsaCyclesRequest sq
	    = TANDEM__V1__SUBMIT_PDSA_CYCLES_REQUEST__INIT;
	Tandem__V1__SubmitResponse *sr = NULL;
	td_status                   st = { 0 };
	sq.submission_id               = "improve-later-1";
	sq.n_cycles                    = 1;
	sq.cycles                      = cp;
	assert_int_equal(td_improvement_submit_pdsa_cycles(cl, &sq, &sr, &st),
	                 TD_CODE_OK);
	protobuf_c_message_free_unpacked(&sr->base, NULL);
	Tandem__V1__PdsaRequest   req = TANDEM__V1__PDSA_REQUEST__INIT;
	Tandem__V1__PdsaResponse *r   = NULL;
	req.measure                   = h_outcome("attendance");
	assert_int_equal(td_improvement_pdsa(cl, &req, &r, &st), TD_CODE_OK);
	bool later = false, mid = false;
	for (size_t i = 0; i < r->n_rows; i++) {
		const Tandem__V1__PdsaRow *w = r->rows[i];
		if (strcmp(w->cycle->cycle, "LATER-1") == 0) {
			later = true;
			assert_int_equal(w->after_points, 0);
			assert_int_equal(w->before_points, 30);
			assert_false(w->signal_after);
			assert_false(w->has_prediction_met);
			assert_non_null(
			    strstr(w->note, "after the last period"));
		} else if (strcmp(w->cycle->start, "2025-10-06") == 0) {
			mid = true;
			assert_string_equal(w->start_period, "2025-10");
			assert_int_equal(w->before_points, 21);
		}
	}
	assert_true(later && mid);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
}

static void
run_chart_splits_at_a_cycle(void **state)
{
	(void) state;
	Tandem__V1__SeriesQuery     q   = TANDEM__V1__SERIES_QUERY__INIT;
	Tandem__V1__RunChartRequest req = TANDEM__V1__RUN_CHART_REQUEST__INIT;
	Tandem__V1__SeriesResponse *r   = NULL;
	td_status                   st  = { 0 };
	char                        split[64];
	td_measure                  key;
	char                        err[TD_ERRMSG_MAX];
	assert_int_equal(td_measure_parse(&key, "attendance", err), TD_OK);
	snprintf(split, sizeof(split), "cycle:%s", cycle);
	q.measure    = &key.key;
	q.level      = TANDEM__V1__SCOPE_LEVEL__NETWORK;
	q.code       = "";
	req.query    = &q;
	req.split_at = split;
	assert_int_equal(td_analysis_run_chart(cl, &req, &r, &st), TD_CODE_OK);
	const Tandem__V1__Series *s = r->series[0];
	/* Two centres: the medians before and after the cycle's start. */
	assert_true(s->points[12]->centre > s->points[2]->centre + 1.0);
	assert_true(s->points[9]->centre == s->points[0]->centre);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
	req.split_at = "cycle:NO-SUCH-CYCLE";
	assert_int_equal(td_analysis_run_chart(cl, &req, &r, &st),
	                 TD_CODE_NOT_FOUND);
	assert_non_null(strstr(st.message, "NO-SUCH-CYCLE"));
	td_status_reset(&st);
}

static void
pdsa_cycles_follow_the_scope_rules(void **state)
{
	(void) state;
	td_client *own = client_as("school", deviant[0], "");
	/* A school client sees its own cycles and the network's. */
	Tandem__V1__ListPdsaCyclesRequest lq
	    = TANDEM__V1__LIST_PDSA_CYCLES_REQUEST__INIT;
	Tandem__V1__ListPdsaCyclesResponse *lr = NULL;
	td_status                           st = { 0 };
	assert_int_equal(td_improvement_list_pdsa_cycles(own, &lq, &lr, &st),
	                 TD_CODE_OK);
	assert_true(lr->n_cycles > 0);
	for (size_t i = 0; i < lr->n_cycles; i++) {
		const char *s = lr->cycles[i]->school;
		assert_true(s[0] == '\0' || strcmp(s, deviant[0]) == 0);
	}
	protobuf_c_message_free_unpacked(&lr->base, NULL);
	td_status_reset(&st);

	/* It may not write another school's cycle, nor a network one, and
	 * a rejected batch stores nothing. */
	long long before
	    = h_sql_int(conninfo, "SELECT count(*) FROM pdsa_cycles");
	Tandem__V1__PdsaCycle c[2]
	    = { TANDEM__V1__PDSA_CYCLE__INIT, TANDEM__V1__PDSA_CYCLE__INIT };
	Tandem__V1__PdsaCycle *cp[2] = { &c[0], &c[1] };
	for (int k = 0; k < 2; k++) {
		c[k].cycle       = k ? "T-NET" : "T-OTHER";
		c[k].school      = k ? "" : (char *) isolated[0];
		c[k].measure     = "attendance";
		c[k].change_idea = "Greet every student at the door";
		c[k].start       = "2025-10-01";
		c[k].status      = "running";
	}
	Tandem__V1__SubmitPdsaCyclesRequest sq
	    = TANDEM__V1__SUBMIT_PDSA_CYCLES_REQUEST__INIT;
	Tandem__V1__SubmitResponse *sr = NULL;
	sq.submission_id               = "improve-scope-1";
	sq.n_cycles                    = 2;
	sq.cycles                      = cp;
	assert_int_equal(td_improvement_submit_pdsa_cycles(own, &sq, &sr, &st),
	                 TD_CODE_PERMISSION_DENIED);
	td_status_reset(&st);
	assert_int_equal(
	    h_sql_int(conninfo, "SELECT count(*) FROM pdsa_cycles"), before);

	/* Its own school's cycle is fine; bad rows name field and rule. */
	c[0].school      = (char *) deviant[0];
	c[1].school      = (char *) deviant[0];
	c[1].status      = "finished";
	c[1].end         = "2025-09-01";
	sq.submission_id = "improve-scope-2";
	assert_int_equal(td_improvement_submit_pdsa_cycles(own, &sq, &sr, &st),
	                 TD_CODE_INVALID_ARGUMENT);
	bool status = false, order = false;
	for (size_t i = 0; i < st.n_details; i++) {
		status |= st.details[i].record_index == 1
		    && strcmp(st.details[i].field, "status") == 0;
		order |= st.details[i].record_index == 1
		    && strcmp(st.details[i].field, "end") == 0
		    && strcmp(st.details[i].rule, "order") == 0;
	}
	assert_true(status && order);
	td_status_reset(&st);
	sq.n_cycles      = 1;
	sq.submission_id = "improve-scope-3";
	assert_int_equal(td_improvement_submit_pdsa_cycles(own, &sq, &sr, &st),
	                 TD_CODE_OK);
	assert_int_equal(sr->stored, 1);
	protobuf_c_message_free_unpacked(&sr->base, NULL);
	td_status_reset(&st);
	td_client_destroy(own);
}

static void
roles_are_checked_on_every_improvement_method(void **state)
{
	(void) state;
	td_client *council  = client_as("council", "", "");
	td_client *district = client_as("district", "", "D01");
	td_status  st       = { 0 };
	/* The council reads, but writes no school's cycles. */
	Tandem__V1__PdsaCycle  c     = TANDEM__V1__PDSA_CYCLE__INIT;
	Tandem__V1__PdsaCycle *cp[1] = { &c };
	c.cycle                      = "C-COUNCIL";
	c.school                     = "S001";
	c.measure                    = "attendance";
	c.change_idea                = "Idea";
	c.start                      = "2025-09-01";
	c.status                     = "running";
	Tandem__V1__SubmitPdsaCyclesRequest sq
	    = TANDEM__V1__SUBMIT_PDSA_CYCLES_REQUEST__INIT;
	Tandem__V1__SubmitResponse *sr = NULL;
	sq.submission_id               = "improve-roles-1";
	sq.n_cycles                    = 1;
	sq.cycles                      = cp;
	assert_int_equal(
	    td_improvement_submit_pdsa_cycles(council, &sq, &sr, &st),
	    TD_CODE_PERMISSION_DENIED);
	td_status_reset(&st);
	/* A district client's discover is its own district's; another
	 * district is refused. */
	Tandem__V1__DiscoverRequest   dq = TANDEM__V1__DISCOVER_REQUEST__INIT;
	Tandem__V1__DiscoverResponse *dr = NULL;
	dq.measure                       = h_outcome("ela_scale");
	dq.district                      = "D02";
	assert_int_equal(td_improvement_discover(district, &dq, &dr, &st),
	                 TD_CODE_PERMISSION_DENIED);
	td_status_reset(&st);
	/* Its isolation rows are its district's schools only. */
	Tandem__V1__IsolationResponse *r = isolation(
	    district, TANDEM__V1__ISOLATION_LEVEL__ISOLATION_SCHOOL,
	    TD_CODE_OK);
	assert_true(r->n_nodes > 0 && r->n_nodes < 40);
	for (size_t i = 0; i < r->n_nodes; i++) {
		assert_string_equal(r->nodes[i]->district, "D01");
	}
	assert_int_equal(r->totals->nodes, 40);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	assert_null(isolation(district,
	                      TANDEM__V1__ISOLATION_LEVEL__ISOLATION_EDUCATOR,
	                      TD_CODE_PERMISSION_DENIED));
	/* Without a token nothing is answered. */
	td_client *anon = h_client_token(&srv, 60000, NULL);
	assert_null(isolation(anon,
	                      TANDEM__V1__ISOLATION_LEVEL__ISOLATION_SCHOOL,
	                      TD_CODE_UNAUTHENTICATED));
	td_client_destroy(anon);
	td_client_destroy(council);
	td_client_destroy(district);
}

static void
cli_prints_the_three_analyses(void **state)
{
	(void) state;
	const char *cmds[] = {
		"list pdsa --measure attendance",
		"analyze pdsa --measure attendance",
		"analyze discover --measure ela_scale --period 2025-26",
		"analyze isolation",
		"--format json analyze isolation --year 2024-25",
		"--format csv analyze discover --measure ela_scale",
	};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		int rv = h_run("%s/tandem --server %s %s >%s/cli.out 2>&1",
		               h_bin_dir(), srv.url, cmds[i], dir);
		if (rv != 0) {
			h_run("cat %s/cli.out >&2", dir);
			fail_msg("tandem %s exited %d", cmds[i], rv);
		}
	}
	/* JSON names the isolated schools. */
	assert_int_equal(h_run("%s/tandem --server %s --format json analyze "
	                       "isolation | grep -q '\"isolated\": true'",
	                       h_bin_dir(), srv.url),
	                 0);
	assert_int_equal(h_run("%s/tandem --server %s analyze isolation "
	                       "--year 24-25 2>%s/year.err",
	                       h_bin_dir(), srv.url, dir),
	                 1);
	assert_int_equal(h_run("grep -q \"INVALID_ARGUMENT: year '24-25' is "
	                       "not an academic year\" %s/year.err",
	                       dir),
	                 0);
	/* A bad cycle is reported at its file and line; nothing is stored. */
	long long before
	    = h_sql_int(conninfo, "SELECT count(*) FROM pdsa_cycles");
	assert_int_equal(
	    h_run("printf 'cycle,school,measure,activity,change_idea,"
	          "prediction,predicted_value,start,end,status,result\\n"
	          "X-1,S001,attendance,,Idea,,,2025-09-01,,running,\\n"
	          "X-2,S001,attendance,,Idea,,,2025-09-01,2025-08-01,done,"
	          "\\n' >%s/bad.csv && %s/tandem --server %s submit pdsa "
	          "%s/bad.csv 2>%s/bad.err",
	          dir, h_bin_dir(), srv.url, dir, dir),
	    1);
	assert_int_equal(h_run("grep -q 'bad.csv:3: end 2025-08-01 is before "
	                       "start' %s/bad.err",
	                       dir),
	                 0);
	assert_int_equal(
	    h_sql_int(conninfo, "SELECT count(*) FROM pdsa_cycles"), before);
}

static int
setup(void **state)
{
	(void) state;
	return improve_setup("improve");
}

/* PDSA requests carry the measure structured (MeasureKey): an outcome
 * code, as cycles aim at outcome measures. A survey construct is refused
 * naming the field, a missing key is required, and `list pdsa` without
 * one lists every measure's cycles. */
static void
pdsa_requests_take_an_outcome_measure_key(void **state)
{
	(void) state;
	Tandem__V1__SurveyMeasure sm  = TANDEM__V1__SURVEY_MEASURE__INIT;
	Tandem__V1__MeasureKey    mk  = TANDEM__V1__MEASURE_KEY__INIT;
	sm.survey                     = "climate";
	sm.construct                  = "belonging";
	mk.kind_case                  = TANDEM__V1__MEASURE_KEY__KIND_SURVEY;
	mk.survey                     = &sm;
	Tandem__V1__PdsaRequest   req = TANDEM__V1__PDSA_REQUEST__INIT;
	Tandem__V1__PdsaResponse *r   = NULL;
	td_status                 st  = { 0 };
	req.measure                   = &mk;
	assert_int_equal(td_improvement_pdsa(cl, &req, &r, &st),
	                 TD_CODE_INVALID_ARGUMENT);
	assert_int_equal(st.n_details, 1);
	assert_string_equal(st.details[0].field, "measure.survey");
	assert_string_equal(st.details[0].rule, "outcome_only");
	td_status_reset(&st);
	req.measure = NULL;
	assert_int_equal(td_improvement_pdsa(cl, &req, &r, &st),
	                 TD_CODE_INVALID_ARGUMENT);
	assert_non_null(strstr(st.message, "measure is required"));
	td_status_reset(&st);

	Tandem__V1__ListPdsaCyclesRequest lq
	    = TANDEM__V1__LIST_PDSA_CYCLES_REQUEST__INIT;
	Tandem__V1__ListPdsaCyclesResponse *all = NULL, *one = NULL;
	assert_int_equal(td_improvement_list_pdsa_cycles(cl, &lq, &all, &st),
	                 TD_CODE_OK);
	lq.measure = h_outcome("attendance");
	assert_int_equal(td_improvement_list_pdsa_cycles(cl, &lq, &one, &st),
	                 TD_CODE_OK);
	assert_true(one->n_cycles > 0);
	assert_true(all->n_cycles >= one->n_cycles);
	for (size_t i = 0; i < one->n_cycles; i++) {
		assert_string_equal(one->cycles[i]->measure, "attendance");
	}
	protobuf_c_message_free_unpacked(&all->base, NULL);
	protobuf_c_message_free_unpacked(&one->base, NULL);
	td_status_reset(&st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pdsa_cycle_is_followed_by_a_signal),
		cmocka_unit_test(pdsa_places_each_start_in_its_period),
		cmocka_unit_test(run_chart_splits_at_a_cycle),
		cmocka_unit_test(pdsa_cycles_follow_the_scope_rules),
		cmocka_unit_test(
		    roles_are_checked_on_every_improvement_method),
		cmocka_unit_test(cli_prints_the_three_analyses),
		cmocka_unit_test(pdsa_requests_take_an_outcome_measure_key),
	};
	return cmocka_run_group_tests(tests, setup, improve_teardown);
}
