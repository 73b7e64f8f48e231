/* SPDX-License-Identifier: MIT
 * See events.h. Events are built in the call's arena and published after
 * the batch's commit from the worker that served it: no libpq in an nng
 * callback, and pub0 never waits for a subscriber. What an event may carry
 * is in events.proto and the README ("Events").
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis.h"
#include "config.h"
#include "events.h"
#include "metrics/metrics.h"
#include "services.h"
#include "store/store_events.h"
#include "stats/charts/stats_runchart.h"
#include "tandem/v1/events.pb-c.h"

/* A batch names few schools; past this many the per-school count is one
 * linear scan per school still, and events past it go unsent (logged). */
#define EVENTS_MAX_SCHOOLS 4096

static char *
now_utc(rpc_call *call)
{
	time_t    t = time(NULL);
	struct tm tm;
	char      ts[32];
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return rpc_arena_strdup(call->arena, ts);
}

void
events_send(rpc_call *call, const char *topic, Tandem__V1__Event *ev)
{
	ev->topic = (char *) topic;
	ev->at    = now_utc(call);
	if (ev->at != NULL && rpc_publish(call, topic, &ev->base) == 0) {
		metrics_events_published_add(1);
	} else {
		fprintf(stderr,
		        "level=warn msg=\"event dropped\" topic=%s "
		        "request_id=%s\n",
		        topic, call->request_id ? call->request_id : "");
	}
}

/* kind_of turns "/tandem.v1.Ingest/SubmitSurveyResponses" into
 * "survey_responses". */
static char *
kind_of(rpc_call *call)
{
	const char *m = strrchr(call->method, '/');
	m             = m ? m + 1 : call->method;
	if (strncmp(m, "Submit", 6) == 0) {
		m += 6;
	}
	char  *out = rpc_arena_alloc(call->arena, 2 * strlen(m) + 1);
	size_t k   = 0;
	for (size_t i = 0; out != NULL && m[i] != '\0'; i++) {
		if (isupper((unsigned char) m[i]) && i > 0) {
			out[k++] = '_';
		}
		out[k++] = (char) tolower((unsigned char) m[i]);
	}
	if (out != NULL) {
		out[k] = '\0';
	}
	return out;
}

void
events_batch_stored(batch *b)
{
	rpc_call *call = b->call;
	if (call->publish == NULL) {
		return;
	}
	char *kind = kind_of(call);
	bool *done = rpc_arena_alloc(call->arena, b->n * sizeof(bool));
	if (kind == NULL || done == NULL) {
		return;
	}
	memset(done, 0, b->n * sizeof(bool));
	size_t sent = 0;
	for (size_t i = 0; i < b->n && sent < EVENTS_MAX_SCHOOLS; i++) {
		if (done[i]) {
			continue;
		}
		const char *school = b->schools ? b->schools[i] : "";
		int64_t     count  = 0;
		for (size_t j = i; j < b->n; j++) {
			const char *o = b->schools ? b->schools[j] : "";
			if (!done[j] && strcmp(o, school) == 0) {
				done[j] = true;
				count++;
			}
		}
		Tandem__V1__Event *ev = RPC_NEW(call->arena, Tandem__V1__Event,
		                                tandem__v1__event__init);
		Tandem__V1__BatchStored *bs
		    = RPC_NEW(call->arena, Tandem__V1__BatchStored,
		              tandem__v1__batch_stored__init);
		if (ev == NULL || bs == NULL) {
			return;
		}
		bs->method     = (char *) call->method;
		bs->kind       = kind;
		bs->school     = (char *) school;
		bs->correction = b->correction;
		/* A count below min_n could single out a few students or
		 * teachers of one school to an unauthenticated reader. */
		if (count < call->cfg->min_n) {
			bs->records_suppressed = true;
		} else {
			bs->records = count;
		}
		ev->batch_stored = bs;
		events_send(call, EVENTS_BATCH_STORED, ev);
		sent++;
	}
}

/* The measures of in, each once (arena). */
static size_t
distinct_measures(rpc_call *call, const Tandem__V1__SubmitOutcomesRequest *in,
                  const char ***out)
{
	const char **m
	    = rpc_arena_alloc(call->arena, in->n_outcomes * sizeof(char *));
	size_t n = 0;
	for (size_t i = 0; m != NULL && i < in->n_outcomes; i++) {
		size_t k = 0;
		while (k < n && strcmp(m[k], in->outcomes[i]->measure) != 0) {
			k++;
		}
		if (k == n) {
			m[n++] = in->outcomes[i]->measure;
		}
	}
	*out = m;
	return m ? n : 0;
}

/* touched_points marks the points of s that outcomes of in for (measure,
 * s's school, all students) fall in: the last point starting on or before
 * the record's period_start. */
static bool
touched_points(const Tandem__V1__SubmitOutcomesRequest *in,
               const char *measure, const series *s, bool *touched)
{
	bool any = false;
	for (size_t i = 0; i < in->n_outcomes; i++) {
		const Tandem__V1__Outcome *o = in->outcomes[i];
		if (o->subgroup[0] != '\0' || strcmp(o->measure, measure) != 0
		    || strcmp(o->school, s->unit) != 0) {
			continue;
		}
		long k = -1;
		for (size_t p = 0; p < s->n; p++) {
			if (strcmp(s->pts[p].period, o->period_start) <= 0) {
				k = (long) p;
			}
		}
		if (k >= 0) {
			touched[k] = true;
			any        = true;
		}
	}
	return any;
}

static void
signal_event(rpc_call *call, const series_spec *spec, const series *s,
             const char *rule, size_t first, size_t at)
{
	Tandem__V1__Event *ev
	    = RPC_NEW(call->arena, Tandem__V1__Event, tandem__v1__event__init);
	Tandem__V1__SignalNew *sn = RPC_NEW(call->arena, Tandem__V1__SignalNew,
	                                    tandem__v1__signal_new__init);
	if (ev == NULL || sn == NULL) {
		return;
	}
	sn->measure  = (char *) spec->measure;
	sn->unit     = (char *) s->unit;
	sn->rule     = (char *) rule;
	sn->rule_set = "nhs";
	sn->period
	    = (char *) analysis_label(call, spec->grain, s->pts[at].period);
	sn->period_start = (char *) s->pts[at].period;
	sn->first_period
	    = (char *) analysis_label(call, spec->grain, s->pts[first].period);
	ev->signal_new = sn;
	events_send(call, EVENTS_SIGNAL_NEW, ev);
}

/* series_signals publishes each rule that fires on a touched point of s:
 * once per rule, at the newest touched point carrying it. */
static void
series_signals(rpc_call *call, const series_spec *spec, const series *s,
               const bool *touched)
{
	static const struct {
		unsigned    bit;
		const char *rule;
	} rules[]
	    = { { STATS_SIG_SHIFT, "shift" }, { STATS_SIG_TREND, "trend" } };
	stats_runchart_opts   o = { .rules = STATS_RULES_NHS };
	stats_runchart_result rr;
	if (stats_runchart(s->value, s->n, &o, &rr, NULL) != TD_OK) {
		return; /* too few unsuppressed points: no signal to tell */
	}
	for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
		long at = -1;
		for (size_t p = 0; p < s->n; p++) {
			if (touched[p] && !s->suppressed[p]
			    && (rr.signals[p] & rules[r].bit)) {
				at = (long) p;
			}
		}
		if (at < 0) {
			continue;
		}
		/* The signal's first point: back along the bit, and for a
		 * shift only on the same side of the centre. */
		size_t first = (size_t) at;
		while (first > 0 && (rr.signals[first - 1] & rules[r].bit)
		       && (rules[r].bit != STATS_SIG_SHIFT
		           || rr.pos[first - 1] == rr.pos[at])) {
			first--;
		}
		signal_event(call, spec, s, rules[r].rule, first, (size_t) at);
	}
	stats_runchart_result_free(&rr);
}

/* A council reader of the whole network: small cells are suppressed
 * whoever sent the batch (an admin included). */
static rpc_call
as_council(const rpc_call *call)
{
	rpc_call rc        = *call;
	rc.who.role        = RPC_ROLE_COUNCIL;
	rc.details         = NULL;
	rc.n_details       = 0;
	rc.cap_details     = 0;
	rc.details_omitted = 0;
	rc.code            = TD_CODE_OK;
	return rc;
}

void
events_outcome_signals(rpc_call                                *call,
                       const Tandem__V1__SubmitOutcomesRequest *in)
{
	if (call->publish == NULL) {
		return;
	}
	const char **measures;
	size_t       nm = distinct_measures(call, in, &measures);
	rpc_call     rc = as_council(call);
	for (size_t k = 0; k < nm; k++) {
		Tandem__V1__SeriesQuery q = TANDEM__V1__SERIES_QUERY__INIT;
		analysis_key            mk;
		/* Outcome codes, as the batch's rows name them. */
		analysis_key_outcome(&mk, measures[k]);
		q.measure = &mk.key;
		q.level   = TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL;
		series_spec spec;
		series     *ss;
		size_t      ns;
		rc.code = TD_CODE_OK;
		if (!analysis_spec(&rc, &q, &spec)
		    || analysis_load(&rc, &q, &spec, &ss, &ns) != TD_CODE_OK) {
			fprintf(stderr,
			        "level=warn msg=\"signal check skipped\" "
			        "measure=%s error=\"%s\"\n",
			        measures[k], rc.message);
			continue;
		}
		for (size_t i = 0; i < ns; i++) {
			bool *touched = rpc_arena_alloc(call->arena,
			                                (ss[i].n ? ss[i].n : 1)
			                                    * sizeof(bool));
			if (touched == NULL) {
				break;
			}
			memset(touched, 0,
			       (ss[i].n ? ss[i].n : 1) * sizeof(bool));
			if (touched_points(in, measures[k], &ss[i], touched)) {
				series_signals(call, &spec, &ss[i], touched);
			}
		}
	}
}

/* ---- deviant.new ---- */

static void
deviant_event(rpc_call *call, const char *measure, const char *school,
              const char *period)
{
	Tandem__V1__Event *ev
	    = RPC_NEW(call->arena, Tandem__V1__Event, tandem__v1__event__init);
	Tandem__V1__DeviantNew *dn
	    = RPC_NEW(call->arena, Tandem__V1__DeviantNew,
	              tandem__v1__deviant_new__init);
	if (ev == NULL || dn == NULL) {
		return;
	}
	dn->measure     = (char *) measure;
	dn->school      = (char *) school;
	dn->period      = (char *) period;
	ev->deviant_new = dn;
	events_send(call, EVENTS_DEVIANT_NEW, ev);
}

void
events_outcome_deviants(rpc_call                                *call,
                        const Tandem__V1__SubmitOutcomesRequest *in)
{
	if (call->publish == NULL) {
		return;
	}
	const char **measures;
	size_t       nm = distinct_measures(call, in, &measures);
	for (size_t k = 0; k < nm; k++) {
		rpc_call                rc = as_council(call);
		Tandem__V1__SeriesQuery q  = TANDEM__V1__SERIES_QUERY__INIT;
		Tandem__V1__PositiveDevianceRequest req
		    = TANDEM__V1__POSITIVE_DEVIANCE_REQUEST__INIT;
		analysis_key mk;
		analysis_key_outcome(&mk, measures[k]);
		q.measure             = &mk.key;
		q.level               = TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL;
		q.grain               = TANDEM__V1__GRAIN__ACADEMIC_YEAR;
		req.query             = &q;
		ProtobufCMessage *out = NULL;
		if (analysis_positive_deviance(&rc, &req.base, &out)
		        != TD_CODE_OK
		    || out == NULL) {
			/* too few schools with context, say: nothing to tell
			 */
			continue;
		}
		const Tandem__V1__PositiveDevianceResponse *pd
		    = (const void *) out;
		const char **flagged = rpc_arena_alloc(
		    call->arena, (pd->n_rows + 1) * sizeof(char *));
		bool  *fresh = rpc_arena_alloc(call->arena,
		                               (pd->n_rows + 1) * sizeof(bool));
		size_t nf    = 0;
		for (size_t i = 0; flagged && fresh && i < pd->n_rows; i++) {
			if (pd->rows[i]->flagged && !pd->rows[i]->suppressed) {
				flagged[nf++] = pd->rows[i]->school;
			}
		}
		if (flagged == NULL || fresh == NULL) {
			continue;
		}
		if (store_deviants_update(call->store, measures[k], pd->period,
		                          flagged, nf, fresh)
		    != TD_OK) {
			fprintf(stderr,
			        "level=warn msg=\"deviant check skipped\" "
			        "measure=%s error=\"%s\"\n",
			        measures[k], store_errmsg(call->store));
			continue;
		}
		for (size_t i = 0; i < nf; i++) {
			if (fresh[i]) {
				deviant_event(call, measures[k], flagged[i],
				              pd->period);
			}
		}
	}
}

/* ---- pdsa.changed ---- */

char **
events_pdsa_before(rpc_call                                  *call,
                   const Tandem__V1__SubmitPdsaCyclesRequest *in,
                   const int64_t                             *school_ids)
{
	if (call->publish == NULL || in->dry_run) {
		return NULL;
	}
	char **before = rpc_arena_alloc(call->arena,
	                                (in->n_cycles + 1) * sizeof(char *));
	for (size_t i = 0; before != NULL && i < in->n_cycles; i++) {
		char status[16];
		if (store_pdsa_status(call->store, in->cycles[i]->cycle,
		                      school_ids ? school_ids[i] : 0, status,
		                      sizeof(status))
		    != TD_OK) {
			return NULL;
		}
		before[i] = rpc_arena_strdup(call->arena, status);
	}
	return before;
}

void
events_pdsa_changed(rpc_call                                  *call,
                    const Tandem__V1__SubmitPdsaCyclesRequest *in,
                    char *const                               *before)
{
	if (call->publish == NULL || before == NULL) {
		return;
	}
	for (size_t i = 0; i < in->n_cycles && i < EVENTS_MAX_SCHOOLS; i++) {
		const Tandem__V1__PdsaCycle *c = in->cycles[i];
		Tandem__V1__Event *ev = RPC_NEW(call->arena, Tandem__V1__Event,
		                                tandem__v1__event__init);
		Tandem__V1__PdsaChanged *pc
		    = RPC_NEW(call->arena, Tandem__V1__PdsaChanged,
		              tandem__v1__pdsa_changed__init);
		if (ev == NULL || pc == NULL || before[i] == NULL) {
			return;
		}
		pc->cycle           = c->cycle;
		pc->school          = c->school;
		pc->measure         = c->measure;
		pc->status          = c->status;
		pc->previous_status = before[i];
		pc->action          = before[i][0] == '\0'       ? "created"
		             : strcmp(before[i], c->status) != 0 ? "transitioned"
		                                                 : "updated";
		ev->pdsa_changed    = pc;
		events_send(call, EVENTS_PDSA_CHANGED, ev);
	}
}
