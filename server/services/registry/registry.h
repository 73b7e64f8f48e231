/* SPDX-License-Identifier: MIT
 * What the Registry service's Define calls share (registry.c): the
 * request's count limits, duplicate codes inside it, one transaction per
 * call and the DefineResponse with its tally.
 */
#ifndef TD_SERVICES_REGISTRY_H
#define TD_SERVICES_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "keyset.h"
#include "rpc/rpc.h"

/* Rows created, updated and left alone, by store_outcome. */
typedef struct registry_tally {
	int64_t n[3];
} registry_tally;

/* registry_invalid fails the call: the details found in the what. */
int registry_invalid(rpc_call *call, const char *what);
/* registry_fail_store rolls back and fails with the store's sentence. */
int registry_fail_store(rpc_call *call, int err);
/* registry_begin starts the call's transaction under its deadline. */
int registry_begin(rpc_call *call);
/* registry_reply commits and answers with the tally and notes. */
int registry_reply(rpc_call *call, const registry_tally *t, char **notes,
                   size_t n_notes, ProtobufCMessage **resp);
/* registry_check_count: a request carries 1..TD_MAX_RECORDS records of
 * what; false with the status set otherwise. */
bool registry_check_count(rpc_call *call, size_t n, const char *what);
/* registry_duplicate reports code seen earlier in the same request. */
void registry_duplicate(rpc_call *call, keyset *seen, int64_t rec,
                        const char *field, const char *code);

#endif /* TD_SERVICES_REGISTRY_H */
