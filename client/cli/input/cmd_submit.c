/* SPDX-License-Identifier: MIT
 * tandem submit: survey responses, peer feedback, outcomes, costs,
 * participation and survey administrations from CSV. Every record is
 * checked locally first; then batches go out with ids derived from the
 * file's bytes, so a retried or repeated upload never stores one twice.
 */
#include <getopt.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cli.h"
#include "submit_order.h"

#define DEFAULT_BATCH 20000
/* A batch also ends once its records hold this many bytes of CSV: its
 * request encodes to less than the client's 4 MiB request limit
 * (TD_CLIENT_MAX_REQUEST) even with long notes, whose protobuf framing
 * adds a few bytes a field. */
#define MAX_BATCH_BYTES (3u * 1024u * 1024u)

typedef struct opts {
	bool        dry_run;
	bool        correction;
	long        batch_size;
	long        retries;
	const char *survey;
	const char *annotations;
} opts;

/* One CSV file parsed into the records of one repeated request field. */
typedef struct source {
	const char    *label; /* the kind shown in the summary */
	csvread_table *t;
	size_t         n;
	void          *pool; /* the n messages */
	void         **recs; /* pointers to them, as protobuf-c wants */
	size_t        *lines; /* CSV line of each record */
	const char   **codes; /* rubric of each record (feedback), or NULL */
	/* Item (surveys) or criterion (feedback) columns. */
	size_t         ncodes;
	char         **colnames;
	int           *colidx;
	int32_t       *vals; /* n * ncodes */
	uint32_t      *miss; /* n * ncodes */
	unsigned char *present; /* n * ncodes */
	size_t        *orig; /* file record of each record; NULL: file order */
} source;

typedef union anyreq {
	Tandem__V1__SubmitSurveyResponsesRequest surveys;
	Tandem__V1__SubmitPeerFeedbackRequest    feedback;
	Tandem__V1__SubmitOutcomesRequest        outcomes;
	Tandem__V1__SubmitCostsRequest           costs;
	Tandem__V1__SubmitParticipationRequest   participation;
	Tandem__V1__SubmitAdministrationsRequest administrations;
	Tandem__V1__SubmitPdsaCyclesRequest      pdsa;
} anyreq;

/* Per-batch arrays a request points into (feedback only). */
typedef struct scratch {
	char    **criteria;
	int32_t  *scores;
	uint32_t *missing;
} scratch;

typedef struct kind {
	const char      *name;
	const td_method *method;
	const char      *columns;
	int (*prepare)(source *s, const opts *o, csvread_errs *e,
	               const char *what);
	int (*build)(const source *s, size_t lo, size_t hi, const opts *o,
	             const char *id, anyreq *r, scratch *sc);
	/* Kinds whose natural key includes the school: a record's school,
	 * by which the records are sent grouped (submit_order.c). */
	const char *(*school)(const void *rec);
} kind;

/* ---- sources ---- */

static void
source_free(source *s)
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
static const char *
src_raw(const source *s, size_t i, size_t *len)
{
	return csvread_raw(s->t, s->orig ? s->orig[i] : i, len);
}

/* group_by_school puts the records of one school together (stable), so
 * each batch updates the rollups of its own schools only. 0, or 1 when
 * out of memory (explained). */
static int
group_by_school(source     *s, const char *(*school)(const void *rec),
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
#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

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

static int
build_surveys(const source *s, size_t lo, size_t hi, const opts *o,
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

/* build_feedback sends only the criteria scored somewhere in the batch:
 * a file may mix rubrics, and one rubric's columns are empty in another's
 * rows. */
static int
build_feedback(const source *s, size_t lo, size_t hi, const opts *o,
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
static int
prep_annotations(source *s, const source *obs, csvread_errs *e,
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

static const kind kinds[] = {
	{ "surveys", &td_ingest_submit_survey_responses_method,
	  "school,respondent,administered_on[,grade],ITEM...", prep_surveys,
	  build_surveys, survey_school },
	{ "feedback", &td_ingest_submit_peer_feedback_method,
	  "observation,school,observer,observed,rubric,observed_on,\n"
	  "                   CRITERION...[,notes]",
	  prep_feedback, build_feedback, NULL },
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

static const kind annotations_kind = {
	"annotations",
	&td_ingest_submit_peer_feedback_method,
	"observation,t_seconds[,criterion],note[,observer][,rubric]",
	NULL,
	build_annotations,
	NULL,
};

/* ---- batches ---- */

/* batch_end: where the batch starting at lo ends. It holds at most
 * batch_size records and MAX_BATCH_BYTES of CSV, and one rubric. */
static size_t
batch_end(const source *s, size_t lo, const opts *o)
{
	size_t hi = lo, bytes = 0;
	while (hi < s->n && hi - lo < (size_t) o->batch_size) {
		size_t len;
		(void) src_raw(s, hi, &len);
		if (hi > lo
		    && (bytes + len > MAX_BATCH_BYTES
		        || (s->codes[lo] && s->codes[hi]
		            && strcmp(s->codes[lo], s->codes[hi]) != 0))) {
			break;
		}
		bytes += len;
		hi++;
	}
	return hi;
}

/* batch_id: hex SHA-256, cut to 32 digits, of the method, the survey or
 * rubric code, the file's header line and the batch's records exactly as
 * they are in the file, and the flags: the same command on the same file
 * gives the same ids, and the server stores nothing twice. */
static int
batch_id(const kind *k, const source *s, const char *code, size_t lo,
         size_t hi, const opts *o, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int  mdlen = 0;
	EVP_MD_CTX   *ctx   = EVP_MD_CTX_new();
	size_t        len;
	const char   *raw;
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)
	    && EVP_DigestUpdate(ctx, k->method->path,
	                        strlen(k->method->path) + 1)
	    && EVP_DigestUpdate(ctx, code, strlen(code) + 1);
	raw = csvread_header_raw(s->t, &len);
	ok  = ok && EVP_DigestUpdate(ctx, raw, len);
	for (size_t i = lo; ok && i < hi; i++) {
		raw = src_raw(s, i, &len);
		ok  = EVP_DigestUpdate(ctx, raw, len);
	}
	unsigned char flags[2]
	    = { o->dry_run ? '1' : '0', o->correction ? '1' : '0' };
	ok = ok && EVP_DigestUpdate(ctx, flags, 2)
	    && EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen >= 16;
	EVP_MD_CTX_free(ctx);
	for (size_t i = 0; ok && i < 16; i++) {
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	}
	return ok ? 0 : TD_EINTERNAL;
}

typedef struct tally {
	size_t  batches;
	size_t  nbatches;
	size_t  records;
	int64_t stored;
	int64_t corrected;
	size_t  replayed;
} tally;

static size_t
count_batches(const source *s, const opts *o)
{
	size_t n = 0;
	for (size_t lo = 0; lo < s->n; lo = batch_end(s, lo, o)) {
		n++;
	}
	return n;
}

static void
progress(cli *c, const char *kindname, const source *s, size_t done)
{
	if (!c->progress || s->n == 0) {
		return;
	}
	fprintf(stderr, "\rsubmit %s %s: %zu/%zu records (%d%%)", kindname,
	        csvread_name(s->t), done, s->n,
	        (int) (100.0 * (double) done / (double) s->n));
	c->progress_shown = true;
}

/* span names the file lines of batch [lo, hi): "lines a-b", or, when
 * grouping by school took its records from here and there, "n records
 * of lines a-b, grouped by school". */
static const char *
span(const source *s, size_t lo, size_t hi, char *buf, size_t cap)
{
	size_t a = s->lines[lo], b = s->orig ? a : s->lines[hi - 1];
	bool   together = true;
	for (size_t i = lo; s->orig != NULL && i + 1 < hi; i++) {
		together &= s->orig[i + 1] == s->orig[i] + 1;
		a = s->lines[i + 1] < a ? s->lines[i + 1] : a;
		b = s->lines[i + 1] > b ? s->lines[i + 1] : b;
	}
	if (together) {
		snprintf(buf, cap, "lines %zu-%zu", a, b);
	} else {
		snprintf(buf, cap,
		         "%zu records of lines %zu-%zu, grouped by "
		         "school",
		         hi - lo, a, b);
	}
	return buf;
}

/* stopped says where a failed upload stopped and what to do. */
static void
stopped(const char *what, const source *s, const tally *tl, size_t lo,
        size_t hi, const opts *o)
{
	char where[96];
	fprintf(stderr, "tandem: %s: %s: batch %zu of %zu (%s) failed", what,
	        csvread_name(s->t), tl->batches + 1, tl->nbatches,
	        span(s, lo, hi, where, sizeof(where)));
	if (tl->batches == 0) {
		fprintf(stderr, "; nothing from this file was %s\n",
		        o->dry_run ? "checked" : "stored");
		return;
	}
	fprintf(stderr,
	        "; the %zu batch%s (%zu records) before it %s %s.\nRunning "
	        "the same command again replays %s and stores nothing "
	        "twice.\n",
	        tl->batches, tl->batches == 1 ? "" : "es", tl->records,
	        tl->batches == 1 ? "was" : "were",
	        o->dry_run ? "checked (dry run)" : "stored",
	        tl->batches == 1 ? "it" : "them");
}

/* Batches in flight at once: while tandemd stores batch k the CLI encodes
 * and sends batch k+1, and a second worker may start on it. Two keep both
 * sides busy; more would only queue. */
#define PIPELINE_DEPTH 2

/* A batch sent and not yet answered. */
typedef struct flight {
	size_t      lo, hi;
	td_pending *p; /* NULL: sending failed, st says why */
	td_status   st;
} flight;

/* send_batch builds batch [lo, hi) and sends it without waiting, or (with
 * wait) sends it with cli_call's retries. 0, or 1 when out of memory. */
static int
send_batch(cli *c, const char *what, const kind *k, const source *s,
           const opts *o, flight *f, bool wait, ProtobufCMessage **resp)
{
	char        id[33];
	anyreq      req;
	scratch     sc   = { 0 };
	const char *code = k->build == build_surveys ? o->survey
	    : s->codes[f->lo]                        ? s->codes[f->lo]
	                                             : "";
	int         rv   = batch_id(k, s, code, f->lo, f->hi, o, id) != 0
	    || k->build(s, f->lo, f->hi, o, id, &req, &sc) != 0;
	if (rv == 0 && wait) {
		(void) cli_call(c, what, k->method,
		                (const ProtobufCMessage *) &req, resp, &f->st,
		                (int) o->retries);
	} else if (rv == 0) {
		/* The request is encoded here: its arrays may go now. */
		if (td_call_begin(cli_client(c), k->method->path,
		                  (const ProtobufCMessage *) &req,
		                  k->method->reply, &f->p, &f->st)
		    != TD_CODE_OK) {
			f->p = NULL; /* f->st says why */
		}
	}
	free(sc.criteria);
	free(sc.scores);
	free(sc.missing);
	return rv;
}

/* land waits for the oldest batch's answer, retrying as cli_call does
 * when the first try met an unavailable server. */
static int
land(cli *c, const char *what, const kind *k, const source *s, const opts *o,
     flight *f, ProtobufCMessage **resp)
{
	int code = f->p != NULL ? td_call_end(f->p, resp, &f->st) : f->st.code;
	f->p     = NULL;
	if ((code == TD_CODE_UNAVAILABLE || code == TD_CODE_DEADLINE_EXCEEDED)
	    && o->retries > 0) {
		td_status_reset(&f->st);
		if (send_batch(c, what, k, s, o, f, true, resp) != 0) {
			return TD_CODE_RESOURCE_EXHAUSTED;
		}
		code = f->st.code;
	}
	return code;
}

static void
count_stored(tally *tl, const flight *f, const ProtobufCMessage *resp)
{
	const Tandem__V1__SubmitResponse *r
	    = (const Tandem__V1__SubmitResponse *) resp;
	tl->batches++;
	tl->records += f->hi - f->lo;
	tl->stored += r->stored;
	tl->corrected += r->corrected;
	tl->replayed += r->replayed ? 1 : 0;
}

/* send_source sends s in batches, PIPELINE_DEPTH at a time; stops sending
 * at the first failed batch, and still collects the answers of batches
 * already sent after it. Returns 0 or 1 (the failure has been explained).
 */
static int
send_source(cli *c, const char *what, const char *kindname, const kind *k,
            const source *s, const opts *o, tally *tl)
{
	flight q[PIPELINE_DEPTH];
	size_t head = 0, in_flight = 0, lo = 0;
	tl->nbatches = count_batches(s, o);
	progress(c, kindname, s, 0);
	while (lo < s->n || in_flight > 0) {
		while (in_flight < PIPELINE_DEPTH && lo < s->n) {
			flight *f = &q[(head + in_flight) % PIPELINE_DEPTH];
			*f = (flight) { lo, batch_end(s, lo, o), NULL, { 0 } };
			if (send_batch(c, what, k, s, o, f, false, NULL)
			    != 0) {
				f->st.code = TD_CODE_RESOURCE_EXHAUSTED;
				snprintf(f->st.message, sizeof(f->st.message),
				         "out of memory");
			}
			lo = f->hi;
			in_flight++;
		}
		flight           *f    = &q[head];
		ProtobufCMessage *resp = NULL;
		int               code = land(c, what, k, s, o, f, &resp);
		head                   = (head + 1) % PIPELINE_DEPTH;
		in_flight--;
		if (code != TD_CODE_OK) {
			cli_origin org = { csvread_name(s->t),
				           s->lines + f->lo, f->hi - f->lo };
			cli_progress_end(c);
			cli_fail_origin(what, &f->st, &org);
			stopped(what, s, tl, f->lo, f->hi, o);
			td_status_reset(&f->st);
			/* Batches sent after it: say what became of each. */
			for (; in_flight > 0; in_flight--) {
				flight *g = &q[head];
				head      = (head + 1) % PIPELINE_DEPTH;
				resp      = NULL;
				if (land(c, what, k, s, o, g, &resp)
				    == TD_CODE_OK) {
					char where[96];
					fprintf(
					    stderr,
					    "tandem: %s: %s, sent "
					    "before that failure was known, "
					    "were %s as well (a rerun "
					    "replays them)\n",
					    what,
					    span(s, g->lo, g->hi, where,
					         sizeof(where)),
					    o->dry_run ? "checked" : "stored");
					protobuf_c_message_free_unpacked(resp,
					                                 NULL);
				}
				td_status_reset(&g->st);
			}
			return 1;
		}
		count_stored(tl, f, resp);
		protobuf_c_message_free_unpacked(resp, NULL);
		td_status_reset(&f->st);
		progress(c, kindname, s, f->hi);
	}
	cli_progress_end(c);
	return 0;
}

static void
summary_row(out_table *t, const source *s, const char *kindname,
            const tally *tl, const opts *o)
{
	out_str(t, csvread_name(s->t));
	out_str(t, kindname);
	out_int(t, (int64_t) tl->batches);
	out_int(t, (int64_t) tl->records);
	out_int(t, tl->stored);
	out_int(t, (int64_t) tl->replayed);
	out_bool(t, o->dry_run);
	out_int(t, tl->corrected);
}

/* ---- the command ---- */

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: tandem submit KIND [options] FILE\n"
	        "\n"
	        "Sends the records of a CSV file (RFC 4180; a header row "
	        "names the\ncolumns, in any order; \"-\" reads standard "
	        "input). Every record is\nchecked here first: if any is "
	        "wrong, nothing is sent. Records go in\nbatches, each "
	        "stored whole or not at all; a batch's id comes from "
	        "the\nfile's bytes, so running the same command again "
	        "(after a failure or\nan outage) stores nothing twice.\n"
	        "\nKinds and their columns ([optional], CODE... = one "
	        "column per code):\n");
	for (size_t i = 0; i < NCOLS(kinds); i++) {
		fprintf(f, "  %-16s %s\n", kinds[i].name, kinds[i].columns);
	}
	fprintf(f,
	        "\nsurveys needs --survey CODE; an empty item cell is a "
	        "non-response.\nsurveys and outcomes go grouped by school "
	        "(in school code order, each\nschool's records in file "
	        "order), so a batch updates few schools' rollups.\n"
	        "feedback takes --annotations FILE, sent "
	        "after the observations, with\n  %s;\n"
	        "its batches never mix rubrics.\n"
	        "\nOptions:\n"
	        "  --survey CODE      the survey the responses answer "
	        "(surveys)\n"
	        "  --annotations FILE time-linked notes on the "
	        "observations (feedback)\n"
	        "  --dry-run          let the server check everything, "
	        "store nothing\n"
	        "  --correction       replace records that exist "
	        "already (same key)\n"
	        "  --batch-size N     records per request (default %d)\n"
	        "  --retries N        tries again on UNAVAILABLE or "
	        "DEADLINE_EXCEEDED\n"
	        "                     (default %d), backing off 100 ms .. "
	        "5 s\n",
	        annotations_kind.columns, DEFAULT_BATCH, CLI_DEFAULT_RETRIES);
}

static int
parse_opts(const char *cmd, int argc, char **argv, opts *o, const char **file)
{
	static const struct option lopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "correction", no_argument, NULL, 'c' },
		{ "batch-size", required_argument, NULL, 'b' },
		{ "retries", required_argument, NULL, 'r' },
		{ "survey", required_argument, NULL, 's' },
		{ "annotations", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", lopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			o->dry_run = true;
			break;
		case 'c':
			o->correction = true;
			break;
		case 'b':
			if (cli_parse_count(cmd, "--batch-size", optarg, 1,
			                    TD_MAX_RECORDS, &o->batch_size)) {
				return 2;
			}
			break;
		case 'r':
			if (cli_parse_count(cmd, "--retries", optarg, 0,
			                    CLI_MAX_RETRIES, &o->retries)) {
				return 2;
			}
			break;
		case 's':
			o->survey = optarg;
			break;
		case 'a':
			o->annotations = optarg;
			break;
		default:
			return cli_option_error(cmd, opt, argv);
		}
	}
	if (optind + 1 != argc) {
		return cli_usage_error(cmd,
		                       optind == argc ? "a FILE is required"
		                                      : "takes one FILE");
	}
	*file = argv[optind];
	return 0;
}

/* prepare reads path into s and checks every record; 0 or 1. */
static int
prepare(const char *what, const kind *k, const char *path, source *s,
        const source *obs, const opts *o)
{
	csvread_errs e = { 0 };
	int          rv;
	if (cli_read_csv(what, path, &s->t)) {
		return 1;
	}
	rv = k->prepare ? k->prepare(s, o, &e, what)
	                : prep_annotations(s, obs, &e, what);
	if (rv != 0) {
		return 1;
	}
	if (csvread_errs_done(&e) > 0) {
		fprintf(stderr,
		        "tandem: %s: %s: %zu problem%s; nothing was sent\n",
		        what, csvread_name(s->t), e.n, e.n == 1 ? "" : "s");
		return 1;
	}
	if (s->n == 0) {
		fprintf(stderr,
		        "tandem: %s: %s: no records after the header\n", what,
		        csvread_name(s->t));
	}
	return k->school != NULL ? group_by_school(s, k->school, what) : 0;
}

int
cmd_submit(cli *c, int argc, char **argv)
{
	const kind *k    = NULL;
	opts        o    = { 0 };
	const char *file = NULL;
	char        what[64];
	source      main_src = { 0 }, ann = { 0 };
	int         rv;

	if (argc < 2 || argv[1][0] == '-') {
		if (cli_wants_help(argc, argv)) {
			usage(stdout);
			return 0;
		}
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < NCOLS(kinds); i++) {
		if (strcmp(argv[1], kinds[i].name) == 0) {
			k = &kinds[i];
		}
	}
	if (k == NULL) {
		return cli_usage_error("submit", "unknown kind '%s'", argv[1]);
	}
	snprintf(what, sizeof(what), "submit %s", k->name);
	if (cli_wants_help(argc, argv)) {
		usage(stdout);
		return 0;
	}
	o.batch_size = DEFAULT_BATCH;
	o.retries    = CLI_DEFAULT_RETRIES;
	if ((rv = parse_opts(what, argc - 1, argv + 1, &o, &file)) != 0) {
		return rv;
	}
	if (k->build == build_surveys && o.survey == NULL) {
		return cli_usage_error(what, "--survey CODE is required");
	}
	if (k->build != build_surveys && o.survey != NULL) {
		return cli_usage_error(what, "--survey is for surveys only");
	}
	if (k->build != build_feedback && o.annotations != NULL) {
		return cli_usage_error(what,
		                       "--annotations is for feedback only");
	}

	rv = prepare(what, k, file, &main_src, NULL, &o);
	if (rv == 0 && o.annotations != NULL) {
		rv = prepare(what, &annotations_kind, o.annotations, &ann,
		             &main_src, &o);
	}
	if (rv != 0) {
		source_free(&main_src);
		source_free(&ann);
		return rv;
	}

	static const char *cols[]
	    = { "file",   "kind",     "batches", "records",
		"stored", "replayed", "dry_run", "corrected" };
	out_table *t  = out_table_create("submit", NCOLS(cols), cols);
	tally      t1 = { 0 }, t2 = { 0 };
	rv = send_source(c, what, k->name, k, &main_src, &o, &t1);
	summary_row(t, &main_src, k->name, &t1, &o);
	if (o.annotations != NULL) {
		if (rv == 0) {
			rv = send_source(c, what, "annotations",
			                 &annotations_kind, &ann, &o, &t2);
		}
		summary_row(t, &ann, "annotations", &t2, &o);
	}
	out_print_one(stdout, c->format, t);
	out_table_destroy(t);
	source_free(&main_src);
	source_free(&ann);
	return rv;
}
