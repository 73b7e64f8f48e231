/* SPDX-License-Identifier: MIT
 * Admin service: API clients and the audit log (access-control issue), and
 * Sleep, a diagnostic that holds a worker inside the database so deadlines,
 * statement_timeout and shutdown drains can be observed for real.
 */
#include "services.h"
#include "store/store.h"
#include "tandem/v1/admin.pb-c.h"

#define SLEEP_MAX_MS 600000

int
admin_sleep(rpc_call *call, const ProtobufCMessage *req,
            ProtobufCMessage **resp)
{
	const Tandem__V1__SleepRequest *in
	    = (const Tandem__V1__SleepRequest *) req;
	if (in->ms < 0 || in->ms > SLEEP_MAX_MS) {
		rpc_detail(call, -1, "ms", "range", "ms %d is outside 0..%d",
		           in->ms, SLEEP_MAX_MS);
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		                "ms %d is outside 0..%d", in->ms,
		                SLEEP_MAX_MS);
	}
	int rv = store_begin_request(call->store, rpc_remaining_ms(call));
	if (rv == TD_OK) {
		rv = store_sleep(call->store, in->ms);
	}
	if (rv != TD_OK) {
		return rpc_fail_err(call, rv, store_errmsg(call->store));
	}
	Tandem__V1__SleepResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__SleepResponse,
	              tandem__v1__sleep_response__init);
	if (out == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	out->slept_ms = in->ms;
	*resp         = &out->base;
	return TD_CODE_OK;
}
