/* SPDX-License-Identifier: MIT
 * Health/Check with grpc.health.v1 semantics: SERVING only when the database
 * answers and holds the Tandem schema.
 */
#include <string.h>

#include "config.h"
#include "services.h"
#include "store/store.h"
#include "tandem/v1/health.pb-c.h"

int
health_check(rpc_call *call, const ProtobufCMessage *req,
             ProtobufCMessage **resp)
{
	const Tandem__V1__HealthCheckRequest *in
	    = (const Tandem__V1__HealthCheckRequest *) req;
	Tandem__V1__HealthCheckResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__HealthCheckResponse,
	              tandem__v1__health_check_response__init);
	if (out == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	out->version          = (char *) call->cfg->version;
	out->protocol_version = TD_PROTOCOL_VERSION;
	if (in->service[0] != '\0'
	    && strncmp(in->service, "tandem.v1.", 10) != 0) {
		out->status
		    = TANDEM__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVICE_UNKNOWN;
		*resp = &out->base;
		return TD_CODE_OK;
	}
	int version = 0;
	int rv      = store_begin_request(call->store, rpc_remaining_ms(call));
	if (rv == TD_OK) {
		rv = store_ping(call->store, &version);
	}
	if (rv == TD_ETIMEDOUT) {
		return rpc_fail_err(call, rv, store_errmsg(call->store));
	}
	out->schema_version = version;
	if (rv != TD_OK) {
		out->status
		    = TANDEM__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING;
		out->detail
		    = rpc_arena_strdup(call->arena, store_errmsg(call->store));
	} else if (version == 0) {
		out->status
		    = TANDEM__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING;
		out->detail = "the database has no Tandem schema: run "
		              "tandemd --migrate";
	} else {
		out->status
		    = TANDEM__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
	}
	if (out->detail == NULL) {
		out->detail = "";
	}
	*resp = &out->base;
	return TD_CODE_OK;
}
