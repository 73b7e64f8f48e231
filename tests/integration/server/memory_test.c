/* SPDX-License-Identifier: MIT
 * Memory held before authentication is bounded (issue 14): nng reads a
 * whole frame into memory before a worker can read the token, so hostile
 * senders that claim maximum-size frames and stall could grow tandemd
 * without bound. Here 64 raw connections each send a maximum frame but its
 * last byte and stall; tandemd's peak RSS is printed and must stay under
 * 256 MiB, connections beyond the budget are refused, others are still
 * served, and the budget comes back when the senders go.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "harness.h"
#include "tandem/wire.h"

#define SENDERS 64
/* The bound the issue sets for 64 hostile senders. */
#define RSS_LIMIT_KB (256L * 1024)

static char conninfo[512];

static int
free_port(void)
{
	int                s   = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a   = { .sin_family = AF_INET };
	socklen_t          len = sizeof(a);
	a.sin_addr.s_addr      = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *) &a, sizeof(a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *) &a, &len), 0);
	close(s);
	return ntohs(a.sin_port);
}

/* peak_rss_kb reads VmHWM (the peak resident set) of pid. */
static long
peak_rss_kb(pid_t pid)
{
	char  path[64], line[256];
	long  kb = -1;
	FILE *f;
	snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "VmHWM:", 6) == 0) {
			kb = strtol(line + 6, NULL, 10);
		}
	}
	fclose(f);
	return kb;
}

/* hostile_sender connects to port, speaks the SP handshake as a req0
 * peer, claims a maximum frame and sends all of it but the last byte.
 * Returns the socket when all was accepted (the server admitted it and is
 * holding the partial frame), or -1 when the server closed it. */
static int
hostile_sender(int port, const char *chunk, size_t chunk_len)
{
	int                s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a
	    = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
	struct timeval tv = { .tv_sec = 5 };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(s, (struct sockaddr *) &a, sizeof(a)) != 0) {
		close(s);
		return -1;
	}
	/* SP header: 0, 'S', 'P', version 0, protocol req0 = 0x30, 0, 0 */
	const unsigned char hello[8] = { 0, 'S', 'P', 0, 0, 0x30, 0, 0 };
	unsigned char       theirs[8];
	if (send(s, hello, sizeof(hello), MSG_NOSIGNAL) != sizeof(hello)
	    || recv(s, theirs, sizeof(theirs), MSG_WAITALL)
	        != sizeof(theirs)) {
		close(s);
		return -1;
	}
	/* Give the server the moment it takes to admit or refuse. */
	usleep(20000);
	uint64_t      len = TD_CLIENT_MAX_REQUEST + TD_FRAME_HEADROOM;
	unsigned char hdr[8];
	for (int i = 0; i < 8; i++) {
		hdr[i] = (unsigned char) (len >> (56 - 8 * i));
	}
	if (send(s, hdr, sizeof(hdr), MSG_NOSIGNAL) != sizeof(hdr)) {
		close(s);
		return -1;
	}
	for (uint64_t sent = 0; sent < len - 1;) {
		size_t n
		    = len - 1 - sent < chunk_len ? len - 1 - sent : chunk_len;
		ssize_t w = send(s, chunk, n, MSG_NOSIGNAL);
		if (w <= 0) {
			close(s);
			return -1;
		}
		sent += (uint64_t) w;
	}
	return s;
}

static void
assert_health_over(const char *url)
{
	h_server at = { 0 };
	snprintf(at.url, sizeof(at.url), "%s", url);
	td_client                     *c = h_client_token(&at, 10000, NULL);
	Tandem__V1__HealthCheckRequest q
	    = TANDEM__V1__HEALTH_CHECK_REQUEST__INIT;
	Tandem__V1__HealthCheckResponse *r  = NULL;
	td_status                        st = { 0 };
	assert_int_equal(td_health_check(c, &q, &r, &st), TD_CODE_OK);
	tandem__v1__health_check_response__free_unpacked(r, NULL);
	td_status_reset(&st);
	td_client_destroy(c);
}

/* run_senders starts a tandemd with extra, sends SENDERS hostile frames,
 * reads tandemd's peak RSS, checks that a local caller is still served
 * (when others is set: the budget has room beyond what one peer may hold)
 * and that the budget comes back once the senders go; returns how many
 * senders were admitted. */
static int
run_senders(const char *extra_opt, const char *extra_val, bool others,
            long *peak)
{
	h_server srv;
	char     tcp[64];
	int      port = free_port();
	int      socks[SENDERS], admitted = 0;
	size_t   chunk_len = 256 * 1024;
	char    *chunk     = malloc(chunk_len);
	assert_non_null(chunk);
	memset(chunk, 'x', chunk_len);
	snprintf(tcp, sizeof(tcp), "tcp://127.0.0.1:%d", port);
	h_server_start(&srv, conninfo, "--listen", tcp, "--quiet", extra_opt,
	               extra_val, NULL);
	for (int i = 0; i < SENDERS; i++) {
		socks[i] = hostile_sender(port, chunk, chunk_len);
		admitted += socks[i] >= 0;
	}
	*peak = peak_rss_kb(srv.pid);
	/* Others are still served meanwhile, when the budget has room. */
	if (others) {
		assert_health_over(srv.url);
	}
	for (int i = 0; i < SENDERS; i++) {
		if (socks[i] >= 0) {
			close(socks[i]);
		}
	}
	/* The budget comes back once the senders have gone. */
	usleep(200000);
	assert_health_over(tcp);
	assert_int_equal(h_server_stop(&srv), 0);
	free(chunk);
	return admitted;
}

static bool
sanitized(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
	return true;
#endif
#endif
	return false;
}

static void
assert_bounded(long peak_kb)
{
	/* A sanitizer's allocator keeps shadow memory and quarantine; there
	 * the figure is printed but only bounded loosely. */
	long limit = sanitized() ? 4 * RSS_LIMIT_KB : RSS_LIMIT_KB;
	assert_true(peak_kb > 0);
	assert_true(peak_kb < limit);
}

static void
one_peer_is_held_to_its_share(void **state)
{
	(void) state;
	long peak = 0;
	int  n = run_senders("--max-connections-per-peer", "16", true, &peak);
	printf("# %d hostile senders from one address: %d admitted, "
	       "tandemd peak RSS %ld KiB (limit %ld KiB)\n",
	       SENDERS, n, peak, RSS_LIMIT_KB);
	assert_int_equal(n, 16);
	assert_bounded(peak);
}

static void
the_global_budget_holds_when_every_sender_is_admitted(void **state)
{
	(void) state;
	long peak = 0;
	/* Every sender may come from one address here, so only the
	 * default budget (--max-pending-bytes) limits them. */
	int n
	    = run_senders("--max-connections-per-peer", "1000", false, &peak);
	long want = (long) (TD_DEFAULT_MAX_PENDING
	                    / (TD_CLIENT_MAX_REQUEST + TD_FRAME_HEADROOM));
	printf("# %d hostile senders, global budget %u bytes: %d admitted, "
	       "tandemd peak RSS %ld KiB (limit %ld KiB)\n",
	       SENDERS, TD_DEFAULT_MAX_PENDING, n, peak, RSS_LIMIT_KB);
	assert_int_equal(n, want);
	assert_bounded(peak);
}

static void
an_oversized_request_is_refused_by_the_client_naming_the_limit(void **state)
{
	(void) state;
	h_server srv;
	h_server_start(&srv, conninfo, "--quiet", NULL);
	td_client *c = h_client(&srv, 10000);
	/* A survey batch whose encoding is over the request limit. */
	size_t                       n      = 200000;
	Tandem__V1__SurveyResponse  *rs     = calloc(n, sizeof(*rs));
	Tandem__V1__SurveyResponse **ps     = calloc(n, sizeof(*ps));
	static char                  resp[] = "respondent-with-a-long-id-0000";
	for (size_t i = 0; i < n; i++) {
		tandem__v1__survey_response__init(&rs[i]);
		rs[i].school          = "S1";
		rs[i].respondent      = resp;
		rs[i].administered_on = "2024-09-01";
		ps[i]                 = &rs[i];
	}
	Tandem__V1__SubmitSurveyResponsesRequest q
	    = TANDEM__V1__SUBMIT_SURVEY_RESPONSES_REQUEST__INIT;
	q.submission_id                = "too-big";
	q.survey                       = "s";
	q.responses                    = ps;
	q.n_responses                  = n;
	Tandem__V1__SubmitResponse *r  = NULL;
	td_status                   st = { 0 };
	assert_int_equal(td_ingest_submit_survey_responses(c, &q, &r, &st),
	                 TD_CODE_RESOURCE_EXHAUSTED);
	char want[32];
	snprintf(want, sizeof(want), "%u-byte", TD_CLIENT_MAX_REQUEST);
	assert_non_null(strstr(st.message, want));
	td_status_reset(&st);
	free(rs);
	free(ps);
	td_client_destroy(c);
	assert_int_equal(h_server_stop(&srv), 0);
}

int
main(void)
{
	h_db_create("memory", conninfo);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_peer_is_held_to_its_share),
		cmocka_unit_test(
		    the_global_budget_holds_when_every_sender_is_admitted),
		cmocka_unit_test(
		    an_oversized_request_is_refused_by_the_client_naming_the_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
