/* SPDX-License-Identifier: MIT
 * Registry/ImportRoster: a whole OneRoster roster (bulk or delta) in one
 * call. Every record is checked first; then, under one lock and in one
 * transaction, districts, schools, educators and their memberships are
 * matched by sourcedId, coded by identifier where that is unique, and
 * stored; any problem stores nothing. Notes say what was decided and why.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services.h"
#include "store/store.h"
#include "store/store_roster.h"
#include "tandem/v1/registry.pb-c.h"
#include "validate.h"

#define ROSTER_MAX_NOTES 2000 /* the reply stays well under its limit */
#define ROSTER_MAX_DEPTH 16 /* org parents walked to find a district */
#define ROSTER_SID_MAX   255 /* the sourced_id columns' CHECK */
#define ROSTER_CODE_MAX  64 /* the code columns' CHECK */

enum { K_DISTRICT, K_SCHOOL, K_EDUCATOR, K_MEMBERSHIP, K_N };
static const char *const KIND[K_N]
    = { "district", "school", "educator", "membership" };
static const char *const TABLE[K_N]
    = { "districts", "schools", "educators", NULL };

/* A sorted index of sourcedIds: key -> record. */
typedef struct ix {
	const char *key;
	size_t      i;
} ix;

typedef struct roster {
	rpc_call                              *call;
	const Tandem__V1__ImportRosterRequest *in;
	size_t                                 no, nu, nm;
	ix                                    *orgs, *users, *mems;
	int64_t                               *org_id;
	Tandem__V1__RosterCount *counts; /* [K_N], in the arena */
	Tandem__V1__RosterNote **notes;
	size_t                   n_notes;
	int64_t                  omitted;
	Tandem__V1__RosterSkip **skips;
	size_t                   n_skips;
	int                      rv; /* store error */
} roster;

static int
cmp_ix(const void *a, const void *b)
{
	const ix *x = a, *y = b;
	int       c = strcmp(x->key, y->key);
	return c ? c : (x->i > y->i) - (x->i < y->i);
}

static ix *
ix_build(rpc_call *call, const char **keys, size_t n)
{
	ix *v = rpc_arena_alloc(call->arena, (n ? n : 1) * sizeof(ix));
	for (size_t i = 0; v != NULL && i < n; i++) {
		v[i] = (ix) { keys[i], i };
	}
	if (v != NULL) {
		qsort(v, n, sizeof(ix), cmp_ix);
	}
	return v;
}

/* ix_first: the position of key's first entry in v, or n. */
static size_t
ix_first(const ix *v, size_t n, const char *key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(v[mid].key, key) < 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo < n && strcmp(v[lo].key, key) == 0 ? lo : n;
}

static int64_t
ix_find(const ix *v, size_t n, const char *key)
{
	size_t k = ix_first(v, n, key);
	return k < n ? (int64_t) v[k].i : -1;
}

static void note(roster *r, int64_t rec, const char *field, const char *reason,
                 bool skipped, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void
note(roster *r, int64_t rec, const char *field, const char *reason,
     bool skipped, const char *fmt, ...)
{
	if (r->n_notes >= ROSTER_MAX_NOTES) {
		r->omitted++;
		return;
	}
	char    buf[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	Tandem__V1__RosterNote *n
	    = RPC_NEW(r->call->arena, Tandem__V1__RosterNote,
	              tandem__v1__roster_note__init);
	if (n == NULL) {
		r->omitted++;
		return;
	}
	n->record              = rec;
	n->field               = (char *) field;
	n->reason              = (char *) reason;
	n->skipped             = skipped;
	n->message             = rpc_arena_strdup(r->call->arena, buf);
	r->notes[r->n_notes++] = n;
}

/* skip counts a record not stored, by kind and reason. */
static void
skip(roster *r, int kind, const char *reason)
{
	r->counts[kind].skipped++;
	for (size_t i = 0; i < r->n_skips; i++) {
		if (strcmp(r->skips[i]->kind, KIND[kind]) == 0
		    && strcmp(r->skips[i]->reason, reason) == 0) {
			r->skips[i]->count++;
			return;
		}
	}
	Tandem__V1__RosterSkip *s
	    = RPC_NEW(r->call->arena, Tandem__V1__RosterSkip,
	              tandem__v1__roster_skip__init);
	if (s != NULL && r->n_skips < 64) {
		s->kind                = (char *) KIND[kind];
		s->reason              = (char *) reason;
		s->count               = 1;
		r->skips[r->n_skips++] = s;
	}
}

static void
tally(roster *r, int kind, store_outcome o)
{
	Tandem__V1__RosterCount *c = &r->counts[kind];
	c->created += o == STORE_CREATED;
	c->updated += o == STORE_UPDATED;
	c->unchanged += o == STORE_UNCHANGED;
}

/* sid_ok checks a sourcedId: present, not too long, no control bytes. */
static bool
sid_ok(rpc_call *call, int64_t rec, const char *field, const char *v)
{
	size_t n = strlen(v);
	if (n == 0) {
		rpc_detail(call, rec, field, "required", "%s is empty", field);
		return false;
	}
	if (n > ROSTER_SID_MAX) {
		rpc_detail(call, rec, field, "max_length",
		           "%s is %zu bytes, over the %d-byte limit", field, n,
		           ROSTER_SID_MAX);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char) v[i] < 0x20 || v[i] == 0x7f) {
			rpc_detail(call, rec, field, "no_control",
			           "%s contains a control character", field);
			return false;
		}
	}
	return true;
}

/* code_usable: can v be a code as it is (no detail; the caller notes). */
static bool
code_usable(const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n > ROSTER_CODE_MAX || v[0] == ' ' || v[n - 1] == ' ') {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char) v[i] < 0x20 || v[i] == 0x7f) {
			return false;
		}
	}
	return true;
}

static bool
is_role(const char *role)
{
	for (size_t i = 0; registry_roles[i] != NULL; i++) {
		if (strcmp(role, registry_roles[i]) == 0) {
			return true;
		}
	}
	return strcmp(role, "administrator") == 0;
}

/* check validates every record without the database. */
static void
check(roster *r)
{
	rpc_call                              *call = r->call;
	const Tandem__V1__ImportRosterRequest *in   = r->in;
	for (size_t i = 0; i < r->no; i++) {
		const Tandem__V1__RosterOrg *o = in->orgs[i];
		sid_ok(call, (int64_t) i, "sourcedId", o->sourced_id);
		if (!o->deleted && o->type[0] == '\0') {
			rpc_detail(call, (int64_t) i, "type", "required",
			           "type is empty: give district, school or "
			           "another OneRoster org type");
		}
		if (i > 0 && strcmp(r->orgs[i].key, r->orgs[i - 1].key) == 0) {
			rpc_detail(call, (int64_t) r->orgs[i].i, "sourcedId",
			           "unique", "sourcedId '%s' appears twice",
			           r->orgs[i].key);
		}
	}
	for (size_t j = 0; j < r->nu; j++) {
		int64_t rec = (int64_t) (r->no + j);
		sid_ok(call, rec, "sourcedId", in->users[j]->sourced_id);
		if (j > 0
		    && strcmp(r->users[j].key, r->users[j - 1].key) == 0) {
			rpc_detail(call, (int64_t) (r->no + r->users[j].i),
			           "sourcedId", "unique",
			           "sourcedId '%s' appears twice",
			           r->users[j].key);
		}
	}
	for (size_t k = 0; k < r->nm; k++) {
		const Tandem__V1__RosterMembership *m = in->memberships[k];
		int64_t rec = (int64_t) (r->no + r->nu + k);
		sid_ok(call, rec, "userSourcedId", m->user);
		sid_ok(call, rec, "orgSourcedId", m->org);
		if (m->sourced_id[0] != '\0') {
			sid_ok(call, rec, "sourcedId", m->sourced_id);
		}
		if (!m->deleted && !is_role(m->role)) {
			rpc_detail(call, rec, "role", "enum",
			           "role '%s' is not a Tandem role", m->role);
		}
	}
	if (in->district[0] != '\0') {
		validate_code(call, -1, "district", in->district);
	}
}

/* shared_codes marks records whose identifier another record (with
 * another sourcedId) of the same kind also has. */
static bool *
shared_codes(roster *r, const char **ident, const char **sid, size_t n)
{
	bool *shared = rpc_arena_alloc(r->call->arena, (n ? n : 1));
	ix   *v      = ix_build(r->call, ident, n);
	if (shared == NULL || v == NULL) {
		return NULL;
	}
	for (size_t a = 0; a < n;) {
		size_t b = a + 1;
		while (b < n && strcmp(v[b].key, v[a].key) == 0) {
			b++;
		}
		for (size_t k = a; v[a].key[0] != '\0' && k < b; k++) {
			for (size_t q = a; q < b; q++) {
				if (strcmp(sid[v[q].i], sid[v[k].i]) != 0) {
					shared[v[k].i] = true;
				}
			}
		}
		a = b;
	}
	return shared;
}

/* choose_code picks the code of a record: its identifier when usable and
 * unique, else its sourcedId (noted). *row gets the stored row it is
 * (id 0: new). NULL after a detail or a store error (r->rv). */
static const char *
choose_code(roster *r, int kind, int64_t rec, const char *sid,
            const char *ident, bool shared, store_roster_row *row)
{
	store_roster_row by_sid, by_code;
	const char      *table = TABLE[kind];
	const char      *cand  = code_usable(ident) && !shared ? ident : NULL;
	/* Shared with a stored record this request does not carry (one it
	 * carries counts with the identifier it has now)? */
	char   others[8][256];
	size_t n_others = 0;
	if (cand != NULL) {
		r->rv = store_roster_ident_others(r->call->store, table, cand,
		                                  sid, others, 8, &n_others);
		if (r->rv != TD_OK) {
			return NULL;
		}
	}
	const ix *req  = kind == K_EDUCATOR ? r->users : r->orgs;
	size_t    nreq = kind == K_EDUCATOR ? r->nu : r->no;
	for (size_t i = 0; cand != NULL && i < n_others; i++) {
		if (ix_find(req, nreq, others[i]) < 0) {
			note(
			    r, rec, "identifier", "code_fallback", false,
			    "identifier '%s' is also the identifier of "
			    "another %s in the registry (sourcedId '%s'): "
			    "its code is the sourcedId '%s'; make identifiers "
			    "unique to use them",
			    ident, KIND[kind], others[i], sid);
			cand  = NULL;
			ident = "";
		}
	}
	r->rv = store_roster_find(r->call->store, table, sid,
	                          cand ? cand : sid, &by_sid, &by_code);
	if (r->rv != TD_OK) {
		return NULL;
	}
	*row = by_sid;
	if (cand != NULL) {
		if (by_code.id == 0 || by_code.id == by_sid.id) {
			return cand;
		}
		if (by_code.sourced_id[0] == '\0' && by_sid.id == 0) {
			*row = by_code; /* defined by code before: adopt it */
			return cand;
		}
		note(r, rec, "identifier", "code_fallback", false,
		     "identifier '%s' is already the code of another %s in "
		     "the registry (sourcedId '%s'): its code is the "
		     "sourcedId '%s'; make identifiers unique to use them",
		     ident, KIND[kind], by_code.sourced_id, sid);
		r->rv = store_roster_find(r->call->store, table, NULL, sid,
		                          &by_code, &by_code);
		if (r->rv != TD_OK) {
			return NULL;
		}
	} else if (ident[0] != '\0') {
		note(r, rec, "identifier", "code_fallback", false,
		     shared ? "identifier '%s' is shared with another %s in "
		              "this roster: its code is the sourcedId '%s'; "
		              "make identifiers unique to use them"
		            : "identifier '%s' cannot be a %s code (at most "
		              "64 bytes, no padding): its code is the "
		              "sourcedId '%s'",
		     ident, KIND[kind], sid);
	}
	if (!code_usable(sid)) {
		rpc_detail(r->call, rec, "identifier", "code",
		           "the %s needs a code: its sourcedId '%s' cannot be "
		           "one (at most 64 bytes, no padding); give it a "
		           "unique identifier",
		           KIND[kind], sid);
		return NULL;
	}
	if (by_code.id != 0 && by_code.id != by_sid.id) {
		if (by_code.sourced_id[0] == '\0' && by_sid.id == 0) {
			*row = by_code;
			return sid;
		}
		rpc_detail(r->call, rec, "sourcedId", "code",
		           "sourcedId '%s' is already the code of another "
		           "%s: give this one a unique identifier",
		           sid, KIND[kind]);
		return NULL;
	}
	return sid;
}

static void
put_districts(roster *r)
{
	for (size_t i = 0; r->rv == TD_OK && i < r->no; i++) {
		const Tandem__V1__RosterOrg *o = r->in->orgs[i];
		if (strcmp(o->type, "district") != 0 && !o->deleted) {
			continue;
		}
		store_roster_row row;
		if (o->deleted) {
			store_roster_row none;
			r->rv = store_roster_find(r->call->store, "districts",
			                          o->sourced_id, NULL, &row,
			                          &none);
			if (r->rv == TD_OK && row.id == 0
			    && strcmp(o->type, "district") == 0) {
				note(r, (int64_t) i, "status", "not_stored",
				     true,
				     "district '%s' is to be deleted but was "
				     "never stored",
				     o->sourced_id);
				skip(r, K_DISTRICT, "not_stored");
			}
			if (r->rv == TD_OK && row.id != 0) {
				bool changed = false;
				r->rv        = store_roster_deactivate(
				           r->call->store, "districts", row.id,
				           &changed);
				r->counts[K_DISTRICT].deactivated += changed;
				r->counts[K_DISTRICT].unchanged += !changed;
				r->org_id[i] = row.id;
			}
			continue;
		}
		const char *code
		    = choose_code(r, K_DISTRICT, (int64_t) i, o->sourced_id,
		                  o->identifier, false, &row);
		if (code == NULL) {
			continue;
		}
		store_outcome out;
		r->rv = store_roster_put_district(
		    r->call->store, row.id, o->sourced_id, o->identifier, code,
		    o->name[0] ? o->name : code, true, false, &r->org_id[i],
		    &out);
		tally(r, K_DISTRICT, out);
	}
}

/* district_above walks org i's parents to a district: one in this
 * request, else one stored by sourcedId. 0 when there is none. */
static int64_t
district_above(roster *r, size_t i)
{
	const char *p = r->in->orgs[i]->parent;
	for (int depth = 0;
	     r->rv == TD_OK && p[0] != '\0' && depth < ROSTER_MAX_DEPTH;
	     depth++) {
		int64_t j = ix_find(r->orgs, r->no, p);
		if (j < 0) {
			store_roster_row row, none;
			r->rv = store_roster_find(r->call->store, "districts",
			                          p, NULL, &row, &none);
			return row.id;
		}
		if (strcmp(r->in->orgs[j]->type, "district") == 0) {
			return r->org_id[j];
		}
		p = r->in->orgs[j]->parent;
	}
	return 0;
}

/* implied_district makes (or finds) the district a parent-less school
 * stands in alone. */
static int64_t
implied_district(roster *r, size_t i, const char *school_code)
{
	const Tandem__V1__RosterOrg *o = r->in->orgs[i];
	char                         code[ROSTER_CODE_MAX + 1];
	snprintf(code, sizeof(code), "implied-%s", school_code);
	store_roster_row row, by_code;
	r->rv = store_roster_find(r->call->store, "districts", NULL, code,
	                          &row, &by_code);
	if (r->rv != TD_OK) {
		return 0;
	}
	if (by_code.id != 0 && !by_code.implied) {
		rpc_detail(r->call, (int64_t) i, "parentSourcedId", "district",
		           "school '%s' has no district above it and district "
		           "'%s' is taken: pass --district CODE or add a "
		           "district row",
		           school_code, code);
		return 0;
	}
	char name[600];
	snprintf(name, sizeof(name), "%s (implied district)",
	         o->name[0] ? o->name : school_code);
	int64_t       id = 0;
	store_outcome out;
	r->rv
	    = store_roster_put_district(r->call->store, by_code.id, NULL, NULL,
	                                code, name, true, true, &id, &out);
	tally(r, K_DISTRICT, out);
	return id;
}

static void
put_schools(roster *r, int64_t named_district)
{
	const char **ident
	    = rpc_arena_alloc(r->call->arena, (r->no + 1) * sizeof(char *));
	const char **sid
	    = rpc_arena_alloc(r->call->arena, (r->no + 1) * sizeof(char *));
	for (size_t i = 0; ident && sid && i < r->no; i++) {
		bool school = strcmp(r->in->orgs[i]->type, "school") == 0
		    && !r->in->orgs[i]->deleted;
		ident[i] = school ? r->in->orgs[i]->identifier : "";
		sid[i]   = r->in->orgs[i]->sourced_id;
	}
	bool *shared
	    = ident && sid ? shared_codes(r, ident, sid, r->no) : NULL;
	if (shared == NULL) {
		r->rv = TD_ENOMEM;
		return;
	}
	for (size_t i = 0; r->rv == TD_OK && i < r->no; i++) {
		const Tandem__V1__RosterOrg *o = r->in->orgs[i];
		store_roster_row             row, none;
		if (o->deleted) {
			r->rv = store_roster_find(r->call->store, "schools",
			                          o->sourced_id, NULL, &row,
			                          &none);
			if (r->rv == TD_OK && row.id != 0) {
				bool changed = false;
				r->rv        = store_roster_deactivate(
				           r->call->store, "schools", row.id,
				           &changed);
				r->counts[K_SCHOOL].deactivated += changed;
				r->counts[K_SCHOOL].unchanged += !changed;
				r->org_id[i] = row.id;
			} else if (r->rv == TD_OK
			           && strcmp(o->type, "school") == 0) {
				note(r, (int64_t) i, "status", "not_stored",
				     true,
				     "school '%s' is to be deleted but was "
				     "never stored",
				     o->sourced_id);
				skip(r, K_SCHOOL, "not_stored");
			}
			continue;
		}
		if (strcmp(o->type, "school") != 0) {
			continue;
		}
		const char *code
		    = choose_code(r, K_SCHOOL, (int64_t) i, o->sourced_id,
		                  o->identifier, shared[i], &row);
		if (code == NULL) {
			continue;
		}
		int64_t d = district_above(r, i);
		if (r->rv != TD_OK) {
			break;
		}
		if (d == 0 && named_district != 0) {
			d = named_district;
			note(r, (int64_t) i, "parentSourcedId",
			     "named_district", false,
			     "school '%s' has no district above it: attached "
			     "to the district given by --district",
			     code);
		} else if (d == 0 && row.id != 0 && row.parent_id != 0) {
			d = row.parent_id; /* as stored before */
			note(
			    r, (int64_t) i, "parentSourcedId", "kept_district",
			    false,
			    "school '%s' has no district above it: it stays "
			    "in the district it was stored in; pass "
			    "--district CODE or add a district row to move it",
			    code);
		} else if (d == 0) {
			d = implied_district(r, i, code);
			if (d != 0) {
				note(r, (int64_t) i, "parentSourcedId",
				     "implied_district", false,
				     "parentSourcedId is %s: school '%s' is "
				     "attached to an implied district "
				     "'implied-%s'; pass --district CODE or "
				     "add a district row",
				     o->parent[0] ? "not a district" : "empty",
				     code, code);
			}
		}
		if (d == 0 || r->rv != TD_OK) {
			continue;
		}
		store_outcome out;
		r->rv = store_roster_put_school(
		    r->call->store, row.id, o->sourced_id, o->identifier, code,
		    o->name[0] ? o->name : code, d, true, &r->org_id[i], &out);
		tally(r, K_SCHOOL, out);
	}
}

/* A membership resolved against the orgs. */
typedef struct mem {
	size_t      k; /* request index */
	int64_t     school, district;
	const char *role;
	bool        keep;
} mem;

/* resolve_org finds org sid as a school or a district, in the request or
 * stored; false (noted) when it is neither. */
static bool
resolve_org(roster *r, int64_t rec, const char *sid, int64_t *school,
            int64_t *district)
{
	*school = *district = 0;
	int64_t j           = ix_find(r->orgs, r->no, sid);
	if (j >= 0) {
		const char *type = r->in->orgs[j]->type;
		if (strcmp(type, "school") == 0) {
			*school = r->org_id[j];
		} else if (strcmp(type, "district") == 0) {
			*district = r->org_id[j];
		}
		if (*school == 0 && *district == 0) {
			note(r, rec, "orgSourcedIds", "not_school", true,
			     "org '%s' is a %s, not a school or district: no "
			     "membership there",
			     sid, type[0] ? type : "deleted org");
			return false;
		}
		return true;
	}
	store_roster_row row, none;
	r->rv = store_roster_find(r->call->store, "schools", sid, NULL, &row,
	                          &none);
	if (r->rv == TD_OK && row.id == 0) {
		*school   = 0;
		r->rv     = store_roster_find(r->call->store, "districts", sid,
		                              NULL, &row, &none);
		*district = row.id;
	} else {
		*school = row.id;
	}
	if (r->rv == TD_OK && *school == 0 && *district == 0) {
		note(r, rec, "orgSourcedIds", "no_org", true,
		     "org '%s' is in neither orgs.csv nor the registry: no "
		     "membership there",
		     sid);
		return false;
	}
	return r->rv == TD_OK;
}

/* user_memberships resolves the memberships [a, b) of r->mems (one
 * user's) into v; returns how many, and whether one is at a school. */
static size_t
user_memberships(roster *r, size_t a, size_t b, mem *v, bool *at_school)
{
	size_t n   = 0;
	*at_school = false;
	for (size_t q = a; r->rv == TD_OK && q < b; q++) {
		size_t                              k = r->mems[q].i;
		const Tandem__V1__RosterMembership *m = r->in->memberships[k];
		int64_t rec = (int64_t) (r->no + r->nu + k);
		mem     x   = { k, 0, 0, m->role, true };
		if (!resolve_org(r, rec, m->org, &x.school, &x.district)) {
			skip(r, K_MEMBERSHIP, "no_org");
			continue;
		}
		if (strcmp(x.role, "administrator") == 0) {
			x.role = x.school ? "school_administrator"
			                  : "district_administrator";
		}
		*at_school |= x.school != 0 && !m->deleted;
		v[n++] = x;
	}
	/* A school's staff listing its district too serve the school; the
	 * district membership is for district-level staff only. Two roles
	 * at one org: the primary one, else the first. */
	for (size_t i = 0; i < n; i++) {
		if (*at_school && v[i].district
		    && strcmp(v[i].role, "district_administrator") != 0) {
			v[i].keep = false;
			continue;
		}
		for (size_t j = 0; j < i; j++) {
			if (!v[j].keep || v[j].school != v[i].school
			    || v[j].district != v[i].district) {
				continue;
			}
			bool later_primary
			    = r->in->memberships[v[i].k]->primary
			    && !r->in->memberships[v[j].k]->primary;
			mem *lose  = later_primary ? &v[j] : &v[i];
			mem *win   = later_primary ? &v[i] : &v[j];
			lose->keep = false;
			note(r, (int64_t) (r->no + r->nu + lose->k), "role",
			     "second_role", true,
			     "a second role (%s) at the same org as %s: one "
			     "membership per org is kept, as %s",
			     lose->role, win->role, win->role);
			skip(r, K_MEMBERSHIP, "second_role");
		}
	}
	return n;
}

/* apply_memberships stores v for educator ed and settles its primary
 * school; *moved says whether that changed. */
static void
apply_memberships(roster *r, int64_t ed, const mem *v, size_t n, bool replace,
                  const char *primary_org, bool *moved)
{
	int64_t *keep
	    = rpc_arena_alloc(r->call->arena, (n ? n : 1) * sizeof(int64_t));
	size_t  nk     = 0;
	int64_t prefer = 0;
	if (keep == NULL) {
		r->rv = TD_ENOMEM;
		return;
	}
	for (size_t i = 0; r->rv == TD_OK && i < n; i++) {
		const Tandem__V1__RosterMembership *m
		    = r->in->memberships[v[i].k];
		if (!v[i].keep) {
			continue;
		}
		if (m->deleted) {
			int64_t gone = 0;
			r->rv        = store_membership_retire(
			           r->call->store, replace ? "" : m->sourced_id, ed,
			           v[i].school, v[i].district, &gone);
			r->counts[K_MEMBERSHIP].deactivated += gone;
			r->counts[K_MEMBERSHIP].unchanged += gone == 0;
			continue;
		}
		store_outcome out;
		r->rv = store_membership_put(r->call->store, ed, v[i].school,
		                             v[i].district, v[i].role, true,
		                             m->sourced_id, &keep[nk], &out);
		nk += r->rv == TD_OK;
		tally(r, K_MEMBERSHIP, out);
		/* The first school, unless another says it is the primary;
		 * a delta's single roles move the primary only when so. */
		if (v[i].school && (m->primary || (replace && prefer == 0))) {
			prefer = v[i].school;
		}
		if (primary_org[0] != '\0' && strcmp(m->org, primary_org) == 0
		    && v[i].school) {
			prefer = v[i].school;
		}
	}
	if (r->rv == TD_OK && replace) {
		int64_t gone = 0;
		r->rv = store_membership_retire_others(r->call->store, ed,
		                                       keep, nk, &gone);
		r->counts[K_MEMBERSHIP].deactivated += gone;
	}
	if (r->rv == TD_OK) {
		r->rv
		    = store_educator_settle(r->call->store, ed, prefer, moved);
	}
}

/* put_user stores request user j and its memberships [a, b). */
static void
put_user(roster *r, size_t j, size_t a, size_t b, const bool *shared)
{
	const Tandem__V1__RosterUser *u   = r->in->users[j];
	int64_t                       rec = (int64_t) (r->no + j);
	store_roster_row              row, none;
	if (u->deleted) {
		r->rv = store_roster_find(r->call->store, "educators",
		                          u->sourced_id, NULL, &row, &none);
		if (r->rv == TD_OK && row.id == 0) {
			note(r, rec, "status", "not_stored", true,
			     "user '%s' is to be deleted but was never "
			     "stored",
			     u->sourced_id);
			skip(r, K_EDUCATOR, "not_stored");
		} else if (r->rv == TD_OK) {
			bool changed = false;
			r->rv        = store_roster_deactivate(
			           r->call->store, "educators", row.id, &changed);
			r->counts[K_EDUCATOR].deactivated += changed;
			r->counts[K_EDUCATOR].unchanged += !changed;
		}
		return;
	}
	mem *v = rpc_arena_alloc(r->call->arena, (b - a + 1) * sizeof(mem));
	if (v == NULL) {
		r->rv = TD_ENOMEM;
		return;
	}
	bool   at_school = false;
	size_t n         = user_memberships(r, a, b, v, &at_school);
	size_t live      = 0;
	for (size_t i = 0; i < n; i++) {
		live += v[i].keep && !r->in->memberships[v[i].k]->deleted;
	}
	if (r->rv != TD_OK) {
		return;
	}
	const char *code = choose_code(r, K_EDUCATOR, rec, u->sourced_id,
	                               u->identifier, shared[j], &row);
	if (code == NULL) {
		return;
	}
	if (live == 0 && row.id == 0) {
		note(r, rec, "orgSourcedIds", "no_org", true,
		     "user '%s' serves no school or district in this roster "
		     "or the registry: not stored",
		     u->sourced_id);
		skip(r, K_EDUCATOR, "no_org");
		return;
	}
	const char *first = "teacher";
	for (size_t i = 0; i < n; i++) {
		if (v[i].keep && !r->in->memberships[v[i].k]->deleted) {
			first = v[i].role;
			break;
		}
	}
	int64_t       ed = 0;
	store_outcome out;
	bool          moved = false;
	r->rv               = store_roster_put_educator(
	                  r->call->store, row.id, u->sourced_id, u->identifier, code,
            u->name[0] ? u->name : code, first, !u->disabled, &ed, &out);
	if (r->rv == TD_OK) {
		apply_memberships(r, ed, v, n, u->replace_memberships,
		                  u->primary_org, &moved);
	}
	if (moved && out == STORE_UNCHANGED) {
		out = STORE_UPDATED;
	}
	tally(r, K_EDUCATOR, out);
}

/* put_roles stores memberships [a, b) of a user not in the request (a
 * 1.2 delta's roles.csv), who must be stored already. */
static void
put_roles(roster *r, size_t a, size_t b)
{
	const char      *usid = r->mems[a].key;
	store_roster_row row, none;
	r->rv = store_roster_find(r->call->store, "educators", usid, NULL,
	                          &row, &none);
	if (r->rv != TD_OK) {
		return;
	}
	if (row.id == 0) {
		for (size_t q = a; q < b; q++) {
			rpc_detail(
			    r->call, (int64_t) (r->no + r->nu + r->mems[q].i),
			    "userSourcedId", "unknown",
			    "user '%s' is neither in users.csv nor in the "
			    "registry",
			    usid);
		}
		return;
	}
	mem *v = rpc_arena_alloc(r->call->arena, (b - a + 1) * sizeof(mem));
	bool at_school, moved = false;
	if (v == NULL) {
		r->rv = TD_ENOMEM;
		return;
	}
	size_t n = user_memberships(r, a, b, v, &at_school);
	if (r->rv == TD_OK) {
		apply_memberships(r, row.id, v, n, false, "", &moved);
	}
	r->counts[K_EDUCATOR].updated += moved;
}

static void
put_users(roster *r)
{
	const char **ident
	    = rpc_arena_alloc(r->call->arena, (r->nu + 1) * sizeof(char *));
	const char **sid
	    = rpc_arena_alloc(r->call->arena, (r->nu + 1) * sizeof(char *));
	for (size_t j = 0; ident && sid && j < r->nu; j++) {
		ident[j] = r->in->users[j]->deleted
		    ? ""
		    : r->in->users[j]->identifier;
		sid[j]   = r->in->users[j]->sourced_id;
	}
	bool *shared
	    = ident && sid ? shared_codes(r, ident, sid, r->nu) : NULL;
	if (shared == NULL) {
		r->rv = TD_ENOMEM;
		return;
	}
	for (size_t j = 0; r->rv == TD_OK && j < r->nu; j++) {
		const char *key = r->in->users[j]->sourced_id;
		size_t      a = ix_first(r->mems, r->nm, key), b = a;
		while (b < r->nm && strcmp(r->mems[b].key, key) == 0) {
			b++;
		}
		if (a == r->nm) {
			a = b = 0;
		}
		put_user(r, j, a, b, shared);
	}
	/* Memberships of users this request does not carry. */
	for (size_t a = 0; r->rv == TD_OK && a < r->nm;) {
		size_t b = a + 1;
		while (b < r->nm
		       && strcmp(r->mems[b].key, r->mems[a].key) == 0) {
			b++;
		}
		if (ix_find(r->users, r->nu, r->mems[a].key) < 0) {
			put_roles(r, a, b);
		}
		a = b;
	}
}

static int
reply(roster *r, ProtobufCMessage **resp)
{
	Tandem__V1__ImportRosterResponse *out
	    = RPC_NEW(r->call->arena, Tandem__V1__ImportRosterResponse,
	              tandem__v1__import_roster_response__init);
	Tandem__V1__RosterCount **counts
	    = rpc_arena_alloc(r->call->arena, K_N * sizeof(void *));
	if (out == NULL || counts == NULL) {
		return rpc_fail(r->call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	int64_t records = 0;
	for (int k = 0; k < K_N; k++) {
		counts[k] = &r->counts[k];
		records += r->counts[k].created + r->counts[k].updated
		    + r->counts[k].unchanged + r->counts[k].deactivated;
	}
	out->counts        = counts;
	out->n_counts      = K_N;
	out->notes         = r->notes;
	out->n_notes       = r->n_notes;
	out->notes_omitted = r->omitted;
	out->skips         = r->skips;
	out->n_skips       = r->n_skips;
	r->call->records   = records;
	*resp              = &out->base;
	return TD_CODE_OK;
}

static int
fail(roster *r)
{
	store_tx_rollback(r->call->store);
	if (r->rv != TD_OK) {
		return rpc_fail_err(r->call, r->rv,
		                    store_errmsg(r->call->store));
	}
	return rpc_fail(r->call, TD_CODE_INVALID_ARGUMENT,
	                "%zu problem(s) in the roster; nothing was stored",
	                r->call->n_details
	                    + (size_t) r->call->details_omitted);
}

int
registry_import_roster(rpc_call *call, const ProtobufCMessage *req,
                       ProtobufCMessage **resp)
{
	const Tandem__V1__ImportRosterRequest *in    = (const void *) req;
	roster                                 r     = { .call = call,
		                                         .in   = in,
		                                         .no   = in->n_orgs,
		                                         .nu   = in->n_users,
		                                         .nm = in->n_memberships };
	size_t                                 total = r.no + r.nu + r.nm;
	if (total == 0) {
		return rpc_fail(
		    call, TD_CODE_INVALID_ARGUMENT,
		    "the roster is empty: no orgs, users or roles");
	}
	if (total > TD_MAX_RECORDS) {
		return rpc_fail(
		    call, TD_CODE_RESOURCE_EXHAUSTED,
		    "%zu roster records exceed the %u-record limit "
		    "of one request",
		    total, TD_MAX_RECORDS);
	}
	/* Everything the reply points to lives in the call's arena. */
	r.counts = rpc_arena_alloc(call->arena, K_N * sizeof(*r.counts));
	if (r.counts == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	for (int k = 0; k < K_N; k++) {
		tandem__v1__roster_count__init(&r.counts[k]);
		r.counts[k].kind = (char *) KIND[k];
	}
	const char **keys
	    = rpc_arena_alloc(call->arena, (total + 1) * sizeof(char *));
	r.org_id = rpc_arena_alloc(call->arena, (r.no + 1) * sizeof(int64_t));
	r.notes
	    = rpc_arena_alloc(call->arena, ROSTER_MAX_NOTES * sizeof(void *));
	r.skips = rpc_arena_alloc(call->arena, 64 * sizeof(void *));
	if (keys == NULL || r.org_id == NULL || r.notes == NULL
	    || r.skips == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	for (size_t i = 0; i < r.no; i++) {
		keys[i] = in->orgs[i]->sourced_id;
	}
	r.orgs = ix_build(call, keys, r.no);
	for (size_t j = 0; j < r.nu; j++) {
		keys[j] = in->users[j]->sourced_id;
	}
	r.users = ix_build(call, keys, r.nu);
	for (size_t k = 0; k < r.nm; k++) {
		keys[k] = in->memberships[k]->user;
	}
	r.mems = ix_build(call, keys, r.nm);
	if (r.orgs == NULL || r.users == NULL || r.mems == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	check(&r);
	if (call->n_details > 0) {
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		                "%zu problem(s) in the roster; nothing was "
		                "stored",
		                call->n_details
		                    + (size_t) call->details_omitted);
	}
	r.rv = store_begin_request(call->store, rpc_remaining_ms(call));
	if (r.rv == TD_OK) {
		r.rv = store_tx_begin(call->store);
	}
	if (r.rv == TD_OK) {
		r.rv = store_roster_lock(call->store);
	}
	if (r.rv != TD_OK) {
		return fail(&r);
	}
	put_districts(&r);
	int64_t named = 0;
	if (r.rv == TD_OK && in->district[0] != '\0') {
		store_roster_row none, row;
		r.rv  = store_roster_find(call->store, "districts", NULL,
		                          in->district, &none, &row);
		named = row.id;
		if (r.rv == TD_OK && named == 0) {
			rpc_detail(call, -1, "district", "unknown",
			           "district '%s' (--district) is neither in "
			           "the registry nor in orgs.csv",
			           in->district);
		}
	}
	if (r.rv == TD_OK && call->n_details == 0) {
		put_schools(&r, named);
	}
	if (r.rv == TD_OK && call->n_details == 0) {
		put_users(&r);
	}
	if (r.rv != TD_OK || call->n_details > 0) {
		return fail(&r);
	}
	if (in->dry_run) {
		store_tx_rollback(call->store);
	} else if ((r.rv = store_tx_commit(call->store)) != TD_OK) {
		return fail(&r);
	}
	return reply(&r, resp);
}
