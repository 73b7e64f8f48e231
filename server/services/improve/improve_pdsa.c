/* SPDX-License-Identifier: MIT
 * Improvement service, PDSA cycles: submitting them (an atomic, idempotent
 * batch like every Submit*), listing them in the caller's scope, and the
 * Pdsa analysis: per cycle, the measure before and during/after the
 * cycle, whether a run-chart signal followed its start (the centre frozen
 * on the points before it) and whether a Making Data Count special cause
 * did (limits from the points before it), and the prediction beside the
 * result.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "services/ingest/batch.h"
#include "improve.h"
#include "services/services.h"
#include "services/workflow/events.h"
#include "store/store_improve.h"
#include "store/store_analysis.h"
#include "store/store_ingest.h"
#include "store/store_registry.h"
#include "tandem/v1/improvement.pb-c.h"

static const char *const STATUSES[]
    = { "planned", "running", "done", "abandoned", NULL };

bool
improve_may_read(const rpc_call *call, const char *school,
                 const char *district)
{
	const rpc_principal *who = &call->who;
	if (school[0] == '\0') {
		return true; /* network cycles are everyone's */
	}
	switch (who->role) {
	case RPC_ROLE_SCHOOL:
		return strcmp(school, who->school) == 0;
	case RPC_ROLE_DISTRICT:
		return strcmp(district, who->district) == 0;
	default:
		return true;
	}
}

bool
improve_academic_year(const char *s, int *y)
{
	char *end;
	long  v = strtol(s, &end, 10);
	if (end != s + 4 || v < 1900 || v > 2199) {
		return false;
	}
	if (*end == '\0') {
		*y = (int) v;
		return true;
	}
	long next = (v + 1) % 100;
	if (end[0] == '-' && strlen(end) == 3 && end[1] >= '0' && end[1] <= '9'
	    && end[2] >= '0' && end[2] <= '9'
	    && strtol(end + 1, NULL, 10) == next) {
		*y = (int) v;
		return true;
	}
	return false;
}

void
improve_clear_status(rpc_call *call)
{
	call->code            = TD_CODE_OK;
	call->message[0]      = '\0';
	call->n_details       = 0;
	call->details_omitted = 0;
}

bool
improve_start_index(rpc_call *call, char grain, const char *const *starts,
                    size_t n, const char *date, size_t *k)
{
	char first[16];
	int  rv = store_period_start(call->store, grain, date, first);
	if (rv != TD_OK) {
		analysis_db_fail(call, rv);
		return false;
	}
	*k = 0;
	while (*k < n && strcmp(starts[*k], first) < 0) {
		(*k)++;
	}
	return true;
}

/* grain_of: the rollups' letter for a grain. */
static char
grain_of(Tandem__V1__Grain g)
{
	return g == TANDEM__V1__GRAIN__WEEK         ? 'w'
	    : g == TANDEM__V1__GRAIN__TERM          ? 't'
	    : g == TANDEM__V1__GRAIN__ACADEMIC_YEAR ? 'y'
	                                            : 'm';
}

/* ---- submit ---- */

static const char *
cyc_school(const void *req, size_t i)
{
	return ((const Tandem__V1__SubmitPdsaCyclesRequest *) req)
	    ->cycles[i]
	    ->school;
}

static const char *
cyc_measure(const void *req, size_t i)
{
	return ((const Tandem__V1__SubmitPdsaCyclesRequest *) req)
	    ->cycles[i]
	    ->measure;
}

static const char *
cyc_activity(const void *req, size_t i)
{
	return ((const Tandem__V1__SubmitPdsaCyclesRequest *) req)
	    ->cycles[i]
	    ->activity;
}

static bool
check_cycle(rpc_call *call, int64_t rec, const Tandem__V1__PdsaCycle *c)
{
	int32_t d0 = 0, d1 = 0;
	bool    ok = validate_code(call, rec, "cycle", c->cycle);
	ok &= validate_enum(call, rec, "status", c->status, STATUSES);
	bool dates = validate_date(call, rec, "start", c->start, &d0);
	ok &= dates;
	if (c->end[0] != '\0') {
		dates &= validate_date(call, rec, "end", c->end, &d1);
		ok &= dates;
		if (dates && d1 < d0) {
			rpc_detail(call, rec, "end", "order",
			           "end %s is before start %s", c->end,
			           c->start);
			ok = false;
		}
	} else if (strcmp(c->status, "done") == 0
	           || strcmp(c->status, "abandoned") == 0) {
		rpc_detail(call, rec, "end", "required",
		           "a %s cycle needs its end date", c->status);
		ok = false;
	}
	if (c->change_idea[0] == '\0') {
		rpc_detail(
		    call, rec, "change_idea", "required",
		    "change_idea is empty: a cycle tests a change idea");
		ok = false;
	}
	if (c->has_predicted_value && !isfinite(c->predicted_value)) {
		rpc_detail(call, rec, "predicted_value", "finite",
		           "predicted_value is not a finite number");
		ok = false;
	}
	return ok;
}

int
improve_submit_pdsa_cycles(rpc_call *call, const ProtobufCMessage *req,
                           ProtobufCMessage **resp)
{
	const Tandem__V1__SubmitPdsaCyclesRequest *in = (const void *) req;
	batch                                      b;
	store_resolved sc = { 0 }, ms = { 0 }, ac = { 0 };
	int            rv, code;
	if (!batch_open(&b, call, in->submission_id, in->dry_run,
	                in->correction, in->n_cycles, "cycles")) {
		return call->code;
	}
	if ((rv = batch_begin(call)) != TD_OK
	    || !batch_resolve(&b, in, cyc_school, STORE_SCHOOLS, "school", &sc,
	                      &rv)
	    || !batch_resolve(&b, in, cyc_measure, STORE_MEASURES, "measure",
	                      &ms, &rv)
	    || !batch_resolve(&b, in, cyc_activity, STORE_ACTIVITIES,
	                      "activity", &ac, &rv)) {
		code = batch_db_fail(call, rv);
		goto out;
	}
	for (size_t i = 0; i < in->n_cycles; i++) {
		const Tandem__V1__PdsaCycle *c   = in->cycles[i];
		int64_t                      rec = (int64_t) i;
		bool                         ok  = check_cycle(call, rec, c);
		bool                         network = c->school[0] == '\0';
		if (c->measure[0] == '\0') {
			rpc_detail(call, rec, "measure", "required",
			           "measure is empty: a cycle aims at a "
			           "measure");
			ok = false;
		}
		/* A network cycle belongs to no school, so only the admin
		 * may write one. */
		if (network && call->who.role != RPC_ROLE_ADMIN) {
			rpc_detail(call, rec, "school", "scope",
			           "a network cycle (school empty) is outside "
			           "the scope of client %s",
			           call->who.client_id);
			b.denied = true;
			ok       = false;
		}
		if (!ok || (!network && sc.ids[i] == 0) || ms.ids[i] == 0
		    || (c->activity[0] != '\0' && ac.ids[i] == 0)) {
			continue;
		}
		char key[160];
		int  kl = snprintf(key, sizeof(key), "%s/%lld", c->cycle,
		                   (long long) sc.ids[i]);
		batch_unique_key(&b, rec, "cycle", "cycle and school", key,
		                 (size_t) kl);
		store_pdsa_rec row = {
			c->cycle,
			network ? 0 : sc.ids[i],
			ms.ids[i],
			c->activity[0] == '\0' ? 0 : ac.ids[i],
			c->change_idea,
			c->prediction,
			c->has_predicted_value,
			c->predicted_value,
			c->start,
			c->end[0] == '\0' ? NULL : c->end,
			c->status,
			c->result,
		};
		store_rows_add_pdsa(b.rows, &row);
	}
	static const batch_kind PDSA_CYCLES
	    = { store_ingest_pdsa_cycles, "cycle", "cycle and school" };
	/* the statuses before the batch, for pdsa.changed */
	char **before = call->n_details == 0
	    ? events_pdsa_before(call, in, sc.ids)
	    : NULL;
	code          = batch_finish(&b, &PDSA_CYCLES, resp);
	if (b.committed) {
		events_pdsa_changed(call, in, before);
	}
out:
	store_resolved_free(&sc);
	store_resolved_free(&ms);
	store_resolved_free(&ac);
	batch_close(&b);
	return code;
}

/* ---- list ---- */

/* cycles_read loads the cycles matching the filters that the caller may
 * read, as messages in the arena. */
static int
cycles_read(rpc_call *call, const char *code, const char *measure,
            const char *school, Tandem__V1__PdsaCycle ***out, size_t *n)
{
	store_strtab t;
	int rv = store_begin_request(call->store, rpc_remaining_ms(call));
	if (rv == TD_OK) {
		rv = store_pdsa_list(call->store, code, measure, school, &t);
	}
	if (rv != TD_OK) {
		return analysis_db_fail(call, rv);
	}
	*n   = 0;
	*out = rpc_arena_alloc(call->arena, (t.rows + 1) * sizeof(void *));
	for (size_t i = 0; *out && i < t.rows; i++) {
		if (!improve_may_read(call, store_cell(&t, i, 1),
		                      store_cell(&t, i, 2))) {
			continue;
		}
		Tandem__V1__PdsaCycle *c
		    = RPC_NEW(call->arena, Tandem__V1__PdsaCycle,
		              tandem__v1__pdsa_cycle__init);
		if (c == NULL) {
			break;
		}
		char **f[] = { &c->cycle,      &c->school,   NULL,
			       &c->measure,    &c->activity, &c->change_idea,
			       &c->prediction, NULL,         &c->start,
			       &c->end,        &c->status,   &c->result };
		for (size_t j = 0; j < 12; j++) {
			if (f[j] != NULL) {
				*f[j] = rpc_arena_strdup(call->arena,
				                         store_cell(&t, i, j));
			}
		}
		c->has_predicted_value = !store_cell_null(&t, i, 7);
		c->predicted_value     = c->has_predicted_value
		        ? strtod(store_cell(&t, i, 7), NULL)
		        : 0;
		(*out)[(*n)++]         = c;
	}
	store_strtab_free(&t);
	if (*out == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	return TD_CODE_OK;
}

int
improve_list_pdsa_cycles(rpc_call *call, const ProtobufCMessage *req,
                         ProtobufCMessage **resp)
{
	const Tandem__V1__ListPdsaCyclesRequest *in = (const void *) req;
	Tandem__V1__PdsaCycle                  **cs;
	size_t                                   n;
	const char *measure = analysis_outcome_code(call, in->measure, false);
	if (measure == NULL) {
		return call->code;
	}
	int code = cycles_read(call, NULL, measure[0] ? measure : NULL,
	                       in->school[0] ? in->school : NULL, &cs, &n);
	if (code != TD_CODE_OK) {
		return code;
	}
	Tandem__V1__ListPdsaCyclesResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__ListPdsaCyclesResponse,
	              tandem__v1__list_pdsa_cycles_response__init);
	if (out == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	out->cycles   = cs;
	out->n_cycles = n;
	call->records = (int64_t) n;
	*resp         = &out->base;
	return TD_CODE_OK;
}

/* ---- split a chart at a cycle ---- */

long
improve_cycle_split(rpc_call *call, char grain, const series *s,
                    const char *code)
{
	Tandem__V1__PdsaCycle **cs;
	size_t                  n, k;
	if (cycles_read(call, code, NULL, NULL, &cs, &n) != TD_CODE_OK) {
		return -1;
	}
	if (n == 0) {
		rpc_fail(call, TD_CODE_NOT_FOUND,
		         "PDSA cycle %s is not in the registry of cycles this "
		         "client may read",
		         code);
		return -1;
	}
	const char *start = cs[0]->start; /* ordered by start */
	for (size_t i = 0; i < n; i++) {
		if (strcmp(cs[i]->school, s->unit) == 0) {
			start = cs[i]->start;
		}
	}
	const char **starts
	    = rpc_arena_alloc(call->arena, (s->n + 1) * sizeof(char *));
	if (starts == NULL) {
		rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < s->n; i++) {
		starts[i] = s->pts[i].period;
	}
	if (!improve_start_index(call, grain, starts, s->n, start, &k)) {
		return -1;
	}
	/* The start must fall in a period of the series: a split before
	 * the first point or after the last splits nothing. */
	if (k == s->n || (k == 0 && strcmp(start, starts[0]) < 0)) {
		rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		         "PDSA cycle %s starts on %s, outside the series of "
		         "%s",
		         code, start, s->unit);
		return -1;
	}
	return (long) k;
}

/* ---- the Pdsa analysis ---- */

/* signal_side: mean of (value - centre) over the signal's points from k
 * on; its sign says on which side of the baseline the signal lies. */
static double
signal_side(const Tandem__V1__Series *s, const Tandem__V1__Signal *g, size_t k)
{
	double sum = 0;
	size_t n   = 0;
	for (int32_t i = g->first_point; i <= g->last_point; i++) {
		if ((size_t) i < k || (size_t) i >= s->n_points) {
			continue;
		}
		const Tandem__V1__Point *p = s->points[i];
		if (!p->suppressed) {
			sum += p->value - p->centre;
			n++;
		}
	}
	return n ? sum / (double) n : 0;
}

/* run_chart asks the run chart of one series (scope level and code) with
 * the centre frozen on the first baseline points; NULL after a failure
 * (the call's status says why). */
static Tandem__V1__SeriesResponse *
run_chart(rpc_call *call, const char *measure, int level, const char *code,
          Tandem__V1__Grain grain, int32_t baseline)
{
	Tandem__V1__SeriesQuery     q   = TANDEM__V1__SERIES_QUERY__INIT;
	Tandem__V1__RunChartRequest req = TANDEM__V1__RUN_CHART_REQUEST__INIT;
	ProtobufCMessage           *r   = NULL;
	analysis_key                key;
	analysis_key_outcome(&key, measure);
	q.measure    = &key.key;
	q.level      = (Tandem__V1__ScopeLevel) level;
	q.code       = (char *) code;
	q.grain      = grain;
	req.query    = &q;
	req.baseline = baseline;
	if (analysis_run_chart(call, &req.base, &r) != TD_CODE_OK) {
		return NULL;
	}
	Tandem__V1__SeriesResponse *sr = (void *) r;
	return sr->n_series == 1 ? sr : NULL;
}

/* mdc_after reads the cycle's series as a Making Data Count XmR chart
 * with its limits fixed on the k points before the start, and notes the
 * first special-cause point from k on. */
static void
mdc_after(rpc_call *call, Tandem__V1__PdsaRow *row, int level,
          Tandem__V1__Grain grain, size_t k)
{
	const Tandem__V1__PdsaCycle *c   = row->cycle;
	Tandem__V1__SeriesQuery      q   = TANDEM__V1__SERIES_QUERY__INIT;
	Tandem__V1__MdcRequest       req = TANDEM__V1__MDC_REQUEST__INIT;
	ProtobufCMessage            *r   = NULL;
	analysis_key                 key;
	analysis_key_outcome(&key, c->measure);
	q.measure     = &key.key;
	q.level       = (Tandem__V1__ScopeLevel) level;
	q.code        = c->school;
	q.grain       = grain;
	req.query     = &q;
	req.fix_after = (int32_t) k;
	if (analysis_mdc(call, &req.base, &r) != TD_CODE_OK) {
		row->mdc_note = rpc_arena_strdup(call->arena, call->message);
		improve_clear_status(call);
		return;
	}
	const Tandem__V1__MdcResponse *m = (const void *) r;
	if (m->n_series != 1 || m->series[0]->note[0] != '\0') {
		row->mdc_note = m->n_series == 1
		    ? m->series[0]->note
		    : "no XmR chart of this series";
		return;
	}
	const Tandem__V1__MdcSeries *s = m->series[0];
	for (size_t i = k; i < s->n_points; i++) {
		if (s->points[i]->rule[0] != '\0') {
			row->mdc_signal     = true;
			row->mdc_rule       = s->points[i]->rule;
			row->mdc_period     = s->points[i]->period;
			row->mdc_point_type = s->points[i]->point_type;
			return;
		}
	}
}

/* pdsa_row fills one cycle's row from its series. */
static void
pdsa_row(rpc_call *call, Tandem__V1__PdsaRow *row, bool lower_better,
         Tandem__V1__Grain grain)
{
	const Tandem__V1__PdsaCycle *c       = row->cycle;
	bool                         network = c->school[0] == '\0';
	int level        = network ? TANDEM__V1__SCOPE_LEVEL__NETWORK
	                           : TANDEM__V1__SCOPE_LEVEL__SCHOOL;
	row->series      = network ? "network" : c->school;
	row->before_mean = row->after_mean = row->change = NAN;
	Tandem__V1__SeriesResponse *sr
	    = run_chart(call, c->measure, level, c->school, grain, 0);
	if (sr == NULL) {
		row->note = rpc_arena_strdup(call->arena,
		                             call->message[0]
		                                 ? call->message
		                                 : "no series for this cycle");
		improve_clear_status(call);
		return;
	}
	const Tandem__V1__Series *s = sr->series[0];
	const char              **starts
	    = rpc_arena_alloc(call->arena, (s->n_points + 1) * sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; starts && i < s->n_points; i++) {
		starts[i] = s->points[i]->period_start;
	}
	if (starts == NULL
	    || !improve_start_index(call, grain_of(grain), starts, s->n_points,
	                            c->start, &k)) {
		row->note = "cannot place the start in the series";
		improve_clear_status(call);
		return;
	}
	row->start_point       = (int32_t) k;
	row->suppressed_points = s->suppressed_points;
	if (k < s->n_points) {
		row->start_period = s->points[k]->period;
	}
	double sb = 0, sa = 0;
	for (size_t i = 0; i < s->n_points; i++) {
		const Tandem__V1__Point *p = s->points[i];
		if (p->suppressed) {
			continue;
		}
		if (i < k) {
			sb += p->value;
			row->before_points++;
		} else {
			sa += p->value;
			row->after_points++;
		}
	}
	if (row->before_points > 0) {
		row->before_mean = sb / row->before_points;
	}
	if (row->after_points > 0) {
		row->after_mean = sa / row->after_points;
	}
	row->change = row->after_mean - row->before_mean;
	if (c->has_predicted_value && row->after_points > 0) {
		row->has_prediction_met = true;
		row->prediction_met     = lower_better
		        ? row->after_mean <= c->predicted_value
		        : row->after_mean >= c->predicted_value;
	}
	/* A run chart frozen on the points before the start: a signal that
	 * reaches past it is a change the cycle may have made. */
	row->signal_source = "run chart, centre frozen on the points before "
	                     "the start (Anhoej rules)";
	if (k == s->n_points) {
		row->note = "the cycle starts after the last period with data";
		return;
	}
	if (row->before_points < 2) {
		row->note = "fewer than 2 points before the start: no "
		            "baseline to test for a signal";
		return;
	}
	mdc_after(call, row, level, grain, k);
	sr = run_chart(call, c->measure, level, c->school, grain, (int32_t) k);
	if (sr == NULL) {
		row->note = rpc_arena_strdup(call->arena, call->message);
		improve_clear_status(call);
		return;
	}
	s = sr->series[0];
	for (size_t j = 0; j < s->n_signals; j++) {
		const Tandem__V1__Signal *g = s->signals[j];
		/* Too few crossings is a property of the whole series, not
		 * a moment: it cannot follow a start. */
		if (g->last_point < (int32_t) k
		    || strcmp(g->rule, "few_crossings") == 0) {
			continue;
		}
		size_t first      = g->first_point < (int32_t) k
		         ? k
		         : (size_t) g->first_point;
		row->signal_after = true;
		row->signal_rule  = g->rule;
		row->signal_period
		    = first < s->n_points ? s->points[first]->period : "";
		double side           = signal_side(s, g, k);
		row->signal_direction = side == 0 ? "neutral"
		    : (side > 0) != lower_better  ? "improvement"
		                                  : "deterioration";
		break;
	}
}

int
improve_pdsa(rpc_call *call, const ProtobufCMessage *req,
             ProtobufCMessage **resp)
{
	const Tandem__V1__PdsaRequest *in = (const void *) req;
	Tandem__V1__PdsaCycle        **cs;
	size_t                         n;
	bool                           exists, lower;
	const char *measure = analysis_outcome_code(call, in->measure, true);
	if (measure == NULL) {
		return call->code;
	}
	int code = cycles_read(call, NULL, measure,
	                       in->school[0] ? in->school : NULL, &cs, &n);
	if (code != TD_CODE_OK) {
		return code;
	}
	int rv = store_measure_info(call->store, measure, &exists, &lower);
	if (rv != TD_OK) {
		return analysis_db_fail(call, rv);
	}
	if (!exists) {
		return rpc_fail(call, TD_CODE_NOT_FOUND,
		                "measure %s is not in the registry", measure);
	}
	Tandem__V1__PdsaResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__PdsaResponse,
	              tandem__v1__pdsa_response__init);
	if (out == NULL
	    || (out->rows
	        = rpc_arena_alloc(call->arena, (n + 1) * sizeof(void *)))
	        == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	out->measure         = (char *) measure;
	out->lower_is_better = lower;
	for (size_t i = 0; i < n; i++) {
		Tandem__V1__PdsaRow *row
		    = RPC_NEW(call->arena, Tandem__V1__PdsaRow,
		              tandem__v1__pdsa_row__init);
		if (row == NULL) {
			return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
			                "out of memory");
		}
		row->cycle = cs[i];
		pdsa_row(call, row, lower, in->grain);
		out->rows[out->n_rows++] = row;
	}
	call->records = (int64_t) n;
	*resp         = &out->base;
	return TD_CODE_OK;
}
