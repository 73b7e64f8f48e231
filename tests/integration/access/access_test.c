/* SPDX-License-Identifier: MIT
 * Access control, audit and TLS through a real tandemd: every role against
 * every service (a table), scope checks on submitted and read records,
 * revocation that bites at once, tokens that never reach the database in
 * clear, an audit row for every call, an append-only audit log, TLS with a
 * trusted and an untrusted CA, and SQL-shaped strings stored verbatim.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static char     conninfo[512];
static char     tlsdir[128];
static char     tls_url[64];
static h_server srv;

enum { ADMIN, SCHOOL, DISTRICT, COUNCIL, EVALUATOR, NONE, N_WHO };
static const char *who_name[N_WHO]
    = { "admin", "school", "district", "council", "evaluator", "none" };
static td_client *who[N_WHO];
static char       school_client_id[40];

static td_client *
make_client(td_client *admin, const char *role, const char *school,
            const char *district, char *id_out)
{
	char token[H_TOKEN_MAX];
	h_create_client(admin, role, role, school, district, token, id_out);
	assert_int_equal(strncmp(token, "td_", 3), 0);
	assert_int_equal(strlen(token), 67); /* 256 bits in hex */
	return h_client_token(&srv, 30000, token);
}

static int
submit_outcomes(td_client *c, const char *const *schools, size_t n,
                const char *id, td_status *st)
{
	Tandem__V1__Outcome  o[16];
	Tandem__V1__Outcome *op[16];
	char                 start[16][16], end[16][16];
	for (size_t i = 0; i < n; i++) {
		tandem__v1__outcome__init(&o[i]);
		snprintf(start[i], 16, "2024-%02zu-01", 1 + i % 6);
		snprintf(end[i], 16, "2024-%02zu-28", 1 + i % 6);
		o[i].school       = (char *) schools[i];
		o[i].measure      = "m1";
		o[i].period_start = start[i];
		o[i].period_end   = end[i];
		o[i].value        = 50 + (double) i;
		o[i].n            = 100;
		op[i]             = &o[i];
	}
	Tandem__V1__SubmitOutcomesRequest req
	    = TANDEM__V1__SUBMIT_OUTCOMES_REQUEST__INIT;
	req.submission_id             = (char *) id;
	req.outcomes                  = op;
	req.n_outcomes                = n;
	Tandem__V1__SubmitResponse *r = NULL;
	int code = td_ingest_submit_outcomes(c, &req, &r, st);
	if (r) {
		protobuf_c_message_free_unpacked(&r->base, NULL);
	}
	return code;
}

static int
setup(void **state)
{
	(void) state;
	h_db_create("access", conninfo);
	snprintf(tlsdir, sizeof(tlsdir), "/tmp/tdtest-tls-%d", (int) getpid());
	/* A CA, a server certificate it signs for 127.0.0.1, and an
	 * unrelated CA the client must not trust. */
	h_tls_certs(tlsdir);
	char cert[200], key[200];
	snprintf(cert, sizeof(cert), "%s/server.pem", tlsdir);
	snprintf(key, sizeof(key), "%s/server.key", tlsdir);
	snprintf(tls_url, sizeof(tls_url), "tls+tcp://127.0.0.1:%d",
	         20000 + (int) getpid() % 20000);
	h_server_start(&srv, conninfo, "--listen", tls_url, "--tls-cert", cert,
	               "--tls-key", key, NULL);
	who[ADMIN] = h_client(&srv, 30000);
	/* The registry the scopes refer to. */
	td_status           st = { 0 };
	Tandem__V1__School  s[3];
	Tandem__V1__School *sp[3];
	const char         *codes[3] = { "S1", "S2", "S3" };
	for (int i = 0; i < 3; i++) {
		tandem__v1__school__init(&s[i]);
		s[i].district   = i < 2 ? "D1" : "D2";
		s[i].school     = (char *) codes[i];
		s[i].frl_rate   = NAN;
		s[i].enrollment = -1;
		sp[i]           = &s[i];
	}
	Tandem__V1__DefineSchoolsRequest sr
	    = TANDEM__V1__DEFINE_SCHOOLS_REQUEST__INIT;
	sr.schools                    = sp;
	sr.n_schools                  = 3;
	Tandem__V1__DefineResponse *r = NULL;
	assert_int_equal(td_registry_define_schools(who[ADMIN], &sr, &r, &st),
	                 TD_CODE_OK);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	Tandem__V1__Measure  m     = TANDEM__V1__MEASURE__INIT;
	Tandem__V1__Measure *mp[1] = { &m };
	m.measure                  = "m1";
	m.direction                = "higher";
	Tandem__V1__DefineMeasuresRequest mr
	    = TANDEM__V1__DEFINE_MEASURES_REQUEST__INIT;
	mr.measures   = mp;
	mr.n_measures = 1;
	assert_int_equal(td_registry_define_measures(who[ADMIN], &mr, &r, &st),
	                 TD_CODE_OK);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	who[SCHOOL]
	    = make_client(who[ADMIN], "school", "S1", "", school_client_id);
	who[DISTRICT]  = make_client(who[ADMIN], "district", "", "D1", NULL);
	who[COUNCIL]   = make_client(who[ADMIN], "council", "", "", NULL);
	who[EVALUATOR] = make_client(who[ADMIN], "evaluator", "", "", NULL);
	who[NONE]      = h_client_token(&srv, 30000, NULL);
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
	h_run("rm -rf %s", tlsdir);
	return 0;
}

/* One call per method family; returns the gRPC code. */
typedef int (*probe)(td_client *c, int who_i);

static int
p_health(td_client *c, int w)
{
	(void) w;
	Tandem__V1__HealthCheckRequest q
	    = TANDEM__V1__HEALTH_CHECK_REQUEST__INIT;
	Tandem__V1__HealthCheckResponse *r  = NULL;
	td_status                        st = { 0 };
	int code                            = td_health_check(c, &q, &r, &st);
	if (r) {
		protobuf_c_message_free_unpacked(&r->base, NULL);
	}
	td_status_reset(&st);
	return code;
}

static int
p_define(td_client *c, int w)
{
	Tandem__V1__Measure  m     = TANDEM__V1__MEASURE__INIT;
	Tandem__V1__Measure *mp[1] = { &m };
	char                 code[32];
	snprintf(code, sizeof(code), "probe_%s", who_name[w]);
	m.measure   = code;
	m.direction = "lower";
	Tandem__V1__DefineMeasuresRequest q
	    = TANDEM__V1__DEFINE_MEASURES_REQUEST__INIT;
	q.measures                     = mp;
	q.n_measures                   = 1;
	Tandem__V1__DefineResponse *r  = NULL;
	td_status                   st = { 0 };
	int rv = td_registry_define_measures(c, &q, &r, &st);
	if (r) {
		protobuf_c_message_free_unpacked(&r->base, NULL);
	}
	td_status_reset(&st);
	return rv;
}

static int
p_list(td_client *c, int w)
{
	(void) w;
	Tandem__V1__ListSchoolsRequest q
	    = TANDEM__V1__LIST_SCHOOLS_REQUEST__INIT;
	Tandem__V1__ListSchoolsResponse *r  = NULL;
	td_status                        st = { 0 };
	int rv = td_registry_list_schools(c, &q, &r, &st);
	if (r) {
		protobuf_c_message_free_unpacked(&r->base, NULL);
	}
	td_status_reset(&st);
	return rv;
}

static int
p_submit(td_client *c, int w)
{
	const char *s[1] = { "S1" };
	char        id[64];
	td_status   st = { 0 };
	snprintf(id, sizeof(id), "probe-%s-%d", who_name[w], (int) getpid());
	int rv = submit_outcomes(c, s, 1, id, &st);
	td_status_reset(&st);
	return rv;
}

static int
p_costs(td_client *c, int w)
{
	(void) w;
	Tandem__V1__Cost  k     = TANDEM__V1__COST__INIT;
	Tandem__V1__Cost *kp[1] = { &k };
	k.activity              = "nosuch";
	k.year                  = 2024;
	k.ingredient            = "x";
	k.category              = "other";
	Tandem__V1__SubmitCostsRequest q
	    = TANDEM__V1__SUBMIT_COSTS_REQUEST__INIT;
	q.submission_id                = "probe-costs";
	q.costs                        = kp;
	q.n_costs                      = 1;
	Tandem__V1__SubmitResponse *r  = NULL;
	td_status                   st = { 0 };
	int rv = td_ingest_submit_costs(c, &q, &r, &st);
	if (r) {
		protobuf_c_message_free_unpacked(&r->base, NULL);
	}
	td_status_reset(&st);
	return rv;
}

static int
run_chart(td_client *c, Tandem__V1__ScopeLevel level, const char *code)
{
	Tandem__V1__MeasureKey  key    = TANDEM__V1__MEASURE_KEY__INIT;
	Tandem__V1__SeriesQuery q      = TANDEM__V1__SERIES_QUERY__INIT;
	key.kind_case                  = TANDEM__V1__MEASURE_KEY__KIND_OUTCOME;
	key.outcome                    = "m1";
	q.measure                      = &key;
	q.level                        = level;
	q.code                         = (char *) code;
	Tandem__V1__RunChartRequest rq = TANDEM__V1__RUN_CHART_REQUEST__INIT;
	rq.query                       = &q;
	Tandem__V1__SeriesResponse *r  = NULL;
	td_status                   st = { 0 };
	int rv = td_analysis_run_chart(c, &rq, &r, &st);
	if (r) {
		protobuf_c_message_free_unpacked(&r->base, NULL);
	}
	td_status_reset(&st);
	return rv;
}

static int
p_network(td_client *c, int w)
{
	(void) w;
	return run_chart(c, TANDEM__V1__SCOPE_LEVEL__NETWORK, "");
}

static int
p_own_school(td_client *c, int w)
{
	(void) w;
	return run_chart(c, TANDEM__V1__SCOPE_LEVEL__SCHOOL, "S1");
}

static int
p_other_district(td_client *c, int w)
{
	(void) w;
	return run_chart(c, TANDEM__V1__SCOPE_LEVEL__DISTRICT, "D2");
}

static int
p_roi(td_client *c, int w)
{
	(void) w;
	Tandem__V1__RoiRequest q = TANDEM__V1__ROI_REQUEST__INIT;
	q.measure                = h_outcome("m1");
	q.pre_from = "2024-01-01", q.pre_to = "2024-03-31";
	q.post_from = "2024-04-01", q.post_to = "2024-06-30";
	Tandem__V1__RoiResponse *r  = NULL;
	td_status                st = { 0 };
	int                      rv = td_analysis_roi(c, &q, &r, &st);
	if (r) {
		protobuf_c_message_free_unpacked(&r->base, NULL);
	}
	td_status_reset(&st);
	return rv;
}

static int
p_admin(td_client *c, int w)
{
	(void) w;
	Tandem__V1__ListClientsRequest q
	    = TANDEM__V1__LIST_CLIENTS_REQUEST__INIT;
	Tandem__V1__ListClientsResponse *r  = NULL;
	td_status                        st = { 0 };
	int rv = td_admin_list_clients(c, &q, &r, &st);
	if (r) {
		protobuf_c_message_free_unpacked(&r->base, NULL);
	}
	td_status_reset(&st);
	return rv;
}

/* Expected outcome per role: Y allowed (the call gets past access
 * control), P PERMISSION_DENIED, U UNAUTHENTICATED. */
static const struct {
	const char *what;
	probe       fn;
	const char *expect; /* admin school district council evaluator none */
} table[] = {
	{ "Health/Check", p_health, "YYYYYY" },
	{ "Registry/DefineMeasures", p_define, "YPPPPU" },
	{ "Registry/ListSchools", p_list, "YYYYYU" },
	{ "Ingest/SubmitOutcomes (S1)", p_submit, "YYYPPU" },
	{ "Ingest/SubmitCosts", p_costs, "YPPPYU" },
	/* the network pooled: every role (a school reads itself against it) */
	{ "Analysis/RunChart network", p_network, "YYYYYU" },
	{ "Analysis/RunChart school S1", p_own_school, "YYYYYU" },
	{ "Analysis/RunChart district D2", p_other_district, "YPPYYU" },
	{ "Analysis/Roi", p_roi, "YPPYYU" },
	{ "Admin/ListClients", p_admin, "YPPPPU" },
};

static void
every_role_against_every_service(void **state)
{
	(void) state;
	for (size_t t = 0; t < sizeof(table) / sizeof(table[0]); t++) {
		for (int w = 0; w < N_WHO; w++) {
			int  code = table[t].fn(who[w], w);
			char e    = table[t].expect[w];
			bool ok = e == 'Y' ? code != TD_CODE_PERMISSION_DENIED
			        && code != TD_CODE_UNAUTHENTICATED
			    : e == 'P' ? code == TD_CODE_PERMISSION_DENIED
			               : code == TD_CODE_UNAUTHENTICATED;
			if (!ok) {
				fail_msg("%s as %s: got %s, expected %c",
				         table[t].what, who_name[w],
				         td_code_name(code), e);
			}
		}
	}
}

static void
cross_scope_submission_is_refused_and_nothing_stored(void **state)
{
	(void) state;
	long long before
	    = h_sql_int(conninfo, "SELECT count(*) FROM outcomes");
	const char *schools[3] = { "S1", "S2", "S3" };
	td_status   st         = { 0 };
	/* The school client may not send S2's or S3's records... */
	assert_int_equal(submit_outcomes(who[SCHOOL], schools, 3, "xs-1", &st),
	                 TD_CODE_PERMISSION_DENIED);
	bool s2 = false, s3 = false;
	for (size_t i = 0; i < st.n_details; i++) {
		assert_string_equal(st.details[i].rule, "scope");
		s2 |= st.details[i].record_index == 1;
		s3 |= st.details[i].record_index == 2;
	}
	assert_true(s2 && s3);
	assert_non_null(strstr(st.details[0].message, "S2"));
	/* ...and the district client (D1) not S3's. */
	assert_int_equal(
	    submit_outcomes(who[DISTRICT], schools, 3, "xs-2", &st),
	    TD_CODE_PERMISSION_DENIED);
	assert_int_equal(st.n_details, 1);
	assert_int_equal(st.details[0].record_index, 2);
	assert_int_equal(h_sql_int(conninfo, "SELECT count(*) FROM outcomes"),
	                 before);
	/* Within scope it goes in (S2 is in D1; S1's January is stored
	 * already by the role table). */
	const char *mine[2] = { "S2", "S2" };
	assert_int_equal(submit_outcomes(who[DISTRICT], mine, 2, "xs-3", &st),
	                 TD_CODE_OK);
	assert_int_equal(h_sql_int(conninfo, "SELECT count(*) FROM outcomes"),
	                 before + 2);
	td_status_reset(&st);
}

static void
revoked_token_is_refused_immediately(void **state)
{
	(void) state;
	char       id[40];
	td_client *c = make_client(who[ADMIN], "council", "", "", id);
	assert_int_equal(p_list(c, COUNCIL), TD_CODE_OK);
	Tandem__V1__RevokeClientRequest q
	    = TANDEM__V1__REVOKE_CLIENT_REQUEST__INIT;
	q.id                                 = id;
	Tandem__V1__RevokeClientResponse *r  = NULL;
	td_status                         st = { 0 };
	assert_int_equal(td_admin_revoke_client(who[ADMIN], &q, &r, &st),
	                 TD_CODE_OK);
	assert_true(r->client->revoked_at[0] != '\0');
	protobuf_c_message_free_unpacked(&r->base, NULL);
	assert_int_equal(p_list(c, COUNCIL), TD_CODE_UNAUTHENTICATED);
	td_client_destroy(c);
	td_status_reset(&st);
}

static void
token_clear_text_is_nowhere_in_the_database(void **state)
{
	(void) state;
	/* The harness's admin token, used for every admin call above. */
	const char *host = strstr(conninfo, "host=") + 5;
	const char *port = strstr(conninfo, "port=") + 5;
	const char *db   = strstr(conninfo, "dbname=") + 7;
	assert_int_equal(
	    h_run("pg_dump -h %.*s -p %d -U postgres %s | grep -q "
	          "-e '%s' -e '%s'",
	          (int) strcspn(host, " "), host, atoi(port), db, srv.token,
	          srv.token + 3),
	    1);
	assert_int_equal(
	    h_sql_int(conninfo,
	              "SELECT count(*) FROM api_clients "
	              "WHERE length(token_sha256) = 32"),
	    h_sql_int(conninfo, "SELECT count(*) FROM api_clients"));
}

static void
every_call_leaves_an_audit_row(void **state)
{
	(void) state;
	long long before
	    = h_sql_int(conninfo, "SELECT count(*) FROM audit_log");
	/* Three audited calls with different outcomes. */
	Tandem__V1__ListSchoolsRequest q
	    = TANDEM__V1__LIST_SCHOOLS_REQUEST__INIT;
	Tandem__V1__ListSchoolsResponse *r  = NULL;
	td_status                        st = { 0 };
	char                             rid[3][40];
	assert_int_equal(td_registry_list_schools(who[COUNCIL], &q, &r, &st),
	                 TD_CODE_OK);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	strcpy(rid[0], st.request_id);
	assert_int_equal(p_admin(who[SCHOOL], SCHOOL),
	                 TD_CODE_PERMISSION_DENIED);
	assert_int_equal(td_registry_list_schools(who[NONE], &q, &r, &st),
	                 TD_CODE_UNAUTHENTICATED);
	strcpy(rid[2], st.request_id);
	assert_int_equal(h_sql_int_until(conninfo,
	                                 "SELECT count(*) FROM audit_log",
	                                 before + 3),
	                 before + 3);
	char sql[256];
	snprintf(sql, sizeof(sql),
	         "SELECT status || ' ' || records || ' ' || (client_id IS NOT "
	         "NULL) FROM audit_log WHERE request_id = '%s'",
	         rid[0]);
	assert_string_equal(h_sql_text(conninfo, sql), "OK 3 true");
	snprintf(sql, sizeof(sql),
	         "SELECT status || ' ' || (client_id IS NULL) FROM audit_log "
	         "WHERE request_id = '%s'",
	         rid[2]);
	assert_string_equal(h_sql_text(conninfo, sql), "UNAUTHENTICATED true");
	/* The school client's denial is on record, with who asked. */
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM audit_log WHERE client_id = '%s' AND "
	         "status = 'PERMISSION_DENIED' AND method = "
	         "'/tandem.v1.Admin/ListClients'",
	         school_client_id);
	assert_true(h_sql_int(conninfo, sql) >= 1);
	/* Through the API too. */
	Tandem__V1__AuditRequest   aq = TANDEM__V1__AUDIT_REQUEST__INIT;
	Tandem__V1__AuditResponse *ar = NULL;
	aq.client                     = school_client_id;
	assert_int_equal(td_admin_audit(who[ADMIN], &aq, &ar, &st),
	                 TD_CODE_OK);
	assert_true(ar->n_rows >= 2);
	assert_string_equal(ar->rows[0]->client, school_client_id);
	protobuf_c_message_free_unpacked(&ar->base, NULL);
	td_status_reset(&st);
}

static void
audit_log_is_append_only(void **state)
{
	(void) state;
	assert_int_not_equal(h_run("psql '%s' -qc 'DELETE FROM audit_log' "
	                           "2>/dev/null",
	                           conninfo),
	                     0);
	assert_int_not_equal(h_run("psql '%s' -qc \"UPDATE audit_log SET "
	                           "status = 'OK'\" 2>/dev/null",
	                           conninfo),
	                     0);
	assert_true(h_sql_int(conninfo, "SELECT count(*) FROM audit_log") > 0);
}

static void
tls_round_trip_and_untrusted_ca_refused(void **state)
{
	(void) state;
	char           ca[200], other[200], err[TD_ERRMSG_MAX];
	const char    *urls[1] = { tls_url };
	td_client_opts o       = { 0 };
	td_client     *c       = NULL;
	snprintf(ca, sizeof(ca), "%s/ca.pem", tlsdir);
	snprintf(other, sizeof(other), "%s/other.pem", tlsdir);
	o.urls       = urls;
	o.n_urls     = 1;
	o.timeout_ms = 3000;
	o.tls_ca     = ca;
	assert_int_equal(td_client_create(&c, &o, err), TD_OK);
	assert_int_equal(p_health(c, ADMIN), TD_CODE_OK);
	td_client_destroy(c);
	o.tls_ca = other;
	assert_int_equal(td_client_create(&c, &o, err), TD_OK);
	int code = p_health(c, ADMIN);
	assert_true(code == TD_CODE_UNAVAILABLE
	            || code == TD_CODE_DEADLINE_EXCEEDED);
	td_client_destroy(c);
}

static void
sql_shaped_strings_are_stored_verbatim(void **state)
{
	(void) state;
	const char *evil = "Robert'); DROP TABLE schools;-- \\\" $1 %s \t";
	Tandem__V1__School  s     = TANDEM__V1__SCHOOL__INIT;
	Tandem__V1__School *sp[1] = { &s };
	s.district                = "D1";
	s.school                  = "S9";
	s.name                    = (char *) evil;
	s.grades                  = (char *) evil;
	s.frl_rate                = NAN;
	s.enrollment              = -1;
	Tandem__V1__DefineSchoolsRequest q
	    = TANDEM__V1__DEFINE_SCHOOLS_REQUEST__INIT;
	q.schools                      = sp;
	q.n_schools                    = 1;
	Tandem__V1__DefineResponse *r  = NULL;
	td_status                   st = { 0 };
	assert_int_equal(td_registry_define_schools(who[ADMIN], &q, &r, &st),
	                 TD_CODE_OK);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	Tandem__V1__ListSchoolsRequest lq
	    = TANDEM__V1__LIST_SCHOOLS_REQUEST__INIT;
	Tandem__V1__ListSchoolsResponse *lr = NULL;
	assert_int_equal(td_registry_list_schools(who[ADMIN], &lq, &lr, &st),
	                 TD_CODE_OK);
	bool found = false;
	for (size_t i = 0; i < lr->n_schools; i++) {
		if (strcmp(lr->schools[i]->school, "S9") == 0) {
			found = true;
			assert_string_equal(lr->schools[i]->name, evil);
			assert_string_equal(lr->schools[i]->grades, evil);
		}
	}
	assert_true(found);
	protobuf_c_message_free_unpacked(&lr->base, NULL);
	/* The same in an outcome's subgroup and a client's name. */
	Tandem__V1__CreateClientRequest cq
	    = TANDEM__V1__CREATE_CLIENT_REQUEST__INIT;
	cq.name                              = (char *) evil;
	cq.role                              = "council";
	Tandem__V1__CreateClientResponse *cr = NULL;
	assert_int_equal(td_admin_create_client(who[ADMIN], &cq, &cr, &st),
	                 TD_CODE_OK);
	assert_string_equal(cr->client->name, evil);
	protobuf_c_message_free_unpacked(&cr->base, NULL);
	assert_int_equal(h_sql_int(conninfo, "SELECT count(*) FROM schools"),
	                 4);
	td_status_reset(&st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_role_against_every_service),
		cmocka_unit_test(
		    cross_scope_submission_is_refused_and_nothing_stored),
		cmocka_unit_test(revoked_token_is_refused_immediately),
		cmocka_unit_test(token_clear_text_is_nowhere_in_the_database),
		cmocka_unit_test(every_call_leaves_an_audit_row),
		cmocka_unit_test(audit_log_is_append_only),
		cmocka_unit_test(tls_round_trip_and_untrusted_ca_refused),
		cmocka_unit_test(sql_shaped_strings_are_stored_verbatim),
	};
	return cmocka_run_group_tests_name("access", tests, setup, teardown);
}
