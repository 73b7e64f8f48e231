/* SPDX-License-Identifier: MIT
 * Unit tests of the ingredients-method costs
 * (server/stats/impact/stats_cost.c) against totals computed once in R 4.2
 * (r-base-core); each expected value carries the R expression that produced
 * it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "stats_cost.h"
#include "test_util.h"

/* The data set, in R:
 *   yr  <- c(2021, 2021, 2022, 2022, 2022, 2023, 2023)
 *   cat <- c("pers", "mat", "pers", "fac", "trav", "pers", "oth")
 *   q   <- c(120, 30, 150, 12, 4, 90, 1)
 *   uc  <- c(45.50, 12.25, 47.00, 800, 310.40, 49.75, 1500)
 *   idx <- c("2020"=258.811, "2021"=270.970, "2022"=292.655,
 *            "2023"=304.702)
 *   nom  <- q * uc
 *   real <- nom * idx["2023"] / idx[as.character(yr)]
 *   pv   <- real / 1.03^(yr - 2021)
 * plus one row with a missing quantity, which must be skipped. */
static const stats_cost_item items[] = {
	{ 2021, STATS_COST_PERSONNEL, 120, 45.50 },
	{ 2021, STATS_COST_MATERIALS, 30, 12.25 },
	{ 2022, STATS_COST_PERSONNEL, 150, 47.00 },
	{ 2022, STATS_COST_FACILITIES, 12, 800 },
	{ 2022, STATS_COST_TRAVEL, 4, 310.40 },
	{ 2023, STATS_COST_PERSONNEL, 90, 49.75 },
	{ 2023, STATS_COST_OTHER, 1, 1500 },
	{ 2023, STATS_COST_MATERIALS, NAN, 10 },
};
#define N_ITEMS (sizeof(items) / sizeof(items[0]))

static const stats_price_index cpi[] = {
	{ 2020, 258.811 },
	{ 2021, 270.970 },
	{ 2022, 292.655 },
	{ 2023, 304.702 },
};

static void
cpi_options(stats_cost_options *o)
{
	stats_cost_options_init(o);
	o->index       = cpi;
	o->n_index     = 4;
	o->base_year   = 2023;
	o->n_schools   = 4;
	o->n_educators = 18;
	o->n_students  = 0;
}

static void
test_cost_adjusted_discounted_totals_match_r(void **state)
{
	stats_cost_options o;
	stats_cost_result  r;
	char               err[TD_ERRMSG_MAX];

	cpi_options(&o);
	assert_int_equal(stats_cost_compute(items, N_ITEMS, &o, &r, err), 0);
	assert_true(r.price_adjusted);
	assert_int_equal(r.base_year, 2023);
	assert_int_equal(r.discount_year, 2021); /* first year by default */
	assert_int_equal(r.n_items, 7);
	assert_int_equal(r.n_skipped, 1);

	assert_rel(r.total_nominal, 29696.599999999999, 1e-9); /* sum(nom) */
	assert_rel(r.total_real, 31158.541746686609, 1e-9); /* sum(real) */
	assert_rel(r.total_pv, 30272.842804202272, 1e-9); /* sum(pv) */
	/* sum(pv[cat == "pers"]) etc. */
	assert_rel(r.pv_by_category[STATS_COST_PERSONNEL], 17486.584603836422,
	           1e-9);
	assert_rel(r.pv_by_category[STATS_COST_FACILITIES], 9704.0575793127973,
	           1e-9);
	assert_rel(r.pv_by_category[STATS_COST_MATERIALS], 413.24864376130193,
	           1e-9);
	assert_rel(r.pv_by_category[STATS_COST_TRAVEL], 1255.0581135911218,
	           1e-9);
	assert_rel(r.pv_by_category[STATS_COST_OTHER], 1413.8938637006315,
	           1e-9);
	/* sum(real[cat == "pers"]) */
	assert_rel(r.real_by_category[STATS_COST_PERSONNEL],
	           17957.403939234271, 1e-9);

	assert_int_equal(r.n_years, 3);
	assert_int_equal(r.years[0].year, 2021);
	assert_int_equal(r.years[2].year, 2023);
	assert_rel(r.years[0].nominal, 5827.5, 1e-9); /* sum(nom[yr==2021]) */
	assert_rel(r.years[0].real, 6552.942779643502,
	           1e-9); /* sum(real[yr==2021]) */
	assert_rel(r.years[0].present_value, 6552.942779643502,
	           1e-9); /* sum(pv[yr==2021]) */
	assert_rel(r.years[1].nominal, 17891.599999999999,
	           1e-9); /* sum(nom[yr==2022]) */
	assert_rel(r.years[1].real, 18628.098967043108,
	           1e-9); /* sum(real[yr==2022]) */
	assert_rel(r.years[1].present_value, 18085.532977711755,
	           1e-9); /* sum(pv[yr==2022]) */
	assert_rel(r.years[2].real, 5977.5, 1e-9); /* sum(real[yr==2023]) */
	assert_rel(r.years[2].present_value, 5634.3670468470164,
	           1e-9); /* sum(pv[yr==2023]) */
	/* sum(pv[yr==2022 & cat=="fac"]) */
	assert_rel(r.years[1].pv_by_category[STATS_COST_FACILITIES],
	           9704.0575793127973, 1e-9);

	assert_true(r.has_per_school);
	assert_rel(r.per_school, 7568.2107010505679, 1e-9); /* sum(pv)/4 */
	assert_true(r.has_per_educator);
	assert_rel(r.per_educator, 1681.8246002334595, 1e-9); /* sum(pv)/18 */
	stats_cost_result_free(&r);
}

static void
test_cost_without_index_says_unadjusted(void **state)
{
	stats_cost_options o;
	stats_cost_result  r;
	char               err[TD_ERRMSG_MAX];

	stats_cost_options_init(&o);
	o.discount_rate     = 0.05;
	o.has_discount_year = true;
	o.discount_year     = 2022; /* 2021 compounds forward a year */
	assert_int_equal(stats_cost_compute(items, N_ITEMS, &o, &r, err), 0);
	assert_false(r.price_adjusted);
	assert_non_null(strstr(r.price_note, "no price adjustment"));
	assert_true(r.total_real == r.total_nominal);
	/* sum(nom / 1.05^(yr - 2022)) */
	assert_rel(r.total_pv, 29703.332142857143, 1e-9);
	/* sum((nom / 1.05^(yr - 2022))[yr == 2021]) */
	assert_rel(r.years[0].present_value, 6118.875, 1e-9);
	stats_cost_result_free(&r);
}

static void
test_cost_zero_or_unknown_count_is_not_available(void **state)
{
	stats_cost_options o;
	stats_cost_result  r;
	char               err[TD_ERRMSG_MAX];

	cpi_options(&o); /* students 0 */
	o.n_educators = NAN;
	assert_int_equal(stats_cost_compute(items, N_ITEMS, &o, &r, err), 0);
	assert_false(r.has_per_student);
	assert_false(r.has_per_educator);
	assert_true(r.per_student == 0.0 && r.per_educator == 0.0);
	assert_true(r.has_per_school);
	stats_cost_result_free(&r);
}

static void
test_cost_all_zero_costs_total_zero(void **state)
{
	const stats_cost_item zero[] = {
		{ 2022, STATS_COST_PERSONNEL, 0, 50 },
		{ 2023, STATS_COST_OTHER, 3, 0 },
	};
	stats_cost_options o;
	stats_cost_result  r;
	char               err[TD_ERRMSG_MAX];

	stats_cost_options_init(&o);
	o.n_students = 100;
	assert_int_equal(stats_cost_compute(zero, 2, &o, &r, err), 0);
	assert_true(r.total_pv == 0.0);
	assert_true(r.has_per_student && r.per_student == 0.0);
	stats_cost_result_free(&r);
}

static void
test_cost_year_missing_from_index_is_enotfound_naming_year(void **state)
{
	stats_cost_options o;
	stats_cost_result  r;
	char               err[TD_ERRMSG_MAX];

	cpi_options(&o);
	o.n_index   = 3; /* drops 2023, which is also the base year */
	o.base_year = 2022;
	assert_int_equal(stats_cost_compute(items, N_ITEMS, &o, &r, err),
	                 TD_ENOTFOUND);
	assert_non_null(strstr(err, "2023"));
	assert_null(r.years);

	cpi_options(&o);
	o.base_year = 2019;
	assert_int_equal(stats_cost_compute(items, N_ITEMS, &o, &r, err),
	                 TD_ENOTFOUND);
	assert_non_null(strstr(err, "base year 2019"));
}

static void
test_cost_every_row_missing_is_etoofew(void **state)
{
	const stats_cost_item miss[] = {
		{ 2022, STATS_COST_PERSONNEL, NAN, 50 },
		{ 2023, STATS_COST_OTHER, 3, NAN },
	};
	stats_cost_result r;
	char              err[TD_ERRMSG_MAX];

	assert_int_equal(stats_cost_compute(miss, 2, NULL, &r, err),
	                 TD_ETOOFEW);
	assert_non_null(strstr(err, "no ingredient"));
	assert_int_equal(stats_cost_compute(NULL, 0, NULL, &r, err),
	                 TD_ETOOFEW);
}

static void
test_cost_bad_values_are_rejected(void **state)
{
	stats_cost_item    bad[] = { { 2022, STATS_COST_PERSONNEL, 10, 50 } };
	stats_cost_options o;
	stats_cost_result  r;
	char               err[TD_ERRMSG_MAX];

	bad[0].quantity = -1;
	assert_int_equal(stats_cost_compute(bad, 1, NULL, &r, err), TD_EINVAL);
	assert_non_null(strstr(err, "quantity"));
	bad[0].quantity  = 1;
	bad[0].unit_cost = INFINITY;
	assert_int_equal(stats_cost_compute(bad, 1, NULL, &r, err), TD_EINVAL);
	bad[0].unit_cost = 1;
	bad[0].category  = (stats_cost_category) 9;
	assert_int_equal(stats_cost_compute(bad, 1, NULL, &r, err), TD_EINVAL);
	assert_non_null(strstr(err, "category 9"));
	bad[0].category = STATS_COST_TRAVEL;
	bad[0].year     = 20222;
	assert_int_equal(stats_cost_compute(bad, 1, NULL, &r, err), TD_ERANGE);
	bad[0].year = 2022;

	stats_cost_options_init(&o);
	o.discount_rate = 1.5;
	assert_int_equal(stats_cost_compute(bad, 1, &o, &r, err), TD_ERANGE);
	assert_non_null(strstr(err, "discount rate"));
	o.discount_rate = NAN;
	assert_int_equal(stats_cost_compute(bad, 1, &o, &r, err), TD_ERANGE);
	o.discount_rate = 0.03;
	o.n_students    = -5;
	assert_int_equal(stats_cost_compute(bad, 1, &o, &r, err), TD_EINVAL);

	const stats_price_index dup[] = { { 2022, 1.0 }, { 2022, 1.1 } };
	stats_cost_options_init(&o);
	o.index     = dup;
	o.n_index   = 2;
	o.base_year = 2022;
	assert_int_equal(stats_cost_compute(bad, 1, &o, &r, err), TD_EINVAL);
	assert_non_null(strstr(err, "twice"));
	const stats_price_index zero[] = { { 2022, 0.0 } };
	o.index                        = zero;
	o.n_index                      = 1;
	assert_int_equal(stats_cost_compute(bad, 1, &o, &r, err), TD_EINVAL);
	assert_int_equal(stats_cost_compute(bad, 1, NULL, NULL, err),
	                 TD_EINVAL);
}

static void
test_cost_result_free_accepts_null(void **state)
{
	stats_cost_result_free(NULL);
	assert_string_equal(stats_cost_category_name(STATS_COST_TRAVEL),
	                    "travel");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cost_adjusted_discounted_totals_match_r),
		cmocka_unit_test(test_cost_without_index_says_unadjusted),
		cmocka_unit_test(
		    test_cost_zero_or_unknown_count_is_not_available),
		cmocka_unit_test(test_cost_all_zero_costs_total_zero),
		cmocka_unit_test(
		    test_cost_year_missing_from_index_is_enotfound_naming_year),
		cmocka_unit_test(test_cost_every_row_missing_is_etoofew),
		cmocka_unit_test(test_cost_bad_values_are_rejected),
		cmocka_unit_test(test_cost_result_free_accepts_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
