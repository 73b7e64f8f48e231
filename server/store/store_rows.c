/* SPDX-License-Identifier: MIT
 * Rows in PostgreSQL's COPY text format, built column by column so the
 * services never see the format. A row keeps its offset so store_ingest can
 * prefix each one with the submission (and, for staging, the record index).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void
store_row_begin(store_rows *r)
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

void
store_row_text(store_rows *r, const char *s)
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

void
store_row_int(store_rows *r, int64_t v)
{
	char b[24];
	int  n = snprintf(b, sizeof(b), "%" PRId64, v);
	sep(r);
	put(r, b, (size_t) n);
}

void
store_row_double(store_rows *r, double v)
{
	char b[40];
	int  n = snprintf(b, sizeof(b), "%.17g", v);
	sep(r);
	put(r, b, (size_t) n);
}

void
store_row_null(store_rows *r)
{
	sep(r);
	put(r, "\\N", 2);
}

void
store_row_bytea(store_rows *r, const unsigned char *b, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	sep(r);
	put(r, "\\\\x", 3); /* COPY text unescapes \\ to \, then bytea \x */
	for (size_t i = 0; i < n; i++) {
		char h[2] = { hex[b[i] >> 4], hex[b[i] & 15] };
		put(r, h, 2);
	}
}

void
store_row_smallints(store_rows *r, const int32_t *v, const bool *missing,
                    size_t n)
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

void
store_row_end(store_rows *r)
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
