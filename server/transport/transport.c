/* SPDX-License-Identifier: MIT
 * nng rep0 server loop. Each context's aio completes in a callback on
 * nng's thread, which answers there what needs no database (rpc_fast:
 * no thread hop) and queues the rest for worker threads, which block on
 * the queue (never in an nng callback), so each may use its own PGconn.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/tls/tls.h>

#include "metrics/metrics.h"
#include "rpc/rpc.h"
#include "store/store.h"
#include "keeper.h"
#include "tandem/errors.h"
#include "transport.h"

/* How often an idle worker wakes to look after its connection. */
#define POLL_MS 200
/* Contexts per worker. A context holds at most one request from its
 * receipt to its reply's hand-over, so these bound the requests held (as
 * the two contexts of each worker did before the fast path): one can be
 * served by a worker while the other waits, and waiting for each send to
 * complete costs nothing. */
#define SLOTS_PER_WORKER 2
/* A reply the peer does not take in this long is dropped. */
#define SEND_TIMEOUT_MS 10000

/* One nng context and its aio, which carries the request in and the reply
 * out; the callback (slot_cb) runs on nng's threads. */
typedef struct slot {
	struct transport *t;
	nng_ctx           ctx;
	nng_aio          *aio;
	bool              sending; /* the aio carries the reply */
	nng_msg          *msg; /* the request, while a worker has it */
	struct slot      *next; /* in the work queue */
	rpc_worker_ctx    fast; /* rpc_fast's: its own arena, no store */
} slot;

typedef struct worker {
	int               id;
	pthread_t         thread;
	bool              started;
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
	slot            *slots;
	int              n_slots;
	/* The work queue, and the drain: holding counts the slots between
	 * a request's receipt and its reply's hand-over; once stopping is
	 * set no slot takes a new request, and transport_stop waits for
	 * holding to reach 0. Both under q_mtx. */
	pthread_mutex_t q_mtx;
	pthread_cond_t  q_cv; /* work queued, or done */
	pthread_cond_t  idle_cv; /* holding reached 0 while stopping */
	slot           *q_head, *q_tail;
	int             holding;
	/* Threads inside an nng call on a slot's context: a send may complete
	 * (and end the hold) before nng_ctx_send has returned, and nng does
	 * not wait for such a call when the socket closes, so the stop waits
	 * for these too. Taken while holding, or under q_mtx while not
	 * stopping. */
	atomic_int calling;
	bool       stopping;
	bool       q_done; /* the socket is closed: workers leave */
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
	keeper         *keeper; /* restarts a listener nng gave up */
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

/* slot_recv arms the slot for its next request; the caller has counted
 * itself in t->calling (slot_may_recv, slot_release). */
static void
slot_recv(slot *sl)
{
	sl->sending = false;
	nng_aio_set_timeout(sl->aio, NNG_DURATION_INFINITE);
	nng_ctx_recv(sl->ctx, sl->aio);
	atomic_fetch_sub(&sl->t->calling, 1);
}

/* slot_may_recv: may the slot take another request (not stopping)? */
static bool
slot_may_recv(slot *sl)
{
	transport *t = sl->t;
	pthread_mutex_lock(&t->q_mtx);
	bool go = !t->stopping;
	if (go) {
		atomic_fetch_add(&t->calling, 1);
	}
	pthread_mutex_unlock(&t->q_mtx);
	return go;
}

/* slot_release ends the slot's hold on a request; false when the server
 * is stopping (the slot then takes no other). */
static bool
slot_release(slot *sl)
{
	transport *t = sl->t;
	pthread_mutex_lock(&t->q_mtx);
	bool go = !t->stopping;
	if (go) {
		atomic_fetch_add(&t->calling, 1);
	}
	if (--t->holding == 0 && !go) {
		pthread_cond_broadcast(&t->idle_cv);
	}
	pthread_mutex_unlock(&t->q_mtx);
	return go;
}

/* slot_reply turns msg into the reply out (freed) and hands it to nng
 * without waiting; the callback takes the send's end. Any thread. */
static void
slot_reply(slot *sl, nng_msg *msg, void *out, size_t out_len)
{
	nng_msg_clear(msg);
	int rv = nng_msg_append(msg, out, out_len);
	free(out);
	if (rv != 0) {
		/* Out of memory: the client times out and retries, which
		 * ingest makes safe. */
		nng_msg_free(msg);
		if (slot_release(sl)) {
			slot_recv(sl);
		}
		return;
	}
	sl->sending = true;
	nng_aio_set_msg(sl->aio, msg);
	nng_aio_set_timeout(sl->aio, SEND_TIMEOUT_MS);
	atomic_fetch_add(&sl->t->calling, 1); /* still holding */
	nng_ctx_send(sl->ctx, sl->aio);
	atomic_fetch_sub(&sl->t->calling, 1);
}

/* slot_cb: a request arrived (answer it here, or queue it for a worker),
 * or a reply was handed over (take the next request). */
static void
slot_cb(void *arg)
{
	slot      *sl = arg;
	transport *t  = sl->t;
	int        rv = nng_aio_result(sl->aio);
	if (sl->sending) {
		if (rv != 0) {
			/* The peer went away; the message is still ours. */
			nng_msg_free(nng_aio_get_msg(sl->aio));
		}
		if (slot_release(sl)) {
			slot_recv(sl);
		}
		return;
	}
	if (rv == NNG_ECLOSED || rv == NNG_ECANCELED) {
		return; /* the socket is closing */
	}
	if (rv != 0) {
		fprintf(stderr,
		        "level=error msg=\"receive failed\" error=\"%s\"\n",
		        nng_strerror(rv));
		if (slot_may_recv(sl)) {
			slot_recv(sl);
		}
		return;
	}
	nng_msg *msg = nng_aio_get_msg(sl->aio);
	pthread_mutex_lock(&t->q_mtx);
	bool go = !t->stopping;
	t->holding += go;
	pthread_mutex_unlock(&t->q_mtx);
	if (!go) {
		nng_msg_free(msg); /* as a request still in a pipe at close */
		return;
	}
	void  *out     = NULL;
	size_t out_len = 0;
	transport_peer(msg, sl->fast.peer, sizeof(sl->fast.peer));
	rv = rpc_fast(&sl->fast, nng_msg_body(msg), nng_msg_len(msg), &out,
	              &out_len);
	if (rv == TD_OK) {
		slot_reply(sl, msg, out, out_len);
		return;
	}
	sl->msg  = msg;
	sl->next = NULL;
	pthread_mutex_lock(&t->q_mtx);
	if (t->q_tail != NULL) {
		t->q_tail->next = sl;
	} else {
		t->q_head = sl;
	}
	t->q_tail = sl;
	pthread_cond_signal(&t->q_cv);
	pthread_mutex_unlock(&t->q_mtx);
}

/* serve_one answers a queued request on the worker's own connection. */
static void
serve_one(worker *w, slot *sl)
{
	nng_msg *msg     = sl->msg;
	void    *out     = NULL;
	size_t   out_len = 0;
	sl->msg          = NULL;
	transport_peer(msg, w->rpc.peer, sizeof(w->rpc.peer));
	if (rpc_handle(&w->rpc, nng_msg_body(msg), nng_msg_len(msg), &out,
	               &out_len)
	    != TD_OK) {
		/* Out of memory: no reply can be built; the client times
		 * out and retries, which ingest makes safe. */
		nng_msg_free(msg);
		if (slot_release(sl)) {
			slot_recv(sl);
		}
		return;
	}
	slot_reply(sl, msg, out, out_len);
}

static void *
worker_main(void *arg)
{
	worker    *w = arg;
	transport *t = w->t;
	pthread_mutex_lock(&t->q_mtx);
	for (;;) {
		if (t->q_head == NULL && t->q_done) {
			break;
		}
		if (t->q_head == NULL) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += POLL_MS * 1000000L;
			until.tv_sec += until.tv_nsec / 1000000000L;
			until.tv_nsec %= 1000000000L;
			int rc = pthread_cond_timedwait(&t->q_cv, &t->q_mtx,
			                                &until);
			if (rc == ETIMEDOUT && t->q_head == NULL) {
				pthread_mutex_unlock(&t->q_mtx);
				metrics_db_state(
				    w->id, store_idle_check(w->rpc.store));
				pthread_mutex_lock(&t->q_mtx);
			}
			continue;
		}
		slot *sl  = t->q_head;
		t->q_head = sl->next;
		if (t->q_head == NULL) {
			t->q_tail = NULL;
		}
		pthread_mutex_unlock(&t->q_mtx);
		serve_one(w, sl);
		pthread_mutex_lock(&t->q_mtx);
	}
	pthread_mutex_unlock(&t->q_mtx);
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

/* listen_on creates and starts a listener on sock for url (TLS from the
 * configuration); the keeper's way to listen again too. */
static int
listen_on(void *arg, nng_socket sock, const char *url, nng_listener *out,
          char *errmsg)
{
	transport   *t = arg;
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
		nng_listener_close(l);
		return TD_EINVAL;
	}
	*out = l;
	return TD_OK;
}

/* add_listener listens on url and hands the listener to the keeper. */
static int
add_listener(transport *t, nng_socket sock, const char *url, char *errmsg)
{
	nng_listener l;
	int          rv = listen_on(t, sock, url, &l, errmsg);
	if (rv == TD_OK
	    && (rv = keeper_add(t->keeper, sock, url, l)) != TD_OK) {
		snprintf(errmsg, TD_ERRMSG_MAX, "out of memory");
	}
	return rv;
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
	atomic_init(&t->calling, 0);
	pthread_mutex_init(&t->q_mtx, NULL);
	pthread_cond_init(&t->q_cv, NULL);
	pthread_cond_init(&t->idle_cv, NULL);
	if ((rv = nng_rep0_open(&t->sock)) != 0) {
		snprintf(errmsg, TD_ERRMSG_MAX, "cannot open socket: %s",
		         nng_strerror(rv));
		pthread_mutex_destroy(&t->q_mtx);
		pthread_cond_destroy(&t->q_cv);
		pthread_cond_destroy(&t->idle_cv);
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
	if (keeper_create(&t->keeper, listen_on, t) != TD_OK) {
		snprintf(errmsg, TD_ERRMSG_MAX, "out of memory");
		rv = TD_ENOMEM;
		goto fail;
	}
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
		if (rpc_arena_create(&w->rpc.arena) != 0
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
	t->slots
	    = calloc((size_t) cfg->workers * SLOTS_PER_WORKER, sizeof(slot));
	if (t->slots == NULL) {
		snprintf(errmsg, TD_ERRMSG_MAX, "out of memory");
		rv = TD_ENOMEM;
		goto fail;
	}
	for (int i = 0; i < cfg->workers * SLOTS_PER_WORKER; i++) {
		slot *sl        = &t->slots[i];
		sl->t           = t;
		sl->fast.cfg    = cfg;
		sl->fast.store  = NULL;
		sl->fast.worker = -1; /* the log's worker=-1: nng's thread */
		t->n_slots      = i + 1;
		if (nng_ctx_open(&sl->ctx, t->sock) != 0
		    || nng_aio_alloc(&sl->aio, slot_cb, sl) != 0
		    || rpc_arena_create(&sl->fast.arena) != 0) {
			snprintf(errmsg, TD_ERRMSG_MAX,
			         "cannot set up context %d", i);
			rv = TD_ENOMEM;
			goto fail;
		}
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
	for (int i = 0; i < t->n_slots; i++) {
		if (slot_may_recv(&t->slots[i])) {
			slot_recv(&t->slots[i]);
		}
	}
	if (keeper_start(t->keeper) != TD_OK) {
		snprintf(errmsg, TD_ERRMSG_MAX, "cannot start the keeper");
		rv = TD_EINTERNAL;
		goto fail;
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
	/* No listener is restarted on a closing socket. */
	keeper_stop(t->keeper);
	t->keeper = NULL;
	/* The drain: no slot takes a new request, and every request held
	 * is answered and its reply handed over. */
	pthread_mutex_lock(&t->q_mtx);
	t->stopping = true;
	while (t->holding > 0) {
		pthread_cond_wait(&t->idle_cv, &t->q_mtx);
	}
	t->q_done = true;
	pthread_cond_broadcast(&t->q_cv);
	pthread_mutex_unlock(&t->q_mtx);
	for (int i = 0; i < t->n_workers; i++) {
		if (t->workers[i].started) {
			pthread_join(t->workers[i].thread, NULL);
		}
	}
	while (atomic_load(&t->calling) > 0) {
		struct timespec ms = { 0, 1000000L };
		nanosleep(&ms, NULL);
	}
	if (t->sock_open) {
		nng_close(t->sock); /* ends the slots' receives */
	}
	if (t->pub_open) {
		nng_close(t->pub);
	}
	for (int i = 0; i < t->n_slots; i++) {
		nng_aio_free(t->slots[i].aio); /* waits for its callback */
		rpc_arena_destroy(t->slots[i].fast.arena);
	}
	for (int i = 0; i < t->n_workers; i++) {
		worker *w = &t->workers[i];
		rpc_arena_destroy(w->rpc.arena);
		store_close(w->rpc.store);
	}
	free(t->slots);
	free(t->workers);
	free(t->peers);
	free(t->pipes);
	if (t->admit_init) {
		pthread_mutex_destroy(&t->admit_mtx);
	}
	pthread_mutex_destroy(&t->q_mtx);
	pthread_cond_destroy(&t->q_cv);
	pthread_cond_destroy(&t->idle_cv);
	free(t);
}
