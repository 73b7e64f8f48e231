/* SPDX-License-Identifier: MIT
 * Registry/DefineSurvey and Registry/DefineRubric: versioned instruments.
 * A definition whose items differ from the current version's makes a new
 * version; the same items leave it alone.
 */
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "registry.h"
#include "services.h"
#include "store/store.h"
#include "store/store_registry.h"
#include "tandem/v1/registry.pb-c.h"
#include "validate.h"

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
	registry_tally   t    = { { 0 } };
	char           **note = rpc_arena_alloc(call->arena, sizeof(char *));
	int              rv   = registry_begin(call);
	if (rv != TD_OK) {
		return registry_fail_store(call, rv);
	}
	rv = store_instrument_current(call->store, kind, code, &cur);
	if (rv != TD_OK && rv != TD_ENOTFOUND) {
		return registry_fail_store(call, rv);
	}
	bool exists = rv == TD_OK;
	if (exists && same_items(&cur, items, n, name)) {
		t.n[STORE_UNCHANGED] = 1;
		*note                = rpc_arena_printf(call->arena,
		                                        "%s %s: version %d "
		                                                       "unchanged",
		                                        kind, code, cur.version);
		store_instrument_free(&cur);
		return registry_reply(call, &t, note, 1, resp);
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
		return registry_fail_store(call, rv);
	}
	t.n[replace ? STORE_UPDATED : STORE_CREATED] = 1;
	*note                                        = rpc_arena_printf(
	                                           call->arena, "%s %s: %s version %d%s", kind, code,
            replace ? "updated" : "created", next.version,
            exists && !replace ? " (the previous version has responses, "
	                                                                "which keep it)"
	                                                              : "");
	store_instrument_free(&cur);
	return registry_reply(call, &t, note, 1, resp);
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
	if (!registry_check_count(call, s->n_items, "survey items")) {
		return call->code;
	}
	item_in *items
	    = rpc_arena_alloc(call->arena, s->n_items * sizeof(*items));
	keyset *seen = keyset_create(s->n_items);
	for (size_t i = 0; items && i < s->n_items; i++) {
		const Tandem__V1__SurveyItem *it  = s->items[i];
		int64_t                       rec = (int64_t) i;
		if (validate_code(call, rec, "item", it->item)) {
			registry_duplicate(call, seen, rec, "item", it->item);
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
		return registry_invalid(call, "survey");
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
	if (!registry_check_count(call, r->n_criteria, "rubric criteria")) {
		return call->code;
	}
	item_in *items
	    = rpc_arena_alloc(call->arena, r->n_criteria * sizeof(*items));
	keyset *seen = keyset_create(r->n_criteria);
	for (size_t i = 0; items && i < r->n_criteria; i++) {
		const Tandem__V1__RubricCriterion *c   = r->criteria[i];
		int64_t                            rec = (int64_t) i;
		if (validate_code(call, rec, "criterion", c->criterion)) {
			registry_duplicate(call, seen, rec, "criterion",
			                   c->criterion);
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
		return registry_invalid(call, "rubric");
	}
	return define_instrument(call, "rubric", r->code, r->name, items,
	                         r->n_criteria, resp);
}
