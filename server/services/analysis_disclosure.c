/* SPDX-License-Identifier: MIT
 * Disclosure control for the Analysis service: the one place every
 * released per-unit and per-period value passes through. The store gives
 * every cell of the measure with its distinct people; stats_disclose
 * chooses what is hidden on that whole lattice, so the same cells are
 * hidden whatever call is asked; here the chosen states are laid on the
 * points of the series a call loaded.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "config.h"
#include "stats_disclosure.h"

typedef struct lattice {
	store_disc_cell *cells;
	stats_disc_cell *dc;
	size_t          *order;
	size_t           n;
} lattice;

static int
cell_cmp(const store_disc_cell *a, char level, const char *unit, char grain,
         const char *period, const char *group)
{
	int c = a->level - level;
	if (c == 0) {
		c = strcmp(a->unit, unit);
	}
	if (c == 0) {
		c = a->grain - grain;
	}
	if (c == 0) {
		c = strcmp(a->period, period);
	}
	return c != 0 ? c : strcmp(a->group, group);
}

static int
order_cmp(const void *x, const void *y, void *ctx)
{
	const store_disc_cell *cells = ctx;
	const store_disc_cell *b     = &cells[*(const size_t *) y];
	return cell_cmp(&cells[*(const size_t *) x], b->level, b->unit,
	                b->grain, b->period, b->group);
}

static size_t
lookup(const lattice *L, char level, const char *unit, char grain,
       const char *period, const char *group)
{
	size_t lo = 0, hi = L->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cell_cmp(&L->cells[L->order[mid]], level, unit, grain,
		                 period, group);
		if (c == 0) {
			return L->order[mid];
		}
		if (c < 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return (size_t) -1;
}

static void
lattice_free(lattice *L)
{
	free(L->cells);
	free(L->dc);
	free(L->order);
}

/* lattice_load reads and decides every cell of the measure. */
static int
lattice_load(rpc_call *call, const series_spec *spec, lattice *L)
{
	memset(L, 0, sizeof(*L));
	int rv = store_disclosure_cells(call->store, spec->measure, &L->cells,
	                                &L->n);
	if (rv != TD_OK) {
		return analysis_db_fail(call, rv);
	}
	L->dc    = calloc(L->n ? L->n : 1, sizeof(*L->dc));
	L->order = calloc(L->n ? L->n : 1, sizeof(*L->order));
	if (L->dc == NULL || L->order == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	for (size_t i = 0; i < L->n; i++) {
		const store_disc_cell *c = &L->cells[i];
		L->dc[i]                 = (stats_disc_cell) {
			                .level    = c->level,
			                .unit     = c->unit,
			                .district = c->level == 's' ? c->district : NULL,
			                .grain    = c->grain,
			                .period   = c->period,
			                .group    = c->group,
			                .n        = fmax(0, c->n),
		};
		L->order[i] = i;
	}
	stats_disc_opts opt = {
		.min_n            = (double) call->cfg->min_n,
		.groups_partition = spec->survey, /* grades */
		.n_per_month      = !spec->survey,
	};
	stats_disc_summary sum;
	char               err[TD_ERRMSG_MAX] = "";
	rv = stats_disclose(L->dc, L->n, &opt, &sum, err);
	if (rv != TD_OK) {
		return rpc_fail(call, TD_CODE_INTERNAL,
		                "disclosure control failed");
	}
	qsort_r(L->order, L->n, sizeof(*L->order), order_cmp, L->cells);
	return TD_CODE_OK;
}

int
analysis_disclose(rpc_call *call, const Tandem__V1__SeriesQuery *q,
                  const series_spec *spec, series *ss, size_t ns)
{
	lattice L;
	bool    admin = call->who.role == RPC_ROLE_ADMIN;
	int     code  = lattice_load(call, spec, &L);
	if (code != TD_CODE_OK) {
		lattice_free(&L);
		return code;
	}
	const char *group = spec->survey ? q->grade : q->subgroup;
	for (size_t u = 0; u < ns; u++) {
		series *x = &ss[u];
		for (size_t t = 0; t < x->n; t++) {
			size_t i
			    = lookup(&L, spec->level, x->unit, spec->grain,
			             x->pts[t].period, group);
			uint8_t st;
			if (i == (size_t) -1) {
				/* not in the lattice: never shown */
				x->people[t]
				    = analysis_people(spec, &x->pts[t]);
				st = STATS_DISC_PRIMARY;
			} else {
				x->people[t] = L.dc[i].people;
				st           = L.dc[i].state;
			}
			x->reason[t]     = admin ? STATS_DISC_RELEASED : st;
			x->suppressed[t] = x->reason[t] != STATS_DISC_RELEASED;
			x->n_suppressed += x->suppressed[t];
			x->n_primary += x->reason[t] == STATS_DISC_PRIMARY;
			x->n_complementary
			    += x->reason[t] == STATS_DISC_COMPLEMENTARY;
		}
	}
	lattice_free(&L);
	return TD_CODE_OK;
}

Tandem__V1__Disclosure *
analysis_disclosure_msg(rpc_call *call, size_t primary, size_t complementary)
{
	Tandem__V1__Disclosure *d = RPC_NEW(
	    call->arena, Tandem__V1__Disclosure, tandem__v1__disclosure__init);
	if (d == NULL) {
		return NULL;
	}
	d->min_n         = call->cfg->min_n;
	d->primary       = (int32_t) primary;
	d->complementary = (int32_t) complementary;
	d->suppressed    = (int32_t) (primary + complementary);
	d->unsuppressed  = call->who.role == RPC_ROLE_ADMIN;
	d->reasons       = rpc_arena_alloc(call->arena, 3 * sizeof(char *));
	if (d->reasons == NULL) {
		return d;
	}
	if (d->unsuppressed) {
		d->reasons[d->n_reasons++] = rpc_arena_printf(
		    call->arena,
		    "admin: nothing is suppressed (min_n = %d applies to "
		    "every other role)",
		    d->min_n);
	}
	if (primary > 0) {
		d->reasons[d->n_reasons++] = rpc_arena_printf(
		    call->arena,
		    "%zu cell(s) are about fewer than %d people (primary "
		    "suppression)",
		    primary, d->min_n);
	}
	if (complementary > 0) {
		d->reasons[d->n_reasons++] = rpc_arena_printf(
		    call->arena,
		    "%zu cell(s) are hidden so that suppressed cells cannot "
		    "be recovered by subtracting shown values from their "
		    "totals (school/district/network, group/all, "
		    "week/month/term/year)",
		    complementary);
	}
	return d;
}

Tandem__V1__Disclosure *
analysis_series_disclosure(rpc_call *call, const series *ss, size_t ns)
{
	size_t p = 0, c = 0;
	for (size_t u = 0; u < ns; u++) {
		p += ss[u].n_primary;
		c += ss[u].n_complementary;
	}
	return analysis_disclosure_msg(call, p, c);
}
