/* SPDX-License-Identifier: MIT
 * Database outages and shutdown: with its own PostgreSQL cluster (so
 * stopping it disturbs no other test), tandemd reports NOT_SERVING and
 * answers UNAVAILABLE fast while the database is down, recovers without a
 * restart, and drains an in-flight request on SIGTERM.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static char     pgdir[128];
static char     conninfo[512];
static h_server srv;

static void
pg(const char *action)
{
	assert_int_equal(h_run("%s/scripts/pg %s %s auto >/dev/null",
	                       h_source_dir(), action, pgdir),
	                 0);
}

static int
setup(void **state)
{
	(void) state;
	snprintf(pgdir, sizeof(pgdir), "/tmp/tdtest-outage-%d",
	         (int) getpid());
	pg("start");
	char path[200];
	int  port = 0;
	snprintf(path, sizeof(path), "%s/port", pgdir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &port), 1);
	fclose(f);
	snprintf(conninfo, sizeof(conninfo),
	         "host=%s port=%d user=postgres dbname=tandem", pgdir, port);
	h_server_start(&srv, conninfo, NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	if (srv.pid > 0) {
		h_server_stop(&srv);
	}
	h_run("%s/scripts/pg stop %s immediate >/dev/null 2>&1; rm -rf %s",
	      h_source_dir(), pgdir, pgdir);
	return 0;
}

static int
health_status(void)
{
	td_client                     *c = h_client(&srv, 5000);
	Tandem__V1__HealthCheckRequest req
	    = TANDEM__V1__HEALTH_CHECK_REQUEST__INIT;
	Tandem__V1__HealthCheckResponse *resp = NULL;
	td_status                        st   = { 0 };
	assert_int_equal(td_health_check(c, &req, &resp, &st), TD_CODE_OK);
	int s = resp->status;
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	td_client_destroy(c);
	return s;
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
health_follows_the_database_down_and_up(void **state)
{
	(void) state;
	const int SERVING
	    = TANDEM__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
	const int NOT_SERVING
	    = TANDEM__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING;
	assert_int_equal(health_status(), SERVING);
	assert_int_equal(h_run("%s/scripts/pg stop %s fast >/dev/null",
	                       h_source_dir(), pgdir),
	                 0);
	/* Every worker sees the outage (4 workers: ask more often). */
	for (int i = 0; i < 8; i++) {
		assert_int_equal(health_status(), NOT_SERVING);
	}
	/* A database call during the outage is UNAVAILABLE, and fast:
	 * well inside its 10 s deadline. */
	td_client                 *c    = h_client(&srv, 10000);
	Tandem__V1__SleepRequest   req  = TANDEM__V1__SLEEP_REQUEST__INIT;
	Tandem__V1__SleepResponse *resp = NULL;
	td_status                  st   = { 0 };
	double                     t0   = now_s();
	assert_int_equal(td_admin_sleep(c, &req, &resp, &st),
	                 TD_CODE_UNAVAILABLE);
	assert_true(now_s() - t0 < 5.0);
	td_status_reset(&st);
	td_client_destroy(c);

	pg("start");
	/* Recovery without a restart of tandemd: within a few seconds
	 * (reconnects are throttled while the database is down)... */
	int up = 0;
	for (int i = 0; i < 100 && !up; i++) {
		up = health_status() == SERVING;
		if (!up) {
			usleep(50000);
		}
	}
	assert_true(up);
	/* ...and then on every worker. Health answers from the server's
	 * known state, so calls that use the database show it: each worker
	 * reconnects on its own (at most every 200 ms), so a call may still
	 * meet one that has not yet; within a few seconds 16 in a row pass. */
	for (int i = 0; i < 8; i++) {
		assert_int_equal(health_status(), SERVING);
	}
	td_client *dc = h_client(&srv, 10000);
	int        ok = 0;
	for (int i = 0; i < 200 && ok < 16; i++) {
		Tandem__V1__SleepRequest sq = TANDEM__V1__SLEEP_REQUEST__INIT;
		Tandem__V1__SleepResponse *sr = NULL;
		td_status                  ss = { 0 };
		sq.ms                         = 1;
		if (td_admin_sleep(dc, &sq, &sr, &ss) == TD_CODE_OK) {
			ok++;
		} else {
			ok = 0;
			usleep(50000);
		}
		if (sr) {
			protobuf_c_message_free_unpacked(&sr->base, NULL);
		}
		td_status_reset(&ss);
	}
	td_client_destroy(dc);
	assert_int_equal(ok, 16);
}

static void *
slow_call(void *arg)
{
	int                       *code = arg;
	td_client                 *c    = h_client(&srv, 10000);
	Tandem__V1__SleepRequest   req  = TANDEM__V1__SLEEP_REQUEST__INIT;
	Tandem__V1__SleepResponse *resp = NULL;
	td_status                  st   = { 0 };
	req.ms                          = 1500;
	*code                           = td_admin_sleep(c, &req, &resp, &st);
	if (resp) {
		protobuf_c_message_free_unpacked(&resp->base, NULL);
	}
	td_status_reset(&st);
	td_client_destroy(c);
	return NULL;
}

static void
sigterm_drains_the_request_in_flight(void **state)
{
	(void) state;
	pthread_t t;
	int       code = -1;
	assert_int_equal(pthread_create(&t, NULL, slow_call, &code), 0);
	usleep(400000); /* the call is inside pg_sleep now */
	assert_int_equal(h_server_stop(&srv), 0);
	pthread_join(t, NULL);
	assert_int_equal(code, TD_CODE_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(health_follows_the_database_down_and_up),
		cmocka_unit_test(sigterm_drains_the_request_in_flight),
	};
	return cmocka_run_group_tests_name("outage", tests, setup, teardown);
}
