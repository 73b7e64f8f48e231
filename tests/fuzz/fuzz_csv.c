/* SPDX-License-Identifier: MIT
 * libFuzzer target: the CLI's CSV reader. Arbitrary bytes go through
 * csvread_parse; a table that parses is bound to the column sets the CLI's
 * commands use and every cell is read with every csvread_get_* reader,
 * checking what csvread.h promises along the way.
 */
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvread.h"
#include "tandem/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SPEC 8

/* The columns of the files the CLI reads (README, `define`, `import
 * oneroster` and `submit`); the first ones of each are required there. */
typedef struct spec {
	const char *cols[MAX_SPEC];
	size_t      required;
} spec;

static const spec specs[] = {
	{ { "district", "name" }, 1 },
	{ { "district", "school", "name", "frl_rate", "enrollment", "locale",
	    "grades" },
	  3 },
	{ { "educator", "school", "name", "role" }, 2 },
	{ { "item", "construct", "min", "max", "reverse_coded",
	    "favourable_at_least", "text" },
	  4 },
	{ { "criterion", "min", "max", "text" }, 3 },
	{ { "measure", "name", "unit", "direction" }, 1 },
	{ { "activity", "kind", "name", "district" }, 2 },
	{ { "year", "index" }, 2 },
	{ { "school", "respondent", "administered_on", "grade" }, 3 },
	{ { "observation", "school", "observer", "observed", "rubric",
	    "observed_on", "notes" },
	  6 },
	{ { "observation", "t_seconds", "criterion", "note" }, 2 },
	{ { "school", "measure", "period_start", "period_end", "value", "n",
	    "subgroup" },
	  5 },
	{ { "activity", "year", "ingredient", "category", "quantity",
	    "unit_cost" },
	  6 },
	{ { "activity", "school", "educator", "period_start", "period_end",
	    "hours" },
	  2 },
	{ { "survey", "school", "administered_on", "invited" }, 4 },
	{ { "propertyName", "value" }, 2 },
	{ { "sourcedId", "status", "name", "type", "identifier",
	    "parentSourcedId" },
	  4 },
	{ { "sourcedId", "status", "enabledUser", "orgSourcedIds", "role",
	    "givenName", "familyName", "identifier" },
	  5 },
};

static const struct {
	long long lo, hi;
} ranges[] = {
	{ LLONG_MIN, LLONG_MAX },
	{ 0, 1000 },
	{ -7, 7 },
};

static FILE *sink;

/* die reports a broken promise on stdout (bench/fuzz closes the targets'
 * stderr, see fuzz_envelope.c) and aborts, which libFuzzer records as a
 * crash with this input. */
static void die(const char *what, size_t rec, size_t col)
    __attribute__((noreturn));

static void
die(const char *what, size_t rec, size_t col)
{
	printf("fuzz_csv: %s (record %zu, column %zu)\n", what, rec, col);
	fflush(stdout);
	abort();
}

/* A message must be a terminated, non-empty string within the buffer. */
static void
check_errmsg(const char *errmsg, const char *what)
{
	size_t n = strnlen(errmsg, TD_ERRMSG_MAX);
	if (n == 0 || n == TD_ERRMSG_MAX) {
		die(what, 0, 0);
	}
}

/* Every reader on one cell; col < 0 is an absent optional column. */
static void
read_cell(csvread_errs *e, const csvread_table *t, size_t rec, int col)
{
	const char *cell  = col >= 0 ? csvread_cell(t, rec, (size_t) col) : "";
	bool        empty = cell[0] == '\0';
	for (int req = 0; req < 2; req++) {
		const char *s;
		long long   i;
		double      x;
		bool        b;
		size_t      before = e->n;
		if (csvread_get_str(e, t, rec, col, req, &s)
		        != (!empty || !req)
		    || s == NULL || (!empty && strcmp(s, cell) != 0)) {
			die("csvread_get_str", rec, (size_t) col);
		}
		if (empty && req && e->n != before + 1) {
			die("an empty required cell not reported", rec,
			    (size_t) col);
		}
		for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]);
		     r++) {
			i = 0;
			if (csvread_get_int(e, t, rec, col, req, ranges[r].lo,
			                    ranges[r].hi, 3, &i)
			    && !empty
			    && (i < ranges[r].lo || i > ranges[r].hi)) {
				die("csvread_get_int outside its range", rec,
				    (size_t) col);
			}
		}
		if (csvread_get_num(e, t, rec, col, req, 0.5, &x)
		    && !isfinite(x)) {
			die("csvread_get_num not finite", rec, (size_t) col);
		}
		(void) csvread_get_bool(e, t, rec, col, req, true, &b);
	}
}

static void
bind_and_read(const csvread_table *t, const spec *sp)
{
	csvread_col cols[MAX_SPEC];
	size_t      n = 0;
	char        errmsg[TD_ERRMSG_MAX];
	for (; n < MAX_SPEC && sp->cols[n] != NULL; n++) {
		cols[n].name     = sp->cols[n];
		cols[n].required = n < sp->required;
		cols[n].index    = -2;
	}
	memset(errmsg, 0, sizeof(errmsg));
	if (csvread_bind(t, cols, n, errmsg) != TD_OK) {
		check_errmsg(errmsg, "csvread_bind failed without a message");
		return;
	}
	for (size_t c = 0; c < n; c++) {
		if (cols[c].index < -1
		    || cols[c].index >= (int) csvread_ncols(t)
		    || (cols[c].index < 0 && cols[c].required)) {
			die("csvread_bind gave a bad index", 0, c);
		}
	}
	csvread_errs e = { 0, sink };
	for (size_t r = 0; r < csvread_nrecords(t); r++) {
		for (size_t c = 0; c < n; c++) {
			read_cell(&e, t, r, cols[c].index);
		}
	}
	for (size_t c = 0; c < csvread_ncols(t); c++) {
		(void) csvread_is_bound(cols, n, c);
	}
	if (csvread_errs_done(&e) != e.n) {
		die("csvread_errs_done miscounted", 0, 0);
	}
}

/* What csvread.h promises of a table that parsed. */
static void
check_table(const csvread_table *t)
{
	size_t ncols = csvread_ncols(t);
	size_t hlen, len;
	if (ncols == 0 || csvread_header_line(t) == 0) {
		die("a header with no columns or no line", 0, 0);
	}
	const char *head = csvread_header_raw(t, &hlen);
	const char *prev = head + hlen;
	size_t      line = csvread_header_line(t);
	for (size_t c = 0; c < ncols; c++) {
		const char *h = csvread_header(t, c);
		if (!td_utf8_valid(h, strlen(h))) {
			die("a header name is not UTF-8", 0, c);
		}
		/* duplicates are refused, so a name finds its own column */
		if (h[0] != '\0' && csvread_find(t, h) != (int) c) {
			die("csvread_find misses a header name", 0, c);
		}
	}
	for (size_t r = 0; r < csvread_nrecords(t); r++) {
		const char *raw = csvread_raw(t, r, &len);
		/* records are disjoint, in file order, after the header */
		if (len == 0 || raw < prev || csvread_line(t, r) <= line) {
			die("record bytes or lines out of order", r, 0);
		}
		prev = raw + len;
		line = csvread_line(t, r);
		for (size_t c = 0; c < ncols; c++) {
			const char *v = csvread_cell(t, r, c);
			if (v == NULL || !td_utf8_valid(v, strlen(v))) {
				die("a cell is NULL or not UTF-8", r, c);
			}
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	csvread_table *t = NULL;
	char           errmsg[TD_ERRMSG_MAX];
	if (sink == NULL && (sink = fopen("/dev/null", "w")) == NULL) {
		die("cannot open /dev/null", 0, 0);
	}
	memset(errmsg, 0, sizeof(errmsg));
	int rv = csvread_parse(&t, "fuzz.csv", data, size, errmsg);
	if (rv != TD_OK) {
		if (t != NULL || (rv != TD_EINVAL && rv != TD_ENOMEM)) {
			die("a failed parse left a table or an odd code", 0,
			    0);
		}
		check_errmsg(errmsg, "a failed parse without a message");
		return 0;
	}
	check_table(t);
	for (size_t s = 0; s < sizeof(specs) / sizeof(specs[0]); s++) {
		bind_and_read(t, &specs[s]);
	}
	/* every cell, every reader, whatever the column is called */
	csvread_errs e = { 0, sink };
	for (size_t r = 0; r < csvread_nrecords(t); r++) {
		for (size_t c = 0; c < csvread_ncols(t); c++) {
			read_cell(&e, t, r, (int) c);
			const char *v = csvread_cell(t, r, c);
			long long   i;
			double      x;
			bool        b;
			if (csvread_parse_int(v, -100, 100, &i) == TD_OK
			    && (i < -100 || i > 100)) {
				die("csvread_parse_int outside its range", r,
				    c);
			}
			if (csvread_parse_num(v, &x) == TD_OK
			    && !isfinite(x)) {
				die("csvread_parse_num not finite", r, c);
			}
			int rb = csvread_parse_bool(v, &b);
			if (rb != TD_OK && rb != TD_EINVAL) {
				die("csvread_parse_bool gave an odd code", r,
				    c);
			}
		}
	}
	(void) csvread_errs_done(&e);
	csvread_destroy(t);
	return 0;
}
