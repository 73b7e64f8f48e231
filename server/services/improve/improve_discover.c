/* SPDX-License-Identifier: MIT
 * Improvement service, Positive Deviance Inquiry's "discover" step: take
 * the schools the positive-deviance model flags for a measure and an
 * academic year, and set the rubric scores of the observations in their
 * schools against those of the other schools, criterion by criterion,
 * with the time-linked notes (how many per observation, and the deviants'
 * note texts for the coaches who may read them).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "improve.h"
#include "services/services.h"
#include "stats/improve/stats_discover.h"
#include "store/store_improve.h"
#include "store/store_registry.h"
#include "tandem/v1/improvement.pb-c.h"

/* deviants runs the positive-deviance analysis of the measure over the
 * academic years up to year (0 = the latest) and keeps the flagged
 * schools. The model needs every school's data, so a school client's
 * call runs it as the council would (with the same suppression); what
 * the school is then shown is limited by the caller. */
static int
deviants(rpc_call *call, const Tandem__V1__DiscoverRequest *in,
         const char *district, int year,
         Tandem__V1__PositiveDevianceResponse **out)
{
	Tandem__V1__SeriesQuery             q = TANDEM__V1__SERIES_QUERY__INIT;
	Tandem__V1__PositiveDevianceRequest req
	    = TANDEM__V1__POSITIVE_DEVIANCE_REQUEST__INIT;
	char to[24];
	q.measure = in->measure;
	q.level   = TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL;
	q.code    = (char *) district;
	q.grain   = TANDEM__V1__GRAIN__ACADEMIC_YEAR;
	if (year > 0) {
		snprintf(to, sizeof(to), "%04d-07-31", year + 1);
		q.to = to;
	}
	req.query               = &q;
	req.persistence_periods = 1;
	ProtobufCMessage *r     = NULL;
	int               role  = call->who.role;
	if (role == RPC_ROLE_SCHOOL) {
		call->who.role = RPC_ROLE_COUNCIL;
	}
	int code       = analysis_positive_deviance(call, &req.base, &r);
	call->who.role = role;
	*out           = (void *) r;
	return code;
}

/* may_read_notes: the notes of the deviants' observations are about
 * teaching; admin, council and a deviant school (its own) may read them. */
static bool
may_read_notes(const rpc_call *call, const char *school)
{
	switch (call->who.role) {
	case RPC_ROLE_ADMIN:
	case RPC_ROLE_COUNCIL:
		return true;
	case RPC_ROLE_SCHOOL:
		return strcmp(school, call->who.school) == 0;
	default:
		return false;
	}
}

static bool
in_list(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i], s) == 0) {
			return true;
		}
	}
	return false;
}

int
improve_discover(rpc_call *call, const ProtobufCMessage *req,
                 ProtobufCMessage **resp)
{
	const Tandem__V1__DiscoverRequest    *in = (const void *) req;
	Tandem__V1__PositiveDevianceResponse *pd = NULL;
	store_instrument                      rb = { 0 };
	store_strtab                          sc = { 0 }, nt = { 0 };
	int                                   year = 0, rv, code;
	const char *district = in->district[0] ? in->district : "";
	if (in->measure == NULL
	    || in->measure->kind_case
	        == TANDEM__V1__MEASURE_KEY__KIND__NOT_SET) {
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		                "measure is required");
	}
	if (in->period[0] != '\0'
	    && !improve_academic_year(in->period, &year)) {
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		                "period '%s' is not an academic year such as "
		                "2024-25",
		                in->period);
	}
	if (call->who.role == RPC_ROLE_DISTRICT && district[0] == '\0') {
		district = call->who.district; /* its own schools */
	}
	if ((code = deviants(call, in, district, year, &pd)) != TD_CODE_OK) {
		return code;
	}
	if (!improve_academic_year(pd->period, &year)) {
		return rpc_fail(call, TD_CODE_INTERNAL,
		                "positive deviance answered period %s",
		                pd->period);
	}
	char from[24], to[24], rubric[72];
	snprintf(from, sizeof(from), "%04d-08-01", year);
	snprintf(to, sizeof(to), "%04d-07-31", year + 1);
	const char *dist = district[0] ? district : NULL;
	if (in->rubric[0] != '\0') {
		snprintf(rubric, sizeof(rubric), "%s", in->rubric);
	} else if ((rv = store_discover_rubric(call->store, from, to, dist,
	                                       rubric))
	           != TD_OK) {
		return rv == TD_ENOTFOUND
		    ? rpc_fail(call, TD_CODE_NOT_FOUND,
		               "no observations in %s to compare", pd->period)
		    : analysis_db_fail(call, rv);
	}
	rv = store_instrument_current(call->store, "rubric", rubric, &rb);
	if (rv == TD_ENOTFOUND) {
		return rpc_fail(call, TD_CODE_NOT_FOUND,
		                "rubric %s is not in the registry", rubric);
	}
	if (rv != TD_OK
	    || (rv = store_discover_scores(call->store, rubric, from, to, dist,
	                                   &sc))
	        != TD_OK
	    || (rv = store_discover_notes(call->store, rubric, from, to, dist,
	                                  &nt))
	        != TD_OK) {
		code = analysis_db_fail(call, rv);
		goto out;
	}
	Tandem__V1__DiscoverResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__DiscoverResponse,
	              tandem__v1__discover_response__init);
	size_t k = rb.n_items;
	char **dev
	    = rpc_arena_alloc(call->arena, (pd->n_rows + 1) * sizeof(char *));
	double *xs
	    = rpc_arena_alloc(call->arena, (sc.rows + 1) * sizeof(double));
	double *ys
	    = rpc_arena_alloc(call->arena, (sc.rows + 1) * sizeof(double));
	out = out && dev && xs && ys ? out : NULL;
	if (out == NULL
	    || (out->criteria
	        = rpc_arena_alloc(call->arena, (k + 1) * sizeof(void *)))
	        == NULL) {
		code = rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
		goto out;
	}
	size_t n_dev = 0;
	for (size_t i = 0; i < pd->n_rows; i++) {
		if (pd->rows[i]->flagged && !pd->rows[i]->suppressed) {
			dev[n_dev++] = pd->rows[i]->school;
		}
	}
	/* Which schools the caller is told are deviants: a school client
	 * learns only about itself. */
	out->deviants
	    = rpc_arena_alloc(call->arena, (n_dev + 1) * sizeof(char *));
	for (size_t i = 0; out->deviants && i < n_dev; i++) {
		if (call->who.role != RPC_ROLE_SCHOOL
		    || strcmp(dev[i], call->who.school) == 0) {
			out->deviants[out->n_deviants++] = dev[i];
		}
	}
	out->measure = pd->measure;
	out->period  = pd->period;
	out->rubric  = rpc_arena_strdup(call->arena, rubric);
	size_t min_n
	    = call->who.role == RPC_ROLE_ADMIN ? 0 : (size_t) call->cfg->min_n;
	out->min_n = (int32_t) min_n;
	/* Observations per side (rows are ordered by school, observation). */
	for (size_t i = 0; i < sc.rows; i++) {
		if (i > 0
		    && strcmp(store_cell(&sc, i, 1), store_cell(&sc, i - 1, 1))
		        == 0
		    && strcmp(store_cell(&sc, i, 0), store_cell(&sc, i - 1, 0))
		        == 0) {
			continue;
		}
		if (in_list(dev, n_dev, store_cell(&sc, i, 0))) {
			out->deviant_observations++;
		} else {
			out->rest_observations++;
		}
	}
	for (size_t j = 0; j < k; j++) {
		const char *crit
		    = rpc_arena_strdup(call->arena, rb.items[j].code);
		size_t nx = 0, ny = 0;
		for (size_t i = 0; i < sc.rows; i++) {
			if (strcmp(store_cell(&sc, i, 3), crit) != 0) {
				continue;
			}
			double v = strtod(store_cell(&sc, i, 4), NULL);
			if (in_list(dev, n_dev, store_cell(&sc, i, 0))) {
				xs[nx++] = v;
			} else {
				ys[ny++] = v;
			}
		}
		Tandem__V1__CriterionContrast *c
		    = RPC_NEW(call->arena, Tandem__V1__CriterionContrast,
		              tandem__v1__criterion_contrast__init);
		stats_contrast st;
		char           err[TD_ERRMSG_MAX];
		if (c == NULL) {
			code = rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
			                "out of memory");
			goto out;
		}
		rv = stats_contrast_values(xs, nx, ys, ny, min_n, &st, err);
		if (rv != TD_OK) {
			code = analysis_stats_fail(call, rv, crit, err);
			goto out;
		}
		c->criterion  = (char *) crit;
		c->suppressed = st.suppressed;
		/* A suppressed side shows no exact n. */
		c->deviant_n
		    = st.suppressed && st.n1 < min_n ? 0 : (int64_t) st.n1;
		c->rest_n
		    = st.suppressed && st.n2 < min_n ? 0 : (int64_t) st.n2;
		c->available    = !st.suppressed && st.has_welch && st.has_g;
		c->deviant_mean = st.suppressed ? NAN : st.mean1;
		c->rest_mean    = st.suppressed ? NAN : st.mean2;
		c->deviant_sd   = st.has_sd ? st.sd1 : NAN;
		c->rest_sd      = st.has_sd ? st.sd2 : NAN;
		c->difference   = st.suppressed ? NAN : st.diff;
		c->diff_low     = st.has_welch ? st.diff_lower : NAN;
		c->diff_high    = st.has_welch ? st.diff_upper : NAN;
		c->welch_t      = st.has_welch ? st.t : NAN;
		c->welch_df     = st.has_welch ? st.df : NAN;
		c->welch_p      = st.has_welch ? st.p : NAN;
		c->hedges_g     = st.has_g ? st.g : NAN;
		c->g_low        = st.has_g ? st.g_lower : NAN;
		c->g_high       = st.has_g ? st.g_upper : NAN;
		if (st.suppressed) {
			c->note = "a side has fewer than min_n observations";
		} else if (!c->available) {
			c->note = "no spread of scores: the contrast is "
			          "undefined";
		}
		/* Notes on this criterion, per observation of each side. */
		for (size_t i = 0; !st.suppressed && i < nt.rows; i++) {
			if (strcmp(store_cell(&nt, i, 3), crit) != 0) {
				continue;
			}
			if (in_list(dev, n_dev, store_cell(&nt, i, 0))) {
				c->deviant_notes++;
			} else {
				c->rest_notes++;
			}
		}
		c->deviant_notes_per_obs         = !st.suppressed && st.n1 > 0
		            ? (double) c->deviant_notes / (double) st.n1
		            : NAN;
		c->rest_notes_per_obs            = !st.suppressed && st.n2 > 0
		               ? (double) c->rest_notes / (double) st.n2
		               : NAN;
		out->criteria[out->n_criteria++] = c;
	}
	/* The deviants' note texts, to those who may read them, and only
	 * when the deviants' observations are not a suppressed group. */
	bool small = out->deviant_observations < (int64_t) min_n;
	out->notes
	    = rpc_arena_alloc(call->arena, (nt.rows + 1) * sizeof(void *));
	for (size_t i = 0; out->notes && !small && i < nt.rows; i++) {
		const char *school = store_cell(&nt, i, 0);
		if (!in_list(dev, n_dev, school)) {
			continue;
		}
		if (!may_read_notes(call, school)) {
			out->notes_withheld = true;
			continue;
		}
		Tandem__V1__DeviantNote *d
		    = RPC_NEW(call->arena, Tandem__V1__DeviantNote,
		              tandem__v1__deviant_note__init);
		if (d == NULL) {
			break;
		}
		d->school = rpc_arena_strdup(call->arena, school);
		d->observation
		    = rpc_arena_strdup(call->arena, store_cell(&nt, i, 1));
		d->observed_on
		    = rpc_arena_strdup(call->arena, store_cell(&nt, i, 2));
		d->criterion
		    = rpc_arena_strdup(call->arena, store_cell(&nt, i, 3));
		d->t_seconds = atoi(store_cell(&nt, i, 4));
		d->note = rpc_arena_strdup(call->arena, store_cell(&nt, i, 5));
		out->notes[out->n_notes++] = d;
	}
	out->notes_withheld |= small && n_dev > 0 && nt.rows > 0;
	/* A group under min_n shows no exact count either. */
	if (out->deviant_observations < (int64_t) min_n) {
		out->deviant_observations            = 0;
		out->deviant_observations_suppressed = true;
	}
	if (out->rest_observations < (int64_t) min_n) {
		out->rest_observations            = 0;
		out->rest_observations_suppressed = true;
	}
	call->records = (int64_t) sc.rows;
	*resp         = &out->base;
	code          = TD_CODE_OK;
out:
	store_strtab_free(&sc);
	store_strtab_free(&nt);
	store_instrument_free(&rb);
	return code;
}
