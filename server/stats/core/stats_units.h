/* SPDX-License-Identifier: MIT
 * A measure's unit decides how a value becomes a count and what sampling
 * variance one school-period value carries (ANALYSES.md, "Units, counts
 * and sampling variance"): the one home of that rule.
 */
#ifndef TANDEM_STATS_UNITS_H
#define TANDEM_STATS_UNITS_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum stats_unit {
	STATS_UNIT_SCALE      = 0, /* any other unit: a scale score */
	STATS_UNIT_PROPORTION = 1, /* 0..1 */
	STATS_UNIT_PERCENT    = 2, /* 0..100 */
	STATS_UNIT_COUNT      = 3, /* a non-negative whole number */
	STATS_UNIT_RATE       = 4, /* events per unit of exposure n */
} stats_unit;

/* stats_unit_of maps a measure's unit name ("proportion", "percent",
 * "count", "rate"; anything else is a scale). */
stats_unit stats_unit_of(const char *name);

/* stats_unit_name: "proportion", "percent", "count", "rate", "scale". */
const char *stats_unit_name(stats_unit u);

/* stats_unit_events: the count behind a value of n people: value*n
 * (proportion), value*n/100 (percent), value*n (rate: events over
 * exposure n), value (count); NaN for a scale. */
double stats_unit_events(stats_unit u, double value, double n);

/* stats_unit_sampling_var: the sampling variance of one value over n:
 * p(1-p)/n (proportion), 1e4 p(1-p)/n with p = value/100 (percent),
 * value/n (rate), value (count); NaN for a scale (its variance needs a
 * submitted SD) and for n <= 0. */
double stats_unit_sampling_var(stats_unit u, double value, double n);

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_STATS_UNITS_H */
