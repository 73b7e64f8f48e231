/* SPDX-License-Identifier: MIT
 * tandem analyze: the calls and output helpers every analysis shares, so
 * that suppressed values, p-values, intervals, percentages and SVG files
 * are handled the same way by every subcommand.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_analyze.h"

/* Analyses only read, so a call is safe to repeat; a few tries ride out a
 * restarting server without repeating a slow analysis for minutes. */
#define ANALYZE_RETRIES 3

/* The output format of this run, for cells that print differently. */
static enum out_format format;

void
analyze_output_init(enum out_format fmt)
{
	format = fmt;
}

int
analyze_call(cli *c, const analyze_opts *o, const td_method *method,
             const ProtobufCMessage *req, ProtobufCMessage **resp)
{
	char      what[64];
	td_status st = { 0 };
	snprintf(what, sizeof(what), "analyze %s", o->sub);
	*resp = NULL;
	if (cli_call(c, what, method, req, resp, &st, ANALYZE_RETRIES)
	    != TD_CODE_OK) {
		int rv = cli_fail_status(what, &st);
		if (st.code == TD_CODE_DEADLINE_EXCEEDED) {
			fprintf(stderr,
			        "tandem: a longer --timeout gives the "
			        "server more time\n");
		}
		td_status_reset(&st);
		return rv;
	}
	td_status_reset(&st);
	return 0;
}

void
analyze_print(cli *c, const char *line, out_table *about, out_table **tables,
              size_t n)
{
	out_table *all[8];
	size_t     k = 0;
	if (c->format == OUT_TABLE) {
		if (line != NULL) {
			printf("%s\n\n", line);
		}
	} else if (about != NULL) {
		all[k++] = about;
	}
	for (size_t i = 0; i < n && k < sizeof(all) / sizeof(all[0]); i++) {
		all[k++] = tables[i];
	}
	out_print(stdout, c->format, all, k);
	/* What follows (SVG notes) goes to stderr: keep the order on a
	 * terminal. */
	fflush(stdout);
	out_table_destroy(about);
	for (size_t i = 0; i < n; i++) {
		out_table_destroy(tables[i]);
	}
}

void
analyze_na(out_table *t, bool suppressed)
{
	out_null(t, suppressed ? "suppressed" : "-");
}

void
analyze_num(out_table *t, bool suppressed, double v, int decimals)
{
	if (suppressed || !isfinite(v)) {
		analyze_na(t, suppressed);
		return;
	}
	/* A value that rounds to zero prints 0.00, not -0.00; JSON keeps
	 * the exact number. The bounds are computed once, as before. */
	static double half[10];
	static bool   have_half;
	if (!have_half) {
		for (int i = 0; i < 10; i++) {
			half[i] = 0.5 * pow(10, -i);
		}
		have_half = true;
	}
	double h = decimals >= 0 && decimals < 10 ? half[decimals]
	                                          : 0.5 * pow(10, -decimals);
	if (format != OUT_JSON && fabs(v) < h) {
		v = 0;
	}
	out_num(t, v, decimals);
}

void
analyze_n(out_table *t, bool suppressed, int64_t n)
{
	if (suppressed && n == 0) {
		analyze_na(t, true);
	} else {
		out_int(t, n);
	}
}

void
analyze_p(const cli *c, out_table *t, bool suppressed, double p)
{
	if (suppressed || !isfinite(p) || p < 0 || p > 1) {
		analyze_na(t, suppressed);
	} else if (p < 0.0001 && c->format != OUT_JSON) {
		out_str(t, "<0.0001");
	} else {
		out_num(t, p, 4);
	}
}

void
analyze_pct(out_table *t, bool suppressed, double v)
{
	analyze_num(t, suppressed, v, 1);
}

void
analyze_ci_cols(const cli *c, const char **cols, size_t *k, const char *name,
                const char *table_name)
{
	/* The names must outlive the table's creation only; static storage
	 * for the _low/_high forms keeps callers simple. */
	static char buf[16][40];
	static int  next;
	if (c->format == OUT_TABLE) {
		cols[(*k)++] = table_name;
		return;
	}
	cols[(*k)++] = name;
	for (int i = 0; i < 2; i++) {
		char *b = buf[next++ % 16];
		snprintf(b, sizeof(buf[0]), "%s_%s", name, i ? "high" : "low");
		cols[(*k)++] = b;
	}
}

void
analyze_ci(const cli *c, out_table *t, bool suppressed, double est, double lo,
           double hi, int decimals)
{
	if (c->format != OUT_TABLE) {
		analyze_num(t, suppressed, est, decimals);
		analyze_num(t, suppressed, lo, decimals);
		analyze_num(t, suppressed, hi, decimals);
		return;
	}
	if (suppressed || !isfinite(est)) {
		analyze_na(t, suppressed);
		return;
	}
	char buf[96];
	if (isfinite(lo) && isfinite(hi)) {
		snprintf(buf, sizeof(buf), "%.*f [%.*f, %.*f]", decimals, est,
		         decimals, lo, decimals, hi);
	} else {
		snprintf(buf, sizeof(buf), "%.*f [-]", decimals, est);
	}
	out_str(t, buf);
}

int
analyze_decimals(double max_abs)
{
	return max_abs < 10 ? 3 : 2;
}

int
analyze_svg_path(const analyze_opts *o, const char *unit, bool several,
                 char *buf, size_t size)
{
	const char *file = o->svg;
	if (!several) {
		if (strlen(file) >= size) {
			fprintf(stderr,
			        "tandem: analyze %s: --svg name is too "
			        "long\n",
			        o->sub);
			return 1;
		}
		strcpy(buf, file);
		return 0;
	}
	const char *slash = strrchr(file, '/');
	const char *dot   = strrchr(slash ? slash + 1 : file, '.');
	size_t      stem  = dot ? (size_t) (dot - file) : strlen(file);
	char        safe[128];
	size_t      k = 0;
	/* A unit code becomes part of a file name: keep it one name. */
	for (const char *p = unit; *p && k + 1 < sizeof(safe); p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
		    || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'
		    || *p == '.';
		safe[k++] = ok ? *p : '_';
	}
	safe[k] = '\0';
	int len = snprintf(buf, size, "%.*s-%s%s", (int) stem, file, safe,
	                   dot ? dot : "");
	if (len < 0 || (size_t) len >= size) {
		fprintf(stderr, "tandem: analyze %s: --svg name is too long\n",
		        o->sub);
		return 1;
	}
	return 0;
}

FILE *
analyze_svg_open(const analyze_opts *o, const char *path)
{
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		fprintf(stderr, "tandem: analyze %s: cannot write %s: %s\n",
		        o->sub, path, strerror(errno));
	}
	return f;
}

int
analyze_svg_close(const analyze_opts *o, const char *path, FILE *f, int rv)
{
	int err = errno;
	if (fclose(f) != 0 && rv == 0) {
		rv  = TD_EIO;
		err = errno;
	}
	if (rv == 0) {
		return 0;
	}
	fprintf(stderr, "tandem: analyze %s: %s: %s\n", o->sub, path,
	        rv == TD_EIO          ? strerror(err)
	            : rv == TD_ENOMEM ? "out of memory"
	                              : "the chart cannot be drawn from these "
	                                "values");
	remove(path);
	return 1;
}

const char *
analyze_grain_name(int grain)
{
	switch (grain) {
	case TANDEM__V1__GRAIN__WEEK:
		return "week";
	case TANDEM__V1__GRAIN__TERM:
		return "term";
	case TANDEM__V1__GRAIN__ACADEMIC_YEAR:
		return "year";
	default:
		return "month";
	}
}

const char *
analyze_rules_name(int rules)
{
	switch (rules) {
	case TANDEM__V1__RULE_SET__IHI:
		return "ihi";
	case TANDEM__V1__RULE_SET__NHS:
		return "nhs";
	default:
		return "anhoj";
	}
}
