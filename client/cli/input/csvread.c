/* SPDX-License-Identifier: MIT
 * CSV reading on top of libcsv. libcsv reports fields and record ends but
 * not where they are in the file, so the input is fed one physical line at
 * a time: a record then always ends at the end of the line being fed,
 * which gives each record's first line and its raw bytes.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <csv.h>

#include "csvread.h"
#include "output.h"
#include "tandem/wire.h"

typedef struct span {
	size_t line;
	size_t off; /* raw bytes in data */
	size_t len;
} span;

struct csvread_table {
	char   *name;
	char   *data; /* the file, BOM removed */
	size_t  data_len;
	char   *arena; /* every field, NUL-terminated */
	size_t  arena_len;
	size_t  arena_cap;
	size_t  ncols;
	size_t *header; /* arena offsets of the header's names */
	span    head;
	span   *recs;
	size_t  nrecs;
	size_t  recs_cap;
	size_t *cells; /* nrecs * ncols arena offsets */
	size_t  cells_cap;
};

/* What the libcsv callbacks need while one file is parsed. */
typedef struct pstate {
	csvread_table *t;
	size_t        *fields; /* arena offsets of the current record */
	size_t         nf;
	size_t         capf;
	bool           have_header;
	size_t         line; /* line of the chunk being fed */
	size_t         rec_line; /* where the current record started */
	size_t         rec_off;
	size_t         chunk_end; /* raw end of the current record */
	bool           ended; /* a record ended in this chunk */
	bool           any_field; /* a field ended in this chunk */
	int            err;
	char          *errmsg;
} pstate;

static void fail(pstate *ps, int err, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
fail(pstate *ps, int err, size_t line, const char *fmt, ...)
{
	char    what[200];
	va_list ap;
	if (ps->err != 0) {
		return; /* keep the first problem */
	}
	ps->err = err;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (line > 0) {
		snprintf(ps->errmsg, TD_ERRMSG_MAX, "%s:%zu: %s", ps->t->name,
		         line, what);
	} else {
		snprintf(ps->errmsg, TD_ERRMSG_MAX, "%s: %s", ps->t->name,
		         what);
	}
}

static bool
grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap) {
		return true;
	}
	size_t n = *cap ? *cap : 64;
	while (n < need) {
		if (n > SIZE_MAX / 2 / size) {
			return false;
		}
		n *= 2;
	}
	void *q = realloc(*p, n * size);
	if (q == NULL) {
		return false;
	}
	*p   = q;
	*cap = n;
	return true;
}

static void
on_field(void *s, size_t len, void *data)
{
	pstate        *ps = data;
	csvread_table *t  = ps->t;
	ps->any_field     = true;
	if (ps->err != 0) {
		return;
	}
	/* A leading ' before a formula character marks text, as in a
	 * spreadsheet: the neutralised cell out_csv_field writes reads back
	 * as the value it was. */
	if (len >= 2 && ((const char *) s)[0] == '\''
	    && ((const char *) s)[1] != '\0'
	    && strchr(OUT_CSV_FORMULA_LEADS, ((const char *) s)[1]) != NULL) {
		s = (char *) s + 1;
		len--;
	}
	if (len > SIZE_MAX - t->arena_len - 1
	    || !grow((void **) &t->arena, &t->arena_cap,
	             t->arena_len + len + 1, 1)
	    || !grow((void **) &ps->fields, &ps->capf, ps->nf + 1,
	             sizeof(size_t))) {
		fail(ps, TD_ENOMEM, 0, "out of memory");
		return;
	}
	if (len > 0) {
		memcpy(t->arena + t->arena_len, s, len);
	}
	t->arena[t->arena_len + len] = '\0';
	ps->fields[ps->nf++]         = t->arena_len;
	t->arena_len += len + 1;
}

static bool
all_empty(const pstate *ps)
{
	for (size_t i = 0; i < ps->nf; i++) {
		if (ps->t->arena[ps->fields[i]] != '\0') {
			return false;
		}
	}
	return true;
}

static void
end_header(pstate *ps, const span *r)
{
	csvread_table *t = ps->t;
	t->head          = *r;
	t->ncols         = ps->nf;
	t->header        = malloc(ps->nf * sizeof(size_t));
	if (t->header == NULL) {
		fail(ps, TD_ENOMEM, 0, "out of memory");
		return;
	}
	memcpy(t->header, ps->fields, ps->nf * sizeof(size_t));
	ps->have_header = true;
	for (size_t i = 0; i < t->ncols; i++) {
		const char *a = t->arena + t->header[i];
		for (size_t j = 0; *a != '\0' && j < i; j++) {
			if (strcmp(a, t->arena + t->header[j]) == 0) {
				fail(ps, TD_EINVAL, r->line,
				     "column '%s' appears twice in the header "
				     "(columns %zu and %zu)",
				     a, j + 1, i + 1);
				return;
			}
		}
	}
}

static void
on_record(int c, void *data)
{
	pstate        *ps = data;
	csvread_table *t  = ps->t;
	span r = { ps->rec_line, ps->rec_off, ps->chunk_end - ps->rec_off };
	(void) c;
	ps->ended = true;
	if (ps->err != 0) {
		ps->nf = 0;
		return;
	}
	if (!td_utf8_valid(t->data + r.off, r.len)) {
		fail(ps, TD_EINVAL, r.line,
		     "not valid UTF-8 (save the file as \"CSV UTF-8\")");
	} else if (!ps->have_header) {
		end_header(ps, &r);
	} else if (all_empty(ps)) {
		/* a row of bare commas, as spreadsheets leave them */
	} else if (ps->nf != t->ncols) {
		fail(ps, TD_EINVAL, r.line,
		     "%zu fields, but the header has %zu columns", ps->nf,
		     t->ncols);
	} else if (!grow((void **) &t->recs, &t->recs_cap, t->nrecs + 1,
	                 sizeof(span))
	           || !grow((void **) &t->cells, &t->cells_cap,
	                    (t->nrecs + 1) * t->ncols, sizeof(size_t))) {
		fail(ps, TD_ENOMEM, 0, "out of memory");
	} else {
		memcpy(t->cells + t->nrecs * t->ncols, ps->fields,
		       t->ncols * sizeof(size_t));
		t->recs[t->nrecs++] = r;
	}
	ps->nf = 0;
}

/* chunk_len: bytes up to and including the next line end (CRLF, LF or a
 * lone CR), or to the end of the input. */
static size_t
chunk_len(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n') {
			return i + 1;
		}
		if (s[i] == '\r') {
			return i + 1 < len && s[i + 1] == '\n' ? i + 2 : i + 1;
		}
	}
	return len;
}

static bool
blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r'
		    && s[i] != '\n') {
			return false;
		}
	}
	return true;
}

static int
parse(csvread_table *t, char *errmsg)
{
	struct csv_parser p;
	pstate            ps   = { 0 };
	bool              open = false; /* a record is under way */
	size_t            pos  = 0;

	ps.t      = t;
	ps.errmsg = errmsg;
	if (memchr(t->data, '\0', t->data_len) != NULL) {
		fail(&ps, TD_EINVAL, 0,
		     "contains NUL bytes: not a text CSV file");
		return ps.err;
	}
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
		fail(&ps, TD_ENOMEM, 0, "out of memory");
		return ps.err;
	}
	while (pos < t->data_len && ps.err == 0) {
		size_t n = chunk_len(t->data + pos, t->data_len - pos);
		ps.line++;
		if (!open) {
			ps.rec_line = ps.line;
			ps.rec_off  = pos;
		}
		ps.chunk_end = pos + n;
		ps.ended     = false;
		ps.any_field = false;
		if (csv_parse(&p, t->data + pos, n, on_field, on_record, &ps)
		    != n) {
			if (csv_error(&p) == CSV_EPARSE) {
				fail(&ps, TD_EINVAL, ps.line,
				     "misplaced quote: a field with a "
				     "quote, comma or line break must be "
				     "quoted whole, with inner quotes "
				     "doubled");
			} else {
				fail(&ps, TD_ENOMEM, 0, "out of memory");
			}
			break;
		}
		/* A chunk holds at most one line end, so a record that ended
		 * here ended at its end; anything but blanks left one open. */
		if (ps.ended) {
			open = false;
		} else if (ps.any_field || !blank(t->data + pos, n)) {
			open = true;
		}
		pos += n;
	}
	if (ps.err == 0 && open) {
		ps.chunk_end = t->data_len;
		if (csv_fini(&p, on_field, on_record, &ps) != 0) {
			fail(&ps, TD_EINVAL, ps.rec_line,
			     "unbalanced quote: the quoted field of the "
			     "record starting here is never closed");
		}
	}
	csv_free(&p);
	free(ps.fields);
	if (ps.err == 0 && !ps.have_header) {
		fail(&ps, TD_EINVAL, 0,
		     "no header row: the file is empty, and the first row "
		     "must name the columns");
	}
	return ps.err;
}

int
csvread_parse(csvread_table **out, const char *name, const void *buf,
              size_t len, char *errmsg)
{
	csvread_table *t = calloc(1, sizeof(*t));
	const char    *s = buf;
	int            rv;

	*out = NULL;
	if (t == NULL) {
		snprintf(errmsg, TD_ERRMSG_MAX, "%s: out of memory", name);
		return TD_ENOMEM;
	}
	if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		s += 3;
		len -= 3;
	}
	t->name     = strdup(name);
	t->data     = malloc(len ? len : 1);
	t->data_len = len;
	if (t->name == NULL || t->data == NULL) {
		snprintf(errmsg, TD_ERRMSG_MAX, "%s: out of memory", name);
		csvread_destroy(t);
		return TD_ENOMEM;
	}
	if (len > 0) {
		memcpy(t->data, s, len);
	}
	if ((rv = parse(t, errmsg)) != TD_OK) {
		csvread_destroy(t);
		return rv;
	}
	*out = t;
	return TD_OK;
}

/* slurp reads all of f into a malloc'd buffer. */
static int
slurp(FILE *f, char **buf, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char  *b = malloc(cap);
	while (b != NULL) {
		if (n == cap) {
			char *nb
			    = cap < SIZE_MAX / 2 ? realloc(b, cap * 2) : NULL;
			if (nb == NULL) {
				free(b);
				return TD_ENOMEM;
			}
			b = nb;
			cap *= 2;
		}
		size_t got = fread(b + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				free(b);
				return TD_EIO;
			}
			*buf = b;
			*len = n;
			return TD_OK;
		}
	}
	return TD_ENOMEM;
}

int
csvread_file(csvread_table **out, const char *path, char *errmsg)
{
	bool   std = strcmp(path, "-") == 0;
	FILE  *f   = std ? stdin : fopen(path, "rb");
	char  *buf = NULL;
	size_t len = 0;
	int    rv;

	*out = NULL;
	if (f == NULL) {
		snprintf(errmsg, TD_ERRMSG_MAX, "%s: %s", path,
		         strerror(errno));
		return TD_EIO;
	}
	rv = slurp(f, &buf, &len);
	if (rv == TD_EIO) {
		snprintf(errmsg, TD_ERRMSG_MAX, "%s: %s", path,
		         strerror(errno));
	} else if (rv != TD_OK) {
		snprintf(errmsg, TD_ERRMSG_MAX, "%s: out of memory", path);
	}
	if (!std) {
		fclose(f);
	}
	if (rv == TD_OK) {
		rv = csvread_parse(out, std ? "<stdin>" : path, buf, len,
		                   errmsg);
	}
	free(buf);
	return rv;
}

void
csvread_destroy(csvread_table *t)
{
	if (t == NULL) {
		return;
	}
	free(t->name);
	free(t->data);
	free(t->arena);
	free(t->header);
	free(t->recs);
	free(t->cells);
	free(t);
}

const char *
csvread_name(const csvread_table *t)
{
	return t->name;
}

size_t
csvread_ncols(const csvread_table *t)
{
	return t->ncols;
}

const char *
csvread_header(const csvread_table *t, size_t col)
{
	return t->arena + t->header[col];
}

size_t
csvread_header_line(const csvread_table *t)
{
	return t->head.line;
}

const char *
csvread_header_raw(const csvread_table *t, size_t *len)
{
	*len = t->head.len;
	return t->data + t->head.off;
}

size_t
csvread_nrecords(const csvread_table *t)
{
	return t->nrecs;
}

const char *
csvread_cell(const csvread_table *t, size_t rec, size_t col)
{
	return t->arena + t->cells[rec * t->ncols + col];
}

size_t
csvread_line(const csvread_table *t, size_t rec)
{
	return t->recs[rec].line;
}

const char *
csvread_raw(const csvread_table *t, size_t rec, size_t *len)
{
	*len = t->recs[rec].len;
	return t->data + t->recs[rec].off;
}

int
csvread_find(const csvread_table *t, const char *name)
{
	int fold = -1, nfold = 0;
	for (size_t i = 0; i < t->ncols; i++) {
		const char *h = csvread_header(t, i);
		if (strcmp(h, name) == 0) {
			return (int) i;
		}
		if (strcasecmp(h, name) == 0) {
			fold = (int) i;
			nfold++;
		}
	}
	return nfold == 1 ? fold : -1;
}

int
csvread_bind(const csvread_table *t, csvread_col *cols, size_t n, char *errmsg)
{
	for (size_t i = 0; i < n; i++) {
		cols[i].index = csvread_find(t, cols[i].name);
	}
	for (size_t i = 0; i < n; i++) {
		if (cols[i].index >= 0 || !cols[i].required) {
			continue;
		}
		int k = snprintf(errmsg, TD_ERRMSG_MAX,
		                 "%s: missing required column '%s' (the "
		                 "header has: ",
		                 t->name, cols[i].name);
		for (size_t j = 0; j < t->ncols && k >= 0 && k < TD_ERRMSG_MAX;
		     j++) {
			k += snprintf(errmsg + k, TD_ERRMSG_MAX - (size_t) k,
			              "%s%s", j ? ", " : "",
			              csvread_header(t, j));
		}
		if (k >= 0 && k < TD_ERRMSG_MAX) {
			snprintf(errmsg + k, TD_ERRMSG_MAX - (size_t) k, ")");
		}
		return TD_EINVAL;
	}
	return TD_OK;
}

bool
csvread_is_bound(const csvread_col *cols, size_t n, size_t col)
{
	for (size_t i = 0; i < n; i++) {
		if (cols[i].index >= 0 && (size_t) cols[i].index == col) {
			return true;
		}
	}
	return false;
}

static const char *
trim(const char *s, size_t *len)
{
	size_t n = strlen(s);
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
		n--;
	}
	*len = n;
	return s;
}

int
csvread_parse_int(const char *s, long long lo, long long hi, long long *out)
{
	char        buf[64];
	size_t      n;
	const char *v = trim(s, &n);
	size_t      i = 0;
	if (n == 0 || n >= sizeof(buf)) {
		return TD_EINVAL;
	}
	memcpy(buf, v, n);
	buf[n] = '\0';
	if (buf[0] == '+' || buf[0] == '-') {
		i++;
	}
	size_t digits = i;
	while (buf[i] >= '0' && buf[i] <= '9') {
		i++;
	}
	if (i == digits) {
		return TD_EINVAL;
	}
	size_t end = i;
	if (buf[i] == '.') {
		/* "4.0" and "4." are whole numbers; spreadsheets write them */
		for (i++; buf[i] == '0'; i++) { }
	}
	if (buf[i] != '\0') {
		return TD_EINVAL;
	}
	buf[end]    = '\0';
	errno       = 0;
	long long x = strtoll(buf, NULL, 10);
	if (errno == ERANGE || x < lo || x > hi) {
		return TD_ERANGE;
	}
	*out = x;
	return TD_OK;
}

int
csvread_parse_num(const char *s, double *out)
{
	char        buf[64];
	size_t      n;
	const char *v = trim(s, &n);
	char       *end;
	if (n == 0 || n >= sizeof(buf) || strspn(v, "0123456789+-.eE") < n) {
		return TD_EINVAL;
	}
	memcpy(buf, v, n);
	buf[n]   = '\0';
	errno    = 0;
	double x = strtod(buf, &end);
	if (*end != '\0' || end == buf || !isfinite(x)
	    || (errno == ERANGE && x != 0)) {
		return TD_EINVAL;
	}
	*out = x;
	return TD_OK;
}

int
csvread_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "1" };
	static const char *const no[]  = { "false", "no", "0" };
	size_t                   n;
	const char              *v = trim(s, &n);
	for (size_t i = 0; i < 3; i++) {
		if (strlen(yes[i]) == n && strncasecmp(v, yes[i], n) == 0) {
			*out = true;
			return TD_OK;
		}
		if (strlen(no[i]) == n && strncasecmp(v, no[i], n) == 0) {
			*out = false;
			return TD_OK;
		}
	}
	return TD_EINVAL;
}

void
csvread_complain(csvread_errs *e, const csvread_table *t, size_t rec,
                 const char *fmt, ...)
{
	FILE   *f = e->out ? e->out : stderr;
	va_list ap;
	if (e->n++ >= CSVREAD_SHOWN) {
		return;
	}
	fprintf(f, "%s:%zu: ", t->name, csvread_line(t, rec));
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

size_t
csvread_errs_done(csvread_errs *e)
{
	if (e->n > CSVREAD_SHOWN) {
		fprintf(e->out ? e->out : stderr, "… and %zu more\n",
		        e->n - CSVREAD_SHOWN);
	}
	return e->n;
}

/* cell reads a cell for the getters: NULL (and a complaint when
 * required) when it is empty. */
static const char *
cell(csvread_errs *e, const csvread_table *t, size_t rec, int col,
     bool required, const char *name)
{
	const char *v = col >= 0 ? csvread_cell(t, rec, (size_t) col) : "";
	if (*v != '\0') {
		return v;
	}
	if (required) {
		csvread_complain(e, t, rec, "column %s is empty", name);
	}
	return NULL;
}

#define COLNAME(t, col)                                                       \
	((col) >= 0 ? csvread_header((t), (size_t) (col)) : "?")

bool
csvread_get_str(csvread_errs *e, const csvread_table *t, size_t rec, int col,
                bool required, const char **out)
{
	const char *v = cell(e, t, rec, col, required, COLNAME(t, col));
	*out          = v ? v : "";
	return v != NULL || !required;
}

bool
csvread_get_int(csvread_errs *e, const csvread_table *t, size_t rec, int col,
                bool required, long long lo, long long hi, long long dflt,
                long long *out)
{
	const char *v = cell(e, t, rec, col, required, COLNAME(t, col));
	if (v == NULL) {
		*out = dflt;
		return !required;
	}
	int rv = csvread_parse_int(v, lo, hi, out);
	if (rv == TD_EINVAL) {
		csvread_complain(e, t, rec,
		                 "column %s: '%.40s' is not a whole number",
		                 COLNAME(t, col), v);
	} else if (rv != TD_OK) {
		csvread_complain(e, t, rec,
		                 "column %s: '%.40s' is outside %lld..%lld",
		                 COLNAME(t, col), v, lo, hi);
	}
	return rv == TD_OK;
}

bool
csvread_get_num(csvread_errs *e, const csvread_table *t, size_t rec, int col,
                bool required, double dflt, double *out)
{
	const char *v = cell(e, t, rec, col, required, COLNAME(t, col));
	if (v == NULL) {
		*out = dflt;
		return !required;
	}
	if (csvread_parse_num(v, out) != TD_OK) {
		csvread_complain(
		    e, t, rec,
		    "column %s: '%.40s' is not a number (write it "
		    "like 12.5, with a point)",
		    COLNAME(t, col), v);
		return false;
	}
	return true;
}

bool
csvread_get_bool(csvread_errs *e, const csvread_table *t, size_t rec, int col,
                 bool required, bool dflt, bool *out)
{
	const char *v = cell(e, t, rec, col, required, COLNAME(t, col));
	if (v == NULL) {
		*out = dflt;
		return !required;
	}
	if (csvread_parse_bool(v, out) != TD_OK) {
		csvread_complain(
		    e, t, rec,
		    "column %s: '%.40s' is not true/false, yes/no "
		    "or 1/0",
		    COLNAME(t, col), v);
		return false;
	}
	return true;
}
