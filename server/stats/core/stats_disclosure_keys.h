/* SPDX-License-Identifier: MIT
 * The keys of a disclosure lattice's cells as integers (internal to
 * stats_disclosure.c): stats_disclose's key order (level, unit, grain,
 * period, group) becomes two integers per cell, a unit's rank among the
 * lattice's units and a local key (grain, period, group's rank), so that
 * finding a cell's parents compares integers inside one unit's run of
 * cells instead of hashing and comparing strings (hashing the strings of
 * 153,015 cells, a year at 10,000 schools, and writing their terms' and
 * years' dates was 60% of deciding them).
 */
#ifndef TANDEM_STATS_DISCLOSURE_KEYS_H
#define TANDEM_STATS_DISCLOSURE_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "stats_disclosure.h"

#define DISC_NONE   ((size_t) -1)
#define DISC_NONE32 ((uint32_t) -1)

typedef struct disc_keys {
	/* Per cell. */
	uint32_t *unit; /* rank of (level, unit) by (level, strcmp) */
	uint64_t *local; /* grain << 56 | period code << 24 | group rank */
	uint32_t *district; /* a school's district unit, else DISC_NONE32 */
	/* In key order. */
	size_t   *order; /* cells */
	uint64_t *sorted; /* their local keys */
	size_t   *run; /* n_units + 1: where each unit's cells start */
	size_t    n_units;
	uint32_t  network; /* the network's unit, or DISC_NONE32 */
	uint32_t  all; /* rank of the group "" (all students), or NONE32 */
} disc_keys;

/* A period YYYY-MM-DD as the integer YYYYMMDD: ordered as the strings. */
static inline uint64_t
disc_local(char grain, uint32_t period, uint32_t group)
{
	return ((uint64_t) (unsigned char) grain << 56)
	    | ((uint64_t) period << 24) | group;
}

static inline char
disc_grain(uint64_t local)
{
	return (char) (local >> 56);
}

static inline uint32_t
disc_period(uint64_t local)
{
	return (uint32_t) (local >> 24);
}

static inline uint32_t
disc_group(uint64_t local)
{
	return (uint32_t) local & 0xffffffu;
}

/* disc_period_up: the start of the term (to 't', Aug-Dec or Jan-Jul) or
 * academic year (to 'y') holding the period that starts on p. */
static inline uint32_t
disc_period_up(uint32_t p, char to)
{
	uint32_t y = p / 10000, m = p / 100 % 100;
	if (to == 't') {
		return y * 10000 + (m >= 8 ? 801 : 101);
	}
	return (m >= 8 ? y : y - 1) * 10000 + 801;
}

/* disc_keys_build fills K for cells[0..n) (level, grain, unit and n
 * already checked). Returns TD_OK, TD_EINVAL (errmsg names the cell: a
 * period that is not YYYY-MM-DD, or before 0001-08-01) or TD_ENOMEM. */
int disc_keys_build(disc_keys *K, const stats_disc_cell *cells, size_t n,
                    char *errmsg) __attribute__((warn_unused_result));

/* disc_keys_find: the cell of (unit, local) -- of two with one key, the
 * first in key order -- or DISC_NONE. */
static inline size_t
disc_keys_find(const disc_keys *K, uint32_t unit, uint64_t local)
{
	if (unit == DISC_NONE32) {
		return DISC_NONE;
	}
	size_t lo = K->run[unit], hi = K->run[unit + 1];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (K->sorted[mid] < local) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo < K->run[unit + 1] && K->sorted[lo] == local ? K->order[lo]
	                                                       : DISC_NONE;
}

/* disc_keys_cmp orders cells a and b by key (0: one key). */
static inline int
disc_keys_cmp(const disc_keys *K, size_t a, size_t b)
{
	if (K->unit[a] != K->unit[b]) {
		return K->unit[a] < K->unit[b] ? -1 : 1;
	}
	return K->local[a] < K->local[b] ? -1 : K->local[a] > K->local[b];
}

void disc_keys_free(disc_keys *K);

#endif /* TANDEM_STATS_DISCLOSURE_KEYS_H */
