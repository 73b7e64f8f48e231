/* SPDX-License-Identifier: MIT
 * The transport: one nng rep0 socket with its listeners, and N worker
 * threads, each owning one nng_ctx, one aio, one arena and one store
 * connection, looping recv → rpc_handle → send.
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

#endif /* TD_TRANSPORT_H */
