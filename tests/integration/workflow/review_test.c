/* SPDX-License-Identifier: MIT
 * Review and approval through a real tandemd and PostgreSQL: review states
 * change with comments, scoped by role; an approved month is locked
 * against new outcomes and corrections until unapproved, and an approved
 * survey administration window against new responses and corrections,
 * with every transition in approval_log (survey_approval_log) and the
 * audit log, for each role allowed and refused.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static char     conninfo[512];
static h_server srv;
static int      seq;

enum { ADMIN, S101, S102, D1, D2, COUNCIL, EVAL, N_WHO };
static td_client *who[N_WHO];
static char       ids[N_WHO][40];

static td_client *
make_client(const char *role, const char *school, const char *district,
            char *id_out)
{
	Tandem__V1__CreateClientRequest req
	    = TANDEM__V1__CREATE_CLIENT_REQUEST__INIT;
	req.name                             = (char *) role;
	req.role                             = (char *) role;
	req.school                           = (char *) school;
	req.district                         = (char *) district;
	Tandem__V1__CreateClientResponse *r  = NULL;
	td_status                         st = { 0 };
	assert_int_equal(td_admin_create_client(who[ADMIN], &req, &r, &st),
	                 TD_CODE_OK);
	strcpy(id_out, r->client->id);
	td_client *c = h_client_token(&srv, 30000, r->token);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return c;
}

static int
setup(void **state)
{
	(void) state;
	h_db_create("review", conninfo);
	h_server_start(&srv, conninfo, NULL);
	who[ADMIN]          = h_client(&srv, 30000);
	const char *files[] = { "districts", "schools", "measures" };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(h_run("%s/tandem --server %s define %s "
		                       "%s/tests/fixtures/%s.csv >/dev/null",
		                       h_bin_dir(), srv.url, files[i],
		                       h_source_dir(), files[i]),
		                 0);
	}
	assert_int_equal(h_run("%s/tandem --server %s define survey --code "
	                       "climate %s/tests/fixtures/survey_climate.csv "
	                       ">/dev/null",
	                       h_bin_dir(), srv.url, h_source_dir()),
	                 0);
	who[S101]    = make_client("school", "S101", "", ids[S101]);
	who[S102]    = make_client("school", "S102", "", ids[S102]);
	who[D1]      = make_client("district", "", "D1", ids[D1]);
	who[D2]      = make_client("district", "", "D2", ids[D2]);
	who[COUNCIL] = make_client("council", "", "", ids[COUNCIL]);
	who[EVAL]    = make_client("evaluator", "", "", ids[EVAL]);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	for (int i = 0; i < N_WHO; i++) {
		td_client_destroy(who[i]);
	}
	assert_int_equal(h_server_stop(&srv), 0);
	return 0;
}

/* submit sends one attendance outcome for school in month (YYYY-MM) as
 * client c; returns the code, the status's first detail rule in rule. */
static int
submit(td_client *c, const char *school, const char *month,
       const char *subgroup, bool correction, char *id_out, char *rule)
{
	char d0[16], d1[16], id[64];
	snprintf(d0, sizeof(d0), "%s-01", month);
	snprintf(d1, sizeof(d1), "%s-28", month);
	snprintf(id, sizeof(id), "review-%d-%d", (int) getpid(), ++seq);
	Tandem__V1__Outcome o                = TANDEM__V1__OUTCOME__INIT;
	o.school                             = (char *) school;
	o.measure                            = "attendance";
	o.period_start                       = d0;
	o.period_end                         = d1;
	o.value                              = 93.5;
	o.n                                  = 300;
	o.subgroup                           = (char *) subgroup;
	Tandem__V1__Outcome              *op = &o;
	Tandem__V1__SubmitOutcomesRequest req
	    = TANDEM__V1__SUBMIT_OUTCOMES_REQUEST__INIT;
	req.submission_id              = id;
	req.correction                 = correction;
	req.outcomes                   = &op;
	req.n_outcomes                 = 1;
	Tandem__V1__SubmitResponse *r  = NULL;
	td_status                   st = { 0 };
	int code = td_ingest_submit_outcomes(c, &req, &r, &st);
	if (rule != NULL) {
		snprintf(rule, 32, "%s",
		         st.n_details ? st.details[0].rule : "");
	}
	if (id_out != NULL) {
		strcpy(id_out, id);
	}
	if (r != NULL) {
		protobuf_c_message_free_unpacked(&r->base, NULL);
	}
	td_status_reset(&st);
	return code;
}

static int
review(td_client *c, const char *id, const char *state, const char *comment)
{
	Tandem__V1__ReviewSubmissionRequest req
	    = TANDEM__V1__REVIEW_SUBMISSION_REQUEST__INIT;
	req.submission_id                          = (char *) id;
	req.state                                  = (char *) state;
	req.comment                                = (char *) comment;
	Tandem__V1__ReviewSubmissionResponse *resp = NULL;
	td_status                             st   = { 0 };
	int code = td_review_submission(c, &req, &resp, &st);
	if (code == TD_CODE_OK) {
		assert_string_equal(resp->submission->review_state, state);
		assert_string_equal(resp->submission->comment, comment);
		protobuf_c_message_free_unpacked(&resp->base, NULL);
	}
	td_status_reset(&st);
	return code;
}

static void
review_states_change_with_comments(void **state)
{
	(void) state;
	char id[64], sql[300];
	assert_int_equal(
	    submit(who[S101], "S101", "2024-01", "", false, id, NULL),
	    TD_CODE_OK);
	assert_int_equal(review(who[S101], id, "has_issues", "Jan looks low"),
	                 TD_CODE_OK);
	/* another school, another district, an evaluator: refused */
	assert_int_equal(review(who[S102], id, "approved", ""),
	                 TD_CODE_PERMISSION_DENIED);
	assert_int_equal(review(who[D2], id, "approved", ""),
	                 TD_CODE_PERMISSION_DENIED);
	assert_int_equal(review(who[EVAL], id, "approved", ""),
	                 TD_CODE_PERMISSION_DENIED);
	assert_int_equal(review(who[S101], id, "lost", ""),
	                 TD_CODE_INVALID_ARGUMENT);
	assert_int_equal(review(who[S101], "no-such-id", "approved", ""),
	                 TD_CODE_NOT_FOUND);
	/* the school's district may */
	assert_int_equal(review(who[D1], id, "approved", "checked with SIS"),
	                 TD_CODE_OK);
	snprintf(sql, sizeof(sql),
	         "SELECT string_agg(r.state || ':' || r.comment || ':' || "
	         "r.client_id, '|' ORDER BY r.id) FROM submission_reviews r "
	         "JOIN submissions s ON s.seq = r.submission_seq WHERE s.id = "
	         "'%s'",
	         id);
	char want[300];
	snprintf(want, sizeof(want),
	         "has_issues:Jan looks low:%s|approved:checked with SIS:%s",
	         ids[S101], ids[D1]);
	assert_string_equal(h_sql_text(conninfo, sql), want);

	/* list submissions: a school sees its own, by state */
	Tandem__V1__ListSubmissionsRequest lq
	    = TANDEM__V1__LIST_SUBMISSIONS_REQUEST__INIT;
	lq.state                                = "approved";
	Tandem__V1__ListSubmissionsResponse *lr = NULL;
	td_status                            st = { 0 };
	assert_int_equal(td_review_list_submissions(who[S101], &lq, &lr, &st),
	                 TD_CODE_OK);
	bool found = false;
	for (size_t i = 0; i < lr->n_submissions; i++) {
		assert_string_equal(lr->submissions[i]->review_state,
		                    "approved");
		found |= strcmp(lr->submissions[i]->id, id) == 0;
	}
	assert_true(found);
	protobuf_c_message_free_unpacked(&lr->base, NULL);
	assert_int_equal(td_review_list_submissions(who[S102], &lq, &lr, &st),
	                 TD_CODE_OK);
	assert_int_equal(lr->n_submissions, 0);
	protobuf_c_message_free_unpacked(&lr->base, NULL);
	td_status_reset(&st);
}

/* action: 'a'pprove, a'c'cept, 'u'napprove at school / district / network
 * (both NULL) level for 2024-03. */
/* approval_call: approve ('a'), accept ('c') or unapprove ('u') req at
 * school, district or (neither) the network as c; the code. */
static int
approval_call(td_client *c, char action, Tandem__V1__ApprovalRequest *req,
              const char *school, const char *district)
{
	req->school                      = (char *) (school ? school : "");
	req->district                    = (char *) (district ? district : "");
	Tandem__V1__ApprovalResponse *r  = NULL;
	td_status                     st = { 0 };
	int code = action == 'a' ? td_review_approve(c, req, &r, &st)
	    : action == 'c'      ? td_review_accept(c, req, &r, &st)
	                         : td_review_unapprove(c, req, &r, &st);
	if (r != NULL) {
		protobuf_c_message_free_unpacked(&r->base, NULL);
	}
	td_status_reset(&st);
	return code;
}

static int
approval(td_client *c, char action, const char *school, const char *district)
{
	Tandem__V1__ApprovalRequest req = TANDEM__V1__APPROVAL_REQUEST__INIT;
	req.measure                     = "attendance";
	req.period                      = "2024-03";
	return approval_call(c, action, &req, school, district);
}

static long long
outcomes_in_march(void)
{
	return h_sql_int(conninfo,
	                 "SELECT count(*) FROM outcomes WHERE "
	                 "period_start = '2024-03-01'");
}

static void
approval_locks_and_unlocks(void **state)
{
	(void) state;
	char rule[32];
	assert_int_equal(
	    submit(who[S101], "S101", "2024-03", "", false, NULL, NULL),
	    TD_CODE_OK);
	assert_int_equal(
	    submit(who[S102], "S102", "2024-03", "", false, NULL, NULL),
	    TD_CODE_OK);
	/* who may approve S101's month: S101 and D1 (and admin) only */
	assert_int_equal(approval(who[S102], 'a', "S101", NULL),
	                 TD_CODE_PERMISSION_DENIED);
	assert_int_equal(approval(who[D2], 'a', "S101", NULL),
	                 TD_CODE_PERMISSION_DENIED);
	assert_int_equal(approval(who[COUNCIL], 'a', "S101", NULL),
	                 TD_CODE_PERMISSION_DENIED);
	assert_int_equal(approval(who[EVAL], 'a', "S101", NULL),
	                 TD_CODE_PERMISSION_DENIED);
	assert_int_equal(approval(who[D1], 'c', "S101", NULL),
	                 TD_CODE_FAILED_PRECONDITION); /* not approved */
	assert_int_equal(approval(who[S101], 'a', "S101", NULL), TD_CODE_OK);
	assert_int_equal(approval(who[S101], 'a', "S101", NULL),
	                 TD_CODE_FAILED_PRECONDITION); /* already */

	/* locked: new data and corrections for S101's March are refused,
	 * naming the lock; nothing is stored; other months and schools are
	 * not locked */
	long long before = outcomes_in_march();
	assert_int_equal(
	    submit(who[S101], "S101", "2024-03", "ell", false, NULL, rule),
	    TD_CODE_FAILED_PRECONDITION);
	assert_string_equal(rule, "locked");
	assert_int_equal(
	    submit(who[S101], "S101", "2024-03", "", true, NULL, rule),
	    TD_CODE_FAILED_PRECONDITION);
	assert_string_equal(rule, "locked");
	assert_int_equal(outcomes_in_march(), before);
	assert_int_equal(
	    submit(who[S101], "S101", "2024-04", "", false, NULL, NULL),
	    TD_CODE_OK);
	assert_int_equal(
	    submit(who[S102], "S102", "2024-03", "", true, NULL, NULL),
	    TD_CODE_OK);

	/* accept is the district's: not the school's, not another district */
	assert_int_equal(approval(who[S101], 'c', "S101", NULL),
	                 TD_CODE_PERMISSION_DENIED);
	assert_int_equal(approval(who[D2], 'c', "S101", NULL),
	                 TD_CODE_PERMISSION_DENIED);
	assert_int_equal(approval(who[D1], 'c', "S101", NULL), TD_CODE_OK);
	/* once accepted, the school may no longer unapprove */
	assert_int_equal(approval(who[S101], 'u', "S101", NULL),
	                 TD_CODE_FAILED_PRECONDITION);
	/* the district level needs every school with data accepted:
	 * S102 is not */
	assert_int_equal(approval(who[D1], 'a', NULL, "D1"),
	                 TD_CODE_FAILED_PRECONDITION);
	assert_int_equal(approval(who[S101], 'a', NULL, "D1"),
	                 TD_CODE_PERMISSION_DENIED);

	/* the district unapproves: unlocked, a correction goes in */
	assert_int_equal(approval(who[D1], 'u', "S101", NULL), TD_CODE_OK);
	assert_int_equal(
	    submit(who[S101], "S101", "2024-03", "", true, NULL, NULL),
	    TD_CODE_OK);

	/* the network level: the council's; it locks every school */
	assert_int_equal(approval(who[D1], 'a', NULL, NULL),
	                 TD_CODE_PERMISSION_DENIED);
	assert_int_equal(approval(who[COUNCIL], 'c', NULL, NULL),
	                 TD_CODE_INVALID_ARGUMENT); /* nothing above */
	assert_int_equal(approval(who[COUNCIL], 'a', NULL, NULL), TD_CODE_OK);
	assert_int_equal(
	    submit(who[S102], "S102", "2024-03", "", true, NULL, rule),
	    TD_CODE_FAILED_PRECONDITION);
	assert_string_equal(rule, "locked");
	assert_int_equal(approval(who[COUNCIL], 'u', NULL, NULL), TD_CODE_OK);
	assert_int_equal(
	    submit(who[S102], "S102", "2024-03", "", true, NULL, NULL),
	    TD_CODE_OK);

	/* every transition logged with who did it */
	char sql[400], want[300];
	assert_string_equal(
	    h_sql_text(conninfo,
	               "SELECT string_agg(level || ':' || action || ':' || "
	               "client_id, '|' ORDER BY id) FROM approval_log"),
	    (snprintf(want, sizeof(want),
	              "school:approve:%s|school:accept:%s|school:unapprove:%s"
	              "|network:approve:%s|network:unapprove:%s",
	              ids[S101], ids[D1], ids[D1], ids[COUNCIL], ids[COUNCIL]),
	     want));
	/* and every call, allowed or refused, in the audit log */
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM audit_log WHERE method = "
	         "'/tandem.v1.Review/Approve' AND client_id = '%s' AND "
	         "status = 'PERMISSION_DENIED'",
	         ids[D2]);
	assert_int_equal(h_sql_int_until(conninfo, sql, 1), 1);
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM audit_log WHERE method = "
	         "'/tandem.v1.Review/Accept' AND client_id = '%s' AND status "
	         "= 'OK'",
	         ids[D1]);
	assert_int_equal(h_sql_int_until(conninfo, sql, 1), 1);
	assert_int_equal(h_sql_int(conninfo, "SELECT count(*) FROM approvals"),
	                 0);
}

/* points: how many points the run chart of S101 (or the network, school
 * NULL) has, or -1 with the code when the call fails. */
static int
points(const char *school, bool approved_only, int *code)
{
	Tandem__V1__SeriesQuery q = TANDEM__V1__SERIES_QUERY__INIT;
	td_measure              key;
	char                    err[TD_ERRMSG_MAX];
	assert_int_equal(td_measure_parse(&key, "attendance", err), TD_OK);
	q.measure       = &key.key;
	q.level         = school ? TANDEM__V1__SCOPE_LEVEL__SCHOOL
	                         : TANDEM__V1__SCOPE_LEVEL__NETWORK;
	q.code          = (char *) (school ? school : "");
	q.approved_only = approved_only;
	Tandem__V1__RunChartRequest req = TANDEM__V1__RUN_CHART_REQUEST__INIT;
	req.query                       = &q;
	Tandem__V1__SeriesResponse *r   = NULL;
	td_status                   st  = { 0 };
	*code = td_analysis_run_chart(who[ADMIN], &req, &r, &st);
	int n = -1;
	if (*code == TD_CODE_OK) {
		n = (int) r->series[0]->n_points;
		protobuf_c_message_free_unpacked(&r->base, NULL);
	}
	td_status_reset(&st);
	return n;
}

/* --approved-only keeps the months approved at the series' level or
 * above: S101 has January, March and April; only March is approved. */
static void
approved_only_keeps_approved_months(void **state)
{
	(void) state;
	int code;
	assert_int_equal(points("S101", false, &code), 3);
	assert_int_equal(approval(who[S101], 'a', "S101", NULL), TD_CODE_OK);
	assert_int_equal(points("S101", true, &code), 1);
	/* a school's approval does not approve the network's total */
	assert_int_equal(points(NULL, true, &code), -1);
	assert_int_equal(code, TD_CODE_NOT_FOUND);
	assert_int_equal(approval(who[COUNCIL], 'a', NULL, NULL), TD_CODE_OK);
	assert_int_equal(points(NULL, true, &code), 1);
	assert_int_equal(approval(who[COUNCIL], 'u', NULL, NULL), TD_CODE_OK);
	assert_int_equal(approval(who[S101], 'u', "S101", NULL), TD_CODE_OK);
	assert_int_equal(points("S101", true, &code), -1);
}

/* Reporting rates by hand: D1's schools S101 and S102 are expected each
 * month of attendance's frequency (monthly) from January to April;
 * S101 sent January, March and April, S102 March, all loaded today, long
 * after each month's due date (month end + 15 timely days). So every
 * report is late, unless a backfill date says that history before it is
 * not counted late:
 *   month    expected reported rate  on time (none) on time (2024-04-01)
 *   2024-01  2        1        50%   0 -> 0%        1 -> 100%
 *   2024-02  2        0        0%    0              0
 *   2024-03  2        2        100%  0 -> 0%        2 -> 100%
 *   2024-04  2        1        50%   0 -> 0%        0 -> 0% (ends after) */
static void
reporting_rates_with_and_without_backfill(void **state)
{
	(void) state;
	static const struct {
		const char *period;
		int         expected, reported, on_time_backfill;
	} want[] = { { "2024-01", 2, 1, 1 },
		     { "2024-02", 2, 0, 0 },
		     { "2024-03", 2, 2, 2 },
		     { "2024-04", 2, 1, 0 } };
	for (int backfill = 0; backfill < 2; backfill++) {
		Tandem__V1__CompletenessRequest req
		    = TANDEM__V1__COMPLETENESS_REQUEST__INIT;
		req.measure         = "attendance";
		req.district        = "D1";
		req.from            = "2024-01-01";
		req.to              = "2024-04-30";
		req.backfill_before = backfill ? "2024-04-01" : "";
		Tandem__V1__CompletenessResponse *r  = NULL;
		td_status                         st = { 0 };
		assert_int_equal(
		    td_analysis_completeness(who[D1], &req, &r, &st),
		    TD_CODE_OK);
		assert_int_equal(r->n_rows, 4);
		for (size_t i = 0; i < 4; i++) {
			const Tandem__V1__CompletenessRow *row = r->rows[i];
			int on = backfill ? want[i].on_time_backfill : 0;
			assert_string_equal(row->period, want[i].period);
			assert_int_equal(row->expected, want[i].expected);
			assert_int_equal(row->reported, want[i].reported);
			assert_true(
			    fabs(row->reporting_rate
			         - 100.0 * want[i].reported / want[i].expected)
			    < 1e-9);
			assert_int_equal(row->on_time, on);
			assert_true(fabs(row->timeliness
			                 - (want[i].reported
			                        ? 100.0 * on / want[i].reported
			                        : 0))
			            < 1e-9);
		}
		protobuf_c_message_free_unpacked(&r->base, NULL);
		td_status_reset(&st);
	}
}

/* ---- survey administration windows ---- */

/* window: the approval call for climate's October 2024 window. */
static int
window(td_client *c, char action, const char *school, const char *district)
{
	Tandem__V1__ApprovalRequest req = TANDEM__V1__APPROVAL_REQUEST__INIT;
	req.survey                      = "climate";
	req.window_from                 = "2024-10-01";
	req.window_to                   = "2024-10-31";
	return approval_call(c, action, &req, school, district);
}

/* respond sends one climate response of respondent at school on day as
 * c; the code, the first detail's rule and message in rule/msg. */
static int
respond(td_client *c, const char *school, const char *respondent,
        const char *day, bool correction, char *rule, char *msg)
{
	static char *items[] = { "q1", "q2", "q3", "q4" };
	int32_t      vals[]  = { 4, 3, 2, 5 };
	char         id[64];
	snprintf(id, sizeof(id), "review-%d-%d", (int) getpid(), ++seq);
	Tandem__V1__SurveyResponse x = TANDEM__V1__SURVEY_RESPONSE__INIT;
	x.school                     = (char *) school;
	x.respondent                 = (char *) respondent;
	x.administered_on            = (char *) day;
	x.grade                      = "4";
	x.values                     = vals;
	x.n_values                   = 4;
	Tandem__V1__SurveyResponse              *xp = &x;
	Tandem__V1__SubmitSurveyResponsesRequest req
	    = TANDEM__V1__SUBMIT_SURVEY_RESPONSES_REQUEST__INIT;
	req.submission_id              = id;
	req.correction                 = correction;
	req.survey                     = "climate";
	req.items                      = items;
	req.n_items                    = 4;
	req.responses                  = &xp;
	req.n_responses                = 1;
	Tandem__V1__SubmitResponse *r  = NULL;
	td_status                   st = { 0 };
	int code = td_ingest_submit_survey_responses(c, &req, &r, &st);
	if (rule != NULL) {
		snprintf(rule, 32, "%s",
		         st.n_details ? st.details[0].rule : "");
	}
	if (msg != NULL) {
		snprintf(msg, 300, "%s",
		         st.n_details ? st.details[0].message : "");
	}
	if (r != NULL) {
		protobuf_c_message_free_unpacked(&r->base, NULL);
	}
	td_status_reset(&st);
	return code;
}

static long long
responses_in_october(void)
{
	return h_sql_int(conninfo,
	                 "SELECT count(*) FROM survey_responses WHERE "
	                 "administered_on BETWEEN '2024-10-01' AND "
	                 "'2024-10-31'");
}

/* Each level of a window's approval, for every role allowed and refused;
 * while approved, new responses and corrections dated in the window at
 * the schools it covers are refused naming the lock, nothing stored. */
static void
survey_window_locks_and_unlocks(void **state)
{
	(void) state;
	char rule[32], msg[300], sql[400];
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM audit_log WHERE method = "
	         "'/tandem.v1.Review/Approve' AND client_id = '%s' AND "
	         "status = 'PERMISSION_DENIED'",
	         ids[EVAL]);
	long long refused = h_sql_int(conninfo, sql);
	assert_int_equal(
	    respond(who[S101], "S101", "W-1", "2024-10-07", false, NULL, NULL),
	    TD_CODE_OK);
	assert_int_equal(
	    respond(who[S102], "S102", "W-2", "2024-10-08", false, NULL, NULL),
	    TD_CODE_OK);

	/* the school level: its own school or its district, nobody else */
	assert_int_equal(window(who[S102], 'a', "S101", NULL),
	                 TD_CODE_PERMISSION_DENIED);
	assert_int_equal(window(who[D2], 'a', "S101", NULL),
	                 TD_CODE_PERMISSION_DENIED);
	assert_int_equal(window(who[COUNCIL], 'a', "S101", NULL),
	                 TD_CODE_PERMISSION_DENIED);
	assert_int_equal(window(who[EVAL], 'a', "S101", NULL),
	                 TD_CODE_PERMISSION_DENIED);
	assert_int_equal(window(who[S101], 'a', "S101", NULL), TD_CODE_OK);
	assert_int_equal(window(who[S101], 'a', "S101", NULL),
	                 TD_CODE_FAILED_PRECONDITION); /* already */

	/* locked: a new response and a correction in the window are
	 * refused by name; outside it, or at S102, they are not */
	long long before = responses_in_october();
	assert_int_equal(
	    respond(who[S101], "S101", "W-3", "2024-10-09", false, rule, msg),
	    TD_CODE_FAILED_PRECONDITION);
	assert_string_equal(rule, "locked");
	assert_non_null(strstr(msg,
	                       "survey climate window "
	                       "2024-10-01..2024-10-31 is approved at "
	                       "the school level by S101"));
	assert_int_equal(
	    respond(who[S101], "S101", "W-1", "2024-10-07", true, rule, NULL),
	    TD_CODE_FAILED_PRECONDITION);
	assert_string_equal(rule, "locked");
	assert_int_equal(responses_in_october(), before);
	assert_int_equal(
	    respond(who[S101], "S101", "W-3", "2024-11-04", false, NULL, NULL),
	    TD_CODE_OK);
	assert_int_equal(
	    respond(who[S102], "S102", "W-2", "2024-10-08", true, NULL, NULL),
	    TD_CODE_OK);

	/* accept is the district's */
	assert_int_equal(window(who[S101], 'c', "S101", NULL),
	                 TD_CODE_PERMISSION_DENIED);
	assert_int_equal(window(who[D2], 'c', "S101", NULL),
	                 TD_CODE_PERMISSION_DENIED);
	assert_int_equal(window(who[D1], 'c', "S101", NULL), TD_CODE_OK);
	assert_int_equal(window(who[S101], 'u', "S101", NULL),
	                 TD_CODE_FAILED_PRECONDITION); /* accepted */
	/* the district level needs S102 (responses in the window) too */
	assert_int_equal(window(who[D1], 'a', NULL, "D1"),
	                 TD_CODE_FAILED_PRECONDITION);
	assert_int_equal(window(who[S102], 'a', "S102", NULL), TD_CODE_OK);
	assert_int_equal(window(who[D1], 'c', "S102", NULL), TD_CODE_OK);
	assert_int_equal(window(who[S101], 'a', NULL, "D1"),
	                 TD_CODE_PERMISSION_DENIED);
	assert_int_equal(window(who[D2], 'a', NULL, "D1"),
	                 TD_CODE_PERMISSION_DENIED);
	assert_int_equal(window(who[D1], 'a', NULL, "D1"), TD_CODE_OK);
	/* the district's acceptance is the council's */
	assert_int_equal(window(who[D1], 'c', NULL, "D1"),
	                 TD_CODE_PERMISSION_DENIED);
	assert_int_equal(window(who[COUNCIL], 'c', NULL, "D1"), TD_CODE_OK);
	assert_int_equal(window(who[D1], 'u', NULL, "D1"),
	                 TD_CODE_FAILED_PRECONDITION);
	assert_int_equal(window(who[COUNCIL], 'u', NULL, "D1"), TD_CODE_OK);
	/* the schools' approvals still lock; the district unapproves */
	assert_int_equal(window(who[D1], 'u', "S101", NULL), TD_CODE_OK);
	assert_int_equal(window(who[D1], 'u', "S102", NULL), TD_CODE_OK);
	assert_int_equal(
	    respond(who[S101], "S101", "W-1", "2024-10-07", true, NULL, NULL),
	    TD_CODE_OK);

	/* the network level: the council's; it locks every school */
	assert_int_equal(window(who[D1], 'a', NULL, NULL),
	                 TD_CODE_PERMISSION_DENIED);
	assert_int_equal(window(who[EVAL], 'a', NULL, NULL),
	                 TD_CODE_PERMISSION_DENIED);
	assert_int_equal(window(who[COUNCIL], 'a', NULL, NULL), TD_CODE_OK);
	assert_int_equal(respond(who[ADMIN], "S201", "W-4", "2024-10-10",
	                         false, rule, NULL),
	                 TD_CODE_FAILED_PRECONDITION);
	assert_string_equal(rule, "locked");
	/* listed with the measure approvals */
	Tandem__V1__ListApprovalsRequest lr
	    = TANDEM__V1__LIST_APPROVALS_REQUEST__INIT;
	lr.survey                             = "climate";
	Tandem__V1__ListApprovalsResponse *ls = NULL;
	td_status                          st = { 0 };
	assert_int_equal(td_review_list_approvals(who[COUNCIL], &lr, &ls, &st),
	                 TD_CODE_OK);
	assert_int_equal(ls->n_approvals, 1);
	assert_string_equal(ls->approvals[0]->survey, "climate");
	assert_string_equal(ls->approvals[0]->window_from, "2024-10-01");
	assert_string_equal(ls->approvals[0]->level, "network");
	protobuf_c_message_free_unpacked(&ls->base, NULL);
	td_status_reset(&st);
	assert_int_equal(window(who[COUNCIL], 'u', NULL, NULL), TD_CODE_OK);
	assert_int_equal(respond(who[ADMIN], "S201", "W-4", "2024-10-10",
	                         false, NULL, NULL),
	                 TD_CODE_OK);

	/* a window must be whole; an unknown survey is not found */
	Tandem__V1__ApprovalRequest bad = TANDEM__V1__APPROVAL_REQUEST__INIT;
	bad.survey                      = "climate";
	bad.window_from                 = "2024-10-31";
	bad.window_to                   = "2024-10-01";
	assert_int_equal(approval_call(who[COUNCIL], 'a', &bad, NULL, NULL),
	                 TD_CODE_INVALID_ARGUMENT);
	bad.survey      = "nosuch";
	bad.window_from = "2024-10-01";
	bad.window_to   = "2024-10-31";
	assert_int_equal(approval_call(who[COUNCIL], 'a', &bad, NULL, NULL),
	                 TD_CODE_NOT_FOUND);

	/* every transition logged with who did it; refusals audited */
	char want[1024];
	snprintf(want, sizeof(want),
	         "school:approve:%s|school:accept:%s|school:approve:%s|"
	         "school:accept:%s|district:approve:%s|district:accept:%s|"
	         "district:unapprove:%s|school:unapprove:%s|"
	         "school:unapprove:%s|network:approve:%s|"
	         "network:unapprove:%s",
	         ids[S101], ids[D1], ids[S102], ids[D1], ids[D1], ids[COUNCIL],
	         ids[COUNCIL], ids[D1], ids[D1], ids[COUNCIL], ids[COUNCIL]);
	assert_string_equal(
	    h_sql_text(conninfo,
	               "SELECT string_agg(level || ':' || action || ':' || "
	               "client_id, '|' ORDER BY id) FROM survey_approval_log"),
	    want);
	/* the CLI: approve, list and unapprove a window; a malformed
	 * --window is a usage error */
	assert_int_equal(
	    h_run(
	        "T='%s/tandem --server %s'; $T approve --survey climate "
	        "--window 2024-12-01..2024-12-20 --school S101 >/dev/null "
	        "&& $T --format csv list approvals --survey climate | grep -q "
	        "',school,S101,.*,climate,2024-12-01,2024-12-20$' && $T "
	        "unapprove --survey climate --window 2024-12-01..2024-12-20 "
	        "--school S101 >/dev/null",
	        h_bin_dir(), srv.url),
	    0);
	assert_int_equal(
	    h_run("%s/tandem --server %s approve --survey climate "
	          "--window 2024-12-01 2>/dev/null",
	          h_bin_dir(), srv.url),
	    2);
	/* the evaluator's two refused approvals of this test */
	assert_int_equal(h_sql_int_until(conninfo, sql, refused + 2),
	                 refused + 2);
	assert_int_equal(
	    h_sql_int(conninfo, "SELECT count(*) FROM survey_approvals"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(review_states_change_with_comments),
		cmocka_unit_test(approval_locks_and_unlocks),
		cmocka_unit_test(approved_only_keeps_approved_months),
		cmocka_unit_test(survey_window_locks_and_unlocks),
		cmocka_unit_test(reporting_rates_with_and_without_backfill),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
