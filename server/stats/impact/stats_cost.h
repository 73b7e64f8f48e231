/* SPDX-License-Identifier: MIT
 * Ingredients-method costs of one activity (Levin & McEwan): each ingredient
 * row is quantity x unit cost in the dollars of its year, converted to a base
 * year with an operator-loaded price index and discounted to a present value.
 */
#ifndef TANDEM_STATS_COST_H
#define TANDEM_STATS_COST_H

#include <stdbool.h>
#include <stddef.h>

#include <tandem/errors.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum stats_cost_category {
	STATS_COST_PERSONNEL  = 0,
	STATS_COST_FACILITIES = 1,
	STATS_COST_MATERIALS  = 2, /* materials and equipment */
	STATS_COST_TRAVEL     = 3,
	STATS_COST_OTHER      = 4,
} stats_cost_category;

#define STATS_COST_NCATEGORIES 5

/* Default discount rate, as ANALYSES.md fixes it. */
#define STATS_COST_DEFAULT_DISCOUNT 0.03

/* One ingredient row. quantity and unit_cost are in the nominal dollars of
 * `year`; NaN in either means "missing" and the row is skipped (and counted
 * in n_skipped), never read as zero. Negative values are rejected. */
typedef struct stats_cost_item {
	int                 year;
	stats_cost_category category;
	double              quantity;
	double              unit_cost;
} stats_cost_item;

/* One price index point (e.g. CPI-U annual average). index must be > 0. */
typedef struct stats_price_index {
	int    year;
	double index;
} stats_price_index;

typedef struct stats_cost_options {
	/* Price index; n_index == 0 means no adjustment (result says so). */
	const stats_price_index *index;
	size_t                   n_index;
	int base_year; /* only read when n_index > 0; must be in the index */

	double discount_rate; /* 0 <= r < 1; default 0.03 */
	/* Year costs are discounted to; default (has_discount_year = false)
	 * is the first year with a usable ingredient row. */
	bool has_discount_year;
	int  discount_year;

	/* Counts for per-unit costs. NaN = unknown. A count of 0 or NaN
	 * gives "not available" for that per-unit cost, never Inf. */
	double n_schools;
	double n_educators;
	double n_students;
} stats_cost_options;

typedef struct stats_cost_year {
	int    year;
	double nominal; /* sum of quantity x unit_cost */
	double real; /* in base-year dollars (= nominal if unadjusted) */
	double present_value; /* real / (1 + r)^(year - discount_year) */
	double pv_by_category[STATS_COST_NCATEGORIES];
} stats_cost_year;

typedef struct stats_cost_result {
	bool        price_adjusted;
	const char *price_note; /* static sentence describing the adjustment */
	int         base_year; /* meaningful only when price_adjusted */
	double      discount_rate;
	int         discount_year;

	double nominal_by_category[STATS_COST_NCATEGORIES];
	double real_by_category[STATS_COST_NCATEGORIES];
	double pv_by_category[STATS_COST_NCATEGORIES];

	stats_cost_year *years; /* ascending by year; owned by the result */
	size_t           n_years;

	double total_nominal;
	double total_real;
	double total_pv; /* the headline cost of the activity */

	size_t n_items; /* rows used */
	size_t n_skipped; /* rows with a missing quantity or unit cost */

	/* Per-unit costs are total_pv / count. */
	bool   has_per_school;
	double per_school;
	bool   has_per_educator;
	double per_educator;
	bool   has_per_student;
	double per_student;
} stats_cost_result;

/* stats_cost_options_init fills in the defaults: no price index, discount
 * rate 0.03 to the first year, all counts unknown (NaN). */
void stats_cost_options_init(stats_cost_options *opt);

/* stats_cost_compute totals the ingredient rows of one activity. On
 * success *out owns its `years` array; release it with
 * stats_cost_result_free. On failure *out holds nothing to free and errmsg
 * (TD_ERRMSG_MAX bytes, may be NULL) says which field broke which rule.
 * Errors: TD_EINVAL (bad category, negative value, bad index entry),
 * TD_ERANGE (discount rate), TD_ENOTFOUND (a year missing from the price
 * index, naming it), TD_ETOOFEW (no usable row), TD_ENOMEM. */
int stats_cost_compute(const stats_cost_item *items, size_t n_items,
                       const stats_cost_options *opt, stats_cost_result *out,
                       char *errmsg) __attribute__((warn_unused_result));

/* stats_cost_result_free releases what *r owns and zeroes it; NULL is
 * accepted. */
void stats_cost_result_free(stats_cost_result *r);

/* stats_cost_category_name returns a static lower-case name. */
const char *stats_cost_category_name(stats_cost_category c);

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_STATS_COST_H */
