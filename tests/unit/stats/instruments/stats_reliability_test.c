/* SPDX-License-Identifier: MIT
 * Tests for instrument statistics (stats_reliability): Cronbach's alpha,
 * item-rest correlation and alpha if deleted against R 4.2 psych 2.2.9
 * (psych::alpha), and percent favourable with reverse-coded items.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "stats_reliability.h"
#include "test_util.h"

#define REL 1e-9

/* R: m <- matrix(c(4,5,4,3, 3,3,4,2, ...), ncol = 4, byrow = TRUE);
 *    a <- psych::alpha(as.data.frame(m)) */
#define NR 10
#define K  4
static const double M[NR * K] = {
	4, 5, 4, 3, 3, 3, 4, 2, 5, 5, 5, 4, 2, 3, 2, 2, 4, 4, 3, 4,
	3, 2, 3, 3, 5, 4, 5, 5, 1, 2, 2, 1, 4, 4, 4, 3, 3, 4, 3, 2,
};
/* a$total$raw_alpha */
static const double R_ALPHA = 0.92760942760942755;
/* a$item.stats$r.drop */
static const double R_RDROP[K] = { 0.98465795180422022, 0.71371440334753644,
	                           0.8394950084041185, 0.80484740674984789 };
/* a$alpha.drop$raw_alpha */
static const double R_ADROP[K] = { 0.84999999999999998, 0.94192913385826771,
	                           0.90410958904109584, 0.91491712707182327 };

static void
test_alpha_matches_psych(void **state)
{
	stats_alpha_result res;
	char               errmsg[TD_ERRMSG_MAX];
	size_t             j;

	(void) state;
	assert_int_equal(stats_alpha(M, NR, K, &res, errmsg), TD_OK);
	assert_int_equal(res.k, K);
	assert_int_equal(res.n_used, NR);
	assert_int_equal(res.n_dropped, 0);
	assert_rel(res.alpha, R_ALPHA, REL);
	for (j = 0; j < K; j++) {
		assert_true(res.items[j].has_item_rest);
		assert_rel(res.items[j].item_rest, R_RDROP[j], REL);
		assert_true(res.items[j].has_alpha_if_deleted);
		assert_rel(res.items[j].alpha_if_deleted, R_ADROP[j], REL);
	}
	stats_alpha_result_free(&res);
}

/* The same with three more respondents, two of them incomplete. */
static const double M2[(NR + 3) * K] = {
	4, 5, 4, 3, 3,   3, 4, 2, 5, 5,   5,   4, 2, 3, 2, 2, 4, 4,
	3, 4, 3, 2, 3,   3, 5, 4, 5, 5,   1,   2, 2, 1, 4, 4, 4, 3,
	3, 4, 3, 2, NAN, 3, 4, 2, 5, NAN, NAN, 4, 2, 1, 2, 3,
};

static void
test_alpha_is_listwise(void **state)
{
	stats_alpha_result res;
	char               errmsg[TD_ERRMSG_MAX];
	/* m2 <- rbind(m, c(NA,3,4,2), c(5,NA,NA,4), c(2,1,2,3));
	 * a2 <- psych::alpha(na.omit(as.data.frame(m2))):
	 * raw_alpha, r.drop, alpha.drop$raw_alpha */
	static const double rdrop[K]
	    = { 0.98430600087001008, 0.70302789894121454, 0.86151513467523588,
		0.69179103699288458 };
	static const double adrop[K]
	    = { 0.81925343811394891, 0.92558528428093634, 0.87040133779264206,
		0.92449922958397546 };
	size_t j;

	(void) state;
	assert_int_equal(stats_alpha(M2, NR + 3, K, &res, errmsg), TD_OK);
	assert_int_equal(res.n_used, NR + 1);
	assert_int_equal(res.n_dropped, 2);
	assert_rel(res.alpha, 0.91379875450671921, REL);
	for (j = 0; j < K; j++) {
		assert_rel(res.items[j].item_rest, rdrop[j], REL);
		assert_rel(res.items[j].alpha_if_deleted, adrop[j], REL);
	}
	stats_alpha_result_free(&res);
}

static void
test_alpha_is_shift_invariant(void **state)
{
	double             m[NR * K];
	stats_alpha_result res;
	char               errmsg[TD_ERRMSG_MAX];
	size_t             i;

	(void) state;
	for (i = 0; i < NR * K; i++) {
		m[i] = M[i] + 1000.0;
	}
	/* psych::alpha(as.data.frame(m) + 1000)$total$raw_alpha */
	assert_int_equal(stats_alpha(m, NR, K, &res, errmsg), TD_OK);
	assert_rel(res.alpha, 0.92760942760942755, REL);
	stats_alpha_result_free(&res);
}

static void
test_two_items_have_no_alpha_if_deleted(void **state)
{
	double             m[NR * 2];
	stats_alpha_result res;
	char               errmsg[TD_ERRMSG_MAX];
	size_t             i;

	(void) state;
	for (i = 0; i < NR; i++) {
		m[i * 2]     = M[i * K];
		m[i * 2 + 1] = M[i * K + 1];
	}
	assert_int_equal(stats_alpha(m, NR, 2, &res, errmsg), TD_OK);
	/* a3 <- psych::alpha(as.data.frame(m)[, 1:2]): raw_alpha, r.drop */
	assert_rel(res.alpha, 0.8727272727272728, REL);
	for (i = 0; i < 2; i++) {
		assert_rel(res.items[i].item_rest, 0.78446454055273629, REL);
		assert_false(res.items[i].has_alpha_if_deleted);
	}
	stats_alpha_result_free(&res);
}

static void
test_constant_item_has_no_item_rest(void **state)
{
	double             m[NR * K];
	stats_alpha_result res;
	char               errmsg[TD_ERRMSG_MAX];
	size_t             i;
	/* psych::alpha silently drops a constant item, so these are by hand
	 * in R with m[, 4] <- 3:
	 * v <- apply(m, 2, var); 4/3 * (1 - sum(v) / var(rowSums(m)));
	 * for j in 1:4, r <- m[, -j]:
	 *   3/2 * (1 - sum(apply(r, 2, var)) / var(rowSums(r)));
	 * cor(m[, j], rowSums(m[, -j])) for j in 1:3 */
	static const double adrop[K]
	    = { 0.60171919770773652, 0.70362473347547982, 0.65454545454545454,
		0.91491712707182327 };
	static const double rdrop[3]
	    = { 0.9189105989989248, 0.75163154231161466, 0.83743578935862373 };

	(void) state;
	memcpy(m, M, sizeof(m));
	for (i = 0; i < NR; i++) {
		m[i * K + 3] = 3.0;
	}
	assert_int_equal(stats_alpha(m, NR, K, &res, errmsg), TD_OK);
	assert_rel(res.alpha, 0.81325966850828735, REL);
	for (i = 0; i < K; i++) {
		assert_rel(res.items[i].alpha_if_deleted, adrop[i], REL);
	}
	for (i = 0; i < 3; i++) {
		assert_rel(res.items[i].item_rest, rdrop[i], REL);
	}
	assert_false(res.items[3].has_item_rest);
	stats_alpha_result_free(&res);
}

static void
test_alpha_degenerate_inputs(void **state)
{
	double             m[NR * 2];
	stats_alpha_result res;
	char               errmsg[TD_ERRMSG_MAX] = "";
	size_t             i;

	(void) state;
	/* k = 1 */
	assert_int_equal(stats_alpha(M, NR * K, 1, &res, errmsg), TD_ETOOFEW);
	assert_non_null(strstr(errmsg, "2 items"));
	/* one complete respondent */
	assert_int_equal(stats_alpha(M2 + NR * K, 3, K, &res, errmsg),
	                 TD_ETOOFEW);
	/* everyone answers 3 to everything */
	for (i = 0; i < NR * 2; i++) {
		m[i] = 3.0;
	}
	assert_int_equal(stats_alpha(m, NR, 2, &res, errmsg), TD_EZEROVAR);
	assert_non_null(strstr(errmsg, "no variance"));
	/* two items that cancel: the total is 6 for everybody */
	for (i = 0; i < NR; i++) {
		m[i * 2]     = M[i * K];
		m[i * 2 + 1] = 6.0 - M[i * K];
	}
	assert_int_equal(stats_alpha(m, NR, 2, &res, errmsg), TD_EZEROVAR);
	stats_alpha_result_free(NULL);
}

static void
test_percent_favourable_with_reverse_coding(void **state)
{
	static const unsigned char reverse[K] = { 0, 0, 1, 0 };
	stats_favourable_result    res;
	char                       errmsg[TD_ERRMSG_MAX];
	/* x <- m2; x[, 3] <- 1 + 5 - x[, 3];
	 * colMeans(x >= 4, na.rm = TRUE) */
	static const double shares[K]
	    = { 0.5, 0.5, 0.25, 0.30769230769230771 };
	size_t j;

	(void) state;
	assert_int_equal(stats_percent_favourable(M2, NR + 3, K, 1, 5, reverse,
	                                          4, &res, errmsg),
	                 TD_OK);
	/* sum(x >= 4, na.rm = TRUE), sum(!is.na(x)),
	 * mean(x >= 4, na.rm = TRUE) */
	assert_int_equal(res.favourable, 19);
	assert_int_equal(res.n_responses, 49);
	assert_int_equal(res.n_respondents, NR + 3);
	assert_rel(res.share, 0.38775510204081631, REL);
	for (j = 0; j < K; j++) {
		assert_true(res.items[j].has_share);
		assert_rel(res.items[j].share, shares[j], REL);
	}
	assert_int_equal(res.items[0].n, 12);
	stats_favourable_result_free(&res);
}

static void
test_percent_favourable_rejects_bad_input(void **state)
{
	double                  m[4]     = { 1, 2, 9, 3 };
	double                  blank[4] = { NAN, NAN, NAN, NAN };
	stats_favourable_result res;
	char                    errmsg[TD_ERRMSG_MAX] = "";

	(void) state;
	assert_int_equal(
	    stats_percent_favourable(m, 2, 2, 1, 5, NULL, 4, &res, errmsg),
	    TD_ERANGE);
	assert_non_null(strstr(errmsg, "respondent 1, item 0: value 9"));
	m[2] = 4;
	assert_int_equal(
	    stats_percent_favourable(m, 2, 2, 1, 5, NULL, 6, &res, errmsg),
	    TD_EINVAL);
	assert_int_equal(
	    stats_percent_favourable(m, 2, 2, 5, 1, NULL, 4, &res, errmsg),
	    TD_EINVAL);
	assert_int_equal(
	    stats_percent_favourable(blank, 2, 2, 1, 5, NULL, 4, &res, errmsg),
	    TD_ETOOFEW);
	stats_favourable_result_free(NULL);
}

static void
test_percent_favourable_item_with_no_answers(void **state)
{
	/* Item 1 unanswered: its share is flagged, not 0/0. */
	double                  m[4] = { 4, NAN, 2, NAN };
	stats_favourable_result res;
	char                    errmsg[TD_ERRMSG_MAX];

	(void) state;
	assert_int_equal(
	    stats_percent_favourable(m, 2, 2, 1, 5, NULL, 4, &res, errmsg),
	    TD_OK);
	assert_false(res.items[1].has_share);
	assert_rel(res.share, 0.5, 0.0);
	stats_favourable_result_free(&res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alpha_matches_psych),
		cmocka_unit_test(test_alpha_is_listwise),
		cmocka_unit_test(test_alpha_is_shift_invariant),
		cmocka_unit_test(test_two_items_have_no_alpha_if_deleted),
		cmocka_unit_test(test_constant_item_has_no_item_rest),
		cmocka_unit_test(test_alpha_degenerate_inputs),
		cmocka_unit_test(test_percent_favourable_with_reverse_coding),
		cmocka_unit_test(test_percent_favourable_rejects_bad_input),
		cmocka_unit_test(test_percent_favourable_item_with_no_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
