/* SPDX-License-Identifier: MIT
 * The decided disclosure lattice of one academic year of a measure (a
 * component), shared by analysis_disclosure.c (the cache of lattices and
 * laying their states on a call's points) and analysis_lattice.c
 * (deciding a year, or deciding it again after a write at a few
 * schools). Internal to the Analysis service.
 */
#ifndef TD_ANALYSIS_LATTICE_H
#define TD_ANALYSIS_LATTICE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis.h"
#include "stats_disclosure.h"
#include "store/store_disclosure.h"

/* A decided cell, compact: what a call needs to lay states on points. */
typedef struct disc_slot {
	uint32_t unit, period, group; /* offsets into strs */
	char     level, grain;
	uint8_t  state;
	double   people;
} disc_slot;

/* One academic year of a measure's lattice, sorted by (level, unit,
 * grain, period, group). Immutable once built; shared by the lattices of
 * successive data versions that did not change it. */
typedef struct comp {
	int        year; /* academic year (its first year) */
	disc_slot *slots;
	char      *strs;
	size_t     n, bytes;
	size_t     strs_len; /* bytes of strs */
	size_t     strs_added; /* of which patches appended since the last
	                        * comp_pack (the units they replaced left
	                        * theirs unused) */
	uint32_t *districts; /* of each school unit, in slot order:
	                      * (unit, district) offsets into strs */
	size_t         n_districts;
	_Atomic size_t refs;
	uint64_t       gen; /* unique per component: analysis_stamps */
} comp;

/* level_rank: the network, districts, schools, in stats_disclose's key
 * order, so that cells fed in the slots' order need no sort there. */
static inline int
level_rank(char l)
{
	return l == 'n' ? 0 : l == 'd' ? 1 : 2;
}

/* comp_release drops a reference; the last frees the component. */
void comp_release(comp *c);

/* comp_decide decides the cells idx[0..m) of one academic year (scratch:
 * room for m stats cells) and packs them; NULL (status set) on failure. */
comp *comp_decide(rpc_call *call, const series_spec *spec, int min_n, int year,
                  const store_disc_cell *cells, size_t *idx, size_t m,
                  stats_disc_cell *dc);

/* comp_patch decides again the year of base whose cells at the units
 * names[0..n_names) ("s" + school code, "d" + district code, "n") are now
 * fresh[0..n_fresh); the year's other cells are kept. NULL (status set)
 * on failure. */
comp *comp_patch(rpc_call *call, const series_spec *spec, int min_n,
                 const comp *base, store_disc_cell *fresh, size_t n_fresh,
                 char **names, size_t n_names);

#endif
