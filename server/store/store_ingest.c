/* SPDX-License-Identifier: MIT
 * One batch, one transaction: recognise a retried submission, COPY the rows
 * straight into their table, and only when a natural key already exists
 * (SQLSTATE 23505) go through a staging table to find the conflicting
 * records or, for a correction, replace them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

#define CHUNK (256u * 1024u)

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
	PGresult *res = PQexec(s->conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		int rv = store_result_err(s, res, what);
		PQclear(res);
		return rv;
	}
	PQclear(res);
	char  *buf = malloc(CHUNK);
	size_t len = 0;
	int    ok  = buf != NULL;
	size_t n   = store_rows_count(rows);
	for (size_t i = 0; ok && i < n; i++) {
		size_t      rlen;
		const char *row = store_rows_row(rows, i, &rlen);
		char        pre[48];
		int         plen = with_index
		            ? snprintf(pre, sizeof(pre), "%zu\t%s\t", i, seq)
		            : snprintf(pre, sizeof(pre), "%s\t", seq);
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
	PQputCopyEnd(s->conn, ok ? NULL : "client failed to send rows");
	res    = PQgetResult(s->conn);
	int rv = TD_OK;
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rv = store_result_err(s, res, what);
	}
	PQclear(res);
	/* Drain: libpq wants NULL before the next command. */
	while ((res = PQgetResult(s->conn)) != NULL) {
		PQclear(res);
	}
	return rv;
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

static int
staged(store *s, const store_ingest_spec *spec, const store_ingest_batch *b,
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
		/* what was replaced goes to the audit log: the old rows' keys
		 * (pseudonyms, ids and dates, never a student's id) */
		char   cols[256];
		size_t cl = 0;
		for (const char *k = spec->key; *k && cl + 4 < sizeof(cols);
		     k++) {
			if (k == spec->key || k[-1] == ',') {
				cols[cl++] = 't';
				cols[cl++] = '.';
			}
			cols[cl++] = *k;
		}
		cols[cl] = '\0';
		snprintf(
		    sql, sizeof(sql),
		    "DELETE FROM %s t USING td_stage s WHERE %s RETURNING "
		    "row(%s)::text",
		    spec->table, join, cols);
		if ((rv = exec_params(s, sql, 0, NULL, PGRES_TUPLES_OK, &r,
		                      "replacing corrected records"))
		    != TD_OK) {
			return rv;
		}
		res->corrected = PQntuples(r);
		size_t k       = 0;
		for (int i = 0;
		     i < PQntuples(r) && k + 2 < sizeof(res->replaced); i++) {
			k += (size_t) snprintf(
			    res->replaced + k, sizeof(res->replaced) - k,
			    "%s%s", i ? " " : "", PQgetvalue(r, i, 0));
		}
		PQclear(r);
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
	                  "the batch repeats a record's natural key (%s)",
	                  spec->key);
}

static int
lookup(store *s, const store_ingest_spec *spec, const store_ingest_batch *b,
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
		    && strcmp(PQgetvalue(r, 0, 0), spec->method) == 0;
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

/* num_array writes a PostgreSQL array literal of n numbers. */
static char *
num_array(const void *v, size_t n, bool is_double)
{
	size_t cap = 2 + n * 26, k = 0;
	char  *out = malloc(cap);
	if (out == NULL) {
		return NULL;
	}
	out[k++] = '{';
	for (size_t i = 0; i < n; i++) {
		if (is_double) {
			k += (size_t) snprintf(out + k, cap - k, "%s%.17g",
			                       i ? "," : "",
			                       ((const double *) v)[i]);
		} else {
			k += (size_t) snprintf(
			    out + k, cap - k, "%s%lld", i ? "," : "",
			    (long long) ((const int64_t *) v)[i]);
		}
	}
	out[k++] = '}';
	out[k]   = '\0';
	return out;
}

/* apply_cells adds a batch's survey cells to the rollups: every cell
 * spread over grains (week, month, term, year), its grade and all grades,
 * and school, district and network, as the rollup triggers do. */
static int
apply_cells(store *s, const store_survey_cells *c)
{
	char *a[10] = { num_array(c->school_id, c->n, false),
		        store_text_array(c->date, c->n),
		        store_text_array(c->grade, c->n),
		        store_text_array(c->construct, c->n),
		        num_array(c->cnt, c->n, false),
		        num_array(c->s1, c->n, true),
		        num_array(c->s2, c->n, true),
		        num_array(c->fav, c->n, false),
		        num_array(c->items, c->n, false),
		        (char *) c->survey };
	int   rv    = TD_OK;
	for (int i = 0; i < 9; i++) {
		if (a[i] == NULL) {
			rv = store_fail(s, TD_ENOMEM, "out of memory");
		}
	}
	if (rv == TD_OK) {
		PGresult *r = PQexecParams(
		    s->conn,
		    "WITH cells AS (SELECT * FROM unnest($1::bigint[], "
		    "$2::date[], $3::text[], $4::text[], $5::bigint[], "
		    "$6::float8[], $7::float8[], $8::bigint[], $9::bigint[]) "
		    "AS "
		    "c(school_id, administered_on, grade, construct, cnt, s1, "
		    "s2, "
		    "fav, items)), expanded AS (SELECT 'survey:' || $10::text "
		    "|| "
		    "'/' || c.construct AS measure, gr.grade, g.grain, "
		    "td_period_start(g.grain, c.administered_on) AS "
		    "period_start, "
		    "l.level, l.unit_id, c.cnt, c.s1, c.s2, c.fav, c.items, 1 "
		    "<< "
		    "(extract(month FROM c.administered_on)::int - 1) AS bit "
		    "FROM "
		    "cells c JOIN schools s ON s.id = c.school_id CROSS JOIN "
		    "(VALUES ('w'::char), ('m'), ('t'), ('y')) g(grain) CROSS "
		    "JOIN "
		    "LATERAL (SELECT c.grade WHERE c.grade <> '' UNION ALL "
		    "SELECT "
		    "'') gr(grade) CROSS JOIN LATERAL (VALUES ('s'::char, "
		    "c.school_id), ('d', s.district_id), ('n', 0::bigint)) "
		    "l(level, unit_id)) "
		    "INSERT INTO rollups AS t (measure, subgroup, grade, "
		    "grain, "
		    "period_start, level, unit_id, cnt, n_sum, wsum, wsumsq, "
		    "fav, "
		    "items, month_mask, last_received) SELECT measure, '', "
		    "grade, "
		    "grain, period_start, level, unit_id, sum(cnt), sum(cnt), "
		    "sum(s1), sum(s2), sum(fav), sum(items), bit_or(bit), "
		    "now() "
		    "FROM expanded GROUP BY measure, grade, grain, "
		    "period_start, "
		    "level, unit_id ON CONFLICT (measure, subgroup, grade, "
		    "grain, "
		    "level, unit_id, period_start) DO UPDATE SET cnt = t.cnt "
		    "+ "
		    "excluded.cnt, n_sum = t.n_sum + excluded.n_sum, wsum = "
		    "t.wsum "
		    "+ excluded.wsum, wsumsq = t.wsumsq + excluded.wsumsq, "
		    "fav = "
		    "t.fav + excluded.fav, items = t.items + excluded.items, "
		    "month_mask = t.month_mask | excluded.month_mask, "
		    "last_received = greatest(t.last_received, "
		    "excluded.last_received)",
		    10, NULL, (const char *const *) a, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			rv = store_result_err(s, r,
			                      "updating the survey rollups");
		}
		PQclear(r);
	}
	for (int i = 0; i < 9; i++) {
		free(a[i]);
	}
	return rv;
}

int
store_ingest(store *s, const store_ingest_spec *spec,
             const store_ingest_batch *b, store_ingest_result *res)
{
	char      seq[24], recs[24], hash[80], sql[1024];
	PGresult *r = NULL;
	bool      found;
	int       rv;

	memset(res, 0, sizeof(*res));
	res->records = b->records;
	if (store_rows_failed(b->rows)) {
		return store_fail(s, TD_ENOMEM, "out of memory building rows");
	}
	if ((rv = store_tx_begin(s)) != TD_OK) {
		return rv;
	}
	/* Retries of one submission (nng resends, CLI retries) queue here
	 * instead of racing. */
	const char *p1[2] = { b->submission_id, b->client_id };
	if ((rv = exec_params(s,
	                      "SELECT pg_advisory_xact_lock(7450, "
	                      "hashtext(coalesce($2, '') || '/' || $1))",
	                      2, p1, PGRES_TUPLES_OK, NULL,
	                      "locking the submission"))
	        != TD_OK
	    || (rv = lookup(s, spec, b, res, &found)) != TD_OK || found) {
		store_tx_rollback(s);
		return rv;
	}
	snprintf(recs, sizeof(recs), "%" PRId64, b->records);
	snprintf(hash, sizeof(hash), "\\x");
	for (int i = 0; i < 32; i++) {
		snprintf(hash + 2 + 2 * i, 3, "%02x", b->payload_sha256[i]);
	}
	const char *p4[5]
	    = { b->submission_id, spec->method, hash, recs, b->client_id };
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
	if (rv == TD_OK && b->cells != NULL && b->cells->n > 0) {
		rv = apply_cells(s, b->cells);
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
