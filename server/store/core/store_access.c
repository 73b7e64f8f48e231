/* SPDX-License-Identifier: MIT
 * API clients (looked up by the hash of their token; the token itself is
 * never stored) and the append-only audit log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_access.h"
#include "store_internal.h"

#define CLIENT_COLS                                                           \
	"c.id, c.name, c.role, coalesce(sc.code, ''), coalesce(d.code, "      \
	"d2.code, ''), c.created_at::text, coalesce(c.revoked_at::text, "     \
	"''), c.token_sha256 "
#define CLIENT_FROM                                                           \
	"FROM api_clients c LEFT JOIN schools sc ON sc.id = c.school_id "     \
	"LEFT JOIN districts d ON d.id = c.district_id LEFT JOIN districts "  \
	"d2 ON d2.id = sc.district_id "

static void
client_row(const PGresult *r, int i, store_client *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", PQgetvalue(r, i, 0));
	snprintf(c->name, sizeof(c->name), "%s", PQgetvalue(r, i, 1));
	snprintf(c->role, sizeof(c->role), "%s", PQgetvalue(r, i, 2));
	snprintf(c->school, sizeof(c->school), "%s", PQgetvalue(r, i, 3));
	snprintf(c->district, sizeof(c->district), "%s", PQgetvalue(r, i, 4));
	snprintf(c->created_at, sizeof(c->created_at), "%s",
	         PQgetvalue(r, i, 5));
	snprintf(c->revoked_at, sizeof(c->revoked_at), "%s",
	         PQgetvalue(r, i, 6));
	size_t         n = 0;
	unsigned char *h
	    = PQunescapeBytea((const unsigned char *) PQgetvalue(r, i, 7), &n);
	if (h != NULL && n == 32) {
		memcpy(c->token_sha256, h, 32);
	}
	PQfreemem(h);
}

static int
run(store *s, const char *sql, int n, const char *const *p, PGresult **out,
    const char *what)
{
	return store_query(s, sql, n, p, out, what);
}

static void
hex_hash(const unsigned char h[32], char out[67])
{
	out[0] = '\\';
	out[1] = 'x';
	for (int i = 0; i < 32; i++) {
		snprintf(out + 2 + 2 * i, 3, "%02x", h[i]);
	}
}

int
store_client_by_token(store *s, const unsigned char hash[32],
                      store_client *out, bool *found)
{
	char        hx[67];
	const char *p[1] = { hx };
	PGresult   *r;
	hex_hash(hash, hx);
	int rv = run(s,
	             "SELECT " CLIENT_COLS CLIENT_FROM
	             "WHERE c.token_sha256 = $1::bytea",
	             1, p, &r, "checking the token");
	if (rv != TD_OK) {
		return rv;
	}
	*found = PQntuples(r) == 1;
	if (*found) {
		client_row(r, 0, out);
	}
	PQclear(r);
	return TD_OK;
}

int
store_client_create(store *s, const char *id, const char *name,
                    const char *role, const char *school, const char *district,
                    const unsigned char hash[32], store_client *out)
{
	char        hx[67];
	const char *p[6] = { id,
		             name,
		             role,
		             school[0] ? school : NULL,
		             district[0] ? district : NULL,
		             hx };
	PGresult   *r;
	hex_hash(hash, hx);
	if (school[0] || district[0]) {
		const char *q[2] = { school[0] ? school : NULL,
			             district[0] ? district : NULL };
		int rv = run(s,
		             "SELECT ($1::text IS NULL OR EXISTS (SELECT 1 "
		             "FROM schools WHERE code = $1)), ($2::text IS "
		             "NULL OR EXISTS (SELECT 1 FROM districts WHERE "
		             "code = $2))",
		             2, q, &r, "checking the client's scope");
		if (rv != TD_OK) {
			return rv;
		}
		bool sok = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
		bool dok = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
		PQclear(r);
		if (!sok || !dok) {
			return store_fail(s, TD_ENOTFOUND,
			                  "%s '%s' is not in the registry",
			                  !sok ? "school" : "district",
			                  !sok ? school : district);
		}
	}
	int rv
	    = run(s,
	          "WITH ins AS (INSERT INTO api_clients (id, name, role, "
	          "school_id, district_id, token_sha256) VALUES ($1, $2, $3, "
	          "(SELECT id FROM schools WHERE code = $4), (SELECT id FROM "
	          "districts WHERE code = $5), $6::bytea) RETURNING *) "
	          "SELECT " CLIENT_COLS
	          "FROM ins c LEFT JOIN schools sc ON sc.id = c.school_id "
	          "LEFT JOIN districts d ON d.id = c.district_id LEFT JOIN "
	          "districts d2 ON d2.id = sc.district_id",
	          6, p, &r, "creating a client");
	if (rv != TD_OK) {
		return rv;
	}
	client_row(r, 0, out);
	PQclear(r);
	return TD_OK;
}

int
store_clients_list(store *s, bool include_revoked, store_client **out,
                   size_t *n)
{
	const char *p[1] = { include_revoked ? "t" : "f" };
	PGresult   *r;
	int         rv = run(s,
	                     "SELECT " CLIENT_COLS CLIENT_FROM
	                     "WHERE $1::bool OR c.revoked_at IS NULL ORDER BY "
	                             "c.created_at, c.id",
	                     1, p, &r, "listing clients");
	if (rv != TD_OK) {
		return rv;
	}
	*n   = (size_t) PQntuples(r);
	*out = calloc(*n ? *n : 1, sizeof(store_client));
	for (size_t i = 0; *out && i < *n; i++) {
		client_row(r, (int) i, &(*out)[i]);
	}
	PQclear(r);
	return *out ? TD_OK : store_fail(s, TD_ENOMEM, "out of memory");
}

int
store_client_revoke(store *s, const char *id, store_client *out)
{
	const char *p[1] = { id };
	PGresult   *r;
	int         rv = run(
	            s,
	            "WITH up AS (UPDATE api_clients SET revoked_at = coalesce("
	                    "revoked_at, now()) WHERE id = $1 RETURNING *) SELECT " CLIENT_COLS
	            "FROM up c LEFT JOIN schools sc ON sc.id = c.school_id LEFT JOIN "
	                    "districts d ON d.id = c.district_id LEFT JOIN districts d2 ON "
	                    "d2.id = sc.district_id",
	            1, p, &r, "revoking a client");
	if (rv != TD_OK) {
		return rv;
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		return store_fail(s, TD_ENOTFOUND, "no client %s", id);
	}
	client_row(r, 0, out);
	PQclear(r);
	return TD_OK;
}

int
store_audit_append(store *s, const char *client_id, const char *method,
                   const char *status, const char *request_id, int64_t records,
                   int64_t duration_us, const char *detail, bool async)
{
	char        rec[24], dur[24];
	const char *p[7] = { client_id && client_id[0] ? client_id : NULL,
		             method,
		             status,
		             request_id ? request_id : "",
		             rec,
		             dur,
		             detail ? detail : "" };
	PGresult *r;
	snprintf(rec, sizeof(rec), "%lld", (long long) records);
	snprintf(dur, sizeof(dur), "%lld", (long long) duration_us);
	if (PQstatus(s->conn) != CONNECTION_OK) {
		return store_fail(s, TD_EUNAVAIL, "database unavailable");
	}
	if (PQtransactionStatus(s->conn) != PQTRANS_IDLE) {
		store_rollback(s);
	}
	/* The call's deadline may have passed; the audit row must not. */
	int rv = store_set_timeout(s, 5000);
	if (rv == TD_OK && async) {
		rv = store_exec(s, "SET synchronous_commit TO off",
		                "relaxing the audit commit");
	}
	if (rv == TD_OK) {
		rv = run(
		    s,
		    "INSERT INTO audit_log (client_id, method, status, "
		    "request_id, records, duration_us, detail) VALUES ($1, "
		    "left($2, 200), $3, left($4, 128), $5::bigint, "
		    "$6::bigint, "
		    "left($7, 500))",
		    7, p, &r, "writing the audit log");
	}
	if (async
	    && store_exec(s, "SET synchronous_commit TO on",
	                  "restoring the commit mode")
	        != TD_OK) {
		rv = rv == TD_OK ? TD_EUNAVAIL : rv;
	}
	if (rv == TD_OK) {
		PQclear(r);
	}
	return rv;
}

/* The audit writer's one statement, prepared once per connection: under
 * load it runs for every few rows, and parsing and planning it each time
 * were a good part of PostgreSQL's share (perf: base_yyparse, the
 * planner's tree copies and walks). */
#define AUDIT_STMT "td_audit_append"
static int
audit_insert(store *s, const char *const p[7])
{
	PGresult *r;
	if (!s->audit_prepared) {
		r = PQprepare(
		    s->conn, AUDIT_STMT,
		    "INSERT INTO audit_log (client_id, method, status, "
		    "request_id, records, duration_us, detail) SELECT "
		    "nullif(c, ''), left(m, 200), st, left(q, 128), r, d, "
		    "left(x, 500) FROM unnest($1::text[], $2::text[], "
		    "$3::text[], $4::text[], $5::bigint[], $6::bigint[], "
		    "$7::text[]) AS u(c, m, st, q, r, d, x)",
		    7, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			int rv = store_result_err(s, r,
			                          "preparing the audit log");
			PQclear(r);
			return rv;
		}
		PQclear(r);
		s->audit_prepared = true;
	}
	r = PQexecPrepared(s->conn, AUDIT_STMT, 7, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		int rv = store_result_err(s, r, "writing the audit log");
		PQclear(r);
		return rv;
	}
	PQclear(r);
	return TD_OK;
}

int
store_audit_append_many(store *s, const store_audit_entry *rows, size_t n)
{
	if (n == 0) {
		return TD_OK;
	}
	if (PQstatus(s->conn) != CONNECTION_OK) {
		return store_fail(s, TD_EUNAVAIL, "database unavailable");
	}
	const char **col[5];
	char        *arr[5] = { NULL };
	char        *nums   = NULL;
	int          rv     = TD_ENOMEM;
	for (int k = 0; k < 5; k++) {
		col[k] = calloc(n, sizeof(char *));
	}
	char **rec = calloc(n, sizeof(char *)),
	     **dur = calloc(n, sizeof(char *));
	nums       = malloc(n * 48);
	if (col[0] && col[1] && col[2] && col[3] && col[4] && rec && dur
	    && nums) {
		for (size_t i = 0; i < n; i++) {
			col[0][i] = rows[i].client_id;
			col[1][i] = rows[i].method;
			col[2][i] = rows[i].status;
			col[3][i] = rows[i].request_id;
			col[4][i] = rows[i].detail;
			rec[i]    = nums + i * 48;
			dur[i]    = nums + i * 48 + 24;
			snprintf(rec[i], 24, "%lld",
			         (long long) rows[i].records);
			snprintf(dur[i], 24, "%lld",
			         (long long) rows[i].duration_us);
		}
		bool ok = true;
		for (int k = 0; k < 5 && ok; k++) {
			ok = (arr[k] = store_text_array(col[k], n)) != NULL;
		}
		char *ra = ok ? store_text_array((const char *const *) rec, n)
		              : NULL;
		char *da = ra ? store_text_array((const char *const *) dur, n)
		              : NULL;
		if (da != NULL) {
			const char *p[7] = { arr[0], arr[1], arr[2], arr[3],
				             ra,     da,     arr[4] };
			rv               = store_set_timeout(s, 5000);
			if (rv == TD_OK) {
				rv = audit_insert(s, p);
			}
		}
		free(ra);
		free(da);
	}
	for (int k = 0; k < 5; k++) {
		free(arr[k]);
		free(col[k]);
	}
	free(rec);
	free(dur);
	free(nums);
	return rv == TD_ENOMEM ? store_fail(s, rv, "out of memory") : rv;
}

int
store_audit_query(store *s, const char *since, const char *client, int limit,
                  store_audit_row **out, size_t *n)
{
	char        lim[16];
	const char *p[3] = { since && since[0] ? since : NULL,
		             client && client[0] ? client : NULL, lim };
	PGresult *r;
	snprintf(lim, sizeof(lim), "%d", limit > 0 ? limit : 100);
	int rv
	    = run(s,
	          "SELECT a.id, a.at::text, coalesce(a.client_id, ''), "
	          "a.method, a.status, a.request_id, a.records, "
	          "a.duration_us, a.detail FROM audit_log a LEFT JOIN "
	          "api_clients c ON c.id = a.client_id WHERE ($1::timestamptz "
	          "IS NULL OR a.at >= $1::timestamptz) AND ($2::text IS NULL "
	          "OR a.client_id = $2 OR c.name = $2) ORDER BY a.id DESC "
	          "LIMIT $3::int",
	          3, p, &r, "reading the audit log");
	if (rv != TD_OK) {
		return rv;
	}
	*n   = (size_t) PQntuples(r);
	*out = calloc(*n ? *n : 1, sizeof(store_audit_row));
	for (size_t i = 0; *out && i < *n; i++) {
		store_audit_row *a = &(*out)[i];
		int              k = (int) i;
		a->id              = strtoll(PQgetvalue(r, k, 0), NULL, 10);
		snprintf(a->at, sizeof(a->at), "%s", PQgetvalue(r, k, 1));
		snprintf(a->client, sizeof(a->client), "%s",
		         PQgetvalue(r, k, 2));
		snprintf(a->method, sizeof(a->method), "%s",
		         PQgetvalue(r, k, 3));
		snprintf(a->status, sizeof(a->status), "%s",
		         PQgetvalue(r, k, 4));
		snprintf(a->request_id, sizeof(a->request_id), "%s",
		         PQgetvalue(r, k, 5));
		a->records     = strtoll(PQgetvalue(r, k, 6), NULL, 10);
		a->duration_us = strtoll(PQgetvalue(r, k, 7), NULL, 10);
		snprintf(a->detail, sizeof(a->detail), "%s",
		         PQgetvalue(r, k, 8));
	}
	PQclear(r);
	return *out ? TD_OK : store_fail(s, TD_ENOMEM, "out of memory");
}
