/* SPDX-License-Identifier: MIT
 * Events end to end: a real subscriber (libtandem's nng sub0) on a real
 * tandemd's --events-listen sockets (ipc:// and tls+tcp://) receives
 * batch.stored after a real submission, signal.new after a planted shift,
 * deviant.new once for a planted positive deviant and pdsa.changed as a
 * cycle is created and moves on; no event carries a count below min_n, a
 * signal or deviant resting on suppressed points, a student's id or free
 * text.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* How long a test waits for an event before failing: a bound on a hang,
 * not a timing assertion. */
#define WAIT_MS 20000

static char       conninfo[512];
static char       events_url[160];
static char       tls_url[64];
static char       tlsdir[128];
static char       dir[128];
static h_server   srv;
static td_client *cl;
static int        seq;

static int
setup(void **state)
{
	(void) state;
	h_db_create("events", conninfo);
	snprintf(events_url, sizeof(events_url), "ipc:///tmp/tdtest-ev-%d",
	         (int) getpid());
	/* the same events over TLS, with the access test's certificates */
	snprintf(tlsdir, sizeof(tlsdir), "/tmp/tdtest-evtls-%d",
	         (int) getpid());
	h_tls_certs(tlsdir);
	char cert[200], key[200];
	snprintf(cert, sizeof(cert), "%s/server.pem", tlsdir);
	snprintf(key, sizeof(key), "%s/server.key", tlsdir);
	snprintf(tls_url, sizeof(tls_url), "tls+tcp://127.0.0.1:%d",
	         40000 + (int) getpid() % 20000);
	h_server_start(&srv, conninfo, "--events-listen", events_url,
	               "--events-listen", tls_url, "--tls-cert", cert,
	               "--tls-key", key, NULL);
	cl                  = h_client(&srv, 30000);
	const char *files[] = { "districts", "schools", "measures" };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(h_run("%s/tandem --server %s define %s "
		                       "%s/tests/fixtures/%s.csv >/dev/null",
		                       h_bin_dir(), srv.url, files[i],
		                       h_source_dir(), files[i]),
		                 0);
	}
	/* Sixteen schools of district D3 with their context, for a
	 * positive deviant in the measure `reading`, and the climate
	 * survey. */
	snprintf(dir, sizeof(dir), "/tmp/tdtest-evdata-%d", (int) getpid());
	assert_int_equal(h_run("rm -rf %s && mkdir -p %s", dir, dir), 0);
	char csv[2048];
	int  len
	    = snprintf(csv, sizeof(csv),
	               "district,school,name,frl_rate,enrollment,locale\n");
	static const char *locales[] = { "city", "suburb", "town", "rural" };
	for (int i = 1; i <= 16; i++) {
		len += snprintf(csv + len, sizeof(csv) - (size_t) len,
		                "D3,R%02d,Reading school %d,%.2f,%d,%s\n", i,
		                i, 0.2 + 0.04 * i, 300 + 37 * i,
		                locales[i % 4]);
	}
	h_write_file(dir, "schools.csv", csv);
	h_write_file(dir, "measures.csv",
	             "measure,name,unit,direction\n"
	             "reading,Reading proficiency,percent,higher\n");
	static const char *const defs[]
	    = { "schools %s/schools.csv", "measures %s/measures.csv" };
	for (size_t i = 0; i < 2; i++) {
		char what[300];
		snprintf(what, sizeof(what), defs[i], dir);
		assert_int_equal(h_run("%s/tandem --server %s define %s "
		                       ">/dev/null",
		                       h_bin_dir(), srv.url, what),
		                 0);
	}
	assert_int_equal(h_run("%s/tandem --server %s define survey --code "
	                       "climate %s/tests/fixtures/survey_climate.csv "
	                       ">/dev/null",
	                       h_bin_dir(), srv.url, h_source_dir()),
	                 0);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	td_client_destroy(cl);
	assert_int_equal(h_server_stop(&srv), 0);
	assert_int_equal(h_run("rm -rf %s %s", tlsdir, dir), 0);
	return 0;
}

typedef struct row {
	const char *school;
	int         month; /* months after 2023-08 */
	double      value;
	int64_t     n;
	const char *measure; /* NULL = attendance */
} row;

/* submit stores rows of attendance as one batch. */
static void
submit(const row *rows, size_t n)
{
	Tandem__V1__Outcome  o[32];
	Tandem__V1__Outcome *op[32];
	char                 d0[32][32], d1[32][32], id[64];
	static const int     mdays[]
	    = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	assert_true(n <= 32);
	for (size_t i = 0; i < n; i++) {
		int y = 2023 + (7 + rows[i].month) / 12;
		int m = (7 + rows[i].month) % 12 + 1;
		snprintf(d0[i], 32, "%d-%02d-01", y, m);
		snprintf(d1[i], 32, "%d-%02d-%02d", y, m,
		         mdays[m - 1] + (m == 2 && y % 4 == 0));
		tandem__v1__outcome__init(&o[i]);
		o[i].school       = (char *) rows[i].school;
		o[i].measure      = (char *) (rows[i].measure ? rows[i].measure
		                                              : "attendance");
		o[i].period_start = d0[i];
		o[i].period_end   = d1[i];
		o[i].value        = rows[i].value;
		o[i].n            = rows[i].n;
		op[i]             = &o[i];
	}
	snprintf(id, sizeof(id), "events-%d-%d", (int) getpid(), ++seq);
	Tandem__V1__SubmitOutcomesRequest req
	    = TANDEM__V1__SUBMIT_OUTCOMES_REQUEST__INIT;
	req.submission_id              = id;
	req.outcomes                   = op;
	req.n_outcomes                 = n;
	Tandem__V1__SubmitResponse *r  = NULL;
	td_status                   st = { 0 };
	if (td_ingest_submit_outcomes(cl, &req, &r, &st) != TD_CODE_OK) {
		for (size_t i = 0; i < st.n_details; i++) {
			print_error("  %lld %s: %s\n",
			            (long long) st.details[i].record_index,
			            st.details[i].field,
			            st.details[i].message);
		}
		fail_msg("submit: %s: %s", td_code_name(st.code), st.message);
	}
	assert_int_equal(r->stored, (int64_t) n);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
}

static Tandem__V1__Event *
next_event(td_events *e)
{
	Tandem__V1__Event *ev = NULL;
	char               err[TD_ERRMSG_MAX];
	int                rv = td_events_recv(e, WAIT_MS, &ev, err);
	if (rv != TD_OK) {
		fail_msg("no event: %s",
		         rv == TD_ETIMEDOUT ? "timed out" : err);
	}
	return ev;
}

static td_events *
subscribe_at(const char *url, const char *topic, const char *ca)
{
	td_events     *e;
	char           err[TD_ERRMSG_MAX];
	td_client_opts o = { 0 };
	o.tls_ca         = ca;
	if (td_events_open(&e, url, topic, ca ? &o : NULL, err) != TD_OK) {
		fail_msg("subscribe %s: %s", url, err);
	}
	return e;
}

static td_events *
subscribe(const char *topic)
{
	return subscribe_at(events_url, topic, NULL);
}

/* A batch for two schools gives one batch.stored per school; the school
 * with fewer than min_n (10) records gets its count withheld. */
static void
batch_stored_after_submission(void **state)
{
	(void) state;
	td_events *e = subscribe("batch.stored");
	row        rows[15];
	for (int i = 0; i < 12; i++) {
		rows[i] = (row) { "S102", i, 90.0 + i % 3, 200, NULL };
	}
	for (int i = 0; i < 3; i++) {
		rows[12 + i] = (row) { "S201", i, 91.0, 300, NULL };
	}
	submit(rows, 15);
	bool seen102 = false, seen201 = false;
	while (!(seen102 && seen201)) {
		Tandem__V1__Event *ev = next_event(e);
		assert_string_equal(ev->topic, "batch.stored");
		assert_non_null(ev->batch_stored);
		const Tandem__V1__BatchStored *b = ev->batch_stored;
		assert_string_equal(b->method,
		                    td_ingest_submit_outcomes_method.path);
		assert_string_equal(b->kind, "outcomes");
		if (strcmp(b->school, "S102") == 0) {
			assert_false(b->records_suppressed);
			assert_int_equal(b->records, 12);
			seen102 = true;
		} else {
			assert_string_equal(b->school, "S201");
			assert_true(b->records_suppressed);
			assert_int_equal(b->records, 0);
			seen201 = true;
		}
		tandem__v1__event__free_unpacked(ev, NULL);
	}
	td_events_close(e);
}

/* A planted shift: 7 months around 90, then 7 months around 96 in a
 * second batch. Under the NHS rules (a run of >= 7 points on one side of
 * the median) the second batch starts a signal at its first month and
 * carries it to its last. The same pattern at a school whose points have
 * n = 5 < min_n is suppressed and signals nothing; it is planted in
 * another measure, so that disclosure control's complementary cells (a
 * network total minus the small school) do not hide the first one too. */
static void
signal_new_after_planted_shift(void **state)
{
	(void) state;
	static const double low[7]  = { 90, 91, 89, 90, 91, 89, 90 };
	static const double high[7] = { 95, 96, 95, 97, 96, 95, 96 };
	row                 rows[14];
	for (int i = 0; i < 7; i++) {
		rows[i] = (row) { "S101", i, low[i], 400, NULL };
		rows[7 + i]
		    = (row) { "S202", i, low[i], 5, "chronic_absence" };
	}
	submit(rows, 14); /* no signal yet: 7 points around their median */
	td_events *e = subscribe("");
	for (int i = 0; i < 7; i++) {
		rows[i] = (row) { "S101", 7 + i, high[i], 400, NULL };
		rows[7 + i]
		    = (row) { "S202", 7 + i, high[i], 5, "chronic_absence" };
	}
	submit(rows, 14);
	/* A fence: events of one publisher reach a subscriber in order, so
	 * once this batch's event arrives every earlier one has. */
	row fence = { "S102", 20, 90.0, 200, NULL };
	submit(&fence, 1);
	int  shifts = 0;
	bool fenced = false;
	while (!fenced) {
		Tandem__V1__Event *ev = next_event(e);
		if (ev->batch_stored != NULL) {
			const Tandem__V1__BatchStored *b = ev->batch_stored;
			/* 7 records each: below min_n, withheld */
			if (strcmp(b->school, "S102") == 0) {
				fenced = true;
			} else {
				assert_true(b->records_suppressed);
				assert_int_equal(b->records, 0);
			}
		} else if (ev->deviant_new == NULL) {
			assert_string_equal(ev->topic, "signal.new");
			const Tandem__V1__SignalNew *s = ev->signal_new;
			assert_non_null(s);
			assert_string_equal(s->unit, "S101");
			assert_string_equal(s->measure, "attendance");
			assert_string_equal(s->rule, "shift");
			assert_string_equal(s->rule_set, "nhs");
			assert_string_equal(s->first_period, "2024-03");
			assert_string_equal(s->period, "2024-09");
			assert_string_equal(s->period_start, "2024-09-01");
			shifts++;
		}
		tandem__v1__event__free_unpacked(ev, NULL);
	}
	assert_int_equal(shifts, 1);
	td_events_close(e);
}

/* tandem watch prints the events it receives, one JSON object a line. */
static void
watch_prints_events(void **state)
{
	(void) state;
	char out[200];
	snprintf(out, sizeof(out), "/tmp/tdtest-watch-%d.json",
	         (int) getpid());
	/* watch in the background until one event; subscribe ourselves
	 * too, so we know when the event has gone out. */
	td_events *e = subscribe("batch.stored");
	assert_int_equal(h_run("%s/tandem --format json watch --events %s "
	                       "--topic batch.stored --count 1 >%s 2>&1 & "
	                       "echo $! >%s.pid",
	                       h_bin_dir(), events_url, out, out),
	                 0);
	/* The CLI is connected once it has subscribed; a batch sent before
	 * that would be missed, so resend until watch has printed one. */
	for (int tries = 0; tries < 200; tries++) {
		row r = { "S102", 30 + tries, 90.0, 200, NULL };
		submit(&r, 1);
		Tandem__V1__Event *ev = next_event(e);
		tandem__v1__event__free_unpacked(ev, NULL);
		if (h_run("grep -q '\"school\":\"S102\"' %s", out) == 0) {
			break;
		}
		usleep(50000);
	}
	assert_int_equal(h_run("grep -q '\"topic\":\"batch.stored\"' %s "
	                       "&& grep -q '\"records\":null' %s "
	                       "&& grep -q '\"records_suppressed\":true' %s",
	                       out, out, out),
	                 0);
	assert_int_equal(h_run("kill $(cat %s.pid) 2>/dev/null; rm -f %s "
	                       "%s.pid",
	                       out, out, out),
	                 0);
	td_events_close(e);
}

/* The same batch reaches a subscriber over ipc:// and one over
 * tls+tcp:// that trusts the test CA. */
static void
events_over_ipc_and_tls(void **state)
{
	(void) state;
	char ca[200];
	snprintf(ca, sizeof(ca), "%s/ca.pem", tlsdir);
	td_events *ipc = subscribe_at(events_url, "batch.stored", NULL);
	td_events *tls = subscribe_at(tls_url, "batch.stored", ca);
	row        rows[12];
	for (int i = 0; i < 12; i++) {
		rows[i] = (row) { "S102", 40 + i, 91.0, 200, NULL };
	}
	submit(rows, 12);
	td_events *subs[2] = { ipc, tls };
	for (int k = 0; k < 2; k++) {
		Tandem__V1__Event *ev = next_event(subs[k]);
		assert_string_equal(ev->topic, "batch.stored");
		assert_string_equal(ev->batch_stored->school, "S102");
		assert_int_equal(ev->batch_stored->records, 12);
		tandem__v1__event__free_unpacked(ev, NULL);
	}
	td_events_close(ipc);
	td_events_close(tls);
}

/* reading for the 16 schools of D3 in October 2024 (academic year
 * 2024-25): about 80% with a small spread, R05 at 97% (a planted
 * positive deviant) and R12 at 99% but of n = 5 people (below min_n:
 * suppressed, so never a deviant). */
static void
submit_reading(int month, double r05)
{
	row  rows[16];
	char codes[16][8];
	for (int i = 0; i < 16; i++) {
		snprintf(codes[i], sizeof(codes[i]), "R%02d", i + 1);
		double v = 79.0 + (i % 5) * 0.6;
		rows[i]  = (row) { codes[i], month, v, 200, "reading" };
	}
	rows[4].value  = r05;
	rows[11].value = 99.0;
	rows[11].n     = 5;
	submit(rows, 16);
}

/* pdsa submits one cycle as a batch (a correction after the first). */
static void
pdsa(const char *status, bool correction)
{
	Tandem__V1__PdsaCycle c   = TANDEM__V1__PDSA_CYCLE__INIT;
	c.cycle                   = "PDSA-EV";
	c.school                  = "S101";
	c.measure                 = "attendance";
	c.change_idea             = "SECRET-IDEA greet every student by name";
	c.prediction              = "SECRET-PREDICTION";
	c.start                   = "2024-09-02";
	c.status                  = (char *) status;
	Tandem__V1__PdsaCycle *cp = &c;
	char                   id[64];
	snprintf(id, sizeof(id), "events-%d-%d", (int) getpid(), ++seq);
	Tandem__V1__SubmitPdsaCyclesRequest req
	    = TANDEM__V1__SUBMIT_PDSA_CYCLES_REQUEST__INIT;
	req.submission_id              = id;
	req.correction                 = correction;
	req.cycles                     = &cp;
	req.n_cycles                   = 1;
	Tandem__V1__SubmitResponse *r  = NULL;
	td_status                   st = { 0 };
	assert_int_equal(td_improvement_submit_pdsa_cycles(cl, &req, &r, &st),
	                 TD_CODE_OK);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
}

/* contains: whether the packed event holds the bytes of s (a string
 * field is stored as its bytes). */
static bool
contains(const Tandem__V1__Event *ev, const char *s)
{
	size_t   n   = tandem__v1__event__get_packed_size(ev);
	uint8_t *buf = malloc(n + 1);
	assert_non_null(buf);
	tandem__v1__event__pack(ev, buf);
	bool found = memmem(buf, n, s, strlen(s)) != NULL;
	free(buf);
	return found;
}

/* Everything one subscriber sees while students' responses (3, below
 * min_n), a planted deviant, a small school and a PDSA cycle with free
 * text go in: deviant.new once for R05 (not again for the next batch, and
 * never for the small R12), pdsa.changed created then transitioned; and
 * no event holds a student's id, a pseudonym-free text, or a count below
 * min_n. */
static void
deviants_pdsa_and_nothing_private(void **state)
{
	(void) state;
	td_events *e = subscribe("");
	h_write_file(dir, "responses.csv",
	             "school,respondent,administered_on,grade,q1,q2,q3,q4\n"
	             "S101,STU-SECRET-1,2024-10-07,4,4,5,2,4\n"
	             "S101,STU-SECRET-2,2024-10-07,4,3,4,1,5\n"
	             "S101,STU-SECRET-3,2024-10-07,4,5,5,2,4\n");
	assert_int_equal(h_run("%s/tandem --server %s submit surveys --survey "
	                       "climate %s/responses.csv >/dev/null",
	                       h_bin_dir(), srv.url, dir),
	                 0);
	submit_reading(14, 97.0); /* 2024-10 */
	submit_reading(15, 97.5); /* 2024-11: R05 still a deviant */
	pdsa("planned", false);
	pdsa("running", true);
	row fence = { "S102", 38, 90.0, 200, NULL };
	submit(&fence, 1);
	int  deviants = 0, pdsa_events = 0, surveys = 0;
	bool fenced = false;
	while (!fenced) {
		Tandem__V1__Event *ev = next_event(e);
		/* nothing private, whatever the topic */
		assert_false(contains(ev, "STU-SECRET"));
		assert_false(contains(ev, "SECRET-IDEA"));
		assert_false(contains(ev, "SECRET-PREDICTION"));
		if (ev->batch_stored != NULL) {
			const Tandem__V1__BatchStored *b = ev->batch_stored;
			assert_true(
			    b->records >= 10
			    || (b->records == 0 && b->records_suppressed));
			surveys += strcmp(b->kind, "survey_responses") == 0;
			fenced = strcmp(b->school, "S102") == 0
			    && strcmp(b->kind, "outcomes") == 0
			    && b->records == 0;
		} else if (ev->deviant_new != NULL) {
			assert_string_equal(ev->topic, "deviant.new");
			assert_string_equal(ev->deviant_new->measure,
			                    "reading");
			assert_string_equal(ev->deviant_new->school, "R05");
			assert_string_equal(ev->deviant_new->period,
			                    "2024-25");
			deviants++;
		} else if (ev->pdsa_changed != NULL) {
			const Tandem__V1__PdsaChanged *p = ev->pdsa_changed;
			assert_string_equal(ev->topic, "pdsa.changed");
			assert_string_equal(p->cycle, "PDSA-EV");
			assert_string_equal(p->school, "S101");
			assert_string_equal(p->measure, "attendance");
			if (pdsa_events++ == 0) {
				assert_string_equal(p->action, "created");
				assert_string_equal(p->status, "planned");
				assert_string_equal(p->previous_status, "");
			} else {
				assert_string_equal(p->action, "transitioned");
				assert_string_equal(p->status, "running");
				assert_string_equal(p->previous_status,
				                    "planned");
			}
		}
		tandem__v1__event__free_unpacked(ev, NULL);
	}
	assert_int_equal(surveys, 1);
	assert_int_equal(deviants, 1);
	assert_int_equal(pdsa_events, 2);
	td_events_close(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(batch_stored_after_submission),
		cmocka_unit_test(signal_new_after_planted_shift),
		cmocka_unit_test(watch_prints_events),
		cmocka_unit_test(events_over_ipc_and_tls),
		cmocka_unit_test(deviants_pdsa_and_nothing_private),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
