/* SPDX-License-Identifier: MIT
 * See keeper.h. nng 1.5.2 (Debian 12's) stops a listener for good when a
 * peer leaves during the SP handshake: the EPIPE of the server's header
 * write becomes NNG_ECLOSED, which the listener takes for its own close
 * and stops accepting (nng issue #1518, fixed in 1.6.0). Connections are
 * then still accepted and negotiated by the transport but never handed to
 * the socket, so every later client waits for replies that never come: one
 * client killed while connecting (or a port probe) cuts tandemd off. The
 * only trace is the listener's "other" error statistic, which nng bumps
 * for that NNG_ECLOSED (and for the errors it retries after a pause); so
 * the keeper looks at it every KEEP_MS and, when it grew, closes the
 * listener and listens again on the same URL.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "keeper.h"
#include "tandem/errors.h"

/* How often the listeners are looked at: a stopped listener costs clients
 * at most this (plus their redial) before it takes connections again. */
#define KEEP_MS 200

typedef struct kept {
	nng_socket   sock;
	const char  *url;
	nng_listener l;
	bool         down; /* closed, and listening again failed */
	uint64_t     other; /* its "other" errors when last looked at */
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
	k->v[k->n++] = (kept) { sock, url, l, false, 0 };
	return TD_OK;
}

/* other_errors: l's "other" error count in the snapshot all. */
static uint64_t
other_errors(nng_stat *all, nng_listener l)
{
	nng_stat *ls = nng_stat_find_listener(all, l);
	nng_stat *st = ls != NULL ? nng_stat_find(ls, "other") : NULL;
	return st != NULL ? nng_stat_value(st) : 0;
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
		if (!e->down && other_errors(all, e->l) <= e->other) {
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
		*e = (kept) { e->sock, e->url, l, false, 0 };
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
	pthread_mutex_destroy(&k->mu);
	pthread_cond_destroy(&k->cv);
	free(k->v);
	free(k);
}
