/* SPDX-License-Identifier: MIT
 * Small-call throughput for scripts/bench (P2), in-process: N client
 * threads for S seconds, each doing round trips one after another, and the
 * round trips per second of all of them together.
 *   echo:     a raw nng req/rep echo of a given size; the rep0 server runs
 *             in this process with one context per worker (nng's async
 *             pattern, as tandemd's transport), so it is the transport's
 *             ceiling.
 *   health:   Health/Check through libtandem against a running tandemd.
 *   runchart: Analysis/RunChart of one school through libtandem.
 * Every thread has its own client (as separate client processes would);
 * --inflight K keeps K calls in flight per client (td_call_begin/end).
 * Prints "mode=M clients=N calls=C errors=E seconds=S rate=R".
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "tandem/tandem.h"

typedef struct opts {
	const char *mode, *url, *school, *measure;
	int         clients, workers, size, inflight;
	double      seconds;
} opts;

static opts o = { "echo", NULL, "S00001", "ela_scale", 1, 2, 128, 1, 2 };
static atomic_long calls, errors;
static atomic_bool stop;

static double
now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

/* ---- the echo server: one context and aio per worker ---- */

typedef struct worker {
	nng_ctx  ctx;
	nng_aio *aio;
	int      sending;
} worker;

static void
echo_cb(void *arg)
{
	worker *w = arg;
	if (nng_aio_result(w->aio) != 0) {
		if (w->sending) {
			nng_msg_free(nng_aio_get_msg(w->aio));
		}
		if (atomic_load(&stop)) {
			return;
		}
		w->sending = 0;
		nng_ctx_recv(w->ctx, w->aio);
		return;
	}
	if (w->sending) {
		w->sending = 0;
		nng_ctx_recv(w->ctx, w->aio);
	} else {
		w->sending = 1; /* the request itself goes back */
		nng_ctx_send(w->ctx, w->aio);
	}
}

static void *
echo_client(void *arg)
{
	(void) arg;
	nng_socket s;
	char       buf[65536];
	memset(buf, 'x', sizeof(buf));
	if (nng_req0_open(&s) != 0 || nng_dial(s, o.url, NULL, 0) != 0) {
		atomic_fetch_add(&errors, 1);
		return NULL;
	}
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 5000);
	while (!atomic_load(&stop)) {
		nng_msg *m;
		if (nng_msg_alloc(&m, 0) != 0
		    || nng_msg_append(m, buf, (size_t) o.size) != 0
		    || nng_sendmsg(s, m, 0) != 0
		    || nng_recvmsg(s, &m, 0) != 0) {
			atomic_fetch_add(&errors, 1);
			continue;
		}
		nng_msg_free(m);
		atomic_fetch_add(&calls, 1);
	}
	nng_close(s);
	return NULL;
}

/* ---- libtandem clients ---- */

static void *
tandem_client(void *arg)
{
	(void) arg;
	const char    *urls[1] = { o.url };
	td_client_opts co
	    = { urls, 1, getenv("TANDEM_TOKEN"), 10000, NULL, NULL };
	td_client *c = NULL;
	char       err[TD_ERRMSG_MAX];
	if (td_client_create(&c, &co, err) != TD_OK) {
		atomic_fetch_add(&errors, 1);
		return NULL;
	}
	Tandem__V1__HealthCheckRequest hq
	    = TANDEM__V1__HEALTH_CHECK_REQUEST__INIT;
	Tandem__V1__SeriesQuery     q  = TANDEM__V1__SERIES_QUERY__INIT;
	Tandem__V1__RunChartRequest rq = TANDEM__V1__RUN_CHART_REQUEST__INIT;
	td_measure                  key;
	if (td_measure_parse(&key, o.measure, err) != TD_OK) {
		fprintf(stderr, "rpc_load: --measure %s: %s\n", o.measure,
		        err);
		atomic_fetch_add(&errors, 1);
		td_client_destroy(c);
		return NULL;
	}
	q.measure   = &key.key;
	q.level     = TANDEM__V1__SCOPE_LEVEL__SCHOOL;
	q.code      = (char *) o.school;
	rq.query    = &q;
	bool health = strcmp(o.mode, "health") == 0;
	/* The stubs' methods: td_call_begin keeps several in flight. */
	const td_method *m
	    = health ? &td_health_check_method : &td_analysis_run_chart_method;
	const char                       *method = m->path;
	const ProtobufCMessage           *req  = health ? &hq.base : &rq.base;
	const ProtobufCMessageDescriptor *desc = m->reply;
	/* Keep o.inflight calls in flight: end the oldest, begin another. */
	td_pending *ring[64] = { NULL };
	long        k        = 0;
	for (;; k++) {
		td_status st   = { 0 };
		int       slot = (int) (k % o.inflight);
		if (ring[slot] != NULL) {
			ProtobufCMessage *r = NULL;
			int code            = td_call_end(ring[slot], &r, &st);
			ring[slot]          = NULL;
			if (code == TD_CODE_OK) {
				atomic_fetch_add(&calls, 1);
				protobuf_c_message_free_unpacked(r, NULL);
			} else if (atomic_fetch_add(&errors, 1) == 0) {
				fprintf(stderr, "rpc_load: %s: %s\n",
				        td_code_name(code), st.message);
			}
			td_status_reset(&st);
		}
		if (atomic_load(&stop)) {
			bool left = false;
			for (int i = 0; i < o.inflight; i++) {
				left |= ring[i] != NULL;
			}
			if (!left) {
				break;
			}
			continue;
		}
		if (td_call_begin(c, method, req, desc, &ring[slot], &st)
		    != TD_CODE_OK) {
			atomic_fetch_add(&errors, 1);
		}
		td_status_reset(&st);
	}
	td_client_destroy(c);
	return NULL;
}

int
main(int argc, char **argv)
{
	static const struct option lo[]
	    = { { "mode", required_argument, NULL, 'm' },
		{ "url", required_argument, NULL, 'u' },
		{ "clients", required_argument, NULL, 'c' },
		{ "workers", required_argument, NULL, 'w' },
		{ "size", required_argument, NULL, 'z' },
		{ "seconds", required_argument, NULL, 's' },
		{ "school", required_argument, NULL, 'k' },
		{ "measure", required_argument, NULL, 'e' },
		{ "inflight", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 } };
	int ch;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'm':
			o.mode = optarg;
			break;
		case 'u':
			o.url = optarg;
			break;
		case 'c':
			o.clients = atoi(optarg);
			break;
		case 'w':
			o.workers = atoi(optarg);
			break;
		case 'z':
			o.size = atoi(optarg);
			break;
		case 's':
			o.seconds = atof(optarg);
			break;
		case 'k':
			o.school = optarg;
			break;
		case 'e':
			o.measure = optarg;
			break;
		case 'i':
			o.inflight = atoi(optarg);
			break;
		default:
			fprintf(
			    stderr,
			    "usage: rpc_load --mode echo|health|runchart "
			    "--url URL [--clients N] [--inflight K] "
			    "[--workers W] [--size BYTES] [--seconds S]\n");
			return 2;
		}
	}
	if (o.url == NULL || o.clients < 1 || o.clients > 256 || o.workers < 1
	    || o.workers > 256 || o.inflight < 1 || o.inflight > 64
	    || o.size < 1 || o.size > 65536) {
		fprintf(stderr, "rpc_load: bad arguments\n");
		return 2;
	}
	bool       echo = strcmp(o.mode, "echo") == 0;
	nng_socket srv;
	worker    *ws = NULL;
	if (echo) {
		ws = calloc((size_t) o.workers, sizeof(*ws));
		if (ws == NULL || nng_rep0_open(&srv) != 0
		    || nng_listen(srv, o.url, NULL, 0) != 0) {
			fprintf(stderr, "rpc_load: cannot listen on %s\n",
			        o.url);
			return 1;
		}
		for (int i = 0; i < o.workers; i++) {
			if (nng_aio_alloc(&ws[i].aio, echo_cb, &ws[i]) != 0
			    || nng_ctx_open(&ws[i].ctx, srv) != 0) {
				return 1;
			}
			nng_ctx_recv(ws[i].ctx, ws[i].aio);
		}
	}
	pthread_t *th = calloc((size_t) o.clients, sizeof(*th));
	if (th == NULL) {
		return 1;
	}
	/* A short warm-up: connections made, caches filled. */
	double t0 = now_s();
	for (int i = 0; i < o.clients; i++) {
		pthread_create(&th[i], NULL,
		               echo ? echo_client : tandem_client, NULL);
	}
	struct timespec warm = { 0, 200 * 1000 * 1000 };
	nanosleep(&warm, NULL);
	long            c0 = atomic_load(&calls);
	double          t1 = now_s();
	struct timespec run
	    = { (time_t) o.seconds,
		(long) ((o.seconds - (double) (time_t) o.seconds) * 1e9) };
	nanosleep(&run, NULL);
	long   c1 = atomic_load(&calls);
	double t2 = now_s();
	atomic_store(&stop, true);
	for (int i = 0; i < o.clients; i++) {
		pthread_join(th[i], NULL);
	}
	(void) t0;
	if (echo) {
		nng_close(srv);
		for (int i = 0; i < o.workers; i++) {
			nng_aio_free(ws[i].aio);
		}
		free(ws);
	}
	free(th);
	printf("mode=%s clients=%d calls=%ld errors=%ld seconds=%.3f "
	       "rate=%.0f\n",
	       o.mode, o.clients, c1 - c0, atomic_load(&errors), t2 - t1,
	       (double) (c1 - c0) / (t2 - t1));
	return atomic_load(&errors) > 0 && c1 == c0 ? 1 : 0;
}
