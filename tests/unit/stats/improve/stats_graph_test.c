/* SPDX-License-Identifier: MIT
 * Tests for the isolation-network measures (stats_graph): degree, Brandes
 * betweenness (unnormalised), components and density, against R 4.2 with
 * igraph 1.3 (Debian's r-cran-igraph); the R expressions are beside the
 * values.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "stats_graph.h"
#include "test_util.h"

#define REL 1e-12

/* el <- matrix(c(1,2, 1,3, 2,4, 3,4, 4,5, 5,6, 5,7, 6,8, 7,8, 8,9,
 *                10,11), ncol = 2, byrow = TRUE)
 * g <- add_vertices(graph_from_edgelist(el, directed = FALSE), 1)
 * (0-based here; node 11 has no edge; a repeat and a loop are added below
 * and must not count) */
static const size_t EA[] = { 0, 0, 1, 2, 3, 4, 4, 5, 6, 7, 9, 1, 8 };
static const size_t EB[] = { 1, 2, 3, 3, 4, 5, 6, 7, 7, 8, 10, 0, 8 };

static void
two_diamonds_match_igraph(void **state)
{
	(void) state;
	stats_graph_result r;
	char               err[TD_ERRMSG_MAX];
	assert_int_equal(stats_graph(12, EA, EB, 13, &r, err), TD_OK);
	/* ecount(g) */
	assert_int_equal(r.n_edges, 11);
	/* degree(g) */
	static const size_t deg[] = { 2, 2, 2, 3, 3, 2, 2, 3, 1, 1, 1, 0 };
	/* betweenness(g, normalized = FALSE) */
	static const double bc[]
	    = { 0.5, 3, 3, 15.5, 16.5, 5, 5, 7.5, 0, 0, 0, 0 };
	for (size_t i = 0; i < 12; i++) {
		assert_int_equal(r.degree[i], deg[i]);
		assert_rel(r.betweenness[i], bc[i], REL);
	}
	/* components(g): csize 9 2 1, membership 1..1 (nodes 1-9), 2 2, 3 */
	assert_int_equal(r.n_components, 3);
	assert_int_equal(r.largest, 9);
	for (size_t i = 0; i < 9; i++) {
		assert_int_equal(r.component[i], 1);
	}
	assert_int_equal(r.component[9], 2);
	assert_int_equal(r.component[10], 2);
	assert_int_equal(r.component[11], 3);
	assert_int_equal(r.n_isolated, 1);
	/* edge_density(g) */
	assert_rel(r.density, 0.16666666666666666, REL);
	stats_graph_result_free(&r);
}

/* set.seed(7); g <- sample_gnp(20, 0.12); as_edgelist(g) - 1 */
static const size_t GA[]
    = { 0, 1,  2, 2, 0,  2, 3, 3, 7, 6, 1,  3, 8,  4,  8,
	7, 10, 1, 4, 10, 0, 1, 3, 1, 3, 15, 9, 13, 17, 18 };
static const size_t GB[]
    = { 1,  3,  3,  4,  5,  6,  6,  7,  8,  9,  10, 10, 10, 11, 11,
	12, 13, 14, 14, 14, 15, 15, 15, 16, 16, 16, 17, 19, 19, 19 };

static void
random_graph_matches_igraph(void **state)
{
	(void) state;
	stats_graph_result r;
	char               err[TD_ERRMSG_MAX];
	assert_int_equal(stats_graph(20, GA, GB, 30, &r, err), TD_OK);
	/* degree(g) */
	static const size_t deg[]
	    = { 3, 6, 3, 7, 3, 1, 3, 3, 3, 2, 5, 2, 1, 2, 3, 4, 3, 2, 1, 3 };
	/* sprintf("%.17g", betweenness(g, normalized = FALSE)) */
	static const double bc[] = {
		18,
		34.633333333333333,
		9.9000000000000004,
		60.700000000000003,
		9.1333333333333311,
		0,
		24.333333333333329,
		21.233333333333327,
		15.533333333333335,
		13.333333333333332,
		54.966666666666661,
		2.3333333333333335,
		0,
		31.666666666666664,
		9.8999999999999986,
		7.6666666666666661,
		0,
		6,
		0,
		24.666666666666664,
	};
	for (size_t i = 0; i < 20; i++) {
		assert_int_equal(r.degree[i], deg[i]);
		assert_rel(r.betweenness[i], bc[i], 1e-9);
	}
	/* components(g)$no, max(components(g)$csize) */
	assert_int_equal(r.n_components, 1);
	assert_int_equal(r.largest, 20);
	assert_int_equal(r.n_isolated, 0);
	/* edge_density(g) */
	assert_rel(r.density, 0.15789473684210525, REL);
	stats_graph_result_free(&r);
}

static void
empty_and_single_node_graphs(void **state)
{
	(void) state;
	stats_graph_result r;
	char               err[TD_ERRMSG_MAX];
	assert_int_equal(stats_graph(1, NULL, NULL, 0, &r, err), TD_OK);
	assert_int_equal(r.degree[0], 0);
	assert_int_equal(r.n_isolated, 1);
	assert_int_equal(r.largest, 1);
	assert_true(isnan(r.density)); /* undefined for one node */
	stats_graph_result_free(&r);
	assert_int_equal(stats_graph(0, NULL, NULL, 0, &r, err), TD_OK);
	assert_int_equal(r.n_components, 0);
	assert_int_equal(r.largest, 0);
	stats_graph_result_free(&r);
}

static void
edge_past_the_graph_is_refused(void **state)
{
	(void) state;
	stats_graph_result r;
	char               err[TD_ERRMSG_MAX];
	size_t             a = 0, b = 5;
	assert_int_equal(stats_graph(3, &a, &b, 1, &r, err), TD_EINVAL);
	assert_non_null(strstr(err, "past the graph"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(two_diamonds_match_igraph),
		cmocka_unit_test(random_graph_matches_igraph),
		cmocka_unit_test(empty_and_single_node_graphs),
		cmocka_unit_test(edge_past_the_graph_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
