/* SPDX-License-Identifier: MIT
 * Reflection/ListMethods: every declared method with its request and
 * response type, read from the same table dispatch uses.
 */
#include "services.h"
#include "tandem/v1/health.pb-c.h"

int
reflection_list_methods(rpc_call *call, const ProtobufCMessage *req,
                        ProtobufCMessage **resp)
{
	size_t                           n;
	const rpc_method                *m = rpc_methods(&n);
	Tandem__V1__ListMethodsResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__ListMethodsResponse,
	              tandem__v1__list_methods_response__init);
	if (out == NULL) {
		goto oom;
	}
	out->methods = rpc_arena_alloc(call->arena, n * sizeof(*out->methods));
	if (out->methods == NULL) {
		goto oom;
	}
	for (size_t i = 0; i < n; i++) {
		Tandem__V1__MethodInfo *mi
		    = RPC_NEW(call->arena, Tandem__V1__MethodInfo,
		              tandem__v1__method_info__init);
		if (mi == NULL) {
			goto oom;
		}
		mi->path          = (char *) m[i].path;
		mi->request_type  = (char *) m[i].desc->input->name;
		mi->response_type = (char *) m[i].desc->output->name;
		mi->implemented   = m[i].handler != NULL;
		out->methods[out->n_methods++] = mi;
	}
	*resp = &out->base;
	return TD_CODE_OK;
oom:
	return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED, "out of memory");
}
