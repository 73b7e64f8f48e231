/* SPDX-License-Identifier: MIT
 * Tests for survey construct scoring and rollup sums (stats_scores):
 * reverse-coding, the favourable threshold, non-responses and the sums a
 * rollup cell keeps, against values worked out by hand beside each check.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "stats_scores.h"

/* Five items on 1..5, two constructs: 0 = {q1, q2, q3r}, 1 = {q4, q5};
 * q3 is reverse-coded; favourable at >= 4 except q5 at >= 3. */
static const stats_scale_item ITEMS[5] = {
	{ 1, 5, false, 4, 0 }, { 1, 5, false, 4, 0 }, { 1, 5, true, 4, 0 },
	{ 1, 5, false, 4, 1 }, { 1, 5, false, 3, 1 },
};

static void
reverse_coding_and_threshold(void **state)
{
	(void) state;
	/* q1=5, q2=3, q3=2 (reversed: 1+5-2 = 4), q4=2, q5=3 */
	const int32_t v[5]    = { 5, 3, 2, 2, 3 };
	const bool    miss[5] = { false };
	double        score[2];
	int64_t       fav[2], n[2];
	stats_construct_scores(ITEMS, 5, v, miss, 2, score, fav, n);
	/* construct 0: (5 + 3 + 4) / 3 = 4; favourable 5 and 4 -> 2 of 3 */
	assert_true(score[0] == 4.0);
	assert_int_equal(fav[0], 2);
	assert_int_equal(n[0], 3);
	/* construct 1: (2 + 3) / 2 = 2.5; q5 = 3 meets its >= 3 -> 1 of 2 */
	assert_true(score[1] == 2.5);
	assert_int_equal(fav[1], 1);
	assert_int_equal(n[1], 2);
}

static void
non_responses_count_nowhere(void **state)
{
	(void) state;
	/* q2 and both of construct 1 missing; the value under a missing
	 * flag (here 0, out of range) must not be read as an answer. */
	const int32_t v[5]    = { 2, 0, 5, 0, 0 };
	const bool    miss[5] = { false, true, false, true, true };
	double        score[2];
	int64_t       fav[2], n[2];
	stats_construct_scores(ITEMS, 5, v, miss, 2, score, fav, n);
	/* construct 0: q1 = 2, q3 = 5 reversed to 1: (2 + 1) / 2 = 1.5 */
	assert_true(score[0] == 1.5);
	assert_int_equal(fav[0], 0);
	assert_int_equal(n[0], 2);
	/* construct 1: nothing answered: no score */
	assert_true(isnan(score[1]));
	assert_int_equal(fav[1], 0);
	assert_int_equal(n[1], 0);
}

static void
score_sums_add_and_subtract_exactly(void **state)
{
	(void) state;
	stats_rollup_sum s = { 0 };
	/* Respondents scoring 4 (2 of 3 favourable) and 2.5 (1 of 2). */
	stats_rollup_add_score(&s, 1, 4.0, 2, 3);
	stats_rollup_add_score(&s, 1, 2.5, 1, 2);
	assert_int_equal(s.cnt, 2);
	assert_true(s.n_sum == 2.0);
	assert_true(s.wsum == 6.5); /* 4 + 2.5 */
	assert_true(s.wsumsq == 22.25); /* 16 + 6.25 */
	assert_int_equal(s.fav, 3);
	assert_int_equal(s.items, 5);
	/* A correction takes the first one out again. */
	stats_rollup_add_score(&s, -1, 4.0, 2, 3);
	assert_int_equal(s.cnt, 1);
	assert_true(s.n_sum == 1.0);
	assert_true(s.wsum == 2.5);
	assert_true(s.wsumsq == 6.25);
	assert_int_equal(s.fav, 1);
	assert_int_equal(s.items, 2);
}

static void
outcome_sums_weight_by_n(void **state)
{
	(void) state;
	stats_rollup_sum s = { 0 };
	/* 210.5 for 40 students and 190 for 10: weighted mean
	 * (40 * 210.5 + 10 * 190) / 50 = (8420 + 1900) / 50 = 206.4 */
	stats_rollup_add_outcome(&s, 1, 210.5, 40);
	stats_rollup_add_outcome(&s, 1, 190.0, 10);
	assert_int_equal(s.cnt, 2);
	assert_true(s.n_sum == 50.0);
	assert_true(s.wsum == 10320.0);
	assert_true(s.wsum / s.n_sum == 206.4);
	/* 40 * 210.5^2 + 10 * 190^2 = 1772410 + 361000 */
	assert_true(s.wsumsq == 2133410.0);
	assert_int_equal(s.fav, 0);
	stats_rollup_add_outcome(&s, -1, 190.0, 10);
	assert_int_equal(s.cnt, 1);
	assert_true(s.n_sum == 40.0);
	assert_true(s.wsum == 8420.0);
	assert_true(s.wsumsq == 1772410.0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reverse_coding_and_threshold),
		cmocka_unit_test(non_responses_count_nowhere),
		cmocka_unit_test(score_sums_add_and_subtract_exactly),
		cmocka_unit_test(outcome_sums_weight_by_n),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
