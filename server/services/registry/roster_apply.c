/* SPDX-License-Identifier: MIT
 * Registry/ImportRoster's storing steps: districts, then schools (each
 * under the district above it, --district, or an implied one), then
 * users as educators with their memberships, resolved against this
 * roster and the registry by sourcedId.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roster.h"
#include "services/services.h"
#include "store/store_registry.h"

void
roster_put_districts(roster *r)
{
	for (size_t i = 0; r->rv == TD_OK && i < r->no; i++) {
		const Tandem__V1__RosterOrg *o = r->in->orgs[i];
		if (strcmp(o->type, "district") != 0 && !o->deleted) {
			continue;
		}
		store_roster_row row;
		if (o->deleted) {
			store_roster_row none;
			r->rv = store_roster_find(
			    r->call->store, STORE_DISTRICTS, o->sourced_id,
			    NULL, &row, &none);
			if (r->rv == TD_OK && row.id == 0
			    && strcmp(o->type, "district") == 0) {
				roster_note(
				    r, (int64_t) i, "status", "not_stored",
				    true,
				    "district '%s' is to be deleted but was "
				    "never stored",
				    o->sourced_id);
				roster_skip(r, K_DISTRICT, "not_stored");
			}
			if (r->rv == TD_OK && row.id != 0) {
				bool changed = false;
				r->rv        = store_roster_deactivate(
				           r->call->store, STORE_DISTRICTS, row.id,
				           &changed);
				r->counts[K_DISTRICT].deactivated += changed;
				r->counts[K_DISTRICT].unchanged += !changed;
				r->org_id[i] = row.id;
			}
			continue;
		}
		const char *code = roster_choose_code(
		    r, K_DISTRICT, (int64_t) i, o->sourced_id, o->identifier,
		    false, &row);
		if (code == NULL) {
			continue;
		}
		store_outcome out;
		r->rv = store_roster_put_district(
		    r->call->store, row.id, o->sourced_id, o->identifier, code,
		    o->name[0] ? o->name : code, true, false, &r->org_id[i],
		    &out);
		roster_tally(r, K_DISTRICT, out);
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
		int64_t j = roster_ix_find(r->orgs, r->no, p);
		if (j < 0) {
			store_roster_row row, none;
			r->rv = store_roster_find(r->call->store,
			                          STORE_DISTRICTS, p, NULL,
			                          &row, &none);
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
	r->rv = store_roster_find(r->call->store, STORE_DISTRICTS, NULL, code,
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
	roster_tally(r, K_DISTRICT, out);
	return id;
}

void
roster_put_schools(roster *r, int64_t named_district)
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
	    = ident && sid ? roster_shared_codes(r, ident, sid, r->no) : NULL;
	if (shared == NULL) {
		r->rv = TD_ENOMEM;
		return;
	}
	for (size_t i = 0; r->rv == TD_OK && i < r->no; i++) {
		const Tandem__V1__RosterOrg *o = r->in->orgs[i];
		store_roster_row             row, none;
		if (o->deleted) {
			r->rv = store_roster_find(r->call->store,
			                          STORE_SCHOOLS, o->sourced_id,
			                          NULL, &row, &none);
			if (r->rv == TD_OK && row.id != 0) {
				bool changed = false;
				r->rv        = store_roster_deactivate(
				           r->call->store, STORE_SCHOOLS, row.id,
				           &changed);
				r->counts[K_SCHOOL].deactivated += changed;
				r->counts[K_SCHOOL].unchanged += !changed;
				r->org_id[i] = row.id;
			} else if (r->rv == TD_OK
			           && strcmp(o->type, "school") == 0) {
				roster_note(
				    r, (int64_t) i, "status", "not_stored",
				    true,
				    "school '%s' is to be deleted but was "
				    "never stored",
				    o->sourced_id);
				roster_skip(r, K_SCHOOL, "not_stored");
			}
			continue;
		}
		if (strcmp(o->type, "school") != 0) {
			continue;
		}
		const char *code = roster_choose_code(
		    r, K_SCHOOL, (int64_t) i, o->sourced_id, o->identifier,
		    shared[i], &row);
		if (code == NULL) {
			continue;
		}
		int64_t d = district_above(r, i);
		if (r->rv != TD_OK) {
			break;
		}
		if (d == 0 && named_district != 0) {
			d = named_district;
			roster_note(
			    r, (int64_t) i, "parentSourcedId",
			    "named_district", false,
			    "school '%s' has no district above it: attached "
			    "to the district given by --district",
			    code);
		} else if (d == 0 && row.id != 0 && row.parent_id != 0) {
			d = row.parent_id; /* as stored before */
			roster_note(
			    r, (int64_t) i, "parentSourcedId", "kept_district",
			    false,
			    "school '%s' has no district above it: it stays "
			    "in the district it was stored in; pass "
			    "--district CODE or add a district row to move it",
			    code);
		} else if (d == 0) {
			d = implied_district(r, i, code);
			if (d != 0) {
				roster_note(
				    r, (int64_t) i, "parentSourcedId",
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
		roster_tally(r, K_SCHOOL, out);
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
	int64_t j           = roster_ix_find(r->orgs, r->no, sid);
	if (j >= 0) {
		const char *type = r->in->orgs[j]->type;
		if (strcmp(type, "school") == 0) {
			*school = r->org_id[j];
		} else if (strcmp(type, "district") == 0) {
			*district = r->org_id[j];
		}
		if (*school == 0 && *district == 0) {
			roster_note(
			    r, rec, "orgSourcedIds", "not_school", true,
			    "org '%s' is a %s, not a school or district: no "
			    "membership there",
			    sid, type[0] ? type : "deleted org");
			return false;
		}
		return true;
	}
	store_roster_row row, none;
	r->rv = store_roster_find(r->call->store, STORE_SCHOOLS, sid, NULL,
	                          &row, &none);
	if (r->rv == TD_OK && row.id == 0) {
		*school = 0;
		r->rv = store_roster_find(r->call->store, STORE_DISTRICTS, sid,
		                          NULL, &row, &none);
		*district = row.id;
	} else {
		*school = row.id;
	}
	if (r->rv == TD_OK && *school == 0 && *district == 0) {
		roster_note(
		    r, rec, "orgSourcedIds", "no_org", true,
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
			roster_skip(r, K_MEMBERSHIP, "no_org");
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
			roster_note(
			    r, (int64_t) (r->no + r->nu + lose->k), "role",
			    "second_role", true,
			    "a second role (%s) at the same org as %s: one "
			    "membership per org is kept, as %s",
			    lose->role, win->role, win->role);
			roster_skip(r, K_MEMBERSHIP, "second_role");
		}
	}
	return n;
}

/* apply_memberships stores v for educator ed and settles its primary
 * school (now at school `was`; -1 for a new educator); *moved says
 * whether that changed. */
static void
apply_memberships(roster *r, int64_t ed, int64_t was, const mem *v, size_t n,
                  bool replace, const char *primary_org, bool *moved)
{
	bool changed = false;
	/* The orgs kept: a replace retires the user's memberships elsewhere.
	 */
	int64_t *ks
	    = rpc_arena_alloc(r->call->arena, (n ? n : 1) * sizeof(int64_t));
	int64_t *kd
	    = rpc_arena_alloc(r->call->arena, (n ? n : 1) * sizeof(int64_t));
	size_t  nks = 0, nkd = 0;
	int64_t prefer = 0;
	if (ks == NULL || kd == NULL) {
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
			changed |= gone > 0;
			continue;
		}
		store_outcome out;
		r->rv = store_membership_put(r->call->store, ed, v[i].school,
		                             v[i].district, v[i].role, true,
		                             m->sourced_id, &out);
		if (v[i].school) {
			ks[nks++] = v[i].school;
		} else {
			kd[nkd++] = v[i].district;
		}
		roster_tally(r, K_MEMBERSHIP, out);
		changed |= out != STORE_UNCHANGED;
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
		r->rv = store_membership_retire_others(r->call->store, ed, ks,
		                                       nks, kd, nkd, &gone);
		r->counts[K_MEMBERSHIP].deactivated += gone;
		changed |= gone > 0;
	}
	/* Nothing moved: the primary settled last time still holds (a
	 * re-import then costs no query here). */
	*moved = false;
	if (r->rv == TD_OK
	    && (changed || was < 0 || (prefer != 0 && prefer != was))) {
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
		r->rv = store_roster_find(r->call->store, STORE_EDUCATORS,
		                          u->sourced_id, NULL, &row, &none);
		if (r->rv == TD_OK && row.id == 0) {
			roster_note(r, rec, "status", "not_stored", true,
			            "user '%s' is to be deleted but was never "
			            "stored",
			            u->sourced_id);
			roster_skip(r, K_EDUCATOR, "not_stored");
		} else if (r->rv == TD_OK) {
			bool changed = false;
			r->rv        = store_roster_deactivate(
			           r->call->store, STORE_EDUCATORS, row.id, &changed);
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
	const char *code = roster_choose_code(
	    r, K_EDUCATOR, rec, u->sourced_id, u->identifier, shared[j], &row);
	if (code == NULL) {
		return;
	}
	if (live == 0 && row.id == 0) {
		roster_note(
		    r, rec, "orgSourcedIds", "no_org", true,
		    "user '%s' serves no school or district in this roster "
		    "or the registry: not stored",
		    u->sourced_id);
		roster_skip(r, K_EDUCATOR, "no_org");
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
		apply_memberships(r, ed, row.id ? row.parent_id : -1, v, n,
		                  u->replace_memberships, u->primary_org,
		                  &moved);
	}
	if (moved && out == STORE_UNCHANGED) {
		out = STORE_UPDATED;
	}
	roster_tally(r, K_EDUCATOR, out);
}

/* put_roles stores memberships [a, b) of a user not in the request (a
 * 1.2 delta's roles.csv), who must be stored already. */
static void
put_roles(roster *r, size_t a, size_t b)
{
	const char      *usid = r->mems[a].key;
	store_roster_row row, none;
	r->rv = store_roster_find(r->call->store, STORE_EDUCATORS, usid, NULL,
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
		apply_memberships(r, row.id, row.parent_id, v, n, false, "",
		                  &moved);
	}
	r->counts[K_EDUCATOR].updated += moved;
}

void
roster_put_users(roster *r)
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
	    = ident && sid ? roster_shared_codes(r, ident, sid, r->nu) : NULL;
	if (shared == NULL) {
		r->rv = TD_ENOMEM;
		return;
	}
	for (size_t j = 0; r->rv == TD_OK && j < r->nu; j++) {
		const char *key = r->in->users[j]->sourced_id;
		size_t      a = roster_ix_first(r->mems, r->nm, key), b = a;
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
		if (roster_ix_find(r->users, r->nu, r->mems[a].key) < 0) {
			put_roles(r, a, b);
		}
		a = b;
	}
}
