/* SPDX-License-Identifier: MIT
 * The listener keeper: restarts a listener that nng 1.5.2 has stopped for
 * good after a peer left during the SP handshake (see keeper.c).
 */
#ifndef TD_KEEPER_H
#define TD_KEEPER_H

#include <nng/nng.h>

typedef struct keeper keeper;

/* keeper_listen_fn creates and starts a listener on sock for url (the
 * transport's own, TLS included); 0 or a TD_E code with errmsg set. */
typedef int (*keeper_listen_fn)(void *arg, nng_socket sock, const char *url,
                                nng_listener *out, char *errmsg);

/* keeper_create makes an empty keeper; listen (with arg) restarts its
 * listeners. */
int keeper_create(keeper **out, keeper_listen_fn listen, void *arg)
    __attribute__((warn_unused_result));
/* keeper_add watches l, listening on sock at url (kept by reference: the
 * caller's configuration outlives the keeper). */
int keeper_add(keeper *k, nng_socket sock, const char *url, nng_listener l)
    __attribute__((warn_unused_result));
/* keeper_start starts the watching thread. */
int keeper_start(keeper *k) __attribute__((warn_unused_result));
/* keeper_stop stops the thread (before the sockets close) and frees k;
 * NULL is nothing. */
void keeper_stop(keeper *k);
/* keeper_check looks once at every listener and restarts each one nng
 * gave up; the number restarted. The thread calls it every KEEP_MS. */
int keeper_check(keeper *k);

#endif /* TD_KEEPER_H */
