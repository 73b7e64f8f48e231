/* SPDX-License-Identifier: MIT
 * Tests of the pictures of improvement work: the professional-isolation
 * network (districts together, isolated schools a shape and a label, not
 * colour alone) and the discover dot-and-interval chart (suppressed rows
 * said so, the dot and interval where the numbers put them).
 */
#include "render_util.h"

/* centre of the node whose tooltip starts with name */
static void
node_xy(const char *svg, const char *name, double *x, double *y)
{
	char needle[128];
	snprintf(needle, sizeof needle, "><title>%s (", name);
	const char *end = strstr(svg, needle);
	assert_non_null(end);
	const char *p = end;
	while (p > svg && p[0] != '<') {
		p--;
	}
	if (sscanf(p, "<circle class=\"node\" cx=\"%lf\" cy=\"%lf\"", x, y)
	    == 2) {
		return;
	}
	assert_int_equal(
	    sscanf(p, "<rect class=\"isolated\" x=\"%lf\" y=\"%lf\"", x, y),
	    2);
	*x += 7.0;
	*y += 7.0;
}

static double
dist(const char *svg, const char *a, const char *b)
{
	double ax, ay, bx, by;
	node_xy(svg, a, &ax, &ay);
	node_xy(svg, b, &bx, &by);
	return hypot(ax - bx, ay - by);
}

static const render_node nodes[] = {
	{ "Alder", "S1", "North", 2, 0 }, { "Birch", "S2", "North", 1, 0 },
	{ "Cedar", "S3", "North", 0, 1 }, { "Dogwood", "S4", "South", 1, 0 },
	{ "Elm", "S5", "South", 2, 0 },   { "Fir", "S6", "South", 0, 0 },
};

static void
test_network_groups_districts_and_names_the_isolated(void **state)
{
	(void) state;
	const render_edge edges[] = { { 0, 1, 3 }, { 0, 4, 1 }, { 3, 4, 2 } };
	render_network    g       = { 0 };
	g.title                   = "Professional isolation, 2025-26";
	g.n_nodes                 = 6;
	g.nodes                   = nodes;
	g.n_edges                 = 3;
	g.edges                   = edges;
	capture cap;
	cap_open(&cap);
	assert_int_equal(render_network_chart(cap.f, &g), 0);
	cap_close(&cap);
	assert_well_formed(cap.buf);
	assert_non_null(strstr(cap.buf, "<title>Professional isolation"));
	assert_non_null(
	    strstr(cap.buf, "<desc>6 schools, 3 ties, 1 isolated"));
	/* one line per tie, one circle per school that is not isolated */
	assert_int_equal(count(cap.buf, "<line class=\"tie\""), 3);
	assert_int_equal(count(cap.buf, "<circle class=\"node\""), 5);
	/* the isolated school: a hollow square and its name in words */
	assert_int_equal(count(cap.buf, "<rect class=\"isolated\""), 1);
	assert_non_null(strstr(cap.buf, ">Cedar (isolated)</text>"));
	assert_null(strstr(cap.buf, "Fir (isolated)"));
	/* the districts are named, and a district's schools sit together */
	assert_non_null(strstr(cap.buf, ">North</text>"));
	assert_non_null(strstr(cap.buf, ">South</text>"));
	double in_n = dist(cap.buf, "Alder", "Cedar");
	double in_s = dist(cap.buf, "Dogwood", "Fir");
	assert_true(in_n < dist(cap.buf, "Alder", "Dogwood"));
	assert_true(in_n < dist(cap.buf, "Cedar", "Fir"));
	assert_true(in_s < dist(cap.buf, "Birch", "Elm"));
	/* a tie's line runs between its two schools */
	double ax, ay, ex, ey, x1, y1, x2, y2;
	node_xy(cap.buf, "Alder", &ax, &ay);
	node_xy(cap.buf, "Elm", &ex, &ey);
	const char *t = strstr(cap.buf, "<title>Alder \xe2\x80\x93 Elm<");
	assert_non_null(t);
	while (strncmp(t, "<line", 5) != 0) {
		t--;
	}
	assert_int_equal(sscanf(t,
	                        "<line class=\"tie\" x1=\"%lf\" y1=\"%lf\" "
	                        "x2=\"%lf\" y2=\"%lf\"",
	                        &x1, &y1, &x2, &y2),
	                 4);
	assert_true(fabs(x1 - ax) < 0.11 && fabs(y1 - ay) < 0.11);
	assert_true(fabs(x2 - ex) < 0.11 && fabs(y2 - ey) < 0.11);
	free(cap.buf);
}

static void
test_network_rejects_bad_ties_and_writes_nothing(void **state)
{
	(void) state;
	const render_edge  self[] = { { 2, 2, 1 } };
	const render_edge  out[]  = { { 0, 6, 1 } };
	const render_edge  neg[]  = { { 0, 1, -1 } };
	const render_edge *bad[]  = { self, out, neg };
	for (int k = 0; k < 3; k++) {
		render_network g = { 0 };
		g.n_nodes        = 6;
		g.nodes          = nodes;
		g.n_edges        = 1;
		g.edges          = bad[k];
		capture cap;
		cap_open(&cap);
		assert_int_equal(render_network_chart(cap.f, &g), TD_EINVAL);
		cap_close(&cap);
		assert_int_equal(cap.len, 0);
		free(cap.buf);
	}
	render_network none = { 0 };
	assert_int_equal(render_network_chart(stdout, &none), TD_EINVAL);
}

static double
attr(const char *p, const char *name)
{
	const char *a = strstr(p, name);
	assert_non_null(a);
	return strtod(a + strlen(name), NULL);
}

static void
test_intervals_draw_the_difference_and_say_suppressed(void **state)
{
	(void) state;
	const render_interval_row rows[] = {
		{ "questioning", 0.5, 0.2, 0.8, 0 },
		{ "feedback", NAN, NAN, NAN, 1 },
		{ "pacing", NAN, NAN, NAN, 0 },
		{ "climate", -0.1, -0.4, 0.2, 0 },
	};
	render_intervals s = { 0 };
	s.title            = "Discover";
	s.desc             = "one row per criterion";
	s.n                = 4;
	s.rows             = rows;
	capture cap;
	cap_open(&cap);
	assert_int_equal(render_interval_chart(cap.f, &s), 0);
	cap_close(&cap);
	assert_well_formed(cap.buf);
	assert_non_null(strstr(cap.buf, "<desc>one row per criterion</desc>"));
	assert_int_equal(count(cap.buf, "<circle class=\"pt\""), 2);
	assert_int_equal(count(cap.buf, "<path class=\"interval\""), 2);
	assert_int_equal(count(cap.buf, "class=\"suppressed\""), 1);
	assert_int_equal(count(cap.buf, "class=\"noestimate\""), 1);
	assert_non_null(strstr(cap.buf, ">questioning<"));
	assert_non_null(strstr(cap.buf, ">0.50 (0.20 to 0.80)<"));
	/* the first dot sits inside its interval, right of the zero line */
	const char *pt = strstr(cap.buf, "<circle class=\"pt\"");
	const char *iv = strstr(cap.buf, "<path class=\"interval\"");
	double      cx = attr(pt, "cx=\"");
	double      x0 = attr(iv, "d=\"M");
	const char *h  = strchr(strstr(iv, "d=\"M"), 'H');
	double      x1 = strtod(h + 1, NULL);
	assert_true(x0 < cx && cx < x1);
	/* x of 0 is where the dots of 0.5 and -0.1 put it: between them */
	const char *pt2  = strstr(pt + 1, "<circle class=\"pt\"");
	double      cx2  = attr(pt2, "cx=\"");
	double      zero = cx2 + (cx - cx2) * 0.1 / 0.6;
	const char *zl   = strstr(cap.buf, "<line class=\"zero\"");
	assert_non_null(zl);
	assert_true(fabs(attr(zl, "x1=\"") - zero) < 0.3);
	free(cap.buf);
	/* an infinite value is rejected with nothing written */
	render_interval_row inf[] = { { "x", INFINITY, 0, 1, 0 } };
	s.rows                    = inf;
	s.n                       = 1;
	cap_open(&cap);
	assert_int_equal(render_interval_chart(cap.f, &s), TD_EINVAL);
	cap_close(&cap);
	assert_int_equal(cap.len, 0);
	free(cap.buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_network_groups_districts_and_names_the_isolated),
		cmocka_unit_test(
		    test_network_rejects_bad_ties_and_writes_nothing),
		cmocka_unit_test(
		    test_intervals_draw_the_difference_and_say_suppressed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
