/* SPDX-License-Identifier: MIT
 * Registry and ingest through a real tandemd and PostgreSQL: every
 * validation rule answered by record, field and rule with nothing stored;
 * idempotent retries; ALREADY_EXISTS for a reused id; atomic 10,000-record
 * batches; dry runs; corrections; instrument versions; pseudonyms.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static char       conninfo[512];
static h_server   srv;
static td_client *cl;
static int        seq;

#define ITEMS 5

static int
setup(void **state)
{
	(void) state;
	h_db_create("ingest", conninfo);
	h_server_start(&srv, conninfo, NULL);
	cl = h_client(&srv, 30000);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	td_client_destroy(cl);
	assert_int_equal(h_server_stop(&srv), 0);
	return 0;
}

static long long
count(const char *table)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	return h_sql_int(conninfo, sql);
}

static char *
new_id(void)
{
	static char id[64];
	snprintf(id, sizeof(id), "test-%d-%d", (int) getpid(), ++seq);
	return id;
}

/* Asserts that st has a detail for record rec, field and rule. */
static void
assert_detail(const td_status *st, int64_t rec, const char *field,
              const char *rule)
{
	for (size_t i = 0; i < st->n_details; i++) {
		const td_detail *d = &st->details[i];
		if (d->record_index == rec && strcmp(d->field, field) == 0
		    && strcmp(d->rule, rule) == 0) {
			return;
		}
	}
	for (size_t i = 0; i < st->n_details; i++) {
		print_error("  have: %lld %s %s: %s\n",
		            (long long) st->details[i].record_index,
		            st->details[i].field, st->details[i].rule,
		            st->details[i].message);
	}
	fail_msg("no detail for record %lld field %s rule %s (status %s: "
	         "%s)",
	         (long long) rec, field, rule, td_code_name(st->code),
	         st->message);
}

static void
define_registry(void **state)
{
	(void) state;
	td_status                   st = { 0 };
	Tandem__V1__DefineResponse *r  = NULL;

	Tandem__V1__School  s[3];
	Tandem__V1__School *sp[3];
	const char         *codes[3] = { "S1", "S2", "S3" };
	for (int i = 0; i < 3; i++) {
		tandem__v1__school__init(&s[i]);
		s[i].district   = i < 2 ? "D1" : "D2";
		s[i].school     = (char *) codes[i];
		s[i].name       = "A school";
		s[i].frl_rate   = 0.2 + 0.3 * i;
		s[i].enrollment = 300 + 100 * i;
		s[i].locale     = "city";
		sp[i]           = &s[i];
	}
	Tandem__V1__DefineSchoolsRequest sr
	    = TANDEM__V1__DEFINE_SCHOOLS_REQUEST__INIT;
	sr.schools   = sp;
	sr.n_schools = 3;
	assert_int_equal(td_registry_define_schools(cl, &sr, &r, &st),
	                 TD_CODE_OK);
	assert_int_equal(r->created, 3);
	assert_int_equal(r->n_notes, 2); /* D1 and D2 created from codes */
	protobuf_c_message_free_unpacked(&r->base, NULL);
	/* The same again changes nothing. */
	assert_int_equal(td_registry_define_schools(cl, &sr, &r, &st),
	                 TD_CODE_OK);
	assert_int_equal(r->unchanged, 3);
	protobuf_c_message_free_unpacked(&r->base, NULL);

	Tandem__V1__Educator  e[2];
	Tandem__V1__Educator *ep[2] = { &e[0], &e[1] };
	for (int i = 0; i < 2; i++) {
		tandem__v1__educator__init(&e[i]);
		e[i].educator = i ? "E2" : "E1";
		e[i].school   = "S1";
		e[i].role     = i ? "coach" : "teacher";
	}
	Tandem__V1__DefineEducatorsRequest er
	    = TANDEM__V1__DEFINE_EDUCATORS_REQUEST__INIT;
	er.educators   = ep;
	er.n_educators = 2;
	assert_int_equal(td_registry_define_educators(cl, &er, &r, &st),
	                 TD_CODE_OK);
	protobuf_c_message_free_unpacked(&r->base, NULL);

	Tandem__V1__Measure  m     = TANDEM__V1__MEASURE__INIT;
	Tandem__V1__Measure *mp[1] = { &m };
	m.measure                  = "attendance";
	m.direction                = "higher";
	Tandem__V1__DefineMeasuresRequest mr
	    = TANDEM__V1__DEFINE_MEASURES_REQUEST__INIT;
	mr.measures   = mp;
	mr.n_measures = 1;
	assert_int_equal(td_registry_define_measures(cl, &mr, &r, &st),
	                 TD_CODE_OK);
	protobuf_c_message_free_unpacked(&r->base, NULL);

	Tandem__V1__SurveyItem  it[ITEMS];
	Tandem__V1__SurveyItem *itp[ITEMS];
	char                    names[ITEMS][8];
	for (int i = 0; i < ITEMS; i++) {
		tandem__v1__survey_item__init(&it[i]);
		snprintf(names[i], sizeof(names[i]), "q%d", i + 1);
		it[i].item                = names[i];
		it[i].construct           = i < 3 ? "belonging" : "safety";
		it[i].min                 = 1;
		it[i].max                 = 5;
		it[i].favourable_at_least = 4;
		it[i].reverse_coded       = i == 2;
		itp[i]                    = &it[i];
	}
	Tandem__V1__Survey sv = TANDEM__V1__SURVEY__INIT;
	sv.code               = "climate";
	sv.name               = "School climate";
	sv.items              = itp;
	sv.n_items            = ITEMS;
	Tandem__V1__DefineSurveyRequest dr
	    = TANDEM__V1__DEFINE_SURVEY_REQUEST__INIT;
	dr.survey = &sv;
	assert_int_equal(td_registry_define_survey(cl, &dr, &r, &st),
	                 TD_CODE_OK);
	assert_int_equal(r->created, 1);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
}

/* A survey batch of n responses to q1..q5, all valid. */
typedef struct survey_batch {
	Tandem__V1__SubmitSurveyResponsesRequest req;
	Tandem__V1__SurveyResponse              *r;
	Tandem__V1__SurveyResponse             **rp;
	int32_t                                 *vals;
	char (*resp)[48];
	char *items[ITEMS];
} survey_batch;

static void
survey_batch_make(survey_batch *b, size_t n, int salt)
{
	static char *items[ITEMS] = { "q1", "q2", "q3", "q4", "q5" };
	tandem__v1__submit_survey_responses_request__init(&b->req);
	b->r    = calloc(n, sizeof(*b->r));
	b->rp   = calloc(n, sizeof(*b->rp));
	b->vals = calloc(n * ITEMS, sizeof(int32_t));
	b->resp = calloc(n, sizeof(*b->resp));
	for (size_t i = 0; i < n; i++) {
		tandem__v1__survey_response__init(&b->r[i]);
		snprintf(b->resp[i], sizeof(b->resp[i]), "STU-%d-%zu", salt,
		         i);
		b->r[i].school          = i % 2 ? "S2" : "S1";
		b->r[i].respondent      = b->resp[i];
		b->r[i].administered_on = "2024-10-15";
		b->r[i].grade           = "7";
		b->r[i].values          = &b->vals[i * ITEMS];
		b->r[i].n_values        = ITEMS;
		for (int k = 0; k < ITEMS; k++) {
			b->vals[i * ITEMS + k] = 1 + (int32_t) ((i + k) % 5);
		}
		b->rp[i] = &b->r[i];
	}
	b->req.submission_id = new_id();
	b->req.survey        = "climate";
	b->req.items         = items;
	b->req.n_items       = ITEMS;
	b->req.responses     = b->rp;
	b->req.n_responses   = n;
}

static void
survey_batch_free(survey_batch *b)
{
	free(b->r);
	free(b->rp);
	free(b->vals);
	free(b->resp);
}

static int
submit(survey_batch *b, td_status *st, Tandem__V1__SubmitResponse **out)
{
	Tandem__V1__SubmitResponse *r = NULL;
	int code = td_ingest_submit_survey_responses(cl, &b->req, &r, st);
	if (out != NULL) {
		*out = r;
	} else if (r != NULL) {
		protobuf_c_message_free_unpacked(&r->base, NULL);
	}
	return code;
}

static void
retry_with_same_id_stores_nothing_twice(void **state)
{
	(void) state;
	survey_batch                b;
	td_status                   st = { 0 };
	Tandem__V1__SubmitResponse *r;
	long long                   before = count("survey_responses");
	survey_batch_make(&b, 50, 1);
	assert_int_equal(submit(&b, &st, &r), TD_CODE_OK);
	assert_int_equal(r->stored, 50);
	assert_false(r->replayed);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	assert_int_equal(count("survey_responses"), before + 50);
	assert_int_equal(submit(&b, &st, &r), TD_CODE_OK);
	assert_true(r->replayed);
	assert_int_equal(r->records, 50);
	assert_int_equal(r->stored, 0);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	assert_int_equal(count("survey_responses"), before + 50);

	/* Same id, different payload: ALREADY_EXISTS, nothing stored. */
	b.vals[0] = b.vals[0] == 5 ? 4 : 5;
	assert_int_equal(submit(&b, &st, NULL), TD_CODE_ALREADY_EXISTS);
	assert_non_null(strstr(st.message, b.req.submission_id));
	assert_int_equal(count("survey_responses"), before + 50);
	td_status_reset(&st);
	survey_batch_free(&b);
}

static void
one_bad_record_in_ten_thousand_stores_nothing(void **state)
{
	(void) state;
	survey_batch b;
	td_status    st     = { 0 };
	long long    before = count("survey_responses");
	long long    subs   = count("submissions");
	survey_batch_make(&b, 10000, 2);
	b.vals[5000 * ITEMS + 3] = 9; /* q4 of record 5000 */
	assert_int_equal(submit(&b, &st, NULL), TD_CODE_INVALID_ARGUMENT);
	assert_int_equal(st.n_details, 1);
	assert_detail(&st, 5000, "q4", "range");
	assert_non_null(strstr(st.details[0].message, "outside 1..5"));
	assert_int_equal(count("survey_responses"), before);
	assert_int_equal(count("submissions"), subs);
	/* Fixed, the same batch goes in whole. */
	b.vals[5000 * ITEMS + 3]      = 3;
	b.req.submission_id           = new_id();
	Tandem__V1__SubmitResponse *r = NULL;
	assert_int_equal(submit(&b, &st, &r), TD_CODE_OK);
	assert_int_equal(r->stored, 10000);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	assert_int_equal(count("survey_responses"), before + 10000);
	td_status_reset(&st);
	survey_batch_free(&b);
}

static void
dry_run_validates_and_stores_nothing(void **state)
{
	(void) state;
	survey_batch                b;
	td_status                   st     = { 0 };
	Tandem__V1__SubmitResponse *r      = NULL;
	long long                   before = count("survey_responses"),
	          subs                     = count("submissions");
	survey_batch_make(&b, 20, 3);
	b.req.dry_run = true;
	assert_int_equal(submit(&b, &st, &r), TD_CODE_OK);
	assert_true(r->dry_run);
	assert_int_equal(r->stored, 0);
	assert_int_equal(r->records, 20);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	assert_int_equal(count("survey_responses"), before);
	assert_int_equal(count("submissions"), subs);
	/* A dry run still finds every problem. */
	b.r[3].administered_on = "2025-02-30";
	assert_int_equal(submit(&b, &st, NULL), TD_CODE_INVALID_ARGUMENT);
	assert_detail(&st, 3, "administered_on", "date");
	td_status_reset(&st);
	survey_batch_free(&b);
}

static void
survey_validation_rules_name_record_field_and_rule(void **state)
{
	(void) state;
	survey_batch b;
	td_status    st     = { 0 };
	long long    before = count("survey_responses");
	survey_batch_make(&b, 8, 4);
	b.r[0].school          = "S999"; /* unknown school */
	b.vals[1 * ITEMS + 0]  = 0; /* q1 below range */
	b.r[2].administered_on = "2024-13-01"; /* bad date */
	b.r[3].respondent      = b.r[4].respondent; /* duplicate */
	b.r[3].school          = b.r[4].school; /* keys are per school */
	b.r[5].respondent      = ""; /* empty respondent */
	b.r[6].n_values        = ITEMS - 1; /* wrong value count */
	uint32_t bad_missing[] = { 7 };
	b.r[7].missing         = bad_missing; /* index past the items */
	b.r[7].n_missing       = 1;
	assert_int_equal(submit(&b, &st, NULL), TD_CODE_INVALID_ARGUMENT);
	assert_detail(&st, 0, "school", "unknown");
	assert_detail(&st, 1, "q1", "range");
	assert_detail(&st, 2, "administered_on", "date");
	assert_detail(&st, 4, "respondent", "unique");
	assert_detail(&st, 5, "respondent", "required");
	assert_detail(&st, 6, "values", "count");
	assert_detail(&st, 7, "missing", "range");
	assert_int_equal(count("survey_responses"), before);

	/* Request-level: unknown survey, unknown item column. */
	survey_batch_free(&b);
	survey_batch_make(&b, 2, 5);
	b.req.survey = "nosuch";
	assert_int_equal(submit(&b, &st, NULL), TD_CODE_INVALID_ARGUMENT);
	assert_detail(&st, -1, "survey", "unknown");
	b.req.survey   = "climate";
	b.req.items[4] = "q99";
	assert_int_equal(submit(&b, &st, NULL), TD_CODE_INVALID_ARGUMENT);
	assert_detail(&st, -1, "q99", "unknown_item");
	b.req.items[4] = "q5";
	/* Over-long and non-UTF-8 strings. */
	char longs[2048];
	memset(longs, 'x', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	b.r[0].grade             = longs;
	b.r[1].grade             = "\xff\xfe";
	assert_int_equal(submit(&b, &st, NULL), TD_CODE_INVALID_ARGUMENT);
	assert_detail(&st, 0, "grade", "max_length");
	assert_detail(&st, 1, "grade", "utf8");
	/* No submission id. */
	b.r[0].grade        = "7";
	b.r[1].grade        = "7";
	b.req.submission_id = "";
	assert_int_equal(submit(&b, &st, NULL), TD_CODE_INVALID_ARGUMENT);
	assert_detail(&st, -1, "submission_id", "required");
	assert_int_equal(count("survey_responses"), before);
	td_status_reset(&st);
	survey_batch_free(&b);
}

static void
non_response_is_stored_as_null_never_zero(void **state)
{
	(void) state;
	survey_batch b;
	td_status    st = { 0 };
	survey_batch_make(&b, 1, 6);
	uint32_t miss[]  = { 1 }; /* q2 not answered */
	b.r[0].missing   = miss;
	b.r[0].n_missing = 1;
	b.vals[1]        = 0; /* ignored: it is a non-response */
	assert_int_equal(submit(&b, &st, NULL), TD_CODE_OK);
	assert_string_equal(
	    h_sql_text(conninfo,
	               "SELECT answers::text FROM survey_responses "
	               "r JOIN submissions s ON s.seq = "
	               "r.submission_seq ORDER BY s.seq DESC LIMIT 1"),
	    "{1,NULL,3,4,5}");
	td_status_reset(&st);
	survey_batch_free(&b);
}

static void
existing_record_needs_a_correction(void **state)
{
	(void) state;
	survey_batch                b;
	td_status                   st = { 0 };
	Tandem__V1__SubmitResponse *r  = NULL;
	survey_batch_make(&b, 10, 7);
	assert_int_equal(submit(&b, &st, NULL), TD_CODE_OK);
	long long before = count("survey_responses");
	/* The same responses under a new id: they exist already. */
	b.req.submission_id = new_id();
	b.vals[2 * ITEMS]   = b.vals[2 * ITEMS] == 1 ? 2 : 1;
	assert_int_equal(submit(&b, &st, NULL), TD_CODE_ALREADY_EXISTS);
	assert_int_equal(st.n_details, 10);
	/* The key is named by its wire field, never a database column. */
	assert_detail(&st, 2, "respondent", "exists");
	assert_int_equal(count("survey_responses"), before);
	/* As a correction they replace the old ones. */
	b.req.submission_id = new_id();
	b.req.correction    = true;
	assert_int_equal(submit(&b, &st, &r), TD_CODE_OK);
	assert_int_equal(r->corrected, 10);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	assert_int_equal(count("survey_responses"), before);
	td_status_reset(&st);
	survey_batch_free(&b);
}

static void
pseudonym_is_stable_and_the_clear_id_is_nowhere(void **state)
{
	(void) state;
	survey_batch b;
	td_status    st = { 0 };
	survey_batch_make(&b, 1, 8);
	b.r[0].respondent = "CLEARTEXT-STUDENT-4242";
	assert_int_equal(submit(&b, &st, NULL), TD_CODE_OK);
	survey_batch_free(&b);
	survey_batch_make(&b, 1, 8);
	b.r[0].respondent      = "CLEARTEXT-STUDENT-4242";
	b.r[0].administered_on = "2025-03-15";
	assert_int_equal(submit(&b, &st, NULL), TD_CODE_OK);
	assert_int_equal(
	    h_sql_int(conninfo,
	              "SELECT count(DISTINCT respondent) FROM "
	              "survey_responses WHERE administered_on IN "
	              "('2024-10-15', '2025-03-15') AND respondent IN "
	              "(SELECT respondent FROM survey_responses WHERE "
	              "administered_on = '2025-03-15')"),
	    1);
	assert_int_equal(
	    h_sql_int(conninfo,
	              "SELECT count(*) FROM survey_responses WHERE "
	              "respondent IN (SELECT respondent FROM "
	              "survey_responses WHERE administered_on = "
	              "'2025-03-15')"),
	    2);
	char db[128];
	snprintf(db, sizeof(db), "%s", strstr(conninfo, "dbname=") + 7);
	const char *host = strstr(conninfo, "host=") + 5;
	char        hostdir[256];
	snprintf(hostdir, sizeof(hostdir), "%.*s", (int) strcspn(host, " "),
	         host);
	const char *port = strstr(conninfo, "port=") + 5;
	assert_int_equal(h_run("pg_dump -h %s -p %d -U postgres %s | grep -q "
	                       "CLEARTEXT-STUDENT",
	                       hostdir, atoi(port), db),
	                 1);
	assert_int_equal(h_run("pg_dump -h %s -p %d -U postgres %s | grep -q "
	                       "survey_responses",
	                       hostdir, atoi(port), db),
	                 0);
	td_status_reset(&st);
	survey_batch_free(&b);
}

static void
changing_a_survey_with_responses_makes_a_new_version(void **state)
{
	(void) state;
	td_status                   st     = { 0 };
	Tandem__V1__DefineResponse *r      = NULL;
	Tandem__V1__SurveyItem      it     = TANDEM__V1__SURVEY_ITEM__INIT;
	Tandem__V1__SurveyItem     *itp[1] = { &it };
	it.item                            = "q1";
	it.construct                       = "belonging";
	it.min                             = 1;
	it.max                             = 4;
	it.favourable_at_least             = 3;
	Tandem__V1__Survey sv              = TANDEM__V1__SURVEY__INIT;
	sv.code                            = "climate";
	sv.name                            = "School climate (short)";
	sv.items                           = itp;
	sv.n_items                         = 1;
	Tandem__V1__DefineSurveyRequest dr
	    = TANDEM__V1__DEFINE_SURVEY_REQUEST__INIT;
	dr.survey     = &sv;
	long long old = h_sql_int(conninfo,
	                          "SELECT count(*) FROM "
	                          "survey_responses r JOIN surveys v "
	                          "ON v.id = r.survey_id WHERE "
	                          "v.version = 1");
	assert_true(old > 0);
	assert_int_equal(td_registry_define_survey(cl, &dr, &r, &st),
	                 TD_CODE_OK);
	assert_int_equal(r->created, 1);
	assert_non_null(strstr(r->notes[0], "version 2"));
	protobuf_c_message_free_unpacked(&r->base, NULL);
	assert_int_equal(h_sql_int(conninfo,
	                           "SELECT max(version) FROM "
	                           "surveys WHERE code = 'climate'"),
	                 2);
	assert_int_equal(h_sql_int(conninfo,
	                           "SELECT count(*) FROM "
	                           "survey_responses r JOIN surveys "
	                           "v ON v.id = r.survey_id WHERE "
	                           "v.version = 1"),
	                 old);
	/* New responses go to version 2, with its range. */
	survey_batch b;
	survey_batch_make(&b, 1, 9);
	b.req.n_items   = 1;
	b.r[0].n_values = 1;
	b.vals[0]       = 5;
	assert_int_equal(submit(&b, &st, NULL), TD_CODE_INVALID_ARGUMENT);
	assert_detail(&st, 0, "q1", "range");
	b.vals[0] = 4;
	assert_int_equal(submit(&b, &st, NULL), TD_CODE_OK);
	td_status_reset(&st);
	survey_batch_free(&b);
}

static void
outcome_validation_rules(void **state)
{
	(void) state;
	td_status            st = { 0 };
	Tandem__V1__Outcome  o[5];
	Tandem__V1__Outcome *op[5];
	for (int i = 0; i < 5; i++) {
		tandem__v1__outcome__init(&o[i]);
		o[i].school       = "S1";
		o[i].measure      = "attendance";
		o[i].period_start = "2024-09-01";
		o[i].period_end   = "2024-09-30";
		o[i].value        = 94.5;
		o[i].n            = 300;
		op[i]             = &o[i];
	}
	o[0].n            = -1;
	o[1].measure      = "nosuch";
	o[2].period_end   = "2024-08-01";
	o[3].value        = NAN;
	o[4].subgroup     = "frl";
	o[4].period_start = "2023-02-29";
	Tandem__V1__SubmitOutcomesRequest req
	    = TANDEM__V1__SUBMIT_OUTCOMES_REQUEST__INIT;
	req.submission_id             = new_id();
	req.outcomes                  = op;
	req.n_outcomes                = 5;
	Tandem__V1__SubmitResponse *r = NULL;
	assert_int_equal(td_ingest_submit_outcomes(cl, &req, &r, &st),
	                 TD_CODE_INVALID_ARGUMENT);
	assert_detail(&st, 0, "n", "range");
	assert_detail(&st, 1, "measure", "unknown");
	assert_detail(&st, 2, "period_end", "order");
	assert_detail(&st, 3, "value", "finite");
	assert_detail(&st, 4, "period_start", "date");
	assert_int_equal(count("outcomes"), 0);
	td_status_reset(&st);
}

static void
school_validation_rules(void **state)
{
	(void) state;
	td_status           st = { 0 };
	Tandem__V1__School  s[3];
	Tandem__V1__School *sp[3];
	for (int i = 0; i < 3; i++) {
		tandem__v1__school__init(&s[i]);
		s[i].district = "D1";
		s[i].school   = i == 0 ? "SX1" : i == 1 ? "SX2" : "SX3";
		s[i].frl_rate = 0.5;
		sp[i]         = &s[i];
	}
	s[0].frl_rate   = 1.5;
	s[1].locale     = "moon";
	s[2].enrollment = -5;
	Tandem__V1__DefineSchoolsRequest req
	    = TANDEM__V1__DEFINE_SCHOOLS_REQUEST__INIT;
	req.schools                   = sp;
	req.n_schools                 = 3;
	Tandem__V1__DefineResponse *r = NULL;
	assert_int_equal(td_registry_define_schools(cl, &req, &r, &st),
	                 TD_CODE_INVALID_ARGUMENT);
	assert_detail(&st, 0, "frl_rate", "range");
	assert_detail(&st, 1, "locale", "enum");
	assert_detail(&st, 2, "enrollment", "range");
	assert_int_equal(h_sql_int(conninfo,
	                           "SELECT count(*) FROM schools "
	                           "WHERE code LIKE 'SX%'"),
	                 0);
	td_status_reset(&st);
}

static void
cost_validation_rules(void **state)
{
	(void) state;
	td_status         st    = { 0 };
	Tandem__V1__Cost  c     = TANDEM__V1__COST__INIT;
	Tandem__V1__Cost *cp[1] = { &c };
	c.activity              = "nosuch";
	c.year                  = 1800;
	c.ingredient            = "coach";
	c.category              = "snacks";
	c.quantity              = -1;
	c.unit_cost             = 10;
	Tandem__V1__SubmitCostsRequest req
	    = TANDEM__V1__SUBMIT_COSTS_REQUEST__INIT;
	req.submission_id             = new_id();
	req.costs                     = cp;
	req.n_costs                   = 1;
	Tandem__V1__SubmitResponse *r = NULL;
	assert_int_equal(td_ingest_submit_costs(cl, &req, &r, &st),
	                 TD_CODE_INVALID_ARGUMENT);
	assert_detail(&st, 0, "activity", "unknown");
	assert_detail(&st, 0, "year", "range");
	assert_detail(&st, 0, "category", "enum");
	assert_detail(&st, 0, "quantity", "range");
	assert_int_equal(count("costs"), 0);
	td_status_reset(&st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(define_registry),
		cmocka_unit_test(retry_with_same_id_stores_nothing_twice),
		cmocka_unit_test(
		    one_bad_record_in_ten_thousand_stores_nothing),
		cmocka_unit_test(dry_run_validates_and_stores_nothing),
		cmocka_unit_test(
		    survey_validation_rules_name_record_field_and_rule),
		cmocka_unit_test(non_response_is_stored_as_null_never_zero),
		cmocka_unit_test(existing_record_needs_a_correction),
		cmocka_unit_test(
		    pseudonym_is_stable_and_the_clear_id_is_nowhere),
		cmocka_unit_test(
		    changing_a_survey_with_responses_makes_a_new_version),
		cmocka_unit_test(outcome_validation_rules),
		cmocka_unit_test(school_validation_rules),
		cmocka_unit_test(cost_validation_rules),
	};
	return cmocka_run_group_tests_name("ingest", tests, setup, teardown);
}
