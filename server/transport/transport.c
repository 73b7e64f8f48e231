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
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/tls/tls.h>

#include "metrics/metrics.h"
#include "rpc/rpc.h"
#include "store/store.h"
#include "tandem/errors.h"
#include "transport.h"

/* How often an idle worker wakes to look at the stop flag. */
#define POLL_MS 200

/* A worker receives on one of its two contexts and hands the reply to
 * nng without waiting for the send, then receives on the other: waiting
 * for each send to complete cost a wake-up of the worker per call (Health
 * with 8 calls in flight: 0.5-0.65x a raw echo). A context is used again
 * only once its previous send has completed (send[k]). */
typedef struct worker {
	int               id;
	pthread_t         thread;
	bool              started;
	nng_ctx           ctx, ctx2;
	nng_aio          *aio; /* receives */
	nng_aio          *send[2]; /* each context's reply */
	bool              sending[2];
	int               cur; /* the context receiving: 0 = ctx, 1 = ctx2 */
	rpc_worker_ctx    rpc;
	struct transport *t;
} worker;

/* Peers tracked for the per-peer limit: at most the connections admitted,
 * so a fixed table sized from the budget never overflows. */
typedef struct peer_slot {
	char addr[48]; /* "" = free */
	int  conns;
} peer_slot;

/* An admitted pipe and its peer's slot (NULL for a local peer): removal
 * finds it by id, since a closed pipe may no longer name its address. */
typedef struct admitted_pipe {
	uint32_t   id; /* 0 = free */
	peer_slot *peer;
} admitted_pipe;

struct transport {
	nng_socket       sock;
	bool             sock_open;
	nng_socket       pub; /* events (pub0), when --events-listen */
	bool             pub_open;
	const td_config *cfg;
	worker          *workers;
	int              n_workers;
	atomic_bool      stopping;
	/* Admission: a pipe is admitted while every admitted pipe could
	 * hold a maximum frame within cfg->max_pending, and its peer holds
	 * fewer than cfg->max_per_peer. nng reads a frame into memory
	 * before any worker sees it, so this bounds what unauthenticated
	 * senders can make tandemd hold. */
	pthread_mutex_t admit_mtx;
	int             admitted;
	int             max_admitted;
	peer_slot      *peers;
	admitted_pipe  *pipes;
	atomic_long     refused;
	bool            admit_init;
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
	nng_aio *a = w->send[w->cur];
	nng_aio_set_msg(a, msg);
	nng_aio_set_timeout(a, 10000);
	nng_ctx_send(w->cur ? w->ctx2 : w->ctx, a);
	w->sending[w->cur] = true;
}

/* send_done waits for context k's last reply to be handed over (it
 * usually is by now) and frees it if the peer went away. */
static void
send_done(worker *w, int k)
{
	if (!w->sending[k]) {
		return;
	}
	nng_aio_wait(w->send[k]);
	if (nng_aio_result(w->send[k]) != 0) {
		/* The peer went away; the message is still ours. */
		nng_msg_free(nng_aio_get_msg(w->send[k]));
	}
	w->sending[k] = false;
}

static void *
worker_main(void *arg)
{
	worker *w = arg;
	while (!atomic_load(&w->t->stopping)) {
		send_done(w, w->cur);
		nng_aio_set_timeout(w->aio, POLL_MS);
		nng_ctx_recv(w->cur ? w->ctx2 : w->ctx, w->aio);
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
		w->cur ^= 1;
	}
	send_done(w, 0);
	send_done(w, 1);
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
add_listener(transport *t, nng_socket sock, const char *url, char *errmsg)
{
	nng_listener l;
	int          rv = nng_listener_create(&l, sock, url);
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

/* pipe_peer names p's remote IP address, or "" for a local (ipc) peer,
 * which only the global budget limits. */
static void
pipe_peer(nng_pipe p, char *out, size_t cap)
{
	nng_sockaddr sa;
	out[0] = '\0';
	if (nng_pipe_get_addr(p, NNG_OPT_REMADDR, &sa) != 0) {
		return;
	}
	if (sa.s_family == NNG_AF_INET) {
		inet_ntop(AF_INET, &sa.s_in.sa_addr, out, (socklen_t) cap);
	} else if (sa.s_family == NNG_AF_INET6) {
		inet_ntop(AF_INET6, sa.s_in6.sa_addr, out, (socklen_t) cap);
	}
}

/* peer_find returns addr's slot, taking a free one when create is set;
 * called with admit_mtx held. */
static peer_slot *
peer_find(transport *t, const char *addr, bool create)
{
	peer_slot *free_slot = NULL;
	for (int i = 0; i < t->max_admitted; i++) {
		peer_slot *ps = &t->peers[i];
		if (ps->addr[0] == '\0') {
			if (free_slot == NULL) {
				free_slot = ps;
			}
		} else if (strcmp(ps->addr, addr) == 0) {
			return ps;
		}
	}
	if (create && free_slot != NULL) {
		snprintf(free_slot->addr, sizeof(free_slot->addr), "%s", addr);
		free_slot->conns = 0;
		return free_slot;
	}
	return NULL;
}

/* admit runs in nng's pipe callbacks: it takes only a mutex, never
 * blocks on I/O, and closes a pipe it refuses before nng reads a frame
 * from it (nng then sends no further event for that pipe). */
static void
admit(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	transport *t  = arg;
	uint32_t   id = (uint32_t) nng_pipe_id(p);
	char       addr[48];
	if (ev == NNG_PIPE_EV_REM_POST) {
		pthread_mutex_lock(&t->admit_mtx);
		for (int i = 0; i < t->max_admitted; i++) {
			admitted_pipe *ap = &t->pipes[i];
			if (ap->id != id) {
				continue;
			}
			if (ap->peer != NULL && --ap->peer->conns == 0) {
				ap->peer->addr[0] = '\0';
			}
			ap->id   = 0;
			ap->peer = NULL;
			t->admitted--;
			break;
		}
		pthread_mutex_unlock(&t->admit_mtx);
		return;
	}
	if (ev != NNG_PIPE_EV_ADD_PRE) {
		return;
	}
	pipe_peer(p, addr, sizeof(addr));
	pthread_mutex_lock(&t->admit_mtx);
	bool       ok = t->admitted < t->max_admitted;
	peer_slot *ps = NULL;
	if (ok && addr[0] != '\0') {
		ps = peer_find(t, addr, true);
		ok = ps != NULL && ps->conns < t->cfg->max_per_peer;
	}
	if (ok) {
		for (int i = 0; i < t->max_admitted; i++) {
			if (t->pipes[i].id == 0) {
				t->pipes[i].id   = id;
				t->pipes[i].peer = ps;
				break;
			}
		}
		t->admitted++;
		if (ps != NULL) {
			ps->conns++;
		}
	} else if (ps != NULL && ps->conns == 0) {
		ps->addr[0] = '\0';
	}
	pthread_mutex_unlock(&t->admit_mtx);
	if (!ok) {
		long n = atomic_fetch_add(&t->refused, 1) + 1;
		nng_pipe_close(p);
		if (t->cfg->log_requests) {
			fprintf(stderr,
			        "event=connection_refused peer=%s "
			        "reason=\"connection budget full "
			        "(--max-pending-bytes %zu, "
			        "--max-connections-per-peer %d)\" "
			        "refused_total=%ld\n",
			        addr[0] ? addr : "local", t->cfg->max_pending,
			        t->cfg->max_per_peer, n);
		}
	}
}

/* publish sends one event without waiting: pub0 queues per subscriber and
 * drops for one that is full, so a slow subscriber never holds a worker. */
static int
publish(void *arg, const void *buf, size_t len)
{
	transport *t  = arg;
	nng_msg   *m  = NULL;
	int        rv = nng_msg_alloc(&m, 0);
	if (rv == 0 && (rv = nng_msg_append(m, buf, len)) == 0) {
		rv = nng_sendmsg(t->pub, m, NNG_FLAG_NONBLOCK);
	}
	if (rv != 0 && m != NULL) {
		nng_msg_free(m);
	}
	return rv;
}

/* open_events opens the pub0 socket on every --events-listen URL (same
 * TLS options as the request listeners) and gives workers the publisher. */
static int
open_events(transport *t, char *errmsg)
{
	int rv;
	if (t->cfg->n_events_listen == 0) {
		return TD_OK;
	}
	if ((rv = nng_pub0_open(&t->pub)) != 0) {
		snprintf(errmsg, TD_ERRMSG_MAX,
		         "cannot open the events socket: %s",
		         nng_strerror(rv));
		return TD_EINTERNAL;
	}
	t->pub_open = true;
	for (int i = 0; i < t->cfg->n_events_listen; i++) {
		rv = add_listener(t, t->pub, t->cfg->events_listen[i], errmsg);
		if (rv != TD_OK) {
			return rv;
		}
	}
	for (int i = 0; i < t->n_workers; i++) {
		t->workers[i].rpc.publish     = publish;
		t->workers[i].rpc.publish_arg = t;
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
	/* nng drops a frame over RECVMAXSZ silently (the client only times
	 * out), so the cap takes any request a client may send
	 * (TD_CLIENT_MAX_REQUEST, never more whatever --max-message-bytes
	 * says) and rpc_handle answers a breach of a lower
	 * --max-message-bytes by name. */
	size_t frame = TD_CLIENT_MAX_REQUEST + TD_FRAME_HEADROOM;
	nng_socket_set_size(t->sock, NNG_OPT_RECVMAXSZ, frame);
	t->max_admitted = (int) (cfg->max_pending / frame);
	if (t->max_admitted < 1) {
		t->max_admitted = 1;
	}
	pthread_mutex_init(&t->admit_mtx, NULL);
	t->admit_init = true;
	t->peers      = calloc((size_t) t->max_admitted, sizeof(peer_slot));
	t->pipes = calloc((size_t) t->max_admitted, sizeof(admitted_pipe));
	if (t->peers == NULL || t->pipes == NULL) {
		snprintf(errmsg, TD_ERRMSG_MAX, "out of memory");
		rv = TD_ENOMEM;
		goto fail;
	}
	nng_pipe_notify(t->sock, NNG_PIPE_EV_ADD_PRE, admit, t);
	nng_pipe_notify(t->sock, NNG_PIPE_EV_REM_POST, admit, t);
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
		    || nng_ctx_open(&w->ctx2, t->sock) != 0
		    || nng_aio_alloc(&w->aio, NULL, NULL) != 0
		    || nng_aio_alloc(&w->send[0], NULL, NULL) != 0
		    || nng_aio_alloc(&w->send[1], NULL, NULL) != 0
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
		if ((rv = add_listener(t, t->sock, cfg->listen[i], errmsg))
		    != TD_OK) {
			goto fail;
		}
	}
	if ((rv = open_events(t, errmsg)) != TD_OK) {
		goto fail;
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
	if (t->pub_open) {
		nng_close(t->pub);
	}
	for (int i = 0; i < t->n_workers; i++) {
		worker *w = &t->workers[i];
		nng_aio_free(w->aio);
		nng_aio_free(w->send[0]);
		nng_aio_free(w->send[1]);
		rpc_arena_destroy(w->rpc.arena);
		store_close(w->rpc.store);
	}
	free(t->workers);
	free(t->peers);
	free(t->pipes);
	if (t->admit_init) {
		pthread_mutex_destroy(&t->admit_mtx);
	}
	free(t);
}
