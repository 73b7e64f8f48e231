/* SPDX-License-Identifier: MIT
 * Applies the numbered migrations from sql/ (embedded at build time) in
 * order, each in its own transaction, recording each in
 * td_schema_migrations; an advisory lock keeps two tandemd from racing.
 * Every migration not recorded is applied, not only those above the
 * highest recorded: numbers are handed out to work that lands in any
 * order, so 015 may reach a database that already has 016.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

#define MIGRATION_LOCK "7450001"

/* is_applied: whether version is in td_schema_migrations. */
static int
is_applied(store *s, int version, bool *yes)
{
	char        v[16];
	const char *p[1] = { v };
	snprintf(v, sizeof(v), "%d", version);
	PGresult *res = PQexecParams(s->conn,
	                             "SELECT 1 FROM td_schema_migrations "
	                             "WHERE version = $1::int",
	                             1, NULL, p, NULL, NULL, 0);
	int       rv  = TD_OK;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rv = store_result_err(s, res, "reading applied migrations");
	} else {
		*yes = PQntuples(res) > 0;
	}
	PQclear(res);
	return rv;
}

static int
applied_version(store *s, int *version)
{
	PGresult *res = PQexec(s->conn,
	                       "SELECT coalesce(max(version), 0) FROM "
	                       "td_schema_migrations");
	int       rv  = TD_OK;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rv = store_result_err(s, res, "reading applied migrations");
	} else {
		*version = atoi(PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	return rv;
}

static int
apply_one(store *s, const store_migration *m)
{
	char        ver[16];
	const char *params[2] = { ver, m->name };
	int         rv;

	snprintf(ver, sizeof(ver), "%d", m->version);
	if ((rv = store_exec(s, "BEGIN", "starting a migration")) != TD_OK) {
		return rv;
	}
	PGresult *res = PQexec(s->conn, m->sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK
	    && PQresultStatus(res) != PGRES_TUPLES_OK) {
		char what[160];
		snprintf(what, sizeof(what), "applying migration %s", m->name);
		rv = store_result_err(s, res, what);
		PQclear(res);
		store_rollback(s);
		return rv;
	}
	PQclear(res);
	res = PQexecParams(s->conn,
	                   "INSERT INTO td_schema_migrations(version, name) "
	                   "VALUES ($1::int, $2)",
	                   2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rv = store_result_err(s, res, "recording a migration");
		PQclear(res);
		store_rollback(s);
		return rv;
	}
	PQclear(res);
	return store_exec(s, "COMMIT", "committing a migration");
}

int
store_migrate(store *s, int *applied, int *version)
{
	int rv, have = 0;
	*applied = 0;
	rv       = store_exec(s,
	                      "SELECT pg_advisory_lock(" MIGRATION_LOCK ");"
	                            "CREATE TABLE IF NOT EXISTS td_schema_migrations ("
	                            " version int PRIMARY KEY,"
	                            " name text NOT NULL,"
	                            " applied_at timestamptz NOT NULL DEFAULT now())",
	                      "preparing migrations");
	if (rv != TD_OK) {
		return rv;
	}
	if ((rv = applied_version(s, &have)) != TD_OK) {
		goto out;
	}
	for (size_t i = 0; i < store_n_migrations; i++) {
		const store_migration *m    = &store_migrations[i];
		bool                   done = m->version <= have;
		if (done && (rv = is_applied(s, m->version, &done)) != TD_OK) {
			goto out;
		}
		if (done) {
			continue;
		}
		if ((rv = apply_one(s, m)) != TD_OK) {
			goto out;
		}
		(*applied)++;
	}
	if ((rv = applied_version(s, &have)) != TD_OK) {
		goto out;
	}
	*version = have;
out:;
	int unlock
	    = store_exec(s, "SELECT pg_advisory_unlock(" MIGRATION_LOCK ")",
	                 "releasing the migration lock");
	return rv != TD_OK ? rv : unlock;
}
