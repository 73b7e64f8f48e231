/* SPDX-License-Identifier: MIT
 * Tests of the rendering module's charts: well-formed, self-contained SVG
 * that draws the expected points, limits and labels, escapes caller text,
 * ignores the locale, and rejects bad input without writing anything.
 * render_charts_test.c tests what a reader sees (dates, signals, target,
 * small multiples, icons, the page).
 */
#include "render_util.h"

/* ------------------------------------------------------------------ */
/* Fixtures. */

static void
run_chart(render_series *s, double *v, double *c, unsigned *fl)
{
	static const double vals[12] = { 93.9, 93.6, 93.4, 92.6, 93.1, 92.6,
		                         93.1, 93.4, 93.0, 92.9, 95.3, 95.0 };
	memcpy(v, vals, sizeof vals);
	for (int i = 0; i < 12; i++) {
		c[i]  = 93.1;
		fl[i] = i >= 10 ? RENDER_RUN : 0;
	}
	v[4]  = NAN; /* suppressed */
	v[6]  = NAN;
	fl[3] = RENDER_SIGNAL;
	fl[8] = RENDER_EXCLUDED;
	memset(s, 0, sizeof *s);
	s->title        = "Attendance <network> & \"friends\"";
	s->subtitle     = "Centre = median of the baseline";
	s->y_label      = "Attendance (%)";
	s->centre_label = "Median";
	s->n            = 12;
	s->x_labels     = months;
	s->values       = v;
	s->centre       = c;
	s->flags        = fl;
	s->baseline_n   = 10;
}

/* ------------------------------------------------------------------ */

static void
test_series_chart_well_formed_with_points_and_note(void **state)
{
	(void) state;
	render_series s;
	double        v[12], c[12];
	unsigned      fl[12];
	capture       cap;
	run_chart(&s, v, c, fl);
	cap_open(&cap);
	assert_int_equal(render_series_chart(cap.f, &s), 0);
	cap_close(&cap);
	assert_well_formed(cap.buf);
	/* 7 plain points, 3 signal points, 2 with no value */
	assert_int_equal(count(cap.buf, "class=\"pt\""), 7);
	assert_int_equal(count(cap.buf, "class=\"pt sig\""), 3);
	assert_int_equal(count(cap.buf, "class=\"noval\""), 2);
	assert_non_null(strstr(cap.buf, ">2 points suppressed<"));
	/* one outside the limits, two in a run, one excluded (hollow); no
	 * direction given, so neither improvement nor concern */
	assert_int_equal(count(cap.buf, "(outside the limits, special "), 1);
	assert_int_equal(count(cap.buf, "(run, shift or trend, special "), 2);
	assert_int_equal(count(cap.buf, "(excluded)</title>"), 1);
	/* legend names what is drawn, baseline marker present */
	assert_non_null(strstr(cap.buf, ">Median<"));
	assert_non_null(strstr(cap.buf, ">Signal (no direction set)<"));
	assert_non_null(strstr(cap.buf, ">Excluded<"));
	assert_non_null(strstr(cap.buf, ">baseline<"));
	assert_null(strstr(cap.buf, "Control limits")); /* none given */
	/* a text alternative: title and desc */
	assert_non_null(strstr(cap.buf, "<title>Attendance &lt;network"));
	assert_non_null(strstr(cap.buf, "<desc>Centre = median"));
	/* the centre is labelled with its value at the right */
	assert_non_null(strstr(cap.buf, ">Median 93.10</text>"));
	free(cap.buf);
}

static void
test_text_is_escaped(void **state)
{
	(void) state;
	render_series s;
	double        v[12], c[12];
	unsigned      fl[12];
	capture       cap;
	run_chart(&s, v, c, fl);
	const char *odd[12];
	for (int i = 0; i < 12; i++) {
		odd[i] = months[i];
	}
	odd[0]     = "Sep <'23> & \"co\"";
	s.x_labels = odd;
	s.y_label  = "Zoë's <rate> & \"more\"";
	cap_open(&cap);
	assert_int_equal(render_series_chart(cap.f, &s), 0);
	cap_close(&cap);
	assert_well_formed(cap.buf);
	assert_non_null(strstr(cap.buf,
	                       "Attendance &lt;network&gt; &amp; "
	                       "&quot;friends&quot;"));
	assert_non_null(
	    strstr(cap.buf, "Zoë&#39;s &lt;rate&gt; &amp; &quot;more&quot;"));
	assert_non_null(
	    strstr(cap.buf, "Sep &lt;&#39;23&gt; &amp; &quot;co&quot;"));
	assert_null(strstr(cap.buf, "<network>"));
	assert_null(strstr(cap.buf, "<rate>"));
	free(cap.buf);
}

static void
test_limits_step_and_break_at_split(void **state)
{
	(void) state;
	double   v[12], c[12], lo[12], hi[12];
	unsigned fl[12] = { 0 };
	for (int i = 0; i < 12; i++) {
		v[i]  = (i < 6 ? 480.0 : 492.0) + (i % 3) - 1.0;
		c[i]  = i < 6 ? 480.0 : 492.0;
		lo[i] = c[i] - 18.0 + (i % 2); /* per-point limits: steps */
		hi[i] = c[i] + 18.0 - (i % 2);
	}
	fl[2]           = RENDER_SIGNAL;
	render_series s = { 0 };
	s.title         = "i-chart";
	s.n             = 12;
	s.x_labels      = months;
	s.values        = v;
	s.centre        = c;
	s.lcl           = lo;
	s.ucl           = hi;
	s.flags         = fl;
	capture cap;
	cap_open(&cap);
	assert_int_equal(render_series_chart(cap.f, &s), 0);
	cap_close(&cap);
	assert_well_formed(cap.buf);
	/* the centre path is broken once, at the split */
	const char *centre
	    = strstr(cap.buf, "stroke=\"#3c3c3c\" stroke-width");
	assert_non_null(centre);
	const char *d   = strstr(centre, "d=\"");
	const char *end = strchr(d + 3, '"');
	size_t      m   = 0;
	for (const char *p = d; p < end; p++) {
		m += *p == 'M';
	}
	assert_int_equal(m, 2);
	/* limits drawn dashed, in the legend */
	assert_int_equal(count(cap.buf, "stroke-dasharray=\"6 4\" d=\""), 2);
	assert_non_null(strstr(cap.buf, ">Control limits (LCL, UCL)<"));
	assert_non_null(strstr(cap.buf, ">UCL 509.0</text>"));
	assert_non_null(strstr(cap.buf, ">LCL 475.0</text>"));
	assert_null(strstr(cap.buf, ">baseline<"));
	free(cap.buf);
}

static void
test_many_points_thin_the_x_labels(void **state)
{
	(void) state;
	enum { N = 120 };
	double      v[N];
	char        lab[N][16];
	const char *xl[N];
	for (int i = 0; i < N; i++) {
		v[i] = 50.0 + 10.0 * sin(i * 0.3);
		snprintf(lab[i], sizeof lab[i], "%d-%02d", 2020 + i / 12,
		         i % 12 + 1);
		xl[i] = lab[i];
	}
	render_series s = { 0 };
	s.n             = N;
	s.x_labels      = xl;
	s.values        = v;
	capture cap;
	cap_open(&cap);
	assert_int_equal(render_series_chart(cap.f, &s), 0);
	cap_close(&cap);
	assert_well_formed(cap.buf);
	assert_int_equal(count(cap.buf, "class=\"pt\""), N);
	/* labels are ~43 px wide and points ~7 px apart: every 7th or so */
	size_t shown = 0;
	for (int i = 0; i < N; i++) {
		char needle[32];
		snprintf(needle, sizeof needle, ">%s</text>", xl[i]);
		shown += strstr(cap.buf, needle) != NULL;
	}
	assert_true(shown >= 8 && shown <= 20);
	assert_non_null(strstr(cap.buf, ">2020-01</text>"));
	free(cap.buf);
}

static void
test_axis_ticks_are_nice(void **state)
{
	(void) state;
	double        v[3] = { 3.0, 50.0, 97.0 };
	render_series s    = { 0 };
	s.n                = 3;
	s.values           = v;
	capture cap;
	cap_open(&cap);
	assert_int_equal(render_series_chart(cap.f, &s), 0);
	cap_close(&cap);
	/* 0, 20, ..., 100: steps of 1-2-5, not dipping below zero */
	static const char *const ticks[]
	    = { ">0</text>",  ">20</text>", ">40</text>",
		">60</text>", ">80</text>", ">100</text>" };
	for (int i = 0; i < 6; i++) {
		assert_non_null(strstr(cap.buf, ticks[i]));
	}
	assert_null(strstr(cap.buf, ">-20</text>"));
	assert_null(strstr(cap.buf, ">120</text>"));
	free(cap.buf);

	/* large values get thousands separators */
	double big[2] = { 12000.0, 48000.0 };
	s.n           = 2;
	s.values      = big;
	cap_open(&cap);
	assert_int_equal(render_series_chart(cap.f, &s), 0);
	cap_close(&cap);
	assert_non_null(strstr(cap.buf, ">20,000</text>"));
	free(cap.buf);
}

static void
test_all_suppressed_and_single_point_draw(void **state)
{
	(void) state;
	double        v[4]  = { NAN, NAN, NAN, NAN };
	unsigned      fl[4] = { 0, 0, 0, RENDER_MISSING };
	render_series s     = { 0 };
	s.title             = "All suppressed";
	s.n                 = 4;
	s.values            = v;
	s.flags             = fl;
	capture cap;
	cap_open(&cap);
	assert_int_equal(render_series_chart(cap.f, &s), 0);
	cap_close(&cap);
	assert_well_formed(cap.buf);
	assert_int_equal(count(cap.buf, "class=\"pt\""), 0);
	assert_non_null(strstr(cap.buf, ">3 points suppressed, 1 missing<"));
	assert_non_null(strstr(cap.buf, "No values to show"));
	assert_null(strstr(cap.buf, "nan"));
	assert_null(strstr(cap.buf, "inf"));
	free(cap.buf);

	double one = 42.0, c = 40.0;
	s            = (render_series) { 0 };
	s.n          = 1;
	s.values     = &one;
	s.centre     = &c;
	s.baseline_n = 1;
	cap_open(&cap);
	assert_int_equal(render_series_chart(cap.f, &s), 0);
	cap_close(&cap);
	assert_well_formed(cap.buf);
	assert_int_equal(count(cap.buf, "class=\"pt\""), 1);
	assert_non_null(strstr(cap.buf, ">1</text>")); /* numbered x label */
	free(cap.buf);
}

static void
test_bad_input_rejected_and_nothing_written(void **state)
{
	(void) state;
	double        v[3] = { 1.0, 2.0, 3.0 };
	render_series s    = { 0 };
	capture       cap;
	s.n      = 3;
	s.values = v;
	cap_open(&cap);
	assert_int_equal(render_series_chart(NULL, &s), TD_EINVAL);
	assert_int_equal(render_series_chart(cap.f, NULL), TD_EINVAL);
	s.n = 0;
	assert_int_equal(render_series_chart(cap.f, &s), TD_EINVAL);
	s.n      = 3;
	s.values = NULL;
	assert_int_equal(render_series_chart(cap.f, &s), TD_EINVAL);
	s.values     = v;
	s.baseline_n = 4;
	assert_int_equal(render_series_chart(cap.f, &s), TD_EINVAL);
	s.baseline_n = 0;
	v[1]         = INFINITY;
	assert_int_equal(render_series_chart(cap.f, &s), TD_EINVAL);
	v[1]          = 2.0;
	double lim[3] = { 0.0, -INFINITY, 0.0 };
	s.lcl         = lim;
	assert_int_equal(render_series_chart(cap.f, &s), TD_EINVAL);

	render_scatter sc = { 0 };
	assert_int_equal(render_scatter_chart(cap.f, &sc), TD_EINVAL);
	render_plane ce = { 0 };
	assert_int_equal(render_plane_chart(cap.f, &ce), TD_EINVAL);
	ce.n      = 3;
	ce.effect = v;
	ce.cost   = v;
	assert_int_equal(render_plane_chart(cap.f, &ce),
	                 TD_EINVAL); /* labels */
	cap_close(&cap);
	assert_int_equal(cap.len, 0);
	free(cap.buf);
}

static void
test_write_failure_is_reported(void **state)
{
	(void) state;
	FILE *f = fopen("/dev/full", "w");
	if (f == NULL) {
		skip();
	}
	render_series s;
	double        v[12], c[12];
	unsigned      fl[12];
	run_chart(&s, v, c, fl);
	setvbuf(f, NULL, _IONBF, 0);
	assert_int_equal(render_series_chart(f, &s), TD_EIO);
	fclose(f);
}

static void
test_numbers_ignore_the_locale(void **state)
{
	(void) state;
	if (setlocale(LC_NUMERIC, "de_DE.UTF-8") == NULL
	    && setlocale(LC_NUMERIC, "fr_FR.UTF-8") == NULL) {
		skip();
	}
	render_series s;
	double        v[12], c[12];
	unsigned      fl[12];
	run_chart(&s, v, c, fl);
	capture cap;
	cap_open(&cap);
	assert_int_equal(render_series_chart(cap.f, &s), 0);
	cap_close(&cap);
	setlocale(LC_NUMERIC, "C");
	assert_well_formed(cap.buf);
	/* no attribute value that starts as a number holds a comma */
	for (const char *p = strstr(cap.buf, "=\""); p;
	     p             = strstr(p + 1, "=\"")) {
		const char *a = p + 2;
		if (isdigit((unsigned char) *a)
		    || (*a == '-' && isdigit((unsigned char) a[1]))) {
			const char *q = strchr(a, '"');
			assert_null(memchr(a, ',', (size_t) (q - a)));
		}
	}
	free(cap.buf);
}

/* ------------------------------------------------------------------ */

/* Position of the label whose text is `text`. */
static void
label_pos(const char *svg, const char *text, double *x, double *y)
{
	char needle[64];
	snprintf(needle, sizeof needle, ">%s</text>", text);
	const char *end = strstr(svg, needle);
	assert_non_null(end);
	const char *start = NULL;
	for (const char *p   = strstr(svg, "<text class=\"label\"");
	     p && p < end; p = strstr(p + 1, "<text class=\"label\"")) {
		start = p;
	}
	assert_non_null(start);
	assert_int_equal(
	    sscanf(start, "<text class=\"label\" x=\"%lf\" y=\"%lf\"", x, y),
	    2);
}

static void
test_scatter_flags_and_labels(void **state)
{
	(void) state;
	enum { N = 20 };
	double        pr[N], ac[N], lo[N], hi[N];
	unsigned char fg[N] = { 0 };
	const char   *codes[N];
	char          cb[N][16];
	for (int i = 0; i < N; i++) {
		pr[i] = 470.0 + 3.0 * i;
		ac[i] = pr[i] + 6.0 * sin(i * 1.3);
		lo[i] = pr[i] - 15.0;
		hi[i] = pr[i] + 15.0;
		snprintf(cb[i], sizeof cb[i], "S%03d", i + 1);
		codes[i] = cb[i];
	}
	fg[3]  = 1;
	fg[4]  = 1; /* close neighbours: labels must not collide */
	fg[12] = 1;
	ac[3] += 25.0;
	ac[4] += 25.0;
	ac[12] += 22.0;
	codes[12]        = "S<13>&";
	ac[7]            = NAN; /* suppressed unit */
	hi[9]            = NAN; /* no bar for this one */
	render_scatter s = { 0 };
	s.title          = "Positive deviance";
	s.n              = N;
	s.labels         = codes;
	s.predicted      = pr;
	s.actual         = ac;
	s.pi_lo          = lo;
	s.pi_hi          = hi;
	s.flagged        = fg;
	capture cap;
	cap_open(&cap);
	assert_int_equal(render_scatter_chart(cap.f, &s), 0);
	cap_close(&cap);
	assert_well_formed(cap.buf);
	assert_int_equal(count(cap.buf, "class=\"pt flagged\""), 3);
	assert_int_equal(count(cap.buf, "class=\"pt\""), N - 3 - 1);
	assert_int_equal(count(cap.buf, "class=\"label\""), 3);
	assert_non_null(strstr(cap.buf, ">S&lt;13&gt;&amp;</text>"));
	assert_non_null(strstr(cap.buf, ">1 unit suppressed<"));
	assert_non_null(strstr(cap.buf, ">Predicted<"));
	assert_non_null(strstr(cap.buf, ">Actual<"));
	assert_non_null(
	    strstr(cap.buf, ">95% prediction interval (flagged only)<"));
	/* intervals for the flagged units only: the rest would hide them */
	assert_int_equal(count(cap.buf, "class=\"pi\""), 3);

	/* the labels of close neighbours S004 and S005 do not overlap */
	double ax, ay, bx, by;
	label_pos(cap.buf, "S004", &ax, &ay);
	label_pos(cap.buf, "S005", &bx, &by);
	double w = 4 * 11.0 * 0.55; /* 4 glyphs of an 11 px sans font */
	assert_true(ax + w <= bx || bx + w <= ax || fabs(ay - by) >= 11.0);
	free(cap.buf);
}

static void
test_ce_plane_points_labels_zero_line(void **state)
{
	(void) state;
	const char  *names[5] = { "Coaching", "PLCs", "NIC convenings",
		                  "Video & feedback", "Workshop" };
	double       eff[5]   = { 0.41, 0.05, 0.02, 0.12, NAN };
	double       elo[5]   = { 0.22, -0.10, -0.15, -0.05, NAN };
	double       ehi[5]   = { 0.60, 0.20, 0.19, 0.29, NAN };
	double       cost[5]  = { 412.0, 95.0, 38.0, 88.0, 104.0 };
	render_plane s        = { 0 };
	s.title               = "Cost-effectiveness";
	s.n                   = 5;
	s.labels              = names;
	s.effect              = eff;
	s.effect_lo           = elo;
	s.effect_hi           = ehi;
	s.cost                = cost;
	capture cap;
	cap_open(&cap);
	assert_int_equal(render_plane_chart(cap.f, &s), 0);
	cap_close(&cap);
	assert_well_formed(cap.buf);
	assert_int_equal(count(cap.buf, "class=\"pt\""), 4);
	assert_int_equal(count(cap.buf, "class=\"label\""), 4);
	assert_non_null(strstr(cap.buf, ">Video &amp; feedback</text>"));
	assert_non_null(strstr(cap.buf, ">no effect</text>"));
	assert_non_null(strstr(cap.buf, ">1 activity without an estimate<"));
	assert_non_null(strstr(cap.buf, ">Effect (Hedges&#39; g)<"));
	assert_non_null(strstr(cap.buf, ">Cost per student ($)<"));
	/* the x axis includes zero and the y axis starts at zero */
	assert_non_null(strstr(cap.buf, ">0.0</text>"));
	assert_non_null(strstr(cap.buf, ">0</text>"));
	free(cap.buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_series_chart_well_formed_with_points_and_note),
		cmocka_unit_test(test_text_is_escaped),
		cmocka_unit_test(test_limits_step_and_break_at_split),
		cmocka_unit_test(test_many_points_thin_the_x_labels),
		cmocka_unit_test(test_axis_ticks_are_nice),
		cmocka_unit_test(test_all_suppressed_and_single_point_draw),
		cmocka_unit_test(test_bad_input_rejected_and_nothing_written),
		cmocka_unit_test(test_write_failure_is_reported),
		cmocka_unit_test(test_numbers_ignore_the_locale),
		cmocka_unit_test(test_scatter_flags_and_labels),
		cmocka_unit_test(test_ce_plane_points_labels_zero_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
