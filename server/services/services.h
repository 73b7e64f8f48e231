/* SPDX-License-Identifier: MIT
 * The services layer: each service file binds its handlers to method paths.
 * rpc/methods.c joins these bindings with the declared methods.
 */
#ifndef TD_SERVICES_H
#define TD_SERVICES_H

#include <stdbool.h>
#include <stddef.h>

#include "rpc/rpc.h"

typedef struct services_binding {
	const char *path;
	rpc_handler handler;
	int         roles; /* RPC_ROLE_* allowed */
	bool        open; /* callable without a token */
} services_binding;

/* services_bindings lists every implemented method (static storage). */
const services_binding *services_bindings(size_t *count);

/* Handlers, one group per service file. */
int health_check(rpc_call *call, const ProtobufCMessage *req,
                 ProtobufCMessage **resp);
int reflection_list_methods(rpc_call *call, const ProtobufCMessage *req,
                            ProtobufCMessage **resp);
int admin_sleep(rpc_call *call, const ProtobufCMessage *req,
                ProtobufCMessage **resp);

#endif /* TD_SERVICES_H */
