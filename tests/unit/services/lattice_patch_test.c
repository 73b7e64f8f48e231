/* SPDX-License-Identifier: MIT
 * analysis_lattice.c: a year of a measure's disclosure lattice decided
 * again after a write at one school (comp_patch: the kept component, the
 * school's, its district's and the network's cells read again) gives the
 * states and people of every cell that deciding the year afresh
 * (comp_decide) gives, after each write of a random sequence: corrected
 * months, months that go, a school that moves, a new school.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "analysis_lattice.h"
#include "store/store_disclosure.h"

#define SCHOOLS  320 /* strings enough that patches append before a pack */
#define MAX_SCH  (SCHOOLS + 40)
#define DISTRICT 6
#define GROUPS   2
#define PERIODS  15 /* 12 months, 2 terms, the year */

static const char *PER[PERIODS] = {
	"2024-08-01", "2024-09-01", "2024-10-01", "2024-11-01", "2024-12-01",
	"2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01",
	"2025-06-01", "2025-07-01", "2024-08-01", "2025-01-01", "2024-08-01",
};
static const char *GRP[GROUPS] = { "", "ell" };

static uint32_t
next_rand(uint32_t *x)
{
	*x = *x * 1103515245u + 12345u;
	return (*x >> 16) & 0x7fff;
}

/* The data: each school's district and monthly n (-1: no row). */
typedef struct world {
	size_t schools;
	char   code[MAX_SCH][8];
	char   dist[MAX_SCH][8];
	double n[MAX_SCH][GROUPS][12];
} world;

static char DCODE[DISTRICT][8];

static double
some_n(uint32_t *x)
{
	/* mostly well above 10, often below, sometimes no row */
	uint32_t r = next_rand(x) % 10;
	return r == 0 ? -1
	    : r < 4   ? (double) (next_rand(x) % 12)
	              : (double) (10 + next_rand(x) % 60);
}

/* cells_of appends the cells of one unit (level 's' school i, 'd'
 * district code d, 'n') as the store reads them: months with a row, and
 * terms and the year wherever a month has one; a district's or the
 * network's n is the sum over its schools. */
static size_t
cells_of(const world *w, char level, size_t i, const char *d,
         store_disc_cell *out)
{
	size_t k = 0;
	for (int g = 0; g < GROUPS; g++) {
		double month[12];
		for (int m = 0; m < 12; m++) {
			month[m] = level == 's' ? w->n[i][g][m] : -1;
			for (size_t s = 0; level != 's' && s < w->schools;
			     s++) {
				if ((level == 'n'
				     || strcmp(w->dist[s], d) == 0)
				    && w->n[s][g][m] >= 0) {
					month[m]
					    = (month[m] < 0 ? 0 : month[m])
					    + w->n[s][g][m];
				}
			}
		}
		for (int p = 0; p < PERIODS; p++) {
			double v = -1;
			if (p < 12) {
				v = month[p];
			} else {
				for (int m = 0; m < 12; m++) {
					bool in = p == 14
					    || (p == 12 ? m < 5 : m >= 5);
					v = in && month[m] >= 0
					    ? fmax(v, 0) + month[m]
					    : v;
				}
			}
			if (v < 0) {
				continue;
			}
			out[k++] = (store_disc_cell) {
				.level    = level,
				.grain    = p < 12 ? 'm'
				       : p < 14    ? 't'
				                   : 'y',
				.unit     = level == 's' ? w->code[i]
				        : level == 'd'   ? d
				                         : "network",
				.district = level == 's' ? w->dist[i] : "",
				.period   = PER[p],
				.group    = GRP[g],
				.n        = v,
			};
		}
	}
	return k;
}

static size_t
all_cells(const world *w, store_disc_cell *out)
{
	size_t k = cells_of(w, 'n', 0, NULL, out);
	for (int d = 0; d < DISTRICT; d++) {
		k += cells_of(w, 'd', 0, DCODE[d], out + k);
	}
	for (size_t i = 0; i < w->schools; i++) {
		k += cells_of(w, 's', i, NULL, out + k);
	}
	return k;
}

static comp *
fresh_year(rpc_call *call, const series_spec *spec, const world *w,
           store_disc_cell *cells, size_t *idx, stats_disc_cell *dc)
{
	size_t n = all_cells(w, cells);
	for (size_t j = 0; j < n; j++) {
		idx[j] = n - 1 - j; /* any order: comp_decide sorts */
	}
	return comp_decide(call, spec, 10, 2024, cells, idx, n, dc);
}

/* same_comp: every slot (unit, its district, grain, period, group,
 * state, people) of a equals b's; the complementary cells counted. */
static size_t
same_comp(const comp *a, const comp *b)
{
	size_t complementary = 0;
	assert_int_equal(a->n, b->n);
	size_t da = 0, db = 0;
	for (size_t j = 0; j < a->n; j++) {
		const disc_slot *x = &a->slots[j], *y = &b->slots[j];
		assert_int_equal(x->level, y->level);
		assert_int_equal(x->grain, y->grain);
		assert_string_equal(a->strs + x->unit, b->strs + y->unit);
		assert_string_equal(a->strs + x->period, b->strs + y->period);
		assert_string_equal(a->strs + x->group, b->strs + y->group);
		assert_int_equal(x->state, y->state);
		assert_true(x->people == y->people);
		complementary += x->state == STATS_DISC_COMPLEMENTARY;
		if (x->level == 's'
		    && (j == 0 || a->slots[j - 1].unit != x->unit)) {
			while (da < a->n_districts
			       && a->districts[2 * da] != x->unit) {
				da++;
			}
			while (db < b->n_districts
			       && b->districts[2 * db] != y->unit) {
				db++;
			}
			assert_true(da < a->n_districts
			            && db < b->n_districts);
			assert_string_equal(a->strs + a->districts[2 * da + 1],
			                    b->strs
			                        + b->districts[2 * db + 1]);
		}
	}
	return complementary;
}

static void
a_patched_year_decides_as_a_fresh_one_after_each_write(void **state)
{
	(void) state;
	static world w;
	static store_disc_cell
	              cells[(MAX_SCH + DISTRICT + 1) * GROUPS * PERIODS];
	static size_t idx[sizeof(cells) / sizeof(cells[0])];
	static stats_disc_cell dc[sizeof(cells) / sizeof(cells[0])];
	/* a school, its districts (old and new) and the network */
	static store_disc_cell fresh[4 * GROUPS * PERIODS];
	rpc_call               call = { 0 };
	series_spec            spec = { .measure = "m", .survey = false };
	size_t complementary = 0, appended = 0, packed = 0, steps = 0;
	for (int d = 0; d < DISTRICT; d++) {
		snprintf(DCODE[d], sizeof(DCODE[d]), "D%d", d);
	}
	for (uint32_t seed = 1; seed <= 4; seed++) {
		uint32_t x = seed * 2654435761u;
		w.schools  = SCHOOLS;
		for (size_t i = 0; i < w.schools; i++) {
			snprintf(w.code[i], sizeof(w.code[i]), "S%04zu",
			         2 * i);
			snprintf(w.dist[i], sizeof(w.dist[i]), "D%zu",
			         i % DISTRICT);
			for (int g = 0; g < GROUPS; g++) {
				for (int m = 0; m < 12; m++) {
					w.n[i][g][m] = some_n(&x);
				}
			}
		}
		comp *kept = fresh_year(&call, &spec, &w, cells, idx, dc);
		assert_non_null(kept);
		for (int step = 0; step < 40; step++) {
			/* one write at one school: months corrected or gone,
			 * now and then the school moves, or a new school
			 * (its code between two others) */
			size_t i = next_rand(&x) % w.schools;
			char   old[8];
			strcpy(old, w.dist[i]);
			uint32_t what = next_rand(&x) % 8;
			if (what == 0 && w.schools < MAX_SCH) {
				char code[8];
				snprintf(code, sizeof(code), "S%04u",
				         2 * (next_rand(&x) % SCHOOLS) + 1);
				for (i = 0; i < w.schools
				     && strcmp(w.code[i], code) != 0;
				     i++) { }
				if (i < w.schools) {
					continue; /* new already */
				}
				w.schools++;
				strcpy(w.code[i], code);
				snprintf(w.dist[i], sizeof(w.dist[i]), "D%u",
				         next_rand(&x) % DISTRICT);
				strcpy(old, w.dist[i]);
				for (int g = 0; g < GROUPS; g++) {
					for (int m = 0; m < 12; m++) {
						w.n[i][g][m] = -1;
					}
				}
			} else if (what == 1) {
				snprintf(w.dist[i], sizeof(w.dist[i]), "D%u",
				         next_rand(&x) % DISTRICT);
			}
			for (int g = 0; g < GROUPS; g++) {
				for (int m = 0; m < 12; m++) {
					if (what == 0
					    || next_rand(&x) % 3 == 0) {
						w.n[i][g][m] = some_n(&x);
					}
				}
			}
			/* the cells read again: the school's, its districts'
			 * (old and new) and the network's */
			size_t nf = cells_of(&w, 's', i, NULL, fresh);
			nf += cells_of(&w, 'd', 0, w.dist[i], fresh + nf);
			if (strcmp(old, w.dist[i]) != 0) {
				nf += cells_of(&w, 'd', 0, old, fresh + nf);
			}
			nf += cells_of(&w, 'n', 0, NULL, fresh + nf);
			char  n0[16], n1[16], n2[16], n3[4] = "n";
			char *names[4] = { n0, n1, n2, n3 };
			snprintf(n0, sizeof(n0), "s%s", w.code[i]);
			snprintf(n1, sizeof(n1), "d%s", w.dist[i]);
			snprintf(n2, sizeof(n2), "d%s", old);
			comp *next = comp_patch(&call, &spec, 10, kept, fresh,
			                        nf, names, 4);
			assert_non_null(next);
			comp *want
			    = fresh_year(&call, &spec, &w, cells, idx, dc);
			assert_non_null(want);
			complementary += same_comp(next, want);
			appended += next->strs_added > 0;
			packed += next->strs_added == 0;
			steps++;
			assert_true(next->gen != kept->gen);
			comp_release(kept);
			comp_release(want);
			kept = next;
		}
		comp_release(kept);
	}
	/* the lattices needed complementary suppression, and both ways of
	 * building a patched year (base's strings appended to, packed
	 * afresh) were taken */
	assert_true(complementary > 1000);
	assert_true(appended > steps / 4);
	assert_true(packed > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    a_patched_year_decides_as_a_fresh_one_after_each_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
