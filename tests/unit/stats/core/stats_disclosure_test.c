/* SPDX-License-Identifier: MIT
 * Unit tests for stats_disclose: primary suppression, complementary
 * suppression along each hierarchy (school < district < network, month <
 * term < year, week < term, subgroup < all, grade < all), people counted
 * per month for terms, and that the choice does not depend on the order
 * the cells come in.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "stats_disclosure.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static const stats_disc_opts OUTCOMES = { 10, false, true };
static const stats_disc_opts SURVEYS  = { 10, true, false };

static void
disclose(stats_disc_cell *c, size_t n, const stats_disc_opts *o,
         stats_disc_summary *s)
{
	char err[TD_ERRMSG_MAX] = "";
	int  rv                 = stats_disclose(c, n, o, s, err);
	if (rv != TD_OK) {
		fail_msg("stats_disclose: %d %s", rv, err);
	}
}

#define SCHOOL(u, d, g, p, grp, n)                                            \
	{                                                                     \
		's', u, d, g, p, grp, n, 0, 0                                 \
	}
#define DISTRICT(u, g, p, grp, n)                                             \
	{                                                                     \
		'd', u, NULL, g, p, grp, n, 0, 0                              \
	}
#define NETWORK(g, p, grp, n)                                                 \
	{                                                                     \
		'n', NULL, NULL, g, p, grp, n, 0, 0                           \
	}

/* The term: months n = 12, 12, 12, 12, 5. The term's people is 5
 * (the smallest month, never the average), so it is suppressed itself;
 * with the term hidden, December cannot be recovered and the other months
 * stay. */
static void
term_of_months_is_as_small_as_its_smallest_month(void **state)
{
	(void) state;
	stats_disc_cell c[] = {
		SCHOOL("a", "d1", 'm', "2024-08-01", "", 12),
		SCHOOL("a", "d1", 'm', "2024-09-01", "", 12),
		SCHOOL("a", "d1", 'm', "2024-10-01", "", 12),
		SCHOOL("a", "d1", 'm', "2024-11-01", "", 12),
		SCHOOL("a", "d1", 'm', "2024-12-01", "", 5),
		SCHOOL("a", "d1", 't', "2024-08-01", "", 53),
	};
	stats_disc_summary s;
	disclose(c, LEN(c), &OUTCOMES, &s);
	assert_int_equal(c[4].state, STATS_DISC_PRIMARY);
	assert_true(c[5].people == 5);
	assert_int_equal(c[5].state, STATS_DISC_PRIMARY);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(c[i].state, STATS_DISC_RELEASED);
	}
	assert_int_equal(s.primary, 2);
	assert_int_equal(s.complementary, 0);
}

/* The same school's term is hidden, but its district's term and its
 * sibling's term are shown: the term follows by subtraction, and with it
 * December. So the hidden term is broken away from the district (the
 * sibling goes) -- and then the district's months give December away
 * unless another school's December goes too. */
static void
a_derivable_term_is_not_a_hiding_place(void **state)
{
	(void) state;
	stats_disc_cell c[] = {
		SCHOOL("a", "d1", 'm', "2024-11-01", "", 12),
		SCHOOL("a", "d1", 'm', "2024-12-01", "", 5),
		SCHOOL("a", "d1", 't', "2024-08-01", "", 17),
		SCHOOL("b", "d1", 'm', "2024-11-01", "", 30),
		SCHOOL("b", "d1", 'm', "2024-12-01", "", 30),
		SCHOOL("b", "d1", 't', "2024-08-01", "", 60),
		DISTRICT("d1", 'm', "2024-11-01", "", 42),
		DISTRICT("d1", 'm', "2024-12-01", "", 35),
		DISTRICT("d1", 't', "2024-08-01", "", 77),
	};
	stats_disc_summary s;
	disclose(c, LEN(c), &OUTCOMES, &s);
	assert_int_equal(c[1].state, STATS_DISC_PRIMARY);
	assert_int_equal(c[2].state, STATS_DISC_PRIMARY); /* 5 people */
	/* b's December hides a's in the district's December */
	assert_int_equal(c[4].state, STATS_DISC_COMPLEMENTARY);
	/* and then b's term would give b's December back */
	assert_true(c[5].state != STATS_DISC_RELEASED
	            || c[3].state != STATS_DISC_RELEASED);
	assert_int_equal(c[6].state, STATS_DISC_RELEASED);
	assert_int_equal(c[7].state, STATS_DISC_RELEASED);
}

/* A district of schools 20, 30 and 5: the school of 5 is primary, the
 * school of 20 (the smallest released) complementary, and the district
 * and network stay released: the two hidden schools cover 25 people. */
static void
district_hides_the_smallest_other_school(void **state)
{
	(void) state;
	stats_disc_cell c[] = {
		SCHOOL("a", "d1", 'y', "2024-08-01", "", 30),
		SCHOOL("b", "d1", 'y', "2024-08-01", "", 5),
		SCHOOL("c", "d1", 'y', "2024-08-01", "", 20),
		DISTRICT("d1", 'y', "2024-08-01", "", 55),
		SCHOOL("e", "d2", 'y', "2024-08-01", "", 40),
		DISTRICT("d2", 'y', "2024-08-01", "", 40),
		NETWORK('y', "2024-08-01", "", 95),
	};
	stats_disc_summary s;
	disclose(c, LEN(c), &OUTCOMES, &s);
	assert_int_equal(c[1].state, STATS_DISC_PRIMARY);
	assert_int_equal(c[2].state, STATS_DISC_COMPLEMENTARY);
	assert_int_equal(c[0].state, STATS_DISC_RELEASED);
	assert_int_equal(c[3].state, STATS_DISC_RELEASED);
	assert_int_equal(c[6].state, STATS_DISC_RELEASED);
	assert_int_equal(s.complementary, 1);
}

/* A district whose only school is small: nothing is left to hide but the
 * district, which must then go too -- and so another district, or the
 * network would give it away. */
static void
a_district_of_one_small_school_takes_a_second_district(void **state)
{
	(void) state;
	stats_disc_cell c[] = {
		SCHOOL("a", "d1", 'y', "2024-08-01", "", 8),
		DISTRICT("d1", 'y', "2024-08-01", "", 8),
		SCHOOL("b", "d2", 'y', "2024-08-01", "", 50),
		DISTRICT("d2", 'y', "2024-08-01", "", 50),
		SCHOOL("c", "d3", 'y', "2024-08-01", "", 30),
		DISTRICT("d3", 'y', "2024-08-01", "", 30),
		NETWORK('y', "2024-08-01", "", 88),
	};
	stats_disc_summary s;
	disclose(c, LEN(c), &OUTCOMES, &s);
	assert_int_equal(c[0].state, STATS_DISC_PRIMARY);
	assert_int_equal(c[1].state, STATS_DISC_PRIMARY);
	assert_int_equal(c[5].state, STATS_DISC_COMPLEMENTARY); /* d3: 30 */
	assert_int_equal(c[3].state, STATS_DISC_RELEASED);
	/* d3 hidden: its one school would give it back */
	assert_int_equal(c[4].state, STATS_DISC_COMPLEMENTARY);
	assert_int_equal(c[6].state, STATS_DISC_RELEASED);
}

/* Subgroups may overlap: "all" minus a released subgroup is its
 * complement. ell of 25 in all of 30 leaves 5 non-ell students: ell is
 * hidden. A subgroup of 12 in 40 leaves 28: released. */
static void
subgroup_is_hidden_when_its_complement_is_small(void **state)
{
	(void) state;
	stats_disc_cell c[] = {
		SCHOOL("a", "d1", 'm', "2024-09-01", "", 30),
		SCHOOL("a", "d1", 'm', "2024-09-01", "ell", 25),
		SCHOOL("b", "d1", 'm', "2024-09-01", "", 40),
		SCHOOL("b", "d1", 'm', "2024-09-01", "ell", 12),
	};
	stats_disc_summary s;
	disclose(c, LEN(c), &OUTCOMES, &s);
	assert_int_equal(c[1].state, STATS_DISC_COMPLEMENTARY);
	assert_int_equal(c[0].state, STATS_DISC_RELEASED);
	assert_int_equal(c[3].state, STATS_DISC_RELEASED);
}

/* Grades partition a school's respondents; respondents without a grade
 * are a remainder no cell releases. Grades 20, 15, 4 and 2 without a
 * grade (all = 41): grade 3 (4) and the remainder (2) cover 6 < 10, so the
 * smallest released grade (15) goes too. */
static void
grade_remainder_counts_as_hidden(void **state)
{
	(void) state;
	stats_disc_cell c[] = {
		SCHOOL("a", "d1", 'w', "2024-09-02", "", 41),
		SCHOOL("a", "d1", 'w', "2024-09-02", "1", 20),
		SCHOOL("a", "d1", 'w', "2024-09-02", "2", 15),
		SCHOOL("a", "d1", 'w', "2024-09-02", "3", 4),
	};
	stats_disc_summary s;
	disclose(c, LEN(c), &SURVEYS, &s);
	assert_int_equal(c[3].state, STATS_DISC_PRIMARY);
	assert_int_equal(c[2].state, STATS_DISC_COMPLEMENTARY);
	assert_int_equal(c[1].state, STATS_DISC_RELEASED);
	assert_int_equal(c[0].state, STATS_DISC_RELEASED);
}

/* Survey people are not per month: a term keeps its own n (distinct
 * respondents), and weeks are a partition of the term of their own. */
static void
weeks_and_months_each_checked_against_the_term(void **state)
{
	(void) state;
	stats_disc_cell c[] = {
		SCHOOL("a", "d1", 'w', "2024-09-02", "", 30),
		SCHOOL("a", "d1", 'w', "2024-09-09", "", 3),
		SCHOOL("a", "d1", 'm', "2024-09-01", "", 33),
		SCHOOL("a", "d1", 't', "2024-08-01", "", 33),
	};
	stats_disc_summary s;
	disclose(c, LEN(c), &SURVEYS, &s);
	assert_true(c[3].people == 33);
	assert_int_equal(c[1].state, STATS_DISC_PRIMARY);
	assert_int_equal(c[0].state, STATS_DISC_COMPLEMENTARY);
	assert_int_equal(c[2].state, STATS_DISC_RELEASED);
	assert_int_equal(c[3].state, STATS_DISC_RELEASED);
}

/* The same data in another order gives the same cells, so two calls
 * cannot be played against each other. */
static void
order_of_cells_does_not_change_the_choice(void **state)
{
	(void) state;
	stats_disc_cell a[] = {
		SCHOOL("a", "d1", 'm', "2024-09-01", "", 12),
		SCHOOL("b", "d1", 'm', "2024-09-01", "", 12),
		SCHOOL("c", "d1", 'm', "2024-09-01", "", 3),
		SCHOOL("a", "d1", 'm', "2024-10-01", "", 12),
		SCHOOL("b", "d1", 'm', "2024-10-01", "", 12),
		SCHOOL("c", "d1", 'm', "2024-10-01", "", 12),
		DISTRICT("d1", 'm', "2024-09-01", "", 27),
		DISTRICT("d1", 'm', "2024-10-01", "", 36),
		SCHOOL("a", "d1", 't', "2024-08-01", "", 24),
		SCHOOL("b", "d1", 't', "2024-08-01", "", 24),
		SCHOOL("c", "d1", 't', "2024-08-01", "", 15),
		DISTRICT("d1", 't', "2024-08-01", "", 63),
	};
	stats_disc_cell b[LEN(a)];
	for (size_t i = 0; i < LEN(a); i++) {
		b[i] = a[LEN(a) - 1 - i];
	}
	stats_disc_summary sa, sb;
	disclose(a, LEN(a), &OUTCOMES, &sa);
	disclose(b, LEN(b), &OUTCOMES, &sb);
	for (size_t i = 0; i < LEN(a); i++) {
		assert_int_equal(a[i].state, b[LEN(a) - 1 - i].state);
	}
	assert_int_equal(sa.complementary, sb.complementary);
	/* school a's September (12, first by code) hides with c's 3 */
	assert_int_equal(a[2].state, STATS_DISC_PRIMARY);
	assert_int_equal(a[0].state, STATS_DISC_COMPLEMENTARY);
	/* school c's term has people 3 (its smallest month) */
	assert_int_equal(a[10].state, STATS_DISC_PRIMARY);
}

/* A small network over three academic years with many small cells, from a
 * fixed pseudo-random sequence: every unit, group and period of it. */
#define Y_UNITS  8 /* schools s0..s7 in districts d0 (s0..s3), d1 */
#define Y_GROUPS 2 /* all, g */
#define Y_CELLS  (3 * 19 * Y_GROUPS * (Y_UNITS + 3))
static uint32_t
next_rand(uint32_t *x)
{
	*x = *x * 1103515245u + 12345u;
	return (*x >> 16) & 0x7fff;
}

static size_t
three_years(stats_disc_cell *c, char (*per)[11], uint32_t seed)
{
	static const char *unit[] = { "s0", "s1", "s2", "s3", "s4", "s5",
		                      "s6", "s7", "d0", "d1", "" };
	static const char *grp[]  = { "", "g" };
	size_t             k = 0, np = 0;
	uint32_t           x = seed;
	for (int y = 2022; y <= 2024; y++) {
		/* 12 months, 2 terms, the year, and weeks on either side of
		 * its ends (a week of late July is the year before's) */
		for (int m = 0; m < 12; m++) {
			int mo = (7 + m) % 12 + 1;
			snprintf(per[np++], 11, "%04d-%02d-01",
			         mo >= 8 ? y : y + 1, mo);
		}
		snprintf(per[np++], 11, "%04d-08-01", y);
		snprintf(per[np++], 11, "%04d-01-01", y + 1);
		snprintf(per[np++], 11, "%04d-08-01", y);
		snprintf(per[np++], 11, "%04d-08-05", y);
		snprintf(per[np++], 11, "%04d-09-02", y);
		snprintf(per[np++], 11, "%04d-07-22", y + 1);
		snprintf(per[np++], 11, "%04d-07-29", y + 1);
	}
	for (size_t p = 0; p < np; p++) {
		size_t i = p % 19;
		char   g = i < 12 ? 'm' : i < 14 ? 't' : i == 14 ? 'y' : 'w';
		for (int u = 0; u < Y_UNITS + 3; u++) {
			for (int h = 0; h < Y_GROUPS; h++) {
				/* mostly well above 10, often below */
				double n = next_rand(&x) % 4 == 0
				    ? (double) (next_rand(&x) % 12)
				    : (double) (10 + next_rand(&x) % 40);
				c[k++]   = (stats_disc_cell) {
					  u < Y_UNITS           ? 's'
					      : u < Y_UNITS + 2 ? 'd'
					                        : 'n',
					unit[u],
					u < Y_UNITS ? unit[Y_UNITS + u / 4]
					            : NULL,
					g,
					per[p],
					grp[h],
					n,
					0,
					0
				};
			}
		}
	}
	return k;
}

/* The rule couples cells only inside one academic year, so deciding each
 * year alone (as tandemd does, so that a write decides only its years
 * again) gives the states and people of deciding the whole lattice. */
static void
each_academic_year_alone_decides_as_the_whole(void **state)
{
	(void) state;
	static stats_disc_cell whole[Y_CELLS], part[Y_CELLS];
	static char            per[3 * 19][11];
	size_t                 complementary = 0;
	for (uint32_t seed = 1; seed <= 60; seed++) {
		const stats_disc_opts *o = seed % 2 ? &OUTCOMES : &SURVEYS;
		size_t                 n = three_years(whole, per, seed);
		assert_int_equal(n, Y_CELLS);
		memcpy(part, whole, sizeof(whole));
		stats_disc_summary sw, sp;
		disclose(whole, n, o, &sw);
		complementary += sw.complementary;
		/* years are contiguous runs of the cells (19 periods each) */
		size_t per_year = n / 3, hidden = 0;
		for (size_t y = 0; y < 3; y++) {
			disclose(part + y * per_year, per_year, o, &sp);
			hidden += sp.complementary;
		}
		assert_int_equal(hidden, sw.complementary);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(part[i].state, whole[i].state);
			assert_true(part[i].people == whole[i].people);
		}
	}
	/* the lattices did need complementary suppression */
	assert_true(complementary > 100);
}

/* tandemd keeps a decided year and, after a write at a few schools, reads
 * again only their cells, their districts' and the network's, and feeds
 * every other cell with its decided people as its n (it keeps no n):
 * that decides as the whole year of fresh cells does, since a unit's
 * cells change together and a term's people is the smallest n of the
 * unit's own months. */
static void
kept_people_as_n_decide_as_fresh_cells(void **state)
{
	(void) state;
	static stats_disc_cell fresh[Y_CELLS], kept[Y_CELLS];
	static char            per[3 * 19][11];
	size_t                 changed = 0;
	for (uint32_t seed = 1; seed <= 60; seed++) {
		const stats_disc_opts *o = seed % 2 ? &OUTCOMES : &SURVEYS;
		size_t                 n = three_years(fresh, per, seed);
		stats_disc_summary     sf, sk;
		disclose(fresh, n, o, &sf);
		/* a write at one school: its n change, and its district's and
		 * the network's (read again, as they are) */
		const char *school = (const char *[]) { "s1", "s6" }[seed % 2];
		const char *district = seed % 2 ? "d1" : "d0";
		uint32_t    x        = seed * 7919u;
		for (size_t i = 0; i < n; i++) {
			kept[i]    = fresh[i];
			kept[i].n  = fresh[i].people; /* decided before */
			bool again = fresh[i].level == 'n'
			    || strcmp(fresh[i].unit, school) == 0
			    || strcmp(fresh[i].unit, district) == 0;
			if (again) { /* read again: fresh n in both */
				double v   = next_rand(&x) % 3 == 0
				      ? (double) (next_rand(&x) % 12)
				      : (double) (10 + next_rand(&x) % 40);
				fresh[i].n = kept[i].n = v;
			}
		}
		disclose(fresh, n, o, &sf);
		disclose(kept, n, o, &sk);
		assert_int_equal(sk.complementary, sf.complementary);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(kept[i].state, fresh[i].state);
			assert_true(kept[i].people == fresh[i].people);
		}
		changed += sf.complementary;
	}
	assert_true(changed > 100);
}

static void
bad_cells_are_refused(void **state)
{
	(void) state;
	char            err[TD_ERRMSG_MAX] = "";
	stats_disc_cell c[]                = {
		               SCHOOL("a", "d1", 'm', "2024-09-01", "", 12),
		               SCHOOL("a", "d1", 'x', "2024-09-01", "", 12),
	};
	stats_disc_summary s;
	assert_int_equal(stats_disclose(c, LEN(c), &OUTCOMES, &s, err),
	                 TD_EINVAL);
	assert_non_null(strstr(err, "cell 2"));
	stats_disc_cell d[] = { SCHOOL("a", "d1", 'm', "Sept", "", 12) };
	assert_int_equal(stats_disclose(d, 1, &OUTCOMES, &s, err), TD_EINVAL);
	/* a period is a start date and nothing else: never a key that only
	 * looks like another cell's */
	stats_disc_cell e[] = {
		SCHOOL("a", "d1", 'm', "2024-09-01", "", 12),
		SCHOOL("a", "d1", 'm', "2024-09-01T00", "", 12),
	};
	err[0] = '\0';
	assert_int_equal(stats_disclose(e, LEN(e), &OUTCOMES, &s, err),
	                 TD_EINVAL);
	assert_non_null(strstr(err, "cell 2: period"));
	assert_int_equal(stats_disclose(NULL, 0, &OUTCOMES, &s, err), TD_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    term_of_months_is_as_small_as_its_smallest_month),
		cmocka_unit_test(a_derivable_term_is_not_a_hiding_place),
		cmocka_unit_test(district_hides_the_smallest_other_school),
		cmocka_unit_test(
		    a_district_of_one_small_school_takes_a_second_district),
		cmocka_unit_test(
		    subgroup_is_hidden_when_its_complement_is_small),
		cmocka_unit_test(grade_remainder_counts_as_hidden),
		cmocka_unit_test(
		    weeks_and_months_each_checked_against_the_term),
		cmocka_unit_test(order_of_cells_does_not_change_the_choice),
		cmocka_unit_test(
		    each_academic_year_alone_decides_as_the_whole),
		cmocka_unit_test(kept_people_as_n_decide_as_fresh_cells),
		cmocka_unit_test(bad_cells_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
