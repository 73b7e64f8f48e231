/* SPDX-License-Identifier: MIT
 * Unit tests for stats_mdc (Making Data Count XmR charts and icons).
 * Reference values come from an R function written from ANALYSES.md's
 * definition, independently of the C code (values printed with
 * sprintf('%.17g', x)):
 *
 * mdc <- function(y, fix = Inf, screen = TRUE) {
 *   n <- length(y); b <- y; b[seq_len(n) > fix] <- NA
 *   m <- mean(b, na.rm = TRUE)
 *   mr <- abs(diff(b)); amr <- mean(mr, na.rm = TRUE)
 *   if (screen) { mr[!is.na(mr) & mr >= 3.267 * amr] <- NA
 *                 amr <- mean(mr, na.rm = TRUE) }
 *   lpl <- m - 2.66 * amr; upl <- m + 2.66 * amr
 *   nlpl <- m - 2/3 * 2.66 * amr; nupl <- m + 2/3 * 2.66 * amr
 *   out <- y > upl | y < lpl; s <- sign(y - m)
 *   close <- !out & (y < nlpl | y > nupl)
 *   trend <- rep(FALSE, n); d <- sign(diff(y))
 *   for (i in 7:n) { dd <- d[(i-6):(i-1)]
 *     if (all(dd == 1) || all(dd == -1)) trend[(i-6):i] <- TRUE }
 *   shift <- rep(FALSE, n)
 *   for (i in 7:n) { w <- s[(i-6):i]
 *     if (all(w == w[1]) && w[1] != 0) shift[(i-6):i] <- TRUE }
 *   tin3 <- rep(FALSE, n)
 *   for (i in 3:n) { w <- (i-2):i
 *     if (abs(sum(s[w])) == 3 && sum(close[w]) >= 2)
 *       tin3[w[close[w]]] <- TRUE }
 *   rule <- ifelse(out, "outside_limits", ifelse(trend, "trend",
 *           ifelse(tin3, "two_in_three", ifelse(shift, "shift", ""))))
 *   list(mean = m, amr = amr, lpl = lpl, upl = upl, nlpl = nlpl,
 *        nupl = nupl, rule = rule) }
 * Point indices below are 0-based.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "stats_mdc.h"
#include "stats_runchart.h"
#include "test_util.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* y <- c(10.2, 11.1, 9.8, 10.5, 10.9, 9.7, 10.4, 25.0, 10.1, 10.8, 11.6,
 *        11.9, 11.7, 12.1, 11.8, 12.2, 11.9, 12.4, 9.0, 9.1, 9.3, 9.6,
 *        9.9, 10.3, 10.6, 10.95) */
static const double Y[]
    = { 10.2, 11.1, 9.8,  10.5, 10.9, 9.7,  10.4, 25.0, 10.1,
	10.8, 11.6, 11.9, 11.7, 12.1, 11.8, 12.2, 11.9, 12.4,
	9.0,  9.1,  9.3,  9.6,  9.9,  10.3, 10.6, 10.95 };

static void
run_ok(const double *y, size_t n, const stats_mdc_opts *o, stats_mdc_result *r)
{
	char err[TD_ERRMSG_MAX] = "";
	int  rc                 = stats_mdc(y, n, o, r, err);

	if (rc != TD_OK) {
		fail_msg("stats_mdc failed: %d %s", rc, err);
	}
}

/* want[i] is the R rule name of point i ("" for none). */
static void
assert_rules(const stats_mdc_result *r, const char *const *want, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(stats_mdc_rule_name(r->rule[i]), want[i]) != 0) {
			fail_msg("point %zu: rule %s, want %s", i,
			         stats_mdc_rule_name(r->rule[i]), want[i]);
		}
	}
}

/* mdc(y): screened limits with 2.66, rules in precedence. */
static void
test_screened_limits_and_rules(void **state)
{
	(void) state;
	stats_mdc_result r;
	stats_mdc_opts   o = { .direction = STATS_MDC_HIGHER };
	/* 0:shift .. 6:shift 7:outside_limits 8: 9: 10:shift .. 17:shift
	 * 18:outside_limits 19:outside 20:outside 21:trend .. 25:trend */
	static const char *const want[] = { "shift",
		                            "shift",
		                            "shift",
		                            "shift",
		                            "shift",
		                            "shift",
		                            "shift",
		                            "outside_limits",
		                            "",
		                            "",
		                            "shift",
		                            "shift",
		                            "shift",
		                            "shift",
		                            "shift",
		                            "shift",
		                            "shift",
		                            "shift",
		                            "outside_limits",
		                            "outside_limits",
		                            "outside_limits",
		                            "trend",
		                            "trend",
		                            "trend",
		                            "trend",
		                            "trend" };

	run_ok(Y, LEN(Y), &o, &r);
	assert_int_equal(r.nsegments, 1);
	assert_rel(r.seg[0].mean, 11.263461538461538, 1e-14); /* mean */
	assert_rel(r.seg[0].amr, 0.62826086956521732, 1e-14); /* amr */
	assert_rel(r.seg[0].lpl, 9.5922876254180593, 1e-14); /* lpl */
	assert_rel(r.seg[0].upl, 12.934635451505017, 1e-14); /* upl */
	assert_rel(r.seg[0].nlpl, 10.149345596432553, 1e-14); /* nlpl */
	assert_rel(r.seg[0].nupl, 12.377577480490523, 1e-14); /* nupl */
	/* The ranges into and out of 25.0 are screened. */
	assert_int_equal(r.seg[0].n_mr_screened, 2);
	assert_int_equal(r.seg[0].n_mr, 23);
	assert_rules(&r, want, LEN(Y));
	/* Shift below the mean (0..6) is concern for higher-is-better; the
	 * run above (10..17) improvement; the last point (a rising trend
	 * below the mean) is concern, as NHSRplotthedots orients every
	 * rule by the side of the mean. */
	assert_int_equal(r.type[0], STATS_MDC_CONCERN);
	assert_int_equal(r.type[12], STATS_MDC_IMPROVEMENT);
	assert_int_equal(r.type[8], STATS_MDC_COMMON);
	assert_true(r.has_icons);
	assert_int_equal(r.variation, STATS_MDC_CONCERN);
	assert_int_equal(r.assurance, STATS_MDC_ASSURANCE_NONE);
	stats_mdc_result_free(&r);
}

/* mdc(y, screen = FALSE): amr 1.758, upl 15.939741538461538. */
static void
test_unscreened(void **state)
{
	(void) state;
	stats_mdc_result r;
	stats_mdc_opts   o = { .no_screen = true };

	run_ok(Y, LEN(Y), &o, &r);
	assert_rel(r.seg[0].amr, 1.758, 1e-14);
	assert_rel(r.seg[0].upl, 15.939741538461538, 1e-14);
	assert_int_equal(r.seg[0].n_mr_screened, 0);
	stats_mdc_result_free(&r);
}

/* mdc(y, fix = 12): limits from the first 12 points, rules on all. */
static void
test_fixed_baseline(void **state)
{
	(void) state;
	stats_mdc_result r;
	stats_mdc_opts   o = { .fix_after = 12 };
	/* 0:two_in_three 1:shift 2:two_in_three 3:shift 4:shift
	 * 5:outside_limits 6:shift 7:outside_limits 8..17: 18..21:outside
	 * 22..25:trend */
	static const char *const want[] = { "two_in_three",
		                            "shift",
		                            "two_in_three",
		                            "shift",
		                            "shift",
		                            "outside_limits",
		                            "shift",
		                            "outside_limits",
		                            "",
		                            "",
		                            "",
		                            "",
		                            "",
		                            "",
		                            "",
		                            "",
		                            "",
		                            "",
		                            "outside_limits",
		                            "outside_limits",
		                            "outside_limits",
		                            "outside_limits",
		                            "trend",
		                            "trend",
		                            "trend",
		                            "trend" };

	run_ok(Y, LEN(Y), &o, &r);
	assert_rel(r.seg[0].mean, 11.833333333333334, 1e-14);
	assert_rel(r.seg[0].amr, 0.77777777777777801, 1e-14);
	assert_rel(r.seg[0].lpl, 9.7644444444444449, 1e-14);
	assert_rel(r.seg[0].upl, 13.902222222222223, 1e-14);
	assert_int_equal(r.seg[0].n_baseline, 12);
	assert_rules(&r, want, LEN(Y));
	/* Neutral direction: special causes are neutral_high/low. */
	assert_int_equal(r.type[7], STATS_MDC_NEUTRAL_HIGH);
	assert_int_equal(r.type[5], STATS_MDC_NEUTRAL_LOW);
	assert_int_equal(r.variation, STATS_MDC_NEUTRAL_LOW);
	stats_mdc_result_free(&r);
}

/* a <- mdc(y[1:12]); b <- mdc(y[13:26]): a rebase at point 12. */
static void
test_rebase(void **state)
{
	(void) state;
	stats_mdc_result r;
	size_t           at[] = { 12 };
	stats_mdc_opts   o    = { .rebase = at, .n_rebase = 1 };
	/* b$rule: 12..22 outside_limits, 23..25 trend; a$rule as fix=12. */
	static const char *const want[] = { "two_in_three",
		                            "shift",
		                            "two_in_three",
		                            "shift",
		                            "shift",
		                            "outside_limits",
		                            "shift",
		                            "outside_limits",
		                            "",
		                            "",
		                            "",
		                            "",
		                            "outside_limits",
		                            "outside_limits",
		                            "outside_limits",
		                            "outside_limits",
		                            "outside_limits",
		                            "outside_limits",
		                            "outside_limits",
		                            "outside_limits",
		                            "outside_limits",
		                            "outside_limits",
		                            "outside_limits",
		                            "trend",
		                            "trend",
		                            "trend" };

	run_ok(Y, LEN(Y), &o, &r);
	assert_int_equal(r.nsegments, 2);
	assert_rel(r.seg[0].mean, 11.833333333333334, 1e-14);
	assert_rel(r.seg[1].mean, 10.775, 1e-14);
	assert_rel(r.seg[1].amr, 0.32083333333333303, 1e-13);
	assert_rel(r.seg[1].lpl, 9.9215833333333343, 1e-14);
	assert_rel(r.seg[1].upl, 11.628416666666666, 1e-14);
	assert_rules(&r, want, LEN(Y));
	assert_int_equal(r.segment[11], 0);
	assert_int_equal(r.segment[12], 1);
	/* 14 points since the rebase: icons. */
	assert_true(r.has_icons);
	stats_mdc_result_free(&r);
}

/* z <- c(rep(c(0.1,-0.1), 6), 0.4,-0.05,0.45, -0.1,0.1,-0.1, 0.4,0.1,0.6,
 *        -0.1,0.1,-0.1, 0.4,0.05,0.42, -0.1); mdc(z, fix = 12):
 * mean 0, amr 0.2, nupl 0.35466666666666669, upl 0.532; rules: 20
 * outside_limits, 24 and 26 two_in_three, nothing else. Points 12 and
 * 14 are close but on either side of a point below the mean; 18 is close
 * but 20 is beyond the limit, which does not count. */
static void
test_two_in_three(void **state)
{
	(void) state;
	static const double z[]
	    = { 0.1, -0.1, 0.1, -0.1,  0.1,  -0.1, 0.1,  -0.1, 0.1, -0.1,
		0.1, -0.1, 0.4, -0.05, 0.45, -0.1, 0.1,  -0.1, 0.4, 0.1,
		0.6, -0.1, 0.1, -0.1,  0.4,  0.05, 0.42, -0.1 };
	stats_mdc_result r;
	stats_mdc_opts   o = { .fix_after = 12, .direction = STATS_MDC_LOWER };

	run_ok(z, LEN(z), &o, &r);
	assert_rel(r.seg[0].amr, 0.2, 1e-14);
	assert_rel(r.seg[0].nupl, 0.35466666666666669, 1e-14);
	assert_rel(r.seg[0].upl, 0.532, 1e-14);
	for (size_t i = 0; i < LEN(z); i++) {
		stats_mdc_rule want = i == 20 ? STATS_MDC_RULE_OUTSIDE
		    : i == 24 || i == 26      ? STATS_MDC_RULE_TWO_IN_THREE
		                              : STATS_MDC_RULE_NONE;
		if (r.rule[i] != want) {
			fail_msg("point %zu: rule %s", i,
			         stats_mdc_rule_name(r.rule[i]));
		}
	}
	/* Lower is better: high special causes are concern. */
	assert_int_equal(r.type[24], STATS_MDC_CONCERN);
	assert_int_equal(r.variation, STATS_MDC_COMMON);
	stats_mdc_result_free(&r);
}

/* Assurance against the limits of Y's chart (lpl 9.5922876254180593,
 * upl 12.934635451505017), higher and lower is better. */
static void
test_assurance(void **state)
{
	(void) state;
	static const struct {
		stats_mdc_direction dir;
		double              target;
		stats_mdc_assurance want;
	} c[] = {
		{ STATS_MDC_HIGHER, 9.5, STATS_MDC_ASSURANCE_PASS },
		{ STATS_MDC_HIGHER, 9.5922876254180593,
		  STATS_MDC_ASSURANCE_PASS }, /* LCL >= target */
		{ STATS_MDC_HIGHER, 13.0, STATS_MDC_ASSURANCE_FAIL },
		{ STATS_MDC_HIGHER, 11.0, STATS_MDC_ASSURANCE_INCONSISTENT },
		{ STATS_MDC_LOWER, 13.0, STATS_MDC_ASSURANCE_PASS },
		{ STATS_MDC_LOWER, 9.5, STATS_MDC_ASSURANCE_FAIL },
		{ STATS_MDC_LOWER, 11.0, STATS_MDC_ASSURANCE_INCONSISTENT },
		{ STATS_MDC_NEUTRAL, 11.0, STATS_MDC_ASSURANCE_NONE },
	};
	for (size_t k = 0; k < LEN(c); k++) {
		stats_mdc_result r;
		stats_mdc_opts   o = { .direction  = c[k].dir,
			               .has_target = true,
			               .target     = c[k].target };

		run_ok(Y, LEN(Y), &o, &r);
		if (r.assurance != c[k].want) {
			fail_msg("case %zu: assurance %s, want %s", k,
			         stats_mdc_assurance_name(r.assurance),
			         stats_mdc_assurance_name(c[k].want));
		}
		stats_mdc_result_free(&r);
	}
}

/* Fewer than 12 valued points: limits and rules, but no icons, and the
 * reason says how many there were. A missing point is not counted. */
static void
test_too_few_for_icons(void **state)
{
	(void) state;
	double           y[12];
	stats_mdc_result r;
	stats_mdc_opts   o = { .direction  = STATS_MDC_HIGHER,
		               .has_target = true,
		               .target     = 1 };

	memcpy(y, Y, sizeof(y));
	y[4] = NAN;
	run_ok(y, LEN(y), &o, &r);
	assert_false(r.has_icons);
	assert_int_equal(r.assurance, STATS_MDC_ASSURANCE_NONE);
	assert_int_equal(r.n_missing, 1);
	assert_non_null(strstr(r.icon_note, "11 points"));
	assert_int_equal(r.type[4], STATS_MDC_MISSING);
	stats_mdc_result_free(&r);
}

static void
test_bad_input(void **state)
{
	(void) state;
	stats_mdc_result r;
	char             err[TD_ERRMSG_MAX];
	double           one[] = { 1.0 };
	double           inf[] = { 1.0, INFINITY, 2.0 };
	size_t           at[]  = { 0 };
	stats_mdc_opts   o     = { .rebase = at, .n_rebase = 1 };

	assert_int_equal(stats_mdc(one, 1, NULL, &r, err), TD_ETOOFEW);
	assert_non_null(strstr(err, "moving range"));
	assert_int_equal(stats_mdc(inf, 3, NULL, &r, err), TD_EINVAL);
	assert_int_equal(stats_mdc(Y, LEN(Y), &o, &r, err), TD_EINVAL);
	assert_int_equal(stats_mdc(Y, 0, NULL, &r, err), TD_ETOOFEW);
	stats_mdc_result_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_screened_limits_and_rules),
		cmocka_unit_test(test_unscreened),
		cmocka_unit_test(test_fixed_baseline),
		cmocka_unit_test(test_rebase),
		cmocka_unit_test(test_two_in_three),
		cmocka_unit_test(test_assurance),
		cmocka_unit_test(test_too_few_for_icons),
		cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
