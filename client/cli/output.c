/* SPDX-License-Identifier: MIT
 * Table, CSV and JSON writers (JSON through jansson).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "output.h"

enum cell_type { CELL_STR, CELL_NUM, CELL_INT, CELL_BOOL, CELL_NULL };

typedef struct cell {
	enum cell_type type;
	char          *text; /* as shown in table/CSV */
	double         num;
	int64_t        i;
} cell;

struct out_table {
	char  *name;
	size_t ncols;
	char **cols;
	cell  *cells;
	size_t n_cells;
	size_t cap;
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
	for (size_t i = 0; i < t->n_cells; i++) {
		free(t->cells[i].text);
	}
	for (size_t i = 0; i < t->ncols && t->cols; i++) {
		free(t->cols[i]);
	}
	free(t->cols);
	free(t->cells);
	free(t->name);
	free(t);
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

void
out_str(out_table *t, const char *s)
{
	cell *c = push(t);
	c->type = CELL_STR;
	c->text = strdup(s ? s : "");
}

void
out_num(out_table *t, double v, int decimals)
{
	cell *c = push(t);
	char  buf[64];
	if (!isfinite(v)) {
		c->type = CELL_NULL;
		c->text = strdup("");
		return;
	}
	c->type = CELL_NUM;
	c->num  = v;
	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	c->text = strdup(buf);
}

void
out_int(out_table *t, int64_t v)
{
	cell *c = push(t);
	char  buf[32];
	c->type = CELL_INT;
	c->i    = v;
	snprintf(buf, sizeof(buf), "%lld", (long long) v);
	c->text = strdup(buf);
}

void
out_bool(out_table *t, bool v)
{
	cell *c = push(t);
	c->type = CELL_BOOL;
	c->i    = v;
	c->text = strdup(v ? "yes" : "no");
}

void
out_null(out_table *t, const char *shown)
{
	cell *c = push(t);
	c->type = CELL_NULL;
	c->text = strdup(shown ? shown : "");
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
		size_t l = strlen(t->cells[i].text);
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
	for (size_t i = 0; i < t->n_cells; i++) {
		size_t      j     = i % t->ncols;
		const cell *c     = &t->cells[i];
		bool        right = c->type == CELL_NUM || c->type == CELL_INT;
		if (j + 1 == t->ncols && !right) {
			fprintf(f, "%s%s\n", j ? "  " : "", c->text);
		} else {
			fprintf(f, "%s%*s%s", j ? "  " : "",
			        right ? (int) w[j] : -(int) w[j], c->text,
			        j + 1 == t->ncols ? "\n" : "");
		}
	}
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
