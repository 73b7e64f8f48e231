/* SPDX-License-Identifier: MIT
 * Tests of what a council member reads in the charts: points spaced by
 * date with the summer shaded and named, signals named in words and
 * coloured and shaped by the measure's direction, the target line, small
 * multiples on one scale, icons with letters, and an HTML page that
 * fetches nothing.
 */
#include "render_util.h"

/* ------------------------------------------------------------------ */
/* Dates, gaps, direction, target, small multiples, icons, the page. */

static const char *const starts[] = {
	"2023-09-01", "2023-10-01", "2023-11-01", "2023-12-01",
	"2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01",
	"2024-05-01", "2024-06-01", "2024-09-01", "2024-10-01",
};

/* x of the circle whose tooltip starts with label */
static double
point_x(const char *svg, const char *label)
{
	char needle[64];
	snprintf(needle, sizeof needle, "<title>%s:", label);
	const char *end = strstr(svg, needle);
	assert_non_null(end);
	const char *start = NULL;
	for (const char *p = strstr(svg, "<circle class=\"pt\""); p && p < end;
	     p             = strstr(p + 1, "<circle class=\"pt\"")) {
		start = p;
	}
	assert_non_null(start);
	double x = 0;
	assert_int_equal(sscanf(start, "<circle class=\"pt\" cx=\"%lf\"", &x),
	                 1);
	return x;
}

static void
test_dates_space_points_and_shade_the_summer(void **state)
{
	(void) state;
	double        v[12], c[12];
	render_series s = { 0 };
	for (int i = 0; i < 12; i++) {
		v[i] = 90.0 + (i % 3);
		c[i] = 91.0;
	}
	s.title    = "Attendance";
	s.n        = 12;
	s.x_labels = months;
	s.starts   = starts;
	s.values   = v;
	s.centre   = c;
	capture cap;
	cap_open(&cap);
	assert_int_equal(render_series_chart(cap.f, &s), 0);
	cap_close(&cap);
	assert_well_formed(cap.buf);
	/* the summer is shaded and named, not drawn across */
	assert_int_equal(count(cap.buf, "class=\"gap\""), 1);
	assert_non_null(strstr(cap.buf,
	                       "<title>no data: Jul\xe2\x80\x93"
	                       "Aug</title>"));
	assert_non_null(strstr(cap.buf, ">No data (break)<"));
	/* month labels on a date axis */
	assert_non_null(strstr(cap.buf, ">Sep 2023</text>"));
	/* June to September is three months apart on the axis */
	double jun = point_x(cap.buf, "2024-06"),
	       sep = point_x(cap.buf, "2024-09");
	double oct = point_x(cap.buf, "2024-10");
	assert_true(fabs((sep - jun) / (oct - sep) - 92.0 / 30.0) < 0.05);
	/* the value line breaks at the gap: two sub-paths */
	const char *line = strstr(cap.buf, "stroke=\"#7f9bbb\"");
	assert_non_null(line);
	const char *d   = strstr(line, "d=\"");
	const char *end = strchr(d + 3, '"');
	size_t      m   = 0;
	for (const char *p = d; p < end; p++) {
		m += *p == 'M';
	}
	assert_int_equal(m, 2);
	free(cap.buf);

	/* dates must be dates and must increase */
	const char *bad[12];
	memcpy(bad, starts, sizeof bad);
	bad[5]   = "2024-13-01";
	s.starts = bad;
	cap_open(&cap);
	assert_int_equal(render_series_chart(cap.f, &s), TD_EINVAL);
	bad[5] = "2023-09-01";
	assert_int_equal(render_series_chart(cap.f, &s), TD_EINVAL);
	cap_close(&cap);
	assert_int_equal(cap.len, 0);
	free(cap.buf);
}

static void
test_signals_named_and_coloured_by_direction(void **state)
{
	(void) state;
	double        v[12], c[12];
	unsigned      fl[12] = { 0 };
	render_signal sig[2] = {
		{ 4, 11, "Shift: 8 months above the median", 0 },
		{ 0, 11, "Too few crossings", 1 },
	};
	for (int i = 0; i < 12; i++) {
		v[i]  = i < 4 ? 90.0 + 0.1 * i : 93.0 + 0.1 * i;
		c[i]  = 92.0;
		fl[i] = i >= 4 ? RENDER_RUN : 0;
	}
	render_series s = { 0 };
	s.title         = "Attendance";
	s.n             = 12;
	s.starts        = starts;
	s.x_labels      = months;
	s.values        = v;
	s.centre        = c;
	s.flags         = fl;
	s.signals       = sig;
	s.n_signals     = 2;
	s.direction     = RENDER_DIR_HIGHER;
	capture cap;
	cap_open(&cap);
	assert_int_equal(render_series_chart(cap.f, &s), 0);
	cap_close(&cap);
	assert_well_formed(cap.buf);
	/* higher is better: above the median is improvement, blue
	 * triangles; the no-side signal is neutral */
	assert_non_null(strstr(cap.buf,
	                       ">Shift: 8 months above the median "
	                       "\xe2\x80\x94 improvement</text>"));
	assert_non_null(strstr(cap.buf,
	                       ">Too few crossings \xe2\x80\x94 "
	                       "special cause</text>"));
	assert_int_equal(count(cap.buf, "<path class=\"pt sig\""), 8);
	assert_int_equal(count(cap.buf, "fill=\"#0072b2\" stroke=\"#ffffff\""),
	                 8 + 1); /* and the legend's */
	assert_non_null(strstr(cap.buf, ">Signal: improvement<"));
	assert_null(strstr(cap.buf, ">Signal: concern<"));
	free(cap.buf);

	/* lower is better: the same run is a concern, orange squares */
	s.direction = RENDER_DIR_LOWER;
	cap_open(&cap);
	assert_int_equal(render_series_chart(cap.f, &s), 0);
	cap_close(&cap);
	assert_non_null(strstr(cap.buf, "median \xe2\x80\x94 concern</text>"));
	assert_int_equal(count(cap.buf, "<rect class=\"pt sig\""), 8);
	assert_non_null(strstr(cap.buf, ">Signal: concern<"));
	free(cap.buf);
	assert_int_equal(render_signal_sense(v, c, 4, 11, RENDER_DIR_NONE),
	                 RENDER_NEUTRAL);
	assert_int_equal(render_signal_sense(v, c, 0, 3, RENDER_DIR_HIGHER),
	                 RENDER_CONCERN);
}

static void
test_target_line_and_pdsa_spans_are_drawn_and_labelled(void **state)
{
	(void) state;
	double        v[12], c[12];
	render_series s = { 0 };
	for (int i = 0; i < 12; i++) {
		v[i] = 90.0 + (i % 3);
		c[i] = 91.0;
	}
	s.n          = 12;
	s.starts     = starts;
	s.values     = v;
	s.centre     = c;
	s.has_target = 1;
	s.target     = 95.0;
	capture cap;
	cap_open(&cap);
	assert_int_equal(render_series_chart(cap.f, &s), 0);
	cap_close(&cap);
	assert_int_equal(count(cap.buf, "class=\"target\""), 1);
	assert_non_null(strstr(cap.buf, ">Target 95.0</text>"));
	assert_non_null(strstr(cap.buf, ">Target<"));
	free(cap.buf);
	/* a PDSA cycle: a span behind the data, labelled over it */
	render_span sp = { "2023-11-15", "2024-02-10", "C1: daily check-in" };
	s.n_spans      = 1;
	s.spans        = &sp;
	cap_open(&cap);
	assert_int_equal(render_series_chart(cap.f, &s), 0);
	cap_close(&cap);
	assert_well_formed(cap.buf);
	assert_int_equal(count(cap.buf, "<rect class=\"pdsa\""), 1);
	assert_non_null(strstr(cap.buf,
	                       "<title>PDSA cycle: C1: daily check-in "
	                       "(2023-11-15 to 2024-02-10)</title>"));
	assert_non_null(strstr(cap.buf, ">C1: daily check-in</text>"));
	assert_non_null(strstr(cap.buf, ">PDSA cycle<"));
	/* the label comes after the points, so no point hides it */
	assert_true(strstr(cap.buf, "class=\"pdsa-label\"")
	            > strstr(cap.buf, "class=\"pt\""));
	free(cap.buf);
	s.n_spans    = 0;
	s.has_target = 0; /* zero-initialised: no target at 0 */
	cap_open(&cap);
	assert_int_equal(render_series_chart(cap.f, &s), 0);
	cap_close(&cap);
	assert_null(strstr(cap.buf, "class=\"target\""));
	free(cap.buf);
}

static void
test_small_multiples_share_their_axes(void **state)
{
	(void) state;
	double       a[12], b[12], z[12];
	render_panel p[3];
	for (int i = 0; i < 12; i++) {
		a[i] = 90.0 + 0.1 * i;
		b[i] = 70.0 + 0.1 * i; /* far below: same scale shows it */
		z[i] = NAN;
	}
	const char   *names[3] = { "Spruce Park Middle School & Annex",
		                   "Jefferson Creek Elementary", "Tiny" };
	const char   *codes[3] = { "S001", "S002", "S003" };
	const double *vals[3]  = { a, b, z };
	for (int k = 0; k < 3; k++) {
		p[k]
		    = (render_panel) { names[k], codes[k], 12, starts, vals[k],
			               NULL,     NULL,     0,  NULL };
	}
	render_multiples m = { 0 };
	m.title            = "Every school";
	m.desc             = "one chart per school";
	m.y_label          = "Attendance (%)";
	m.n_panels         = 3;
	m.panels           = p;
	capture cap;
	cap_open(&cap);
	assert_int_equal(render_multiples_chart(cap.f, &m), 0);
	cap_close(&cap);
	assert_well_formed(cap.buf);
	assert_int_equal(count(cap.buf, "<g class=\"panel\">"), 3);
	assert_non_null(strstr(cap.buf,
	                       "<title>Spruce Park Middle School "
	                       "&amp; Annex S001</title>"));
	assert_non_null(strstr(cap.buf, ">S002</text>"));
	assert_non_null(strstr(cap.buf, ">suppressed or no data</text>"));
	assert_non_null(strstr(cap.buf, "<desc>one chart per school</desc>"));
	/* one scale: tick labels from 70 to 90 written once (left column) */
	assert_int_equal(count(cap.buf, ">70</text>"), 1);
	assert_int_equal(count(cap.buf, ">90</text>"), 1);
	free(cap.buf);
}

static void
test_icons_carry_a_letter_or_shape(void **state)
{
	(void) state;
	capture cap;
	cap_open(&cap);
	assert_int_equal(render_variation_icon(cap.f, RENDER_VAR_IMPROVE_HIGH),
	                 0);
	assert_int_equal(render_variation_icon(cap.f, RENDER_VAR_CONCERN_LOW),
	                 0);
	assert_int_equal(render_variation_icon(cap.f, RENDER_VAR_COMMON), 0);
	assert_int_equal(render_assurance_icon(cap.f, RENDER_ASSURE_FAIL), 0);
	assert_int_equal(render_assurance_icon(cap.f, RENDER_ASSURE_PASS), 0);
	assert_int_equal(
	    render_assurance_icon(cap.f, RENDER_ASSURE_HIT_AND_MISS), 0);
	cap_close(&cap);
	assert_int_equal(count(cap.buf, "<svg class=\"icon\" role=\"img\""),
	                 6);
	assert_non_null(strstr(cap.buf,
	                       "<title>Special cause: improvement "
	                       "(high values)</title><circle"));
	assert_non_null(strstr(cap.buf,
	                       "<title>Special cause: concern (low "
	                       "values)</title><rect"));
	assert_non_null(strstr(cap.buf, ">H</text>"));
	assert_non_null(strstr(cap.buf, ">L</text>"));
	assert_non_null(strstr(cap.buf, ">F</text>"));
	assert_non_null(strstr(cap.buf, ">P</text>"));
	assert_non_null(strstr(cap.buf, ">?</text>"));
	free(cap.buf);
}

static void
test_html_page_fetches_nothing(void **state)
{
	(void) state;
	capture cap;
	cap_open(&cap);
	render_html_open(cap.f, "Network <report>", "en");
	render_html(cap.f, "<p>%e %n %v|%v</p>", "a&b", 12345.678, 1, 0.5,
	            (double) NAN);
	assert_int_equal(render_html_close(cap.f), 0);
	cap_close(&cap);
	assert_non_null(strstr(cap.buf, "content=\"default-src 'none'; "));
	assert_non_null(strstr(cap.buf, "<h1>Network &lt;report&gt;</h1>"));
	assert_non_null(strstr(cap.buf, "<p>a&amp;b 12,345.7 0.5|</p>"));
	assert_null(strstr(cap.buf, "http:"));
	assert_null(strstr(cap.buf, "https:"));
	assert_null(strstr(cap.buf, "src="));
	assert_null(strstr(cap.buf, "url("));
	assert_null(strstr(cap.buf, "<script"));
	assert_non_null(strstr(cap.buf, "@media print"));
	free(cap.buf);
	/* inline charts carry no namespace URL either */
	double        v[3] = { 1, 2, 3 };
	render_series s    = { 0 };
	s.n                = 3;
	s.values           = v;
	s.inline_svg       = 1;
	cap_open(&cap);
	assert_int_equal(render_series_chart(cap.f, &s), 0);
	cap_close(&cap);
	assert_null(strstr(cap.buf, "http"));
	assert_null(strstr(cap.buf, "<?xml"));
	assert_non_null(strstr(cap.buf, "<svg class=\"chart\""));
	free(cap.buf);
}

static void
test_funnel_limits_and_outliers(void **state)
{
	(void) state;
	const char   *lab[4] = { "A", "B", "C", "D" };
	double        n[4]   = { 50, 200, 800, 100 };
	double        val[4] = { 0.9, 0.5, 0.52, NAN };
	unsigned char out[4] = { 1, 0, 0, 0 };
	double        ln[3] = { 20, 400, 1000 }, l95[3] = { 0.3, 0.45, 0.47 },
	       h95[3] = { 0.7, 0.55, 0.53 }, l998[3] = { 0.2, 0.42, 0.45 },
	       h998[3]   = { 0.8, 0.58, 0.55 };
	render_funnel fu = { 0 };
	fu.title         = "Funnel";
	fu.y_label       = "Share";
	fu.n             = 4;
	fu.labels        = lab;
	fu.size          = n;
	fu.value         = val;
	fu.outside       = out;
	fu.target        = 0.5;
	fu.n_limits      = 3;
	fu.limit_n       = ln;
	fu.lo95          = l95;
	fu.hi95          = h95;
	fu.lo998         = l998;
	fu.hi998         = h998;
	capture cap;
	cap_open(&cap);
	assert_int_equal(render_funnel_chart(cap.f, &fu), 0);
	cap_close(&cap);
	assert_well_formed(cap.buf);
	assert_int_equal(count(cap.buf, "class=\"pt out\""), 1);
	assert_int_equal(count(cap.buf, "<circle class=\"pt\""), 2);
	assert_non_null(strstr(cap.buf, ">1 school suppressed<"));
	assert_non_null(strstr(cap.buf, ">99.8% limits<"));
	free(cap.buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates_space_points_and_shade_the_summer),
		cmocka_unit_test(test_signals_named_and_coloured_by_direction),
		cmocka_unit_test(
		    test_target_line_and_pdsa_spans_are_drawn_and_labelled),
		cmocka_unit_test(test_small_multiples_share_their_axes),
		cmocka_unit_test(test_icons_carry_a_letter_or_shape),
		cmocka_unit_test(test_html_page_fetches_nothing),
		cmocka_unit_test(test_funnel_limits_and_outliers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
