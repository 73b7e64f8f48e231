/* SPDX-License-Identifier: MIT
 * libtandem's one dialer (TLS options included), shared by the request
 * client and the events subscriber.
 */
#ifndef TD_CLIENT_DIAL_H
#define TD_CLIENT_DIAL_H

#include <stdbool.h>

#include <nng/nng.h>

#include "tandem/tandem.h"

/* client_dial starts a dialer on sock to url (tls+tcp:// with o's CA and
 * server name) that redials in the background whenever the connection
 * drops. With wait, the first connection must succeed before it returns
 * (an events subscriber then misses nothing published after the call).
 * The dialer goes to *out unless out is NULL. */
int client_dial(nng_socket sock, const char *url, const td_client_opts *o,
                bool wait, nng_dialer *out, char *errmsg)
    __attribute__((warn_unused_result));

/* client_copy_tls copies o's tls_ca and tls_server_name (o may be NULL)
 * into dst, false when out of memory; client_free_tls frees the copy. */
bool client_copy_tls(td_client_opts *dst, const td_client_opts *o);
void client_free_tls(td_client_opts *t);

/* client_count_pipes is an nng pipe callback (ADD_POST, REM_POST) that
 * keeps the number of connections up in the atomic_int arg points to. */
void client_count_pipes(nng_pipe p, nng_pipe_ev ev, void *arg);

/* client_dialer_gave_up says whether nng may have stopped dialer d for
 * good (all: a snapshot from nng_stats_get). nng 1.5.2 (Debian 12's) does
 * so when the server goes away during the SP handshake (a tandemd killed
 * just as the client connects): the EPIPE of the client's header write
 * becomes NNG_ECLOSED, which the dialer takes for its own close (nng issue
 * #1518, fixed in 1.6.0), so the client would never connect again. Its
 * only trace is the dialer's "other" error statistic, which nng also bumps
 * for errors it redials after; a caller with no connection up then closes
 * d and dials again, which costs nothing. */
bool client_dialer_gave_up(nng_stat *all, nng_dialer d);

#endif /* TD_CLIENT_DIAL_H */
