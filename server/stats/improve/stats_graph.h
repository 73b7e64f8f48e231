/* SPDX-License-Identifier: MIT
 * Undirected, unweighted graphs for the professional-isolation network:
 * degree, Brandes betweenness (unnormalised, each unordered pair once, as
 * R igraph's betweenness(normalized = FALSE)), connected components and
 * density. Nodes are 0 .. n - 1; edges are pairs of node indexes.
 */
#ifndef TANDEM_STATS_GRAPH_H
#define TANDEM_STATS_GRAPH_H

#include <stdbool.h>
#include <stddef.h>

#include <tandem/errors.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct stats_graph_result {
	size_t  n; /* nodes, as passed in */
	size_t  n_edges; /* distinct edges (self-loops and repeats dropped) */
	size_t *degree; /* distinct neighbours of each node */
	double *betweenness; /* Brandes, unnormalised */
	/* component[i]: 1 for the largest component, 2 for the next, ...;
	 * equal sizes are ordered by their smallest node index. */
	size_t *component;
	size_t  n_components;
	size_t  largest; /* nodes in the largest component */
	size_t  n_isolated; /* nodes of degree 0 */
	/* density = 2 E / (n (n - 1)); NaN when n < 2. */
	double density;
} stats_graph_result;

/* stats_graph computes the measures of the graph with n nodes and the m
 * edges (a[k], b[k]). Self-loops and repeated edges count once (or not
 * at all, for loops). The result's arrays are owned by the caller after
 * success and freed with stats_graph_result_free; on failure nothing is
 * left to free. Errors: TD_EINVAL (a node index >= n), TD_ENOMEM. */
int stats_graph(size_t n, const size_t *a, const size_t *b, size_t m,
                stats_graph_result *out, char *errmsg)
    __attribute__((warn_unused_result));

/* stats_graph_result_free frees what the result owns; accepts NULL. */
void stats_graph_result_free(stats_graph_result *res);

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_STATS_GRAPH_H */
