/* SPDX-License-Identifier: MIT
 * Foundation: a real tandemd over ipc:// against a real PostgreSQL. Health,
 * reflection, unknown methods, malformed and oversized input, deadlines,
 * string limits, idempotent migrations and concurrent clients.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static char     conninfo[512];
static h_server srv;

static int
setup(void **state)
{
	(void) state;
	h_db_create("foundation", conninfo);
	/* A 1 MiB message limit so "oversized" is cheap to produce. */
	h_server_start(&srv, conninfo, "--max-message-bytes", "1048576", NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	assert_int_equal(h_server_stop(&srv), 0);
	return 0;
}

/* Sends raw bytes and decodes the ResponseEnvelope. */
static Tandem__V1__ResponseEnvelope *
raw_call(const void *buf, size_t len)
{
	td_client *c     = h_client(&srv, 5000);
	void      *reply = NULL;
	size_t     rlen  = 0;
	td_status  st    = { 0 };
	assert_int_equal(td_call_bytes(c, buf, len, &reply, &rlen, &st),
	                 TD_CODE_OK);
	Tandem__V1__ResponseEnvelope *env
	    = tandem__v1__response_envelope__unpack(NULL, rlen, reply);
	assert_non_null(env);
	assert_non_null(env->status);
	free(reply);
	td_client_destroy(c);
	return env;
}

/* Packs an envelope for method around payload. */
static uint8_t *
envelope(const char *method, const void *payload, size_t plen,
         int64_t deadline_ms, size_t *len)
{
	Tandem__V1__RequestEnvelope env = TANDEM__V1__REQUEST_ENVELOPE__INIT;
	env.method                      = (char *) method;
	env.payload.data                = (uint8_t *) payload;
	env.payload.len                 = plen;
	env.request_id                  = "test";
	env.deadline_ms                 = deadline_ms;
	*len       = tandem__v1__request_envelope__get_packed_size(&env);
	uint8_t *b = malloc(*len);
	tandem__v1__request_envelope__pack(&env, b);
	return b;
}

static void
assert_health_serving(void)
{
	td_client                     *c = h_client(&srv, 5000);
	Tandem__V1__HealthCheckRequest req
	    = TANDEM__V1__HEALTH_CHECK_REQUEST__INIT;
	Tandem__V1__HealthCheckResponse *resp = NULL;
	td_status                        st   = { 0 };
	assert_int_equal(td_health_check(c, &req, &resp, &st), TD_CODE_OK);
	assert_int_equal(
	    resp->status,
	    TANDEM__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING);
	assert_true(resp->schema_version >= 1);
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	td_client_destroy(c);
}

static void
health_is_serving_with_schema(void **state)
{
	(void) state;
	assert_health_serving();
}

static void
list_methods_lists_every_declared_method(void **state)
{
	(void) state;
	const ProtobufCServiceDescriptor *svcs[] = {
		&tandem__v1__health__descriptor,
		&tandem__v1__reflection__descriptor,
		&tandem__v1__registry__descriptor,
		&tandem__v1__ingest__descriptor,
		&tandem__v1__analysis__descriptor,
		&tandem__v1__admin__descriptor,
		&tandem__v1__improvement__descriptor,
		&tandem__v1__review__descriptor,
		&tandem__v1__export__descriptor,
	};
	td_client                     *c = h_client(&srv, 5000);
	Tandem__V1__ListMethodsRequest req
	    = TANDEM__V1__LIST_METHODS_REQUEST__INIT;
	Tandem__V1__ListMethodsResponse *resp = NULL;
	td_status                        st   = { 0 };
	assert_int_equal(td_reflection_list_methods(c, &req, &resp, &st),
	                 TD_CODE_OK);
	size_t expected = 0;
	for (size_t s = 0; s < sizeof(svcs) / sizeof(svcs[0]); s++) {
		for (unsigned m = 0; m < svcs[s]->n_methods; m++) {
			char path[160];
			snprintf(path, sizeof(path), "/%s/%s", svcs[s]->name,
			         svcs[s]->methods[m].name);
			int found = 0;
			for (size_t i = 0; i < resp->n_methods; i++) {
				if (strcmp(resp->methods[i]->path, path)
				    == 0) {
					found = 1;
					assert_string_equal(
					    resp->methods[i]->request_type,
					    svcs[s]->methods[m].input->name);
					assert_string_equal(
					    resp->methods[i]->response_type,
					    svcs[s]->methods[m].output->name);
				}
			}
			if (!found) {
				fail_msg("%s missing from ListMethods", path);
			}
			expected++;
		}
	}
	assert_int_equal(resp->n_methods, expected);
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	td_client_destroy(c);
}

/* One client, one thread, eight calls in flight of two kinds, ended in
 * the reverse order: each reply is its own call's (its type and content),
 * none is lost or swapped. */
static void
calls_in_flight_on_one_client_get_their_own_replies(void **state)
{
	(void) state;
	td_client                     *c = h_client(&srv, 5000);
	Tandem__V1__HealthCheckRequest hq
	    = TANDEM__V1__HEALTH_CHECK_REQUEST__INIT;
	Tandem__V1__ListMethodsRequest lq
	    = TANDEM__V1__LIST_METHODS_REQUEST__INIT;
	td_pending *p[8];
	td_status   st = { 0 };
	for (int i = 0; i < 8; i++) {
		assert_int_equal(
		    i % 2 ? td_call_begin(
		        c, td_reflection_list_methods_method.path, &lq.base,
		        &tandem__v1__list_methods_response__descriptor, &p[i],
		        &st)
		          : td_call_begin(
		              c, td_health_check_method.path, &hq.base,
		              &tandem__v1__health_check_response__descriptor,
		              &p[i], &st),
		    TD_CODE_OK);
	}
	for (int i = 7; i >= 0; i--) {
		ProtobufCMessage *r = NULL;
		assert_int_equal(td_call_end(p[i], &r, &st), TD_CODE_OK);
		if (i % 2) {
			assert_ptr_equal(
			    r->descriptor,
			    &tandem__v1__list_methods_response__descriptor);
			assert_true(
			    ((Tandem__V1__ListMethodsResponse *) r)->n_methods
			    > 10);
		} else {
			assert_ptr_equal(
			    r->descriptor,
			    &tandem__v1__health_check_response__descriptor);
			assert_int_equal(
			    ((Tandem__V1__HealthCheckResponse *) r)->status,
			    TANDEM__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING);
		}
		protobuf_c_message_free_unpacked(r, NULL);
	}
	td_status_reset(&st);
	td_client_destroy(c);
}

static void
unknown_method_is_unimplemented(void **state)
{
	(void) state;
	td_client                     *c = h_client(&srv, 5000);
	Tandem__V1__HealthCheckRequest req
	    = TANDEM__V1__HEALTH_CHECK_REQUEST__INIT;
	ProtobufCMessage *resp = NULL;
	td_status         st   = { 0 };
	assert_int_equal(
	    td_call(c, "/tandem.v1.Nowhere/Nothing", &req.base,
	            &tandem__v1__health_check_response__descriptor, &resp,
	            &st),
	    TD_CODE_UNIMPLEMENTED);
	assert_non_null(strstr(st.message, "/tandem.v1.Nowhere/Nothing"));
	assert_null(resp);
	td_status_reset(&st);
	td_client_destroy(c);
}

static void
garbage_bytes_are_invalid_argument_and_server_keeps_serving(void **state)
{
	(void) state;
	static const uint8_t junk[]
	    = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0x01, 0x02, 'g',  'a',  'r' };
	Tandem__V1__ResponseEnvelope *r = raw_call(junk, sizeof(junk));
	assert_int_equal(r->status->code, TD_CODE_INVALID_ARGUMENT);
	assert_non_null(strstr(r->status->message, "RequestEnvelope"));
	tandem__v1__response_envelope__free_unpacked(r, NULL);
	assert_health_serving();
}

static void
truncated_envelope_is_invalid_argument(void **state)
{
	(void) state;
	size_t   len;
	uint8_t *b = envelope(td_health_check_method.path, "", 0, 0, &len);
	Tandem__V1__ResponseEnvelope *r = raw_call(b, len - 3);
	assert_int_equal(r->status->code, TD_CODE_INVALID_ARGUMENT);
	tandem__v1__response_envelope__free_unpacked(r, NULL);
	free(b);
	assert_health_serving();
}

static void
malformed_payload_is_invalid_argument(void **state)
{
	(void) state;
	static const uint8_t bad[] = { 0x0a, 0x40, 'x' }; /* length past end */
	size_t               len;
	uint8_t             *b
	    = envelope(td_health_check_method.path, bad, sizeof(bad), 0, &len);
	Tandem__V1__ResponseEnvelope *r = raw_call(b, len);
	assert_int_equal(r->status->code, TD_CODE_INVALID_ARGUMENT);
	assert_non_null(strstr(r->status->message, "HealthCheckRequest"));
	tandem__v1__response_envelope__free_unpacked(r, NULL);
	free(b);
}

static void
oversized_message_is_refused_naming_the_limit(void **state)
{
	(void) state;
	size_t   big     = 2 * 1024 * 1024, len;
	uint8_t *payload = calloc(1, big);
	uint8_t *b
	    = envelope(td_health_check_method.path, payload, big, 0, &len);
	Tandem__V1__ResponseEnvelope *r = raw_call(b, len);
	assert_int_equal(r->status->code, TD_CODE_RESOURCE_EXHAUSTED);
	assert_non_null(strstr(r->status->message, "1048576"));
	tandem__v1__response_envelope__free_unpacked(r, NULL);
	free(b);
	free(payload);
	assert_health_serving();
}

static void
expired_deadline_is_deadline_exceeded(void **state)
{
	(void) state;
	size_t   len;
	uint8_t *b = envelope(td_health_check_method.path, "", 0, -1, &len);
	Tandem__V1__ResponseEnvelope *r = raw_call(b, len);
	assert_int_equal(r->status->code, TD_CODE_DEADLINE_EXCEEDED);
	tandem__v1__response_envelope__free_unpacked(r, NULL);
	free(b);
}

static void
slow_query_is_cut_by_the_deadline(void **state)
{
	(void) state;
	/* Sleep 5 s in the database with a 300 ms deadline: the server's
	 * statement_timeout stops it and answers DEADLINE_EXCEEDED. */
	td_client                 *c    = h_client(&srv, 300);
	Tandem__V1__SleepRequest   req  = TANDEM__V1__SLEEP_REQUEST__INIT;
	Tandem__V1__SleepResponse *resp = NULL;
	td_status                  st   = { 0 };
	req.ms                          = 5000;
	assert_int_equal(td_admin_sleep(c, &req, &resp, &st),
	                 TD_CODE_DEADLINE_EXCEEDED);
	assert_non_null(strstr(st.message, "deadline"));
	td_status_reset(&st);
	td_client_destroy(c);
	assert_health_serving();
}

static void
over_long_string_is_refused_naming_the_limit(void **state)
{
	(void) state;
	char *longs = malloc(2001);
	memset(longs, 'a', 2000);
	longs[2000]                      = '\0';
	td_client                     *c = h_client(&srv, 5000);
	Tandem__V1__HealthCheckRequest req
	    = TANDEM__V1__HEALTH_CHECK_REQUEST__INIT;
	Tandem__V1__HealthCheckResponse *resp = NULL;
	td_status                        st   = { 0 };
	req.service                           = longs;
	assert_int_equal(td_health_check(c, &req, &resp, &st),
	                 TD_CODE_INVALID_ARGUMENT);
	assert_int_equal(st.n_details, 1);
	assert_string_equal(st.details[0].field, "service");
	assert_string_equal(st.details[0].rule, "max_length");
	assert_non_null(strstr(st.details[0].message, "1024"));
	td_status_reset(&st);
	td_client_destroy(c);
	free(longs);
}

static void
invalid_utf8_and_nul_bytes_are_refused(void **state)
{
	(void) state;
	/* HealthCheckRequest.service (field 1, length-delimited). */
	static const uint8_t utf8[]  = { 0x0a, 0x03, 'a', 0xc3, 0x28 };
	static const uint8_t nul[]   = { 0x0a, 0x03, 'a', 0x00, 'b' };
	const uint8_t       *cases[] = { utf8, nul };
	const char          *rules[] = { "utf8", "no_nul" };
	for (int i = 0; i < 2; i++) {
		size_t   len;
		uint8_t *b = envelope(td_health_check_method.path, cases[i], 5,
		                      0, &len);
		Tandem__V1__ResponseEnvelope *r = raw_call(b, len);
		assert_int_equal(r->status->code, TD_CODE_INVALID_ARGUMENT);
		assert_int_equal(r->status->n_details, 1);
		assert_string_equal(r->status->details[0]->rule, rules[i]);
		tandem__v1__response_envelope__free_unpacked(r, NULL);
		free(b);
	}
}

static void
migrations_are_idempotent(void **state)
{
	(void) state;
	char      cmd[1200];
	long long before
	    = h_sql_int(conninfo, "SELECT count(*) FROM td_schema_migrations");
	assert_true(before >= 1);
	snprintf(
	    cmd, sizeof(cmd),
	    "%s/tandemd --migrate-only --db '%s' 2>/tmp/tdtest-mig-%d.log",
	    h_bin_dir(), conninfo, (int) getpid());
	assert_int_equal(h_run("%s", cmd), 0);
	assert_int_equal(h_run("%s", cmd), 0);
	assert_int_equal(
	    h_sql_int(conninfo, "SELECT count(*) FROM td_schema_migrations"),
	    before);
	assert_int_equal(h_run("grep -q 'applied=0' /tmp/tdtest-mig-%d.log",
	                       (int) getpid()),
	                 0);
	/* Every sql/NNN_*.sql file is recorded. */
	assert_int_equal(
	    h_run("test $(ls %s/sql/[0-9][0-9][0-9]_*.sql | wc -l) "
	          "-eq %lld",
	          h_source_dir(), before),
	    0);
}

#define N_CLIENTS 8
#define N_CALLS   50

static void *
hammer(void *arg)
{
	long      *ok = arg;
	td_client *c  = h_client(&srv, 10000);
	for (int i = 0; i < N_CALLS; i++) {
		Tandem__V1__HealthCheckRequest req
		    = TANDEM__V1__HEALTH_CHECK_REQUEST__INIT;
		Tandem__V1__HealthCheckResponse *resp = NULL;
		td_status                        st   = { 0 };
		if (td_health_check(c, &req, &resp, &st) == TD_CODE_OK
		    && resp->status
		        == TANDEM__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING) {
			(*ok)++;
		}
		if (resp) {
			protobuf_c_message_free_unpacked(&resp->base, NULL);
		}
		td_status_reset(&st);
	}
	td_client_destroy(c);
	return NULL;
}

static void
eight_concurrent_clients_are_all_answered(void **state)
{
	(void) state;
	pthread_t t[N_CLIENTS];
	long      ok[N_CLIENTS] = { 0 };
	for (int i = 0; i < N_CLIENTS; i++) {
		assert_int_equal(pthread_create(&t[i], NULL, hammer, &ok[i]),
		                 0);
	}
	long total = 0;
	for (int i = 0; i < N_CLIENTS; i++) {
		pthread_join(t[i], NULL);
		total += ok[i];
	}
	assert_int_equal(total, N_CLIENTS * N_CALLS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(health_is_serving_with_schema),
		cmocka_unit_test(
		    calls_in_flight_on_one_client_get_their_own_replies),
		cmocka_unit_test(list_methods_lists_every_declared_method),
		cmocka_unit_test(unknown_method_is_unimplemented),
		cmocka_unit_test(
		    garbage_bytes_are_invalid_argument_and_server_keeps_serving),
		cmocka_unit_test(truncated_envelope_is_invalid_argument),
		cmocka_unit_test(malformed_payload_is_invalid_argument),
		cmocka_unit_test(
		    oversized_message_is_refused_naming_the_limit),
		cmocka_unit_test(expired_deadline_is_deadline_exceeded),
		cmocka_unit_test(slow_query_is_cut_by_the_deadline),
		cmocka_unit_test(over_long_string_is_refused_naming_the_limit),
		cmocka_unit_test(invalid_utf8_and_nul_bytes_are_refused),
		cmocka_unit_test(migrations_are_idempotent),
		cmocka_unit_test(eight_concurrent_clients_are_all_answered),
	};
	return cmocka_run_group_tests_name("foundation", tests, setup,
	                                   teardown);
}
