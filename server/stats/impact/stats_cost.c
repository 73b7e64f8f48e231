/* SPDX-License-Identifier: MIT
 * Ingredients-method costs: validates the submitted rows, converts each to
 * base-year dollars with the price index and discounts it, then totals by
 * category, by year (with the category split) and overall.
 */
#include "stats.h"
#include "stats_cost.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Years outside this range are typos, and would make (1 + r)^t overflow. */
#define COST_YEAR_MIN 1800
#define COST_YEAR_MAX 2400

void
stats_cost_options_init(stats_cost_options *opt)
{
	if (opt == NULL) {
		return;
	}
	memset(opt, 0, sizeof(*opt));
	opt->index             = NULL;
	opt->n_index           = 0;
	opt->discount_rate     = STATS_COST_DEFAULT_DISCOUNT;
	opt->has_discount_year = false;
	opt->n_schools         = NAN;
	opt->n_educators       = NAN;
	opt->n_students        = NAN;
}

void
stats_cost_result_free(stats_cost_result *r)
{
	if (r == NULL) {
		return;
	}
	free(r->years);
	memset(r, 0, sizeof(*r));
}

const char *
stats_cost_category_name(stats_cost_category c)
{
	switch (c) {
	case STATS_COST_PERSONNEL:
		return "personnel";
	case STATS_COST_FACILITIES:
		return "facilities";
	case STATS_COST_MATERIALS:
		return "materials and equipment";
	case STATS_COST_TRAVEL:
		return "travel";
	case STATS_COST_OTHER:
		return "other";
	}
	return "unknown";
}

static const stats_price_index *
find_index(const stats_price_index *idx, size_t n, int year)
{
	for (size_t i = 0; i < n; i++) {
		if (idx[i].year == year) {
			return &idx[i];
		}
	}
	return NULL;
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *) a;
	int y = *(const int *) b;

	return (x > y) - (x < y);
}

static bool
item_missing(const stats_cost_item *it)
{
	return isnan(it->quantity) || isnan(it->unit_cost);
}

static int
check_options(const stats_cost_options *opt, char *errmsg)
{
	double r = opt->discount_rate;

	if (!isfinite(r) || r < 0.0 || r >= 1.0) {
		stats_set_err(errmsg, "discount rate %g is outside 0 <= r < 1",
		              r);
		return TD_ERANGE;
	}
	if (opt->n_index > 0 && opt->index == NULL) {
		stats_set_err(errmsg,
		              "price index has %zu points but no array",
		              opt->n_index);
		return TD_EINVAL;
	}
	for (size_t i = 0; i < opt->n_index; i++) {
		const stats_price_index *p = &opt->index[i];

		if (!isfinite(p->index) || p->index <= 0.0) {
			stats_set_err(
			    errmsg,
			    "price index for year %d is %g; it must be a "
			    "positive number",
			    p->year, p->index);
			return TD_EINVAL;
		}
		if (find_index(opt->index, i, p->year) != NULL) {
			stats_set_err(errmsg,
			              "price index lists year %d twice",
			              p->year);
			return TD_EINVAL;
		}
	}
	if (opt->n_index > 0
	    && find_index(opt->index, opt->n_index, opt->base_year) == NULL) {
		stats_set_err(errmsg, "base year %d is not in the price index",
		              opt->base_year);
		return TD_ENOTFOUND;
	}
	if (opt->has_discount_year
	    && (opt->discount_year < COST_YEAR_MIN
	        || opt->discount_year > COST_YEAR_MAX)) {
		stats_set_err(errmsg, "discount year %d is outside %d..%d",
		              opt->discount_year, COST_YEAR_MIN,
		              COST_YEAR_MAX);
		return TD_ERANGE;
	}
	const double counts[]
	    = { opt->n_schools, opt->n_educators, opt->n_students };
	const char *names[] = { "schools", "educators", "students" };
	for (size_t i = 0; i < 3; i++) {
		if (isnan(counts[i])) {
			continue;
		}
		if (!isfinite(counts[i]) || counts[i] < 0.0) {
			stats_set_err(
			    errmsg, "count of %s is %g; it must be 0 or more",
			    names[i], counts[i]);
			return TD_EINVAL;
		}
	}
	return TD_OK;
}

static int
check_items(const stats_cost_item *items, size_t n_items,
            const stats_cost_options *opt, size_t *n_used, char *errmsg)
{
	*n_used = 0;
	for (size_t i = 0; i < n_items; i++) {
		const stats_cost_item *it = &items[i];

		if ((int) it->category < 0
		    || (int) it->category >= STATS_COST_NCATEGORIES) {
			stats_set_err(
			    errmsg,
			    "ingredient %zu: category %d is not one of 0..%d",
			    i, (int) it->category, STATS_COST_NCATEGORIES - 1);
			return TD_EINVAL;
		}
		if (item_missing(it)) {
			continue;
		}
		if (!isfinite(it->quantity) || it->quantity < 0.0) {
			stats_set_err(
			    errmsg,
			    "ingredient %zu: quantity %g must be 0 or more", i,
			    it->quantity);
			return TD_EINVAL;
		}
		if (!isfinite(it->unit_cost) || it->unit_cost < 0.0) {
			stats_set_err(
			    errmsg,
			    "ingredient %zu: unit cost %g must be 0 or more",
			    i, it->unit_cost);
			return TD_EINVAL;
		}
		if (it->year < COST_YEAR_MIN || it->year > COST_YEAR_MAX) {
			stats_set_err(
			    errmsg,
			    "ingredient %zu: year %d is outside %d..%d", i,
			    it->year, COST_YEAR_MIN, COST_YEAR_MAX);
			return TD_ERANGE;
		}
		if (opt->n_index > 0
		    && find_index(opt->index, opt->n_index, it->year)
		        == NULL) {
			stats_set_err(
			    errmsg,
			    "ingredient %zu: year %d is not in the price "
			    "index",
			    i, it->year);
			return TD_ENOTFOUND;
		}
		(*n_used)++;
	}
	if (*n_used == 0) {
		stats_set_err(
		    errmsg,
		    "no ingredient has both a quantity and a unit cost "
		    "(%zu rows)",
		    n_items);
		return TD_ETOOFEW;
	}
	return TD_OK;
}

/* Distinct years of the usable rows, ascending. */
static int
collect_years(const stats_cost_item *items, size_t n_items, size_t n_used,
              stats_cost_year **years_out, size_t *n_years_out)
{
	int             *ys = malloc(n_used * sizeof(*ys));
	stats_cost_year *years;
	size_t           k = 0, n = 0;

	if (ys == NULL) {
		return TD_ENOMEM;
	}
	for (size_t i = 0; i < n_items; i++) {
		if (!item_missing(&items[i])) {
			ys[k++] = items[i].year;
		}
	}
	qsort(ys, k, sizeof(*ys), cmp_int);
	for (size_t i = 0; i < k; i++) {
		if (i == 0 || ys[i] != ys[i - 1]) {
			ys[n++] = ys[i];
		}
	}
	years = calloc(n, sizeof(*years));
	if (years == NULL) {
		free(ys);
		return TD_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		years[i].year = ys[i];
	}
	free(ys);
	*years_out   = years;
	*n_years_out = n;
	return TD_OK;
}

static stats_cost_year *
year_row(stats_cost_year *years, size_t n, int year)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (years[mid].year < year) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return (lo < n && years[lo].year == year) ? &years[lo] : NULL;
}

static void
per_unit(double total, double count, bool *has, double *value)
{
	/* A zero or unknown count has no per-unit cost; never divide. */
	*has   = !isnan(count) && count > 0.0;
	*value = *has ? total / count : 0.0;
}

int
stats_cost_compute(const stats_cost_item *items, size_t n_items,
                   const stats_cost_options *opt_in, stats_cost_result *out,
                   char *errmsg)
{
	stats_cost_options opt;
	size_t             n_used = 0;
	int                rv;
	double             base_index = 1.0;

	if (errmsg != NULL) {
		errmsg[0] = '\0';
	}
	if (out == NULL || (items == NULL && n_items > 0)) {
		stats_set_err(errmsg,
		              "cost: missing output or ingredient array");
		return TD_EINVAL;
	}
	memset(out, 0, sizeof(*out));
	if (opt_in != NULL) {
		opt = *opt_in;
	} else {
		stats_cost_options_init(&opt);
	}
	if ((rv = check_options(&opt, errmsg)) != TD_OK) {
		return rv;
	}
	if ((rv = check_items(items, n_items, &opt, &n_used, errmsg))
	    != TD_OK) {
		return rv;
	}
	if ((rv = collect_years(items, n_items, n_used, &out->years,
	                        &out->n_years))
	    != TD_OK) {
		stats_set_err(errmsg, "cost: out of memory");
		return rv;
	}

	out->price_adjusted = opt.n_index > 0;
	if (out->price_adjusted) {
		out->base_year = opt.base_year;
		base_index
		    = find_index(opt.index, opt.n_index, opt.base_year)->index;
		out->price_note = "costs are in constant base-year dollars, "
		                  "converted with the loaded price index";
	} else {
		out->price_note
		    = "no price adjustment: no price index is "
		      "loaded, so costs are in the nominal dollars "
		      "of each year";
	}
	out->discount_rate = opt.discount_rate;
	out->discount_year
	    = opt.has_discount_year ? opt.discount_year : out->years[0].year;
	out->n_items   = n_used;
	out->n_skipped = n_items - n_used;

	for (size_t i = 0; i < n_items; i++) {
		const stats_cost_item *it = &items[i];
		stats_cost_year       *yr;
		double                 nominal, real, pv;

		if (item_missing(it)) {
			continue;
		}
		nominal = it->quantity * it->unit_cost;
		real    = nominal;
		if (out->price_adjusted) {
			real = nominal * base_index
			    / find_index(opt.index, opt.n_index, it->year)
			          ->index;
		}
		pv = real
		    / pow(1.0 + opt.discount_rate,
		          (double) (it->year - out->discount_year));

		yr = year_row(out->years, out->n_years, it->year);
		yr->nominal += nominal;
		yr->real += real;
		yr->present_value += pv;
		yr->pv_by_category[it->category] += pv;
		out->nominal_by_category[it->category] += nominal;
		out->real_by_category[it->category] += real;
		out->pv_by_category[it->category] += pv;
		out->total_nominal += nominal;
		out->total_real += real;
		out->total_pv += pv;
	}
	if (!isfinite(out->total_nominal) || !isfinite(out->total_real)
	    || !isfinite(out->total_pv)) {
		stats_set_err(errmsg, "cost totals overflow a double");
		stats_cost_result_free(out);
		return TD_ERANGE;
	}
	per_unit(out->total_pv, opt.n_schools, &out->has_per_school,
	         &out->per_school);
	per_unit(out->total_pv, opt.n_educators, &out->has_per_educator,
	         &out->per_educator);
	per_unit(out->total_pv, opt.n_students, &out->has_per_student,
	         &out->per_student);
	return TD_OK;
}
