/* SPDX-License-Identifier: MIT
 * Peer observations of the sample network: the practice rubric,
 * observation scores with rater effects, notes and annotations.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "sample_internal.h"

/* ------------------------------------------------------------------ */
/* Peer observation. */

static const char *const criteria[]
    = { "environment", "questioning", "feedback", "rigor", "discourse" };
static const double      criterion_mu[]   = { 0.25, -0.20, 0.0, -0.35, -0.1 };
static const char *const criterion_text[] = {
	"Classroom environment: routines, respect and use of time",
	"Questioning: questions push students to explain their thinking",
	"Feedback: specific, timely feedback that students act on",
	"Rigor: tasks at or above the grade-level standard",
	"Discourse: students talk to each other about the content",
};
#define N_CRITERIA 5

/* Observers' notes: some with commas, quotes and non-ASCII, to exercise
 * CSV quoting end to end. */
static const char *const obs_notes[] = {
	"Strong routines; transitions under a minute.",
	"Used \"turn and talk\" twice, most pairs on task.",
	"Exit ticket collected, not yet reviewed.",
	"Questions mostly recall, few \"why\" or \"how\" questions.",
	"Clear learning target posted and revisited at the end.",
	"Feedback specific, e.g. \"show me where the text says that\".",
	"Pacing slow in the middle; students waited about 6 minutes.",
	"Small-group work, teacher checked 5 of 6 groups.",
	"Discussion dominated by a few students, cold calls would help.",
	"Co-taught lesson, both teachers active.",
	"Lab setup took 10 minutes, but the inquiry was rich.",
	"Students used the “think–pair–share” protocol without prompting.",
};
static const char *const ann_notes[] = {
	"Learning target stated",
	"Student asks a \"why\" question",
	"Transition, about 45 s",
	"Teacher re-teaches after a quick check",
	"Pairs explain their reasoning to each other",
	"Off-task group at the back, redirected",
	"Feedback on a draft, names the next step",
	"Task raised to grade-level text",
	"Wait time after question, 5 s",
	"Students critique a sample answer, politely",
};
#define N_OBS_NOTES (int) (sizeof obs_notes / sizeof obs_notes[0])
#define N_ANN_NOTES (int) (sizeof ann_notes / sizeof ann_notes[0])

typedef struct obs {
	long day;
	int  observed, o1, o2; /* educator indices; o2 < 0 if single */
} obs;

static int
cmp_obs(const void *a, const void *b)
{
	const obs *x = a, *y = b;
	if (x->day != y->day) {
		return x->day < y->day ? -1 : 1;
	}
	return (x->observed > y->observed) - (x->observed < y->observed);
}

static void
obs_row(gen *g, csvw *w, rng *r, const char *code, const obs *o, int rater,
        const double *x)
{
	const educator *er = &g->e[rater];
	sample_cw_str(w, code);
	sample_cw_str(w, g->s[er->school].code);
	sample_cw_str(w, er->code);
	sample_cw_str(w, g->e[o->observed].code);
	sample_cw_str(w, "practice");
	sample_cw_date(w, o->day);
	for (int j = 0; j < N_CRITERIA; j++) {
		long v = lround(x[j] + er->bias + 0.32 * sample_rng_norm(r));
		sample_cw_int(w, v < 1 ? 1 : v > 4 ? 4 : v);
	}
	sample_cw_str(w,
	              sample_rng_bern(r, 0.3)
	                  ? NULL
	                  : obs_notes[sample_rng_int(r, 0, N_OBS_NOTES - 1)]);
	sample_cw_end(w);
}

int
sample_write_observations(gen *g)
{
	csvw wo = { 0 }, wn = { 0 };
	int  rv;
	obs *list   = malloc(15 * 3 * sizeof *list);
	int *raters = malloc(15 * sizeof *raters);
	long next   = 1;

	if (list == NULL || raters == NULL) {
		rv = TD_ENOMEM;
		goto out;
	}
	if ((rv = sample_gen_open(g, "rubric_practice.csv", &wo,
	                          "criterion,min,max,text"))
	    != 0) {
		goto out;
	}
	for (int j = 0; j < N_CRITERIA; j++) {
		sample_cw_str(&wo, criteria[j]);
		sample_cw_int(&wo, 1);
		sample_cw_int(&wo, 4);
		sample_cw_str(&wo, criterion_text[j]);
		sample_cw_end(&wo);
	}
	if ((rv = sample_gen_close(g, &wo, "rubric_practice.csv")) != 0) {
		goto out;
	}

	char hdr[256];
	int  len = snprintf(hdr, sizeof hdr,
	                    "observation,school,observer,observed,rubric,"
	                     "observed_on");
	for (int j = 0; j < N_CRITERIA; j++) {
		len += snprintf(hdr + len, sizeof hdr - (size_t) len, ",%s",
		                criteria[j]);
	}
	snprintf(hdr + len, sizeof hdr - (size_t) len, ",notes");
	if ((rv = sample_gen_open(g, "observations.csv", &wo, hdr)) != 0) {
		goto out;
	}
	if ((rv = sample_gen_open(g, "annotations.csv", &wn,
	                          "observation,t_seconds,criterion,note"))
	    != 0) {
		goto out;
	}

	for (int i = 0; i < g->ns; i++) {
		const school *s = &g->s[i];
		rng           r;
		sample_rng_init(&r, g->o.seed, ST_OBSERVE, (uint64_t) i + 1);
		for (int y = 0; y < g->o.years; y++) {
			int  ay    = SAMPLE_FIRST_YEAR + y;
			long first = common_days_from_civil(ay, 9, 15);
			long last  = common_days_from_civil(ay + 1, 5, 29);
			int  n     = 0;
			for (int t = s->edu0; t < s->edu0 + s->nedu; t++) {
				if (!sample_is_teaching(g->e[t].role)) {
					continue;
				}
				int nr = 0;
				for (int k = s->edu0; k < s->edu0 + s->nedu;
				     k++) {
					if (k != t
					    && sample_is_observer(
					        g->e[k].role)) {
						raters[nr++] = k;
					}
				}
				double u = sample_rng_unif(&r);
				int    m = u < 0.2 ? 1 : u < 0.8 ? 2 : 3;
				for (int k = 0; k < m; k++) {
					obs *o = &list[n++];
					o->day = sample_weekday_on_or_after(
					    first
					    + sample_rng_int(
					        &r, 0, (int) (last - first)));
					o->observed = t;
					int a = sample_rng_int(&r, 0, nr - 1);
					o->o1 = raters[a];
					o->o2 = -1;
					if (nr >= 2
					    && sample_rng_bern(&r, 0.2)) {
						int b = sample_rng_int(&r, 0,
						                       nr - 2);
						o->o2 = raters[b >= a ? b + 1
						                      : b];
					}
				}
			}
			qsort(list, (size_t) n, sizeof *list, cmp_obs);
			for (int k = 0; k < n; k++) {
				const obs *o = &list[k];
				char       code[32];
				double     x[N_CRITERIA];
				double tau = g->e[o->observed].skill + 0.1 * y;
				sample_fmt_code(code, sizeof code, "OBS-",
				                g->ow, next++);
				for (int j = 0; j < N_CRITERIA; j++) {
					x[j] = 2.55 + 0.45 * tau
					    + criterion_mu[j]
					    + 0.4 * sample_rng_norm(&r);
				}
				if (s->pd) {
					x[PD_CRITERION] += PD_PRACTICE;
				}
				obs_row(g, &wo, &r, code, o, o->o1, x);
				if (o->o2 >= 0) {
					obs_row(g, &wo, &r, code, o, o->o2, x);
				}
				int na = sample_rng_int(&r, 1, 4);
				int ts = 0;
				for (int a = 0; a < na; a++) {
					ts += sample_rng_int(&r, 30, 600);
					sample_cw_str(&wn, code);
					sample_cw_int(&wn, ts);
					sample_cw_str(
					    &wn,
					    sample_rng_bern(&r, 0.2)
					        ? NULL
					        : criteria[sample_rng_int(
					            &r, 0, N_CRITERIA - 1)]);
					sample_cw_str(
					    &wn,
					    ann_notes[sample_rng_int(
					        &r, 0, N_ANN_NOTES - 1)]);
					sample_cw_end(&wn);
				}
			}
		}
	}

out:
	if (wo.f != NULL && rv == 0) {
		rv = sample_gen_close(g, &wo, "observations.csv");
	} else if (wo.f != NULL) {
		fclose(wo.f);
	}
	if (wn.f != NULL && rv == 0) {
		rv = sample_gen_close(g, &wn, "annotations.csv");
	} else if (wn.f != NULL) {
		fclose(wn.f);
	}
	free(list);
	free(raters);
	return rv;
}
