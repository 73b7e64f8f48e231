/* SPDX-License-Identifier: MIT
 * Graph measures for the professional-isolation network (stats_graph.h):
 * adjacency in compressed rows, Brandes' algorithm by breadth-first search
 * from every node (Brandes 2001, "A faster algorithm for betweenness
 * centrality"), components by the same search.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "stats_graph.h"

typedef struct edge {
	size_t u, v; /* u < v */
} edge;

static int
edge_cmp(const void *x, const void *y)
{
	const edge *a = x, *b = y;
	if (a->u != b->u) {
		return a->u < b->u ? -1 : 1;
	}
	return a->v < b->v ? -1 : a->v > b->v;
}

/* Compressed adjacency: the neighbours of i are adj[off[i] .. off[i+1]). */
typedef struct csr {
	size_t *off, *adj;
} csr;

static int
build_csr(size_t n, const edge *e, size_t ne, csr *g)
{
	g->off = calloc(n + 1, sizeof(size_t));
	g->adj = malloc((2 * ne + 1) * sizeof(size_t));
	if (g->off == NULL || g->adj == NULL) {
		return TD_ENOMEM;
	}
	for (size_t k = 0; k < ne; k++) {
		g->off[e[k].u + 1]++;
		g->off[e[k].v + 1]++;
	}
	for (size_t i = 0; i < n; i++) {
		g->off[i + 1] += g->off[i];
	}
	size_t *fill = malloc((n + 1) * sizeof(size_t));
	if (fill == NULL) {
		return TD_ENOMEM;
	}
	memcpy(fill, g->off, (n + 1) * sizeof(size_t));
	for (size_t k = 0; k < ne; k++) {
		g->adj[fill[e[k].u]++] = e[k].v;
		g->adj[fill[e[k].v]++] = e[k].u;
	}
	free(fill);
	return TD_OK;
}

/* brandes adds the dependencies of source s to bc (ordered pairs; the
 * caller halves the sums for an undirected graph). Work arrays are n
 * long; pred holds, per node, its predecessors at off[] positions. */
typedef struct work {
	size_t *stack, *queue, *pred, *npred;
	long   *dist;
	double *sigma, *delta;
} work;

static void
brandes(const csr *g, size_t n, size_t s, work *w, double *bc)
{
	size_t sp = 0, qh = 0, qt = 0;
	for (size_t i = 0; i < n; i++) {
		w->npred[i] = 0;
		w->dist[i]  = -1;
		w->sigma[i] = 0;
		w->delta[i] = 0;
	}
	w->sigma[s]    = 1;
	w->dist[s]     = 0;
	w->queue[qt++] = s;
	while (qh < qt) {
		size_t v       = w->queue[qh++];
		w->stack[sp++] = v;
		for (size_t k = g->off[v]; k < g->off[v + 1]; k++) {
			size_t x = g->adj[k];
			if (w->dist[x] < 0) {
				w->dist[x]     = w->dist[v] + 1;
				w->queue[qt++] = x;
			}
			if (w->dist[x] == w->dist[v] + 1) {
				w->sigma[x] += w->sigma[v];
				w->pred[g->off[x] + w->npred[x]++] = v;
			}
		}
	}
	while (sp > 0) {
		size_t x = w->stack[--sp];
		for (size_t k = 0; k < w->npred[x]; k++) {
			size_t v = w->pred[g->off[x] + k];
			w->delta[v]
			    += w->sigma[v] / w->sigma[x] * (1.0 + w->delta[x]);
		}
		if (x != s) {
			bc[x] += w->delta[x];
		}
	}
}

typedef struct comp {
	size_t size, first, id;
} comp;

static int
comp_cmp(const void *x, const void *y)
{
	const comp *a = x, *b = y;
	if (a->size != b->size) {
		return a->size > b->size ? -1 : 1;
	}
	return a->first < b->first ? -1 : a->first > b->first;
}

/* components labels each node with its component (largest = 1). */
static int
components(const csr *g, size_t n, size_t *queue, stats_graph_result *out)
{
	size_t *raw = malloc((n + 1) * sizeof(size_t));
	comp   *cs  = malloc((n + 1) * sizeof(comp));
	size_t *map = malloc((n + 1) * sizeof(size_t));
	if (raw == NULL || cs == NULL || map == NULL) {
		free(raw);
		free(cs);
		free(map);
		return TD_ENOMEM;
	}
	size_t nc = 0;
	for (size_t i = 0; i < n; i++) {
		raw[i] = SIZE_MAX;
	}
	for (size_t s = 0; s < n; s++) {
		if (raw[s] != SIZE_MAX) {
			continue;
		}
		size_t qh = 0, qt = 0;
		queue[qt++] = s;
		raw[s]      = nc;
		while (qh < qt) {
			size_t v = queue[qh++];
			for (size_t k = g->off[v]; k < g->off[v + 1]; k++) {
				if (raw[g->adj[k]] == SIZE_MAX) {
					raw[g->adj[k]] = nc;
					queue[qt++]    = g->adj[k];
				}
			}
		}
		cs[nc] = (comp) { qt, s, nc };
		nc++;
	}
	qsort(cs, nc, sizeof(comp), comp_cmp);
	for (size_t c = 0; c < nc; c++) {
		map[cs[c].id] = c + 1;
	}
	for (size_t i = 0; i < n; i++) {
		out->component[i] = map[raw[i]];
	}
	out->n_components = nc;
	out->largest      = nc > 0 ? cs[0].size : 0;
	free(raw);
	free(cs);
	free(map);
	return TD_OK;
}

void
stats_graph_result_free(stats_graph_result *res)
{
	if (res == NULL) {
		return;
	}
	free(res->degree);
	free(res->betweenness);
	free(res->component);
	memset(res, 0, sizeof(*res));
}

int
stats_graph(size_t n, const size_t *a, const size_t *b, size_t m,
            stats_graph_result *out, char *errmsg)
{
	edge *e  = malloc((m + 1) * sizeof(edge));
	csr   g  = { 0 };
	work  w  = { 0 };
	int   rv = TD_ENOMEM;
	memset(out, 0, sizeof(*out));
	if (e == NULL) {
		goto fail;
	}
	size_t ne = 0;
	for (size_t k = 0; k < m; k++) {
		if (a[k] >= n || b[k] >= n) {
			stats_set_err(errmsg, "%s",
			              "an edge names a node past the graph");
			rv = TD_EINVAL;
			goto fail;
		}
		if (a[k] != b[k]) {
			e[ne++] = (edge) { a[k] < b[k] ? a[k] : b[k],
				           a[k] < b[k] ? b[k] : a[k] };
		}
	}
	qsort(e, ne, sizeof(edge), edge_cmp);
	size_t u = 0;
	for (size_t k = 0; k < ne; k++) {
		if (u == 0 || edge_cmp(&e[u - 1], &e[k]) != 0) {
			e[u++] = e[k];
		}
	}
	ne               = u;
	out->n           = n;
	out->n_edges     = ne;
	out->degree      = calloc(n + 1, sizeof(size_t));
	out->component   = calloc(n + 1, sizeof(size_t));
	out->betweenness = calloc(n + 1, sizeof(double));
	w.stack          = malloc((n + 1) * sizeof(size_t));
	w.queue          = malloc((n + 1) * sizeof(size_t));
	w.pred           = malloc((2 * ne + 1) * sizeof(size_t));
	w.npred          = malloc((n + 1) * sizeof(size_t));
	w.dist           = malloc((n + 1) * sizeof(long));
	w.sigma          = malloc((n + 1) * sizeof(double));
	w.delta          = malloc((n + 1) * sizeof(double));
	if (!out->degree || !out->component || !out->betweenness || !w.stack
	    || !w.queue || !w.pred || !w.npred || !w.dist || !w.sigma
	    || !w.delta || build_csr(n, e, ne, &g) != TD_OK) {
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		out->degree[i] = g.off[i + 1] - g.off[i];
		out->n_isolated += out->degree[i] == 0;
	}
	for (size_t s = 0; s < n; s++) {
		brandes(&g, n, s, &w, out->betweenness);
	}
	/* Each unordered pair was counted from both ends. */
	for (size_t i = 0; i < n; i++) {
		out->betweenness[i] /= 2.0;
	}
	if ((rv = components(&g, n, w.queue, out)) != TD_OK) {
		goto fail;
	}
	out->density = n >= 2
	    ? 2.0 * (double) ne / ((double) n * (double) (n - 1))
	    : NAN;
	rv           = TD_OK;
fail:
	if (rv != TD_OK) {
		if (rv == TD_ENOMEM) {
			stats_set_err(errmsg, "%s", "out of memory");
		}
		stats_graph_result_free(out);
	}
	free(e);
	free(g.off);
	free(g.adj);
	free(w.stack);
	free(w.queue);
	free(w.pred);
	free(w.npred);
	free(w.dist);
	free(w.sigma);
	free(w.delta);
	return rv;
}
