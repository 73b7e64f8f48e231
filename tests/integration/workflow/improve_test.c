/* SPDX-License-Identifier: MIT
 * The improvement work end to end: the sample network (`tandem sample`)
 * loaded through the real CLI into a real tandemd, with its PDSA cycles,
 * then the Improvement methods asked through libtandem by each role.
 * Each test checks what the generator planted (planted.csv): a network
 * PDSA cycle followed by a run-chart signal, the rubric criterion on
 * which the positive deviants' observations score higher, and the two
 * isolated schools; and who may read what.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static char       conninfo[512];
static char       dir[128];
static h_server   srv;
static td_client *cl;

/* What planted.csv names: the deviants, the isolated schools, the
 * criterion and the cycle followed by a signal. */
static char deviant[8][16], isolated[8][16], criterion[32], cycle[32];
static int  n_deviant, n_isolated;

static int
load(const char *args)
{
	return h_run("%s/tandem --server %s %s >>%s/load.log 2>&1",
	             h_bin_dir(), srv.url, args, dir);
}

static void
read_planted(void)
{
	char path[200], line[1024];
	snprintf(path, sizeof(path), "%s/planted.csv", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *kind = line, *code = strchr(line, ',');
		if (code == NULL) {
			continue;
		}
		*code++   = '\0';
		char *end = strchr(code, ',');
		if (end != NULL) {
			*end = '\0';
		}
		if (strcmp(kind, "positive_deviant") == 0 && n_deviant < 8) {
			snprintf(deviant[n_deviant++], 16, "%s", code);
		} else if (strcmp(kind, "isolated_school") == 0
		           && n_isolated < 8) {
			snprintf(isolated[n_isolated++], 16, "%s", code);
		} else if (strcmp(kind, "deviant_practice") == 0) {
			snprintf(criterion, sizeof(criterion), "%s", code);
		} else if (strcmp(kind, "pdsa_signal") == 0) {
			snprintf(cycle, sizeof(cycle), "%s", code);
		}
	}
	fclose(f);
}

static int
setup(void **state)
{
	(void) state;
	h_db_create("improve", conninfo);
	h_server_start(&srv, conninfo, NULL);
	cl = h_client(&srv, 60000);
	snprintf(dir, sizeof(dir), "/tmp/tdtest-improve-%d", (int) getpid());
	assert_int_equal(h_run("rm -rf %s && %s/tandem sample --seed 1 %s "
	                       ">/dev/null",
	                       dir, h_bin_dir(), dir),
	                 0);
	const char *steps[] = {
		"define districts %s/districts.csv",
		"define schools %s/schools.csv",
		"define educators %s/educators.csv",
		"define measures %s/measures.csv",
		"define rubric --code practice %s/rubric_practice.csv",
		"define activities %s/activities.csv",
		"submit outcomes %s/outcomes.csv",
		"submit feedback %s/observations.csv --annotations "
		"%s/annotations.csv",
		"submit participation %s/participation.csv",
		"submit pdsa %s/pdsa.csv",
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char args[400];
		snprintf(args, sizeof(args), steps[i], dir, dir);
		if (load(args) != 0) {
			h_run("tail -20 %s/load.log >&2", dir);
			fail_msg("tandem %s failed", args);
		}
	}
	read_planted();
	assert_true(n_deviant > 0 && n_isolated == 2);
	assert_true(criterion[0] != '\0' && cycle[0] != '\0');
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	td_client_destroy(cl);
	assert_int_equal(h_server_stop(&srv), 0);
	h_run("rm -rf %s", dir);
	return 0;
}

/* client_as makes an API client of role for school/district and
 * connects with its token. */
static td_client *
client_as(const char *role, const char *school, const char *district)
{
	Tandem__V1__CreateClientRequest req
	    = TANDEM__V1__CREATE_CLIENT_REQUEST__INIT;
	Tandem__V1__CreateClientResponse *r  = NULL;
	td_status                         st = { 0 };
	req.name                             = (char *) role;
	req.role                             = (char *) role;
	req.school                           = (char *) school;
	req.district                         = (char *) district;
	assert_int_equal(td_admin_create_client(cl, &req, &r, &st),
	                 TD_CODE_OK);
	td_client *c = h_client_token(&srv, 60000, r->token);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
	return c;
}

static bool
is_in(char list[][16], int n, const char *code)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(list[i], code) == 0) {
			return true;
		}
	}
	return false;
}

static void
pdsa_cycle_is_followed_by_a_signal(void **state)
{
	(void) state;
	Tandem__V1__PdsaRequest   req = TANDEM__V1__PDSA_REQUEST__INIT;
	Tandem__V1__PdsaResponse *r   = NULL;
	td_status                 st  = { 0 };
	req.measure                   = "attendance";
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
	req.measure                   = "attendance";
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

static Tandem__V1__DiscoverResponse *
discover(td_client *c, int expect)
{
	Tandem__V1__DiscoverRequest   req = TANDEM__V1__DISCOVER_REQUEST__INIT;
	Tandem__V1__DiscoverResponse *r   = NULL;
	td_status                     st  = { 0 };
	req.measure                       = "ela_scale";
	req.period                        = "2025-26";
	assert_int_equal(td_improvement_discover(c, &req, &r, &st), expect);
	td_status_reset(&st);
	return r;
}

static void
discover_finds_the_planted_criterion(void **state)
{
	(void) state;
	Tandem__V1__DiscoverResponse *r = discover(cl, TD_CODE_OK);
	assert_string_equal(r->period, "2025-26");
	assert_string_equal(r->rubric, "practice");
	assert_true(r->n_deviants > 0);
	for (size_t i = 0; i < r->n_deviants; i++) {
		assert_true(is_in(deviant, n_deviant, r->deviants[i]));
	}
	assert_true(r->deviant_observations >= 10);
	/* The planted criterion has the largest g, and its interval lies
	 * above zero. */
	const Tandem__V1__CriterionContrast *best = NULL;
	for (size_t i = 0; i < r->n_criteria; i++) {
		const Tandem__V1__CriterionContrast *c = r->criteria[i];
		assert_false(c->suppressed);
		assert_true(c->available);
		if (best == NULL || c->hedges_g > best->hedges_g) {
			best = c;
		}
	}
	assert_non_null(best);
	assert_string_equal(best->criterion, criterion);
	assert_true(best->diff_low > 0 && best->g_low > 0);
	assert_true(best->deviant_n >= 10 && best->rest_n >= 10);
	/* Admin reads the deviants' note texts, and only theirs. */
	assert_true(r->n_notes > 0);
	assert_false(r->notes_withheld);
	for (size_t i = 0; i < r->n_notes; i++) {
		assert_true(is_in(deviant, n_deviant, r->notes[i]->school));
		assert_true(r->notes[i]->note[0] != '\0');
	}
	protobuf_c_message_free_unpacked(&r->base, NULL);
}

static void
discover_notes_go_to_council_and_the_deviant_school_only(void **state)
{
	(void) state;
	td_client *council              = client_as("council", "", "");
	td_client *evaluator            = client_as("evaluator", "", "");
	td_client *own                  = client_as("school", deviant[0], "");
	Tandem__V1__DiscoverResponse *r = discover(council, TD_CODE_OK);
	assert_true(r->n_notes > 0);
	assert_false(r->notes_withheld);
	protobuf_c_message_free_unpacked(&r->base, NULL);

	r = discover(evaluator, TD_CODE_OK);
	assert_int_equal(r->n_notes, 0);
	assert_true(r->notes_withheld);
	assert_true(r->n_criteria > 0); /* the contrasts are not notes */
	protobuf_c_message_free_unpacked(&r->base, NULL);

	r = discover(own, TD_CODE_OK);
	for (size_t i = 0; i < r->n_notes; i++) {
		assert_string_equal(r->notes[i]->school, deviant[0]);
	}
	/* A school learns only whether it is a deviant itself. */
	for (size_t i = 0; i < r->n_deviants; i++) {
		assert_string_equal(r->deviants[i], deviant[0]);
	}
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_client_destroy(council);
	td_client_destroy(evaluator);
	td_client_destroy(own);
}

static void
discover_suppresses_a_small_group(void **state)
{
	(void) state;
	/* The deviants' schools hold about 60 observations in 2025-26 and
	 * the rest over 600: at --min-n 100 the deviants are still flagged
	 * (their schools have hundreds of students) but every contrast is
	 * suppressed for the council, with no exact count and no note. */
	h_server big;
	h_server_start(&big, conninfo, "--min-n", "100", NULL);
	td_client                      *admin = h_client(&big, 60000);
	Tandem__V1__CreateClientRequest req
	    = TANDEM__V1__CREATE_CLIENT_REQUEST__INIT;
	Tandem__V1__CreateClientResponse *cr = NULL;
	td_status                         st = { 0 };
	req.name = req.role = "council";
	req.school = req.district = "";
	assert_int_equal(td_admin_create_client(admin, &req, &cr, &st),
	                 TD_CODE_OK);
	td_client *council = h_client_token(&big, 60000, cr->token);
	Tandem__V1__DiscoverResponse *r = discover(council, TD_CODE_OK);
	assert_true(r->n_deviants > 0);
	assert_true(r->deviant_observations_suppressed);
	assert_int_equal(r->deviant_observations, 0);
	assert_false(r->rest_observations_suppressed);
	assert_true(r->rest_observations >= 100);
	for (size_t i = 0; i < r->n_criteria; i++) {
		const Tandem__V1__CriterionContrast *c = r->criteria[i];
		assert_true(c->suppressed);
		assert_int_equal(c->deviant_n, 0);
		assert_true(isnan(c->deviant_mean) && isnan(c->difference));
		assert_true(isnan(c->hedges_g));
	}
	assert_int_equal(r->n_notes, 0);
	assert_true(r->notes_withheld);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	/* The admin sees everything, suppression is for the other roles. */
	r = discover(admin, TD_CODE_OK);
	assert_false(r->criteria[0]->suppressed);
	assert_true(r->deviant_observations > 0);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
	protobuf_c_message_free_unpacked(&cr->base, NULL);
	td_client_destroy(council);
	td_client_destroy(admin);
	assert_int_equal(h_server_stop(&big), 0);
}

static Tandem__V1__IsolationResponse *
isolation(td_client *c, Tandem__V1__IsolationLevel level, int expect)
{
	Tandem__V1__IsolationRequest req = TANDEM__V1__ISOLATION_REQUEST__INIT;
	Tandem__V1__IsolationResponse *r = NULL;
	td_status                      st = { 0 };
	req.level                         = level;
	assert_int_equal(td_improvement_isolation(c, &req, &r, &st), expect);
	td_status_reset(&st);
	return r;
}

static void
isolation_flags_the_planted_schools(void **state)
{
	(void) state;
	Tandem__V1__IsolationResponse *r = isolation(
	    cl, TANDEM__V1__ISOLATION_LEVEL__ISOLATION_SCHOOL, TD_CODE_OK);
	assert_string_equal(r->year, "2025-26"); /* the latest */
	assert_string_equal(r->previous_year, "2024-25");
	assert_int_equal(r->totals->nodes, 40);
	assert_int_equal(r->totals->isolated, 2);
	assert_true(fabs(r->totals->share_isolated - 5.0) < 1e-9);
	assert_int_equal(r->totals->largest_component, 38);
	assert_int_equal(r->previous->isolated, 2);
	int flagged = 0;
	for (size_t i = 0; i < r->n_nodes; i++) {
		const Tandem__V1__IsolationNode *n = r->nodes[i];
		bool planted = is_in(isolated, n_isolated, n->code);
		assert_int_equal(n->isolated, planted);
		if (planted) {
			assert_int_equal(n->degree, 0);
			assert_int_equal(n->n_tied_to, 0);
			assert_true(n->was_isolated);
			flagged++;
		} else {
			assert_true(n->degree > 0);
			assert_int_equal(n->n_tied_to, (size_t) n->degree);
			assert_int_equal(n->component, 1);
		}
	}
	assert_int_equal(flagged, 2);
	/* Every edge joins two schools that are not isolated. */
	for (size_t i = 0; i < r->n_edges; i++) {
		assert_false(is_in(isolated, n_isolated, r->edges[i]->a));
		assert_false(is_in(isolated, n_isolated, r->edges[i]->b));
	}
	protobuf_c_message_free_unpacked(&r->base, NULL);
}

static void
isolation_of_educators_is_personnel_information(void **state)
{
	(void) state;
	td_client *council = client_as("council", "", "");
	td_client *school  = client_as("school", isolated[0], "");
	Tandem__V1__IsolationResponse *r = isolation(
	    council, TANDEM__V1__ISOLATION_LEVEL__ISOLATION_EDUCATOR,
	    TD_CODE_PERMISSION_DENIED);
	assert_null(r);
	r = isolation(school, TANDEM__V1__ISOLATION_LEVEL__ISOLATION_EDUCATOR,
	              TD_CODE_OK);
	assert_true(r->n_nodes > 0);
	for (size_t i = 0; i < r->n_nodes; i++) {
		assert_string_equal(r->nodes[i]->school, isolated[0]);
		assert_true(r->nodes[i]->isolated);
	}
	protobuf_c_message_free_unpacked(&r->base, NULL);
	/* At the school level a school client sees its own row. */
	r = isolation(school, TANDEM__V1__ISOLATION_LEVEL__ISOLATION_SCHOOL,
	              TD_CODE_OK);
	assert_int_equal(r->n_nodes, 1);
	assert_string_equal(r->nodes[0]->code, isolated[0]);
	assert_int_equal(r->totals->isolated,
	                 2); /* totals are the network's */
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_client_destroy(council);
	td_client_destroy(school);
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
	dq.measure                       = "ela_scale";
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

/* one_code: the first educator code of school with role (SQL). */
static void
one_code(char *out, size_t cap, const char *school, const char *role)
{
	char sql[256];
	snprintf(sql, sizeof(sql),
	         "SELECT e.code FROM educators e JOIN schools s ON s.id = "
	         "e.school_id WHERE s.code = '%s' AND e.role = '%s' ORDER BY "
	         "e.code LIMIT 1",
	         school, role);
	snprintf(out, cap, "%s", h_sql_text(conninfo, sql));
	assert_true(out[0] != '\0');
}

static void
cross_school_observations_tie_and_bridge(void **state)
{
	(void) state;
	/* The first isolated school's principal observes a teacher of the
	 * second, whose principal observes a teacher of S001: the chain
	 * iso0 - iso1 - S001 joins the two to the network, and every path
	 * from them runs through iso1 and S001. */
	char p0[32], t1[32], p1[32], t2[32];
	one_code(p0, sizeof(p0), isolated[0], "principal");
	one_code(t1, sizeof(t1), isolated[1], "teacher");
	one_code(p1, sizeof(p1), isolated[1], "principal");
	one_code(t2, sizeof(t2), "S001", "teacher");
	Tandem__V1__Observation o[2]
	    = { TANDEM__V1__OBSERVATION__INIT, TANDEM__V1__OBSERVATION__INIT };
	Tandem__V1__Observation *op[2]     = { &o[0], &o[1] };
	int32_t                  scores[5] = { 3, 3, 3, 3, 3 };
	char *crit[5] = { "environment", "questioning", "feedback", "rigor",
		          "discourse" };
	const char *who[2][4] = {
		{ "X-OBS-1", isolated[1], p0, t1 },
		{ "X-OBS-2", "S001", p1, t2 },
	};
	for (int k = 0; k < 2; k++) {
		o[k].observation = (char *) who[k][0];
		o[k].school      = (char *) who[k][1];
		o[k].observer    = (char *) who[k][2];
		o[k].observed    = (char *) who[k][3];
		o[k].observed_on = k ? "2025-10-16" : "2025-10-15";
		o[k].n_scores    = 5;
		o[k].scores      = scores;
	}
	Tandem__V1__SubmitPeerFeedbackRequest fq
	    = TANDEM__V1__SUBMIT_PEER_FEEDBACK_REQUEST__INIT;
	Tandem__V1__SubmitResponse *fr = NULL;
	td_status                   st = { 0 };
	fq.submission_id               = "improve-bridge-1";
	fq.rubric                      = "practice";
	fq.n_criteria                  = 5;
	fq.criteria                    = crit;
	fq.n_observations              = 2;
	fq.observations                = op;
	assert_int_equal(td_ingest_submit_peer_feedback(cl, &fq, &fr, &st),
	                 TD_CODE_OK);
	protobuf_c_message_free_unpacked(&fr->base, NULL);
	td_status_reset(&st);

	Tandem__V1__IsolationResponse *r = isolation(
	    cl, TANDEM__V1__ISOLATION_LEVEL__ISOLATION_SCHOOL, TD_CODE_OK);
	assert_int_equal(r->totals->isolated, 0);
	assert_int_equal(r->totals->largest_component, 40);
	assert_int_equal(r->totals->components, 1);
	int checked = 0;
	for (size_t i = 0; i < r->n_nodes; i++) {
		const Tandem__V1__IsolationNode *n = r->nodes[i];
		if (strcmp(n->code, isolated[0]) == 0) {
			assert_int_equal(n->degree, 1);
			assert_true(n->was_isolated && !n->isolated);
			assert_int_equal(n->degree_change, 1);
			assert_true(n->betweenness == 0);
			checked++;
		} else if (strcmp(n->code, isolated[1]) == 0) {
			/* on every path from iso0 to the 38 others */
			assert_int_equal(n->degree, 2);
			assert_true(fabs(n->betweenness - 38.0) < 1e-9);
			checked++;
		} else if (strcmp(n->code, "S001") == 0) {
			/* on every path from iso0 and iso1 to the other 37 */
			assert_int_equal(n->degree, 38);
			assert_true(fabs(n->betweenness - 74.0) < 1e-9);
			checked++;
		} else {
			assert_true(n->betweenness == 0);
		}
	}
	assert_int_equal(checked, 3);
	bool edge = false;
	for (size_t i = 0; i < r->n_edges; i++) {
		const Tandem__V1__IsolationEdge *e = r->edges[i];
		if ((strcmp(e->a, isolated[0]) == 0
		     && strcmp(e->b, isolated[1]) == 0)
		    || (strcmp(e->b, isolated[0]) == 0
		        && strcmp(e->a, isolated[1]) == 0)) {
			edge = true;
			assert_int_equal(e->observations, 1);
			assert_int_equal(e->activities, 0);
		}
	}
	assert_true(edge);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	/* At the educator level the two educators are tied. */
	r = isolation(cl, TANDEM__V1__ISOLATION_LEVEL__ISOLATION_EDUCATOR,
	              TD_CODE_OK);
	for (size_t i = 0; i < r->n_nodes; i++) {
		if (strcmp(r->nodes[i]->code, p0) == 0) {
			assert_int_equal(r->nodes[i]->degree, 1);
			assert_string_equal(r->nodes[i]->tied_to[0], t1);
		}
	}
	protobuf_c_message_free_unpacked(&r->base, NULL);
}

static void
shared_staff_tie_schools_and_inactive_schools_drop_out(void **state)
{
	(void) state;
	/* The roster says an S002 teacher also serves S003 (an itinerant
	 * teacher); and the first planted school has closed. */
	h_sql_exec(
	    conninfo,
	    "INSERT INTO educator_memberships (educator_id, school_id, "
	    "role) SELECT e.id, (SELECT id FROM schools WHERE code = "
	    "'S003'), 'teacher' FROM educators e JOIN schools s ON s.id "
	    "= e.school_id WHERE s.code = 'S002' AND e.role = 'teacher' "
	    "ORDER BY e.code LIMIT 1");
	char sql[160];
	snprintf(sql, sizeof(sql),
	         "UPDATE schools SET active = false WHERE code = '%s'",
	         isolated[0]);
	h_sql_exec(conninfo, sql);
	Tandem__V1__IsolationResponse *r = isolation(
	    cl, TANDEM__V1__ISOLATION_LEVEL__ISOLATION_SCHOOL, TD_CODE_OK);
	assert_int_equal(r->totals->nodes, 39);
	for (size_t i = 0; i < r->n_nodes; i++) {
		assert_string_not_equal(r->nodes[i]->code, isolated[0]);
	}
	bool shared = false;
	for (size_t i = 0; i < r->n_edges; i++) {
		const Tandem__V1__IsolationEdge *e = r->edges[i];
		if (strcmp(e->a, "S002") == 0 && strcmp(e->b, "S003") == 0) {
			shared = true;
			assert_int_equal(e->shared_staff, 1);
		} else {
			assert_int_equal(e->shared_staff, 0);
		}
	}
	assert_true(shared);
	protobuf_c_message_free_unpacked(&r->base, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pdsa_cycle_is_followed_by_a_signal),
		cmocka_unit_test(pdsa_places_each_start_in_its_period),
		cmocka_unit_test(run_chart_splits_at_a_cycle),
		cmocka_unit_test(discover_finds_the_planted_criterion),
		cmocka_unit_test(
		    discover_notes_go_to_council_and_the_deviant_school_only),
		cmocka_unit_test(discover_suppresses_a_small_group),
		cmocka_unit_test(isolation_flags_the_planted_schools),
		cmocka_unit_test(
		    isolation_of_educators_is_personnel_information),
		cmocka_unit_test(pdsa_cycles_follow_the_scope_rules),
		cmocka_unit_test(
		    roles_are_checked_on_every_improvement_method),
		cmocka_unit_test(cli_prints_the_three_analyses),
		/* last: it joins the isolated schools to the network */
		cmocka_unit_test(cross_school_observations_tie_and_bridge),
		cmocka_unit_test(
		    shared_staff_tie_schools_and_inactive_schools_drop_out),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
