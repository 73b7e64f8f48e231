/* SPDX-License-Identifier: MIT
 * Unit tests for stats_reporting (DHIS2's reporting rate, reporting rate
 * on time and timeliness) against values counted by hand from this
 * network: district D0 has schools A and B, D1 has C; a monthly measure,
 * periods Jan, Feb, Mar 2024; each cell is days past the deadline (the
 * end of day period end + timely_days; negative = on time; - = no report):
 *
 *          Jan    Feb    Mar
 *   A      -3     10     -1
 *   B       -      5     20
 *   C     400      -   -0.5
 *
 * With a backfill date of 2024-03-01, Jan and Feb ended before it, so
 * any report of theirs is on time.
 */
#include <math.h>
#include <string.h>

#include "test_util.h"

#include "stats_reporting.h"
#include "tandem/errors.h"

enum { A, B, C };
enum { JAN, FEB, MAR };

static void
cells(stats_report_cell *x, bool backfill)
{
	static const struct {
		size_t school, district, period;
		double late;
	} v[9] = {
		{ A, 0, JAN, -3 },  { A, 0, FEB, 10 },  { A, 0, MAR, -1 },
		{ B, 0, JAN, NAN }, { B, 0, FEB, 5 },   { B, 0, MAR, 20 },
		{ C, 1, JAN, 400 }, { C, 1, FEB, NAN }, { C, 1, MAR, -0.5 },
	};
	for (size_t i = 0; i < 9; i++) {
		x[i] = (stats_report_cell) {
			.school     = v[i].school,
			.district   = v[i].district,
			.period     = v[i].period,
			.late       = v[i].late,
			.backfilled = backfill && v[i].period != MAR,
		};
	}
}

static void
want(const stats_reporting_count *k, int64_t expected, int64_t actual,
     int64_t on_time, double late_sum)
{
	assert_int_equal(k->expected, expected);
	assert_int_equal(k->actual, actual);
	assert_int_equal(k->on_time, on_time);
	assert_rel(k->late_sum, late_sum, 1e-12);
}

static void
without_backfill(void **state)
{
	(void) state;
	stats_report_cell     x[9];
	stats_reporting_count s[3], d[2], p[3], n;
	char                  err[TD_ERRMSG_MAX];
	cells(x, false);
	assert_int_equal(
	    stats_reporting_count_cells(x, 9, s, 3, d, 2, p, 3, &n, err),
	    TD_OK);
	want(&s[A], 3, 3, 2, 10);
	want(&s[B], 3, 2, 0, 25);
	want(&s[C], 3, 2, 1, 400);
	want(&d[0], 6, 5, 2, 35);
	want(&d[1], 3, 2, 1, 400);
	want(&p[JAN], 3, 2, 1, 400);
	want(&p[FEB], 3, 2, 0, 15);
	want(&p[MAR], 3, 3, 2, 20);
	want(&n, 9, 7, 3, 435);
	/* network: 7/9 reported, 3/9 on time, 3/7 of the reports on time,
	 * (10 + 5 + 20 + 400) / 4 days late on average */
	assert_rel(stats_reporting_rate(&n), 100.0 * 7 / 9, 1e-12);
	assert_rel(stats_reporting_on_time_rate(&n), 100.0 * 3 / 9, 1e-12);
	assert_rel(stats_reporting_timeliness(&n), 100.0 * 3 / 7, 1e-12);
	assert_rel(stats_reporting_mean_days_late(&n), 435.0 / 4, 1e-12);
	/* school B: 2/3 reported, none on time */
	assert_rel(stats_reporting_rate(&s[B]), 100.0 * 2 / 3, 1e-12);
	assert_rel(stats_reporting_on_time_rate(&s[B]), 0, 1e-12);
	assert_rel(stats_reporting_mean_days_late(&s[B]), 12.5, 1e-12);
	/* district D0: 5/6 reported, 2/6 on time, 2/5 of its reports */
	assert_rel(stats_reporting_rate(&d[0]), 100.0 * 5 / 6, 1e-12);
	assert_rel(stats_reporting_on_time_rate(&d[0]), 100.0 * 2 / 6, 1e-12);
	assert_rel(stats_reporting_timeliness(&d[0]), 100.0 * 2 / 5, 1e-12);
}

static void
with_backfill(void **state)
{
	(void) state;
	stats_report_cell     x[9];
	stats_reporting_count s[3], d[2], p[3], n;
	char                  err[TD_ERRMSG_MAX];
	cells(x, true);
	assert_int_equal(
	    stats_reporting_count_cells(x, 9, s, 3, d, 2, p, 3, &n, err),
	    TD_OK);
	/* the 400 days of C's January are history, not lateness */
	want(&s[A], 3, 3, 3, 0);
	want(&s[B], 3, 2, 1, 20);
	want(&s[C], 3, 2, 2, 0);
	want(&d[0], 6, 5, 4, 20);
	want(&d[1], 3, 2, 2, 0);
	want(&p[JAN], 3, 2, 2, 0);
	want(&p[FEB], 3, 2, 2, 0);
	want(&p[MAR], 3, 3, 2, 20);
	want(&n, 9, 7, 6, 20);
	/* backfill changes timeliness, never whether a report arrived */
	assert_rel(stats_reporting_rate(&n), 100.0 * 7 / 9, 1e-12);
	assert_rel(stats_reporting_on_time_rate(&n), 100.0 * 6 / 9, 1e-12);
	assert_rel(stats_reporting_timeliness(&n), 100.0 * 6 / 7, 1e-12);
	assert_rel(stats_reporting_mean_days_late(&n), 20, 1e-12);
}

static void
deadline_and_empty(void **state)
{
	(void) state;
	/* arriving exactly at the deadline (the start of the next day) is
	 * late; a moment before is on time; a missing report never is */
	stats_report_cell at     = { 0, 0, 0, 0.0, false };
	stats_report_cell before = { 0, 0, 0, -1e-6, false };
	stats_report_cell none   = { 0, 0, 0, NAN, true };
	assert_false(stats_reporting_on_time(&at));
	assert_true(stats_reporting_on_time(&before));
	assert_false(stats_reporting_on_time(&none));
	/* nothing expected: every rate undefined, not 0 or 100 */
	stats_reporting_count z = { 0 };
	assert_true(isnan(stats_reporting_rate(&z)));
	assert_true(isnan(stats_reporting_on_time_rate(&z)));
	assert_true(isnan(stats_reporting_timeliness(&z)));
	assert_true(isnan(stats_reporting_mean_days_late(&z)));
	/* an index outside the lists is refused, not written past */
	stats_reporting_count s[1], n;
	stats_report_cell     bad = { 3, 0, 0, 1, false };
	char                  err[TD_ERRMSG_MAX];
	assert_int_equal(stats_reporting_count_cells(&bad, 1, s, 1, NULL, 0,
	                                             NULL, 0, &n, err),
	                 TD_EINVAL);
	assert_non_null(strstr(err, "expected report 0"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(without_backfill),
		cmocka_unit_test(with_backfill),
		cmocka_unit_test(deadline_and_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
