/* SPDX-License-Identifier: MIT
 * Registry/ListSchools and Registry/ListInstruments: the schools in scope,
 * and every instrument with the items of its newest version.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "services.h"
#include "store/store.h"
#include "store/store_registry.h"
#include "tandem/v1/registry.pb-c.h"

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
