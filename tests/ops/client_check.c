/* SPDX-License-Identifier: MIT
 * A program built against an installed libtandem (pkg-config tandem), as
 * an operator's or integrator's would be: Health through the public API,
 * then the protocol check both ways (a request claiming another protocol
 * is refused by tandemd; a reply claiming another is refused by the
 * library), each with a message naming both versions.
 *   client_check URL        exit 0 when all three hold
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <tandem/tandem.h>

static int failed;

static void
expect(int ok, const char *what, const char *detail)
{
	printf("%s %s%s%s\n", ok ? "ok  " : "FAIL", what, detail ? ": " : "",
	       detail ? detail : "");
	failed += !ok;
}

/* connect_to makes a client of url, or exits. */
static td_client *
connect_to(const char *url)
{
	const char    *urls[] = { url };
	td_client_opts o = { .urls = urls, .n_urls = 1, .timeout_ms = 5000 };
	td_client     *c;
	char           err[TD_ERRMSG_MAX];
	if (td_client_create(&c, &o, err) != TD_OK) {
		fprintf(stderr, "client_check: %s\n", err);
		exit(1);
	}
	return c;
}

/* health asks url for Health/Check and returns the gRPC code. */
static int
health(const char *url, td_status *st, int *serving)
{
	td_client                     *c = connect_to(url);
	Tandem__V1__HealthCheckRequest req
	    = TANDEM__V1__HEALTH_CHECK_REQUEST__INIT;
	Tandem__V1__HealthCheckResponse *resp = NULL;
	int code = td_health_check(c, &req, &resp, st);
	if (resp != NULL) {
		*serving = resp->status
		    == TANDEM__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
		printf("health: version %s, protocol %d, schema %d\n",
		       resp->version, resp->protocol_version,
		       resp->schema_version);
		protobuf_c_message_free_unpacked(&resp->base, NULL);
	}
	td_client_destroy(c);
	return code;
}

/* claim_protocol sends Health/Check with metadata claiming protocol 99. */
static void
claim_protocol(const char *url)
{
	td_client                     *c = connect_to(url);
	Tandem__V1__HealthCheckRequest hreq
	    = TANDEM__V1__HEALTH_CHECK_REQUEST__INIT;
	uint8_t payload[64];
	size_t  plen = tandem__v1__health_check_request__pack(&hreq, payload);
	Tandem__V1__MetadataEntry  e    = TANDEM__V1__METADATA_ENTRY__INIT;
	Tandem__V1__MetadataEntry *md[] = { &e };
	e.key                           = TD_PROTOCOL_KEY;
	e.value                         = "99";
	Tandem__V1__RequestEnvelope env = TANDEM__V1__REQUEST_ENVELOPE__INIT;
	env.method                      = (char *) td_health_check_method.path;
	env.payload.data                = payload;
	env.payload.len                 = plen;
	env.deadline_ms                 = 5000;
	env.n_metadata                  = 1;
	env.metadata                    = md;
	size_t   n   = tandem__v1__request_envelope__get_packed_size(&env);
	uint8_t *buf = malloc(n);
	tandem__v1__request_envelope__pack(&env, buf);
	void     *reply = NULL;
	size_t    rlen  = 0;
	td_status st    = { 0 };
	int       code  = td_call_bytes(c, buf, n, &reply, &rlen, &st);
	free(buf);
	Tandem__V1__ResponseEnvelope *r = code == TD_CODE_OK
	    ? tandem__v1__response_envelope__unpack(NULL, rlen, reply)
	    : NULL;
	expect(r != NULL && r->status != NULL
	           && r->status->code == TANDEM__V1__CODE__FAILED_PRECONDITION
	           && strstr(r->status->message, "protocol 99") != NULL
	           && strstr(r->status->message, "protocol 1") != NULL,
	       "tandemd refuses a client of protocol 99",
	       r && r->status ? r->status->message : st.message);
	if (r != NULL) {
		tandem__v1__response_envelope__free_unpacked(r, NULL);
	}
	free(reply);
	td_status_reset(&st);
	td_client_destroy(c);
}

/* answer_once replies to one request as a server of protocol 99 would. */
static void *
answer_once(void *arg)
{
	nng_socket *s = arg;
	nng_msg    *msg;
	if (nng_recvmsg(*s, &msg, 0) != 0) {
		return NULL;
	}
	Tandem__V1__Status           st  = TANDEM__V1__STATUS__INIT;
	Tandem__V1__ResponseEnvelope env = TANDEM__V1__RESPONSE_ENVELOPE__INIT;
	uint8_t                      buf[256];
	env.status           = &st;
	env.protocol_version = 99;
	size_t n             = tandem__v1__response_envelope__pack(&env, buf);
	nng_msg_clear(msg);
	if (nng_msg_append(msg, buf, n) != 0 || nng_sendmsg(*s, msg, 0) != 0) {
		nng_msg_free(msg);
	}
	return NULL;
}

/* other_server: a server of protocol 99 on url; the library must refuse
 * its reply and name both versions. */
static void
other_server(const char *url)
{
	nng_socket s;
	pthread_t  th;
	if (nng_rep0_open(&s) != 0 || nng_listen(s, url, NULL, 0) != 0
	    || pthread_create(&th, NULL, answer_once, &s) != 0) {
		fprintf(stderr, "client_check: cannot serve on %s\n", url);
		exit(1);
	}
	td_status st      = { 0 };
	int       serving = 0;
	int       code    = health(url, &st, &serving);
	expect(code == TD_CODE_FAILED_PRECONDITION
	           && strstr(st.message, "protocol 99") != NULL
	           && strstr(st.message, "speaks protocol 1") != NULL,
	       "libtandem refuses a server of protocol 99", st.message);
	td_status_reset(&st);
	pthread_join(th, NULL);
	nng_close(s);
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr,
		        "usage: client_check TANDEMD-URL SPARE-IPC-URL\n");
		return 2;
	}
	printf("libtandem %s, protocol %d\n", td_version(),
	       td_protocol_version());
	td_status st      = { 0 };
	int       serving = 0;
	int       code    = health(argv[1], &st, &serving);
	expect(code == TD_CODE_OK && serving, "Health/Check says SERVING",
	       code == TD_CODE_OK ? NULL : st.message);
	td_status_reset(&st);
	claim_protocol(argv[1]);
	other_server(argv[2]);
	return failed ? 1 : 0;
}
