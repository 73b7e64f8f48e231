/* SPDX-License-Identifier: MIT
 * Registry service: districts, schools, educators, measures, activities and
 * the price index (instruments: registry_instruments.c; listings:
 * registry_list.c). Every Define call validates all of its records first
 * (every bad one reported) and then writes them in one transaction.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "registry.h"
#include "services.h"
#include "store/store.h"
#include "store/store_registry.h"
#include "store/store_roster.h"
#include "tandem/v1/registry.pb-c.h"
#include "validate.h"

static const char *const LOCALES[]
    = { "city", "suburb", "town", "rural", NULL };
static const char *const DIRECTIONS[] = { "higher", "lower", "neutral", NULL };
/* A measure's reporting frequency (DHIS2's period types, with terms). */
static const char *const FREQUENCIES[]
    = { "weekly", "monthly", "termly", "yearly", NULL };
/* A report may be due at most a year after its period ends. */
#define REGISTRY_MAX_TIMELY_DAYS 366
static const char *const KINDS[]
    = { "coaching",          "plc",      "nic_convening", "leadership_academy",
	"video_observation", "workshop", "other",         NULL };

/* Educator roles (memberships take the same): the roster import maps
 * OneRoster's onto these. */
const char *const registry_roles[] = {
	"teacher",
	"teacher_leader",
	"coach",
	"principal",
	"assistant_principal",
	"school_administrator",
	"district_administrator",
	"aide",
	"counselor",
	NULL,
};

int
registry_invalid(rpc_call *call, const char *what)
{
	return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
	                "%zu problem(s) in the %s; nothing was stored",
	                call->n_details + (size_t) call->details_omitted,
	                what);
}

int
registry_fail_store(rpc_call *call, int err)
{
	store_tx_rollback(call->store);
	return rpc_fail_err(call, err, store_errmsg(call->store));
}

int
registry_begin(rpc_call *call)
{
	int rv = store_begin_request(call->store, rpc_remaining_ms(call));
	if (rv == TD_OK) {
		rv = store_tx_begin(call->store);
	}
	return rv;
}

int
registry_reply(rpc_call *call, const registry_tally *t, char **notes,
               size_t n_notes, ProtobufCMessage **resp)
{
	int rv = store_tx_commit(call->store);
	if (rv != TD_OK) {
		return registry_fail_store(call, rv);
	}
	Tandem__V1__DefineResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__DefineResponse,
	              tandem__v1__define_response__init);
	if (out == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	out->created   = t->n[STORE_CREATED];
	out->updated   = t->n[STORE_UPDATED];
	out->unchanged = t->n[STORE_UNCHANGED];
	out->notes     = notes;
	out->n_notes   = n_notes;
	call->records  = t->n[0] + t->n[1] + t->n[2];
	*resp          = &out->base;
	return TD_CODE_OK;
}

bool
registry_check_count(rpc_call *call, size_t n, const char *what)
{
	if (n == 0) {
		rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		         "no %s in the request", what);
		return false;
	}
	if (n > TD_MAX_RECORDS) {
		rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		         "%zu %s exceed the %u-record limit of one request", n,
		         what, TD_MAX_RECORDS);
		return false;
	}
	return true;
}

void
registry_duplicate(rpc_call *call, keyset *seen, int64_t rec,
                   const char *field, const char *code)
{
	int64_t prev = keyset_add(seen, code, strlen(code), rec);
	if (prev >= 0) {
		rpc_detail(
		    call, rec, field, "unique",
		    "%s '%s' appears twice in this request (also record "
		    "%lld)",
		    field, code, (long long) prev);
	}
}

int
registry_define_districts(rpc_call *call, const ProtobufCMessage *req,
                          ProtobufCMessage **resp)
{
	const Tandem__V1__DefineDistrictsRequest *in = (const void *) req;
	if (!registry_check_count(call, in->n_districts, "districts")) {
		return call->code;
	}
	keyset *seen = keyset_create(in->n_districts);
	for (size_t i = 0; i < in->n_districts; i++) {
		const Tandem__V1__District *d = in->districts[i];
		if (validate_code(call, (int64_t) i, "district",
		                  d->district)) {
			registry_duplicate(call, seen, (int64_t) i, "district",
			                   d->district);
		}
	}
	keyset_destroy(seen);
	if (call->n_details > 0) {
		return registry_invalid(call, "districts");
	}
	registry_tally t  = { { 0 } };
	int            rv = registry_begin(call);
	for (size_t i = 0; rv == TD_OK && i < in->n_districts; i++) {
		const Tandem__V1__District *d = in->districts[i];
		store_outcome               o;
		rv = store_define_district(call->store, d->district,
		                           d->name[0] ? d->name : d->district,
		                           &o);
		t.n[o] += rv == TD_OK;
	}
	return rv != TD_OK ? registry_fail_store(call, rv)
	                   : registry_reply(call, &t, NULL, 0, resp);
}

/* school_dates: opened_on and closed_on are dates (or empty), the school
 * closing no earlier than it opened. */
static void
school_dates(rpc_call *call, int64_t rec, const Tandem__V1__School *s)
{
	bool        ok[2] = { true, true };
	const char *d[2]  = { s->opened_on, s->closed_on };
	const char *f[2]  = { "opened_on", "closed_on" };
	for (int k = 0; k < 2; k++) {
		if (d[k][0] != '\0' && !common_date_parse(d[k], NULL)) {
			ok[k] = false;
			rpc_detail(call, rec, f[k], "date",
			           "%s '%s' is not a date YYYY-MM-DD", f[k],
			           d[k]);
		}
	}
	if (ok[0] && ok[1] && d[0][0] != '\0' && d[1][0] != '\0'
	    && strcmp(d[1], d[0]) < 0) {
		rpc_detail(call, rec, "closed_on", "order",
		           "closed_on %s is before opened_on %s", d[1], d[0]);
	}
}

int
registry_define_schools(rpc_call *call, const ProtobufCMessage *req,
                        ProtobufCMessage **resp)
{
	const Tandem__V1__DefineSchoolsRequest *in = (const void *) req;
	if (!registry_check_count(call, in->n_schools, "schools")) {
		return call->code;
	}
	keyset *seen = keyset_create(in->n_schools);
	for (size_t i = 0; i < in->n_schools; i++) {
		const Tandem__V1__School *s   = in->schools[i];
		int64_t                   rec = (int64_t) i;
		if (validate_code(call, rec, "school", s->school)) {
			registry_duplicate(call, seen, rec, "school",
			                   s->school);
		}
		validate_code(call, rec, "district", s->district);
		if (!isnan(s->frl_rate)
		    && !(s->frl_rate >= 0 && s->frl_rate <= 1)) {
			rpc_detail(call, rec, "frl_rate", "range",
			           "frl_rate %g is outside 0..1", s->frl_rate);
		}
		if (s->enrollment < -1) {
			rpc_detail(call, rec, "enrollment", "range",
			           "enrollment %d is negative", s->enrollment);
		}
		if (s->locale[0] != '\0') {
			validate_enum(call, rec, "locale", s->locale, LOCALES);
		}
		school_dates(call, rec, s);
	}
	keyset_destroy(seen);
	if (call->n_details > 0) {
		return registry_invalid(call, "schools");
	}
	/* A district named only in schools.csv is created with its code
	 * as its name, and the reply says so. */
	const char **dcodes
	    = rpc_arena_alloc(call->arena, in->n_schools * sizeof(char *));
	store_resolved known = { 0 };
	char         **notes
	    = rpc_arena_alloc(call->arena, in->n_schools * sizeof(char *));
	size_t n_notes = 0;
	if (dcodes == NULL || notes == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	for (size_t i = 0; i < in->n_schools; i++) {
		dcodes[i] = in->schools[i]->district;
	}
	registry_tally t  = { { 0 } };
	int            rv = registry_begin(call);
	if (rv == TD_OK) {
		rv = store_resolve(call->store, STORE_DISTRICTS, dcodes,
		                   in->n_schools, &known);
	}
	keyset *made = keyset_create(8);
	for (size_t i = 0; rv == TD_OK && i < in->n_schools; i++) {
		store_outcome o;
		if (known.ids[i] == 0
		    && keyset_add(made, dcodes[i], strlen(dcodes[i]),
		                  (int64_t) i)
		        < 0) {
			rv = store_define_district(call->store, dcodes[i],
			                           dcodes[i], &o);
			notes[n_notes++] = rpc_arena_printf(
			    call->arena,
			    "district %s was not defined: created with its "
			    "code as its name",
			    dcodes[i]);
		}
	}
	keyset_destroy(made);
	store_resolved_free(&known);
	for (size_t i = 0; rv == TD_OK && i < in->n_schools; i++) {
		const Tandem__V1__School *s = in->schools[i];
		store_outcome             o;
		rv = store_define_school(call->store, s->district, s->school,
		                         s->name[0] ? s->name : s->school,
		                         isnan(s->frl_rate) ? -1 : s->frl_rate,
		                         s->enrollment, s->locale, s->grades,
		                         s->opened_on, s->closed_on, &o);
		t.n[o] += rv == TD_OK;
	}
	return rv != TD_OK ? registry_fail_store(call, rv)
	                   : registry_reply(call, &t, notes, n_notes, resp);
}

int
registry_define_educators(rpc_call *call, const ProtobufCMessage *req,
                          ProtobufCMessage **resp)
{
	const Tandem__V1__DefineEducatorsRequest *in = (const void *) req;
	if (!registry_check_count(call, in->n_educators, "educators")) {
		return call->code;
	}
	keyset *seen = keyset_create(in->n_educators);
	for (size_t i = 0; i < in->n_educators; i++) {
		const Tandem__V1__Educator *e   = in->educators[i];
		int64_t                     rec = (int64_t) i;
		if (validate_code(call, rec, "educator", e->educator)) {
			registry_duplicate(call, seen, rec, "educator",
			                   e->educator);
		}
		validate_code(call, rec, "school", e->school);
		validate_enum(call, rec, "role", e->role, registry_roles);
	}
	keyset_destroy(seen);
	if (call->n_details > 0) {
		return registry_invalid(call, "educators");
	}
	const char **codes
	    = rpc_arena_alloc(call->arena, in->n_educators * sizeof(char *));
	if (codes == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	for (size_t i = 0; i < in->n_educators; i++) {
		codes[i] = in->educators[i]->school;
	}
	store_resolved sc = { 0 };
	int            rv = registry_begin(call);
	if (rv == TD_OK) {
		rv = store_resolve(call->store, STORE_SCHOOLS, codes,
		                   in->n_educators, &sc);
	}
	for (size_t i = 0; rv == TD_OK && i < in->n_educators; i++) {
		if (sc.ids[i] == 0) {
			rpc_detail(call, (int64_t) i, "school", "unknown",
			           "school '%s' is not in the registry",
			           codes[i]);
		}
	}
	store_resolved_free(&sc);
	if (rv == TD_OK && call->n_details > 0) {
		store_tx_rollback(call->store);
		return registry_invalid(call, "educators");
	}
	/* Where each educator was, so a move retires that membership. */
	store_resolved was = { 0 };
	for (size_t i = 0; i < in->n_educators; i++) {
		codes[i] = in->educators[i]->educator;
	}
	if (rv == TD_OK) {
		rv = store_resolve(call->store, STORE_EDUCATORS, codes,
		                   in->n_educators, &was);
	}
	registry_tally t = { { 0 } };
	for (size_t i = 0; rv == TD_OK && i < in->n_educators; i++) {
		const Tandem__V1__Educator *e = in->educators[i];
		store_outcome               o;
		rv = store_define_educator(call->store, e->educator, e->school,
		                           e->name, e->role, &o);
		if (rv == TD_OK) {
			rv = store_educator_serve_only(
			    call->store, e->educator, e->role, was.aux[i]);
		}
		t.n[o] += rv == TD_OK;
	}
	store_resolved_free(&was);
	return rv != TD_OK ? registry_fail_store(call, rv)
	                   : registry_reply(call, &t, NULL, 0, resp);
}

int
registry_define_measures(rpc_call *call, const ProtobufCMessage *req,
                         ProtobufCMessage **resp)
{
	const Tandem__V1__DefineMeasuresRequest *in = (const void *) req;
	if (!registry_check_count(call, in->n_measures, "measures")) {
		return call->code;
	}
	keyset *seen = keyset_create(in->n_measures);
	for (size_t i = 0; i < in->n_measures; i++) {
		const Tandem__V1__Measure *m   = in->measures[i];
		int64_t                    rec = (int64_t) i;
		if (validate_code(call, rec, "measure", m->measure)) {
			registry_duplicate(call, seen, rec, "measure",
			                   m->measure);
		}
		validate_enum(call, rec, "direction", m->direction,
		              DIRECTIONS);
		if (m->frequency[0] != '\0') {
			validate_enum(call, rec, "frequency", m->frequency,
			              FREQUENCIES);
		}
		if (m->has_timely_days
		    && (m->timely_days < 0
		        || m->timely_days > REGISTRY_MAX_TIMELY_DAYS)) {
			rpc_detail(call, rec, "timely_days", "range",
			           "timely_days %d is outside 0..%d",
			           m->timely_days, REGISTRY_MAX_TIMELY_DAYS);
		}
		if (m->has_target && !(fabs(m->target) <= 1e15)) {
			rpc_detail(call, rec, "target", "range",
			           "target %g is not a finite number within "
			           "+-1e15",
			           m->target);
		}
	}
	keyset_destroy(seen);
	if (call->n_details > 0) {
		return registry_invalid(call, "measures");
	}
	registry_tally t  = { { 0 } };
	int            rv = registry_begin(call);
	for (size_t i = 0; rv == TD_OK && i < in->n_measures; i++) {
		const Tandem__V1__Measure *m = in->measures[i];
		store_outcome              o;
		rv = store_define_measure(
		    call->store, m->measure, m->name, m->unit, m->direction,
		    m->has_target ? &m->target : NULL, m->frequency,
		    m->has_timely_days ? m->timely_days : -1, &o);
		t.n[o] += rv == TD_OK;
	}
	return rv != TD_OK ? registry_fail_store(call, rv)
	                   : registry_reply(call, &t, NULL, 0, resp);
}

int
registry_define_activities(rpc_call *call, const ProtobufCMessage *req,
                           ProtobufCMessage **resp)
{
	const Tandem__V1__DefineActivitiesRequest *in = (const void *) req;
	if (!registry_check_count(call, in->n_activities, "activities")) {
		return call->code;
	}
	keyset      *seen = keyset_create(in->n_activities);
	const char **dist
	    = rpc_arena_alloc(call->arena, in->n_activities * sizeof(char *));
	size_t   n_dist = 0;
	int64_t *drec
	    = rpc_arena_alloc(call->arena, in->n_activities * sizeof(int64_t));
	if (seen == NULL || dist == NULL || drec == NULL) {
		keyset_destroy(seen);
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	for (size_t i = 0; i < in->n_activities; i++) {
		const Tandem__V1__Activity *a   = in->activities[i];
		int64_t                     rec = (int64_t) i;
		if (validate_code(call, rec, "activity", a->activity)) {
			registry_duplicate(call, seen, rec, "activity",
			                   a->activity);
		}
		validate_enum(call, rec, "kind", a->kind, KINDS);
		if (a->district[0] != '\0'
		    && validate_code(call, rec, "district", a->district)) {
			drec[n_dist]   = rec;
			dist[n_dist++] = a->district;
		}
	}
	keyset_destroy(seen);
	if (call->n_details > 0) {
		return registry_invalid(call, "activities");
	}
	store_resolved known = { 0 };
	int            rv    = registry_begin(call);
	if (rv == TD_OK && n_dist > 0) {
		rv = store_resolve(call->store, STORE_DISTRICTS, dist, n_dist,
		                   &known);
		for (size_t i = 0; rv == TD_OK && i < n_dist; i++) {
			if (known.ids[i] == 0) {
				rpc_detail(call, drec[i], "district",
				           "unknown",
				           "district '%s' is not in the "
				           "registry",
				           dist[i]);
			}
		}
		store_resolved_free(&known);
		if (rv == TD_OK && call->n_details > 0) {
			store_tx_rollback(call->store);
			return registry_invalid(call, "activities");
		}
	}
	registry_tally t = { { 0 } };
	for (size_t i = 0; rv == TD_OK && i < in->n_activities; i++) {
		const Tandem__V1__Activity *a = in->activities[i];
		store_outcome               o;
		rv = store_define_activity(call->store, a->activity, a->kind,
		                           a->name, a->district, &o);
		t.n[o] += rv == TD_OK;
	}
	return rv != TD_OK ? registry_fail_store(call, rv)
	                   : registry_reply(call, &t, NULL, 0, resp);
}

int
registry_define_price_index(rpc_call *call, const ProtobufCMessage *req,
                            ProtobufCMessage **resp)
{
	const Tandem__V1__DefinePriceIndexRequest *in = (const void *) req;
	if (!registry_check_count(call, in->n_entries,
	                          "price index entries")) {
		return call->code;
	}
	keyset *seen = keyset_create(in->n_entries);
	for (size_t i = 0; i < in->n_entries; i++) {
		const Tandem__V1__PriceIndexEntry *e   = in->entries[i];
		int64_t                            rec = (int64_t) i;
		if (!common_year_valid(e->year)) {
			rpc_detail(call, rec, "year", "range",
			           "year %d is outside %d..%d", e->year,
			           COMMON_YEAR_MIN, COMMON_YEAR_MAX);
		} else if (keyset_add(seen, &e->year, sizeof(e->year), rec)
		           >= 0) {
			rpc_detail(call, rec, "year", "unique",
			           "year %d appears twice", e->year);
		}
		if (!(isfinite(e->index) && e->index > 0)) {
			rpc_detail(call, rec, "index", "range",
			           "index %g must be a positive number",
			           e->index);
		}
	}
	keyset_destroy(seen);
	if (call->n_details > 0) {
		return registry_invalid(call, "price index");
	}
	registry_tally t  = { { 0 } };
	int            rv = registry_begin(call);
	for (size_t i = 0; rv == TD_OK && i < in->n_entries; i++) {
		store_outcome o;
		rv = store_define_price_index(call->store,
		                              in->entries[i]->year,
		                              in->entries[i]->index, &o);
		t.n[o] += rv == TD_OK;
	}
	return rv != TD_OK ? registry_fail_store(call, rv)
	                   : registry_reply(call, &t, NULL, 0, resp);
}
