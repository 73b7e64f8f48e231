/* SPDX-License-Identifier: MIT
 * Registry service: districts, schools, educators, instruments (versioned),
 * measures, activities and the price index. Every Define call validates all
 * of its records first (every bad one reported) and then writes them in one
 * transaction.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "services.h"
#include "store/store.h"
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

typedef struct tally {
	int64_t n[3]; /* by store_outcome */
} tally;

static int
invalid(rpc_call *call, const char *what)
{
	return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
	                "%zu problem(s) in the %s; nothing was stored",
	                call->n_details + (size_t) call->details_omitted,
	                what);
}

static int
fail_store(rpc_call *call, int err)
{
	store_tx_rollback(call->store);
	return rpc_fail_err(call, err, store_errmsg(call->store));
}

static int
begin(rpc_call *call)
{
	int rv = store_begin_request(call->store, rpc_remaining_ms(call));
	if (rv == TD_OK) {
		rv = store_tx_begin(call->store);
	}
	return rv;
}

static int
reply(rpc_call *call, const tally *t, char **notes, size_t n_notes,
      ProtobufCMessage **resp)
{
	int rv = store_tx_commit(call->store);
	if (rv != TD_OK) {
		return fail_store(call, rv);
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

static bool
check_count(rpc_call *call, size_t n, const char *what)
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

/* duplicate: reports code seen earlier in the same request. */
static void
duplicate(rpc_call *call, keyset *seen, int64_t rec, const char *field,
          const char *code)
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
	if (!check_count(call, in->n_districts, "districts")) {
		return call->code;
	}
	keyset *seen = keyset_create(in->n_districts);
	for (size_t i = 0; i < in->n_districts; i++) {
		const Tandem__V1__District *d = in->districts[i];
		if (validate_code(call, (int64_t) i, "district",
		                  d->district)) {
			duplicate(call, seen, (int64_t) i, "district",
			          d->district);
		}
	}
	keyset_destroy(seen);
	if (call->n_details > 0) {
		return invalid(call, "districts");
	}
	tally t  = { { 0 } };
	int   rv = begin(call);
	for (size_t i = 0; rv == TD_OK && i < in->n_districts; i++) {
		const Tandem__V1__District *d = in->districts[i];
		store_outcome               o;
		rv = store_define_district(call->store, d->district,
		                           d->name[0] ? d->name : d->district,
		                           &o);
		t.n[o] += rv == TD_OK;
	}
	return rv != TD_OK ? fail_store(call, rv)
	                   : reply(call, &t, NULL, 0, resp);
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
	if (!check_count(call, in->n_schools, "schools")) {
		return call->code;
	}
	keyset *seen = keyset_create(in->n_schools);
	for (size_t i = 0; i < in->n_schools; i++) {
		const Tandem__V1__School *s   = in->schools[i];
		int64_t                   rec = (int64_t) i;
		if (validate_code(call, rec, "school", s->school)) {
			duplicate(call, seen, rec, "school", s->school);
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
		return invalid(call, "schools");
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
	tally t  = { { 0 } };
	int   rv = begin(call);
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
	return rv != TD_OK ? fail_store(call, rv)
	                   : reply(call, &t, notes, n_notes, resp);
}

int
registry_define_educators(rpc_call *call, const ProtobufCMessage *req,
                          ProtobufCMessage **resp)
{
	const Tandem__V1__DefineEducatorsRequest *in = (const void *) req;
	if (!check_count(call, in->n_educators, "educators")) {
		return call->code;
	}
	keyset *seen = keyset_create(in->n_educators);
	for (size_t i = 0; i < in->n_educators; i++) {
		const Tandem__V1__Educator *e   = in->educators[i];
		int64_t                     rec = (int64_t) i;
		if (validate_code(call, rec, "educator", e->educator)) {
			duplicate(call, seen, rec, "educator", e->educator);
		}
		validate_code(call, rec, "school", e->school);
		validate_enum(call, rec, "role", e->role, registry_roles);
	}
	keyset_destroy(seen);
	if (call->n_details > 0) {
		return invalid(call, "educators");
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
	int            rv = begin(call);
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
		return invalid(call, "educators");
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
	tally t = { { 0 } };
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
	return rv != TD_OK ? fail_store(call, rv)
	                   : reply(call, &t, NULL, 0, resp);
}

int
registry_define_measures(rpc_call *call, const ProtobufCMessage *req,
                         ProtobufCMessage **resp)
{
	const Tandem__V1__DefineMeasuresRequest *in = (const void *) req;
	if (!check_count(call, in->n_measures, "measures")) {
		return call->code;
	}
	keyset *seen = keyset_create(in->n_measures);
	for (size_t i = 0; i < in->n_measures; i++) {
		const Tandem__V1__Measure *m   = in->measures[i];
		int64_t                    rec = (int64_t) i;
		if (validate_code(call, rec, "measure", m->measure)) {
			duplicate(call, seen, rec, "measure", m->measure);
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
		return invalid(call, "measures");
	}
	tally t  = { { 0 } };
	int   rv = begin(call);
	for (size_t i = 0; rv == TD_OK && i < in->n_measures; i++) {
		const Tandem__V1__Measure *m = in->measures[i];
		store_outcome              o;
		rv = store_define_measure(
		    call->store, m->measure, m->name, m->unit, m->direction,
		    m->has_target ? &m->target : NULL, m->frequency,
		    m->has_timely_days ? m->timely_days : -1, &o);
		t.n[o] += rv == TD_OK;
	}
	return rv != TD_OK ? fail_store(call, rv)
	                   : reply(call, &t, NULL, 0, resp);
}

int
registry_define_activities(rpc_call *call, const ProtobufCMessage *req,
                           ProtobufCMessage **resp)
{
	const Tandem__V1__DefineActivitiesRequest *in = (const void *) req;
	if (!check_count(call, in->n_activities, "activities")) {
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
			duplicate(call, seen, rec, "activity", a->activity);
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
		return invalid(call, "activities");
	}
	store_resolved known = { 0 };
	int            rv    = begin(call);
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
			return invalid(call, "activities");
		}
	}
	tally t = { { 0 } };
	for (size_t i = 0; rv == TD_OK && i < in->n_activities; i++) {
		const Tandem__V1__Activity *a = in->activities[i];
		store_outcome               o;
		rv = store_define_activity(call->store, a->activity, a->kind,
		                           a->name, a->district, &o);
		t.n[o] += rv == TD_OK;
	}
	return rv != TD_OK ? fail_store(call, rv)
	                   : reply(call, &t, NULL, 0, resp);
}

int
registry_define_price_index(rpc_call *call, const ProtobufCMessage *req,
                            ProtobufCMessage **resp)
{
	const Tandem__V1__DefinePriceIndexRequest *in = (const void *) req;
	if (!check_count(call, in->n_entries, "price index entries")) {
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
		return invalid(call, "price index");
	}
	tally t  = { { 0 } };
	int   rv = begin(call);
	for (size_t i = 0; rv == TD_OK && i < in->n_entries; i++) {
		store_outcome o;
		rv = store_define_price_index(call->store,
		                              in->entries[i]->year,
		                              in->entries[i]->index, &o);
		t.n[o] += rv == TD_OK;
	}
	return rv != TD_OK ? fail_store(call, rv)
	                   : reply(call, &t, NULL, 0, resp);
}

/* ---- instruments ---- */

typedef struct item_in {
	const char *code, *construct, *text;
	int         min, max, fav;
	bool        rev;
} item_in;

static bool
same_items(const store_instrument *cur, const item_in *items, size_t n,
           const char *name)
{
	if (cur->n_items != n || strcmp(cur->name, name) != 0) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		const store_item *a = &cur->items[i];
		const item_in    *b = &items[i];
		if (strcmp(a->code, b->code) != 0
		    || strcmp(a->construct, b->construct) != 0
		    || strcmp(a->text, b->text) != 0 || a->min != b->min
		    || a->max != b->max || a->favourable_at_least != b->fav
		    || a->reverse_coded != b->rev) {
			return false;
		}
	}
	return true;
}

static int
define_instrument(rpc_call *call, const char *kind, const char *code,
                  const char *name, item_in *items, size_t n,
                  ProtobufCMessage **resp)
{
	store_instrument cur = { 0 }, next = { 0 };
	tally            t    = { { 0 } };
	char           **note = rpc_arena_alloc(call->arena, sizeof(char *));
	int              rv   = begin(call);
	if (rv != TD_OK) {
		return fail_store(call, rv);
	}
	rv = store_instrument_current(call->store, kind, code, &cur);
	if (rv != TD_OK && rv != TD_ENOTFOUND) {
		return fail_store(call, rv);
	}
	bool exists = rv == TD_OK;
	if (exists && same_items(&cur, items, n, name)) {
		t.n[STORE_UNCHANGED] = 1;
		*note                = rpc_arena_printf(call->arena,
		                                        "%s %s: version %d "
		                                                       "unchanged",
		                                        kind, code, cur.version);
		store_instrument_free(&cur);
		return reply(call, &t, note, 1, resp);
	}
	next.code    = (char *) code;
	next.name    = (char *) name;
	next.n_items = n;
	next.items   = rpc_arena_alloc(call->arena, n * sizeof(store_item));
	for (size_t i = 0; next.items && i < n; i++) {
		next.items[i] = (store_item) {
			(char *) items[i].code, (char *) items[i].construct,
			items[i].min,           items[i].max,
			items[i].rev,           items[i].fav,
			(char *) items[i].text
		};
	}
	/* An instrument that already has answers keeps them on their
	 * version; the change becomes a new version. */
	bool replace = exists && !cur.has_responses;
	next.version = exists ? cur.version + (replace ? 0 : 1) : 1;
	next.id      = exists ? cur.id : 0;
	rv = store_instrument_save(call->store, kind, &next, replace);
	if (rv != TD_OK) {
		store_instrument_free(&cur);
		return fail_store(call, rv);
	}
	t.n[replace ? STORE_UPDATED : STORE_CREATED] = 1;
	*note                                        = rpc_arena_printf(
	                                           call->arena, "%s %s: %s version %d%s", kind, code,
            replace ? "updated" : "created", next.version,
            exists && !replace ? " (the previous version has responses, "
	                                                                "which keep it)"
	                                                              : "");
	store_instrument_free(&cur);
	return reply(call, &t, note, 1, resp);
}

int
registry_define_survey(rpc_call *call, const ProtobufCMessage *req,
                       ProtobufCMessage **resp)
{
	const Tandem__V1__DefineSurveyRequest *in = (const void *) req;
	const Tandem__V1__Survey              *s  = in->survey;
	if (s == NULL) {
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		                "the request carries no survey");
	}
	validate_code(call, -1, "code", s->code);
	if (!check_count(call, s->n_items, "survey items")) {
		return call->code;
	}
	item_in *items
	    = rpc_arena_alloc(call->arena, s->n_items * sizeof(*items));
	keyset *seen = keyset_create(s->n_items);
	for (size_t i = 0; items && i < s->n_items; i++) {
		const Tandem__V1__SurveyItem *it  = s->items[i];
		int64_t                       rec = (int64_t) i;
		if (validate_code(call, rec, "item", it->item)) {
			duplicate(call, seen, rec, "item", it->item);
		}
		validate_code(call, rec, "construct", it->construct);
		if (it->min >= it->max) {
			rpc_detail(call, rec, "max", "range",
			           "item %s: min %d must be below max %d",
			           it->item, it->min, it->max);
		} else if (it->favourable_at_least < it->min
		           || it->favourable_at_least > it->max) {
			rpc_detail(
			    call, rec, "favourable_at_least", "range",
			    "item %s: favourable_at_least %d is outside "
			    "%d..%d",
			    it->item, it->favourable_at_least, it->min,
			    it->max);
		}
		if (it->min < -32768 || it->max > 32767) {
			rpc_detail(call, rec, "max", "range",
			           "item %s: responses must fit -32768..32767",
			           it->item);
		}
		items[i]
		    = (item_in) { it->item,         it->construct,
			          it->text,         it->min,
			          it->max,          it->favourable_at_least,
			          it->reverse_coded };
	}
	keyset_destroy(seen);
	if (call->n_details > 0) {
		return invalid(call, "survey");
	}
	return define_instrument(call, "survey", s->code, s->name, items,
	                         s->n_items, resp);
}

int
registry_define_rubric(rpc_call *call, const ProtobufCMessage *req,
                       ProtobufCMessage **resp)
{
	const Tandem__V1__DefineRubricRequest *in = (const void *) req;
	const Tandem__V1__Rubric              *r  = in->rubric;
	if (r == NULL) {
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		                "the request carries no rubric");
	}
	validate_code(call, -1, "code", r->code);
	if (!check_count(call, r->n_criteria, "rubric criteria")) {
		return call->code;
	}
	item_in *items
	    = rpc_arena_alloc(call->arena, r->n_criteria * sizeof(*items));
	keyset *seen = keyset_create(r->n_criteria);
	for (size_t i = 0; items && i < r->n_criteria; i++) {
		const Tandem__V1__RubricCriterion *c   = r->criteria[i];
		int64_t                            rec = (int64_t) i;
		if (validate_code(call, rec, "criterion", c->criterion)) {
			duplicate(call, seen, rec, "criterion", c->criterion);
		}
		if (c->min >= c->max || c->min < -32768 || c->max > 32767) {
			rpc_detail(call, rec, "max", "range",
			           "criterion %s: min %d must be below max %d "
			           "(within -32768..32767)",
			           c->criterion, c->min, c->max);
		}
		items[i] = (item_in) { c->criterion, "", c->text, c->min,
			               c->max,       0,  false };
	}
	keyset_destroy(seen);
	if (call->n_details > 0) {
		return invalid(call, "rubric");
	}
	return define_instrument(call, "rubric", r->code, r->name, items,
	                         r->n_criteria, resp);
}

/* ---- listings ---- */

int
registry_list_schools(rpc_call *call, const ProtobufCMessage *req,
                      ProtobufCMessage **resp)
{
	const Tandem__V1__ListSchoolsRequest *in = (const void *) req;
	store_school                         *v  = NULL;
	size_t                                n  = 0;
	int rv = store_begin_request(call->store, rpc_remaining_ms(call));
	if (rv == TD_OK) {
		rv = store_list_schools(call->store, in->district, &v, &n);
	}
	if (rv != TD_OK) {
		return rpc_fail_err(call, rv, store_errmsg(call->store));
	}
	Tandem__V1__ListSchoolsResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__ListSchoolsResponse,
	              tandem__v1__list_schools_response__init);
	out->schools
	    = rpc_arena_alloc(call->arena, (n ? n : 1) * sizeof(void *));
	for (size_t i = 0; i < n; i++) {
		Tandem__V1__School *s = RPC_NEW(
		    call->arena, Tandem__V1__School, tandem__v1__school__init);
		s->district   = rpc_arena_strdup(call->arena, v[i].district);
		s->school     = rpc_arena_strdup(call->arena, v[i].code);
		s->name       = rpc_arena_strdup(call->arena, v[i].name);
		s->locale     = rpc_arena_strdup(call->arena, v[i].locale);
		s->grades     = rpc_arena_strdup(call->arena, v[i].grades);
		s->frl_rate   = v[i].frl_rate < 0 ? NAN : v[i].frl_rate;
		s->enrollment = v[i].enrollment;
		s->opened_on  = rpc_arena_strdup(call->arena, v[i].opened_on);
		s->closed_on  = rpc_arena_strdup(call->arena, v[i].closed_on);
		out->schools[out->n_schools++] = s;
	}
	store_schools_free(v, n);
	call->records = (int64_t) n;
	*resp         = &out->base;
	return TD_CODE_OK;
}

/* split_row cuts a \x1f-separated listing row into at most n fields; an
 * empty field stays in its place (a measure's unit or target may be
 * empty). */
static size_t
split_row(rpc_call *call, const char *row, char **f, size_t n)
{
	size_t k = 0;
	char  *s = rpc_arena_strdup(call->arena, row);
	while (s != NULL && k < n) {
		f[k++] = s;
		s      = strchr(s, '\x1f');
		if (s != NULL) {
			*s++ = '\0';
		}
	}
	for (size_t i = k; i < n; i++) {
		f[i] = "";
	}
	return k;
}

/* instrument_items fills the items of a survey, or the criteria of a
 * rubric, of the newest version of code (arena memory); false with the
 * status set on a store error. */
static bool
instrument_items(rpc_call *call, const char *kind, const char *code,
                 Tandem__V1__SurveyItem ***items, size_t *n_items,
                 Tandem__V1__RubricCriterion ***crit, size_t *n_crit)
{
	store_instrument in = { 0 };
	int rv = store_instrument_current(call->store, kind, code, &in);
	if (rv == TD_ENOTFOUND) {
		return true;
	}
	if (rv != TD_OK) {
		rpc_fail_err(call, rv, store_errmsg(call->store));
		return false;
	}
	size_t n = in.n_items;
	void **v = rpc_arena_alloc(call->arena, (n + 1) * sizeof(void *));
	for (size_t j = 0; v && j < n; j++) {
		const store_item *it = &in.items[j];
		if (items != NULL) {
			Tandem__V1__SurveyItem *x
			    = RPC_NEW(call->arena, Tandem__V1__SurveyItem,
			              tandem__v1__survey_item__init);
			if (x == NULL) {
				break;
			}
			x->item = rpc_arena_strdup(call->arena, it->code);
			x->construct
			    = rpc_arena_strdup(call->arena, it->construct);
			x->min = it->min, x->max = it->max;
			x->reverse_coded       = it->reverse_coded;
			x->favourable_at_least = it->favourable_at_least;
			x->text                = rpc_arena_strdup(call->arena,
                                                   it->text ? it->text : "");
			v[(*n_items)++]        = x;
		} else {
			Tandem__V1__RubricCriterion *x
			    = RPC_NEW(call->arena, Tandem__V1__RubricCriterion,
			              tandem__v1__rubric_criterion__init);
			if (x == NULL) {
				break;
			}
			x->criterion = rpc_arena_strdup(call->arena, it->code);
			x->min = it->min, x->max = it->max;
			x->text        = rpc_arena_strdup(call->arena,
                                                   it->text ? it->text : "");
			v[(*n_crit)++] = x;
		}
	}
	store_instrument_free(&in);
	if (items != NULL) {
		*items = (Tandem__V1__SurveyItem **) v;
	} else {
		*crit = (Tandem__V1__RubricCriterion **) v;
	}
	return true;
}

static int
list_fail(rpc_call *call, char **rows[4], const size_t n[4])
{
	for (int w = 0; w < 4; w++) {
		store_rows_list_free(rows[w], n[w]);
	}
	return call->code;
}

int
registry_list_instruments(rpc_call *call, const ProtobufCMessage *req,
                          ProtobufCMessage **resp)
{
	static const store_kind what[]  = { STORE_SURVEYS, STORE_RUBRICS,
		                            STORE_MEASURES, STORE_ACTIVITIES };
	char                  **rows[4] = { NULL };
	size_t                  n[4]    = { 0 };
	int rv = store_begin_request(call->store, rpc_remaining_ms(call));
	for (int w = 0; rv == TD_OK && w < 4; w++) {
		rv = store_list_rows(call->store, what[w], &rows[w], &n[w]);
	}
	if (rv != TD_OK) {
		for (int w = 0; w < 4; w++) {
			store_rows_list_free(rows[w], n[w]);
		}
		return rpc_fail_err(call, rv, store_errmsg(call->store));
	}
	Tandem__V1__ListInstrumentsResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__ListInstrumentsResponse,
	              tandem__v1__list_instruments_response__init);
	out->surveys
	    = rpc_arena_alloc(call->arena, (n[0] + 1) * sizeof(void *));
	out->rubrics
	    = rpc_arena_alloc(call->arena, (n[1] + 1) * sizeof(void *));
	out->measures
	    = rpc_arena_alloc(call->arena, (n[2] + 1) * sizeof(void *));
	out->activities
	    = rpc_arena_alloc(call->arena, (n[3] + 1) * sizeof(void *));
	char *f[4];
	for (size_t i = 0; i < n[0]; i++) {
		Tandem__V1__Survey *s = RPC_NEW(
		    call->arena, Tandem__V1__Survey, tandem__v1__survey__init);
		split_row(call, rows[0][i], f, 3);
		s->code = f[0], s->name = f[1], s->version = atoi(f[2]);
		if (!instrument_items(call, "survey", s->code, &s->items,
		                      &s->n_items, NULL, NULL)) {
			return list_fail(call, rows, n);
		}
		out->surveys[out->n_surveys++] = s;
	}
	for (size_t i = 0; i < n[1]; i++) {
		Tandem__V1__Rubric *r = RPC_NEW(
		    call->arena, Tandem__V1__Rubric, tandem__v1__rubric__init);
		split_row(call, rows[1][i], f, 3);
		r->code = f[0], r->name = f[1], r->version = atoi(f[2]);
		if (!instrument_items(call, "rubric", r->code, NULL, NULL,
		                      &r->criteria, &r->n_criteria)) {
			return list_fail(call, rows, n);
		}
		out->rubrics[out->n_rubrics++] = r;
	}
	for (size_t i = 0; i < n[2]; i++) {
		Tandem__V1__Measure *m
		    = RPC_NEW(call->arena, Tandem__V1__Measure,
		              tandem__v1__measure__init);
		char *g[7];
		split_row(call, rows[2][i], g, 7);
		m->measure = g[0], m->name = g[1], m->unit = g[2];
		m->direction       = g[3];
		m->has_target      = g[4][0] != '\0';
		m->target          = m->has_target ? strtod(g[4], NULL) : 0;
		m->frequency       = g[5];
		m->has_timely_days = g[6][0] != '\0';
		m->timely_days     = atoi(g[6]);
		out->measures[out->n_measures++] = m;
	}
	for (size_t i = 0; i < n[3]; i++) {
		Tandem__V1__Activity *a
		    = RPC_NEW(call->arena, Tandem__V1__Activity,
		              tandem__v1__activity__init);
		split_row(call, rows[3][i], f, 4);
		a->activity = f[0], a->kind = f[1], a->name = f[2];
		a->district                          = f[3];
		out->activities[out->n_activities++] = a;
	}
	for (int w = 0; w < 4; w++) {
		store_rows_list_free(rows[w], n[w]);
	}
	*resp = &out->base;
	return TD_CODE_OK;
}
