/* SPDX-License-Identifier: MIT
 * Survey instruments and responses of the sample network: the student
 * climate and teacher surveys, answers drawn graded-response style.
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
/* Surveys. */

typedef struct item {
	const char *code;
	int         construct;
	int         reverse;
	double      mu; /* item easiness, in SDs */
	const char *text;
} item;

static const char *const climate_constructs[]
    = { "belonging", "safety", "engagement" };
static const item climate_items[] = {
	{ "belong_1", 0, 0, 0.30, "I feel like I belong at this school." },
	{ "belong_2", 0, 0, 0.10,
	  "Adults at this school care about me, even when I make "
	  "mistakes." },
	{ "belong_3", 0, 0, 0.45,
	  "I have at least one friend I can count on here." },
	{ "belong_4", 0, 1, -0.10, "I often feel left out at school." },
	{ "safety_1", 1, 0, 0.15,
	  "I feel safe in the hallways, bathrooms and cafeteria." },
	{ "safety_2", 1, 0, -0.20,
	  "Students here treat each other with respect." },
	{ "safety_3", 1, 1, 0.05,
	  "I worry about being bullied, teased or threatened at "
	  "school." },
	{ "safety_4", 1, 0, 0.25,
	  "If someone is hurt or upset, an adult will help." },
	{ "engage_1", 2, 0, -0.10,
	  "I am interested in what I learn in class." },
	{ "engage_2", 2, 0, 0.35,
	  "My teachers expect me to do my best work." },
	{ "engage_3", 2, 0, 0.00, "I keep trying when the work is hard." },
	{ "engage_4", 2, 1, -0.25, "Most of my classes are \"boring\"." },
};
static const item teacher_items[] = {
	{ "collab_1", 0, 0, 0.20,
	  "Teachers here share lesson plans and materials." },
	{ "collab_2", 0, 0, -0.10,
	  "We look at student work together to plan next steps." },
	{ "collab_3", 0, 0, 0.15,
	  "I can ask a colleague for help without being judged." },
	{ "collab_4", 0, 0, -0.20,
	  "Our PLC meetings lead to changes in my teaching." },
	{ "collab_5", 0, 0, -0.30,
	  "Colleagues observe my teaching and give me useful feedback." },
	{ "collab_6", 0, 1, 0.00,
	  "I plan lessons mostly on my own, with little input from others." },
	{ "collab_7", 0, 0, 0.10, "Teachers here trust each other." },
	{ "collab_8", 0, 0, 0.05,
	  "The school sets aside time for teachers to work together." },
};
#define N_CLIMATE (int) (sizeof climate_items / sizeof climate_items[0])
#define N_TEACHER (int) (sizeof teacher_items / sizeof teacher_items[0])

static int
write_instrument(gen *g, const char *file, const item *it, int n,
                 const char *const *constructs, int min, int max, int fav)
{
	csvw w;
	int  rv;
	if ((rv = sample_gen_open(g, file, &w,
	                          "item,construct,min,max,reverse_coded,"
	                          "favourable_at_least,text"))
	    != 0) {
		return rv;
	}
	for (int i = 0; i < n; i++) {
		sample_cw_str(&w, it[i].code);
		sample_cw_str(&w, constructs[it[i].construct]);
		sample_cw_int(&w, min);
		sample_cw_int(&w, max);
		sample_cw_str(&w, it[i].reverse ? "true" : "false");
		sample_cw_int(&w, fav);
		sample_cw_str(&w, it[i].text);
		sample_cw_end(&w);
	}
	return sample_gen_close(g, &w, file);
}

/* One respondent's answers: graded-response style. A continuous
 * y = loading * theta + e is standardised, shifted by the item's easiness
 * and cut into categories; reverse-coded items are written as answered
 * (agreeing with a negative statement is unfavourable). */
static void
write_answers(csvw *w, rng *r, const item *it, int n, const double *theta,
              double loading, const double *cuts, int min, int max)
{
	double sd = sqrt(loading * loading + 1.0);
	for (int i = 0; i < n; i++) {
		if (sample_rng_bern(r, MISSING_RATE)) {
			sample_cw_str(w, NULL);
			continue;
		}
		double z
		    = (loading * theta[it[i].construct] + sample_rng_norm(r))
		        / sd
		    + it[i].mu;
		int k = min;
		for (int c = 0; c < max - min; c++) {
			k += z > cuts[c];
		}
		sample_cw_int(w, it[i].reverse ? min + max - k : k);
	}
	sample_cw_end(w);
}

/* Partial Fisher-Yates: the first k entries of v become a random k-subset,
 * then sorted so files read in id order. */
static void
pick_sorted(rng *r, int *v, int n, int k)
{
	for (int i = 0; i < k; i++) {
		int j = sample_rng_int(r, i, n - 1);
		int t = v[i];
		v[i]  = v[j];
		v[j]  = t;
	}
	qsort(v, (size_t) k, sizeof *v, sample_cmp_int);
}

/* One student's row. Latent traits are drawn from a stream keyed by the
 * student, so the same student answers alike across administrations: a
 * general factor shared by the constructs plus a specific one each. */
static void
write_student(gen *g, csvw *w, rng *r, int si, int seq, int y, long day,
              int width)
{
	static const double cuts[] = { -1.6, -0.8, -0.05, 1.05 };
	const school       *s      = &g->s[si];
	int                 lo, span;
	rng                 st;
	char                id[48];
	double              theta[3];

	sample_survey_grades(s, &lo, &span);
	sample_rng_init(&st, g->o.seed, ST_STUDENT,
	                ((uint64_t) si << 32) | (uint64_t) seq);
	double general = sample_rng_norm(&st);
	for (int c = 0; c < 3; c++) {
		theta[c] = 0.6 * general + 0.8 * sample_rng_norm(&st)
		    + s->u_clim + 0.35 * sample_rng_norm(r);
	}
	int cohort = (seq - 1) / s->cohort;
	sample_student_id(id, sizeof id, s, seq, width);
	sample_cw_str(w, s->code);
	sample_cw_str(w, id);
	sample_cw_date(w, day);
	sample_cw_int(w, lo + y - cohort + span - 1);
	write_answers(w, r, climate_items, N_CLIMATE, theta, 1.2, cuts, 1, 5);
}

static void
write_teacher(gen *g, csvw *w, rng *r, int si, int t, long day)
{
	static const double cuts[] = { -1.3, -0.4, 0.9 };
	const school       *s      = &g->s[si];
	rng                 st;
	char                id[48];

	sample_rng_init(&st, g->o.seed, ST_TEACHER,
	                ((uint64_t) si << 32) | (uint64_t) t);
	double theta
	    = sample_rng_norm(&st) + s->u_collab + 0.3 * sample_rng_norm(r);
	snprintf(id, sizeof id, "T-%s-%03d", s->code, t);
	sample_cw_str(w, s->code);
	sample_cw_str(w, id);
	sample_cw_date(w, day);
	sample_cw_str(w, NULL);
	write_answers(w, r, teacher_items, N_TEACHER, &theta, 1.0, cuts, 1, 4);
}

int
sample_write_surveys(gen *g)
{
	int  rv;
	csvw wc = { 0 }, wt = { 0 }, wa = { 0 };
	int *pool = NULL, *picked = NULL, *inv = NULL;
	int  ny = g->o.years, sw = sample_student_width(g);

	rv = write_instrument(g, "survey_climate.csv", climate_items,
	                      N_CLIMATE, climate_constructs, 1, 5, 4);
	if (rv == 0) {
		static const char *const tc[] = { "collaboration" };
		rv = write_instrument(g, "survey_teacher.csv", teacher_items,
		                      N_TEACHER, tc, 1, 4, 3);
	}
	if (rv != 0) {
		return rv;
	}

	int maxpool = 0;
	for (int i = 0; i < g->ns; i++) {
		int lo, span;
		sample_survey_grades(&g->s[i], &lo, &span);
		if (g->s[i].cohort * span > maxpool) {
			maxpool = g->s[i].cohort * span;
		}
		if (g->s[i].teachers > maxpool) {
			maxpool = g->s[i].teachers;
		}
	}
	pool   = malloc((size_t) maxpool * sizeof *pool);
	picked = malloc((size_t) maxpool * sizeof *picked);
	inv    = malloc((size_t) maxpool * sizeof *inv);
	if (pool == NULL || picked == NULL || inv == NULL) {
		rv = TD_ENOMEM;
		goto out;
	}

	char hdr[512];
	int  len = snprintf(hdr, sizeof hdr,
	                    "school,respondent,administered_on,grade");
	for (int i = 0; i < N_CLIMATE; i++) {
		len += snprintf(hdr + len, sizeof hdr - (size_t) len, ",%s",
		                climate_items[i].code);
	}
	if ((rv = sample_gen_open(g, "responses_climate.csv", &wc, hdr))
	    != 0) {
		goto out;
	}
	len = snprintf(hdr, sizeof hdr,
	               "school,respondent,administered_on,grade");
	for (int i = 0; i < N_TEACHER; i++) {
		len += snprintf(hdr + len, sizeof hdr - (size_t) len, ",%s",
		                teacher_items[i].code);
	}
	if ((rv = sample_gen_open(g, "responses_teacher.csv", &wt, hdr))
	    != 0) {
		goto out;
	}
	if ((rv = sample_gen_open(g, "administrations.csv", &wa,
	                          "survey,school,administered_on,invited"))
	    != 0) {
		goto out;
	}

	for (int i = 0; i < g->ns; i++) {
		const school *s = &g->s[i];
		rng           r;
		int           lo, span;
		sample_survey_grades(s, &lo, &span);
		sample_rng_init(&r, g->o.seed, ST_SURVEY, (uint64_t) i + 1);
		for (int y = 0; y < ny; y++) {
			int ay = SAMPLE_FIRST_YEAR + y;
			/* Students present this year: cohorts that entered in
			 * years y-span+1 .. y (cohort c entered in c-span+1).
			 */
			int np = 0;
			for (int c = y; c < y + span; c++) {
				for (int k = 0; k < s->cohort; k++) {
					pool[np++] = c * s->cohort + k + 1;
				}
			}
			/* The same classes are asked twice a year, so most
			 * respondents appear in both administrations. */
			int invited = sample_rng_int(&r, 40, 100);
			invited     = invited > np ? np : invited;
			pick_sorted(&r, pool, np, invited);
			memcpy(inv, pool, (size_t) invited * sizeof *pool);
			for (int a = 0; a < 2; a++) {
				long day = a == 0
				    ? common_days_from_civil(ay, 10, 6)
				    : common_days_from_civil(ay + 1, 3, 3);
				day      = sample_weekday_on_or_after(
				         day + sample_rng_int(&r, 0, 18));
				int nr = (int) lround(
				    invited * sample_rng_range(&r, 0.6, 0.95));
				nr = nr < 20 ? 20 : nr > 80 ? 80 : nr;
				nr = nr >= invited ? invited - 1 : nr;
				memcpy(picked, inv,
				       (size_t) invited * sizeof *inv);
				pick_sorted(&r, picked, invited, nr);
				sample_cw_str(&wa, "climate");
				sample_cw_str(&wa, s->code);
				sample_cw_date(&wa, day);
				sample_cw_int(&wa, invited);
				sample_cw_end(&wa);
				for (int k = 0; k < nr; k++) {
					write_student(g, &wc, &r, i, picked[k],
					              y, day, sw);
				}

				/* Teacher survey, the same week. */
				long tday
				    = sample_weekday_on_or_after(day + 1);
				int nt = s->teachers;
				for (int k = 0; k < nt; k++) {
					picked[k] = k + 1;
				}
				int ntr = (int) lround(
				    nt * sample_rng_range(&r, 0.6, 0.95));
				ntr = ntr < 1 ? 1 : ntr >= nt ? nt - 1 : ntr;
				pick_sorted(&r, picked, nt, ntr);
				sample_cw_str(&wa, "teacher");
				sample_cw_str(&wa, s->code);
				sample_cw_date(&wa, tday);
				sample_cw_int(&wa, nt);
				sample_cw_end(&wa);
				for (int k = 0; k < ntr; k++) {
					write_teacher(g, &wt, &r, i, picked[k],
					              tday);
				}
			}
		}
	}

out:
	if (wc.f != NULL && rv == 0) {
		rv = sample_gen_close(g, &wc, "responses_climate.csv");
	} else if (wc.f != NULL) {
		fclose(wc.f);
	}
	if (wt.f != NULL && rv == 0) {
		rv = sample_gen_close(g, &wt, "responses_teacher.csv");
	} else if (wt.f != NULL) {
		fclose(wt.f);
	}
	if (wa.f != NULL && rv == 0) {
		rv = sample_gen_close(g, &wa, "administrations.csv");
	} else if (wa.f != NULL) {
		fclose(wa.f);
	}
	free(pool);
	free(picked);
	free(inv);
	return rv;
}
