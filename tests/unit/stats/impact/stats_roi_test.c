/* SPDX-License-Identifier: MIT
 * Unit tests of cost-effectiveness (server/stats/impact/stats_roi.c): ratios
 * and the sensitivity table against R 4.2, the school bootstrap against an
 * independent numpy/scipy replication, bit-for-bit reproducibility of the
 * bootstrap, the withheld-ratio rules, ranking and the edge cases.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "stats_roi.h"
#include "test_util.h"

/* Costs, as in stats_cost_test.c, in R:
 *   yr  <- c(2021, 2021, 2022, 2022, 2022, 2023, 2023)
 *   q   <- c(120, 30, 150, 12, 4, 90, 1)
 *   uc  <- c(45.50, 12.25, 47.00, 800, 310.40, 49.75, 1500)
 *   idx <- c("2020"=258.811, "2021"=270.970, "2022"=292.655,
 *            "2023"=304.702)
 *   real <- q * uc * idx["2023"] / idx[as.character(yr)]
 *   cps <- function(r, m = 1) m * sum(real / (1 + r)^(yr - 2021)) / 1250
 * and g <- 0.42766986590496164, es$yi of stats_did_test.c's data set (the
 * same schools as below). */
static const stats_cost_item items[] = {
	{ 2021, STATS_COST_PERSONNEL, 120, 45.50 },
	{ 2021, STATS_COST_MATERIALS, 30, 12.25 },
	{ 2022, STATS_COST_PERSONNEL, 150, 47.00 },
	{ 2022, STATS_COST_FACILITIES, 12, 800 },
	{ 2022, STATS_COST_TRAVEL, 4, 310.40 },
	{ 2023, STATS_COST_PERSONNEL, 90, 49.75 },
	{ 2023, STATS_COST_OTHER, 1, 1500 },
};
static const stats_price_index cpi[] = {
	{ 2020, 258.811 },
	{ 2021, 270.970 },
	{ 2022, 292.655 },
	{ 2023, 304.702 },
};
static const stats_did_school schools[] = {
	{ true, 61.2, 66.0, 420, 12 },
	{ true, 55.4, 58.9, 310, 6 },
	{ true, 70.1, 76.3, 505, 20 },
	{ true, 59.0, NAN, 400, 10 }, /* no post: out of every resample */
	{ true, 48.9, 53.0, 275, 9 },
	{ true, 64.0, 67.1, 390, 4 },
	{ true, 58.3, 64.8, 350, 16 },
	{ false, 60.5, 61.9, 450, NAN },
	{ false, 52.2, 53.0, 290, NAN },
	{ false, 67.8, 69.9, 520, NAN },
	{ false, NAN, 60.0, 380, NAN }, /* no pre */
	{ false, 49.5, 49.1, 300, NAN },
	{ false, 63.3, 65.2, 410, NAN },
	{ false, 57.0, 58.8, 330, NAN },
	{ false, 71.4, 72.0, 480, NAN },
};
#define N_ITEMS   (sizeof(items) / sizeof(items[0]))
#define N_SCHOOLS (sizeof(schools) / sizeof(schools[0]))

static void
activity(stats_roi_activity *a, const stats_did_school *s, size_t n)
{
	memset(a, 0, sizeof(*a));
	a->name    = "coaching";
	a->items   = items;
	a->n_items = N_ITEMS;
	stats_cost_options_init(&a->cost);
	a->cost.index      = cpi;
	a->cost.n_index    = 4;
	a->cost.base_year  = 2023;
	a->cost.n_students = 1250;
	a->schools         = s;
	a->n_schools       = n;
	stats_did_options_init(&a->did);
}

static void
test_roi_ratios_match_r(void **state)
{
	stats_roi_activity a;
	stats_roi_options  o;
	stats_roi_result   r;
	char               err[TD_ERRMSG_MAX];

	activity(&a, schools, N_SCHOOLS);
	stats_roi_options_init(&o);
	o.n_boot = 0;
	assert_int_equal(stats_roi_compute(&a, &o, &r, err), 0);
	assert_rel(r.cost_per_student, 24.218274243361819,
	           1e-9); /* cps(0.03) */
	assert_rel(r.g, 0.42766986590496164, 1e-9); /* es$yi */
	assert_false(r.effect_ci_includes_zero);
	assert_true(r.has_effect_per_1000);
	assert_rel(r.effect_per_1000, 17.658973616676469,
	           1e-9); /* g*1000/cps(0.03) */
	assert_true(r.has_cost_per_sd);
	assert_rel(r.cost_per_sd, 56.628432756456334, 1e-9); /* cps(0.03)/g */
	assert_false(r.has_boot);
	assert_non_null(strstr(r.boot_reason, "not requested"));
	stats_roi_result_free(&r);
}

/* for (m in c(0.8, 1.0, 1.2)) for (r in 0:7/100)
 *   c(cps(r, m), g*1000/cps(r, m), cps(r, m)/g) */
static const double sens_r[3][8][3] = {
	{ { 19.941466717879429, 21.446259292528104, 46.628178199281628 },
	  { 19.748047845491463, 21.656311006082554, 46.175916097581556 },
	  { 19.559149628189203, 21.865463173746143, 45.734224427530066 },
	  { 19.374619394689454, 22.073717020845589, 45.302746205165064 },
	  { 19.194311145672927, 22.2810739421286, 44.88114004725869 },
	  { 19.018085198339612, 22.487535492915956, 44.469079340198078 },
	  { 18.845807853199364, 22.693103380673495, 44.066251460857771 },
	  { 18.677351081505794, 22.897779456982949, 43.672357045741315 } },
	{ { 24.926833397349288, 17.157007434022482, 58.28522274910204 },
	  { 24.685059806864327, 17.325048804866043, 57.71989512197694 },
	  { 24.448937035236501, 17.492370538996919, 57.167780534412572 },
	  { 24.218274243361819, 17.658973616676469, 56.628432756456334 },
	  { 23.992888932091159, 17.824859153702882, 56.101425059073357 },
	  { 23.772606497924517, 17.990028394332764, 55.586349175247605 },
	  { 23.557259816499204, 18.154482704538797, 55.082814326072217 },
	  { 23.346688851882242, 18.318223565586358, 54.590446307176641 } },
	{ { 29.91220007681914, 14.297506195018737, 69.942267298922431 },
	  { 29.622071768237191, 14.437540670721704, 69.263874146372331 },
	  { 29.338724442283802, 14.576975449164099, 68.601336641295092 },
	  { 29.06192909203418, 14.715811347230392, 67.954119307747604 },
	  { 28.791466718509387, 14.854049294752402, 67.321710070888017 },
	  { 28.527127797509415, 14.991690328610639, 66.703619010297103 },
	  { 28.268711779799045, 15.128735587115665, 66.099377191286663 },
	  { 28.016026622258686, 15.265186304655302, 65.508535568611961 } },
};

static void
test_roi_sensitivity_table_matches_r(void **state)
{
	stats_roi_activity a;
	stats_roi_options  o;
	stats_roi_result   r;
	char               err[TD_ERRMSG_MAX];

	activity(&a, schools, N_SCHOOLS);
	stats_roi_options_init(&o);
	o.n_boot = 0;
	assert_int_equal(stats_roi_compute(&a, &o, &r, err), 0);
	for (int i = 0; i < STATS_ROI_SENS_NCOST; i++) {
		for (int j = 0; j < STATS_ROI_SENS_NRATE; j++) {
			const stats_roi_sens_cell *c = &r.sens[i][j];

			assert_rel(c->discount_rate, j / 100.0, 1e-9);
			assert_rel(c->cost_per_student, sens_r[i][j][0], 1e-9);
			assert_true(c->has_effect_per_1000);
			assert_rel(c->effect_per_1000, sens_r[i][j][1], 1e-9);
			assert_true(c->has_cost_per_sd);
			assert_rel(c->cost_per_sd, sens_r[i][j][2], 1e-9);
		}
	}
	assert_rel(r.sens[0][0].cost_multiplier, 0.8, 1e-9);
	assert_rel(r.sens[2][7].cost_multiplier, 1.2, 1e-9);
	/* The x1.0, 3% cell is the headline. */
	assert_true(r.sens[1][3].cost_per_student == r.cost_per_student);
	stats_roi_result_free(&r);
}

/* Bootstrap reference, python3 (Debian numpy 1.24, scipy 1.10), written
 * independently of the C code. numpy's legacy RandomState(seed) is the same
 * MT19937 init_genrand stream as gsl_rng_mt19937, and draws follow
 * gsl_rng_uniform_int:
 *   rs = np.random.RandomState(seed)
 *   def uint(n):
 *       sc = 0xffffffff // n
 *       while True:
 *           k = int(rs.randint(0, 2**32, dtype=np.uint32)) // sc
 *           if k < n: return k
 *   # per replicate: it = [uint(6) for _ in range(6)],
 *   #                ic = [uint(7) for _ in range(7)]
 *   # a, c = pre_t[it], pre_c[ic]; skip if np.ptp(a) == 0 == np.ptp(c)
 *   # est = (pst_t[it] - a).mean() - (pst_c[ic] - c).mean()
 *   # sd = np.sqrt((5*a.var(ddof=1) + 6*c.var(ddof=1)) / 11)
 *   # g = J*est/sd, J = np.exp(gammaln(5.5) - np.log(np.sqrt(5.5))
 *   #                          - gammaln(5))
 *   lo, hi = np.percentile(gs, [2.5, 97.5])   # R type 7
 * with the complete-case schools below in input order. */
static void
test_roi_bootstrap_matches_independent_python(void **state)
{
	stats_roi_activity a;
	stats_roi_result   r;
	stats_roi_options  o;
	char               err[TD_ERRMSG_MAX];

	activity(&a, schools, N_SCHOOLS);
	/* Defaults: 2000 replicates, seed 20261122 (run(20261122, 2000)) */
	assert_int_equal(stats_roi_compute(&a, NULL, &r, err), 0);
	assert_true(r.has_boot);
	assert_int_equal(r.seed, 20261122u);
	assert_int_equal(r.n_boot, 2000);
	assert_int_equal(r.n_boot_valid, 2000); /* len(gs) */
	assert_rel(r.boot_g_lo, 0.31950897643852327, 1e-9);
	assert_rel(r.boot_g_hi, 0.71895079141456231, 1e-9);
	assert_true(r.has_boot_effect_per_1000);
	/* lo*1000/cps, hi*1000/cps with cps = 24.218274243361819 */
	assert_rel(r.boot_effect_per_1000_lo, 13.192887867561417, 1e-9);
	assert_rel(r.boot_effect_per_1000_hi, 29.686293258968497, 1e-9);
	stats_roi_result_free(&r);

	stats_roi_options_init(&o);
	o.seed   = 7;
	o.n_boot = 500; /* run(7, 500) */
	assert_int_equal(stats_roi_compute(&a, &o, &r, err), 0);
	assert_int_equal(r.seed, 7);
	assert_rel(r.boot_g_lo, 0.32600569217416664, 1e-9);
	assert_rel(r.boot_g_hi, 0.74539434412753114, 1e-9);
	assert_rel(r.boot_effect_per_1000_lo, 13.461144625675555, 1e-9);
	assert_rel(r.boot_effect_per_1000_hi, 30.778177529798278, 1e-9);
	stats_roi_result_free(&r);
}

static void
test_roi_bootstrap_same_seed_is_bit_identical(void **state)
{
	stats_roi_activity a;
	stats_roi_options  o;
	stats_roi_result   r1, r2, r3;
	char               err[TD_ERRMSG_MAX];

	activity(&a, schools, N_SCHOOLS);
	a.did.use_weights = true;
	stats_roi_options_init(&o);
	o.seed   = 424242;
	o.n_boot = 999;
	assert_int_equal(stats_roi_compute(&a, &o, &r1, err), 0);
	assert_int_equal(stats_roi_compute(&a, &o, &r2, err), 0);
	assert_true(r1.has_boot && r2.has_boot);
	assert_memory_equal(&r1.boot_g_lo, &r2.boot_g_lo, sizeof(double));
	assert_memory_equal(&r1.boot_g_hi, &r2.boot_g_hi, sizeof(double));
	assert_memory_equal(&r1.boot_effect_per_1000_lo,
	                    &r2.boot_effect_per_1000_lo, sizeof(double));
	assert_memory_equal(&r1.boot_effect_per_1000_hi,
	                    &r2.boot_effect_per_1000_hi, sizeof(double));
	assert_int_equal(r1.n_boot_valid, r2.n_boot_valid);

	o.seed = 424243;
	assert_int_equal(stats_roi_compute(&a, &o, &r3, err), 0);
	assert_true(r3.boot_g_lo != r1.boot_g_lo
	            || r3.boot_g_hi != r1.boot_g_hi);
	stats_roi_result_free(&r1);
	stats_roi_result_free(&r2);
	stats_roi_result_free(&r3);
}

static void
test_roi_bootstrap_with_two_schools_per_group_is_flagged(void **state)
{
	/* Resamples of 2 schools draw one school twice half the time; a
	 * quarter of them have no pre spread at all, too many to trust. */
	const stats_did_school tiny[] = {
		{ true, 50, 56, 1, NAN },
		{ true, 60, 65, 1, NAN },
		{ false, 52, 53, 1, NAN },
		{ false, 58, 60, 1, NAN },
	};
	stats_roi_activity a;
	stats_roi_result   r;
	char               err[TD_ERRMSG_MAX];

	activity(&a, tiny, 4);
	assert_int_equal(stats_roi_compute(&a, NULL, &r, err), 0);
	assert_false(r.has_boot);
	assert_false(r.has_boot_effect_per_1000);
	assert_true(r.n_boot_valid < r.n_boot);
	assert_non_null(strstr(r.boot_reason, "resamples"));
	assert_true(r.boot_g_lo == 0.0 && r.boot_g_hi == 0.0);
	stats_roi_result_free(&r);
}

static void
test_roi_effect_ci_with_zero_withholds_ratios(void **state)
{
	const stats_did_school null_effect[] = {
		{ true, 50, 52, 1, NAN },  { true, 60, 61, 1, NAN },
		{ true, 55, 58, 1, NAN },  { true, 58, 58, 1, NAN },
		{ false, 52, 54, 1, NAN }, { false, 57, 58, 1, NAN },
		{ false, 49, 51, 1, NAN }, { false, 61, 62, 1, NAN },
	};
	stats_roi_activity a;
	stats_roi_result   r;
	char               err[TD_ERRMSG_MAX];

	activity(&a, null_effect, 8);
	assert_int_equal(stats_roi_compute(&a, NULL, &r, err), 0);
	assert_true(r.effect_ci_includes_zero);
	assert_false(r.has_effect_per_1000);
	assert_false(r.has_cost_per_sd);
	assert_true(r.effect_per_1000 == 0.0 && r.cost_per_sd == 0.0);
	assert_non_null(strstr(r.ratio_reason, "includes zero"));
	/* g's own interval still comes out; the ratio's does not. */
	assert_true(r.has_boot);
	assert_false(r.has_boot_effect_per_1000);
	for (int j = 0; j < STATS_ROI_SENS_NRATE; j++) {
		assert_true(r.sens[1][j].cost_per_student > 0.0);
		assert_false(r.sens[1][j].has_effect_per_1000);
		assert_false(r.sens[1][j].has_cost_per_sd);
	}
	stats_roi_result_free(&r);
}

static void
test_roi_negative_effect_has_no_cost_per_sd(void **state)
{
	stats_did_school   flipped[N_SCHOOLS];
	stats_roi_activity a;
	stats_roi_options  o;
	stats_roi_result   r;
	char               err[TD_ERRMSG_MAX];

	/* Swapping the groups negates the DiD and (the pooled SD and J
	 * being symmetric in the groups) negates g. */
	memcpy(flipped, schools, sizeof(flipped));
	for (size_t i = 0; i < N_SCHOOLS; i++) {
		flipped[i].treated = !flipped[i].treated;
	}
	activity(&a, flipped, N_SCHOOLS);
	stats_roi_options_init(&o);
	o.n_boot = 0;
	assert_int_equal(stats_roi_compute(&a, &o, &r, err), 0);
	assert_false(r.effect_ci_includes_zero);
	assert_true(r.has_effect_per_1000);
	assert_rel(r.effect_per_1000, -17.658973616676469,
	           1e-9); /* -g*1000/cps(0.03) */
	assert_false(r.has_cost_per_sd);
	assert_non_null(strstr(r.ratio_reason, "negative"));
	stats_roi_result_free(&r);
}

static void
test_roi_zero_cost_is_erange(void **state)
{
	const stats_cost_item free_items[] = {
		{ 2022, STATS_COST_PERSONNEL, 10, 0 },
	};
	stats_roi_activity a;
	stats_roi_result   r;
	char               err[TD_ERRMSG_MAX];

	activity(&a, schools, N_SCHOOLS);
	a.items        = free_items;
	a.n_items      = 1;
	a.cost.n_index = 0;
	assert_int_equal(stats_roi_compute(&a, NULL, &r, err), TD_ERANGE);
	assert_non_null(strstr(err, "coaching: total cost is 0"));
	assert_null(r.cost.years);
}

static void
test_roi_unknown_students_is_einval(void **state)
{
	stats_roi_activity a;
	stats_roi_result   r;
	char               err[TD_ERRMSG_MAX];

	activity(&a, schools, N_SCHOOLS);
	a.cost.n_students = 0;
	assert_int_equal(stats_roi_compute(&a, NULL, &r, err), TD_EINVAL);
	assert_non_null(strstr(err, "students"));
	a.cost.n_students = NAN;
	assert_int_equal(stats_roi_compute(&a, NULL, &r, err), TD_EINVAL);
}

static void
test_roi_impact_errors_carry_activity_name(void **state)
{
	stats_did_school   flat[N_SCHOOLS];
	stats_roi_activity a;
	stats_roi_result   r;
	char               err[TD_ERRMSG_MAX];

	activity(&a, schools, 7); /* treated only */
	assert_int_equal(stats_roi_compute(&a, NULL, &r, err), TD_ETOOFEW);
	assert_non_null(strstr(err, "coaching: no comparison schools"));
	assert_null(r.cost.years); /* the cost part was released */

	memcpy(flat, schools, sizeof(flat));
	for (size_t i = 0; i < N_SCHOOLS; i++) {
		flat[i].pre = 50;
	}
	activity(&a, flat, N_SCHOOLS);
	assert_int_equal(stats_roi_compute(&a, NULL, &r, err), TD_EZEROVAR);
	assert_non_null(strstr(err, "pre-period SD is 0"));

	for (size_t i = 0; i < N_SCHOOLS; i++) {
		flat[i].pre = NAN;
	}
	assert_int_equal(stats_roi_compute(&a, NULL, &r, err), TD_ETOOFEW);
	assert_non_null(strstr(err, "no pre period"));

	activity(&a, schools, N_SCHOOLS);
	a.cost.base_year = 2030;
	assert_int_equal(stats_roi_compute(&a, NULL, &r, err), TD_ENOTFOUND);
	assert_non_null(strstr(err, "2030"));
	assert_int_equal(stats_roi_compute(NULL, NULL, &r, err), TD_EINVAL);
}

static void
test_roi_rank_orders_by_effect_per_1000_unavailable_last(void **state)
{
	stats_roi_result res[5];
	size_t           order[5];

	memset(res, 0, sizeof(res));
	res[0].has_effect_per_1000 = false;
	res[1].has_effect_per_1000 = true;
	res[1].effect_per_1000     = 4.5;
	res[2].has_effect_per_1000 = true;
	res[2].effect_per_1000     = 17.2;
	res[3].has_effect_per_1000 = true;
	res[3].effect_per_1000     = -2.0;
	res[4].has_effect_per_1000 = true;
	res[4].effect_per_1000     = 4.5; /* tie with 1: input order */
	assert_int_equal(stats_roi_rank(res, 5, order), 0);
	assert_int_equal(order[0], 2);
	assert_int_equal(order[1], 1);
	assert_int_equal(order[2], 4);
	assert_int_equal(order[3], 3);
	assert_int_equal(order[4], 0);
	assert_int_equal(stats_roi_rank(res, 0, NULL), 0);
	assert_int_equal(stats_roi_rank(NULL, 2, order), TD_EINVAL);
	stats_roi_result_free(NULL);
}

/* An effect from elsewhere (the staggered ATT): the ratios and every
 * sensitivity cell follow it (g * 1000 / cps, cps / g), the DiD bootstrap
 * is dropped, and an interval that includes 0 withholds the ratios. */
static void
test_roi_set_effect_replaces_the_ratios(void **state)
{
	stats_roi_activity a;
	stats_roi_options  o;
	stats_roi_result   r;
	char               err[TD_ERRMSG_MAX];

	(void) state;
	activity(&a, schools, N_SCHOOLS);
	stats_roi_options_init(&o);
	assert_int_equal(stats_roi_compute(&a, &o, &r, err), 0);
	assert_true(r.has_boot);
	stats_roi_set_effect(&r, 0.25, false, "staggered");
	assert_rel(r.g, 0.25, 1e-15);
	/* 0.25 * 1000 / cps(0.03), cps(0.03) = 24.218274243361819 */
	assert_rel(r.effect_per_1000, 0.25 * 1000 / 24.218274243361819, 1e-9);
	assert_rel(r.cost_per_sd, 24.218274243361819 / 0.25, 1e-9);
	assert_false(r.has_boot);
	assert_false(r.has_boot_effect_per_1000);
	for (int i = 0; i < STATS_ROI_SENS_NCOST; i++) {
		for (int j = 0; j < STATS_ROI_SENS_NRATE; j++) {
			const stats_roi_sens_cell *c = &r.sens[i][j];
			assert_rel(c->effect_per_1000,
			           sens_r[i][j][0] > 0
			               ? 0.25 * 1000 / sens_r[i][j][0]
			               : 0,
			           1e-9);
		}
	}
	stats_roi_set_effect(&r, 0.25, true, "staggered");
	assert_false(r.has_effect_per_1000);
	assert_false(r.has_cost_per_sd);
	assert_false(r.sens[1][3].has_effect_per_1000);
	stats_roi_result_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roi_set_effect_replaces_the_ratios),
		cmocka_unit_test(test_roi_ratios_match_r),
		cmocka_unit_test(test_roi_sensitivity_table_matches_r),
		cmocka_unit_test(
		    test_roi_bootstrap_matches_independent_python),
		cmocka_unit_test(
		    test_roi_bootstrap_same_seed_is_bit_identical),
		cmocka_unit_test(
		    test_roi_bootstrap_with_two_schools_per_group_is_flagged),
		cmocka_unit_test(
		    test_roi_effect_ci_with_zero_withholds_ratios),
		cmocka_unit_test(test_roi_negative_effect_has_no_cost_per_sd),
		cmocka_unit_test(test_roi_zero_cost_is_erange),
		cmocka_unit_test(test_roi_unknown_students_is_einval),
		cmocka_unit_test(test_roi_impact_errors_carry_activity_name),
		cmocka_unit_test(
		    test_roi_rank_orders_by_effect_per_1000_unavailable_last),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
