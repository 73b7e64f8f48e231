/* SPDX-License-Identifier: MIT
 * One call's status and clock: how a handler fails a call (rpc_fail,
 * rpc_fail_err through the one error map, rpc_detail) and how much of its
 * deadline is left. The dispatcher (rpc.c) and authentication (auth.c)
 * both build on it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rpc.h"
#include "store/store.h"
#include "tandem/v1/rpc.pb-c.h"

int64_t
rpc_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
rpc_remaining_ms(const rpc_call *call)
{
	if (call->deadline_us == 0) {
		return INT64_MAX;
	}
	return (call->deadline_us - rpc_now_us()) / 1000;
}

int
rpc_fail(rpc_call *call, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(call->message, sizeof(call->message), fmt, ap);
	va_end(ap);
	call->code = code;
	return code;
}

int
rpc_defer(rpc_call *call)
{
	call->code = RPC_DEFER;
	return RPC_DEFER;
}

bool
rpc_data_version(rpc_call *call, uint64_t *v)
{
	if (call->fast) {
		return store_data_version_ready(v);
	}
	*v = store_data_version();
	return true;
}

int
rpc_fail_err(rpc_call *call, int err, const char *msg)
{
	return rpc_fail(call, td_code_from_err(err), "%s", msg);
}

void
rpc_detail(rpc_call *call, int64_t index, const char *field, const char *rule,
           const char *fmt, ...)
{
	if (call->n_details >= TD_MAX_DETAILS) {
		call->details_omitted++;
		return;
	}
	if (call->n_details == call->cap_details) {
		size_t cap = call->cap_details ? call->cap_details * 2 : 16;
		ProtobufCMessage **d
		    = rpc_arena_alloc(call->arena, cap * sizeof(*d));
		if (d == NULL) {
			call->details_omitted++;
			return;
		}
		if (call->n_details > 0) {
			memcpy(d, call->details, call->n_details * sizeof(*d));
		}
		call->details     = d;
		call->cap_details = cap;
	}
	Tandem__V1__ErrorDetail *e
	    = RPC_NEW(call->arena, Tandem__V1__ErrorDetail,
	              tandem__v1__error_detail__init);
	if (e == NULL) {
		call->details_omitted++;
		return;
	}
	char    buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	e->record_index = index;
	e->field        = rpc_arena_strdup(call->arena, field ? field : "");
	e->rule         = rpc_arena_strdup(call->arena, rule ? rule : "");
	e->message      = rpc_arena_strdup(call->arena, buf);
	if (e->field == NULL || e->rule == NULL || e->message == NULL) {
		call->details_omitted++;
		return;
	}
	call->details[call->n_details++] = &e->base;
}

/* ---- generic validation of unpacked messages ---- */
