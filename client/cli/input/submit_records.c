/* SPDX-License-Identifier: MIT
 * tandem submit, reading: each kind's CSV columns checked record by
 * record into the messages of its request (surveys and feedback with
 * their item or criterion columns), grouping by school, and the table of
 * kinds.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "submit.h"
#include "submit_order.h"

/* ---- sources ---- */

void
submit_source_free(source *s)
{
	csvread_destroy(s->t);
	free(s->pool);
	free(s->recs);
	free(s->lines);
	free(s->codes);
	free(s->colnames);
	free(s->colidx);
	free(s->vals);
	free(s->miss);
	free(s->present);
	free(s->orig);
	memset(s, 0, sizeof(*s));
}

/* source_alloc makes room for one message of msg_size per record, with
 * init copied into each. */
static int
source_alloc(source *s, const char *what, size_t msg_size, const void *init)
{
	size_t n = csvread_nrecords(s->t), w = s->ncodes;
	s->n     = n;
	s->pool  = calloc(n ? n : 1, msg_size);
	s->recs  = calloc(n ? n : 1, sizeof(void *));
	s->lines = calloc(n ? n : 1, sizeof(size_t));
	s->codes = calloc(n ? n : 1, sizeof(char *));
	if (w > 0) {
		s->vals    = calloc(n ? n * w : 1, sizeof(int32_t));
		s->miss    = calloc(n ? n * w : 1, sizeof(uint32_t));
		s->present = calloc(n ? n * w : 1, 1);
	}
	if (s->pool == NULL || s->recs == NULL || s->lines == NULL
	    || s->codes == NULL
	    || (w > 0 && (!s->vals || !s->miss || !s->present))) {
		fprintf(stderr, "tandem: %s: out of memory\n", what);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		s->recs[i] = (char *) s->pool + i * msg_size;
		memcpy(s->recs[i], init, msg_size);
		s->lines[i] = csvread_line(s->t, i);
	}
	return 0;
}

/* src_raw: record i's bytes as they are in the file. */
const char *
submit_src_raw(const source *s, size_t i, size_t *len)
{
	return csvread_raw(s->t, s->orig ? s->orig[i] : i, len);
}

/* group_by_school puts the records of one school together (stable), so
 * each batch updates the rollups of its own schools only. 0, or 1 when
 * out of memory (explained). */
int
submit_group_by_school(source     *s, const char *(*school)(const void *rec),
                       const char *what)
{
	const char **keys  = malloc((s->n ? s->n : 1) * sizeof(char *));
	size_t      *order = NULL;
	if (keys != NULL) {
		for (size_t i = 0; i < s->n; i++) {
			keys[i] = school(s->recs[i]);
		}
	}
	int rv = keys == NULL ? TD_ENOMEM
	                      : submit_group_order(keys, s->n, &order);
	free(keys);
	void       **recs  = order ? malloc(s->n * sizeof(void *)) : NULL;
	size_t      *lines = order ? malloc(s->n * sizeof(size_t)) : NULL;
	const char **codes = order ? malloc(s->n * sizeof(char *)) : NULL;
	if (rv != 0 || (order != NULL && (!recs || !lines || !codes))) {
		free(order);
		free(recs);
		free(lines);
		free(codes);
		fprintf(stderr, "tandem: %s: out of memory\n", what);
		return 1;
	}
	for (size_t j = 0; order != NULL && j < s->n; j++) {
		recs[j]  = s->recs[order[j]];
		lines[j] = s->lines[order[j]];
		codes[j] = s->codes[order[j]];
	}
	if (order != NULL) {
		free(s->recs);
		free(s->lines);
		free(s->codes);
		s->recs  = recs;
		s->lines = lines;
		s->codes = codes;
		s->orig  = order;
	}
	return 0;
}

/* code_columns takes every column that is not one of the fixed ones as an
 * item or criterion code. */
static int
code_columns(source *s, const csvread_col *fixed, size_t nfixed,
             const char *what, const char *noun)
{
	size_t nc   = csvread_ncols(s->t);
	s->colnames = calloc(nc ? nc : 1, sizeof(char *));
	s->colidx   = calloc(nc ? nc : 1, sizeof(int));
	if (s->colnames == NULL || s->colidx == NULL) {
		fprintf(stderr, "tandem: %s: out of memory\n", what);
		return 1;
	}
	for (size_t j = 0; j < nc; j++) {
		if (csvread_is_bound(fixed, nfixed, j)) {
			continue;
		}
		const char *h = csvread_header(s->t, j);
		if (*h == '\0') {
			fprintf(stderr,
			        "tandem: %s: %s:%zu: column %zu has no name; "
			        "every column besides the fixed ones is %s "
			        "code\n",
			        what, csvread_name(s->t),
			        csvread_header_line(s->t), j + 1, noun);
			return 1;
		}
		s->colnames[s->ncodes] = (char *) h;
		s->colidx[s->ncodes++] = (int) j;
	}
	if (s->ncodes == 0) {
		fprintf(stderr,
		        "tandem: %s: %s: no %s columns: every column besides "
		        "the fixed ones is %s code\n",
		        what, csvread_name(s->t),
		        strcmp(noun, "an item") == 0 ? "item" : "criterion",
		        noun);
		return 1;
	}
	return 0;
}

/* code_values reads record i's item/criterion cells: an empty cell is a
 * non-response, marked absent and never read as zero. */
static void
code_values(source *s, size_t i, csvread_errs *e)
{
	for (size_t j = 0; j < s->ncodes; j++) {
		long long v;
		size_t    k = i * s->ncodes + j;
		if (*csvread_cell(s->t, i, (size_t) s->colidx[j]) == '\0') {
			continue;
		}
		if (csvread_get_int(e, s->t, i, s->colidx[j], true, INT32_MIN,
		                    INT32_MAX, 0, &v)) {
			s->vals[k]    = (int32_t) v;
			s->present[k] = 1;
		}
	}
}

/* S, NUM and INT read record i's string, number or whole-number cell
 * into a message field; they use the prep functions' e, s, i and cols. */
#define S(field, col, req)                                                    \
	do {                                                                  \
		const char *v_;                                               \
		csvread_get_str(e, s->t, i, cols[col].index, req, &v_);       \
		(field) = (char *) v_;                                        \
	} while (0)
#define NUM(field, col)                                                       \
	do {                                                                  \
		double d_;                                                    \
		if (csvread_get_num(e, s->t, i, cols[col].index, true, 0,     \
		                    &d_)) {                                   \
			(field) = d_;                                         \
		}                                                             \
	} while (0)
#define INT(field, col, lo, hi)                                               \
	do {                                                                  \
		long long v_;                                                 \
		if (csvread_get_int(e, s->t, i, cols[col].index, true, lo,    \
		                    hi, 0, &v_)) {                            \
			(field) = v_;                                         \
		}                                                             \
	} while (0)

/* ---- surveys ---- */

static int
prep_surveys(source *s, const opts *o, csvread_errs *e, const char *what)
{
	static const Tandem__V1__SurveyResponse init
	    = TANDEM__V1__SURVEY_RESPONSE__INIT;
	csvread_col cols[] = {
		{ "school", true, 0 },
		{ "respondent", true, 0 },
		{ "administered_on", true, 0 },
		{ "grade", false, 0 },
	};
	if (cli_bind(what, s->t, cols, NCOLS(cols), false)
	    || code_columns(s, cols, NCOLS(cols), what, "an item")
	    || source_alloc(s, what, sizeof(init), &init)) {
		return 1;
	}
	for (size_t i = 0; i < s->n; i++) {
		Tandem__V1__SurveyResponse *r = s->recs[i];
		S(r->school, 0, true);
		S(r->respondent, 1, true);
		S(r->administered_on, 2, true);
		S(r->grade, 3, false);
		code_values(s, i, e);
		/* values has one entry per item; a non-response is listed in
		 * missing and its placeholder is never read */
		r->values   = s->vals + i * s->ncodes;
		r->n_values = s->ncodes;
		r->missing  = s->miss + i * s->ncodes;
		for (size_t j = 0; j < s->ncodes; j++) {
			if (!s->present[i * s->ncodes + j]) {
				r->missing[r->n_missing++] = (uint32_t) j;
			}
		}
	}
	return 0;
}

int
submit_build_surveys(const source *s, size_t lo, size_t hi, const opts *o,
                     const char *id, anyreq *r, scratch *sc)
{
	Tandem__V1__SubmitSurveyResponsesRequest *q = &r->surveys;
	tandem__v1__submit_survey_responses_request__init(q);
	q->submission_id = (char *) id;
	q->dry_run       = o->dry_run;
	q->correction    = o->correction;
	q->survey        = (char *) o->survey;
	q->n_items       = s->ncodes;
	q->items         = s->colnames;
	q->n_responses   = hi - lo;
	q->responses     = (Tandem__V1__SurveyResponse **) s->recs + lo;
	return 0;
}

/* ---- peer feedback: observations, then annotations ---- */

static int
prep_feedback(source *s, const opts *o, csvread_errs *e, const char *what)
{
	static const Tandem__V1__Observation init
	    = TANDEM__V1__OBSERVATION__INIT;
	csvread_col cols[] = {
		{ "observation", true, 0 }, { "school", true, 0 },
		{ "observer", true, 0 },    { "observed", true, 0 },
		{ "rubric", true, 0 },      { "observed_on", true, 0 },
		{ "notes", false, 0 },
	};
	if (cli_bind(what, s->t, cols, NCOLS(cols), false)
	    || code_columns(s, cols, NCOLS(cols), what, "a criterion")
	    || source_alloc(s, what, sizeof(init), &init)) {
		return 1;
	}
	for (size_t i = 0; i < s->n; i++) {
		Tandem__V1__Observation *r = s->recs[i];
		S(r->observation, 0, true);
		S(r->school, 1, true);
		S(r->observer, 2, true);
		S(r->observed, 3, true);
		csvread_get_str(e, s->t, i, cols[4].index, true, &s->codes[i]);
		S(r->observed_on, 5, true);
		S(r->notes, 6, false);
		code_values(s, i, e);
	}
	return 0;
}

/* submit_build_feedback sends only the criteria scored somewhere in the batch:
 * a file may mix rubrics, and one rubric's columns are empty in another's
 * rows. */
int
submit_build_feedback(const source *s, size_t lo, size_t hi, const opts *o,
                      const char *id, anyreq *r, scratch *sc)
{
	Tandem__V1__SubmitPeerFeedbackRequest *q = &r->feedback;
	size_t w = s->ncodes, m = hi - lo, nused = 0;

	size_t cells = m * w;
	sc->criteria = calloc(w ? w : 1, sizeof(char *));
	sc->scores   = calloc(cells ? cells : 1, sizeof(int32_t));
	sc->missing  = calloc(cells ? cells : 1, sizeof(uint32_t));
	size_t *used = calloc(w ? w : 1, sizeof(size_t));
	if (!sc->criteria || !sc->scores || !sc->missing || !used) {
		free(used);
		return TD_ENOMEM;
	}
	for (size_t j = 0; j < w; j++) {
		for (size_t i = lo; i < hi; i++) {
			if (s->present[i * w + j]) {
				sc->criteria[nused] = s->colnames[j];
				used[nused++]       = j;
				break;
			}
		}
	}
	for (size_t i = lo; i < hi; i++) {
		Tandem__V1__Observation *ob = s->recs[i];
		ob->scores                  = sc->scores + (i - lo) * nused;
		ob->n_scores                = nused;
		ob->missing                 = sc->missing + (i - lo) * nused;
		ob->n_missing               = 0;
		for (size_t k = 0; k < nused; k++) {
			size_t cell   = i * w + used[k];
			ob->scores[k] = s->present[cell] ? s->vals[cell] : 0;
			if (!s->present[cell]) {
				ob->missing[ob->n_missing++] = (uint32_t) k;
			}
		}
	}
	free(used);
	tandem__v1__submit_peer_feedback_request__init(q);
	q->submission_id  = (char *) id;
	q->dry_run        = o->dry_run;
	q->correction     = o->correction;
	q->rubric         = (char *) s->codes[lo];
	q->n_criteria     = nused;
	q->criteria       = sc->criteria;
	q->n_observations = m;
	q->observations   = (Tandem__V1__Observation **) s->recs + lo;
	return 0;
}

/* An observation code and its rubric, for annotation lookups. */
typedef struct obs_rubric {
	const char *observation;
	const char *rubric;
} obs_rubric;

static int
cmp_obs(const void *a, const void *b)
{
	return strcmp(((const obs_rubric *) a)->observation,
	              ((const obs_rubric *) b)->observation);
}

/* prep_annotations: an annotation's rubric is its own rubric column if the
 * file has one, else the rubric of its observation in the observations
 * file; the server needs it to know the criteria. */
int
submit_prep_annotations(source *s, const source *obs, csvread_errs *e,
                        const char *what)
{
	static const Tandem__V1__Annotation init
	    = TANDEM__V1__ANNOTATION__INIT;
	csvread_col cols[] = {
		{ "observation", true, 0 }, { "t_seconds", true, 0 },
		{ "note", true, 0 },        { "criterion", false, 0 },
		{ "observer", false, 0 },   { "rubric", false, 0 },
	};
	if (cli_bind(what, s->t, cols, NCOLS(cols), true)
	    || source_alloc(s, what, sizeof(init), &init)) {
		return 1;
	}
	obs_rubric *map = calloc(obs->n ? obs->n : 1, sizeof(*map));
	if (map == NULL) {
		fprintf(stderr, "tandem: %s: out of memory\n", what);
		return 1;
	}
	for (size_t i = 0; i < obs->n; i++) {
		const Tandem__V1__Observation *ob = obs->recs[i];
		map[i].observation                = ob->observation;
		map[i].rubric                     = obs->codes[i];
	}
	qsort(map, obs->n, sizeof(*map), cmp_obs);
	for (size_t i = 0; i < s->n; i++) {
		Tandem__V1__Annotation *r = s->recs[i];
		long long               t = 0;
		S(r->observation, 0, true);
		if (csvread_get_int(e, s->t, i, cols[1].index, true, INT32_MIN,
		                    INT32_MAX, 0, &t)) {
			r->t_seconds = (int32_t) t;
		}
		S(r->note, 2, false);
		S(r->criterion, 3, false);
		S(r->observer, 4, false);
		csvread_get_str(e, s->t, i, cols[5].index, false,
		                &s->codes[i]);
		if (*s->codes[i] != '\0' || *r->observation == '\0') {
			continue;
		}
		obs_rubric  key = { r->observation, NULL };
		obs_rubric *hit
		    = bsearch(&key, map, obs->n, sizeof(*map), cmp_obs);
		if (hit == NULL) {
			csvread_complain(
			    e, s->t, i,
			    "observation '%s' is not in %s (to annotate an "
			    "observation sent earlier, add a rubric column)",
			    r->observation, csvread_name(obs->t));
		} else {
			s->codes[i] = hit->rubric;
		}
	}
	free(map);
	return 0;
}

static int
build_annotations(const source *s, size_t lo, size_t hi, const opts *o,
                  const char *id, anyreq *r, scratch *sc)
{
	Tandem__V1__SubmitPeerFeedbackRequest *q = &r->feedback;
	tandem__v1__submit_peer_feedback_request__init(q);
	q->submission_id = (char *) id;
	q->dry_run       = o->dry_run;
	q->correction    = o->correction;
	q->rubric        = (char *) s->codes[lo];
	q->n_annotations = hi - lo;
	q->annotations   = (Tandem__V1__Annotation **) s->recs + lo;
	return 0;
}

/* ---- outcomes, costs, participation, administrations ---- */

static int
prep_outcomes(source *s, const opts *o, csvread_errs *e, const char *what)
{
	static const Tandem__V1__Outcome init   = TANDEM__V1__OUTCOME__INIT;
	csvread_col                      cols[] = {
		                     { "school", true, 0 },       { "measure", true, 0 },
		                     { "period_start", true, 0 }, { "period_end", true, 0 },
		                     { "value", true, 0 },        { "n", true, 0 },
		                     { "subgroup", false, 0 },    { "sd", false, 0 },
	};
	if (cli_bind(what, s->t, cols, NCOLS(cols), true)
	    || source_alloc(s, what, sizeof(init), &init)) {
		return 1;
	}
	for (size_t i = 0; i < s->n; i++) {
		Tandem__V1__Outcome *r = s->recs[i];
		S(r->school, 0, true);
		S(r->measure, 1, true);
		S(r->period_start, 2, true);
		S(r->period_end, 3, true);
		NUM(r->value, 4);
		INT(r->n, 5, INT64_MIN, INT64_MAX);
		S(r->subgroup, 6, false);
		/* an empty or absent sd is none, never zero */
		double sd = NAN;
		csvread_get_num(e, s->t, i, cols[7].index, false, NAN, &sd);
		r->has_sd = !isnan(sd);
		r->sd     = r->has_sd ? sd : 0;
	}
	return 0;
}

static int
prep_costs(source *s, const opts *o, csvread_errs *e, const char *what)
{
	static const Tandem__V1__Cost init   = TANDEM__V1__COST__INIT;
	csvread_col                   cols[] = {
		                  { "activity", true, 0 },   { "year", true, 0 },
		                  { "ingredient", true, 0 }, { "category", true, 0 },
		                  { "quantity", true, 0 },   { "unit_cost", true, 0 },
	};
	if (cli_bind(what, s->t, cols, NCOLS(cols), true)
	    || source_alloc(s, what, sizeof(init), &init)) {
		return 1;
	}
	for (size_t i = 0; i < s->n; i++) {
		Tandem__V1__Cost *r = s->recs[i];
		S(r->activity, 0, true);
		INT(r->year, 1, INT32_MIN, INT32_MAX);
		S(r->ingredient, 2, true);
		S(r->category, 3, true);
		NUM(r->quantity, 4);
		NUM(r->unit_cost, 5);
	}
	return 0;
}

static int
prep_participation(source *s, const opts *o, csvread_errs *e, const char *what)
{
	static const Tandem__V1__Participation init
	    = TANDEM__V1__PARTICIPATION__INIT;
	csvread_col cols[] = {
		{ "activity", true, 0 },   { "school", true, 0 },
		{ "educator", false, 0 },  { "period_start", true, 0 },
		{ "period_end", true, 0 }, { "hours", true, 0 },
	};
	if (cli_bind(what, s->t, cols, NCOLS(cols), true)
	    || source_alloc(s, what, sizeof(init), &init)) {
		return 1;
	}
	for (size_t i = 0; i < s->n; i++) {
		Tandem__V1__Participation *r = s->recs[i];
		S(r->activity, 0, true);
		S(r->school, 1, true);
		S(r->educator, 2, false);
		S(r->period_start, 3, true);
		S(r->period_end, 4, true);
		NUM(r->hours, 5);
	}
	return 0;
}

static int
prep_administrations(source *s, const opts *o, csvread_errs *e,
                     const char *what)
{
	static const Tandem__V1__Administration init
	    = TANDEM__V1__ADMINISTRATION__INIT;
	csvread_col cols[] = {
		{ "survey", true, 0 },
		{ "school", true, 0 },
		{ "administered_on", true, 0 },
		{ "invited", true, 0 },
	};
	if (cli_bind(what, s->t, cols, NCOLS(cols), true)
	    || source_alloc(s, what, sizeof(init), &init)) {
		return 1;
	}
	for (size_t i = 0; i < s->n; i++) {
		Tandem__V1__Administration *r = s->recs[i];
		S(r->survey, 0, true);
		S(r->school, 1, true);
		S(r->administered_on, 2, true);
		INT(r->invited, 3, INT64_MIN, INT64_MAX);
	}
	return 0;
}

/* PDSA cycles: school empty = a network cycle; predicted_value and end
 * may be empty. */
static int
prep_pdsa(source *s, const opts *o, csvread_errs *e, const char *what)
{
	static const Tandem__V1__PdsaCycle init = TANDEM__V1__PDSA_CYCLE__INIT;
	csvread_col                        cols[] = {
		                       { "cycle", true, 0 },
		                       { "school", true, 0 },
		                       { "measure", true, 0 },
		                       { "activity", false, 0 },
		                       { "change_idea", true, 0 },
		                       { "prediction", false, 0 },
		                       { "predicted_value", false, 0 },
		                       { "start", true, 0 },
		                       { "end", false, 0 },
		                       { "status", true, 0 },
		                       { "result", false, 0 },
	};
	if (cli_bind(what, s->t, cols, NCOLS(cols), true)
	    || source_alloc(s, what, sizeof(init), &init)) {
		return 1;
	}
	for (size_t i = 0; i < s->n; i++) {
		Tandem__V1__PdsaCycle *r = s->recs[i];
		S(r->cycle, 0, true);
		S(r->school, 1, false);
		S(r->measure, 2, true);
		S(r->activity, 3, false);
		S(r->change_idea, 4, true);
		S(r->prediction, 5, false);
		if (cols[6].index >= 0
		    && *csvread_cell(s->t, i, (size_t) cols[6].index)
		        != '\0') {
			NUM(r->predicted_value, 6);
			r->has_predicted_value = true;
		}
		S(r->start, 7, true);
		S(r->end, 8, false);
		S(r->status, 9, true);
		S(r->result, 10, false);
	}
	return 0;
}

/* The common fields of the four simple requests, then the records. */
#define BUILD_SIMPLE(fn, Req, init_fn, field, Rec)                            \
	static int fn(const source *s, size_t lo, size_t hi, const opts *o,   \
	              const char *id, anyreq *r, scratch *sc)                 \
	{                                                                     \
		Req *q = (Req *) r;                                           \
		init_fn(q);                                                   \
		q->submission_id = (char *) id;                               \
		q->dry_run       = o->dry_run;                                \
		q->correction    = o->correction;                             \
		q->n_##field     = hi - lo;                                   \
		q->field         = (Rec **) s->recs + lo;                     \
		return 0;                                                     \
	}
BUILD_SIMPLE(build_outcomes, Tandem__V1__SubmitOutcomesRequest,
             tandem__v1__submit_outcomes_request__init, outcomes,
             Tandem__V1__Outcome)
BUILD_SIMPLE(build_costs, Tandem__V1__SubmitCostsRequest,
             tandem__v1__submit_costs_request__init, costs, Tandem__V1__Cost)
BUILD_SIMPLE(build_participation, Tandem__V1__SubmitParticipationRequest,
             tandem__v1__submit_participation_request__init, participation,
             Tandem__V1__Participation)
BUILD_SIMPLE(build_administrations, Tandem__V1__SubmitAdministrationsRequest,
             tandem__v1__submit_administrations_request__init, administrations,
             Tandem__V1__Administration)
BUILD_SIMPLE(build_pdsa, Tandem__V1__SubmitPdsaCyclesRequest,
             tandem__v1__submit_pdsa_cycles_request__init, cycles,
             Tandem__V1__PdsaCycle)

static const char *
survey_school(const void *rec)
{
	return ((const Tandem__V1__SurveyResponse *) rec)->school;
}

static const char *
outcome_school(const void *rec)
{
	return ((const Tandem__V1__Outcome *) rec)->school;
}

const kind submit_kinds[] = {
	{ "surveys", &td_ingest_submit_survey_responses_method,
	  "school,respondent,administered_on[,grade],ITEM...", prep_surveys,
	  submit_build_surveys, survey_school },
	{ "feedback", &td_ingest_submit_peer_feedback_method,
	  "observation,school,observer,observed,rubric,observed_on,\n"
	  "                   CRITERION...[,notes]",
	  prep_feedback, submit_build_feedback, NULL },
	{ "outcomes", &td_ingest_submit_outcomes_method,
	  "school,measure,period_start,period_end,value,n[,subgroup][,sd]",
	  prep_outcomes, build_outcomes, outcome_school },
	{ "costs", &td_ingest_submit_costs_method,
	  "activity,year,ingredient,category,quantity,unit_cost", prep_costs,
	  build_costs, NULL },
	{ "participation", &td_ingest_submit_participation_method,
	  "activity,school[,educator],period_start,period_end,hours",
	  prep_participation, build_participation, NULL },
	{ "administrations", &td_ingest_submit_administrations_method,
	  "survey,school,administered_on,invited", prep_administrations,
	  build_administrations, NULL },
	{ "pdsa", &td_improvement_submit_pdsa_cycles_method,
	  "cycle,school,measure,activity,change_idea,prediction,\n"
	  "                   predicted_value,start,end,status,result",
	  prep_pdsa, build_pdsa, NULL },
};

const kind submit_annotations_kind = {
	"annotations",
	&td_ingest_submit_peer_feedback_method,
	"observation,t_seconds[,criterion],note[,observer][,rubric]",
	NULL,
	build_annotations,
	NULL,
};
const size_t submit_n_kinds = NCOLS(submit_kinds);
