/* SPDX-License-Identifier: MIT
 * Completeness: DHIS2's reporting rates of the outcome measures (expected
 * reports by each measure's frequency and the schools' open dates, actual
 * reports, on time within the measure's timely days, a backfill date for
 * history) per period, school, district and network; and the response
 * rates of surveys against the students they were administered to.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "common.h"
#include "keyset.h"
#include "services.h"
#include "stats/instruments/stats_reporting.h"
#include "store/store_analysis.h"

/* A completeness answer holds one row per expected report in memory on
 * the way (about 260 bytes each): 4,000 schools x 50 periods fit; past
 * that the caller narrows the question rather than the server growing. */
#define COMPLETENESS_MAX_REPORTS 200000

static const char *
opt_str(const char *s)
{
	return s[0] ? s : NULL;
}

static const char *
frequency_name(char g)
{
	return g == 'w' ? "weekly"
	    : g == 't'  ? "termly"
	    : g == 'y'  ? "yearly"
	                : "monthly";
}

/* A school or district of one measure's block, for the sorted rates. */
typedef struct unit_ref {
	const char *district, *code;
	size_t      idx;
} unit_ref;

static int
unit_cmp(const void *a, const void *b)
{
	const unit_ref *x = a, *y = b;
	int             c = strcmp(x->district, y->district);
	return c ? c : strcmp(x->code, y->code);
}

static Tandem__V1__ReportingRate *
rate_row(rpc_call *call, const store_report *r, const char *level,
         const char *unit, const char *district,
         const stats_reporting_count *k, int32_t periods)
{
	Tandem__V1__ReportingRate *w
	    = RPC_NEW(call->arena, Tandem__V1__ReportingRate,
	              tandem__v1__reporting_rate__init);
	if (w == NULL) {
		return NULL;
	}
	w->measure        = rpc_arena_strdup(call->arena, r->measure);
	w->level          = (char *) level;
	w->unit           = rpc_arena_strdup(call->arena, unit);
	w->district       = rpc_arena_strdup(call->arena, district);
	w->expected       = (int32_t) k->expected;
	w->actual         = (int32_t) k->actual;
	w->on_time        = (int32_t) k->on_time;
	w->reporting_rate = stats_reporting_rate(k);
	w->on_time_rate   = stats_reporting_on_time_rate(k);
	w->timeliness     = stats_reporting_timeliness(k);
	w->mean_days_late = stats_reporting_mean_days_late(k);
	w->frequency      = (char *) frequency_name(r->grain);
	w->timely_days    = r->timely_days;
	w->periods        = periods;
	return w;
}

/* period_row: the reporting of one period of the measure, with the
 * schools that did not report. */
static Tandem__V1__CompletenessRow *
period_row(rpc_call *call, const store_report *rep,
           const stats_report_cell *cells, size_t n, size_t p,
           const stats_reporting_count *k)
{
	Tandem__V1__CompletenessRow *row
	    = RPC_NEW(call->arena, Tandem__V1__CompletenessRow,
	              tandem__v1__completeness_row__init);
	size_t first = 0;
	while (first < n && cells[first].period != p) {
		first++;
	}
	if (row == NULL || first == n) {
		return NULL;
	}
	const store_report *r = &rep[first];
	row->measure          = rpc_arena_strdup(call->arena, r->measure);
	row->period           = (char *) analysis_label(
	              call, r->grain, rpc_arena_strdup(call->arena, r->period));
	row->period_end     = rpc_arena_strdup(call->arena, r->period_end);
	row->frequency      = (char *) frequency_name(r->grain);
	row->timely_days    = r->timely_days;
	row->expected       = (int32_t) k->expected;
	row->reported       = (int32_t) k->actual;
	row->on_time        = (int32_t) k->on_time;
	row->reporting_rate = stats_reporting_rate(k);
	row->on_time_rate   = stats_reporting_on_time_rate(k);
	/* these two were 0, not undefined, before reporting rates: kept */
	row->timeliness = k->actual ? stats_reporting_timeliness(k) : 0;
	row->mean_days_late
	    = k->actual > k->on_time ? stats_reporting_mean_days_late(k) : 0;
	row->missing_schools = rpc_arena_alloc(
	    call->arena, ((size_t) k->expected + 1) * sizeof(char *));
	for (size_t i = first; row->missing_schools && i < n; i++) {
		if (cells[i].period == p && isnan(cells[i].late)) {
			row->missing_schools[row->n_missing_schools++]
			    = rpc_arena_strdup(call->arena, rep[i].school);
		}
	}
	return row;
}

/* measure_block adds the rows and rates of one measure's n expected
 * reports (ordered by period, district, school) to out. */
static int
measure_block(rpc_call *call, const Tandem__V1__CompletenessRequest *in,
              const store_report *rep, size_t n,
              Tandem__V1__CompletenessResponse *out)
{
	stats_report_cell     *cells = calloc(n, sizeof(*cells));
	unit_ref              *sref  = calloc(n, sizeof(*sref));
	unit_ref              *dref  = calloc(n, sizeof(*dref));
	stats_reporting_count *ks    = calloc(3 * n + 1, sizeof(*ks));
	keyset                *sk    = keyset_create(64);
	keyset                *dk    = keyset_create(8);
	size_t                 ns = 0, nd = 0, np = 0;
	int                    rv = TD_CODE_OK;
	char                   err[TD_ERRMSG_MAX];
	if (!cells || !sref || !dref || !ks || !sk || !dk) {
		rv = rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		              "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const store_report *r = &rep[i];
		if (i > 0 && strcmp(r->period, rep[i - 1].period) != 0) {
			np++;
		}
		int64_t s = keyset_add(sk, r->school, strlen(r->school),
		                       (int64_t) ns);
		if (s < 0) {
			sref[ns] = (unit_ref) { r->district, r->school, ns };
			s        = (int64_t) ns++;
		}
		int64_t d = keyset_add(dk, r->district, strlen(r->district),
		                       (int64_t) nd);
		if (d < 0) {
			dref[nd] = (unit_ref) { r->district, r->district, nd };
			d        = (int64_t) nd++;
		}
		/* history before the backfill date: never late */
		cells[i] = (stats_report_cell) {
			.school     = (size_t) s,
			.district   = (size_t) d,
			.period     = np,
			.late       = r->days_late,
			.backfilled = in->backfill_before[0] != '\0'
			    && strcmp(r->period_end, in->backfill_before) < 0,
		};
	}
	np++;
	stats_reporting_count *school = ks, *district = ks + n,
	                      *period = ks + 2 * n, *network = ks + 3 * n;
	if (stats_reporting_count_cells(cells, n, school, ns, district, nd,
	                                period, np, network, err)
	    != TD_OK) {
		rv = rpc_fail(call, TD_CODE_INTERNAL, "%s", err);
		goto done;
	}
	for (size_t p = 0; p < np; p++) {
		Tandem__V1__CompletenessRow *row
		    = period_row(call, rep, cells, n, p, &period[p]);
		if (row != NULL) {
			out->rows[out->n_rows++] = row;
		}
	}
	/* the network, then each district, then each school */
	Tandem__V1__ReportingRate *w
	    = rate_row(call, rep, "network", "", "", network, (int32_t) np);
	if (w != NULL) {
		out->rates[out->n_rates++] = w;
	}
	qsort(dref, nd, sizeof(*dref), unit_cmp);
	for (size_t i = 0; i < nd; i++) {
		w = rate_row(call, rep, "district", dref[i].code, dref[i].code,
		             &district[dref[i].idx], (int32_t) np);
		if (w != NULL) {
			out->rates[out->n_rates++] = w;
		}
	}
	qsort(sref, ns, sizeof(*sref), unit_cmp);
	for (size_t i = 0; i < ns; i++) {
		w = rate_row(call, rep, "school", sref[i].code,
		             sref[i].district, &school[sref[i].idx],
		             (int32_t) np);
		if (w != NULL) {
			out->rates[out->n_rates++] = w;
		}
	}
done:
	keyset_destroy(sk);
	keyset_destroy(dk);
	free(cells);
	free(sref);
	free(dref);
	free(ks);
	return rv;
}

static int
check_dates(rpc_call *call, const Tandem__V1__CompletenessRequest *in)
{
	const char *v[3] = { in->from, in->to, in->backfill_before };
	const char *f[3] = { "from", "to", "backfill_before" };
	for (int i = 0; i < 3; i++) {
		if (v[i][0] != '\0' && !common_date_parse(v[i], NULL)) {
			return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
			                "%s '%s' is not a date YYYY-MM-DD",
			                f[i], v[i]);
		}
	}
	return TD_CODE_OK;
}

static void
response_rates(rpc_call *call, Tandem__V1__CompletenessResponse *out,
               const store_response_rate *rr, size_t nrr)
{
	out->response_rates
	    = rpc_arena_alloc(call->arena, (nrr + 1) * sizeof(void *));
	for (size_t i = 0; out->response_rates && i < nrr; i++) {
		Tandem__V1__ResponseRateRow *r
		    = RPC_NEW(call->arena, Tandem__V1__ResponseRateRow,
		              tandem__v1__response_rate_row__init);
		if (r == NULL) {
			break;
		}
		r->survey = rpc_arena_strdup(call->arena, rr[i].survey);
		r->school = rpc_arena_strdup(call->arena, rr[i].school);
		r->administered_on = rpc_arena_strdup(call->arena, rr[i].date);
		r->invited         = rr[i].invited;
		r->suppressed
		    = analysis_suppress(call, (double) rr[i].invited);
		if (!r->suppressed) {
			r->responded = rr[i].responded;
			r->rate      = rr[i].invited
			         ? 100.0 * rr[i].responded / rr[i].invited
			         : 0;
		}
		out->response_rates[out->n_response_rates++] = r;
	}
}

int
analysis_completeness(rpc_call *call, const ProtobufCMessage *req,
                      ProtobufCMessage **resp)
{
	const Tandem__V1__CompletenessRequest *in  = (const void *) req;
	store_report                          *rep = NULL;
	store_response_rate                   *rr  = NULL;
	size_t                                 n = 0, nrr = 0;
	char                                   grain = !in->use_grain ? 0
	                                      : in->grain == TANDEM__V1__GRAIN__ACADEMIC_YEAR ? 'y'
	                                      : in->grain == TANDEM__V1__GRAIN__TERM ? 't'
	                                      : in->grain == TANDEM__V1__GRAIN__WEEK ? 'w'
	                                                                             : 'm';
	if (check_dates(call, in) != TD_CODE_OK) {
		return call->code;
	}
	if ((call->who.role == RPC_ROLE_SCHOOL
	     || call->who.role == RPC_ROLE_DISTRICT)
	    && !analysis_scope_district(call, in->district)) {
		return call->code;
	}
	int rv = store_begin_request(call->store, rpc_remaining_ms(call));
	if (rv == TD_OK) {
		rv = store_reports(call->store, opt_str(in->measure), grain,
		                   opt_str(in->from), opt_str(in->to),
		                   opt_str(in->district),
		                   in->due_days > 0 ? in->due_days : -1,
		                   COMPLETENESS_MAX_REPORTS, &rep, &n);
	}
	if (rv == TD_OK) {
		rv = store_response_rates(
		    call->store, opt_str(in->survey), opt_str(in->district),
		    opt_str(in->from), opt_str(in->to), &rr, &nrr);
	}
	if (rv != TD_OK) {
		free(rep);
		free(rr);
		return analysis_db_fail(call, rv);
	}
	if (n > COMPLETENESS_MAX_REPORTS) {
		free(rep);
		free(rr);
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "more than %d expected reports (schools x "
		                "periods x measures): name a measure, a "
		                "district or a shorter from..to",
		                COMPLETENESS_MAX_REPORTS);
	}
	Tandem__V1__CompletenessResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__CompletenessResponse,
	              tandem__v1__completeness_response__init);
	if (out != NULL) {
		out->rows
		    = rpc_arena_alloc(call->arena, (n + 1) * sizeof(void *));
		/* at most a network, a district and a school rate per report
		 */
		out->rates = rpc_arena_alloc(call->arena,
		                             (3 * n + 1) * sizeof(void *));
	}
	if (out == NULL || out->rows == NULL || out->rates == NULL) {
		free(rep);
		free(rr);
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	int code = TD_CODE_OK;
	for (size_t i = 0; code == TD_CODE_OK && i < n;) {
		size_t j = i;
		while (j < n && strcmp(rep[j].measure, rep[i].measure) == 0) {
			j++;
		}
		code = measure_block(call, in, rep + i, j - i, out);
		i    = j;
	}
	response_rates(call, out, rr, nrr);
	free(rep);
	free(rr);
	if (code != TD_CODE_OK) {
		return code;
	}
	size_t hidden = 0;
	for (size_t i = 0; i < out->n_response_rates; i++) {
		hidden += out->response_rates[i]->suppressed;
	}
	return analysis_reply(call, &out->base, &out->disclosure,
	                      analysis_disclosure_msg(call, hidden, 0),
	                      (int64_t) (n + nrr), resp);
}
