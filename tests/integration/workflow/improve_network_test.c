/* SPDX-License-Identifier: MIT
 * The improvement work end to end, the network's practice and ties: the
 * rubric criterion on which the positive deviants' observations score
 * higher (Positive Deviance Inquiry's discover), who may read its notes,
 * small groups suppressed; the two isolated schools, educators' ties as
 * personnel information, and how new ties join the network.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "improve_network.h"

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

static int
setup(void **state)
{
	(void) state;
	return improve_setup("improve_network");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(discover_finds_the_planted_criterion),
		cmocka_unit_test(
		    discover_notes_go_to_council_and_the_deviant_school_only),
		cmocka_unit_test(discover_suppresses_a_small_group),
		cmocka_unit_test(isolation_flags_the_planted_schools),
		cmocka_unit_test(
		    isolation_of_educators_is_personnel_information),
		/* last: it joins the isolated schools to the network */
		cmocka_unit_test(cross_school_observations_tie_and_bridge),
		cmocka_unit_test(
		    shared_staff_tie_schools_and_inactive_schools_drop_out),
	};
	return cmocka_run_group_tests(tests, setup, improve_teardown);
}
