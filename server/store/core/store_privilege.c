/* SPDX-License-Identifier: MIT
 * Least privilege: migrations run as the schema's owner; tandemd serves
 * through another role that owns nothing, so it can neither alter tables
 * nor disable the audit log's trigger, and holds no UPDATE, DELETE or
 * TRUNCATE on the audit log at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

/* serving_role asks the serving conninfo who it is. */
static int
serving_role(store *s, const char *conninfo, char *out, size_t cap)
{
	PGconn *c = PQconnectdb(conninfo ? conninfo : "");
	if (PQstatus(c) != CONNECTION_OK) {
		PQfinish(c);
		return store_fail(s, TD_EUNAVAIL,
		                  "cannot connect with --db to learn the "
		                  "serving role");
	}
	PGresult *r  = PQexec(c, "SELECT current_user");
	int       rv = TD_OK;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		rv = store_result_err(s, r, "asking the serving role");
	} else {
		snprintf(out, cap, "%s", PQgetvalue(r, 0, 0));
	}
	PQclear(r);
	PQfinish(c);
	return rv;
}

int
store_grant_serving(store *s, const char *serving_conninfo)
{
	char role[128];
	int  rv = serving_role(s, serving_conninfo, role, sizeof(role));
	if (rv != TD_OK) {
		return rv;
	}
	PGresult *r    = PQexec(s->conn, "SELECT current_user");
	bool      same = PQresultStatus(r) == PGRES_TUPLES_OK
	    && strcmp(PQgetvalue(r, 0, 0), role) == 0;
	PQclear(r);
	if (same) {
		return TD_OK; /* one role for both: nothing to grant */
	}
	char *id = PQescapeIdentifier(s->conn, role, strlen(role));
	if (id == NULL) {
		return store_fail(s, TD_ENOMEM, "out of memory");
	}
	char sql[1024];
	snprintf(
	    sql, sizeof(sql),
	    "GRANT USAGE ON SCHEMA public TO %s; "
	    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN "
	    "SCHEMA public TO %s; "
	    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %s; "
	    "REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON "
	    "audit_log FROM %s",
	    id, id, id, id);
	PQfreemem(id);
	return store_exec(s, sql, "granting the serving role its rights");
}
