/* SPDX-License-Identifier: MIT
 * What a write reached, logged for the disclosure lattice: each batch's
 * (measure, academic year) pairs and the schools each reached, written by
 * store_rollup_apply in the batch's transaction, so every tandemd can
 * decide again only those years (services/analysis/analysis_lattice.c).
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_disclosure.h"
#include "store_ingest.h"
#include "store_internal.h"

/* The disclosure lattice's change log (sql/021_lattice_changes.sql): the
 * (measure, academic year) pairs the delta's cells reach, with the
 * schools each reached (sql/023; NULL beyond STORE_LATTICE_MAX_SCHOOLS),
 * written in the batch's transaction; the setting above tells the
 * rollups' trigger that this write logged itself. Every PRUNE_EVERY-th
 * write of a process also drops rows older than a day and moves the
 * horizon past them. */
#define PRUNE_EVERY 128
static const char LOG_CHANGES[]
    = "INSERT INTO lattice_changes (measure, academic_year, schools) "
      "SELECT m, y, s::bigint[] FROM unnest($1::text[], $2::int[], "
      "$3::text[]) AS u(m, y, s)";
static const char PRUNE_CHANGES[]
    = "WITH gone AS (DELETE FROM lattice_changes WHERE at < now() - "
      "interval '1 day' RETURNING xid) UPDATE lattice_horizon SET xid = "
      "(SELECT max(xid) FROM gone) WHERE (SELECT max(xid) FROM gone) > xid";

/* academic_year: the first year of the school year (August on) of a
 * YYYY-MM-DD date; -1 when it is not one. */
static int
academic_year(const char *date, int *day)
{
	int y = 0, m = 0, d = 0;
	for (int i = 0; i < 10; i++) {
		char c = date[i];
		if (i == 4 || i == 7 ? c != '-' : (c < '0' || c > '9')) {
			return -1;
		}
		int *f = i < 4 ? &y : i < 7 ? &m : &d;
		if (i != 4 && i != 7) {
			*f = *f * 10 + (c - '0');
		}
	}
	*day = d;
	return m >= 8 ? y : y - 1;
}

/* One (measure, academic year) pair of the log and the schools it
 * reached; n_schools > STORE_LATTICE_MAX_SCHOOLS: too many to name. */
typedef struct logged {
	const char *measure;
	int         year;
	int64_t     schools[STORE_LATTICE_MAX_SCHOOLS];
	size_t      n_schools;
} logged;

/* log_school adds school to P unless named already or too many. */
static void
log_school(logged *P, int64_t school)
{
	if (P->n_schools > STORE_LATTICE_MAX_SCHOOLS) {
		return;
	}
	for (size_t i = 0; i < P->n_schools; i++) {
		if (P->schools[i] == school) {
			return;
		}
	}
	if (P->n_schools < STORE_LATTICE_MAX_SCHOOLS) {
		P->schools[P->n_schools] = school;
	}
	P->n_schools++;
}

/* log_insert writes the k pairs of P. */
static int
log_insert(store *s, const logged *P, size_t k)
{
	const char **m   = malloc((k ? k : 1) * sizeof(*m));
	char        *yrs = malloc(k * 12 + 3);
	char *sch  = malloc(k * (STORE_LATTICE_MAX_SCHOOLS * 21 + 8) + 3);
	char *name = NULL;
	int   rv   = TD_OK;
	for (size_t j = 0; m != NULL && j < k; j++) {
		m[j] = P[j].measure;
	}
	if (m == NULL || yrs == NULL || sch == NULL
	    || (name = store_text_array(m, k)) == NULL) {
		rv = store_fail(s, TD_ENOMEM, "out of memory");
		goto out;
	}
	size_t ay = 0, as = 0;
	yrs[ay++] = '{';
	sch[as++] = '{';
	for (size_t j = 0; j < k; j++) {
		ay += (size_t) sprintf(yrs + ay, "%s%d", j ? "," : "",
		                       P[j].year < 0 ? 0 : P[j].year);
		as += (size_t) sprintf(sch + as, "%s", j ? "," : "");
		if (P[j].n_schools > STORE_LATTICE_MAX_SCHOOLS) {
			as += (size_t) sprintf(sch + as, "NULL");
			continue;
		}
		sch[as++] = '"';
		sch[as++] = '{';
		for (size_t i = 0; i < P[j].n_schools; i++) {
			as += (size_t) sprintf(sch + as, "%s%" PRId64,
			                       i ? "," : "", P[j].schools[i]);
		}
		sch[as++] = '}';
		sch[as++] = '"';
	}
	yrs[ay++]        = '}';
	yrs[ay]          = '\0';
	sch[as++]        = '}';
	sch[as]          = '\0';
	const char *p[3] = { name, yrs, sch };
	PGresult   *r
	    = PQexecParams(s->conn, LOG_CHANGES, 3, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		rv = store_result_err(s, r, "logging the lattice's changes");
	}
	PQclear(r);
out:
	free(m);
	free(yrs);
	free(sch);
	free(name);
	return rv;
}

/* store_lattice_log writes the delta's (measure, academic year) pairs. A week
 * belongs to the year of its Monday: a date in August's first six days
 * may fall in a week of the year before, so that year is logged too. */
int
store_lattice_log(store *s, const store_rollup_delta *d)
{
	size_t  cap = 4, k = 0;
	logged *P     = malloc(cap * sizeof(*P));
	bool    oom   = P == NULL;
	int     rv    = TD_OK;
	bool    weeks = d->grains != NULL && strchr(d->grains, 'w') != NULL;
	for (size_t i = 0; !oom && i < d->n; i++) {
		const store_rollup_cell *c   = &d->cells[i];
		int                      day = 0;
		int                      ay  = academic_year(c->date, &day);
		for (int w = 0; w < 2; w++) {
			int    yr = ay - w;
			size_t j  = 0;
			if (w == 1
			    && !(weeks && ay >= 0 && day <= 6
			         && strncmp(c->date + 5, "08", 2) == 0)) {
				break;
			}
			while (j < k
			       && !(P[j].year == yr
			            && (P[j].measure == c->measure
			                || strcmp(P[j].measure, c->measure)
			                    == 0))) {
				j++;
			}
			if (j == k && k == cap) {
				logged *P2 = realloc(P, 2 * cap * sizeof(*P));
				if (P2 == NULL) {
					oom = true;
					break;
				}
				P = P2;
				cap *= 2;
			}
			if (j == k) {
				P[k++] = (logged) { .measure = c->measure,
					            .year    = yr };
			}
			log_school(&P[j], c->school_id);
		}
	}
	if (oom) {
		rv = store_fail(s, TD_ENOMEM, "out of memory");
	} else {
		rv = log_insert(s, P, k);
	}
	static _Atomic unsigned writes;
	if (rv == TD_OK && ++writes % PRUNE_EVERY == 0) {
		rv = store_exec(s, PRUNE_CHANGES,
		                "pruning the lattice's change log");
	}
	free(P);
	return rv;
}
