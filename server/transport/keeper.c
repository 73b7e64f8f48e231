/* SPDX-License-Identifier: MIT
 * See keeper.h. nng 1.5.2 (Debian 12's) stops a listener for good when a
 * peer leaves during the SP handshake: the EPIPE of the server's header
 * write becomes NNG_ECLOSED, which the listener takes for its own close
 * and stops accepting (nng issue #1518, fixed in 1.6.0). Connections are
 * then still accepted and negotiated by the transport but never handed to
 * the socket, so every later client waits for replies that never come: one
 * client killed while connecting (or a port probe) cuts tandemd off. The
 * only trace is the listener's "other" error statistic, which nng bumps
 * for that NNG_ECLOSED, and also for errors after which it goes on (a
 * port probe's connect and close, say). So the keeper looks at it every
 * KEEP_MS and, when it grew, dials the listener: a live listener takes
 * the connection (its "accept" count grows), a stopped one never does.
 * Only a listener that took none for SUSPECT_LOOKS looks is closed, and
 * with it the connections it took, and listens again on the same URL.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>

#include "keeper.h"
#include "tandem/nng_stat.h"
#include "tandem/errors.h"

/* How often the listeners are looked at: a stopped listener costs clients
 * at most this (plus their redial) before it takes connections again. */
#define KEEP_MS 200
/* After the "other" count grew, how many looks (KEEP_MS apart) the
 * listener has to take a connection before it counts as stopped: a live
 * one pauses 100 ms after such an error, and a loaded one may be slower. */
#define SUSPECT_LOOKS 10

typedef struct kept {
	nng_socket   sock;
	const char  *url;
	nng_listener l;
	bool         down; /* closed, and listening again failed */
	uint64_t     other; /* its "other" errors when last looked at */
	/* Suspected stopped: the keeper's own connection is being dialled
	 * (probe) and the listener must count an accept past accept0. */
	bool       suspect;
	int        looks;
	uint64_t   accept0;
	nng_socket probe;
} kept;

struct keeper {
	keeper_listen_fn listen;
	void            *arg;
	kept            *v;
	int              n, cap;
	pthread_t        thread;
	bool             started;
	bool             stop; /* under mu */
	pthread_mutex_t  mu;
	pthread_cond_t   cv;
};

int
keeper_create(keeper **out, keeper_listen_fn listen, void *arg)
{
	keeper *k = calloc(1, sizeof(*k));
	if (k == NULL) {
		return TD_ENOMEM;
	}
	k->listen = listen;
	k->arg    = arg;
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->cv, NULL);
	*out = k;
	return TD_OK;
}

int
keeper_add(keeper *k, nng_socket sock, const char *url, nng_listener l)
{
	if (k->n == k->cap) {
		int   cap = k->cap ? 2 * k->cap : 4;
		kept *v   = realloc(k->v, (size_t) cap * sizeof(*v));
		if (v == NULL) {
			return TD_ENOMEM;
		}
		k->v   = v;
		k->cap = cap;
	}
	k->v[k->n++] = (kept) { .sock = sock, .url = url, .l = l };
	return TD_OK;
}

/* count: l's statistic name ("other", "accept") in the snapshot all. */
static uint64_t
count(nng_stat *all, nng_listener l, const char *name)
{
	return td_nng_stat(all, "listener", nng_listener_id(l), name);
}

/* probe_start dials e's URL without waiting (a wildcard host as
 * 127.0.0.1; TLS unverified); nng redials by itself. A live listener
 * counts the connection in its "accept" statistic, a stopped one never
 * does. false when no probe could be started. */
static bool
probe_start(kept *e)
{
	char            url[512];
	const char     *host = strstr(e->url, "://");
	nng_dialer      d;
	nng_tls_config *tls = NULL;
	host                = host != NULL ? host + 3 : e->url;
	if (strncmp(host, "*:", 2) == 0 || host[0] == ':') {
		snprintf(url, sizeof(url), "%.*s127.0.0.1%s",
		         (int) (host - e->url), e->url, strchr(host, ':'));
	} else {
		snprintf(url, sizeof(url), "%s", e->url);
	}
	if (nng_req0_open(&e->probe) != 0) {
		return false;
	}
	bool ok = nng_dialer_create(&d, e->probe, url) == 0
	    && (strncmp(url, "tls+", 4) != 0
	        || (nng_tls_config_alloc(&tls, NNG_TLS_MODE_CLIENT) == 0
	            && nng_tls_config_auth_mode(tls, NNG_TLS_AUTH_MODE_NONE)
	                == 0
	            && nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, tls) == 0))
	    && nng_dialer_start(d, NNG_FLAG_NONBLOCK) == 0;
	if (tls != NULL) {
		nng_tls_config_free(tls);
	}
	if (!ok) {
		nng_close(e->probe);
	}
	return ok;
}

/* stopped: one look at e in the snapshot all; true when its listener has
 * been suspected for SUSPECT_LOOKS looks without taking a connection. */
static bool
stopped(kept *e, nng_stat *all)
{
	uint64_t other  = count(all, e->l, "other");
	uint64_t accept = count(all, e->l, "accept");
	if (!e->suspect) {
		if (other <= e->other) {
			return false;
		}
		e->other = other;
		if (!probe_start(e)) {
			return false; /* cannot tell: look again next time */
		}
		e->suspect = true;
		e->looks   = 0;
		e->accept0 = accept;
		return false;
	}
	if (accept > e->accept0 || ++e->looks >= SUSPECT_LOOKS) {
		nng_close(e->probe);
		e->suspect = false;
		e->other   = other;
		return accept <= e->accept0;
	}
	return false;
}

int
keeper_check(keeper *k)
{
	nng_stat *all       = NULL;
	int       restarted = 0;
	if (k->n == 0 || nng_stats_get(&all) != 0) {
		return 0;
	}
	for (int i = 0; i < k->n; i++) {
		kept *e = &k->v[i];
		char  err[TD_ERRMSG_MAX];
		if (!e->down && !stopped(e, all)) {
			continue;
		}
		if (!e->down) {
			nng_listener_close(e->l);
		}
		nng_listener l;
		if (k->listen(k->arg, e->sock, e->url, &l, err) != TD_OK) {
			if (!e->down) {
				fprintf(stderr,
				        "level=error msg=\"listener stopped "
				        "accepting; listening again failed, "
				        "retrying\" url=%s error=\"%s\"\n",
				        e->url, err);
			}
			e->down = true;
			continue;
		}
		fprintf(stderr,
		        "level=warn msg=\"listener stopped accepting (a peer "
		        "left during the handshake); listening again\" "
		        "url=%s\n",
		        e->url);
		*e = (kept) { .sock = e->sock, .url = e->url, .l = l };
		restarted++;
	}
	nng_stats_free(all);
	return restarted;
}

static void *
keeper_main(void *arg)
{
	keeper *k = arg;
	pthread_mutex_lock(&k->mu);
	while (!k->stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += KEEP_MS * 1000000L;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&k->cv, &k->mu, &until);
		if (k->stop) {
			break;
		}
		pthread_mutex_unlock(&k->mu);
		(void) keeper_check(k);
		pthread_mutex_lock(&k->mu);
	}
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

int
keeper_start(keeper *k)
{
	if (pthread_create(&k->thread, NULL, keeper_main, k) != 0) {
		return TD_EINTERNAL;
	}
	k->started = true;
	return TD_OK;
}

void
keeper_stop(keeper *k)
{
	if (k == NULL) {
		return;
	}
	if (k->started) {
		pthread_mutex_lock(&k->mu);
		k->stop = true;
		pthread_cond_signal(&k->cv);
		pthread_mutex_unlock(&k->mu);
		pthread_join(k->thread, NULL);
	}
	for (int i = 0; i < k->n; i++) {
		if (k->v[i].suspect) {
			nng_close(k->v[i].probe);
		}
	}
	pthread_mutex_destroy(&k->mu);
	pthread_cond_destroy(&k->cv);
	free(k->v);
	free(k);
}
