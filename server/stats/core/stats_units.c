/* SPDX-License-Identifier: MIT
 * Units, counts and sampling variance; see stats_units.h.
 */
#include "stats_units.h"

#include <math.h>
#include <string.h>

stats_unit
stats_unit_of(const char *name)
{
	static const struct {
		const char *name;
		stats_unit  unit;
	} units[] = {
		{ "proportion", STATS_UNIT_PROPORTION },
		{ "percent", STATS_UNIT_PERCENT },
		{ "count", STATS_UNIT_COUNT },
		{ "rate", STATS_UNIT_RATE },
	};
	for (size_t i = 0;
	     name != NULL && i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(name, units[i].name) == 0) {
			return units[i].unit;
		}
	}
	return STATS_UNIT_SCALE;
}

const char *
stats_unit_name(stats_unit u)
{
	switch (u) {
	case STATS_UNIT_PROPORTION:
		return "proportion";
	case STATS_UNIT_PERCENT:
		return "percent";
	case STATS_UNIT_COUNT:
		return "count";
	case STATS_UNIT_RATE:
		return "rate";
	case STATS_UNIT_SCALE:
		break;
	}
	return "scale";
}

double
stats_unit_events(stats_unit u, double value, double n)
{
	switch (u) {
	case STATS_UNIT_PROPORTION:
	case STATS_UNIT_RATE:
		return value * n;
	case STATS_UNIT_PERCENT:
		return value * n / 100.0;
	case STATS_UNIT_COUNT:
		return value;
	case STATS_UNIT_SCALE:
		break;
	}
	return NAN;
}

double
stats_unit_sampling_var(stats_unit u, double value, double n)
{
	double p;

	if (!(n > 0) || isnan(value)) {
		return NAN;
	}
	switch (u) {
	case STATS_UNIT_PROPORTION:
		return value * (1.0 - value) / n;
	case STATS_UNIT_PERCENT:
		p = value / 100.0;
		return 1e4 * p * (1.0 - p) / n;
	case STATS_UNIT_RATE:
		return value / n;
	case STATS_UNIT_COUNT:
		return value;
	case STATS_UNIT_SCALE:
		break;
	}
	return NAN;
}
