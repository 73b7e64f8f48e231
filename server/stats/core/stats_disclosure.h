/* SPDX-License-Identifier: MIT
 * Disclosure control (ANALYSES.md, "Disclosure control"): which cells of a
 * measure's lattice -- units (school, district, network) x periods (week,
 * month, term, academic year) x groups (all students, a subgroup or a
 * grade) -- may be released to a role that is not admin. Pure: the caller
 * feeds every cell of the measure, whatever it was asked, so the choice
 * depends only on the data, never on the call.
 */
#ifndef TANDEM_STATS_DISCLOSURE_H
#define TANDEM_STATS_DISCLOSURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tandem/errors.h>

#ifdef __cplusplus
extern "C" {
#endif

enum stats_disc_state {
	STATS_DISC_RELEASED      = 0,
	STATS_DISC_PRIMARY       = 1, /* about fewer than min_n people */
	STATS_DISC_COMPLEMENTARY = 2, /* hidden so that a primary cell
	                               * cannot be recovered by subtraction */
};

/* One cell: a value about one group of people. */
typedef struct stats_disc_cell {
	char        level; /* 's' school, 'd' district, 'n' network */
	const char *unit; /* school or district code (ignored for 'n') */
	const char *district; /* a school's district code; NULL otherwise */
	char        grain; /* 'w', 'm', 't', 'y' */
	const char *period; /* period start, YYYY-MM-DD */
	const char *group; /* "" = all students; else a subgroup or grade */
	double      n; /* people behind the cell: distinct respondents, or
	                * the submitted n of a month */
	/* Out. */
	double people; /* disclosure n: n, or for a term or year of
	                * per-month data the smallest n of its months */
	uint8_t state; /* enum stats_disc_state */
} stats_disc_cell;

typedef struct stats_disc_opts {
	double min_n; /* cells about fewer people are suppressed */
	/* true: the groups partition "all" (grades); false: they may overlap
	 * (subgroups: each one is checked against its own complement). */
	bool groups_partition;
	/* true: n is per month (outcomes), so a term's or a year's people is
	 * the smallest n among its months, never their average. */
	bool n_per_month;
} stats_disc_opts;

typedef struct stats_disc_summary {
	size_t primary; /* cells with people < min_n */
	size_t complementary; /* further cells hidden to protect them */
	size_t passes; /* passes until nothing changed */
} stats_disc_summary;

/* stats_disclose sets people and state of cells[0..n). Primary
 * suppression hides every cell about fewer than min_n people; then, along
 * every hierarchy (school < district < network, group < all, week and
 * month < term < year), wherever an aggregate has suppressed parts that
 * together cover fewer than min_n people (the parts no released cell
 * covers -- an overlapping subgroup's complement, a grade-less remainder
 * -- count as suppressed parts), the released part with the smallest
 * people (ties by unit, period and group) is suppressed, or, with none
 * left, the aggregate itself; until nothing changes. The rule is applied
 * to suppressed aggregates too, and a suppressed aggregate whose parts
 * are all released loses its smallest part: one that could be derived
 * from its own totals would otherwise give away what it protects.
 * Strings are borrowed.
 * Returns TD_OK, TD_EINVAL (a bad grain, level or period -- a period is
 * exactly YYYY-MM-DD; errmsg says which cell) or TD_ENOMEM. */
int stats_disclose(stats_disc_cell *cells, size_t n,
                   const stats_disc_opts *opt, stats_disc_summary *sum,
                   char *errmsg) __attribute__((warn_unused_result));

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_STATS_DISCLOSURE_H */
