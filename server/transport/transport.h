/* SPDX-License-Identifier: MIT
 * The transport: one nng rep0 socket with its listeners and two contexts
 * per worker. A context's callback answers on nng's thread what needs no
 * database (rpc_fast) and queues the rest for N worker threads, each
 * owning one arena and one store connection (rpc_handle).
 */
#ifndef TD_TRANSPORT_H
#define TD_TRANSPORT_H

#include "config.h"

typedef struct transport transport;

/* transport_start opens the socket, starts the listeners and the workers.
 * On failure errmsg (TD_ERRMSG_MAX bytes) says which URL or step failed. */
int transport_start(transport **out, const td_config *cfg, char *errmsg)
    __attribute__((warn_unused_result));
/* transport_stop stops taking requests, lets every worker finish and answer
 * the request it holds (the drain), joins them and closes the socket. */
void transport_stop(transport *t);

/* transport_http_start serves GET /metrics (metrics_render) and GET
 * /healthz (metrics_db_up: 200 or 503) on url ("http://127.0.0.1:9450").
 * The handlers run on nng's threads and never touch the database. errmsg
 * gets TD_ERRMSG_MAX bytes. */
int transport_http_start(const char *url, char *errmsg)
    __attribute__((warn_unused_result));
/* transport_http_stop stops it (nothing when it was not started). */
void transport_http_stop(void);

#endif /* TD_TRANSPORT_H */
