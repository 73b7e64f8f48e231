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

#include "roster.h"
#include "services/services.h"
#include "services/validate/validate.h"
#include "store/store_registry.h"

const char *const roster_kind[K_N]
    = { "district", "school", "educator", "membership" };
/* The store's record kind of each roster kind (memberships are not
 * looked up by code). */
static const store_kind STORE_KIND[K_N]
    = { STORE_DISTRICTS, STORE_SCHOOLS, STORE_EDUCATORS, STORE_EDUCATORS };

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
size_t
roster_ix_first(const ix *v, size_t n, const char *key)
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

int64_t
roster_ix_find(const ix *v, size_t n, const char *key)
{
	size_t k = roster_ix_first(v, n, key);
	return k < n ? (int64_t) v[k].i : -1;
}

void
roster_note(roster *r, int64_t rec, const char *field, const char *reason,
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
void
roster_skip(roster *r, int kind, const char *reason)
{
	r->counts[kind].skipped++;
	for (size_t i = 0; i < r->n_skips; i++) {
		if (strcmp(r->skips[i]->kind, roster_kind[kind]) == 0
		    && strcmp(r->skips[i]->reason, reason) == 0) {
			r->skips[i]->count++;
			return;
		}
	}
	Tandem__V1__RosterSkip *s
	    = RPC_NEW(r->call->arena, Tandem__V1__RosterSkip,
	              tandem__v1__roster_skip__init);
	if (s != NULL && r->n_skips < 64) {
		s->kind                = (char *) roster_kind[kind];
		s->reason              = (char *) reason;
		s->count               = 1;
		r->skips[r->n_skips++] = s;
	}
}

void
roster_tally(roster *r, int kind, store_outcome o)
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
bool *
roster_shared_codes(roster *r, const char **ident, const char **sid, size_t n)
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
		/* With two sourcedIds among them, each has another: linear,
		 * however many records share one identifier. */
		bool two = false;
		for (size_t k = a + 1; v[a].key[0] != '\0' && k < b && !two;
		     k++) {
			two = strcmp(sid[v[k].i], sid[v[a].i]) != 0;
		}
		for (size_t k = a; two && k < b; k++) {
			shared[v[k].i] = true;
		}
		a = b;
	}
	return shared;
}

/* choose_code picks the code of a record: its identifier when usable and
 * unique, else its sourcedId (noted). *row gets the stored row it is
 * (id 0: new). NULL after a detail or a store error (r->rv). */
const char *
roster_choose_code(roster *r, int kind, int64_t rec, const char *sid,
                   const char *ident, bool shared, store_roster_row *row)
{
	store_roster_row by_sid, by_code;
	store_kind       sk   = STORE_KIND[kind];
	const char      *cand = code_usable(ident) && !shared ? ident : NULL;
	r->rv = store_roster_find(r->call->store, sk, sid, cand ? cand : sid,
	                          &by_sid, &by_code);
	if (r->rv != TD_OK) {
		return NULL;
	}
	/* Shared with a stored record this request does not carry (one it
	 * carries counts with the identifier it has now)? Not asked when
	 * the record already has it as its code: a re-import stays cheap. */
	char   others[8][256];
	size_t n_others = 0;
	if (cand != NULL
	    && !(by_sid.id != 0 && strcmp(by_sid.code, cand) == 0)) {
		r->rv = store_roster_ident_others(r->call->store, sk, cand,
		                                  sid, others, 8, &n_others);
		if (r->rv != TD_OK) {
			return NULL;
		}
	}
	const ix *req  = kind == K_EDUCATOR ? r->users : r->orgs;
	size_t    nreq = kind == K_EDUCATOR ? r->nu : r->no;
	for (size_t i = 0; cand != NULL && i < n_others; i++) {
		if (roster_ix_find(req, nreq, others[i]) < 0) {
			roster_note(
			    r, rec, "identifier", "code_fallback", false,
			    "identifier '%s' is also the identifier of "
			    "another %s in the registry (sourcedId '%s'): "
			    "its code is the sourcedId '%s'; make identifiers "
			    "unique to use them",
			    ident, roster_kind[kind], others[i], sid);
			cand  = NULL;
			ident = "";
			r->rv = store_roster_find(r->call->store, sk, NULL,
			                          sid, &by_code, &by_code);
			if (r->rv != TD_OK) {
				return NULL;
			}
		}
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
		roster_note(
		    r, rec, "identifier", "code_fallback", false,
		    "identifier '%s' is already the code of another %s in "
		    "the registry (sourcedId '%s'): its code is the "
		    "sourcedId '%s'; make identifiers unique to use them",
		    ident, roster_kind[kind], by_code.sourced_id, sid);
		r->rv = store_roster_find(r->call->store, sk, NULL, sid,
		                          &by_code, &by_code);
		if (r->rv != TD_OK) {
			return NULL;
		}
	} else if (ident[0] != '\0') {
		roster_note(
		    r, rec, "identifier", "code_fallback", false,
		    shared ? "identifier '%s' is shared with another %s in "
		             "this roster: its code is the sourcedId '%s'; "
		             "make identifiers unique to use them"
		           : "identifier '%s' cannot be a %s code (at most "
		             "64 bytes, no padding): its code is the "
		             "sourcedId '%s'",
		    ident, roster_kind[kind], sid);
	}
	if (!code_usable(sid)) {
		rpc_detail(r->call, rec, "identifier", "code",
		           "the %s needs a code: its sourcedId '%s' cannot be "
		           "one (at most 64 bytes, no padding); give it a "
		           "unique identifier",
		           roster_kind[kind], sid);
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
		           sid, roster_kind[kind]);
		return NULL;
	}
	return sid;
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
		r.counts[k].kind = (char *) roster_kind[k];
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
	roster_put_districts(&r);
	int64_t named = 0;
	if (r.rv == TD_OK && in->district[0] != '\0') {
		store_roster_row none, row;
		r.rv  = store_roster_find(call->store, STORE_DISTRICTS, NULL,
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
		roster_put_schools(&r, named);
	}
	if (r.rv == TD_OK && call->n_details == 0) {
		roster_put_users(&r);
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
