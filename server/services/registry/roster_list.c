/* SPDX-License-Identifier: MIT
 * Registry/ListDistricts and Registry/ListEducators: the districts with
 * their SIS keys, and educators with every school (or district) they
 * serve. Educators are personnel data: a school client sees its own
 * school's, a district client its own district's.
 */
#include <string.h>

#include "services/services.h"
#include "store/store.h"
#include "store/store_roster.h"
#include "tandem/v1/registry.pb-c.h"

int
registry_list_districts(rpc_call *call, const ProtobufCMessage *req,
                        ProtobufCMessage **resp)
{
	(void) req;
	store_district *v = NULL;
	size_t          n = 0;
	int rv = store_begin_request(call->store, rpc_remaining_ms(call));
	if (rv == TD_OK) {
		rv = store_list_districts(call->store, &v, &n);
	}
	if (rv != TD_OK) {
		return rpc_fail_err(call, rv, store_errmsg(call->store));
	}
	Tandem__V1__ListDistrictsResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__ListDistrictsResponse,
	              tandem__v1__list_districts_response__init);
	void **list = rpc_arena_alloc(call->arena, (n + 1) * sizeof(void *));
	if (out == NULL || list == NULL) {
		store_districts_free(v, n);
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	out->districts = (Tandem__V1__District **) list;
	for (size_t i = 0; i < n; i++) {
		Tandem__V1__District *d
		    = RPC_NEW(call->arena, Tandem__V1__District,
		              tandem__v1__district__init);
		if (d == NULL) {
			break;
		}
		d->district   = rpc_arena_strdup(call->arena, v[i].code);
		d->name       = rpc_arena_strdup(call->arena, v[i].name);
		d->sourced_id = rpc_arena_strdup(call->arena, v[i].sourced_id);
		d->inactive   = !v[i].active;
		d->implied    = v[i].implied;
		out->districts[out->n_districts++] = d;
	}
	store_districts_free(v, n);
	call->records = (int64_t) out->n_districts;
	*resp         = &out->base;
	return TD_CODE_OK;
}

static Tandem__V1__Educator *
educator_msg(rpc_call *call, const store_educator *e)
{
	Tandem__V1__Educator *m  = RPC_NEW(call->arena, Tandem__V1__Educator,
	                                   tandem__v1__educator__init);
	void                **ms = rpc_arena_alloc(call->arena,
	                                           (e->n_memberships + 1) * sizeof(void *));
	if (m == NULL || ms == NULL) {
		return NULL;
	}
	m->educator    = rpc_arena_strdup(call->arena, e->code);
	m->name        = rpc_arena_strdup(call->arena, e->name);
	m->role        = rpc_arena_strdup(call->arena, e->role);
	m->school      = rpc_arena_strdup(call->arena, e->school);
	m->sourced_id  = rpc_arena_strdup(call->arena, e->sourced_id);
	m->inactive    = !e->active;
	m->memberships = (Tandem__V1__Membership **) ms;
	for (size_t j = 0; j < e->n_memberships; j++) {
		Tandem__V1__Membership *x
		    = RPC_NEW(call->arena, Tandem__V1__Membership,
		              tandem__v1__membership__init);
		if (x == NULL) {
			return NULL;
		}
		x->school
		    = rpc_arena_strdup(call->arena, e->memberships[j].school);
		x->district = rpc_arena_strdup(call->arena,
		                               e->memberships[j].district);
		x->role
		    = rpc_arena_strdup(call->arena, e->memberships[j].role);
		x->inactive                        = !e->memberships[j].active;
		m->memberships[m->n_memberships++] = x;
	}
	return m;
}

int
registry_list_educators(rpc_call *call, const ProtobufCMessage *req,
                        ProtobufCMessage **resp)
{
	const Tandem__V1__ListEducatorsRequest *in = (const void *) req;
	const char *school = in->school, *district = in->district;
	/* A scoped client asks within its scope, or is told no. */
	if (call->who.role == RPC_ROLE_SCHOOL) {
		if ((school[0] && strcmp(school, call->who.school) != 0)
		    || district[0]) {
			return rpc_fail(call, TD_CODE_PERMISSION_DENIED,
			                "client %s may list the educators of "
			                "school %s only",
			                call->who.name, call->who.school);
		}
		school = call->who.school;
	} else if (call->who.role == RPC_ROLE_DISTRICT) {
		if (district[0] && strcmp(district, call->who.district) != 0) {
			return rpc_fail(call, TD_CODE_PERMISSION_DENIED,
			                "client %s may list the educators of "
			                "district %s only",
			                call->who.name, call->who.district);
		}
		district = call->who.district;
	}
	store_educator *v = NULL;
	size_t          n = 0;
	int rv = store_begin_request(call->store, rpc_remaining_ms(call));
	if (rv == TD_OK) {
		rv = store_list_educators(call->store, school, district,
		                          in->include_inactive, &v, &n);
	}
	if (rv != TD_OK) {
		return rpc_fail_err(call, rv, store_errmsg(call->store));
	}
	Tandem__V1__ListEducatorsResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__ListEducatorsResponse,
	              tandem__v1__list_educators_response__init);
	void **list = rpc_arena_alloc(call->arena, (n + 1) * sizeof(void *));
	if (out == NULL || list == NULL) {
		store_educators_free(v, n);
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	out->educators = (Tandem__V1__Educator **) list;
	for (size_t i = 0; i < n; i++) {
		Tandem__V1__Educator *m = educator_msg(call, &v[i]);
		if (m == NULL) {
			store_educators_free(v, n);
			return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
			                "out of memory");
		}
		out->educators[out->n_educators++] = m;
	}
	store_educators_free(v, n);
	call->records = (int64_t) n;
	*resp         = &out->base;
	return TD_CODE_OK;
}
