/* SPDX-License-Identifier: MIT
 * Events end to end: a real subscriber (libtandem's nng sub0) on a real
 * tandemd's --events-listen socket receives batch.stored after a real
 * submission and signal.new after a planted shift, and no event carries a
 * count below min_n or a signal resting on suppressed points.
 */
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
	h_server_start(&srv, conninfo, "--events-listen", events_url, NULL);
	cl                  = h_client(&srv, 30000);
	const char *files[] = { "districts", "schools", "measures" };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(h_run("%s/tandem --server %s define %s "
		                       "%s/tests/fixtures/%s.csv >/dev/null",
		                       h_bin_dir(), srv.url, files[i],
		                       h_source_dir(), files[i]),
		                 0);
	}
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
subscribe(const char *topic)
{
	td_events *e;
	char       err[TD_ERRMSG_MAX];
	if (td_events_open(&e, events_url, topic, NULL, err) != TD_OK) {
		fail_msg("subscribe %s: %s", events_url, err);
	}
	return e;
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
		                    "/tandem.v1.Ingest/SubmitOutcomes");
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
		} else {
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(batch_stored_after_submission),
		cmocka_unit_test(signal_new_after_planted_shift),
		cmocka_unit_test(watch_prints_events),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
