/* SPDX-License-Identifier: MIT
 * Table, CSV and JSON writers (JSON through jansson).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "output.h"

enum cell_type { CELL_STR, CELL_NUM, CELL_INT, CELL_BOOL, CELL_NULL };

typedef struct cell {
	enum cell_type type;
	const char    *text; /* as shown in table/CSV; in the table's strs */
	size_t         len; /* strlen(text) */
	double         num;
	int64_t        i;
} cell;

/* The cells' texts, in chunks freed with the table: one allocation per
 * 64 KiB, not one per cell (a 10,000-school table has 130,000 cells). */
typedef struct strs {
	struct strs *next;
	size_t       used, cap;
	char         data[];
} strs;
#define STRS_CHUNK (64 * 1024)

struct out_table {
	char  *name;
	size_t ncols;
	char **cols;
	cell  *cells;
	size_t n_cells;
	size_t cap;
	strs  *strs;
};

out_table *
out_table_create(const char *name, size_t ncols, const char *const *cols)
{
	out_table *t = calloc(1, sizeof(*t));
	if (t == NULL) {
		return NULL;
	}
	t->name  = strdup(name);
	t->ncols = ncols;
	t->cols  = calloc(ncols, sizeof(char *));
	for (size_t i = 0; i < ncols && t->cols; i++) {
		t->cols[i] = strdup(cols[i]);
	}
	return t;
}

void
out_table_destroy(out_table *t)
{
	if (t == NULL) {
		return;
	}
	while (t->strs != NULL) {
		strs *next = t->strs->next;
		free(t->strs);
		t->strs = next;
	}
	for (size_t i = 0; i < t->ncols && t->cols; i++) {
		free(t->cols[i]);
	}
	free(t->cols);
	free(t->cells);
	free(t->name);
	free(t);
}

void
out_table_reserve(out_table *t, size_t rows)
{
	size_t want = t != NULL ? rows * t->ncols : 0;
	if (t != NULL && rows > 0 && want / rows == t->ncols
	    && want > t->cap) {
		cell *c = realloc(t->cells, want * sizeof(*c));
		if (c != NULL) { /* else push grows it as it goes */
			t->cells = c;
			t->cap   = want;
		}
	}
}

static cell *
push(out_table *t)
{
	if (t->n_cells == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		cell  *c   = realloc(t->cells, cap * sizeof(*c));
		if (c == NULL) {
			fprintf(stderr, "tandem: out of memory\n");
			exit(1);
		}
		t->cells = c;
		t->cap   = cap;
	}
	cell *c = &t->cells[t->n_cells++];
	memset(c, 0, sizeof(*c));
	return c;
}

/* set_text copies len bytes of s into the table's strings as c's text. */
static void
set_text(out_table *t, cell *c, const char *s, size_t len)
{
	strs *k = t->strs;
	if (k == NULL || k->cap - k->used < len + 1) {
		size_t cap = len + 1 > STRS_CHUNK ? len + 1 : STRS_CHUNK;
		k          = malloc(sizeof(*k) + cap);
		if (k == NULL) {
			fprintf(stderr, "tandem: out of memory\n");
			exit(1);
		}
		k->next = t->strs;
		k->used = 0;
		k->cap  = cap;
		t->strs = k;
	}
	char *p = k->data + k->used;
	memcpy(p, s, len);
	p[len] = '\0';
	k->used += len + 1;
	c->text = p;
	c->len  = len;
}

void
out_str(out_table *t, const char *s)
{
	cell *c = push(t);
	c->type = CELL_STR;
	s       = s ? s : "";
	set_text(t, c, s, strlen(s));
}

/* fixed writes v with d decimals exactly as printf's "%.*f" does when
 * that is certain without printf's exact multi-precision arithmetic (most
 * of a 10,000-row table's time went there): s = |v|·10^d is rounded once,
 * so the exact product lies within ulp(s) of it, and unless s is that
 * close to a tie both round to the same integer. Returns the length, or
 * 0 to leave the value to snprintf. */
static size_t
fixed(char *buf, double v, int d)
{
	static const double p10[]
	    = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9 };
	static const uint64_t u10[]
	    = { 1,      10,      100,      1000,      10000,
		100000, 1000000, 10000000, 100000000, 1000000000 };
	if (d < 0 || d > 9) {
		return 0;
	}
	double s = fabs(v) * p10[d];
	if (!(s < 0x1p52)) {
		return 0;
	}
	double r = floor(s), f = s - r; /* both exact below 2^52 */
	if (fabs(f - 0.5) <= s * 0x1p-52) {
		return 0;
	}
	uint64_t q = (uint64_t) r + (f > 0.5), ip = q / u10[d];
	char     digits[24];
	size_t   n = 0, k = 0;
	do {
		digits[n++] = (char) ('0' + ip % 10);
		ip /= 10;
	} while (ip > 0);
	if (signbit(v)) {
		buf[k++] = '-';
	}
	while (n > 0) {
		buf[k++] = digits[--n];
	}
	if (d > 0) {
		uint64_t frac = q % u10[d];
		buf[k++]      = '.';
		for (int i = d - 1; i >= 0; i--) {
			buf[k + (size_t) i] = (char) ('0' + frac % 10);
			frac /= 10;
		}
		k += (size_t) d;
	}
	buf[k] = '\0';
	return k;
}

size_t
out_fixed(char *buf, size_t cap, double v, int decimals)
{
	char   tmp[40];
	size_t n = isfinite(v) ? fixed(tmp, v, decimals) : 0;
	if (n > 0) {
		size_t k = n < cap ? n : (cap > 0 ? cap - 1 : 0);
		if (cap > 0) {
			memcpy(buf, tmp, k);
			buf[k] = '\0';
		}
		return n;
	}
	int len = snprintf(buf, cap, "%.*f", decimals, v);
	return len > 0 ? (size_t) len : 0;
}

void
out_num(out_table *t, double v, int decimals)
{
	cell *c = push(t);
	char  buf[64];
	if (!isfinite(v)) {
		c->type = CELL_NULL;
		set_text(t, c, "", 0);
		return;
	}
	c->type  = CELL_NUM;
	c->num   = v;
	size_t n = out_fixed(buf, sizeof(buf), v, decimals);
	set_text(t, c, buf, n < sizeof(buf) ? n : sizeof(buf) - 1);
}

void
out_int(out_table *t, int64_t v)
{
	cell    *c = push(t);
	char     buf[24];
	size_t   k = sizeof(buf);
	uint64_t m = v < 0 ? -(uint64_t) v : (uint64_t) v;
	c->type    = CELL_INT;
	c->i       = v;
	do { /* as "%lld" */
		buf[--k] = (char) ('0' + m % 10);
		m /= 10;
	} while (m > 0);
	if (v < 0) {
		buf[--k] = '-';
	}
	set_text(t, c, buf + k, sizeof(buf) - k);
}

void
out_bool(out_table *t, bool v)
{
	cell *c = push(t);
	c->type = CELL_BOOL;
	c->i    = v;
	set_text(t, c, v ? "yes" : "no", v ? 3 : 2);
}

void
out_null(out_table *t, const char *shown)
{
	cell *c = push(t);
	c->type = CELL_NULL;
	shown   = shown ? shown : "";
	set_text(t, c, shown, strlen(shown));
}

static void
print_text(FILE *f, const out_table *t)
{
	size_t *w = calloc(t->ncols, sizeof(size_t));
	if (w == NULL) {
		return;
	}
	for (size_t j = 0; j < t->ncols; j++) {
		w[j] = strlen(t->cols[j]);
	}
	for (size_t i = 0; i < t->n_cells; i++) {
		size_t l = t->cells[i].len;
		if (l > w[i % t->ncols]) {
			w[i % t->ncols] = l;
		}
	}
	for (size_t j = 0; j < t->ncols; j++) {
		fprintf(f, "%s%-*s", j ? "  " : "",
		        j + 1 < t->ncols ? (int) w[j] : 0, t->cols[j]);
	}
	fputc('\n', f);
	for (size_t j = 0; j < t->ncols; j++) {
		fprintf(f, "%s", j ? "  " : "");
		for (size_t k = 0; k < w[j]; k++) {
			fputc('-', f);
		}
	}
	fputc('\n', f);
	/* Each row is laid out in memory and written once: an fprintf per
	 * cell (130,000 for 10,000 schools) was most of the CLI's time. */
	size_t cap = 2;
	for (size_t j = 0; j < t->ncols; j++) {
		cap += w[j] + 2;
	}
	char  *line = malloc(cap);
	size_t k    = 0;
	for (size_t i = 0; line && i < t->n_cells; i++) {
		size_t      j     = i % t->ncols;
		const cell *c     = &t->cells[i];
		bool        right = c->type == CELL_NUM || c->type == CELL_INT;
		bool        last  = j + 1 == t->ncols;
		size_t      l     = c->len; /* <= w[j] */
		size_t      gap = l < w[j] && !(last && !right) ? w[j] - l : 0;
		if (j) {
			line[k++] = ' ';
			line[k++] = ' ';
		}
		if (right) {
			memset(line + k, ' ', gap);
			k += gap;
		}
		memcpy(line + k, c->text, l);
		k += l;
		if (!right) {
			memset(line + k, ' ', gap);
			k += gap;
		}
		if (last) {
			line[k++] = '\n';
			fwrite(line, 1, k, f);
			k = 0;
		}
	}
	if (line && k > 0) {
		fwrite(line, 1, k, f); /* a row left short */
	}
	free(line);
	free(w);
}

/* out_csv_field writes one RFC 4180 field. A text cell that a spreadsheet
 * would run as a formula (OWASP "CSV injection": a leading =, +, -, @, tab
 * or carriage return) is written with a leading ' so that it stays text;
 * numbers are left alone. */
void
out_csv_field(FILE *f, const char *s, bool text)
{
	bool formula
	    = text && s[0] != '\0' && strchr(OUT_CSV_FORMULA_LEADS, s[0]);
	if (!formula && strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	if (formula) {
		fputc('\'', f);
	}
	for (; *s; s++) {
		if (*s == '"') {
			fputc('"', f);
		}
		fputc(*s, f);
	}
	fputc('"', f);
}

static void
print_csv(FILE *f, const out_table *t)
{
	for (size_t j = 0; j < t->ncols; j++) {
		if (j) {
			fputc(',', f);
		}
		out_csv_field(f, t->cols[j], true);
	}
	fputc('\n', f);
	for (size_t i = 0; i < t->n_cells; i++) {
		size_t      j = i % t->ncols;
		const cell *c = &t->cells[i];
		if (j) {
			fputc(',', f);
		}
		/* CSV carries the value, not the display word, for nulls. */
		out_csv_field(f, c->type == CELL_NULL ? "" : c->text,
		              c->type == CELL_STR);
		if (j + 1 == t->ncols) {
			fputc('\n', f);
		}
	}
}

static json_t *
to_json(const out_table *t)
{
	json_t *arr = json_array();
	json_t *row = NULL;
	for (size_t i = 0; i < t->n_cells; i++) {
		size_t      j = i % t->ncols;
		const cell *c = &t->cells[i];
		json_t     *v;
		if (j == 0) {
			row = json_object();
			json_array_append_new(arr, row);
		}
		switch (c->type) {
		case CELL_NUM:
			v = json_real(c->num);
			break;
		case CELL_INT:
			v = json_integer(c->i);
			break;
		case CELL_BOOL:
			v = json_boolean(c->i);
			break;
		case CELL_NULL:
			v = json_null();
			break;
		default:
			v = json_string(c->text);
			break;
		}
		json_object_set_new(row, t->cols[j], v);
	}
	return arr;
}

void
out_print(FILE *f, enum out_format fmt, out_table *const *tables, size_t n)
{
	if (fmt == OUT_JSON) {
		json_t *root = n == 1 ? to_json(tables[0]) : json_object();
		for (size_t i = 0; n != 1 && i < n; i++) {
			json_object_set_new(root, tables[i]->name,
			                    to_json(tables[i]));
		}
		json_dumpf(root, f,
		           JSON_INDENT(2) | JSON_PRESERVE_ORDER
		               | JSON_REAL_PRECISION(12));
		fputc('\n', f);
		json_decref(root);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (n > 1) {
			fprintf(f, "%s%s\n", i ? "\n" : "", tables[i]->name);
		}
		if (fmt == OUT_CSV) {
			print_csv(f, tables[i]);
		} else {
			print_text(f, tables[i]);
		}
	}
}

void
out_print_one(FILE *f, enum out_format fmt, out_table *t)
{
	out_print(f, fmt, &t, 1);
}
