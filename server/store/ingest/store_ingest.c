/* SPDX-License-Identifier: MIT
 * One batch, one transaction: recognise a retried submission, COPY the rows
 * straight into their table, and only when a natural key already exists
 * (SQLSTATE 23505) go through a staging table to find the conflicting
 * records or, for a correction, replace them; then move the rollups by the
 * batch's delta (store_rollup.c). The tables, columns and keys of every
 * record kind are named here and nowhere outside the store.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_ingest.h"
#include "store_internal.h"
#include "store_registry.h"

/* COPY data goes to libpq in chunks of this size: large enough that the
 * per-call overhead vanishes, small enough not to double a batch's memory. */
#define CHUNK (256u * 1024u)

/* The first key of pg_advisory_xact_lock(int, int) for submission ids (the
 * second is the id's hash): it keeps these locks apart from any other
 * advisory lock in the database. Every server of one database must use
 * the same value, so it never changes; it happens to be the default port. */
#define STORE_SUBMISSION_LOCK_CLASS 7450
#define STORE_XSTR(x)               #x
#define STORE_STR(x)                STORE_XSTR(x)

/* A replaced response's answers, grown to the longest seen. */
struct answers {
	int32_t *vals;
	bool    *miss;
	size_t   cap;
};

/* What the store knows of a record kind: its table, the COPY column list
 * (without submission_seq) in the order store_rows_add_<kind> writes, the
 * natural key, and for kinds with rollups what a replaced record was. */
typedef struct ingest_spec {
	const char *table;
	const char *columns;
	const char *key; /* natural key columns, comma-separated */
	/* Corrections of kinds with rollups: extra FROM items, a join
	 * condition and the RETURNING list that read_replaced parses. */
	const char *replaced_from, *replaced_where, *returning;
	int (*read_replaced)(const PGresult *r, int row, store_replaced *out,
	                     struct answers *buf);
	/* Grains whose school rows the rollups keep (NULL = every grain):
	 * outcomes' school months are read from the outcomes themselves
	 * (sql/020_outcome_school_months.sql). */
	const char *rollup_school_grains;
	/* Whether a batch's school rollup rows are usually new (an outcome
	 * load brings months not seen before; survey batches of concurrent
	 * submitters share their schools' rows). */
	bool rollup_new_first;
} ingest_spec;

static int
exec_params(store *s, const char *sql, int n, const char *const *p,
            ExecStatusType want, PGresult **out, const char *what)
{
	PGresult *res = PQexecParams(s->conn, sql, n, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != want) {
		int rv = store_result_err(s, res, what);
		PQclear(res);
		return rv;
	}
	if (out != NULL) {
		*out = res;
	} else {
		PQclear(res);
	}
	return TD_OK;
}

/* copy_rows streams rows, each prefixed with prefix(i). */
static int
copy_rows(store *s, const char *sql, const store_rows *rows, const char *seq,
          bool with_index, const char *what)
{
	int rv = store_copy_begin(s, sql, what);
	if (rv != TD_OK) {
		return rv;
	}
	char  *buf = malloc(CHUNK);
	size_t len = 0;
	int    ok  = buf != NULL;
	size_t n   = store_rows_count(rows);
	char   pre[48];
	int    plen = snprintf(pre, sizeof(pre), "%s\t", seq);
	for (size_t i = 0; ok && i < n; i++) {
		size_t      rlen;
		const char *row = store_rows_row(rows, i, &rlen);
		if (with_index) {
			plen = snprintf(pre, sizeof(pre), "%zu\t%s\t", i, seq);
		}
		if (len + (size_t) plen + rlen > CHUNK && len > 0) {
			ok  = PQputCopyData(s->conn, buf, (int) len) == 1;
			len = 0;
		}
		if (ok && (size_t) plen + rlen > CHUNK) {
			/* One enormous row: send it on its own. */
			ok = PQputCopyData(s->conn, pre, plen) == 1
			    && PQputCopyData(s->conn, row, (int) rlen) == 1;
			continue;
		}
		memcpy(buf + len, pre, (size_t) plen);
		memcpy(buf + len + plen, row, rlen);
		len += (size_t) plen + rlen;
	}
	if (ok && len > 0) {
		ok = PQputCopyData(s->conn, buf, (int) len) == 1;
	}
	free(buf);
	return store_copy_end(s, ok, what);
}

/* key_join writes "t.a = s.a AND t.b = s.b" for a key list "a,b". */
static void
key_join(const char *key, char *out, size_t cap)
{
	char   tmp[256];
	size_t used = 0;
	snprintf(tmp, sizeof(tmp), "%s", key);
	out[0] = '\0';
	for (char *save, *k = strtok_r(tmp, ",", &save); k != NULL;
	     k = strtok_r(NULL, ",", &save)) {
		used += (size_t) snprintf(out + used, cap - used,
		                          "%st.%s = s.%s", used ? " AND " : "",
		                          k, k);
		if (used >= cap) {
			break;
		}
	}
}

/* parse_answers reads a smallint[] literal ("{1,NULL,3}") into at most cap
 * values; NULL entries are missing. Returns the count. */
static size_t
parse_answers(const char *a, int32_t *vals, bool *miss, size_t cap)
{
	size_t n = 0;
	if (*a == '{') {
		a++;
	}
	while (*a != '\0' && *a != '}' && n < cap) {
		char *end;
		if (strncmp(a, "NULL", 4) == 0) {
			miss[n]   = true;
			vals[n++] = 0;
			end       = (char *) a + 4;
		} else {
			miss[n]   = false;
			vals[n++] = (int32_t) strtol(a, &end, 10);
			if (end == a) {
				break;
			}
		}
		a = *end == ',' ? end + 1 : end;
	}
	return n;
}

/* RETURNING row(key)::text, t.school_id, t.administered_on, t.grade,
 * t.answers */
static int
read_survey(const PGresult *r, int row, store_replaced *out,
            struct answers *buf)
{
	const char *a = PQgetvalue(r, row, 4);
	size_t      n = 1;
	for (const char *c = a; *c; c++) {
		n += *c == ',';
	}
	if (n > buf->cap) {
		int32_t *v = realloc(buf->vals, n * sizeof(int32_t));
		if (v != NULL) {
			buf->vals = v;
		}
		bool *m = realloc(buf->miss, n * sizeof(bool));
		if (m != NULL) {
			buf->miss = m;
		}
		if (v == NULL || m == NULL) {
			return TD_ENOMEM;
		}
		buf->cap = n;
	}
	memset(out, 0, sizeof(*out));
	out->school_id = strtoll(PQgetvalue(r, row, 1), NULL, 10);
	out->date      = PQgetvalue(r, row, 2);
	out->grade     = PQgetvalue(r, row, 3);
	out->values    = buf->vals;
	out->missing   = buf->miss;
	out->n_values  = parse_answers(a, buf->vals, buf->miss, buf->cap);
	out->subgroup  = "";
	return TD_OK;
}

/* RETURNING row(key)::text, t.school_id, t.period_start, m.code,
 * t.subgroup, t.value, t.n */
static int
read_outcome(const PGresult *r, int row, store_replaced *out,
             struct answers *buf)
{
	(void) buf;
	memset(out, 0, sizeof(*out));
	out->school_id = strtoll(PQgetvalue(r, row, 1), NULL, 10);
	out->date      = PQgetvalue(r, row, 2);
	out->grade     = "";
	out->measure   = PQgetvalue(r, row, 3);
	out->subgroup  = PQgetvalue(r, row, 4);
	out->value     = strtod(PQgetvalue(r, row, 5), NULL);
	out->n         = strtoll(PQgetvalue(r, row, 6), NULL, 10);
	return TD_OK;
}

/* replace deletes the stored records the staged ones correct and, for
 * kinds with rollups, hands each to the caller, which takes it out of the
 * rollup delta: the rows deleted are exactly the rows subtracted. */
/* replace deletes the stored records the staged ones correct. Each one's
 * natural key goes to the audit note (pseudonyms, ids and dates, never a
 * student's id); for kinds with rollups each is also handed to the caller,
 * which takes it out of the rollup delta: the rows deleted are exactly the
 * rows subtracted. */
static int
replace(store *s, const ingest_spec *spec, const store_ingest_batch *b,
        const char *join, store_ingest_result *res)
{
	char      sql[1024], cols[256];
	size_t    cl     = 0;
	PGresult *r      = NULL;
	bool      rollup = spec->returning != NULL && b->replaced != NULL;
	for (const char *k = spec->key; *k && cl + 4 < sizeof(cols); k++) {
		if (k == spec->key || k[-1] == ',') {
			cols[cl++] = 't';
			cols[cl++] = '.';
		}
		cols[cl++] = *k;
	}
	cols[cl] = '\0';
	snprintf(sql, sizeof(sql),
	         "DELETE FROM %s t USING td_stage s%s WHERE %s%s RETURNING "
	         "row(%s)::text%s%s",
	         spec->table, rollup ? spec->replaced_from : "", join,
	         rollup ? spec->replaced_where : "", cols, rollup ? ", " : "",
	         rollup ? spec->returning : "");
	int rv = exec_params(s, sql, 0, NULL, PGRES_TUPLES_OK, &r,
	                     "replacing corrected records");
	if (rv != TD_OK) {
		return rv;
	}
	res->corrected = PQntuples(r);
	size_t k       = 0;
	for (int i = 0; i < PQntuples(r) && k + 2 < sizeof(res->replaced);
	     i++) {
		k += (size_t) snprintf(res->replaced + k,
		                       sizeof(res->replaced) - k, "%s%s",
		                       i ? " " : "", PQgetvalue(r, i, 0));
	}
	struct answers buf = { NULL, NULL, 0 };
	for (int i = 0; rollup && rv == TD_OK && i < PQntuples(r); i++) {
		store_replaced old;
		if (spec->read_replaced(r, i, &old, &buf) != TD_OK
		    || b->replaced(b->replaced_ctx, &old) != 0) {
			rv = store_fail(s, TD_ENOMEM, "out of memory");
		}
	}
	free(buf.vals);
	free(buf.miss);
	PQclear(r);
	return rv;
}

static int
staged(store *s, const ingest_spec *spec, const store_ingest_batch *b,
       const char *seq, store_ingest_result *res)
{
	char      sql[1024], join[512];
	PGresult *r = NULL;
	int       rv;

	snprintf(sql, sizeof(sql),
	         "CREATE TEMP TABLE td_stage (LIKE %s INCLUDING DEFAULTS "
	         "INCLUDING GENERATED) ON COMMIT DROP; "
	         "ALTER TABLE td_stage ADD COLUMN td_rec integer",
	         spec->table);
	if ((rv = store_exec(s, sql, "creating the staging table")) != TD_OK) {
		return rv;
	}
	snprintf(sql, sizeof(sql),
	         "COPY td_stage (td_rec, submission_seq, %s) FROM STDIN",
	         spec->columns);
	if ((rv = copy_rows(s, sql, b->rows, seq, true, "staging rows"))
	    != TD_OK) {
		return rv;
	}
	key_join(spec->key, join, sizeof(join));
	if (b->correction) {
		if ((rv = replace(s, spec, b, join, res)) != TD_OK) {
			return rv;
		}
		snprintf(sql, sizeof(sql),
		         "INSERT INTO %s (submission_seq, %s) SELECT "
		         "submission_seq, %s FROM td_stage ORDER BY td_rec",
		         spec->table, spec->columns, spec->columns);
		return store_exec(s, sql, "storing corrected records");
	}
	snprintf(sql, sizeof(sql),
	         "SELECT DISTINCT s.td_rec FROM td_stage s JOIN %s t ON %s "
	         "ORDER BY 1",
	         spec->table, join);
	if ((rv = exec_params(s, sql, 0, NULL, PGRES_TUPLES_OK, &r,
	                      "finding existing records"))
	    != TD_OK) {
		return rv;
	}
	int n = PQntuples(r);
	if (n > 0) {
		res->conflicts = malloc((size_t) n * sizeof(int64_t));
		for (int i = 0; res->conflicts && i < n; i++) {
			res->conflicts[i]
			    = strtoll(PQgetvalue(r, i, 0), NULL, 10);
		}
		res->n_conflicts = res->conflicts ? (size_t) n : 0;
	}
	PQclear(r);
	if (n > 0) {
		return store_fail(s, TD_EEXIST,
		                  "%d record(s) already exist from another "
		                  "submission; send them as a correction to "
		                  "replace them",
		                  n);
	}
	/* 23505 came from a duplicate inside the batch itself. */
	return store_fail(s, TD_EINVAL,
	                  "the batch repeats a record's natural key");
}

static int
lookup(store *s, const char *method, const store_ingest_batch *b,
       store_ingest_result *res, bool *found)
{
	/* submission ids are the client's own: another client's id is
	 * another submission */
	const char *p[2] = { b->submission_id, b->client_id };
	PGresult   *r    = NULL;
	int         rv   = exec_params(
	              s,
	              "SELECT method, payload_sha256, records, stored, corrected "
	                        "FROM submissions WHERE id = $1 AND client_id IS NOT "
	                        "DISTINCT FROM $2",
	              2, p, PGRES_TUPLES_OK, &r, "looking up the submission");
	if (rv != TD_OK) {
		return rv;
	}
	*found = PQntuples(r) > 0;
	if (*found) {
		size_t         hlen = 0;
		unsigned char *h    = PQunescapeBytea(
		       (const unsigned char *) PQgetvalue(r, 0, 1), &hlen);
		bool same = h != NULL && hlen == 32
		    && memcmp(h, b->payload_sha256, 32) == 0
		    && strcmp(PQgetvalue(r, 0, 0), method) == 0;
		PQfreemem(h);
		if (!same) {
			rv = store_fail(
			    s, TD_EEXIST,
			    "submission id %s was already used for "
			    "a different batch (%s); choose a new id",
			    b->submission_id, PQgetvalue(r, 0, 0));
		} else {
			res->replayed = true;
			res->records  = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
			res->stored   = strtoll(PQgetvalue(r, 0, 3), NULL, 10);
			res->corrected
			    = strtoll(PQgetvalue(r, 0, 4), NULL, 10);
		}
	}
	PQclear(r);
	return rv;
}

static int
ingest(store *s, const ingest_spec *spec, const store_ingest_batch *b,
       store_ingest_result *res)
{
	char      seq[24], recs[24], hash[80], sql[1024];
	PGresult *r = NULL;
	bool      found;
	int       rv;

	memset(res, 0, sizeof(*res));
	res->kind    = spec->table;
	res->records = b->records;
	if (store_rows_failed(b->rows)) {
		return store_fail(s, TD_ENOMEM, "out of memory building rows");
	}
	if (b->rollup != NULL && b->rollup->n > 0
	    && (rv = store_rollup_ready(s)) != TD_OK) {
		return rv;
	}
	if ((rv = store_tx_begin(s)) != TD_OK) {
		return rv;
	}
	/* Retries of one submission (nng resends, CLI retries) queue here
	 * instead of racing. */
	const char *p1[2] = { b->submission_id, b->client_id };
	if ((rv = exec_params(
	         s,
	         "SELECT pg_advisory_xact_lock(" STORE_STR(
	             STORE_SUBMISSION_LOCK_CLASS) ", "
	                                          "hashtext(coalesce($2, '') "
	                                          "|| '/' || $1))",
	         2, p1, PGRES_TUPLES_OK, NULL, "locking the submission"))
	        != TD_OK
	    || (rv = lookup(s, b->method, b, res, &found)) != TD_OK || found) {
		store_tx_rollback(s);
		return rv;
	}
	snprintf(recs, sizeof(recs), "%" PRId64, b->records);
	snprintf(hash, sizeof(hash), "\\x");
	for (int i = 0; i < 32; i++) {
		snprintf(hash + 2 + 2 * i, 3, "%02x", b->payload_sha256[i]);
	}
	const char *p4[5]
	    = { b->submission_id, b->method, hash, recs, b->client_id };
	if ((rv = exec_params(
	         s,
	         "INSERT INTO submissions (id, method, "
	         "payload_sha256, records, stored, client_id) "
	         "VALUES ($1, $2, $3::bytea, $4::int, $4::int, $5) "
	         "RETURNING seq",
	         5, p4, PGRES_TUPLES_OK, &r, "recording the submission"))
	    != TD_OK) {
		store_tx_rollback(s);
		return rv;
	}
	snprintf(seq, sizeof(seq), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);

	if ((rv = store_exec(s, "SAVEPOINT td_copy", "savepoint")) != TD_OK) {
		store_tx_rollback(s);
		return rv;
	}
	snprintf(sql, sizeof(sql), "COPY %s (submission_seq, %s) FROM STDIN",
	         spec->table, spec->columns);
	rv = copy_rows(s, sql, b->rows, seq, false, "copying rows");
	if (rv == TD_EEXIST) {
		/* A natural key exists already: find out which, or replace. */
		if ((rv = store_exec(s, "ROLLBACK TO SAVEPOINT td_copy",
		                     "rolling back the copy"))
		    == TD_OK) {
			rv = staged(s, spec, b, seq, res);
		}
	}
	if (rv == TD_OK && b->rollup != NULL && b->rollup->n > 0) {
		rv = store_rollup_apply(
		    s, b->rollup, spec->rollup_school_grains,
		    spec->rollup_new_first && !b->correction);
	}
	if (rv == TD_OK && res->corrected > 0) {
		char        cor[24];
		const char *p2[2] = { cor, seq };
		snprintf(cor, sizeof(cor), "%" PRId64, res->corrected);
		rv = exec_params(s,
		                 "UPDATE submissions SET corrected = $1::int "
		                 "WHERE seq = $2::bigint",
		                 2, p2, PGRES_COMMAND_OK, NULL,
		                 "recording corrections");
	}
	if (rv != TD_OK || b->dry_run) {
		store_tx_rollback(s);
		if (rv == TD_OK) {
			res->stored = 0; /* validated only */
		}
		return rv;
	}
	res->stored = b->records;
	return store_tx_commit(s);
}

/* ---- the record kinds ---- */

static const ingest_spec SURVEYS = {
	"survey_responses",
	"survey_id, school_id, respondent, administered_on, grade, answers",
	"survey_id,school_id,respondent,administered_on",
	"",
	"",
	"t.school_id, t.administered_on, t.grade, t.answers",
	read_survey,
	NULL,
	false,
};

static const ingest_spec OUTCOMES = {
	"outcomes",
	"measure_id, school_id, subgroup, period_start, period_end, value, n, "
	"sd",
	"measure_id,school_id,subgroup,period_start,period_end",
	", measures m",
	" AND m.id = t.measure_id",
	"t.school_id, t.period_start, m.code, t.subgroup, t.value, t.n",
	read_outcome,
	"ty",
	true,
};

static const ingest_spec COSTS = {
	"costs",
	"activity_id, year, ingredient, category, quantity, unit_cost",
	"activity_id,year,ingredient",
	NULL,
	NULL,
	NULL,
	NULL,
	NULL,
	false,
};

static const ingest_spec PARTICIPATION = {
	"participation",
	"activity_id, school_id, educator_id, period_start, period_end, hours",
	"activity_id,school_id,educator_key,period_start,period_end",
	NULL,
	NULL,
	NULL,
	NULL,
	NULL,
	false,
};

static const ingest_spec ADMINISTRATIONS = {
	"administrations",
	"survey, school_id, administered_on, invited",
	"survey,school_id,administered_on",
	NULL,
	NULL,
	NULL,
	NULL,
	NULL,
	false,
};

static const ingest_spec OBSERVATIONS = {
	"observations",
	"observation, observer_id, observed_id, rubric_id, school_id, "
	"observed_on, scores, notes",
	"school_id,observation,observer_id",
	NULL,
	NULL,
	NULL,
	NULL,
	NULL,
	false,
};

static const ingest_spec ANNOTATIONS = {
	"annotations",
	"observation_id, t_seconds, criterion, note",
	"observation_id,t_seconds,criterion",
	NULL,
	NULL,
	NULL,
	NULL,
	NULL,
	false,
};

static const ingest_spec PDSA_CYCLES = {
	"pdsa_cycles",
	"code, school_id, measure_id, activity_id, change_idea, prediction, "
	"predicted_value, start_on, end_on, status, result",
	"code,school_key",
	NULL,
	NULL,
	NULL,
	NULL,
	NULL,
	false,
};

/* The typed entry points of store.h, one per record kind. */
#define STORE_INGEST_KIND(fn, KIND)                                           \
	int fn(store *s, const store_ingest_batch *b,                         \
	       store_ingest_result *res)                                      \
	{                                                                     \
		return ingest(s, &KIND, b, res);                              \
	}
STORE_INGEST_KIND(store_ingest_surveys, SURVEYS)
STORE_INGEST_KIND(store_ingest_outcomes, OUTCOMES)
STORE_INGEST_KIND(store_ingest_costs, COSTS)
STORE_INGEST_KIND(store_ingest_participation, PARTICIPATION)
STORE_INGEST_KIND(store_ingest_administrations, ADMINISTRATIONS)
STORE_INGEST_KIND(store_ingest_observations, OBSERVATIONS)
STORE_INGEST_KIND(store_ingest_annotations, ANNOTATIONS)
STORE_INGEST_KIND(store_ingest_pdsa_cycles, PDSA_CYCLES)
