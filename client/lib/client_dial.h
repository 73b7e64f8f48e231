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

#endif /* TD_CLIENT_DIAL_H */
