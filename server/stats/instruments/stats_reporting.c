/* SPDX-License-Identifier: MIT
 * Reporting rates and timeliness (DHIS2); see stats_reporting.h.
 */
#include "stats_reporting.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tandem/errors.h"

bool
stats_reporting_on_time(const stats_report_cell *c)
{
	return !isnan(c->late) && (c->backfilled || c->late < 0);
}

static void
add(stats_reporting_count *k, const stats_report_cell *c, bool on_time)
{
	if (k == NULL) {
		return;
	}
	k->expected++;
	if (isnan(c->late)) {
		return;
	}
	k->actual++;
	if (on_time) {
		k->on_time++;
	} else {
		k->late_sum += c->late;
	}
}

int
stats_reporting_count_cells(const stats_report_cell *cells, size_t n,
                            stats_reporting_count *school, size_t n_schools,
                            stats_reporting_count *district,
                            size_t n_districts, stats_reporting_count *period,
                            size_t n_periods, stats_reporting_count *network,
                            char *err)
{
	if (school != NULL) {
		memset(school, 0, n_schools * sizeof(*school));
	}
	if (district != NULL) {
		memset(district, 0, n_districts * sizeof(*district));
	}
	if (period != NULL) {
		memset(period, 0, n_periods * sizeof(*period));
	}
	if (network != NULL) {
		memset(network, 0, sizeof(*network));
	}
	for (size_t i = 0; i < n; i++) {
		const stats_report_cell *c = &cells[i];
		if ((school != NULL && c->school >= n_schools)
		    || (district != NULL && c->district >= n_districts)
		    || (period != NULL && c->period >= n_periods)) {
			snprintf(
			    err, TD_ERRMSG_MAX,
			    "expected report %zu names a school, district "
			    "or period outside the lists",
			    i);
			return TD_EINVAL;
		}
		bool ok = stats_reporting_on_time(c);
		add(school ? &school[c->school] : NULL, c, ok);
		add(district ? &district[c->district] : NULL, c, ok);
		add(period ? &period[c->period] : NULL, c, ok);
		add(network, c, ok);
	}
	return TD_OK;
}

static double
pct(int64_t num, int64_t den)
{
	return den > 0 ? 100.0 * (double) num / (double) den : NAN;
}

double
stats_reporting_rate(const stats_reporting_count *c)
{
	return pct(c->actual, c->expected);
}

double
stats_reporting_on_time_rate(const stats_reporting_count *c)
{
	return pct(c->on_time, c->expected);
}

double
stats_reporting_timeliness(const stats_reporting_count *c)
{
	return pct(c->on_time, c->actual);
}

double
stats_reporting_mean_days_late(const stats_reporting_count *c)
{
	int64_t late = c->actual - c->on_time;
	return late > 0 ? c->late_sum / (double) late : NAN;
}
