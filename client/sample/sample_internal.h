/* SPDX-License-Identifier: MIT
 * Inside the sample-network generator: the types its files share (the
 * random stream, the CSV writer, the network model) and the functions one
 * file offers another. Not installed; the public face is sample.h.
 */
#ifndef TANDEM_SAMPLE_INTERNAL_H
#define TANDEM_SAMPLE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sample.h"

/* ------------------------------------------------------------------ */
/* Random numbers (sample_rng.c). */

typedef struct rng {
	uint64_t s[4];
	int      has_spare;
	double   spare;
} rng;

enum stream {
	ST_REGISTRY = 1,
	ST_PLAN,
	ST_OUTCOMES,
	ST_STUDENT,
	ST_TEACHER,
	ST_SURVEY,
	ST_OBSERVE,
	ST_PARTICIPATE,
	ST_COSTS,
	ST_ONEROSTER,
	ST_SIZES, /* the very small and very large schools */
};

/* ------------------------------------------------------------------ */
/* Dates and CSV output (sample_csv.c). */

typedef struct csvw {
	FILE *f;
	int   col;
} csvw;

/* ------------------------------------------------------------------ */
/* The network model. */

enum locale { LOC_CITY, LOC_SUBURB, LOC_TOWN, LOC_RURAL, LOC_N };
enum level { LVL_ELEM, LVL_MIDDLE, LVL_HIGH };
enum role {
	ROLE_TEACHER,
	ROLE_TEACHER_LEADER,
	ROLE_COACH,
	ROLE_PRINCIPAL,
	ROLE_AP,
};
enum activity {
	ACT_COACHING,
	ACT_PLC,
	ACT_NIC,
	ACT_ACADEMY,
	ACT_VIDEO,
	ACT_WORKSHOP,
	ACT_N
};

#define ELA_SD_SCHOOL  8.0 /* SD of school effects on ela_scale */
#define ATT_SD_SCHOOL  1.0 /* SD of school effects on attendance */
#define ELA_SD_YEAR    1.5 /* school-by-year noise */
#define ELA_SD_STUDENT 38.0 /* student-level SD, gives sampling noise */
#define PD_SDS         3.0 /* positive deviants: school effect in SDs */
#define COACH_EFFECT   0.4 /* planted coaching effect, SDs */
#define ATT_SHIFT      1.5 /* network attendance level shift, points */
/* Positive Deviance Inquiry: the deviants' observations score this much
 * higher (latent, rubric points) on one criterion, the practice their
 * coaches should find. */
#define PD_PRACTICE       0.9
#define PD_CRITERION      1 /* its index in the rubric */
#define PD_CRITERION_CODE "questioning"
#define N_ISOLATED        2 /* schools with no cross-school tie */
#define MISSING_RATE      0.03 /* survey item non-response */
/* Staggered roll-out: every STAGGER_EVERY-th coached school starts its
 * coaching a year late (with three years or more). */
#define STAGGER_EVERY 4
/* The attendance target (percent): below the network's process, so the
 * network consistently passes it. */
#define ATT_TARGET 90.0
/* Schools of very different sizes (for the funnel plot): per 12 schools
 * one very small and one very large (at most 3 of each); one of the large
 * ones has FUNNEL_RISE points more chronic absence than its attendance
 * predicts (in chronic_absence only, so the attendance plants stay). */
#define SIZE_SMALL_LO 40
#define SIZE_SMALL_HI 90
#define SIZE_LARGE_LO 3000
#define SIZE_LARGE_HI 4500
#define FUNNEL_RISE   20.0

typedef struct name_pair {
	const char *name; /* as written, UTF-8 */
	const char *ascii; /* for usernames and emails */
} name_pair;

typedef struct district {
	char        code[16];
	const char *place;
	int         locale;
	double      frl_base;
} district;

typedef struct school {
	char   code[16];
	char   name[96];
	int    district;
	double frl; /* as written (3 decimals), so the model uses the file */
	int    enroll;
	int    locale;
	int    level;
	double ell;
	double u_ela, u_att, u_clim, u_collab;
	int    pd;
	int    edu0, nedu;
	int    teachers; /* headcount: retention and teacher-survey base */
	int    cohort; /* students per surveyed grade */
	int    coaching, workshop, video;
	double coach_intensity; /* hours per coached educator per year */
	int    iso; /* professionally isolated: no shared activity */
	int    coach_start; /* first coached year index (staggered roll-out) */
	double ca_shift; /* chronic absence over the model, points (sizes) */
} school;

typedef struct educator {
	char   code[16];
	int    school;
	int    role;
	int    given, family;
	double skill, bias;
} educator;

typedef struct agg {
	int    schools, educators;
	double hours;
} agg;

typedef struct gen {
	sample_opts o;
	const char *outdir;
	char       *errmsg;
	int         nd, ns, ne;
	district    d[6];
	school     *s;
	educator   *e;
	int         ew; /* digits in educator codes */
	int         ow; /* digits in observation codes */
	double     *coach_hours; /* ne * years */
	double     *effect; /* ns * years, ela_scale points */
	double      sd_pre, mean_h, coach_mean_effect;
	int         n_coach, n_workshop;
	int         pd[3], npd;
	int         iso[N_ISOLATED], niso;
	double      att_base; /* network attendance, first year */
	int         out_school, out_year, out_month;
	int         small[3], nsmall, large[3], nlarge; /* school indexes */
	int         funnel_school; /* the large school below the funnel */
	double      out_true, out_written;
	double      index[SAMPLE_MAX_YEARS];
	agg         act[ACT_N][SAMPLE_MAX_YEARS];
} gen;

/* Tables of the model (sample_model.c). */
extern const char *const locale_names[LOC_N];
extern const char *const role_names[];
extern const char *const act_kinds[ACT_N];
extern const char *const act_names[ACT_N];
extern const double      att_season[10];
extern const name_pair   given_names[];
extern const name_pair   family_names[];
extern const int         sample_n_given, sample_n_family;

/* sample_rng.c */
void   sample_rng_init(rng *r, uint64_t seed, uint64_t stream, uint64_t sub);
double sample_rng_unif(rng *r);
double sample_rng_range(rng *r, double lo, double hi);
int    sample_rng_int(rng *r, int lo, int hi);
int    sample_rng_bern(rng *r, double p);
double sample_rng_norm(rng *r);
double sample_rng_trunc_norm(rng *r, double lim);

/* sample_csv.c */
int  sample_days_in_month(int y, int m);
long sample_weekday_on_or_after(long day);
void sample_school_month(int ay, int mi, int *y, int *m);
void sample_fmt_fix(char *buf, double v, int dec);
void sample_fmt_code(char *buf, size_t len, const char *prefix, int width,
                     long v);
void sample_cw_sep(csvw *w);
void sample_cw_str(csvw *w, const char *s);
void sample_cw_int(csvw *w, long long v);
void sample_cw_fix(csvw *w, double v, int dec);
void sample_cw_date(csvw *w, long day);
void sample_cw_end(csvw *w);

/* sample_model.c */
int    sample_digits(long v);
int    sample_cmp_int(const void *a, const void *b);
int    sample_is_teaching(int role);
int    sample_is_observer(int role);
double sample_ela_context(const school *s);
double sample_att_context(const school *s);
void   sample_survey_grades(const school *s, int *lo, int *span);
void   sample_student_id(char *buf, size_t len, const school *s, int seq,
                         int width);
int    sample_student_width(const gen *g);
int    sample_build_registry(gen *g);
int    sample_build_plan(gen *g);
int    sample_build_sizes(gen *g);

/* sample_csv.c: output files; sample_seterr writes errmsg (TD_ERRMSG_MAX,
 * may be NULL). */
void sample_seterr(char *errmsg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int sample_gen_open(gen *g, const char *name, csvw *w, const char *header);
int sample_gen_close(gen *g, csvw *w, const char *name);

/* sample_registry.c */
int sample_write_registry(gen *g);
int sample_write_measures(gen *g);
int sample_write_oneroster(gen *g);
int sample_write_outcomes(gen *g);

/* sample_surveys.c */
int sample_write_surveys(gen *g);

/* sample_observations.c */
int sample_write_observations(gen *g);

/* sample_activities.c */
int sample_write_activities(gen *g);
int sample_write_costs(gen *g);

/* sample_pdsa.c: PDSA cycles; the network cycle followed by a signal is
 * sample_pdsa_signal(), its predicted value sample_pdsa_predicted(g). */
int         sample_write_pdsa(gen *g);
const char *sample_pdsa_signal(void);
double      sample_pdsa_predicted(const gen *g);

#endif /* TANDEM_SAMPLE_INTERNAL_H */
