/* SPDX-License-Identifier: MIT
 * The input rules client and server share (common/): one date parser with
 * one year range, the day arithmetic under it, and the code rule.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common.h"

static void
dates_are_real_days_in_one_year_range(void **state)
{
	(void) state;
	int32_t d = -1;
	assert_true(common_date_parse("1970-01-01", &d));
	assert_int_equal(d, 0);
	assert_true(common_date_parse("2024-02-29", &d)); /* leap year */
	assert_int_equal(
	    d,
	    19782); /* python3: (date(2024, 2, 29) - date(1970, 1, 1)).days */
	assert_true(common_date_parse("2000-02-29", NULL)); /* 400-year */
	assert_false(common_date_parse("1900-02-29", NULL)); /* 100-year */
	assert_false(common_date_parse("2023-02-29", NULL));
	assert_false(common_date_parse("2024-04-31", NULL));
	assert_false(common_date_parse("2024-13-01", NULL));
	assert_false(common_date_parse("2024-00-10", NULL));
	assert_false(common_date_parse("2024-01-00", NULL));
	/* The range is COMMON_YEAR_MIN..COMMON_YEAR_MAX on both sides (the
	 * CLI used to stop at 2199 while the server took 2200). */
	assert_true(common_date_parse("1900-01-01", NULL));
	assert_true(common_date_parse("2200-12-31", NULL));
	assert_false(common_date_parse("1899-12-31", NULL));
	assert_false(common_date_parse("2201-01-01", NULL));
	assert_true(common_year_valid(2200));
	assert_false(common_year_valid(2201));
	assert_false(common_year_valid(1899));
}

static void
dates_are_written_exactly_yyyy_mm_dd(void **state)
{
	(void) state;
	assert_false(common_date_parse("2024-1-01", NULL));
	assert_false(common_date_parse("2024/01/01", NULL));
	assert_false(common_date_parse("2024-01-01 ", NULL));
	assert_false(common_date_parse(" 2024-01-01", NULL));
	assert_false(common_date_parse("+024-01-01", NULL));
	assert_false(common_date_parse("20240101", NULL));
	assert_false(common_date_parse("", NULL));
	assert_false(common_date_parse(NULL, NULL));
}

static void
day_numbers_round_trip(void **state)
{
	(void) state;
	/* Every day of 1899..2201, through leap years and centuries. */
	long first = common_days_from_civil(1899, 1, 1);
	long last  = common_days_from_civil(2201, 12, 31);
	/* python3: (date(1899, 1, 1) - date(1970, 1, 1)).days and the same
	 * for 2201-12-31 */
	assert_int_equal(first, -25932);
	assert_int_equal(last, 84735);
	for (long z = first; z <= last; z++) {
		int y, m, d;
		common_civil_from_days(z, &y, &m, &d);
		assert_int_equal(common_days_from_civil(y, m, d), z);
	}
}

static void
codes_break_one_named_rule(void **state)
{
	(void) state;
	char long_code[COMMON_CODE_MAX + 2];
	memset(long_code, 'a', sizeof(long_code) - 1);
	long_code[COMMON_CODE_MAX + 1] = '\0';
	assert_int_equal(common_code_check("SCH-001"), COMMON_CODE_OK);
	assert_int_equal(common_code_check("École Jean-Jaurès"),
	                 COMMON_CODE_OK);
	assert_int_equal(common_code_check(""), COMMON_CODE_EMPTY);
	assert_int_equal(common_code_check(NULL), COMMON_CODE_EMPTY);
	assert_int_equal(common_code_check(long_code), COMMON_CODE_TOO_LONG);
	long_code[COMMON_CODE_MAX] = '\0';
	assert_int_equal(common_code_check(long_code), COMMON_CODE_OK);
	assert_int_equal(common_code_check("a\tb"), COMMON_CODE_CONTROL);
	assert_int_equal(common_code_check("a\x7f"), COMMON_CODE_CONTROL);
	assert_int_equal(common_code_check(" SCH"), COMMON_CODE_PADDING);
	assert_int_equal(common_code_check("SCH "), COMMON_CODE_PADDING);
	assert_string_equal(common_code_rule_name(COMMON_CODE_TOO_LONG),
	                    "max_length");
	assert_string_equal(common_code_rule_name(COMMON_CODE_OK), "");
}

static void
measures_are_read_once_as_users_write_them(void **state)
{
	(void) state;
	common_measure m;
	char           err[160] = "";
	assert_true(common_measure_parse("ela_scale", &m, err, sizeof(err)));
	assert_false(m.survey);
	assert_string_equal(m.outcome, "ela_scale");
	assert_true(common_measure_parse("survey:climate/belonging:mean", &m,
	                                 err, sizeof(err)));
	assert_true(m.survey);
	assert_false(m.favourable);
	assert_string_equal(m.survey_code, "climate");
	assert_string_equal(m.construct, "belonging");
	/* A construct code may hold ':'; the statistic is the last part. */
	assert_true(common_measure_parse("survey:t/a:b:favourable", &m, err,
	                                 sizeof(err)));
	assert_true(m.favourable);
	assert_string_equal(m.construct, "a:b");
	/* The server used to take these (an empty code, no statistic,
	 * meaning mean); the documented grammar, which the CLI checked,
	 * is the one rule now. */
	assert_false(common_measure_parse("survey:climate/belonging", &m, err,
	                                  sizeof(err)));
	assert_non_null(strstr(err, ":mean"));
	assert_false(common_measure_parse("survey:/belonging:mean", &m, err,
	                                  sizeof(err)));
	assert_non_null(strstr(err, "survey code is missing"));
	assert_false(common_measure_parse("survey:climate/:mean", &m, err,
	                                  sizeof(err)));
	assert_non_null(strstr(err, "construct code is missing"));
	assert_false(common_measure_parse("survey:climate/belonging:median",
	                                  &m, err, sizeof(err)));
	assert_non_null(strstr(err, "not :median"));
	assert_false(common_measure_parse("", &m, err, sizeof(err)));
	assert_false(common_measure_parse(" ela", &m, err, sizeof(err)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dates_are_real_days_in_one_year_range),
		cmocka_unit_test(dates_are_written_exactly_yyyy_mm_dd),
		cmocka_unit_test(day_numbers_round_trip),
		cmocka_unit_test(codes_break_one_named_rule),
		cmocka_unit_test(measures_are_read_once_as_users_write_them),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
