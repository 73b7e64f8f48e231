/* SPDX-License-Identifier: MIT
 * Improvement service, professional isolation: per academic year, the
 * graph of schools (or educators) tied by cross-school observation,
 * co-participation in an activity in overlapping periods, shared PDSA
 * cycles and (schools) an educator serving both, from the roster; per node
 * degree, ties, partners, betweenness and whether it is isolated, against the
 * year before; totals for the network. Educator rows are personnel
 * information: admin and the educator's own school.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "improve.h"
#include "services/services.h"
#include "stats/improve/stats_graph.h"
#include "store/store_improve.h"
#include "tandem/v1/improvement.pb-c.h"

/* Pairs of nodes one year may hold: far above a network of thousands of
 * schools, and a bound on what one call may make the server hold. */
#define ISOLATION_MAX_TIES 2000000u

typedef struct year_graph {
	store_strtab       ties; /* a, b, kind, count */
	size_t            *a, *b; /* node index of each tie row */
	stats_graph_result g;
	bool               ok;
} year_graph;

static int
code_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *) elem);
}

/* node_index: position of code among the sorted node codes, or SIZE_MAX. */
static size_t
node_index(char *const *codes, size_t n, const char *code)
{
	char *const *hit = bsearch(code, codes, n, sizeof(char *), code_cmp);
	return hit ? (size_t) (hit - codes) : SIZE_MAX;
}

static void
year_graph_free(year_graph *y)
{
	store_strtab_free(&y->ties);
	free(y->a);
	free(y->b);
	stats_graph_result_free(&y->g);
}

/* load_year reads one year's ties and computes the graph's measures. */
static int
load_year(rpc_call *call, char level, int year, char *const *codes, size_t n,
          year_graph *y)
{
	char from[24], to[24], err[TD_ERRMSG_MAX];
	memset(y, 0, sizeof(*y));
	snprintf(from, sizeof(from), "%04d-08-01", year);
	snprintf(to, sizeof(to), "%04d-07-31", year + 1);
	int rv = store_isolation_ties(call->store, level, from, to,
	                              ISOLATION_MAX_TIES, &y->ties);
	if (rv == TD_ETOOBIG) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "%s: ask for the school level",
		                store_errmsg(call->store));
	}
	if (rv != TD_OK) {
		return analysis_db_fail(call, rv);
	}
	size_t m = y->ties.rows;
	y->a     = malloc((m + 1) * sizeof(size_t));
	y->b     = malloc((m + 1) * sizeof(size_t));
	if (y->a == NULL || y->b == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	size_t k = 0;
	for (size_t i = 0; i < m; i++) {
		size_t a = node_index(codes, n, store_cell(&y->ties, i, 0));
		size_t b = node_index(codes, n, store_cell(&y->ties, i, 1));
		y->a[i]  = a;
		y->b[i]  = b;
		if (a != SIZE_MAX && b != SIZE_MAX) {
			k++;
		}
	}
	/* stats_graph wants only known nodes: pass the valid pairs. */
	size_t *ea = malloc((k + 1) * sizeof(size_t));
	size_t *eb = malloc((k + 1) * sizeof(size_t));
	if (ea == NULL || eb == NULL) {
		free(ea);
		free(eb);
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	k = 0;
	for (size_t i = 0; i < m; i++) {
		if (y->a[i] != SIZE_MAX && y->b[i] != SIZE_MAX) {
			ea[k]   = y->a[i];
			eb[k++] = y->b[i];
		}
	}
	rv = stats_graph(n, ea, eb, k, &y->g, err);
	free(ea);
	free(eb);
	if (rv != TD_OK) {
		return analysis_stats_fail(call, rv, "isolation graph", err);
	}
	y->ok = true;
	return TD_CODE_OK;
}

static Tandem__V1__IsolationTotals *
totals(rpc_call *call, const stats_graph_result *g)
{
	Tandem__V1__IsolationTotals *t
	    = RPC_NEW(call->arena, Tandem__V1__IsolationTotals,
	              tandem__v1__isolation_totals__init);
	if (t != NULL) {
		t->nodes             = (int32_t) g->n;
		t->ties              = (int32_t) g->n_edges;
		t->density           = g->density;
		t->isolated          = (int32_t) g->n_isolated;
		t->share_isolated    = g->n > 0
		       ? 100.0 * (double) g->n_isolated / (double) g->n
		       : NAN;
		t->largest_component = (int32_t) g->largest;
		t->components        = (int32_t) g->n_components;
	}
	return t;
}

/* visible: may the caller see node i's row? */
static bool
visible(const rpc_call *call, const store_strtab *nodes, size_t i)
{
	const rpc_principal *who = &call->who;
	switch (who->role) {
	case RPC_ROLE_SCHOOL:
		return strcmp(store_cell(nodes, i, 1), who->school) == 0;
	case RPC_ROLE_DISTRICT:
		return strcmp(store_cell(nodes, i, 2), who->district) == 0;
	default:
		return true;
	}
}

/* edge_row finds or adds the edge (a, b) in out. */
static Tandem__V1__IsolationEdge *
edge_row(rpc_call *call, Tandem__V1__IsolationResponse *out, const char *a,
         const char *b)
{
	if (out->n_edges > 0) {
		Tandem__V1__IsolationEdge *last = out->edges[out->n_edges - 1];
		if (strcmp(last->a, a) == 0 && strcmp(last->b, b) == 0) {
			return last; /* tie rows come ordered by a, b */
		}
	}
	Tandem__V1__IsolationEdge *e
	    = RPC_NEW(call->arena, Tandem__V1__IsolationEdge,
	              tandem__v1__isolation_edge__init);
	if (e != NULL) {
		e->a                       = (char *) a;
		e->b                       = (char *) b;
		out->edges[out->n_edges++] = e;
	}
	return e;
}

static int
reply(rpc_call *call, const store_strtab *nodes, char *const *codes,
      const year_graph *cur, const year_graph *prev, int year,
      Tandem__V1__IsolationLevel level, ProtobufCMessage **resp)
{
	size_t                         n = nodes->rows, m = cur->ties.rows;
	Tandem__V1__IsolationResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__IsolationResponse,
	              tandem__v1__isolation_response__init);
	if (out == NULL
	    || (out->nodes
	        = rpc_arena_alloc(call->arena, (n + 1) * sizeof(void *)))
	        == NULL
	    || (out->edges
	        = rpc_arena_alloc(call->arena, (m + 1) * sizeof(void *)))
	        == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	/* Labels as every analysis writes academic years. */
	char start[24];
	snprintf(start, sizeof(start), "%04d-08-01", year);
	out->year   = (char *) analysis_label(call, 'y', start);
	out->level  = level;
	out->totals = totals(call, &cur->g);
	if (prev->ok) {
		snprintf(start, sizeof(start), "%04d-08-01", year - 1);
		out->previous_year = (char *) analysis_label(call, 'y', start);
		out->previous      = totals(call, &prev->g);
	}
	/* Per node: partners and tie events from the tie rows. */
	Tandem__V1__IsolationNode **row
	    = rpc_arena_alloc(call->arena, (n + 1) * sizeof(void *));
	for (size_t i = 0; row && i < n; i++) {
		if (!visible(call, nodes, i)) {
			continue;
		}
		Tandem__V1__IsolationNode *r
		    = RPC_NEW(call->arena, Tandem__V1__IsolationNode,
		              tandem__v1__isolation_node__init);
		if (r == NULL) {
			return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
			                "out of memory");
		}
		r->code        = codes[i];
		r->school      = (char *) store_cell(nodes, i, 1);
		r->district    = (char *) store_cell(nodes, i, 2);
		r->degree      = (int32_t) cur->g.degree[i];
		r->betweenness = cur->g.betweenness[i];
		r->isolated    = cur->g.degree[i] == 0;
		r->component   = (int32_t) cur->g.component[i];
		r->tied_to     = rpc_arena_alloc(
		        call->arena, (cur->g.degree[i] + 1) * sizeof(char *));
		if (prev->ok) {
			r->has_previous  = true;
			r->degree_change = (int32_t) cur->g.degree[i]
			    - (int32_t) prev->g.degree[i];
			r->was_isolated = prev->g.degree[i] == 0;
		}
		row[i]                     = r;
		out->nodes[out->n_nodes++] = r;
	}
	for (size_t t = 0; row && t < m; t++) {
		size_t a = cur->a[t], b = cur->b[t];
		if (a == SIZE_MAX || b == SIZE_MAX) {
			continue;
		}
		int         cnt  = atoi(store_cell(&cur->ties, t, 3));
		const char *kind = store_cell(&cur->ties, t, 2);
		if (row[a] == NULL && row[b] == NULL) {
			continue;
		}
		Tandem__V1__IsolationEdge *e
		    = edge_row(call, out, codes[a], codes[b]);
		if (e == NULL) {
			return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
			                "out of memory");
		}
		bool fresh = e->observations + e->activities + e->cycles
		        + e->shared_staff
		    == 0;
		int32_t *slot = kind[0] == 'o' ? &e->observations
		    : kind[0] == 'a'           ? &e->activities
		    : kind[0] == 's'           ? &e->shared_staff
		                               : &e->cycles;
		*slot += cnt;
		size_t ends[2] = { a, b };
		for (int s = 0; s < 2; s++) {
			Tandem__V1__IsolationNode *r = row[ends[s]];
			if (r == NULL) {
				continue;
			}
			r->cross_school_ties += cnt;
			if (fresh && r->tied_to
			    && r->n_tied_to < cur->g.degree[ends[s]]) {
				r->tied_to[r->n_tied_to++]
				    = codes[ends[1 - s]];
			}
		}
	}
	call->records = (int64_t) out->n_nodes;
	*resp         = &out->base;
	return TD_CODE_OK;
}

int
improve_isolation(rpc_call *call, const ProtobufCMessage *req,
                  ProtobufCMessage **resp)
{
	const Tandem__V1__IsolationRequest *in = (const void *) req;
	bool                                educators
	    = in->level == TANDEM__V1__ISOLATION_LEVEL__ISOLATION_EDUCATOR;
	char level = educators ? 'e' : 's';
	if (educators && call->who.role != RPC_ROLE_ADMIN
	    && call->who.role != RPC_ROLE_SCHOOL) {
		return rpc_fail(call, TD_CODE_PERMISSION_DENIED,
		                "educator-level isolation is personnel "
		                "information: only the admin and the "
		                "educators' own school may read it");
	}
	int year = 0, latest = 0, rv;
	if (in->year[0] != '\0' && !improve_academic_year(in->year, &year)) {
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		                "year '%s' is not an academic year such as "
		                "2024-25",
		                in->year);
	}
	bool has_prev = false;
	if ((rv = store_begin_request(call->store, rpc_remaining_ms(call)))
	        != TD_OK
	    || (rv = store_isolation_years(call->store, year ? year - 1 : 2000,
	                                   &latest, &has_prev))
	        != TD_OK) {
		return analysis_db_fail(call, rv);
	}
	if (year == 0) {
		if (latest == 0) {
			return rpc_fail(call, TD_CODE_NOT_FOUND,
			                "no observations, participation or "
			                "cycles yet");
		}
		year = latest;
		if ((rv = store_isolation_years(call->store, year - 1, &latest,
		                                &has_prev))
		    != TD_OK) {
			return analysis_db_fail(call, rv);
		}
	}
	store_strtab nodes;
	if ((rv = store_isolation_nodes(call->store, level, &nodes))
	    != TD_OK) {
		return analysis_db_fail(call, rv);
	}
	size_t n     = nodes.rows;
	char **codes = rpc_arena_alloc(call->arena, (n + 1) * sizeof(char *));
	for (size_t i = 0; codes && i < n; i++) {
		codes[i]
		    = rpc_arena_strdup(call->arena, store_cell(&nodes, i, 0));
	}
	year_graph cur = { 0 }, prev = { 0 };
	int        code;
	if (codes == NULL) {
		code = rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	} else if ((code = load_year(call, level, year, codes, n, &cur))
	               == TD_CODE_OK
	           && (!has_prev
	               || (code
	                   = load_year(call, level, year - 1, codes, n, &prev))
	                   == TD_CODE_OK)) {
		code = reply(call, &nodes, codes, &cur, &prev, year, in->level,
		             resp);
	}
	year_graph_free(&cur);
	year_graph_free(&prev);
	/* The reply points into the nodes table's text: keep it in the
	 * arena by copying what the rows use. */
	if (code == TD_CODE_OK) {
		Tandem__V1__IsolationResponse *out = (void *) *resp;
		for (size_t i = 0; i < out->n_nodes; i++) {
			out->nodes[i]->school = rpc_arena_strdup(
			    call->arena, out->nodes[i]->school);
			out->nodes[i]->district = rpc_arena_strdup(
			    call->arena, out->nodes[i]->district);
		}
	}
	store_strtab_free(&nodes);
	return code;
}
