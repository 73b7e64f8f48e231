/* SPDX-License-Identifier: MIT
 * Reporting rates as DHIS2 defines them: of the reports expected (one per
 * school and period of the measure's frequency, while the school is
 * open), how many arrived (actual reports) and how many arrived within
 * the measure's timely days after the period ended (on time). The one
 * home of the counting rule; the store supplies the expected cells.
 */
#ifndef TANDEM_STATS_REPORTING_H
#define TANDEM_STATS_REPORTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One expected report: a school (index) of a district (index) for a
 * period (index). late is the arrival minus the deadline (the end of the
 * day timely_days after the period's last day) in days: negative = on
 * time, NaN = no report arrived. backfilled: the period ended before the
 * backfill date, so a report of it counts as on time whenever it came
 * (history loaded in bulk is not late). */
typedef struct stats_report_cell {
	size_t school, district, period;
	double late;
	bool   backfilled;
} stats_report_cell;

/* Counts of one unit (school, district, period or the network). late_sum
 * adds the days late of the reports that were late. */
typedef struct stats_reporting_count {
	int64_t expected, actual, on_time;
	double  late_sum;
} stats_reporting_count;

/* stats_reporting_on_time: whether a cell's report arrived on time (a
 * missing report is never on time). */
bool stats_reporting_on_time(const stats_report_cell *c);

/* stats_reporting_count_cells adds the n cells into school[n_schools],
 * district[n_districts], period[n_periods] and *network (each zeroed
 * first; any array may be NULL when its count is 0). Returns TD_OK, or
 * TD_EINVAL when a cell's index is out of range (err says which). */
int
stats_reporting_count_cells(const stats_report_cell *cells, size_t n,
                            stats_reporting_count *school, size_t n_schools,
                            stats_reporting_count *district,
                            size_t n_districts, stats_reporting_count *period,
                            size_t n_periods, stats_reporting_count *network,
                            char *err) __attribute__((warn_unused_result));

/* DHIS2's rates, in percent; NaN when the denominator is 0:
 * reporting rate = actual / expected; reporting rate on time = on time /
 * expected; timeliness = on time / actual (of the reports made, the share
 * on time); mean days late = late_sum / (actual - on time). */
double stats_reporting_rate(const stats_reporting_count *c);
double stats_reporting_on_time_rate(const stats_reporting_count *c);
double stats_reporting_timeliness(const stats_reporting_count *c);
double stats_reporting_mean_days_late(const stats_reporting_count *c);

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_STATS_REPORTING_H */
