/* SPDX-License-Identifier: MIT
 * nng rep0 server loop. Worker threads block in nng_aio_wait (never in an
 * nng callback), so each may use its own PGconn freely.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/tls/tls.h>

#include "metrics/metrics.h"
#include "rpc/rpc.h"
#include "store/store.h"
#include "tandem/errors.h"
#include "transport.h"

/* How often an idle worker wakes to look at the stop flag. */
#define POLL_MS 200

typedef struct worker {
	int               id;
	pthread_t         thread;
	bool              started;
	nng_ctx           ctx;
	nng_aio          *aio;
	rpc_worker_ctx    rpc;
	struct transport *t;
} worker;

struct transport {
	nng_socket       sock;
	bool             sock_open;
	const td_config *cfg;
	worker          *workers;
	int              n_workers;
	atomic_bool      stopping;
};

/* transport_peer names the remote address of msg's pipe (an IP address,
 * or the transport for ipc), for per-peer limits. */
static void
transport_peer(nng_msg *msg, char *out, size_t cap)
{
	nng_sockaddr sa;
	snprintf(out, cap, "unknown");
	if (nng_pipe_get_addr(nng_msg_get_pipe(msg), NNG_OPT_REMADDR, &sa)
	    != 0) {
		return;
	}
	if (sa.s_family == NNG_AF_INET) {
		inet_ntop(AF_INET, &sa.s_in.sa_addr, out, (socklen_t) cap);
	} else if (sa.s_family == NNG_AF_INET6) {
		inet_ntop(AF_INET6, sa.s_in6.sa_addr, out, (socklen_t) cap);
	} else if (sa.s_family == NNG_AF_IPC) {
		snprintf(out, cap, "ipc");
	}
}

static void
serve_one(worker *w, nng_msg *msg)
{
	void  *out     = NULL;
	size_t out_len = 0;
	transport_peer(msg, w->rpc.peer, sizeof(w->rpc.peer));
	if (rpc_handle(&w->rpc, nng_msg_body(msg), nng_msg_len(msg), &out,
	               &out_len)
	    != TD_OK) {
		/* Out of memory: no reply can be built; the client times
		 * out and retries, which ingest makes safe. */
		nng_msg_free(msg);
		return;
	}
	nng_msg_clear(msg);
	int rv = nng_msg_append(msg, out, out_len);
	free(out);
	if (rv != 0) {
		nng_msg_free(msg);
		return;
	}
	nng_aio_set_msg(w->aio, msg);
	nng_aio_set_timeout(w->aio, 10000);
	nng_ctx_send(w->ctx, w->aio);
	nng_aio_wait(w->aio);
	if (nng_aio_result(w->aio) != 0) {
		/* The peer went away; the message is still ours. */
		nng_msg_free(nng_aio_get_msg(w->aio));
	}
}

static void *
worker_main(void *arg)
{
	worker *w = arg;
	while (!atomic_load(&w->t->stopping)) {
		nng_aio_set_timeout(w->aio, POLL_MS);
		nng_ctx_recv(w->ctx, w->aio);
		nng_aio_wait(w->aio);
		int rv = nng_aio_result(w->aio);
		if (rv == NNG_ETIMEDOUT) {
			metrics_db_state(w->id,
			                 store_idle_check(w->rpc.store));
			continue;
		}
		if (rv == NNG_ECLOSED || rv == NNG_ECANCELED) {
			break;
		}
		if (rv != 0) {
			fprintf(stderr,
			        "level=error msg=\"receive failed\" worker=%d "
			        "error=\"%s\"\n",
			        w->id, nng_strerror(rv));
			continue;
		}
		serve_one(w, nng_aio_get_msg(w->aio));
	}
	return NULL;
}

/* read_pem returns a file's contents as a string (malloc'd) or NULL. */
static char *
read_pem(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		return NULL;
	}
	char  *buf = malloc(65537);
	size_t n   = buf ? fread(buf, 1, 65536, f) : 0;
	fclose(f);
	if (buf != NULL) {
		buf[n] = '\0';
	}
	return buf;
}

static int
add_listener(transport *t, const char *url, char *errmsg)
{
	nng_listener l;
	int          rv = nng_listener_create(&l, t->sock, url);
	if (rv != 0) {
		snprintf(errmsg, TD_ERRMSG_MAX, "cannot listen on %s: %s", url,
		         nng_strerror(rv));
		return TD_EINVAL;
	}
	if (strncmp(url, "tls+", 4) == 0) {
		if (t->cfg->tls_cert == NULL || t->cfg->tls_key == NULL) {
			snprintf(errmsg, TD_ERRMSG_MAX,
			         "%s needs --tls-cert and --tls-key", url);
			nng_listener_close(l);
			return TD_EINVAL;
		}
		/* nng 1.5's cert_key_file wants both in one file; take
		 * them as two, as operators keep them. */
		nng_tls_config *tls  = NULL;
		char           *cert = read_pem(t->cfg->tls_cert);
		char           *key  = read_pem(t->cfg->tls_key);
		rv                   = cert && key
		                      ? nng_tls_config_alloc(&tls, NNG_TLS_MODE_SERVER)
		                      : NNG_ENOENT;
		if (rv == 0) {
			rv = nng_tls_config_own_cert(tls, cert, key, NULL);
		}
		if (rv == 0) {
			rv = nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, tls);
		}
		if (tls != NULL) {
			nng_tls_config_free(tls);
		}
		free(cert);
		free(key);
		if (rv != 0) {
			snprintf(errmsg, TD_ERRMSG_MAX,
			         "TLS setup for %s failed (%s, %s): %s", url,
			         t->cfg->tls_cert, t->cfg->tls_key,
			         nng_strerror(rv));
			nng_listener_close(l);
			return TD_EINVAL;
		}
	}
	if ((rv = nng_listener_start(l, 0)) != 0) {
		snprintf(errmsg, TD_ERRMSG_MAX, "cannot listen on %s: %s", url,
		         nng_strerror(rv));
		return TD_EINVAL;
	}
	return TD_OK;
}

int
transport_start(transport **out, const td_config *cfg, char *errmsg)
{
	transport *t = calloc(1, sizeof(*t));
	int        rv;
	if (t == NULL) {
		snprintf(errmsg, TD_ERRMSG_MAX, "out of memory");
		return TD_ENOMEM;
	}
	t->cfg = cfg;
	atomic_init(&t->stopping, false);
	if ((rv = nng_rep0_open(&t->sock)) != 0) {
		snprintf(errmsg, TD_ERRMSG_MAX, "cannot open socket: %s",
		         nng_strerror(rv));
		free(t);
		return TD_EINTERNAL;
	}
	t->sock_open = true;
	/* nng drops a message over RECVMAXSZ silently (the client only
	 * times out), so the cap sits well above the application limit and
	 * rpc_handle answers the breach by name. */
	size_t cap = cfg->max_message * TD_TRANSPORT_CAP_FACTOR;
	if (cap < TD_CLIENT_MAX_REQUEST + 65536) {
		cap = TD_CLIENT_MAX_REQUEST + 65536;
	}
	nng_socket_set_size(t->sock, NNG_OPT_RECVMAXSZ, cap);
	t->workers = calloc((size_t) cfg->workers, sizeof(worker));
	if (t->workers == NULL) {
		snprintf(errmsg, TD_ERRMSG_MAX, "out of memory");
		rv = TD_ENOMEM;
		goto fail;
	}
	for (int i = 0; i < cfg->workers; i++) {
		worker *w     = &t->workers[i];
		w->id         = i;
		w->t          = t;
		w->rpc.worker = i;
		w->rpc.cfg    = cfg;
		if (nng_ctx_open(&w->ctx, t->sock) != 0
		    || nng_aio_alloc(&w->aio, NULL, NULL) != 0
		    || rpc_arena_create(&w->rpc.arena) != 0
		    || store_open(&w->rpc.store, cfg->db, i) != TD_OK) {
			snprintf(errmsg, TD_ERRMSG_MAX,
			         "cannot set up worker %d", i);
			rv           = TD_ENOMEM;
			t->n_workers = i + 1;
			goto fail;
		}
		t->n_workers = i + 1;
		metrics_db_state(i, store_connected(w->rpc.store));
	}
	for (int i = 0; i < cfg->n_listen; i++) {
		if ((rv = add_listener(t, cfg->listen[i], errmsg)) != TD_OK) {
			goto fail;
		}
	}
	for (int i = 0; i < t->n_workers; i++) {
		worker *w = &t->workers[i];
		if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			snprintf(errmsg, TD_ERRMSG_MAX,
			         "cannot start worker thread %d", i);
			rv = TD_EINTERNAL;
			goto fail;
		}
		w->started = true;
	}
	*out = t;
	return TD_OK;
fail:
	transport_stop(t);
	return rv;
}

void
transport_stop(transport *t)
{
	if (t == NULL) {
		return;
	}
	atomic_store(&t->stopping, true);
	for (int i = 0; i < t->n_workers; i++) {
		if (t->workers[i].started) {
			pthread_join(t->workers[i].thread, NULL);
		}
	}
	if (t->sock_open) {
		nng_close(t->sock);
	}
	for (int i = 0; i < t->n_workers; i++) {
		worker *w = &t->workers[i];
		nng_aio_free(w->aio);
		rpc_arena_destroy(w->rpc.arena);
		store_close(w->rpc.store);
	}
	free(t->workers);
	free(t);
}
