/* SPDX-License-Identifier: MIT
 * See analysis.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "common.h"
#include "stats/core/stats_disclosure.h"
#include "improve/improve.h"
#include "config.h"
#include "validate.h"
#include "store/store_analysis.h"
#include "store/store_registry.h"

static bool
date_ok(const char *s)
{
	return common_date_parse(s, NULL);
}

int
analysis_db_fail(rpc_call *call, int rv)
{
	return rpc_fail_err(call, rv, store_errmsg(call->store));
}

void
analysis_key_outcome(analysis_key *k, const char *code)
{
	tandem__v1__measure_key__init(&k->key);
	k->key.kind_case = TANDEM__V1__MEASURE_KEY__KIND_OUTCOME;
	k->key.outcome   = (char *) (code ? code : "");
}

const char *
analysis_outcome_code(rpc_call *call, const Tandem__V1__MeasureKey *key,
                      bool required)
{
	switch (key ? key->kind_case
	            : TANDEM__V1__MEASURE_KEY__KIND__NOT_SET) {
	case TANDEM__V1__MEASURE_KEY__KIND_OUTCOME:
		if (!validate_code(call, -1, "measure.outcome",
		                   key->outcome)) {
			rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
			         "bad measure");
			return NULL;
		}
		return key->outcome;
	case TANDEM__V1__MEASURE_KEY__KIND_SURVEY:
		rpc_detail(call, -1, "measure.survey", "outcome_only",
		           "PDSA cycles aim at outcome measures, not at a "
		           "survey construct");
		rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		         "measure is not an outcome measure");
		return NULL;
	default:
		if (!required) {
			return "";
		}
		rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		         "measure is required");
		return NULL;
	}
}

int
analysis_reply(rpc_call *call, ProtobufCMessage *out,
               Tandem__V1__Disclosure **disclosure, Tandem__V1__Disclosure *d,
               int64_t records, ProtobufCMessage **resp)
{
	if (d == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	*disclosure   = d;
	call->records = records;
	*resp         = out;
	return TD_CODE_OK;
}

int
analysis_stats_fail(rpc_call *call, int rv, const char *what, const char *msg)
{
	/* td_code_from_err is the one map: data that cannot support the
	 * statistic is FAILED_PRECONDITION, a bad argument INVALID_ARGUMENT.
	 */
	return rpc_fail(call, td_code_from_err(rv), "%s: %s", what, msg);
}

static char
grain_char(Tandem__V1__Grain g)
{
	switch (g) {
	case TANDEM__V1__GRAIN__WEEK:
		return 'w';
	case TANDEM__V1__GRAIN__TERM:
		return 't';
	case TANDEM__V1__GRAIN__ACADEMIC_YEAR:
		return 'y';
	default:
		return 'm';
	}
}

/* measure_key reads the structured measure of a query into spec: an
 * outcome code, or a survey construct with its statistic, each code under
 * the code rule. */
static bool
measure_key(rpc_call *call, const Tandem__V1__MeasureKey *k, series_spec *spec)
{
	const Tandem__V1__SurveyMeasure *sm = NULL;
	switch (k ? k->kind_case : TANDEM__V1__MEASURE_KEY__KIND__NOT_SET) {
	case TANDEM__V1__MEASURE_KEY__KIND_OUTCOME:
		if (!validate_code(call, -1, "measure.outcome", k->outcome)) {
			break;
		}
		snprintf(spec->measure, sizeof(spec->measure), "%s",
		         k->outcome);
		return true;
	case TANDEM__V1__MEASURE_KEY__KIND_SURVEY:
		sm = k->survey;
		if (!validate_code(call, -1, "measure.survey.survey",
		                   sm->survey)
		    || !validate_code(call, -1, "measure.survey.construct",
		                      sm->construct)) {
			break;
		}
		if (sm->statistic
		        != TANDEM__V1__SURVEY_STATISTIC__SURVEY_STATISTIC_MEAN
		    && sm->statistic
		        != TANDEM__V1__SURVEY_STATISTIC__SURVEY_STATISTIC_FAVOURABLE) {
			rpc_detail(
			    call, -1, "measure.survey.statistic", "enum",
			    "statistic %d is neither MEAN nor FAVOURABLE",
			    (int) sm->statistic);
			break;
		}
		spec->survey     = true;
		spec->favourable = sm->statistic
		    == TANDEM__V1__SURVEY_STATISTIC__SURVEY_STATISTIC_FAVOURABLE;
		if (store_survey_measure_key(spec->measure,
		                             sizeof(spec->measure), sm->survey,
		                             sm->construct)
		    != TD_OK) {
			rpc_detail(call, -1, "measure.survey", "max_length",
			           "survey and construct codes are too long");
			break;
		}
		return true;
	default:
		rpc_detail(call, -1, "measure", "required",
		           "name a measure: an outcome code, or a survey "
		           "construct and its statistic");
		rpc_fail(call, TD_CODE_INVALID_ARGUMENT, "no measure named");
		return false;
	}
	rpc_fail(call, TD_CODE_INVALID_ARGUMENT, "bad measure");
	return false;
}

bool
analysis_spec(rpc_call *call, const Tandem__V1__SeriesQuery *q,
              series_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	if (q == NULL) {
		rpc_fail(call, TD_CODE_INVALID_ARGUMENT, "no query");
		return false;
	}
	if (!measure_key(call, q->measure, spec)) {
		return false;
	}
	bool exists = false;
	int  rv     = store_begin_request(call->store, rpc_remaining_ms(call));
	if (rv == TD_OK) {
		rv = store_measure_info(call->store, spec->measure, &exists,
		                        &spec->lower_better);
	}
	if (rv != TD_OK) {
		analysis_db_fail(call, rv);
		return false;
	}
	if (!exists) {
		rpc_fail(call, TD_CODE_NOT_FOUND,
		         "measure %s is not in the registry", spec->measure);
		return false;
	}
	spec->grain = grain_char(q->grain);
	if (q->approved_only && (spec->survey || spec->grain != 'm')) {
		rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		         "approved_only applies to outcome measures by month: "
		         "approvals are per measure and month");
		return false;
	}
	if (!spec->survey && spec->grain == 'w') {
		rpc_fail(
		    call, TD_CODE_INVALID_ARGUMENT,
		    "outcome measures are reported monthly: ask for month, "
		    "term or academic year, not week");
		return false;
	}
	switch (q->level) {
	case TANDEM__V1__SCOPE_LEVEL__SCHOOL:
	case TANDEM__V1__SCOPE_LEVEL__DISTRICT:
		if (q->code[0] == '\0') {
			rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
			         "a %s scope needs its code",
			         q->level == TANDEM__V1__SCOPE_LEVEL__SCHOOL
			             ? "school"
			             : "district");
			return false;
		}
		spec->level
		    = q->level == TANDEM__V1__SCOPE_LEVEL__SCHOOL ? 's' : 'd';
		spec->unit = q->code;
		break;
	case TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL:
		spec->level    = 's';
		spec->district = q->code[0] ? q->code : NULL;
		break;
	case TANDEM__V1__SCOPE_LEVEL__EACH_DISTRICT:
		spec->level = 'd';
		break;
	default:
		spec->level = 'n';
		break;
	}
	/* School and district clients read only their own units. */
	if (spec->level == 's' && spec->unit != NULL) {
		if (!analysis_scope_school(call, spec->unit)) {
			return false;
		}
	} else if (spec->level == 'd' && spec->unit != NULL) {
		if (!analysis_scope_district(call, spec->unit)) {
			return false;
		}
	} else if (call->who.role == RPC_ROLE_SCHOOL
	           || call->who.role == RPC_ROLE_DISTRICT) {
		/* every unit of a level: a district client may see its own
		 * schools side by side. The network pooled is open to both,
		 * so a school reads itself against the network (the report's
		 * school view); it describes every school at once. */
		if (spec->level != 'n'
		    && !(spec->level == 's' && spec->district != NULL
		         && analysis_scope_district(call, spec->district))) {
			if (call->code == TD_CODE_OK) {
				rpc_fail(call, TD_CODE_PERMISSION_DENIED,
				         "client %s may read only its own %s",
				         call->who.client_id,
				         call->who.role == RPC_ROLE_SCHOOL
				             ? "school"
				             : "district");
			}
			return false;
		}
	}
	if ((q->from[0] && !date_ok(q->from))
	    || (q->to[0] && !date_ok(q->to))) {
		rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		         "from and to are dates YYYY-MM-DD");
		return false;
	}
	return true;
}

double
analysis_value(const series_spec *spec, const store_point *p)
{
	if (spec->favourable) {
		return p->items > 0
		    ? 100.0 * (double) p->fav / (double) p->items
		    : NAN;
	}
	return p->n_sum > 0 ? p->wsum / p->n_sum : NAN;
}

double
analysis_people(const series_spec *spec, const store_point *p)
{
	if (spec->survey) {
		return p->cnt;
	}
	int months = __builtin_popcount((unsigned) p->month_mask);
	return months > 0 ? p->n_sum / months : p->n_sum;
}

bool
analysis_suppress(const rpc_call *call, double people)
{
	return call->who.role != RPC_ROLE_ADMIN
	    && people < (double) call->cfg->min_n;
}

const char *
analysis_label(rpc_call *call, char grain, const char *start)
{
	int y = atoi(start), m = atoi(start + 5);
	switch (grain) {
	case 'm':
		return rpc_arena_printf(call->arena, "%.7s", start);
	case 'y':
		return rpc_arena_printf(call->arena, "%d-%02d", y,
		                        (y + 1) % 100);
	case 't':
		return m >= 8 ? rpc_arena_printf(call->arena, "%d-%02d T1", y,
		                                 (y + 1) % 100)
		              : rpc_arena_printf(call->arena, "%d-%02d T2",
		                                 y - 1, y % 100);
	default:
		return rpc_arena_printf(call->arena, "%s", start);
	}
}

long
analysis_period_index(rpc_call *call, const series_spec *spec, const series *s,
                      const char *period)
{
	if (strncmp(period, "cycle:", 6) == 0) {
		return improve_cycle_split(call, spec->grain, s, period + 6);
	}
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->pts[i].period, period) == 0
		    || strcmp(
		           analysis_label(call, spec->grain, s->pts[i].period),
		           period)
		        == 0) {
			return (long) i;
		}
	}
	return -1;
}

static void *
arena_alloc(void *ctx, size_t bytes)
{
	return rpc_arena_alloc(ctx, bytes);
}

static int
by_unit_then_period(const void *a, const void *b)
{
	const store_point *x = a, *y = b;
	int                c = strcmp(x->unit, y->unit);
	return c != 0 ? c : strcmp(x->period, y->period);
}

/* name_schools gives the points of store_school_values their schools'
 * codes from the registry snapshot and puts them in the order
 * store_series gives (code, period). A school the snapshot does not know
 * (added since it was read) reads the registry again; one the registry
 * does not know is left out, as store_series's join leaves it out. */
static int
name_schools(rpc_call *call, store_point *pts, size_t *n)
{
	const analysis_registry *R;
	bool                     fresh = false;
	int                      code = analysis_registry_get(call, false, &R);
	if (code != TD_CODE_OK) {
		return code;
	}
	const char *unit = NULL;
	int64_t     id   = 0;
	size_t      k    = 0;
	for (size_t i = 0; i < *n; i++) {
		if (i == 0 || pts[i].unit_id != id) {
			const analysis_school *sc
			    = analysis_registry_id(R, pts[i].unit_id);
			if (sc == NULL && !fresh) {
				analysis_registry_release(R);
				fresh = true;
				if ((code
				     = analysis_registry_get(call, true, &R))
				    != TD_CODE_OK) {
					return code;
				}
				sc = analysis_registry_id(R, pts[i].unit_id);
			}
			id   = pts[i].unit_id;
			unit = sc ? rpc_arena_strdup(call->arena, sc->code)
			          : "";
			if (unit == NULL) {
				analysis_registry_release(R);
				return rpc_fail(call,
				                TD_CODE_RESOURCE_EXHAUSTED,
				                "out of memory");
			}
		}
		if (unit[0] != '\0') {
			pts[k]      = pts[i];
			pts[k].unit = unit;
			k++;
		}
	}
	analysis_registry_release(R);
	*n          = k;
	bool sorted = true;
	for (size_t i = 1; sorted && i < k; i++) {
		sorted = by_unit_then_period(&pts[i - 1], &pts[i]) <= 0;
	}
	if (!sorted) {
		qsort(pts, k, sizeof(*pts), by_unit_then_period);
	}
	return TD_CODE_OK;
}

int
analysis_load(rpc_call *call, const Tandem__V1__SeriesQuery *q,
              const series_spec *spec, series **out, size_t *n_series)
{
	store_series_query sq   = { spec->measure,
		                    spec->level,
		                    spec->unit,
		                    spec->district,
		                    spec->grain,
                                  q->from[0] ? q->from : NULL,
                                  q->to[0] ? q->to : NULL,
                                  spec->survey ? "" : q->subgroup,
                                  spec->survey ? q->grade : "",
		                    q->approved_only };
	store_point       *kept = NULL;
	size_t             n    = 0;
	/* The rows go straight into the arena: they die with the call. */
	bool lean = spec->lean && !spec->survey && spec->level == 's'
	    && spec->unit == NULL && !q->approved_only && spec->grain != 'm';
	int rv = lean ? store_school_values(call->store, &sq, arena_alloc,
	                                    call->arena, &kept, &n)
	              : store_series(call->store, &sq, arena_alloc,
	                             call->arena, &kept, &n);
	if (rv == TD_ENOMEM) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	if (rv != TD_OK) {
		return analysis_db_fail(call, rv);
	}
	int code;
	if (lean && (code = name_schools(call, kept, &n)) != TD_CODE_OK) {
		return code;
	}
	size_t units = 0;
	for (size_t i = 0; i < n; i++) {
		units += i == 0 || kept[i].unit != kept[i - 1].unit;
	}
	series *s = rpc_arena_alloc(call->arena,
	                            (units ? units : 1) * sizeof(series));
	size_t  k = 0;
	for (size_t i = 0; s && i < n;) {
		size_t j = i;
		while (j < n && kept[j].unit == kept[i].unit) {
			j++;
		}
		series *x = &s[k++];
		x->unit   = kept[i].unit;
		x->pts    = &kept[i];
		x->n      = j - i;
		x->value = rpc_arena_alloc(call->arena, x->n * sizeof(double));
		x->people
		    = rpc_arena_alloc(call->arena, x->n * sizeof(double));
		x->suppressed
		    = rpc_arena_alloc(call->arena, x->n * sizeof(bool));
		x->reason = rpc_arena_alloc(call->arena, x->n);
		if (!x->value || !x->people || !x->suppressed || !x->reason) {
			return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
			                "out of memory");
		}
		i = j;
	}
	if (s == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	/* Every value passes through disclosure control. */
	code = analysis_disclose(call, q, spec, s, k);
	if (code != TD_CODE_OK) {
		return code;
	}
	for (size_t u = 0; u < k; u++) {
		series *x = &s[u];
		for (size_t t = 0; t < x->n; t++) {
			x->value[t] = x->suppressed[t]
			    ? NAN
			    : analysis_value(spec, &x->pts[t]);
		}
	}
	*out      = s;
	*n_series = k;
	return TD_CODE_OK;
}

bool
analysis_scope_school(rpc_call *call, const char *school)
{
	const rpc_principal *who = &call->who;
	if (who->role == RPC_ROLE_SCHOOL) {
		if (strcmp(school, who->school) == 0) {
			return true;
		}
	} else if (who->role == RPC_ROLE_DISTRICT) {
		store_resolved r    = { 0 };
		const char    *c[1] = { school };
		int  rv = store_resolve(call->store, STORE_SCHOOLS, c, 1, &r);
		bool mine = rv == TD_OK && r.ids[0] != 0 && r.aux[0]
		    && strcmp(r.aux[0], who->district) == 0;
		store_resolved_free(&r);
		if (rv != TD_OK) {
			analysis_db_fail(call, rv);
			return false;
		}
		if (mine) {
			return true;
		}
	} else {
		return true;
	}
	rpc_fail(call, TD_CODE_PERMISSION_DENIED,
	         "school %s is outside the scope of client %s", school,
	         who->client_id);
	return false;
}

bool
analysis_scope_district(rpc_call *call, const char *district)
{
	const rpc_principal *who = &call->who;
	if (who->role == RPC_ROLE_SCHOOL
	    || (who->role == RPC_ROLE_DISTRICT
	        && strcmp(district, who->district) != 0)) {
		rpc_fail(call, TD_CODE_PERMISSION_DENIED,
		         "district %s is outside the scope of client %s",
		         district[0] ? district : "(all)", who->client_id);
		return false;
	}
	return true;
}

/* analysis_why_hidden: the reason of unit s's point of period (or of any point
 * when period is NULL: a primary one wins). */
uint8_t
analysis_why_hidden(const series *s, const char *period)
{
	uint8_t why = STATS_DISC_COMPLEMENTARY;
	for (size_t i = 0; i < s->n; i++) {
		if (period != NULL && strcmp(s->pts[i].period, period) != 0) {
			continue;
		}
		if (s->reason[i] == STATS_DISC_PRIMARY) {
			return STATS_DISC_PRIMARY;
		}
	}
	return why;
}
