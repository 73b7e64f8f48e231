/* SPDX-License-Identifier: MIT
 * Admin service: API clients and the audit log (access-control issue), and
 * Sleep, a diagnostic that holds a worker inside the database so deadlines,
 * statement_timeout and shutdown drains can be observed for real.
 */
#include <stdlib.h>
#include <string.h>

#include "rpc/state/audit.h"
#include "rpc/auth.h"
#include "services.h"
#include "store/store.h"
#include "store/store_access.h"
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

/* ---- API clients and the audit log ---- */

static Tandem__V1__ApiClient *
client_msg(rpc_call *call, const store_client *c)
{
	Tandem__V1__ApiClient *m = RPC_NEW(call->arena, Tandem__V1__ApiClient,
	                                   tandem__v1__api_client__init);
	if (m == NULL) {
		return NULL;
	}
	m->id     = rpc_arena_strdup(call->arena, c->id);
	m->name   = rpc_arena_strdup(call->arena, c->name);
	m->role   = rpc_arena_strdup(call->arena, c->role);
	m->school = rpc_arena_strdup(
	    call->arena, strcmp(c->role, "school") == 0 ? c->school : "");
	m->district   = rpc_arena_strdup(call->arena, c->district);
	m->created_at = rpc_arena_strdup(call->arena, c->created_at);
	m->revoked_at = rpc_arena_strdup(call->arena, c->revoked_at);
	return m;
}

int
admin_create_client(rpc_call *call, const ProtobufCMessage *req,
                    ProtobufCMessage **resp)
{
	const Tandem__V1__CreateClientRequest *in = (const void *) req;
	char          token[AUTH_TOKEN_LEN + 1], id[16];
	unsigned char hash[32];
	store_client  c;
	if (in->name[0] == '\0') {
		rpc_detail(call, -1, "name", "required", "name the client");
	}
	int bit = auth_role_bit(in->role);
	if (bit == 0) {
		rpc_detail(call, -1, "role", "enum",
		           "role '%s' is not one of school|district|council|"
		           "evaluator|admin",
		           in->role);
	}
	if ((bit == RPC_ROLE_SCHOOL) != (in->school[0] != '\0')) {
		rpc_detail(call, -1, "school", "scope",
		           "a school client needs --school, and only it");
	}
	if ((bit == RPC_ROLE_DISTRICT) != (in->district[0] != '\0')) {
		rpc_detail(call, -1, "district", "scope",
		           "a district client needs --district, and only it");
	}
	if (call->n_details > 0) {
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		                "%zu problem(s) with the new client",
		                call->n_details);
	}
	if (auth_new_token(token, hash, id) != TD_OK) {
		return rpc_fail(call, TD_CODE_INTERNAL,
		                "the OS gave no random bytes");
	}
	int rv = store_begin_request(call->store, rpc_remaining_ms(call));
	if (rv == TD_OK) {
		rv = store_client_create(call->store, id, in->name, in->role,
		                         in->school, in->district, hash, &c);
	}
	if (rv != TD_OK) {
		return rpc_fail_err(call, rv, store_errmsg(call->store));
	}
	Tandem__V1__CreateClientResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__CreateClientResponse,
	              tandem__v1__create_client_response__init);
	out->client   = client_msg(call, &c);
	out->token    = rpc_arena_strdup(call->arena, token);
	call->records = 1;
	*resp         = &out->base;
	return TD_CODE_OK;
}

int
admin_list_clients(rpc_call *call, const ProtobufCMessage *req,
                   ProtobufCMessage **resp)
{
	const Tandem__V1__ListClientsRequest *in = (const void *) req;
	store_client                         *v  = NULL;
	size_t                                n  = 0;
	int rv = store_begin_request(call->store, rpc_remaining_ms(call));
	if (rv == TD_OK) {
		rv = store_clients_list(call->store, in->include_revoked, &v,
		                        &n);
	}
	if (rv != TD_OK) {
		return rpc_fail_err(call, rv, store_errmsg(call->store));
	}
	Tandem__V1__ListClientsResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__ListClientsResponse,
	              tandem__v1__list_clients_response__init);
	out->clients = rpc_arena_alloc(call->arena, (n + 1) * sizeof(void *));
	for (size_t i = 0; out->clients && i < n; i++) {
		out->clients[out->n_clients++] = client_msg(call, &v[i]);
	}
	free(v);
	call->records = (int64_t) n;
	*resp         = &out->base;
	return TD_CODE_OK;
}

int
admin_revoke_client(rpc_call *call, const ProtobufCMessage *req,
                    ProtobufCMessage **resp)
{
	const Tandem__V1__RevokeClientRequest *in = (const void *) req;
	store_client                           c;
	int rv = store_begin_request(call->store, rpc_remaining_ms(call));
	if (rv == TD_OK) {
		rv = store_client_revoke(call->store, in->id, &c);
	}
	if (rv != TD_OK) {
		return rpc_fail_err(call, rv, store_errmsg(call->store));
	}
	Tandem__V1__RevokeClientResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__RevokeClientResponse,
	              tandem__v1__revoke_client_response__init);
	out->client   = client_msg(call, &c);
	call->records = 1;
	*resp         = &out->base;
	return TD_CODE_OK;
}

int
admin_audit(rpc_call *call, const ProtobufCMessage *req,
            ProtobufCMessage **resp)
{
	const Tandem__V1__AuditRequest *in = (const void *) req;
	store_audit_row                *v  = NULL;
	size_t                          n  = 0;
	if (in->limit < 0 || in->limit > 100000) {
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		                "limit %d is outside 0..100000", in->limit);
	}
	audit_flush(); /* every call answered before this one is there */
	int rv = store_begin_request(call->store, rpc_remaining_ms(call));
	if (rv == TD_OK) {
		rv = store_audit_query(call->store, in->since, in->client,
		                       in->limit, &v, &n);
	}
	if (rv != TD_OK) {
		return rpc_fail_err(call, rv, store_errmsg(call->store));
	}
	Tandem__V1__AuditResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__AuditResponse,
	              tandem__v1__audit_response__init);
	out->rows = rpc_arena_alloc(call->arena, (n + 1) * sizeof(void *));
	for (size_t i = 0; out->rows && i < n; i++) {
		Tandem__V1__AuditRow *a
		    = RPC_NEW(call->arena, Tandem__V1__AuditRow,
		              tandem__v1__audit_row__init);
		a->id         = v[i].id;
		a->at         = rpc_arena_strdup(call->arena, v[i].at);
		a->client     = rpc_arena_strdup(call->arena, v[i].client);
		a->method     = rpc_arena_strdup(call->arena, v[i].method);
		a->status     = rpc_arena_strdup(call->arena, v[i].status);
		a->request_id = rpc_arena_strdup(call->arena, v[i].request_id);
		a->records    = v[i].records;
		a->duration_us = v[i].duration_us;
		a->detail      = rpc_arena_strdup(call->arena, v[i].detail);
		out->rows[out->n_rows++] = a;
	}
	free(v);
	*resp = &out->base;
	return TD_CODE_OK;
}
