/* SPDX-License-Identifier: MIT
 * Rollup maintenance: the one place rollups change. A batch's delta (cells
 * per measure, subgroup, school, date and grade, summed by the services
 * with stats_scores) is spread over the grains, the grade and all grades,
 * and school, district and network, and added in the batch's transaction.
 * Inserts, corrections and deletes all arrive here as deltas.
 * The spreading and summing happen here, in a hash table, and only the
 * rollup rows that change go to PostgreSQL (COPY into a temporary table,
 * then one INSERT ... ON CONFLICT): grouped in SQL, one batch of 20,000
 * outcomes spent 140 of its 216 ms expanding and hashing 60,000 rows
 * before inserting 5,595 (EXPLAIN ANALYZE, bench's 10,000 schools); the
 * 30 batches' rollup statements took 6.5 s, now 1.9 s (server log).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "store_ingest.h"
#include "store_internal.h"

/* One rollup row being summed. sid: the three strings' ids in the
 * batch's interned strings, so a row's key hashes and compares as
 * integers (strlen, strcmp and a byte-wise hash of the strings for every
 * row added were 12% of tandemd's time for an outcome batch, perf). */
typedef struct group {
	const char *measure, *subgroup, *grade; /* the cells' strings */
	uint32_t    sid[3];
	int64_t     unit;
	int32_t     period; /* period start, days since 1970-01-01 */
	char        grain, level;
	int32_t     bit; /* months with data */
	int64_t     cnt, fav, items;
	double      n_sum, wsum, wsumsq;
} group;

/* The rows in the order first seen, and an open-addressing index of them
 * (slot = row + 1, 0 = empty): a survey batch of 12,500 responses makes
 * ~32,000 school rows, 3 MB here. */
typedef struct table {
	group    *g;
	size_t    n, g_cap;
	uint32_t *slot;
	size_t    cap; /* a power of 2, at least twice n */
} table;

/* The distinct strings of a delta's cells (measures, subgroups, grades),
 * each with its id (its position); last: the previous cell's string of
 * each field, which the next cell usually repeats. */
typedef struct interns {
	const char **s;
	size_t       n, s_cap;
	uint32_t    *slot; /* id + 1, 0 = empty */
	size_t       cap; /* a power of 2, at least twice n */
	const char  *last[3];
	uint32_t     last_id[3];
} interns;

static uint64_t
fmix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53u;
	return h ^ (h >> 33);
}

static uint64_t
str_hash(const char *str)
{
	uint64_t h = 14695981039346656037u;
	for (const unsigned char *b = (const unsigned char *) str; *b; b++) {
		h = (h ^ *b) * 1099511628211u; /* FNV-1a */
	}
	return fmix(h);
}

/* intern sets *id to str's id (field: 0 measure, 1 subgroup, 2 grade);
 * false when out of memory. */
static bool
intern(interns *in, int field, const char *str, uint32_t *id)
{
	if (in->last[field] != NULL
	    && (in->last[field] == str || strcmp(in->last[field], str) == 0)) {
		*id = in->last_id[field];
		return true;
	}
	if (2 * (in->n + 1) > in->cap) {
		size_t    cap  = in->cap ? 2 * in->cap : 64;
		uint32_t *slot = calloc(cap, sizeof(*slot));
		if (slot == NULL) {
			return false;
		}
		for (size_t i = 0; i < in->n; i++) {
			size_t j = str_hash(in->s[i]) & (cap - 1);
			while (slot[j] != 0) {
				j = (j + 1) & (cap - 1);
			}
			slot[j] = (uint32_t) i + 1;
		}
		free(in->slot);
		in->slot = slot;
		in->cap  = cap;
	}
	size_t j = str_hash(str) & (in->cap - 1);
	while (in->slot[j] != 0 && strcmp(in->s[in->slot[j] - 1], str) != 0) {
		j = (j + 1) & (in->cap - 1);
	}
	if (in->slot[j] == 0) {
		if (in->n == in->s_cap) {
			size_t       cap = in->s_cap ? 2 * in->s_cap : 32;
			const char **s2  = realloc(in->s, cap * sizeof(*s2));
			if (s2 == NULL) {
				return false;
			}
			in->s     = s2;
			in->s_cap = cap;
		}
		in->s[in->n] = str;
		in->slot[j]  = (uint32_t) ++in->n;
	}
	*id                = in->slot[j] - 1;
	in->last[field]    = str;
	in->last_id[field] = *id;
	return true;
}

static uint64_t
key_hash(const group *k)
{
	uint64_t h = fmix((uint64_t) k->unit * 0x9e3779b97f4a7c15u
	                  ^ (uint64_t) (uint32_t) k->period << 16
	                  ^ (uint64_t) (unsigned char) k->grain << 8
	                  ^ (unsigned char) k->level);
	return fmix(h
	            ^ ((uint64_t) k->sid[0] | (uint64_t) k->sid[1] << 21
	               | (uint64_t) k->sid[2] << 42));
}

static bool
same_key(const group *a, const group *b)
{
	return a->unit == b->unit && a->period == b->period
	    && a->grain == b->grain && a->level == b->level
	    && a->sid[0] == b->sid[0] && a->sid[1] == b->sid[1]
	    && a->sid[2] == b->sid[2];
}

/* grow makes room for one more row; false when out of memory. */
static bool
grow(table *t)
{
	if (t->n == t->g_cap) {
		size_t cap = t->g_cap ? 2 * t->g_cap : 512;
		group *g   = realloc(t->g, cap * sizeof(*g));
		if (g == NULL) {
			return false;
		}
		t->g     = g;
		t->g_cap = cap;
	}
	if (2 * (t->n + 1) <= t->cap) {
		return true;
	}
	size_t    cap  = t->cap ? 2 * t->cap : 1024;
	uint32_t *slot = calloc(cap, sizeof(*slot));
	if (slot == NULL) {
		return false;
	}
	for (size_t i = 0; i < t->n; i++) {
		size_t j = key_hash(&t->g[i]) & (cap - 1);
		while (slot[j] != 0) {
			j = (j + 1) & (cap - 1);
		}
		slot[j] = (uint32_t) i + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->cap  = cap;
	return true;
}

/* add sums k's sums into the row of k's key in t; false when out of
 * memory. */
static bool
add(table *t, const group *k)
{
	if (!grow(t)) {
		return false;
	}
	size_t j = key_hash(k) & (t->cap - 1);
	while (t->slot[j] != 0 && !same_key(&t->g[t->slot[j] - 1], k)) {
		j = (j + 1) & (t->cap - 1);
	}
	if (t->slot[j] == 0) {
		t->g[t->n] = *k;
		t->slot[j] = (uint32_t) ++t->n;
		return true;
	}
	group *x = &t->g[t->slot[j] - 1];
	x->cnt += k->cnt;
	x->fav += k->fav;
	x->items += k->items;
	x->n_sum += k->n_sum;
	x->wsum += k->wsum;
	x->wsumsq += k->wsumsq;
	x->bit |= k->bit;
	return true;
}

/* period_start: the first day of the period of grain g that holds the day
 * (days since 1970-01-01; y, m its year and month), by td_period_start's
 * rule (sql/003_rollups.sql): weeks from Monday, months, terms
 * August-December and January-July, academic years from 1 August. */
static int32_t
period_start(char g, long days, int y, int m)
{
	switch (g) {
	case 'w':
		return (int32_t) (days - (((days + 3) % 7) + 7) % 7);
	case 'm':
		return (int32_t) common_days_from_civil(y, m, 1);
	case 't':
		return (int32_t) common_days_from_civil(y, m >= 8 ? 8 : 1, 1);
	default:
		return (int32_t) common_days_from_civil(m >= 8 ? y : y - 1, 8,
		                                        1);
	}
}

static int
by_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
	return (x > y) - (x < y);
}

/* districts reads the district of every school of the delta into ids
 * (sorted school ids) and dist; *n of them. */
static int
districts(store *s, const store_rollup_delta *d, int64_t **ids, int64_t **dist,
          size_t *n)
{
	*ids  = malloc((d->n ? d->n : 1) * sizeof(int64_t));
	*dist = NULL;
	*n    = 0;
	if (*ids == NULL) {
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < d->n; i++) {
		(*ids)[i] = d->cells[i].school_id;
	}
	qsort(*ids, d->n, sizeof(int64_t), by_id);
	size_t k = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (k == 0 || (*ids)[k - 1] != (*ids)[i]) {
			(*ids)[k++] = (*ids)[i];
		}
	}
	size_t cap = 3 + k * 21;
	char  *arr = malloc(cap), *at = arr;
	*dist = malloc((k ? k : 1) * sizeof(int64_t));
	if (arr == NULL || *dist == NULL) {
		free(arr);
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	*at++ = '{';
	for (size_t i = 0; i < k; i++) {
		at += snprintf(at, cap - (size_t) (at - arr), "%s%" PRId64,
		               i ? "," : "", (*ids)[i]);
	}
	snprintf(at, cap - (size_t) (at - arr), "}");
	const char *p[1] = { arr };
	PGresult   *r
	    = PQexecParams(s->conn,
	                   "SELECT id, district_id FROM schools WHERE id = "
	                   "ANY ($1::bigint[]) ORDER BY id",
	                   1, NULL, p, NULL, NULL, 0);
	free(arr);
	int rv = TD_OK;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		rv = store_result_err(s, r, "reading the schools' districts");
	} else if ((size_t) PQntuples(r) != k) {
		rv = store_fail(s, TD_EINVAL, "a rollup cell names no school");
	}
	for (size_t i = 0; rv == TD_OK && i < k; i++) {
		(*dist)[i] = strtoll(PQgetvalue(r, (int) i, 1), NULL, 10);
	}
	PQclear(r);
	*n = k;
	return rv;
}

/* Binary COPY's numbers, big-endian. */
static void
put_u16(unsigned char *b, size_t *k, uint16_t v)
{
	b[(*k)++] = (unsigned char) (v >> 8);
	b[(*k)++] = (unsigned char) v;
}

static void
put_u32(unsigned char *b, size_t *k, uint32_t v)
{
	for (int i = 3; i >= 0; i--) {
		b[(*k)++] = (unsigned char) (v >> (8 * i));
	}
}

static void
put_i64(unsigned char *b, size_t *k, int64_t v)
{
	uint64_t u = (uint64_t) v;
	put_u32(b, k, 8);
	for (int i = 7; i >= 0; i--) {
		b[(*k)++] = (unsigned char) (u >> (8 * i));
	}
}

static void
put_f64(unsigned char *b, size_t *k, double v)
{
	int64_t bits;
	memcpy(&bits, &v, sizeof(bits));
	put_i64(b, k, bits);
}

static void
put_i32(unsigned char *b, size_t *k, int32_t v)
{
	put_u32(b, k, 4);
	put_u32(b, k, (uint32_t) v);
}

static void
put_str(unsigned char *b, size_t *k, const char *v, size_t len)
{
	put_u32(b, k, (uint32_t) len);
	memcpy(b + *k, v, len);
	*k += len;
}

/* The rows go to a temporary table by binary COPY, streamed in chunks of
 * this size (as parameters, the ~32,000 rows of a survey batch were
 * ~20 MB of text, twice: tandemd's peak RSS under 8 submitters went 49 ->
 * 81 MiB). Binary, not text: three doubles a row printed with "%.17g"
 * here and parsed again by float8in were most of the COPY's 15 ms per
 * 5,600-row outcome batch (perf: vfprintf and __printf_fp 5% of all CPU
 * of scripts/bench's P1b load). */
#define ROLLUP_CHUNK (128u * 1024u)
/* PostgreSQL's dates count days from 2000-01-01, ours from 1970-01-01. */
#define PG_EPOCH_DAYS 10957
static const unsigned char COPY_HEADER[19]
    = { 'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0 };

/* copy_rows streams the rows by sql (a binary COPY of the 14 columns of
 * td_rollup_rows, or of rollups' columns but last_received). */
static int
copy_rows(store *s, const char *sql, group *const *rows, size_t n)
{
	int rv = store_copy_begin(s, sql, "updating the rollups");
	if (rv != TD_OK) {
		return rv;
	}
	unsigned char *buf = malloc(ROLLUP_CHUNK);
	size_t         k   = 0;
	bool           ok  = buf != NULL;
	if (ok) {
		memcpy(buf, COPY_HEADER, sizeof(COPY_HEADER));
		k = sizeof(COPY_HEADER); /* flags and extension length 0 */
	}
	for (size_t i = 0; ok && i < n; i++) {
		const group *g  = rows[i];
		size_t       lm = strlen(g->measure), ls = strlen(g->subgroup),
		       lg   = strlen(g->grade);
		size_t need = lm + ls + lg + 14 * 4 + 2 + 2 + 4 + 8 * 8 + 4;
		if (k + need > ROLLUP_CHUNK) {
			ok = PQputCopyData(s->conn, (const char *) buf,
			                   (int) k)
			    == 1;
			k = 0;
		}
		if (!ok || need > ROLLUP_CHUNK) {
			ok = false; /* codes are far shorter */
			break;
		}
		put_u16(buf, &k, 14);
		put_str(buf, &k, g->measure, lm);
		put_str(buf, &k, g->subgroup, ls);
		put_str(buf, &k, g->grade, lg);
		put_str(buf, &k, &g->grain, 1);
		put_str(buf, &k, &g->level, 1);
		put_i32(buf, &k, g->period - PG_EPOCH_DAYS);
		put_i64(buf, &k, g->unit);
		put_i64(buf, &k, g->cnt);
		put_f64(buf, &k, g->n_sum);
		put_f64(buf, &k, g->wsum);
		put_f64(buf, &k, g->wsumsq);
		put_i64(buf, &k, g->fav);
		put_i64(buf, &k, g->items);
		put_i32(buf, &k, g->bit);
	}
	if (ok) {
		put_u16(buf, &k, 0xffff); /* the trailer */
		ok = PQputCopyData(s->conn, (const char *) buf, (int) k) == 1;
	}
	free(buf);
	return store_copy_end(s, ok, "updating the rollups");
}

/* Rows go in one order for every batch, so concurrent batches (two
 * schools of one district touch the same district and network rows) lock
 * rows in the same order and wait for each other instead of deadlocking:
 * school rows first, then district, then network rows (one bigint key:
 * the unit id, districts offset by 2^48, the network at 2^52; ids stay
 * far below), then grain, period and the text keys by bytes ("C"). The
 * key order of the index (measure, subgroup, grade, ... as text by
 * C.UTF-8's strcoll) sorted 38,000 rows in 107 ms; this order in 45 ms
 * (EXPLAIN ANALYZE, work_mem 64MB).
 * School rows first lets a batch upsert its own schools' rows (97% of
 * them) while an earlier batch still holds the shared network rows; in
 * key order (level 'd' < 'n' < 's') it waited at its first network row
 * until the other committed, so the upserts of batches in flight ran one
 * after the other.
 * The month bit marks months with data for "people per month". A replaced
 * record's month always has data again (a correction keeps the record's
 * key, date included), so bits only ever need setting. */
static const char ROWS_TABLE[]
    = "CREATE TEMP TABLE td_rollup_rows (measure text, subgroup text, "
      "grade text, grain char(1), level char(1), period_start date, "
      "unit_id bigint, cnt bigint, n_sum float8, wsum float8, wsumsq "
      "float8, fav bigint, items bigint, bit int) ON COMMIT DELETE ROWS";
static const char COPY_ROWS[]
    = "COPY td_rollup_rows FROM STDIN (FORMAT binary)";
/* New school rows straight into rollups (last_received takes its default,
 * now(), as the upsert sets it; sql/025). */
static const char COPY_NEW[]
    = "COPY rollups (measure, subgroup, grade, grain, level, period_start, "
      "unit_id, cnt, n_sum, wsum, wsumsq, fav, items, month_mask) FROM "
      "STDIN (FORMAT binary)";
static const char UPSERT[]
    = "INSERT INTO rollups AS t (measure, subgroup, grade, grain, "
      "level, period_start, unit_id, cnt, n_sum, wsum, wsumsq, fav, items, "
      "month_mask, last_received) SELECT r.*, now() FROM td_rollup_rows r "
      "ORDER BY CASE level WHEN 's' THEN unit_id WHEN 'd' THEN unit_id + "
      "(1::bigint << 48) ELSE 1::bigint << 52 END, grain, period_start, "
      "measure COLLATE \"C\", subgroup COLLATE \"C\", grade COLLATE "
      "\"C\" "
      "ON CONFLICT (measure, subgroup, grade, grain, level, unit_id, "
      "period_start) DO UPDATE SET cnt = t.cnt + excluded.cnt, "
      "n_sum = t.n_sum + excluded.n_sum, wsum = t.wsum + excluded.wsum, "
      "wsumsq = t.wsumsq + excluded.wsumsq, fav = t.fav + excluded.fav, "
      "items = t.items + excluded.items, "
      "month_mask = t.month_mask | excluded.month_mask, "
      "last_received = greatest(t.last_received, excluded.last_received)";

/* spread sums every cell into its school rows of every grain, the grade
 * and all grades; false when out of memory. */
static bool
spread(const store_rollup_delta *d, table *sch, interns *in)
{
	uint32_t none = 0; /* the id of "" (all grades) */
	if (!intern(in, 2, "", &none)) {
		return false;
	}
	in->last[2] = NULL; /* a cell's grade is looked up by its own */
	for (size_t i = 0; i < d->n; i++) {
		const store_rollup_cell *c = &d->cells[i];
		int  y = atoi(c->date), m = atoi(c->date + 5);
		long days = common_days_from_civil(y, m, atoi(c->date + 8));
		uint32_t sid[3];
		if (!intern(in, 0, c->measure, &sid[0])
		    || !intern(in, 1, c->subgroup, &sid[1])
		    || !intern(in, 2, c->grade, &sid[2])) {
			return false;
		}
		for (const char *g = d->grains; *g; g++) {
			group k = { .measure  = c->measure,
				    .subgroup = c->subgroup,
				    .grade    = c->grade,
				    .sid      = { sid[0], sid[1], sid[2] },
				    .unit     = c->school_id,
				    .period   = period_start(*g, days, y, m),
				    .grain    = *g,
				    .level    = 's',
				    .bit      = 1 << (m - 1),
				    .cnt      = c->cnt,
				    .fav      = c->fav,
				    .items    = c->items,
				    .n_sum    = c->n_sum,
				    .wsum     = c->wsum,
				    .wsumsq   = c->wsumsq };
			for (int all = c->grade[0] == '\0'; all < 2; all++) {
				k.grade  = all ? "" : c->grade;
				k.sid[2] = all ? none : sid[2];
				if (!add(sch, &k)) {
					return false;
				}
			}
		}
	}
	return true;
}

/* Memory for the upsert's sort, for this transaction only; and the
 * rollups' trigger told that this write logs itself (store_lattice_log,
 * store_lattice_log.c). */
#define ROLLUP_WORK_MEM                                                       \
	"SET LOCAL work_mem = '64MB'; SET LOCAL tandem.lattice_logged = on"

/* One td_rollup_rows per connection, made before its first batch's
 * transaction (so a rollback does not take it away) and emptied by each
 * commit: created in every batch (ON COMMIT DROP), it added and removed
 * catalog rows per batch (pg_class, pg_type, pg_attribute) and its COPY
 * built the new relation's caches each time. */
int
store_rollup_ready(store *s)
{
	if (s->rollup_rows) {
		return TD_OK;
	}
	int rv = store_exec(s, ROWS_TABLE, "preparing the rollup update");
	s->rollup_rows = rv == TD_OK;
	return rv;
}

/* The upsert's order of school rows (UPSERT's ORDER BY for level 's'):
 * unit, grain, period, then the text keys by bytes. */
static int
by_upsert_order(const void *a, const void *b)
{
	const group *x = *(group *const *) a, *y = *(group *const *) b;
	int          c;
	if (x->unit != y->unit) {
		return x->unit < y->unit ? -1 : 1;
	}
	if (x->grain != y->grain) {
		return (unsigned char) x->grain < (unsigned char) y->grain ? -1
		                                                           : 1;
	}
	if (x->period != y->period) {
		return x->period < y->period ? -1 : 1;
	}
	if ((c = strcmp(x->measure, y->measure)) != 0
	    || (c = strcmp(x->subgroup, y->subgroup)) != 0) {
		return c;
	}
	return strcmp(x->grade, y->grade);
}

/* insert_new tries the n school rows as new rows of rollups, by COPY, in
 * a savepoint: *done when they went in, else (a row exists: SQLSTATE
 * 23505) the savepoint is rolled back and the caller upserts them. A plain
 * insert skips ON CONFLICT's probe of the key before each row and the
 * temporary table (EXPLAIN ANALYZE of one batch's 5,595 rows: 49-55 ms
 * upserted, 34 ms inserted). */
static int
insert_new(store *s, group **rows, size_t n, bool *done)
{
	*done = false;
	for (size_t i = 0; i < n; i++) {
		if (rows[i]->cnt <= 0) {
			return TD_OK; /* a row that takes away exists */
		}
	}
	qsort(rows, n, sizeof(*rows), by_upsert_order);
	int rv = store_exec(s, "SAVEPOINT td_rollup_new", "savepoint");
	if (rv == TD_OK) {
		rv = copy_rows(s, COPY_NEW, rows, n);
		if (rv == TD_EEXIST) {
			rv = store_exec(s,
			                "ROLLBACK TO SAVEPOINT td_rollup_new",
			                "rolling back the new rollup rows");
		} else if (rv == TD_OK) {
			*done = true;
		}
	}
	if (rv == TD_OK) {
		rv = store_exec(s, "RELEASE SAVEPOINT td_rollup_new",
		                "savepoint");
	}
	return rv;
}

int
store_rollup_apply(store *s, const store_rollup_delta *d,
                   const char *school_grains, bool new_first)
{
	table    sch = { 0 }, up = { 0 };
	interns  in  = { 0 };
	int64_t *ids = NULL, *dist = NULL;
	size_t   n_ids = 0;
	group  **rows  = NULL;
	int      rv    = districts(s, d, &ids, &dist, &n_ids);
	if (rv == TD_OK && !spread(d, &sch, &in)) {
		rv = store_fail(s, TD_ENOMEM, "out of memory");
	}
	/* District and network rows from the school rows. */
	for (size_t i = 0; rv == TD_OK && i < sch.n; i++) {
		group          k = sch.g[i];
		const int64_t *at
		    = bsearch(&k.unit, ids, n_ids, sizeof(int64_t), by_id);
		for (int l = 0; at != NULL && l < 2; l++) {
			k.level = l ? 'n' : 'd';
			k.unit  = l ? 0 : dist[at - ids];
			if (!add(&up, &k)) {
				rv = store_fail(s, TD_ENOMEM, "out of memory");
				break;
			}
		}
	}
	free(sch.slot);
	free(up.slot);
	free(in.s);
	free(in.slot);
	sch.slot = up.slot = NULL;
	size_t n           = 0;
	if (rv == TD_OK) {
		rows = malloc((sch.n + up.n + 1) * sizeof(*rows));
		if (rows == NULL) {
			rv = store_fail(s, TD_ENOMEM, "out of memory");
		}
	}
	const char *keep = school_grains ? school_grains : d->grains;
	for (size_t i = 0; rows != NULL && i < sch.n; i++) {
		if (strchr(keep, sch.g[i].grain) != NULL) {
			rows[n++] = &sch.g[i];
		}
	}
	size_t n_school = n, first = 0;
	for (size_t i = 0; rows != NULL && i < up.n; i++) {
		rows[n++] = &up.g[i];
	}
	if (rv == TD_OK) {
		rv = store_exec(s, ROLLUP_WORK_MEM,
		                "sizing the rollup update");
	}
	if (rv == TD_OK) {
		rv = store_lattice_log(s, d);
	}
	/* School rows first, as the upsert orders them, then the district
	 * and network rows, which other batches share. */
	bool done = false;
	if (rv == TD_OK && new_first && n_school > 0) {
		rv    = insert_new(s, rows, n_school, &done);
		first = done ? n_school : 0;
	}
	if (rv == TD_OK) {
		rv = copy_rows(s, COPY_ROWS, rows + first, n - first);
	}
	if (rv == TD_OK) {
		rv = store_exec(s, UPSERT, "updating the rollups");
	}
	free(rows);
	free(sch.g);
	free(up.g);
	free(ids);
	free(dist);
	return rv;
}
