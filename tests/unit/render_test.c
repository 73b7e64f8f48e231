/* SPDX-License-Identifier: MIT
 * Tests of the rendering module: the output is well-formed XML (checked by
 * a small checker here and by xmllint when it is installed), draws the
 * expected points and labels, names signals in words with the colour and
 * shape of their sense, spaces points by date with gaps shaded, labels
 * centre, limits and target with their values, carries a title and a
 * description, escapes caller text, and rejects bad input without writing
 * anything; the HTML page fetches nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "render.h"

/* ------------------------------------------------------------------ */
/* Capturing output and checking it. */

typedef struct capture {
	FILE  *f;
	char  *buf;
	size_t len;
} capture;

static void
cap_open(capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f   = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
}

static void
cap_close(capture *c)
{
	assert_int_equal(fclose(c->f), 0);
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p;
	     p             = strstr(p + 1, needle)) {
		n++;
	}
	return n;
}

/* A small well-formedness checker: one root element, properly nested and
 * closed tags, quoted attributes without '<', only the five predefined
 * entities or numeric references, no stray '<' in text. Returns NULL or
 * what is wrong. */
static const char *
check_entity(const char **pp)
{
	static const char *const ok[]
	    = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
	const char *p = *pp;
	for (int i = 0; i < 5; i++) {
		size_t n = strlen(ok[i]);
		if (strncmp(p, ok[i], n) == 0) {
			*pp = p + n;
			return NULL;
		}
	}
	if (p[1] == '#') {
		const char *q = p + 2;
		if (*q == 'x') {
			q++;
		}
		if (!isxdigit((unsigned char) *q)) {
			return "bad numeric reference";
		}
		while (isxdigit((unsigned char) *q)) {
			q++;
		}
		if (*q != ';') {
			return "unterminated numeric reference";
		}
		*pp = q + 1;
		return NULL;
	}
	return "unknown entity";
}

static const char *
xml_check(const char *s)
{
	char        stack[64][32];
	int         depth = 0, roots = 0;
	const char *p = s;
	const char *err;
	while (*p) {
		if (*p == '&') {
			if ((err = check_entity(&p)) != NULL) {
				return err;
			}
			continue;
		}
		if (*p != '<') {
			p++;
			continue;
		}
		if (strncmp(p, "<?", 2) == 0) {
			p = strstr(p, "?>");
			if (p == NULL) {
				return "unterminated processing instruction";
			}
			p += 2;
			continue;
		}
		if (strncmp(p, "<!--", 4) == 0) {
			p = strstr(p, "-->");
			if (p == NULL) {
				return "unterminated comment";
			}
			p += 3;
			continue;
		}
		int closing = p[1] == '/';
		p += closing ? 2 : 1;
		char name[32];
		int  n = 0;
		while (isalnum((unsigned char) *p) || *p == '-' || *p == ':') {
			if (n < 31) {
				name[n++] = *p;
			}
			p++;
		}
		name[n] = '\0';
		if (n == 0) {
			return "'<' without a tag name";
		}
		if (closing) {
			while (*p == ' ') {
				p++;
			}
			if (*p != '>') {
				return "junk in closing tag";
			}
			p++;
			if (depth == 0
			    || strcmp(stack[depth - 1], name) != 0) {
				return "closing tag does not match";
			}
			depth--;
			continue;
		}
		/* attributes */
		for (;;) {
			while (*p == ' ' || *p == '\n' || *p == '\t') {
				p++;
			}
			if (*p == '>' || (p[0] == '/' && p[1] == '>')) {
				break;
			}
			if (!isalpha((unsigned char) *p)) {
				return "bad attribute name";
			}
			while (isalnum((unsigned char) *p) || *p == '-'
			       || *p == ':' || *p == '_') {
				p++;
			}
			if (*p++ != '=') {
				return "attribute without '='";
			}
			if (*p++ != '"') {
				return "attribute value not quoted";
			}
			while (*p != '"') {
				if (*p == '\0' || *p == '<') {
					return "bad attribute value";
				}
				if (*p == '&') {
					if ((err = check_entity(&p)) != NULL) {
						return err;
					}
				} else {
					p++;
				}
			}
			p++;
		}
		if (depth == 0) {
			roots++;
		}
		if (*p == '/') {
			p += 2;
			continue;
		}
		p++;
		if (depth == 64) {
			return "nested too deep";
		}
		snprintf(stack[depth++], sizeof stack[0], "%s", name);
	}
	if (depth != 0) {
		return "unclosed element";
	}
	if (roots != 1) {
		return "not exactly one root element";
	}
	return NULL;
}

/* Checks with the tiny checker, and with xmllint when it is installed. */
static void
assert_well_formed(const char *svg)
{
	const char *err = xml_check(svg);
	if (err != NULL) {
		fail_msg("not well-formed: %s", err);
	}
	assert_non_null(strstr(svg, "<?xml version=\"1.0\""));
	assert_non_null(strstr(svg, "viewBox=\"0 0 900 "));
	/* self-contained: nothing fetched from elsewhere */
	assert_null(strstr(svg, "href"));
	assert_null(strstr(svg, "@import"));
	assert_null(strstr(svg, "<script"));
	if (system("command -v xmllint >/dev/null 2>&1") == 0) {
		char path[] = "/tmp/td_svg_test_XXXXXX";
		int  fd     = mkstemp(path);
		assert_true(fd >= 0);
		FILE *f = fdopen(fd, "w");
		assert_non_null(f);
		fputs(svg, f);
		fclose(f);
		char cmd[128];
		snprintf(cmd, sizeof cmd, "xmllint --noout %s", path);
		int rc = system(cmd);
		unlink(path);
		assert_int_equal(rc, 0);
	}
}

/* ------------------------------------------------------------------ */
/* Fixtures. */

static const char *const months[] = {
	"2023-09", "2023-10", "2023-11", "2023-12", "2024-01", "2024-02",
	"2024-03", "2024-04", "2024-05", "2024-06", "2024-09", "2024-10",
};

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
test_target_line_is_drawn_and_labelled(void **state)
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
		cmocka_unit_test(test_dates_space_points_and_shade_the_summer),
		cmocka_unit_test(test_signals_named_and_coloured_by_direction),
		cmocka_unit_test(test_target_line_is_drawn_and_labelled),
		cmocka_unit_test(test_small_multiples_share_their_axes),
		cmocka_unit_test(test_icons_carry_a_letter_or_shape),
		cmocka_unit_test(test_html_page_fetches_nothing),
		cmocka_unit_test(test_funnel_limits_and_outliers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
