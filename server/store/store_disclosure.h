/* SPDX-License-Identifier: MIT
 * The store's side of disclosure control (analysis/store_disclosure.c):
 * every cell of a measure's lattice, the cells of one academic year
 * patched after a write, and the lattice's change log.
 */
#ifndef TD_STORE_DISCLOSURE_H
#define TD_STORE_DISCLOSURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* ---- disclosure control ---- */

/* One cell of a measure's lattice: a unit, a period, a group. */
typedef struct store_disc_cell {
	char level; /* 's', 'd', 'n' */
	char grain; /* 'w', 'm', 't', 'y' */
	/* strings in the same block as the cells */
	const char *unit; /* school or district code; "network" */
	const char *district; /* a school's district code */
	const char *period; /* period start YYYY-MM-DD */
	const char *group; /* subgroup (outcomes) or grade (surveys); "" all */
	double n; /* outcomes: submitted n of the period; surveys: distinct
	           * respondents who answered the construct */
} store_disc_cell;

/* store_disclosure_cells reads every cell of a measure (an outcome code or
 * survey:CODE/CONSTRUCT), every level, grain and group, whatever is asked,
 * so that suppression is chosen on the whole lattice; with from_year >= 0
 * only the cells whose period starts in the academic years from_year ..
 * to_year (August to July; the year is its first). The caller frees *out
 * with free(). */
int store_disclosure_cells(store *s, const char *measure, int from_year,
                           int to_year, store_disc_cell **out, size_t *n)
    __attribute__((warn_unused_result));

/* What changed in a measure's lattice since a snapshot of the change log
 * (sql/021_lattice_changes.sql). */
#define STORE_LATTICE_MAX_YEARS 64
/* A write that reaches more schools of a (measure, year) than this logs
 * the whole year (sql/023): reading that many schools' cells again costs
 * about what reading the year does. */
#define STORE_LATTICE_MAX_SCHOOLS 64
typedef struct store_lattice_change {
	char snapshot[256]; /* the log's snapshot now: pass it next time */
	bool all; /* every academic year (or no snapshot was given) */
	int  years[STORE_LATTICE_MAX_YEARS]; /* else these academic years */
	/* of which these were written only at the schools below (their
	 * cells, their districts' and the network's changed), the others
	 * anywhere */
	bool    by_school[STORE_LATTICE_MAX_YEARS];
	size_t  n;
	int64_t schools[STORE_LATTICE_MAX_SCHOOLS]; /* school ids */
	size_t  n_schools;
} store_lattice_change;

/* store_disclosure_patch reads the cells of academic year `year` of an
 * outcome measure (not a survey construct) at the schools ids[0..n), at
 * their districts and at the network: what a write of those schools can
 * have changed. *out and *n_out as for store_disclosure_cells; *units
 * (n_units of them) names every unit read again, cells or none, as
 * "s" + school code, "d" + district code and "n": the caller drops the
 * year's cells of these units and takes the cells read instead. The
 * caller frees *out and *units with free(). */
int store_disclosure_patch(store *s, const char *measure, int year,
                           const int64_t *ids, size_t n, store_disc_cell **out,
                           size_t *n_out, char ***units, size_t *n_units)
    __attribute__((warn_unused_result));

/* store_lattice_changes reads which academic years of measure were
 * written by transactions the snapshot since (NULL: none) did not see,
 * and the snapshot to pass next time. Read it before the cells. */
int store_lattice_changes(store *s, const char *measure, const char *since,
                          store_lattice_change *out)
    __attribute__((warn_unused_result));

#endif /* TD_STORE_DISCLOSURE_H */
