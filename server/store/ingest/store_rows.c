/* SPDX-License-Identifier: MIT
 * Rows in PostgreSQL's COPY text format, one typed record at a time, so
 * the services never see the format nor the columns. A row keeps its offset so
 * store_ingest can prefix each one with the submission (and, for staging, the
 * record index).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_ingest.h"
#include "store_internal.h"

struct store_rows {
	char   *buf;
	size_t  len, cap;
	size_t *starts; /* offset of each row */
	size_t  n, cap_rows;
	bool    first_col;
	bool    failed;
};

int
store_rows_create(store_rows **out)
{
	store_rows *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		return TD_ENOMEM;
	}
	*out = r;
	return TD_OK;
}

void
store_rows_destroy(store_rows *r)
{
	if (r == NULL) {
		return;
	}
	free(r->buf);
	free(r->starts);
	free(r);
}

static void
put(store_rows *r, const char *s, size_t n)
{
	if (r->failed) {
		return;
	}
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		while (r->len + n + 1 > cap) {
			cap *= 2;
		}
		char *b = realloc(r->buf, cap);
		if (b == NULL) {
			r->failed = true;
			return;
		}
		r->buf = b;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, s, n);
	r->len += n;
}

static void
sep(store_rows *r)
{
	if (!r->first_col) {
		put(r, "\t", 1);
	}
	r->first_col = false;
}

static void
row_begin(store_rows *r)
{
	if (r->n == r->cap_rows) {
		size_t  cap = r->cap_rows ? r->cap_rows * 2 : 256;
		size_t *s   = realloc(r->starts, cap * sizeof(*s));
		if (s == NULL) {
			r->failed = true;
			return;
		}
		r->starts   = s;
		r->cap_rows = cap;
	}
	r->starts[r->n++] = r->len;
	r->first_col      = true;
}

static void
row_text(store_rows *r, const char *s)
{
	sep(r);
	const char *run = s;
	for (; *s; s++) {
		const char *esc = NULL;
		switch (*s) {
		case '\\':
			esc = "\\\\";
			break;
		case '\t':
			esc = "\\t";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		default:
			continue;
		}
		put(r, run, (size_t) (s - run));
		put(r, esc, 2);
		run = s + 1;
	}
	put(r, run, (size_t) (s - run));
}

/* row_int writes v in decimal without snprintf: a batch of 20,000
 * outcomes writes 60,000 of them. */
static void
row_int(store_rows *r, int64_t v)
{
	char     b[24];
	size_t   k = sizeof(b);
	uint64_t u = v < 0 ? -(uint64_t) v : (uint64_t) v;
	do {
		b[--k] = (char) ('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0) {
		b[--k] = '-';
	}
	sep(r);
	put(r, b + k, sizeof(b) - k);
}

/* short_decimal writes v as digits with at most 6 after the point when
 * that reads back as exactly v (most measured values: 503.4, 0.92);
 * returns the length, 0 when v needs "%.17g". Printing "%.17g" was the
 * largest part of tandemd's own time in an outcome load (perf: vfprintf
 * and __printf_fp), and its 17 digits cost PostgreSQL more to parse. */
static int
short_decimal(double v, char b[40])
{
	static const double scale[] = { 1, 10, 1e2, 1e3, 1e4, 1e5, 1e6 };
	if (!isfinite(v) || fabs(v) >= 1e9 || (v == 0 && signbit(v))) {
		return 0;
	}
	for (int d = 0; d < 7; d++) {
		double x = fabs(v) * scale[d];
		if (x != floor(x)) {
			continue;
		}
		char     t[24];
		size_t   k = sizeof(t), n = 0;
		uint64_t u = (uint64_t) x;
		for (int i = 0; i < d || u != 0 || i == d; i++) {
			if (i == d && d > 0) {
				t[--k] = '.';
			}
			t[--k] = (char) ('0' + u % 10);
			u /= 10;
			if (i >= d && u == 0) {
				break;
			}
		}
		if (v < 0) {
			b[n++] = '-';
		}
		memcpy(b + n, t + k, sizeof(t) - k);
		n += sizeof(t) - k;
		b[n] = '\0';
		return strtod(b, NULL) == v ? (int) n : 0;
	}
	return 0;
}

static void
row_double(store_rows *r, double v)
{
	char b[40];
	int  n = short_decimal(v, b);
	if (n == 0) {
		n = snprintf(b, sizeof(b), "%.17g", v);
	}
	sep(r);
	put(r, b, (size_t) n);
}

static void
row_null(store_rows *r)
{
	sep(r);
	put(r, "\\N", 2);
}

/* row_id: a reference that may be absent (id 0 = NULL). */
static void
row_id(store_rows *r, int64_t id)
{
	if (id == 0) {
		row_null(r);
	} else {
		row_int(r, id);
	}
}

/* row_double_or_null: an optional number (has false = NULL). */
static void
row_double_or_null(store_rows *r, bool has, double v)
{
	if (has) {
		row_double(r, v);
	} else {
		row_null(r);
	}
}

static void
row_bytea(store_rows *r, const unsigned char *b, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	sep(r);
	put(r, "\\\\x", 3); /* COPY text unescapes \\ to \, then bytea \x */
	for (size_t i = 0; i < n; i++) {
		char h[2] = { hex[b[i] >> 4], hex[b[i] & 15] };
		put(r, h, 2);
	}
}

static void
row_smallints(store_rows *r, const int32_t *v, const bool *missing, size_t n)
{
	char b[16];
	sep(r);
	put(r, "{", 1);
	for (size_t i = 0; i < n; i++) {
		int k;
		if (missing != NULL && missing[i]) {
			k = snprintf(b, sizeof(b), "%sNULL", i ? "," : "");
		} else {
			k = snprintf(b, sizeof(b), "%s%d", i ? "," : "",
			             (int) v[i]);
		}
		put(r, b, (size_t) k);
	}
	put(r, "}", 1);
}

static void
row_end(store_rows *r)
{
	put(r, "\n", 1);
}

size_t
store_rows_count(const store_rows *r)
{
	return r->n;
}

bool
store_rows_failed(const store_rows *r)
{
	return r->failed;
}

/* Internal: row i's bytes (with its '\n'). */
const char *
store_rows_row(const store_rows *r, size_t i, size_t *len)
{
	size_t end = i + 1 < r->n ? r->starts[i + 1] : r->len;
	*len       = end - r->starts[i];
	return r->buf + r->starts[i];
}

/* ---- one adder per record kind: the column order of store_ingest.c's
 * table for that kind ---- */

void
store_rows_add_survey(store_rows *r, const store_survey_rec *rec)
{
	row_begin(r);
	row_int(r, rec->survey_id);
	row_int(r, rec->school_id);
	row_bytea(r, rec->respondent, STORE_PSEUDONYM_LEN);
	row_text(r, rec->administered_on);
	row_text(r, rec->grade);
	row_smallints(r, rec->values, rec->missing, rec->n_values);
	row_end(r);
}

void
store_rows_add_outcome(store_rows *r, const store_outcome_rec *rec)
{
	row_begin(r);
	row_int(r, rec->measure_id);
	row_int(r, rec->school_id);
	row_text(r, rec->subgroup);
	row_text(r, rec->period_start);
	row_text(r, rec->period_end);
	row_double(r, rec->value);
	row_int(r, rec->n);
	row_double_or_null(r, rec->has_sd, rec->sd);
	row_end(r);
}

void
store_rows_add_cost(store_rows *r, const store_cost_rec *rec)
{
	row_begin(r);
	row_int(r, rec->activity_id);
	row_int(r, rec->year);
	row_text(r, rec->ingredient);
	row_text(r, rec->category);
	row_double(r, rec->quantity);
	row_double(r, rec->unit_cost);
	row_end(r);
}

void
store_rows_add_participation(store_rows *r, const store_participation_rec *rec)
{
	row_begin(r);
	row_int(r, rec->activity_id);
	row_int(r, rec->school_id);
	row_id(r, rec->educator_id);
	row_text(r, rec->period_start);
	row_text(r, rec->period_end);
	row_double(r, rec->hours);
	row_end(r);
}

void
store_rows_add_administration(store_rows                     *r,
                              const store_administration_rec *rec)
{
	row_begin(r);
	row_text(r, rec->survey);
	row_int(r, rec->school_id);
	row_text(r, rec->administered_on);
	row_int(r, rec->invited);
	row_end(r);
}

void
store_rows_add_observation(store_rows *r, const store_observation_rec *rec)
{
	row_begin(r);
	row_text(r, rec->observation);
	row_int(r, rec->observer_id);
	row_int(r, rec->observed_id);
	row_int(r, rec->rubric_id);
	row_int(r, rec->school_id);
	row_text(r, rec->observed_on);
	row_smallints(r, rec->scores, rec->missing, rec->n_scores);
	row_text(r, rec->notes);
	row_end(r);
}

void
store_rows_add_annotation(store_rows *r, const store_annotation_rec *rec)
{
	row_begin(r);
	row_int(r, rec->observation_id);
	row_int(r, rec->t_seconds);
	row_text(r, rec->criterion);
	row_text(r, rec->note);
	row_end(r);
}

void
store_rows_add_pdsa(store_rows *r, const store_pdsa_rec *rec)
{
	row_begin(r);
	row_text(r, rec->cycle);
	row_id(r, rec->school_id);
	row_int(r, rec->measure_id);
	row_id(r, rec->activity_id);
	row_text(r, rec->change_idea);
	row_text(r, rec->prediction);
	row_double_or_null(r, rec->has_predicted_value, rec->predicted_value);
	row_text(r, rec->start_on);
	if (rec->end_on == NULL) {
		row_null(r);
	} else {
		row_text(r, rec->end_on);
	}
	row_text(r, rec->status);
	row_text(r, rec->result);
	row_end(r);
}
