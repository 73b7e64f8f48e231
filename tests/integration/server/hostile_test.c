/* SPDX-License-Identifier: MIT
 * The bad-input catalogue: hostile or broken inputs on the wire, in
 * requests and in CSV files, each answered with a clear error (or, where
 * the input is merely unusual, handled correctly), nothing stored, and the
 * server still serving after every one.
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
static int        seq;

static long long
facts(void)
{
	return h_sql_int(conninfo,
	                 "SELECT (SELECT count(*) FROM outcomes) + (SELECT "
	                 "count(*) FROM survey_responses) + (SELECT count(*) "
	                 "FROM submissions)");
}

static void
still_serving(void)
{
	Tandem__V1__HealthCheckRequest q
	    = TANDEM__V1__HEALTH_CHECK_REQUEST__INIT;
	Tandem__V1__HealthCheckResponse *r  = NULL;
	td_status                        st = { 0 };
	assert_int_equal(td_health_check(cl, &q, &r, &st), TD_CODE_OK);
	assert_int_equal(
	    r->status,
	    TANDEM__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING);
	protobuf_c_message_free_unpacked(&r->base, NULL);
}

static int
setup(void **state)
{
	(void) state;
	h_db_create("hostile", conninfo);
	h_server_start(&srv, conninfo, "--max-message-bytes", "4194304", NULL);
	cl = h_client(&srv, 30000);
	snprintf(dir, sizeof(dir), "/tmp/tdtest-hostile-%d", (int) getpid());
	assert_int_equal(
	    h_run(
	        "mkdir -p %s && cd %s && printf 'district,school,name\\n"
	        "D1,S1,One\\nD1,S2,Two\\n' >schools.csv && printf "
	        "'measure,name,unit,direction\\nm1,M,pct,higher\\n"
	        "mp,P,percent,higher\\nmq,Q,proportion,higher\\n"
	        "mc,C,count,lower\\n' "
	        ">measures.csv && printf 'item,construct,min,max,"
	        "reverse_coded,favourable_at_least,text\\nq1,c,1,5,false,4,"
	        "A\\nq2,c,1,5,false,4,B\\n' >survey.csv && %s/tandem "
	        "--server %s define schools schools.csv >/dev/null && "
	        "%s/tandem --server %s define measures measures.csv "
	        ">/dev/null && %s/tandem --server %s define survey --code s1 "
	        "survey.csv >/dev/null",
	        dir, dir, h_bin_dir(), srv.url, h_bin_dir(), srv.url,
	        h_bin_dir(), srv.url),
	    0);
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

/* ---- on the wire ---- */

static Tandem__V1__ResponseEnvelope *
raw(const void *buf, size_t len)
{
	void     *reply = NULL;
	size_t    rlen  = 0;
	td_status st    = { 0 };
	assert_int_equal(td_call_bytes(cl, buf, len, &reply, &rlen, &st),
	                 TD_CODE_OK);
	Tandem__V1__ResponseEnvelope *env
	    = tandem__v1__response_envelope__unpack(NULL, rlen, reply);
	free(reply);
	assert_non_null(env);
	assert_non_null(env->status);
	return env;
}

static uint8_t *
envelope(const char *method, const void *payload, size_t plen, size_t *len)
{
	Tandem__V1__RequestEnvelope env = TANDEM__V1__REQUEST_ENVELOPE__INIT;
	env.method                      = (char *) method;
	env.payload.data                = (uint8_t *) payload;
	env.payload.len                 = plen;
	env.token                       = srv.token;
	*len       = tandem__v1__request_envelope__get_packed_size(&env);
	uint8_t *b = malloc(*len + 1);
	tandem__v1__request_envelope__pack(&env, b);
	return b;
}

typedef struct wire_case {
	const char *name;
	const char *bytes; /* NULL = built below */
	size_t      len;
	int         code;
} wire_case;

static void
wire_inputs_get_clear_errors(void **state)
{
	(void) state;
	static const wire_case cases[] = {
		{ "empty message", "", 0, TD_CODE_INVALID_ARGUMENT },
		{ "garbage", "\xff\xfe\xfd\xfc\xfb\xfa\x00\x01", 8,
		  TD_CODE_INVALID_ARGUMENT },
		{ "truncated field", "\x0a\x10/tandem", 8,
		  TD_CODE_INVALID_ARGUMENT },
		{ "huge length prefix",
		  "\x0a\xff\xff\xff\xff\x0f"
		  "abc",
		  9, TD_CODE_INVALID_ARGUMENT },
		{ "method as a varint (wrong wire type)", "\x08\x96\x01", 3,
		  TD_CODE_INVALID_ARGUMENT },
		{ "start-group wire type", "\x0b\x0c", 2,
		  TD_CODE_INVALID_ARGUMENT },
		{ "invalid UTF-8 method", "\x0a\x03\xc3\x28\x41", 5,
		  TD_CODE_INVALID_ARGUMENT },
		{ "NUL inside the method",
		  "\x0a\x03"
		  "a\x00"
		  "b",
		  5, TD_CODE_INVALID_ARGUMENT },
		{ "negative deadline",
		  "\x0a\x17/tandem.v1.Health/Check"
		  "\x28\xff\xff\xff\xff\xff\xff\xff\xff"
		  "\xff\x01",
		  36, TD_CODE_DEADLINE_EXCEEDED },
		{ "unknown service", "\x0a\x0b/x.y.Z/Nope", 13,
		  TD_CODE_UNIMPLEMENTED },
	};
	long long before = facts();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		Tandem__V1__ResponseEnvelope *r
		    = raw(cases[i].bytes, cases[i].len);
		if ((int) r->status->code != cases[i].code
		    || r->status->message[0] == '\0') {
			fail_msg("%s: got %s '%s', expected %s", cases[i].name,
			         td_code_name(r->status->code),
			         r->status->message,
			         td_code_name(cases[i].code));
		}
		tandem__v1__response_envelope__free_unpacked(r, NULL);
		still_serving();
	}
	assert_int_equal(facts(), before);
}

static void
payloads_get_clear_errors(void **state)
{
	(void) state;
	long long before = facts();
	struct {
		const char *name, *method;
		const char *payload;
		size_t      len;
		int         code;
	} cases[] = {
		{ "garbage payload", td_ingest_submit_outcomes_method.path,
		  "\xff\xff\xff", 3, TD_CODE_INVALID_ARGUMENT },
		{ "empty payload (no records)",
		  td_ingest_submit_outcomes_method.path, "", 0,
		  TD_CODE_INVALID_ARGUMENT },
		{ "record with a huge length",
		  td_ingest_submit_outcomes_method.path,
		  "\x0a\x02id\x22\xff\xff\xff\x7f", 9,
		  TD_CODE_INVALID_ARGUMENT },
		{ "wrong wire type in a record",
		  td_ingest_submit_outcomes_method.path,
		  "\x0a\x02id\x22\x02\x28\x05\x22\x02\x30\x01", 12,
		  TD_CODE_INVALID_ARGUMENT },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t   len;
		uint8_t *b = envelope(cases[i].method, cases[i].payload,
		                      cases[i].len, &len);
		Tandem__V1__ResponseEnvelope *r = raw(b, len);
		if ((int) r->status->code != cases[i].code) {
			fail_msg("%s: got %s '%s'", cases[i].name,
			         td_code_name(r->status->code),
			         r->status->message);
		}
		tandem__v1__response_envelope__free_unpacked(r, NULL);
		free(b);
		still_serving();
	}
	assert_int_equal(facts(), before);
}

/* ---- typed requests ---- */

typedef void (*mutate)(Tandem__V1__Outcome *o);

static void
m_negative_n(Tandem__V1__Outcome *o)
{
	o->n = -5;
}
static void
m_bad_day(Tandem__V1__Outcome *o)
{
	o->period_start = "2025-02-30";
}
static void
m_nan(Tandem__V1__Outcome *o)
{
	o->value = NAN;
}
static void
m_inf(Tandem__V1__Outcome *o)
{
	o->value = INFINITY;
}
static void
m_huge_n(Tandem__V1__Outcome *o)
{
	o->n = 5000000000LL;
}
static void
m_unknown_school(Tandem__V1__Outcome *o)
{
	o->school = "S404";
}
static void
m_bad_utf8(Tandem__V1__Outcome *o)
{
	o->subgroup = "\xe2\x82";
}
static void
m_spaces(Tandem__V1__Outcome *o)
{
	o->school = " S1";
}
static void
m_control(Tandem__V1__Outcome *o)
{
	o->subgroup = "a\x07";
}
static void
m_year_0001(Tandem__V1__Outcome *o)
{
	o->period_start = "0001-01-01";
}

static void
typed_records_get_clear_errors(void **state)
{
	(void) state;
	static const struct {
		const char *name, *field;
		mutate      fn;
	} cases[] = {
		{ "negative count", "n", m_negative_n },
		{ "2025-02-30", "period_start", m_bad_day },
		{ "NaN value", "value", m_nan },
		{ "infinite value", "value", m_inf },
		{ "n past 32 bits", "n", m_huge_n },
		{ "unknown school", "school", m_unknown_school },
		{ "cut UTF-8 sequence", "subgroup", m_bad_utf8 },
		{ "padded code", "school", m_spaces },
		{ "control character", "subgroup", m_control },
		{ "year 1", "period_start", m_year_0001 },
	};
	long long before = facts();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		Tandem__V1__Outcome  o[3];
		Tandem__V1__Outcome *op[3];
		for (int k = 0; k < 3; k++) {
			tandem__v1__outcome__init(&o[k]);
			o[k].school  = k ? "S2" : "S1";
			o[k].measure = "m1";
			o[k].period_start
			    = k == 2 ? "2024-10-01" : "2024-09-01";
			o[k].period_end = k == 2 ? "2024-10-31" : "2024-09-30";
			o[k].value      = 90;
			o[k].n          = 100;
			op[k]           = &o[k];
		}
		cases[i].fn(&o[1]); /* the bad one is in the middle */
		char id[64];
		snprintf(id, sizeof(id), "hostile-%d", ++seq);
		Tandem__V1__SubmitOutcomesRequest q
		    = TANDEM__V1__SUBMIT_OUTCOMES_REQUEST__INIT;
		q.submission_id                = id;
		q.outcomes                     = op;
		q.n_outcomes                   = 3;
		Tandem__V1__SubmitResponse *r  = NULL;
		td_status                   st = { 0 };
		int  code  = td_ingest_submit_outcomes(cl, &q, &r, &st);
		bool named = false;
		for (size_t d = 0; d < st.n_details; d++) {
			named |= st.details[d].record_index == 1
			    && strcmp(st.details[d].field, cases[i].field)
			        == 0;
		}
		if (code != TD_CODE_INVALID_ARGUMENT || !named) {
			fail_msg("%s: got %s '%s' (%zu details)",
			         cases[i].name, td_code_name(code), st.message,
			         st.n_details);
		}
		td_status_reset(&st);
		still_serving();
	}
	assert_int_equal(facts(), before);
}

/* Each measure's unit gives its values a range; a value outside it, or a
 * period far in the future, is INVALID_ARGUMENT naming the record and the
 * rule, and no PostgreSQL text comes back. */
static void
values_outside_their_unit_are_refused(void **state)
{
	(void) state;
	static const struct {
		const char *name, *measure, *start, *field, *rule;
		double      value;
	} cases[] = {
		{ "attendance 1e150", "mp", "2024-09-01", "value", "range",
		  1e150 },
		{ "percent -1e308", "mp", "2024-09-01", "value", "range",
		  -1e308 },
		{ "percent 100.5", "mp", "2024-09-01", "value", "range",
		  100.5 },
		{ "proportion 1.5", "mq", "2024-09-01", "value", "range",
		  1.5 },
		{ "count 2.5", "mc", "2024-09-01", "value", "range", 2.5 },
		{ "count -1", "mc", "2024-09-01", "value", "range", -1 },
		{ "scale 1e12", "m1", "2024-09-01", "value", "range", 1e12 },
		{ "year 2199", "mp", "2199-09-01", "period_start", "horizon",
		  50 },
	};
	long long before = facts();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		Tandem__V1__Outcome  o[2];
		Tandem__V1__Outcome *op[2];
		for (int k = 0; k < 2; k++) {
			tandem__v1__outcome__init(&o[k]);
			o[k].school  = "S1";
			o[k].measure = (char *) cases[i].measure;
			o[k].period_start
			    = k ? (char *) cases[i].start : "2024-08-01";
			o[k].period_end
			    = k ? (char *) cases[i].start : "2024-08-31";
			o[k].value = k ? cases[i].value : 0.5;
			o[k].n     = 100;
			op[k]      = &o[k];
		}
		char id[64];
		snprintf(id, sizeof(id), "hostile-%d", ++seq);
		Tandem__V1__SubmitOutcomesRequest q
		    = TANDEM__V1__SUBMIT_OUTCOMES_REQUEST__INIT;
		q.submission_id                = id;
		q.outcomes                     = op;
		q.n_outcomes                   = 2;
		Tandem__V1__SubmitResponse *r  = NULL;
		td_status                   st = { 0 };
		int  code  = td_ingest_submit_outcomes(cl, &q, &r, &st);
		bool named = false;
		for (size_t d = 0; d < st.n_details; d++) {
			named |= st.details[d].record_index == 1
			    && strcmp(st.details[d].field, cases[i].field) == 0
			    && strcmp(st.details[d].rule, cases[i].rule) == 0;
		}
		if (code != TD_CODE_INVALID_ARGUMENT || !named
		    || strstr(st.message, "SQLSTATE") != NULL) {
			fail_msg("%s: got %s '%s' (%zu details)",
			         cases[i].name, td_code_name(code), st.message,
			         st.n_details);
		}
		td_status_reset(&st);
		still_serving();
	}
	assert_int_equal(facts(), before);
}

/* Cells a spreadsheet would run as formulas (OWASP CSV injection) come
 * out of the CLI's CSV as text: a school's name, and a method name an
 * unauthenticated caller planted in the audit log. */
static void
csv_outputs_neutralise_formulas(void **state)
{
	(void) state;
	assert_int_equal(
	    h_run("cd %s && printf 'district,school,name\\nD1,S9,"
	          "\"=HYPERLINK(\"\"x\"\")\"\\n' >evil.csv && %s/tandem "
	          "--server %s define schools evil.csv >/dev/null",
	          dir, h_bin_dir(), srv.url),
	    0);
	Tandem__V1__HealthCheckRequest q
	    = TANDEM__V1__HEALTH_CHECK_REQUEST__INIT;
	ProtobufCMessage *resp = NULL;
	td_status         st   = { 0 };
	td_client        *anon = h_client_token(&srv, 10000, NULL);
	assert_int_equal(
	    td_call(anon, "@SUM(1+1)", &q.base,
	            &tandem__v1__health_check_response__descriptor, &resp,
	            &st),
	    TD_CODE_UNIMPLEMENTED);
	td_status_reset(&st);
	td_client_destroy(anon);
	assert_int_equal(
	    h_run("cd %s && %s/tandem --server %s --format csv list schools "
	          ">list.csv && %s/tandem --server %s --format csv admin "
	          "audit --limit 50 >audit.csv",
	          dir, h_bin_dir(), srv.url, h_bin_dir(), srv.url),
	    0);
	/* the cells are there, as text */
	assert_int_equal(h_run("grep -q \"'=HYPERLINK\" %s/list.csv", dir), 0);
	assert_int_equal(h_run("grep -q \"'@SUM\" %s/audit.csv", dir), 0);
	/* and no field starts with a formula character */
	assert_int_not_equal(
	    h_run("grep -qE '(^|,)\"?[=+@]' %s/list.csv %s/audit.csv", dir,
	          dir),
	    0);
}

static void
a_million_records_are_refused_by_size(void **state)
{
	(void) state;
	size_t                n = 1000000;
	Tandem__V1__Outcome  *o = calloc(n, sizeof(*o));
	Tandem__V1__Outcome **p = calloc(n, sizeof(*p));
	for (size_t i = 0; i < n; i++) {
		tandem__v1__outcome__init(&o[i]);
		o[i].school = "S1", o[i].measure = "m1";
		o[i].period_start = "2024-09-01",
		o[i].period_end   = "2024-09-30";
		p[i]              = &o[i];
	}
	Tandem__V1__SubmitOutcomesRequest q
	    = TANDEM__V1__SUBMIT_OUTCOMES_REQUEST__INIT;
	q.submission_id                    = "a-million";
	q.outcomes                         = p;
	q.n_outcomes                       = n;
	Tandem__V1__SubmitResponse *r      = NULL;
	td_status                   st     = { 0 };
	long long                   before = facts();
	assert_int_equal(td_ingest_submit_outcomes(cl, &q, &r, &st),
	                 TD_CODE_RESOURCE_EXHAUSTED);
	assert_non_null(strstr(st.message, "limit"));
	assert_int_equal(facts(), before);
	still_serving();
	free(o);
	free(p);
	td_status_reset(&st);
}

/* ---- CSV files through the CLI ---- */

static void
csv_files_are_handled(void **state)
{
	(void) state;
	static const struct {
		const char *name;
		const char *content; /* printf(1) format: octal escapes */
		const char *kind;
		bool        accepted;
		const char *says; /* in stderr when refused */
	} cases[] = {
		{ "unbalanced quote",
		  "school,measure,period_start,period_end,value,n,subgroup\\n"
		  "S1,m1,2024-09-01,2024-09-30,\\\"90,100,\\n",
		  "outcomes", false, "quote" },
		{ "missing required column",
		  "school,measure,period_start,value,n\\nS1,m1,2024-09-01,90,"
		  "1\\n",
		  "outcomes", false, "period_end" },
		{ "empty file", "", "outcomes", false, "" },
		{ "binary junk", "\\001\\002\\377\\376\\000\\000\\177",
		  "outcomes", false, "" },
		{ "invalid UTF-8 cell",
		  "school,measure,period_start,period_end,value,n,subgroup\\n"
		  "S1,m1,2024-09-01,2024-09-30,90,100,\\303\\050\\n",
		  "outcomes", false, "UTF-8" },
		{ "NUL byte in a cell",
		  "school,measure,period_start,period_end,value,n,subgroup\\n"
		  "S1,m1,2024-09-01,2024-09-30,90,100,a\\000b\\n",
		  "outcomes", false, "NUL" },
		{ "not a number",
		  "school,measure,period_start,period_end,value,n,subgroup\\n"
		  "S1,m1,2024-09-01,2024-09-30,ninety,100,\\n",
		  "outcomes", false, "value" },
		{ "half an item score",
		  "school,respondent,administered_on,grade,q1,q2\\n"
		  "S1,R1,2024-10-01,7,3.5,2\\n",
		  "surveys --survey s1", false, "q1" },
		{ "wrong field count",
		  "school,measure,period_start,period_end,value,n,subgroup\\n"
		  "S1,m1,2024-09-01\\n",
		  "outcomes", false, "" },
		{ "BOM and CRLF (accepted)",
		  "\\357\\273\\277school,measure,period_start,period_end,"
		  "value,n,"
		  "subgroup\\r\\nS1,m1,2024-11-01,2024-11-30,91,100,\\r\\n",
		  "outcomes", true, "" },
		{ "extra columns (accepted, ignored)",
		  "school,measure,period_start,period_end,value,n,subgroup,"
		  "colour\\nS2,m1,2024-11-01,2024-11-30,92,100,,blue\\n",
		  "outcomes", true, "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long long before = facts();
		assert_int_equal(
		    h_run("printf '%s' >%s/case.csv", cases[i].content, dir),
		    0);
		int rc = h_run("%s/tandem --server %s submit %s %s/case.csv "
		               ">%s/out.txt 2>%s/err.txt",
		               h_bin_dir(), srv.url, cases[i].kind, dir, dir,
		               dir);
		if (cases[i].accepted) {
			if (rc != 0 || facts() <= before) {
				fail_msg("%s: not accepted (exit %d)",
				         cases[i].name, rc);
			}
		} else {
			if (rc == 0 || facts() != before) {
				fail_msg("%s: accepted or stored (exit %d)",
				         cases[i].name, rc);
			}
			if (cases[i].says[0]
			    && h_run("grep -qi '%s' %s/err.txt", cases[i].says,
			             dir)
			        != 0) {
				h_run("cat %s/err.txt >&2", dir);
				fail_msg("%s: the error does not say '%s'",
				         cases[i].name, cases[i].says);
			}
			/* Every error names the file and a line. */
			assert_int_equal(
			    h_run("grep -q 'case.csv' %s/err.txt", dir), 0);
		}
		still_serving();
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wire_inputs_get_clear_errors),
		cmocka_unit_test(payloads_get_clear_errors),
		cmocka_unit_test(typed_records_get_clear_errors),
		cmocka_unit_test(values_outside_their_unit_are_refused),
		cmocka_unit_test(csv_outputs_neutralise_formulas),
		cmocka_unit_test(a_million_records_are_refused_by_size),
		cmocka_unit_test(csv_files_are_handled),
	};
	return cmocka_run_group_tests_name("hostile", tests, setup, teardown);
}
