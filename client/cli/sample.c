/* SPDX-License-Identifier: MIT
 * Sample-network generator: a small statistical model of a network of
 * schools (context -> outcomes, latent traits -> survey and rubric scores)
 * written out as the CSV files the `tandem` CLI ingests, with planted
 * effects listed in PLANTED.md / planted.csv so demos and tests can check
 * that the analyses find them. Plain C11 + libc + libm, own PRNG, so the
 * same seed gives the same bytes.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "sample.h"

/* ------------------------------------------------------------------ */
/* Random numbers: xoshiro256** seeded through splitmix64. Every purpose
 * (registry, one school's outcomes, one student's latent traits...) gets
 * its own stream keyed by (seed, stream, sub), so what one file draws
 * never shifts what another file gets. */

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
};

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_init(rng *r, uint64_t seed, uint64_t stream, uint64_t sub)
{
	uint64_t x = mix64(seed + 0x9e3779b97f4a7c15ULL);
	x          = mix64(x ^ (stream * 0xd1b54a32d192ed03ULL));
	x          = mix64(x ^ (sub + 0x8cb92ba72f3d8dd7ULL));
	for (int i = 0; i < 4; i++) {
		x += 0x9e3779b97f4a7c15ULL;
		r->s[i] = mix64(x);
	}
	r->has_spare = 0;
	r->spare     = 0.0;
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
rng_next(rng *r)
{
	uint64_t *s      = r->s;
	uint64_t  result = rotl(s[1] * 5, 7) * 9;
	uint64_t  t      = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform on [0, 1). */
static double
rng_unif(rng *r)
{
	return (double) (rng_next(r) >> 11) * 0x1.0p-53;
}

static double
rng_range(rng *r, double lo, double hi)
{
	return lo + (hi - lo) * rng_unif(r);
}

/* Uniform integer in lo..hi inclusive (hi - lo < 2^32). */
static int
rng_int(rng *r, int lo, int hi)
{
	uint64_t span = (uint64_t) (hi - lo) + 1;
	return lo + (int) (((rng_next(r) >> 32) * span) >> 32);
}

static int
rng_bern(rng *r, double p)
{
	return rng_unif(r) < p;
}

#define TWO_PI 6.283185307179586476925286766559

/* Standard normal by Box-Muller, keeping the second value. */
static double
rng_norm(rng *r)
{
	if (r->has_spare) {
		r->has_spare = 0;
		return r->spare;
	}
	double u1    = 1.0 - rng_unif(r); /* (0, 1]: log is finite */
	double u2    = rng_unif(r);
	double rad   = sqrt(-2.0 * log(u1));
	r->spare     = rad * sin(TWO_PI * u2);
	r->has_spare = 1;
	return rad * cos(TWO_PI * u2);
}

/* Normal truncated to |z| <= lim, by rejection. */
static double
rng_trunc_norm(rng *r, double lim)
{
	double z;
	do {
		z = rng_norm(r);
	} while (fabs(z) > lim);
	return z;
}

/* ------------------------------------------------------------------ */
/* Dates as days since 1970-01-01 (H. Hinnant's civil algorithms). */

static long
days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long     era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned) (y - era * 400);
	unsigned doy
	    = (unsigned) ((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long) doe - 719468;
}

static void
civil_from_days(long z, int *y, int *m, int *d)
{
	z += 719468;
	long     era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned) (z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long     yy  = (long) yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp  = (5 * doy + 2) / 153;
	*d           = (int) (doy - (153 * mp + 2) / 5 + 1);
	*m           = (int) (mp < 10 ? mp + 3 : mp - 9);
	*y           = (int) (yy + (*m <= 2));
}

static int
days_in_month(int y, int m)
{
	static const int dim[12]
	    = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return dim[m - 1] + (m == 2 && leap);
}

/* A weekday on or after `day` (school happens Monday to Friday). */
static long
weekday_on_or_after(long day)
{
	int wd = (int) ((day + 4) % 7); /* 0 = Sunday; 1970-01-01 was Thu */
	if (wd == 6) {
		return day + 2;
	}
	if (wd == 0) {
		return day + 1;
	}
	return day;
}

/* Month index 0..9 of the school year (Sep..Jun) to calendar y/m. */
static void
school_month(int ay, int mi, int *y, int *m)
{
	*m = (8 + mi) % 12 + 1;
	*y = ay + (*m < 8);
}

/* ------------------------------------------------------------------ */
/* Output: RFC 4180 CSV with '\n' line ends. Numbers are formatted by hand
 * so that a setlocale() in the CLI cannot turn 9.5 into "9,5". Write errors
 * are sticky in the FILE and checked once, at close. */

typedef struct csvw {
	FILE *f;
	int   col;
} csvw;

static void
fmt_int(char *buf, long long v)
{
	char               tmp[24];
	int                n = 0;
	unsigned long long u
	    = v < 0 ? 0ULL - (unsigned long long) v : (unsigned long long) v;
	do {
		tmp[n++] = (char) ('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0) {
		*buf++ = '-';
	}
	while (n > 0) {
		*buf++ = tmp[--n];
	}
	*buf = '\0';
}

/* Fixed-point with `dec` decimals (0..6), locale-independent. Values here
 * are small (scores, percentages, dollars), far below 2^53. */
static void
fmt_fix(char *buf, double v, int dec)
{
	static const long long p10[]
	    = { 1, 10, 100, 1000, 10000, 100000, 1000000 };
	long long q = llround(v * (double) p10[dec]);
	if (q < 0) {
		*buf++ = '-';
		q      = -q;
	}
	fmt_int(buf, q / p10[dec]);
	if (dec > 0) {
		buf += strlen(buf);
		*buf++      = '.';
		long long f = q % p10[dec];
		for (int i = dec - 1; i >= 0; i--) {
			buf[i] = (char) ('0' + f % 10);
			f /= 10;
		}
		buf[dec] = '\0';
	}
}

/* prefix + v zero-padded to `width` digits, truncated to fit len. */
static void
fmt_code(char *buf, size_t len, const char *prefix, int width, long v)
{
	char   num[24];
	size_t o = 0;
	fmt_int(num, v);
	size_t n = strlen(num);
	for (const char *p = prefix; *p != '\0' && o + 1 < len; p++) {
		buf[o++] = *p;
	}
	for (int z = width - (int) n; z > 0 && o + 1 < len; z--) {
		buf[o++] = '0';
	}
	for (size_t i = 0; i < n && o + 1 < len; i++) {
		buf[o++] = num[i];
	}
	buf[o] = '\0';
}

static void
fmt_date(char *buf, long day)
{
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	buf[0]  = (char) ('0' + y / 1000 % 10);
	buf[1]  = (char) ('0' + y / 100 % 10);
	buf[2]  = (char) ('0' + y / 10 % 10);
	buf[3]  = (char) ('0' + y % 10);
	buf[4]  = '-';
	buf[5]  = (char) ('0' + m / 10);
	buf[6]  = (char) ('0' + m % 10);
	buf[7]  = '-';
	buf[8]  = (char) ('0' + d / 10);
	buf[9]  = (char) ('0' + d % 10);
	buf[10] = '\0';
}

static void
cw_sep(csvw *w)
{
	if (w->col++ > 0) {
		putc(',', w->f);
	}
}

static void
cw_str(csvw *w, const char *s)
{
	cw_sep(w);
	if (s == NULL || *s == '\0') {
		return;
	}
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, w->f);
		return;
	}
	putc('"', w->f);
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '"') {
			putc('"', w->f);
		}
		putc(*p, w->f);
	}
	putc('"', w->f);
}

static void
cw_int(csvw *w, long long v)
{
	char buf[24];
	fmt_int(buf, v);
	cw_sep(w);
	fputs(buf, w->f);
}

static void
cw_fix(csvw *w, double v, int dec)
{
	char buf[48];
	fmt_fix(buf, v, dec);
	cw_sep(w);
	fputs(buf, w->f);
}

static void
cw_date(csvw *w, long day)
{
	char buf[16];
	fmt_date(buf, day);
	cw_sep(w);
	fputs(buf, w->f);
}

static void
cw_end(csvw *w)
{
	putc('\n', w->f);
	w->col = 0;
}

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

static const char *const locale_names[LOC_N]
    = { "city", "suburb", "town", "rural" };
static const char *const role_names[] = { "teacher", "teacher_leader", "coach",
	                                  "principal", "assistant_principal" };
static const char *const act_kinds[ACT_N]
    = { "coaching",          "plc",     "nic_convening", "leadership_academy",
	"video_observation", "workshop" };
static const char *const act_names[ACT_N] = {
	"Instructional coaching cycles",
	"Professional learning communities",
	"NIC convenings",
	"Leadership academy",
	"Video observation and feedback",
	"Summer literacy workshop",
};

/* Context effects on outcomes (per locale; frl and enrollment below). */
static const double ela_locale[LOC_N] = { -6.0, 6.0, 0.0, -3.0 };
static const double att_locale[LOC_N] = { -1.0, 0.5, 0.0, -0.3 };
/* Attendance seasonality, Sep..Jun: winter illness dips. */
static const double att_season[10]
    = { 0.5, 0.3, 0.0, -0.6, -0.3, -0.7, -0.1, 0.1, -0.2, -0.4 };

#define ELA_SD_SCHOOL  8.0 /* SD of school effects on ela_scale */
#define ATT_SD_SCHOOL  1.0 /* SD of school effects on attendance */
#define ELA_SD_YEAR    1.5 /* school-by-year noise */
#define ELA_SD_STUDENT 38.0 /* student-level SD, gives sampling noise */
#define PD_SDS         3.0 /* positive deviants: school effect in SDs */
#define COACH_EFFECT   0.4 /* planted coaching effect, SDs */
#define ATT_SHIFT      1.5 /* network attendance level shift, points */
#define MISSING_RATE   0.03 /* survey item non-response */

typedef struct name_pair {
	const char *name; /* as written, UTF-8 */
	const char *ascii; /* for usernames and emails */
} name_pair;

static const name_pair given_names[] = {
	{ "Maria", "maria" },   { "José", "jose" },
	{ "Aisha", "aisha" },   { "Wei", "wei" },
	{ "Zoë", "zoe" },       { "James", "james" },
	{ "Priya", "priya" },   { "Daniel", "daniel" },
	{ "Fatima", "fatima" }, { "Lucas", "lucas" },
	{ "Emily", "emily" },   { "Kwame", "kwame" },
	{ "Sofia", "sofia" },   { "Michael", "michael" },
	{ "Hannah", "hannah" }, { "Andrés", "andres" },
	{ "Grace", "grace" },   { "Omar", "omar" },
	{ "Chloé", "chloe" },   { "Samuel", "samuel" },
	{ "Olivia", "olivia" }, { "Mateo", "mateo" },
	{ "Leila", "leila" },   { "Benjamin", "benjamin" },
	{ "Ngozi", "ngozi" },   { "Ethan", "ethan" },
	{ "Yuki", "yuki" },     { "Rachel", "rachel" },
	{ "Tomás", "tomas" },   { "Abigail", "abigail" },
	{ "Jamal", "jamal" },   { "Isabel", "isabel" },
};
static const name_pair family_names[] = {
	{ "García", "garcia" },     { "Nguyễn", "nguyen" },
	{ "O'Brien", "obrien" },    { "Smith", "smith" },
	{ "Johnson", "johnson" },   { "Okafor", "okafor" },
	{ "Kim", "kim" },           { "Patel", "patel" },
	{ "Müller", "muller" },     { "Hernández", "hernandez" },
	{ "Williams", "williams" }, { "Brown", "brown" },
	{ "Chen", "chen" },         { "Davis", "davis" },
	{ "Martínez", "martinez" }, { "Wilson", "wilson" },
	{ "Anderson", "anderson" }, { "Thomas", "thomas" },
	{ "Taylor", "taylor" },     { "Moore", "moore" },
	{ "Jackson", "jackson" },   { "Lee", "lee" },
	{ "Walker", "walker" },     { "Hall", "hall" },
	{ "Young", "young" },       { "King", "king" },
	{ "Wright", "wright" },     { "López", "lopez" },
	{ "Hill", "hill" },         { "Scott", "scott" },
	{ "Green", "green" },       { "Adams", "adams" },
	{ "Baker", "baker" },       { "Nelson", "nelson" },
	{ "Carter", "carter" },     { "Mitchell", "mitchell" },
	{ "Rivera", "rivera" },     { "Campbell", "campbell" },
	{ "Roberts", "roberts" },   { "Yilmaz", "yilmaz" },
};
#define N_GIVEN  (int) (sizeof given_names / sizeof given_names[0])
#define N_FAMILY (int) (sizeof family_names / sizeof family_names[0])

static const char *const district_places[] = {
	"Riverside", "Maple Valley",  "North Harbor", "Cedar Plains",
	"Eastfield", "Granite Falls", "Willow Creek", "Lakeshore",
};
static const char *const school_first[] = {
	"Lincoln",   "Oak",      "Cedar",     "Washington", "Maple",
	"Jefferson", "Pine",     "Roosevelt", "Willow",     "Franklin",
	"Birch",     "Douglass", "Elm",       "Chavez",     "Aspen",
	"Tubman",    "Spruce",   "Hamilton",  "Magnolia",   "Parks",
	"Sequoia",   "Bethune",  "Juniper",   "Kennedy",
};
static const char *const school_second[] = {
	"",       " Park",   " Hill",    " Creek",
	" Ridge", " Valley", " Heights", " Grove",
};
#define N_FIRST  (int) (sizeof school_first / sizeof school_first[0])
#define N_SECOND (int) (sizeof school_second / sizeof school_second[0])

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
	td_sample_opts o;
	const char    *outdir;
	char          *errmsg;
	int            nd, ns, ne;
	district       d[6];
	school        *s;
	educator      *e;
	int            ew; /* digits in educator codes */
	int            ow; /* digits in observation codes */
	double        *coach_hours; /* ne * years */
	double        *effect; /* ns * years, ela_scale points */
	double         sd_pre, mean_h, coach_mean_effect;
	int            n_coach, n_workshop;
	int            pd[3], npd;
	int            out_school, out_year, out_month;
	double         out_true, out_written;
	double         index[TD_SAMPLE_MAX_YEARS];
	agg            act[ACT_N][TD_SAMPLE_MAX_YEARS];
} gen;

static void
seterr(char *errmsg, const char *fmt, ...)
{
	if (errmsg == NULL) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(errmsg, TD_ERRMSG_MAX, fmt, ap);
	va_end(ap);
}

static int
digits(long v)
{
	int n = 1;
	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *) a, y = *(const int *) b;
	return (x > y) - (x < y);
}

static int
is_teaching(int role)
{
	return role == ROLE_TEACHER || role == ROLE_TEACHER_LEADER;
}

static int
is_observer(int role)
{
	return role != ROLE_TEACHER;
}

static double
ela_context(const school *s)
{
	return 500.0 - 70.0 * (s->frl - 0.5)
	    + 6.0 * (log((double) s->enroll) - log(600.0))
	    + ela_locale[s->locale];
}

static double
att_context(const school *s)
{
	return 94.0 - 5.0 * (s->frl - 0.5)
	    - 0.3 * (log((double) s->enroll) - log(600.0))
	    + att_locale[s->locale];
}

/* Surveyed student grades: 3-5, 6-8 or 9-12. */
static void
survey_grades(const school *s, int *lo, int *span)
{
	static const int los[]   = { 3, 6, 9 };
	static const int spans[] = { 3, 3, 4 };
	*lo                      = los[s->level];
	*span                    = spans[s->level];
}

/* Students enter the lowest surveyed grade in cohorts of s->cohort; the
 * cohort entering in school year e (0 = first generated year, negative =
 * already there) gets ids (e + span - 1) * cohort + 1 ... so ids stay the
 * same while a student moves up. */
static void
student_id(char *buf, size_t len, const school *s, int seq, int width)
{
	char prefix[32];
	snprintf(prefix, sizeof prefix, "STU-%s-", s->code);
	fmt_code(buf, len, prefix, width, seq);
}

static int
student_width(const gen *g)
{
	int maxc = 0;
	for (int i = 0; i < g->ns; i++) {
		if (g->s[i].cohort > maxc) {
			maxc = g->s[i].cohort;
		}
	}
	int w = digits((long) (g->o.years + 4) * maxc);
	return w < 4 ? 4 : w;
}

/* ------------------------------------------------------------------ */
/* Building the registry and the plan of planted effects. */

static int
build_registry(gen *g)
{
	rng r;
	rng_init(&r, g->o.seed, ST_REGISTRY, 0);

	g->nd = rng_int(&r, 4, 6);
	if (g->nd > g->ns) {
		g->nd = g->ns;
	}
	int places[8];
	for (int i = 0; i < 8; i++) {
		places[i] = i;
	}
	for (int i = 7; i > 0; i--) {
		int j     = rng_int(&r, 0, i);
		int t     = places[i];
		places[i] = places[j];
		places[j] = t;
	}
	for (int i = 0; i < g->nd; i++) {
		district *d = &g->d[i];
		snprintf(d->code, sizeof d->code, "D%02d", i + 1);
		d->place    = district_places[places[i]];
		d->locale   = rng_int(&r, 0, LOC_N - 1);
		d->frl_base = rng_range(&r, 0.25, 0.75);
	}

	g->s = calloc((size_t) g->ns, sizeof *g->s);
	if (g->s == NULL) {
		return TD_ENOMEM;
	}
	int sw      = digits(g->ns) < 3 ? 3 : digits(g->ns);
	int combos  = N_FIRST * N_SECOND;
	int off     = rng_int(&r, 0, combos - 1);
	int nedu    = 0;
	int cap_edu = g->ns * 15;
	g->e        = calloc((size_t) cap_edu, sizeof *g->e);
	if (g->e == NULL) {
		return TD_ENOMEM;
	}
	for (int i = 0; i < g->ns; i++) {
		school *s = &g->s[i];
		fmt_code(s->code, sizeof s->code, "S", sw, i + 1);
		/* Districts get contiguous blocks of unequal size, so
		 * `district` reads naturally in schools.csv. */
		s->district = (int) ((long) i * g->nd / g->ns);
		district *d = &g->d[s->district];
		double    u = rng_unif(&r);
		s->level    = u < 0.55 ? LVL_ELEM
		       : u < 0.80      ? LVL_MIDDLE
		                       : LVL_HIGH;
		s->locale   = rng_bern(&r, 0.6) ? d->locale
		                                : rng_int(&r, 0, LOC_N - 1);
		double lf   = log(d->frl_base / (1.0 - d->frl_base))
		    + 0.6 * rng_norm(&r);
		double frl = 1.0 / (1.0 + exp(-lf));
		frl        = frl < 0.02 ? 0.02 : frl > 0.98 ? 0.98 : frl;
		s->frl     = round(frl * 1000.0) / 1000.0;
		static const double med[] = { 450.0, 700.0, 1300.0 };
		double en = med[s->level] * exp(0.38 * rng_norm(&r));
		s->enroll = (int) lround(en < 150        ? 150
		                             : en > 2500 ? 2500
		                                         : en);
		s->ell
		    = rng_range(&r, 0.02, s->locale == LOC_CITY ? 0.35 : 0.18);
		s->u_ela    = ELA_SD_SCHOOL * rng_trunc_norm(&r, 2.0);
		s->u_att    = ATT_SD_SCHOOL * rng_trunc_norm(&r, 2.0);
		s->u_clim   = 0.3 * rng_norm(&r);
		s->u_collab = 0.35 * rng_norm(&r);
		s->teachers = s->enroll / 15 < 8 ? 8 : s->enroll / 15;
		int lo, span;
		survey_grades(s, &lo, &span);
		int grades_in_school = s->level == LVL_ELEM ? 6
		    : s->level == LVL_MIDDLE                ? 3
		                                            : 4;
		s->cohort
		    = (s->enroll + grades_in_school - 1) / grades_in_school;

		int pos   = (int) (((long) (i % combos) * 37 + off) % combos);
		int block = i / combos;
		static const char *const kinds[]
		    = { "Elementary School", "Middle School", "High School" };
		char suffix[24] = "";
		if (block > 0) {
			snprintf(suffix, sizeof suffix, " No. %d", block + 1);
		}
		snprintf(s->name, sizeof s->name, "%s%s %s%s",
		         school_first[pos % N_FIRST],
		         school_second[pos / N_FIRST], kinds[s->level],
		         suffix);

		/* Staff in the registry: the leaders and the teachers who take
		 * part in network work, not the whole faculty. */
		int n   = rng_int(&r, 8, 15);
		s->edu0 = nedu;
		s->nedu = n;
		int k   = 0;
		int roles[15];
		roles[k++] = ROLE_PRINCIPAL;
		if (s->enroll >= 500) {
			roles[k++] = ROLE_AP;
		}
		if (rng_bern(&r, 0.5)) {
			roles[k++] = ROLE_COACH;
		}
		int ntl = rng_int(&r, 1, 2);
		for (int t = 0; t < ntl; t++) {
			roles[k++] = ROLE_TEACHER_LEADER;
		}
		while (k < n) {
			roles[k++] = ROLE_TEACHER;
		}
		for (int t = 0; t < n; t++) {
			educator *e = &g->e[nedu++];
			e->school   = i;
			e->role     = roles[t];
			e->given    = rng_int(&r, 0, N_GIVEN - 1);
			e->family   = rng_int(&r, 0, N_FAMILY - 1);
			e->skill    = rng_norm(&r);
			e->bias     = 0.12 * rng_norm(&r);
		}
	}
	g->ne = nedu;
	g->ew = digits(nedu) < 4 ? 4 : digits(nedu);
	for (int i = 0; i < g->ne; i++) {
		fmt_code(g->e[i].code, sizeof g->e[i].code, "E", g->ew, i + 1);
	}
	/* Upper bound on observation rows: 3 per teaching educator-year. */
	g->ow = digits((long) g->ne * g->o.years * 3) < 5
	    ? 5
	    : digits((long) g->ne * g->o.years * 3);
	return 0;
}

static int
build_plan(gen *g)
{
	rng r;
	int ns = g->ns, ny = g->o.years;
	rng_init(&r, g->o.seed, ST_PLAN, 0);

	/* Positive deviants: replace the school effects of 3 schools by a
	 * fixed +3 SD while everyone else is truncated at 2 SD. They are
	 * drawn from the larger half of the schools because the analysis
	 * weights schools by n, which shrinks a small school's studentized
	 * residual: the plant should be found, not lost to the weights. */
	int *big = malloc((size_t) ns * sizeof *big);
	if (big == NULL) {
		return TD_ENOMEM;
	}
	for (int i = 0; i < ns; i++) {
		big[i] = g->s[i].enroll;
	}
	qsort(big, (size_t) ns, sizeof *big, cmp_int);
	int median_enroll = big[ns / 2];
	free(big);
	g->npd = ns / 4 < 3 ? ns / 4 : 3;
	for (int k = 0; k < g->npd;) {
		int i = rng_int(&r, 0, ns - 1);
		if (g->s[i].pd || g->s[i].enroll < median_enroll) {
			continue;
		}
		g->s[i].pd    = 1;
		g->s[i].u_ela = PD_SDS * ELA_SD_SCHOOL;
		g->s[i].u_att = PD_SDS * ATT_SD_SCHOOL;
		g->pd[k++]    = i;
	}
	/* Keep the deviants in school order in the reports. */
	for (int a = 1; a < g->npd; a++) {
		for (int b = a; b > 0 && g->pd[b - 1] > g->pd[b]; b--) {
			int t        = g->pd[b];
			g->pd[b]     = g->pd[b - 1];
			g->pd[b - 1] = t;
		}
	}

	/* Programme take-up: coaching leans to high-FRL schools (as real
	 * programmes do; a difference-in-differences removes the level). */
	double mean_frl = 0.0;
	for (int i = 0; i < ns; i++) {
		mean_frl += g->s[i].frl / ns;
	}
	for (int i = 0; i < ns; i++) {
		school *s          = &g->s[i];
		double  p          = 0.5 + 0.8 * (s->frl - mean_frl);
		p                  = p < 0.15 ? 0.15 : p > 0.85 ? 0.85 : p;
		s->coaching        = rng_bern(&r, p);
		s->workshop        = rng_bern(&r, 0.5);
		s->video           = rng_bern(&r, 0.3);
		s->coach_intensity = rng_range(&r, 6.0, 30.0);
	}
	if (ns >= 2) {
		/* Both arms must exist for the impact analysis. */
		int nc = 0, nw = 0;
		for (int i = 0; i < ns; i++) {
			nc += g->s[i].coaching;
			nw += g->s[i].workshop;
		}
		if (nc == 0 || nc == ns) {
			g->s[0].coaching = !g->s[0].coaching;
		}
		if (nw == 0 || nw == ns) {
			g->s[0].workshop = !g->s[0].workshop;
		}
	}
	for (int i = 0; i < ns; i++) {
		g->n_coach += g->s[i].coaching;
		g->n_workshop += g->s[i].workshop;
	}

	/* Coaching hours per educator-year, from year 2 on. */
	g->coach_hours = calloc((size_t) g->ne * (size_t) ny, sizeof(double));
	g->effect      = calloc((size_t) ns * (size_t) ny, sizeof(double));
	if (g->coach_hours == NULL || g->effect == NULL) {
		return TD_ENOMEM;
	}
	double sum_h = 0.0;
	int    n_h   = 0;
	for (int i = 0; i < ns; i++) {
		school *s = &g->s[i];
		if (!s->coaching) {
			continue;
		}
		for (int y = 1; y < ny; y++) {
			double h = 0.0;
			double f = rng_range(&r, 0.85, 1.15);
			for (int k = s->edu0; k < s->edu0 + s->nedu; k++) {
				if (!is_teaching(g->e[k].role)) {
					continue;
				}
				double x = s->coach_intensity * f
				    * rng_range(&r, 0.7, 1.3);
				x = round(x * 2.0) / 2.0;
				g->coach_hours[(size_t) k * ny + y] = x;
				h += x;
			}
			g->effect[(size_t) i * ny + y] = h; /* hours for now */
			sum_h += h;
			n_h++;
		}
	}

	/* The SD the effect is scaled by: between-school SD of year-1
	 * annual means of ela_scale (context + school effect + school-year
	 * noise), as an impact analysis standardises by the pre-period SD. */
	double m = 0.0, ss = 0.0;
	for (int i = 0; i < ns; i++) {
		m += (ela_context(&g->s[i]) + g->s[i].u_ela) / ns;
	}
	for (int i = 0; i < ns; i++) {
		double dlt = ela_context(&g->s[i]) + g->s[i].u_ela - m;
		ss += dlt * dlt;
	}
	g->sd_pre
	    = sqrt((ns > 1 ? ss / (ns - 1) : 0.0) + ELA_SD_YEAR * ELA_SD_YEAR);
	g->mean_h      = n_h > 0 ? sum_h / n_h : 0.0;
	double sum_eff = 0.0;
	for (size_t k = 0; k < (size_t) ns * (size_t) ny; k++) {
		if (g->effect[k] > 0.0) {
			g->effect[k] = COACH_EFFECT * g->sd_pre * g->effect[k]
			    / g->mean_h;
			sum_eff += g->effect[k];
		}
	}
	g->coach_mean_effect = n_h > 0 ? sum_eff / n_h : 0.0;

	/* The mistyped value: a non-deviant school, first year, Oct..May. */
	do {
		g->out_school = rng_int(&r, 0, ns - 1);
	} while (g->s[g->out_school].pd);
	g->out_year  = 0;
	g->out_month = rng_int(&r, 1, 8);

	/* A CPI-like price index, base 100 in the first year. */
	g->index[0] = 100.0;
	for (int y = 1; y < ny; y++) {
		g->index[y]
		    = g->index[y - 1] * (1.0 + rng_range(&r, 0.02, 0.04));
	}
	for (int y = 0; y < ny; y++) {
		g->index[y] = round(g->index[y] * 10.0) / 10.0;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Files. */

static int
gen_open(gen *g, const char *name, csvw *w, const char *header)
{
	char path[4096];
	int  n = snprintf(path, sizeof path, "%s/%s", g->outdir, name);
	if (n < 0 || (size_t) n >= sizeof path) {
		seterr(g->errmsg,
		       "output path for %s is longer than %zu bytes", name,
		       sizeof path - 1);
		return TD_EINVAL;
	}
	w->f   = fopen(path, "w");
	w->col = 0;
	if (w->f == NULL) {
		seterr(g->errmsg, "cannot create %s: %s", path,
		       strerror(errno));
		return TD_EIO;
	}
	if (header != NULL) {
		fputs(header, w->f);
		putc('\n', w->f);
	}
	return 0;
}

static int
gen_close(gen *g, csvw *w, const char *name)
{
	int bad = ferror(w->f);
	if (fclose(w->f) != 0) {
		bad = 1;
	}
	w->f = NULL;
	if (bad) {
		seterr(g->errmsg, "writing %s/%s failed (disk full?)",
		       g->outdir, name);
		return TD_EIO;
	}
	return 0;
}

static int
write_registry(gen *g)
{
	csvw w;
	int  rv;
	char buf[160];

	if ((rv = gen_open(g, "districts.csv", &w, "district,name")) != 0) {
		return rv;
	}
	for (int i = 0; i < g->nd; i++) {
		snprintf(buf, sizeof buf, "%s School District", g->d[i].place);
		cw_str(&w, g->d[i].code);
		cw_str(&w, buf);
		cw_end(&w);
	}
	if ((rv = gen_close(g, &w, "districts.csv")) != 0) {
		return rv;
	}

	if ((rv = gen_open(g, "schools.csv", &w,
	                   "district,school,name,frl_rate,enrollment,locale,"
	                   "grades"))
	    != 0) {
		return rv;
	}
	static const char *const grades[] = { "K-5", "6-8", "9-12" };
	for (int i = 0; i < g->ns; i++) {
		const school *s = &g->s[i];
		cw_str(&w, g->d[s->district].code);
		cw_str(&w, s->code);
		cw_str(&w, s->name);
		cw_fix(&w, s->frl, 3);
		cw_int(&w, s->enroll);
		cw_str(&w, locale_names[s->locale]);
		cw_str(&w, grades[s->level]);
		cw_end(&w);
	}
	if ((rv = gen_close(g, &w, "schools.csv")) != 0) {
		return rv;
	}

	if ((rv
	     = gen_open(g, "educators.csv", &w, "educator,school,name,role"))
	    != 0) {
		return rv;
	}
	for (int i = 0; i < g->ne; i++) {
		const educator *e = &g->e[i];
		snprintf(buf, sizeof buf, "%s %s", given_names[e->given].name,
		         family_names[e->family].name);
		cw_str(&w, e->code);
		cw_str(&w, g->s[e->school].code);
		cw_str(&w, buf);
		cw_str(&w, role_names[e->role]);
		cw_end(&w);
	}
	return gen_close(g, &w, "educators.csv");
}

static int
write_measures(gen *g)
{
	csvw w;
	int  rv;
	if ((rv
	     = gen_open(g, "measures.csv", &w, "measure,name,unit,direction"))
	    != 0) {
		return rv;
	}
	fputs("ela_scale,ELA benchmark scale score (monthly mean),"
	      "scale_score,higher\n"
	      "attendance,Average daily attendance (monthly),percent,higher\n"
	      "chronic_absence,Students chronically absent (missing 10% or "
	      "more of days),percent,lower\n"
	      "retention,Teacher retention (share of last year's teachers "
	      "who stayed),percent,higher\n",
	      w.f);
	return gen_close(g, &w, "measures.csv");
}

static int
write_oneroster(gen *g)
{
	csvw w;
	int  rv;
	char buf[160];

	if ((rv
	     = gen_open(g, "oneroster/manifest.csv", &w, "propertyName,value"))
	    != 0) {
		return rv;
	}
	fputs("manifest.version,1.0\n"
	      "oneroster.version,1.1\n"
	      "file.academicSessions,absent\n"
	      "file.categories,absent\n"
	      "file.classes,absent\n"
	      "file.classResources,absent\n"
	      "file.courses,absent\n"
	      "file.courseResources,absent\n"
	      "file.demographics,absent\n"
	      "file.enrollments,absent\n"
	      "file.lineItems,absent\n"
	      "file.orgs,bulk\n"
	      "file.resources,absent\n"
	      "file.results,absent\n"
	      "file.users,bulk\n"
	      "source.systemName,Tandem sample network\n"
	      "source.systemCode,tandem-sample\n",
	      w.f);
	if ((rv = gen_close(g, &w, "oneroster/manifest.csv")) != 0) {
		return rv;
	}

	/* Bulk files leave status and dateLastModified empty. */
	if ((rv = gen_open(g, "oneroster/orgs.csv", &w,
	                   "sourcedId,status,dateLastModified,name,type,"
	                   "identifier,parentSourcedId"))
	    != 0) {
		return rv;
	}
	for (int i = 0; i < g->nd; i++) {
		snprintf(buf, sizeof buf, "org-%s", g->d[i].code);
		cw_str(&w, buf);
		cw_str(&w, NULL);
		cw_str(&w, NULL);
		snprintf(buf, sizeof buf, "%s School District", g->d[i].place);
		cw_str(&w, buf);
		cw_str(&w, "district");
		cw_str(&w, g->d[i].code);
		cw_str(&w, NULL);
		cw_end(&w);
	}
	for (int i = 0; i < g->ns; i++) {
		const school *s = &g->s[i];
		snprintf(buf, sizeof buf, "org-%s", s->code);
		cw_str(&w, buf);
		cw_str(&w, NULL);
		cw_str(&w, NULL);
		cw_str(&w, s->name);
		cw_str(&w, "school");
		cw_str(&w, s->code);
		snprintf(buf, sizeof buf, "org-%s", g->d[s->district].code);
		cw_str(&w, buf);
		cw_end(&w);
	}
	if ((rv = gen_close(g, &w, "oneroster/orgs.csv")) != 0) {
		return rv;
	}

	if ((rv = gen_open(g, "oneroster/users.csv", &w,
	                   "sourcedId,status,dateLastModified,enabledUser,"
	                   "orgSourcedIds,role,username,userIds,givenName,"
	                   "familyName,middleName,identifier,email,sms,phone,"
	                   "agentSourcedIds,grades,password"))
	    != 0) {
		return rv;
	}
	/* OneRoster 1.1 has no coach or leader roles: principals and APs are
	 * administrators, everyone else teaches. */
	for (int i = 0; i < g->ne; i++) {
		const educator *e = &g->e[i];
		const school   *s = &g->s[e->school];
		char            user[96];
		char            dlow[16];
		snprintf(user, sizeof user, "%.1s%s%s",
		         given_names[e->given].ascii,
		         family_names[e->family].ascii, e->code + 1);
		snprintf(dlow, sizeof dlow, "d%s", g->d[s->district].code + 1);
		snprintf(buf, sizeof buf, "user-%s", e->code);
		cw_str(&w, buf);
		cw_str(&w, NULL);
		cw_str(&w, NULL);
		cw_str(&w, "true");
		snprintf(buf, sizeof buf, "org-%s", s->code);
		cw_str(&w, buf);
		cw_str(&w,
		       e->role == ROLE_PRINCIPAL || e->role == ROLE_AP
		           ? "administrator"
		           : "teacher");
		cw_str(&w, user);
		cw_str(&w, NULL);
		cw_str(&w, given_names[e->given].name);
		cw_str(&w, family_names[e->family].name);
		cw_str(&w, NULL);
		cw_str(&w, e->code);
		snprintf(buf, sizeof buf, "%s@%s.example.org", user, dlow);
		cw_str(&w, buf);
		cw_str(&w, NULL);
		cw_str(&w, NULL);
		cw_str(&w, NULL);
		cw_str(&w, NULL);
		cw_str(&w, NULL);
		cw_end(&w);
	}
	/* A few students, as a real SIS export has them; the importer is
	 * expected to skip them. */
	rng r;
	rng_init(&r, g->o.seed, ST_ONEROSTER, 0);
	int sw = student_width(g);
	for (int i = 0; i < g->ns && i < 4; i++) {
		const school *s = &g->s[i];
		int           lo, span;
		survey_grades(s, &lo, &span);
		for (int k = 1; k <= 3; k++) {
			char id[48];
			int  gi = rng_int(&r, 0, N_GIVEN - 1);
			int  fi = rng_int(&r, 0, N_FAMILY - 1);
			/* seq 1..3 belong to the oldest cohort present */
			int grade = lo + span - 1;
			student_id(id, sizeof id, s, k, sw);
			snprintf(buf, sizeof buf, "user-%s", id);
			cw_str(&w, buf);
			cw_str(&w, NULL);
			cw_str(&w, NULL);
			cw_str(&w, "true");
			snprintf(buf, sizeof buf, "org-%s", s->code);
			cw_str(&w, buf);
			cw_str(&w, "student");
			snprintf(buf, sizeof buf, "%s%s%d",
			         given_names[gi].ascii, family_names[fi].ascii,
			         k);
			cw_str(&w, buf);
			cw_str(&w, NULL);
			cw_str(&w, given_names[gi].name);
			cw_str(&w, family_names[fi].name);
			cw_str(&w, NULL);
			cw_str(&w, id);
			cw_str(&w, NULL);
			cw_str(&w, NULL);
			cw_str(&w, NULL);
			cw_str(&w, NULL);
			snprintf(buf, sizeof buf, "%02d", grade);
			cw_str(&w, buf);
			cw_str(&w, NULL);
			cw_end(&w);
		}
	}
	return gen_close(g, &w, "oneroster/users.csv");
}

static void
outcome_row(csvw *w, const school *s, const char *measure, long start,
            long end, double value, int dec, int n, const char *subgroup)
{
	cw_str(w, s->code);
	cw_str(w, measure);
	cw_date(w, start);
	cw_date(w, end);
	cw_fix(w, value, dec);
	cw_int(w, n);
	cw_str(w, subgroup);
	cw_end(w);
}

static int
write_outcomes(gen *g)
{
	csvw w;
	int  rv;
	int  ny = g->o.years;
	if ((rv = gen_open(g, "outcomes.csv", &w,
	                   "school,measure,period_start,period_end,value,n,"
	                   "subgroup"))
	    != 0) {
		return rv;
	}
	/* Network-wide year effects, the same for every school. */
	rng    r;
	double year_ela[TD_SAMPLE_MAX_YEARS];
	rng_init(&r, g->o.seed, ST_OUTCOMES, 0);
	for (int y = 0; y < ny; y++) {
		year_ela[y] = 1.5 * rng_norm(&r);
	}
	for (int i = 0; i < g->ns; i++) {
		const school *s = &g->s[i];
		rng_init(&r, g->o.seed, ST_OUTCOMES, (uint64_t) i + 1);
		static const double tested[] = { 0.5, 1.0, 0.5 };
		int    n_all = (int) lround(s->enroll * tested[s->level]
		                            * rng_range(&r, 0.9, 0.98));
		double ela0  = ela_context(s) + s->u_ela;
		double att0  = att_context(s) + s->u_att;
		for (int y = 0; y < ny; y++) {
			int    ay = TD_SAMPLE_FIRST_YEAR + y;
			double yr_ela
			    = year_ela[y] + ELA_SD_YEAR * rng_norm(&r);
			double yr_att   = 0.4 * rng_norm(&r);
			double eff      = g->effect[(size_t) i * ny + y];
			double shift    = y >= 1 ? ATT_SHIFT : 0.0;
			int    enrolled = (int) lround(
			       s->enroll * rng_range(&r, 0.97, 1.03));
			for (int mi = 0; mi < 10; mi++) {
				int cy, cm;
				school_month(ay, mi, &cy, &cm);
				long start = days_from_civil(cy, cm, 1);
				long end   = days_from_civil(
				      cy, cm, days_in_month(cy, cm));
				int n = n_all - rng_int(&r, 0, n_all / 20 + 1);
				double mu = ela0 + yr_ela + 1.8 * mi + eff;
				double v  = mu + 1.2 * rng_norm(&r)
				    + ELA_SD_STUDENT / sqrt(n) * rng_norm(&r);
				outcome_row(&w, s, "ela_scale", start, end, v,
				            1, n, NULL);
				int nf = (int) lround(n * s->frl);
				if (nf > 0) {
					v = mu - 8.0
					    + ELA_SD_STUDENT / sqrt(nf)
					        * rng_norm(&r);
					outcome_row(&w, s, "ela_scale", start,
					            end, v, 1, nf, "frl");
				}
				int nl = (int) lround(n * s->ell);
				if (nl > 0) {
					v = mu - 20.0
					    + ELA_SD_STUDENT / sqrt(nl)
					        * rng_norm(&r);
					outcome_row(&w, s, "ela_scale", start,
					            end, v, 1, nl, "ell");
				}
				double att = att0 + yr_att + att_season[mi]
				    + shift + 0.35 * rng_norm(&r);
				att       = att > 99.5 ? 99.5 : att;
				double ca = 10.0 + 2.4 * (94.0 - att)
				    + 8.0 * (s->frl - 0.5)
				    + 1.2 * rng_norm(&r);
				ca = ca < 0.5 ? 0.5 : ca > 70.0 ? 70.0 : ca;
				double att_w = att;
				if (i == g->out_school && y == g->out_year
				    && mi == g->out_month) {
					/* decimal point slipped on entry */
					g->out_true = round(att * 10.0) / 10.0;
					g->out_written = round(att) / 10.0;
					att_w          = g->out_written;
				}
				outcome_row(&w, s, "attendance", start, end,
				            att_w, 1, enrolled, NULL);
				outcome_row(&w, s, "chronic_absence", start,
				            end, ca, 1, enrolled, NULL);
			}
			int    t = s->teachers;
			double p = 0.87 - 0.10 * (s->frl - 0.5)
			    + 0.03 * rng_norm(&r);
			p        = p < 0.5 ? 0.5 : p > 0.99 ? 0.99 : p;
			int kept = 0;
			for (int k = 0; k < t; k++) {
				kept += rng_bern(&r, p);
			}
			outcome_row(&w, s, "retention",
			            days_from_civil(ay, 8, 1),
			            days_from_civil(ay + 1, 7, 31),
			            100.0 * kept / t, 1, t, NULL);
		}
	}
	return gen_close(g, &w, "outcomes.csv");
}

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
	if ((rv = gen_open(g, file, &w,
	                   "item,construct,min,max,reverse_coded,"
	                   "favourable_at_least,text"))
	    != 0) {
		return rv;
	}
	for (int i = 0; i < n; i++) {
		cw_str(&w, it[i].code);
		cw_str(&w, constructs[it[i].construct]);
		cw_int(&w, min);
		cw_int(&w, max);
		cw_str(&w, it[i].reverse ? "true" : "false");
		cw_int(&w, fav);
		cw_str(&w, it[i].text);
		cw_end(&w);
	}
	return gen_close(g, &w, file);
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
		if (rng_bern(r, MISSING_RATE)) {
			cw_str(w, NULL);
			continue;
		}
		double z
		    = (loading * theta[it[i].construct] + rng_norm(r)) / sd
		    + it[i].mu;
		int k = min;
		for (int c = 0; c < max - min; c++) {
			k += z > cuts[c];
		}
		cw_int(w, it[i].reverse ? min + max - k : k);
	}
	cw_end(w);
}

/* Partial Fisher-Yates: the first k entries of v become a random k-subset,
 * then sorted so files read in id order. */
static void
pick_sorted(rng *r, int *v, int n, int k)
{
	for (int i = 0; i < k; i++) {
		int j = rng_int(r, i, n - 1);
		int t = v[i];
		v[i]  = v[j];
		v[j]  = t;
	}
	qsort(v, (size_t) k, sizeof *v, cmp_int);
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

	survey_grades(s, &lo, &span);
	rng_init(&st, g->o.seed, ST_STUDENT,
	         ((uint64_t) si << 32) | (uint64_t) seq);
	double general = rng_norm(&st);
	for (int c = 0; c < 3; c++) {
		theta[c] = 0.6 * general + 0.8 * rng_norm(&st) + s->u_clim
		    + 0.35 * rng_norm(r);
	}
	int cohort = (seq - 1) / s->cohort;
	student_id(id, sizeof id, s, seq, width);
	cw_str(w, s->code);
	cw_str(w, id);
	cw_date(w, day);
	cw_int(w, lo + y - cohort + span - 1);
	write_answers(w, r, climate_items, N_CLIMATE, theta, 1.2, cuts, 1, 5);
}

static void
write_teacher(gen *g, csvw *w, rng *r, int si, int t, long day)
{
	static const double cuts[] = { -1.3, -0.4, 0.9 };
	const school       *s      = &g->s[si];
	rng                 st;
	char                id[48];

	rng_init(&st, g->o.seed, ST_TEACHER,
	         ((uint64_t) si << 32) | (uint64_t) t);
	double theta = rng_norm(&st) + s->u_collab + 0.3 * rng_norm(r);
	snprintf(id, sizeof id, "T-%s-%03d", s->code, t);
	cw_str(w, s->code);
	cw_str(w, id);
	cw_date(w, day);
	cw_str(w, NULL);
	write_answers(w, r, teacher_items, N_TEACHER, &theta, 1.0, cuts, 1, 4);
}

static int
write_surveys(gen *g)
{
	int  rv;
	csvw wc = { 0 }, wt = { 0 }, wa = { 0 };
	int *pool = NULL, *picked = NULL, *inv = NULL;
	int  ny = g->o.years, sw = student_width(g);

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
		survey_grades(&g->s[i], &lo, &span);
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
	if ((rv = gen_open(g, "responses_climate.csv", &wc, hdr)) != 0) {
		goto out;
	}
	len = snprintf(hdr, sizeof hdr,
	               "school,respondent,administered_on,grade");
	for (int i = 0; i < N_TEACHER; i++) {
		len += snprintf(hdr + len, sizeof hdr - (size_t) len, ",%s",
		                teacher_items[i].code);
	}
	if ((rv = gen_open(g, "responses_teacher.csv", &wt, hdr)) != 0) {
		goto out;
	}
	if ((rv = gen_open(g, "administrations.csv", &wa,
	                   "survey,school,administered_on,invited"))
	    != 0) {
		goto out;
	}

	for (int i = 0; i < g->ns; i++) {
		const school *s = &g->s[i];
		rng           r;
		int           lo, span;
		survey_grades(s, &lo, &span);
		rng_init(&r, g->o.seed, ST_SURVEY, (uint64_t) i + 1);
		for (int y = 0; y < ny; y++) {
			int ay = TD_SAMPLE_FIRST_YEAR + y;
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
			int invited = rng_int(&r, 40, 100);
			invited     = invited > np ? np : invited;
			pick_sorted(&r, pool, np, invited);
			memcpy(inv, pool, (size_t) invited * sizeof *pool);
			for (int a = 0; a < 2; a++) {
				long day = a == 0
				    ? days_from_civil(ay, 10, 6)
				    : days_from_civil(ay + 1, 3, 3);
				day      = weekday_on_or_after(
				         day + rng_int(&r, 0, 18));
				int nr = (int) lround(
				    invited * rng_range(&r, 0.6, 0.95));
				nr = nr < 20 ? 20 : nr > 80 ? 80 : nr;
				nr = nr >= invited ? invited - 1 : nr;
				memcpy(picked, inv,
				       (size_t) invited * sizeof *inv);
				pick_sorted(&r, picked, invited, nr);
				cw_str(&wa, "climate");
				cw_str(&wa, s->code);
				cw_date(&wa, day);
				cw_int(&wa, invited);
				cw_end(&wa);
				for (int k = 0; k < nr; k++) {
					write_student(g, &wc, &r, i, picked[k],
					              y, day, sw);
				}

				/* Teacher survey, the same week. */
				long tday = weekday_on_or_after(day + 1);
				int  nt   = s->teachers;
				for (int k = 0; k < nt; k++) {
					picked[k] = k + 1;
				}
				int ntr = (int) lround(
				    nt * rng_range(&r, 0.6, 0.95));
				ntr = ntr < 1 ? 1 : ntr >= nt ? nt - 1 : ntr;
				pick_sorted(&r, picked, nt, ntr);
				cw_str(&wa, "teacher");
				cw_str(&wa, s->code);
				cw_date(&wa, tday);
				cw_int(&wa, nt);
				cw_end(&wa);
				for (int k = 0; k < ntr; k++) {
					write_teacher(g, &wt, &r, i, picked[k],
					              tday);
				}
			}
		}
	}

out:
	if (wc.f != NULL && rv == 0) {
		rv = gen_close(g, &wc, "responses_climate.csv");
	} else if (wc.f != NULL) {
		fclose(wc.f);
	}
	if (wt.f != NULL && rv == 0) {
		rv = gen_close(g, &wt, "responses_teacher.csv");
	} else if (wt.f != NULL) {
		fclose(wt.f);
	}
	if (wa.f != NULL && rv == 0) {
		rv = gen_close(g, &wa, "administrations.csv");
	} else if (wa.f != NULL) {
		fclose(wa.f);
	}
	free(pool);
	free(picked);
	free(inv);
	return rv;
}

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
	cw_str(w, code);
	cw_str(w, g->s[er->school].code);
	cw_str(w, er->code);
	cw_str(w, g->e[o->observed].code);
	cw_str(w, "practice");
	cw_date(w, o->day);
	for (int j = 0; j < N_CRITERIA; j++) {
		long v = lround(x[j] + er->bias + 0.32 * rng_norm(r));
		cw_int(w, v < 1 ? 1 : v > 4 ? 4 : v);
	}
	cw_str(w,
	       rng_bern(r, 0.3) ? NULL
	                        : obs_notes[rng_int(r, 0, N_OBS_NOTES - 1)]);
	cw_end(w);
}

static int
write_observations(gen *g)
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
	if ((rv = gen_open(g, "rubric_practice.csv", &wo,
	                   "criterion,min,max,text"))
	    != 0) {
		goto out;
	}
	for (int j = 0; j < N_CRITERIA; j++) {
		cw_str(&wo, criteria[j]);
		cw_int(&wo, 1);
		cw_int(&wo, 4);
		cw_str(&wo, criterion_text[j]);
		cw_end(&wo);
	}
	if ((rv = gen_close(g, &wo, "rubric_practice.csv")) != 0) {
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
	if ((rv = gen_open(g, "observations.csv", &wo, hdr)) != 0) {
		goto out;
	}
	if ((rv = gen_open(g, "annotations.csv", &wn,
	                   "observation,t_seconds,criterion,note"))
	    != 0) {
		goto out;
	}

	for (int i = 0; i < g->ns; i++) {
		const school *s = &g->s[i];
		rng           r;
		rng_init(&r, g->o.seed, ST_OBSERVE, (uint64_t) i + 1);
		for (int y = 0; y < g->o.years; y++) {
			int  ay    = TD_SAMPLE_FIRST_YEAR + y;
			long first = days_from_civil(ay, 9, 15);
			long last  = days_from_civil(ay + 1, 5, 29);
			int  n     = 0;
			for (int t = s->edu0; t < s->edu0 + s->nedu; t++) {
				if (!is_teaching(g->e[t].role)) {
					continue;
				}
				int nr = 0;
				for (int k = s->edu0; k < s->edu0 + s->nedu;
				     k++) {
					if (k != t
					    && is_observer(g->e[k].role)) {
						raters[nr++] = k;
					}
				}
				double u = rng_unif(&r);
				int    m = u < 0.2 ? 1 : u < 0.8 ? 2 : 3;
				for (int k = 0; k < m; k++) {
					obs *o = &list[n++];
					o->day = weekday_on_or_after(
					    first
					    + rng_int(&r, 0,
					              (int) (last - first)));
					o->observed = t;
					int a       = rng_int(&r, 0, nr - 1);
					o->o1       = raters[a];
					o->o2       = -1;
					if (nr >= 2 && rng_bern(&r, 0.2)) {
						int b = rng_int(&r, 0, nr - 2);
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
				fmt_code(code, sizeof code, "OBS-", g->ow,
				         next++);
				for (int j = 0; j < N_CRITERIA; j++) {
					x[j] = 2.55 + 0.45 * tau
					    + criterion_mu[j]
					    + 0.4 * rng_norm(&r);
				}
				obs_row(g, &wo, &r, code, o, o->o1, x);
				if (o->o2 >= 0) {
					obs_row(g, &wo, &r, code, o, o->o2, x);
				}
				int na = rng_int(&r, 1, 4);
				int ts = 0;
				for (int a = 0; a < na; a++) {
					ts += rng_int(&r, 30, 600);
					cw_str(&wn, code);
					cw_int(&wn, ts);
					cw_str(
					    &wn,
					    rng_bern(&r, 0.2)
					        ? NULL
					        : criteria[rng_int(
					            &r, 0, N_CRITERIA - 1)]);
					cw_str(&wn,
					       ann_notes[rng_int(
					           &r, 0, N_ANN_NOTES - 1)]);
					cw_end(&wn);
				}
			}
		}
	}

out:
	if (wo.f != NULL && rv == 0) {
		rv = gen_close(g, &wo, "observations.csv");
	} else if (wo.f != NULL) {
		fclose(wo.f);
	}
	if (wn.f != NULL && rv == 0) {
		rv = gen_close(g, &wn, "annotations.csv");
	} else if (wn.f != NULL) {
		fclose(wn.f);
	}
	free(list);
	free(raters);
	return rv;
}

/* ------------------------------------------------------------------ */
/* Activities, participation, costs. */

static void
act_code(char *buf, size_t len, int a)
{
	snprintf(buf, len, "A%02d", a + 1);
}

static void
part_row(gen *g, csvw *w, int a, int y, const school *s, const educator *e,
         long start, long end, double hours)
{
	char code[16];
	agg *ag = &g->act[a][y];
	act_code(code, sizeof code, a);
	cw_str(w, code);
	cw_str(w, s->code);
	cw_str(w, e != NULL ? e->code : NULL);
	cw_date(w, start);
	cw_date(w, end);
	cw_fix(w, hours, 1);
	cw_end(w);
	/* Whole-school rows: hours are the school's meeting hours, attended
	 * by its teachers. */
	ag->educators += e != NULL ? 1 : s->teachers;
	ag->hours += e != NULL ? hours : hours * s->teachers;
}

static int
write_activities(gen *g)
{
	csvw w;
	int  rv;
	char code[16];
	if ((rv = gen_open(g, "activities.csv", &w,
	                   "activity,kind,name,district"))
	    != 0) {
		return rv;
	}
	for (int a = 0; a < ACT_N; a++) {
		act_code(code, sizeof code, a);
		cw_str(&w, code);
		cw_str(&w, act_kinds[a]);
		cw_str(&w, act_names[a]);
		cw_str(&w, a == ACT_ACADEMY ? g->d[0].code : NULL);
		cw_end(&w);
	}
	if ((rv = gen_close(g, &w, "activities.csv")) != 0) {
		return rv;
	}

	if ((rv = gen_open(g, "participation.csv", &w,
	                   "activity,school,educator,period_start,period_end,"
	                   "hours"))
	    != 0) {
		return rv;
	}
	int ny = g->o.years;
	for (int i = 0; i < g->ns; i++) {
		const school *s = &g->s[i];
		rng           r;
		rng_init(&r, g->o.seed, ST_PARTICIPATE, (uint64_t) i + 1);
		for (int y = 0; y < ny; y++) {
			int  ay             = TD_SAMPLE_FIRST_YEAR + y;
			long sep1           = days_from_civil(ay, 9, 1);
			long jun30          = days_from_civil(ay + 1, 6, 30);
			int  touched[ACT_N] = { 0 };
			for (int k = s->edu0; k < s->edu0 + s->nedu; k++) {
				double h = g->coach_hours[(size_t) k * ny + y];
				if (h > 0.0) {
					part_row(g, &w, ACT_COACHING, y, s,
					         &g->e[k], sep1, jun30, h);
					touched[ACT_COACHING] = 1;
				}
			}
			part_row(g, &w, ACT_PLC, y, s, NULL, sep1, jun30,
			         round(rng_range(&r, 18.0, 36.0) * 2.0) / 2.0);
			touched[ACT_PLC] = 1;
			for (int k = s->edu0; k < s->edu0 + s->nedu; k++) {
				const educator *e = &g->e[k];
				if (e->role == ROLE_PRINCIPAL
				    || (e->role == ROLE_TEACHER_LEADER
				        && g->e[k - 1].role
				            != ROLE_TEACHER_LEADER)) {
					part_row(
					    g, &w, ACT_NIC, y, s, e,
					    days_from_civil(ay, 10, 1),
					    days_from_civil(ay + 1, 5, 31),
					    18.0);
					touched[ACT_NIC] = 1;
				}
			}
			if (s->district == 0) {
				for (int k = s->edu0; k < s->edu0 + s->nedu;
				     k++) {
					const educator *e = &g->e[k];
					if (e->role == ROLE_PRINCIPAL
					    || e->role == ROLE_AP) {
						part_row(
						    g, &w, ACT_ACADEMY, y, s,
						    e,
						    days_from_civil(ay, 8, 1),
						    jun30,
						    (double) rng_int(&r, 24,
						                     48));
						touched[ACT_ACADEMY] = 1;
					}
				}
			}
			if (s->video) {
				for (int k = s->edu0; k < s->edu0 + s->nedu;
				     k++) {
					if (is_teaching(g->e[k].role)) {
						part_row(
						    g, &w, ACT_VIDEO, y, s,
						    &g->e[k], sep1, jun30,
						    round(
						        rng_range(&r, 3.0, 8.0)
						        * 2.0)
						        / 2.0);
						touched[ACT_VIDEO] = 1;
					}
				}
			}
			if (s->workshop && y >= 1) {
				part_row(g, &w, ACT_WORKSHOP, y, s, NULL,
				         days_from_civil(ay, 8, 14),
				         days_from_civil(ay, 8, 15),
				         rng_bern(&r, 0.5) ? 6.0 : 12.0);
				touched[ACT_WORKSHOP] = 1;
			}
			for (int a = 0; a < ACT_N; a++) {
				g->act[a][y].schools += touched[a];
			}
		}
	}
	return gen_close(g, &w, "participation.csv");
}

/* A number with up to `dec` decimals and no trailing zeros. */
static void
cw_num(csvw *w, double v, int dec)
{
	char buf[48];
	fmt_fix(buf, v, dec);
	char *dot = strchr(buf, '.');
	if (dot != NULL) {
		char *end = buf + strlen(buf) - 1;
		while (end > dot && *end == '0') {
			*end-- = '\0';
		}
		if (end == dot) {
			*end = '\0';
		}
	}
	cw_sep(w);
	fputs(buf, w->f);
}

typedef struct ingredient {
	int         activity;
	const char *name;
	const char *category;
	int         basis; /* what the quantity scales with */
	double      per; /* quantity per unit of basis */
	double      unit_cost; /* in first-year dollars */
} ingredient;

enum basis { B_FIXED, B_SCHOOLS, B_EDUCATORS, B_HOURS, B_FTE };

static const ingredient ingredients[] = {
	{ ACT_COACHING, "Instructional coaches (salary and benefits)",
	  "personnel", B_FTE, 1.0 / 1100.0, 98000.0 },
	{ ACT_COACHING, "Coach mileage", "travel", B_SCHOOLS, 420.0, 0.655 },
	{ ACT_COACHING, "Coaching cycle materials", "materials", B_SCHOOLS,
	  1.0, 250.0 },
	{ ACT_COACHING, "Substitute teachers for debriefs", "personnel",
	  B_EDUCATORS, 0.5, 165.0 },
	{ ACT_PLC, "Teacher time in PLC meetings", "personnel", B_HOURS, 1.0,
	  42.0 },
	{ ACT_PLC, "PLC facilitator training", "other", B_FIXED, 1.0, 4500.0 },
	{ ACT_PLC, "Meeting rooms (in kind)", "facilities", B_SCHOOLS, 30.0,
	  25.0 },
	{ ACT_NIC, "Convening venue and catering", "facilities", B_FIXED, 3.0,
	  2800.0 },
	{ ACT_NIC, "Participant travel", "travel", B_EDUCATORS, 3.0, 120.0 },
	{ ACT_NIC, "Improvement advisor (contract days)", "personnel", B_FIXED,
	  30.0, 1200.0 },
	{ ACT_NIC, "Participant time", "personnel", B_HOURS, 1.0, 55.0 },
	{ ACT_ACADEMY, "Academy faculty (days)", "personnel", B_FIXED, 20.0,
	  1500.0 },
	{ ACT_ACADEMY, "Participant time", "personnel", B_HOURS, 1.0, 65.0 },
	{ ACT_ACADEMY, "Retreat lodging (nights)", "travel", B_EDUCATORS, 2.0,
	  189.0 },
	{ ACT_ACADEMY, "Readings and materials", "materials", B_EDUCATORS, 1.0,
	  60.0 },
	{ ACT_VIDEO, "Camera kits (annualised over 3 years)", "materials",
	  B_SCHOOLS, 1.0, 400.0 },
	{ ACT_VIDEO, "Video platform licence", "other", B_EDUCATORS, 1.0,
	  90.0 },
	{ ACT_VIDEO, "Teacher time reviewing video", "personnel", B_HOURS, 1.0,
	  42.0 },
	{ ACT_WORKSHOP, "Presenter fees (days)", "personnel", B_FIXED, 2.0,
	  3500.0 },
	{ ACT_WORKSHOP, "Substitute teachers (days)", "personnel", B_EDUCATORS,
	  1.0, 165.0 },
	{ ACT_WORKSHOP, "Workshop materials", "materials", B_SCHOOLS, 1.0,
	  150.0 },
	{ ACT_WORKSHOP, "Venue", "facilities", B_FIXED, 2.0, 1500.0 },
};
#define N_INGREDIENTS (int) (sizeof ingredients / sizeof ingredients[0])

static int
write_costs(gen *g)
{
	csvw w;
	int  rv;
	rng  r;
	char code[16];
	rng_init(&r, g->o.seed, ST_COSTS, 0);

	if ((rv = gen_open(g, "price_index.csv", &w, "year,index")) != 0) {
		return rv;
	}
	for (int y = 0; y < g->o.years; y++) {
		cw_int(&w, TD_SAMPLE_FIRST_YEAR + y);
		cw_fix(&w, g->index[y], 1);
		cw_end(&w);
	}
	if ((rv = gen_close(g, &w, "price_index.csv")) != 0) {
		return rv;
	}

	if ((rv = gen_open(g, "costs.csv", &w,
	                   "activity,year,ingredient,category,quantity,"
	                   "unit_cost"))
	    != 0) {
		return rv;
	}
	for (int a = 0; a < ACT_N; a++) {
		act_code(code, sizeof code, a);
		for (int y = 0; y < g->o.years; y++) {
			const agg *ag = &g->act[a][y];
			if (ag->schools == 0) {
				continue;
			}
			for (int k = 0; k < N_INGREDIENTS; k++) {
				const ingredient *in = &ingredients[k];
				if (in->activity != a) {
					continue;
				}
				double q = in->per;
				switch (in->basis) {
				case B_SCHOOLS:
					q *= ag->schools;
					break;
				case B_EDUCATORS:
					q *= ag->educators;
					break;
				case B_HOURS:
				case B_FTE:
					q *= ag->hours;
					break;
				default:
					break;
				}
				q = in->basis == B_FTE
				    ? round(q * 100.0) / 100.0
				    : round(q * 2.0) / 2.0;
				/* local prices drift around the index */
				double u = in->unit_cost * g->index[y] / 100.0
				    * rng_range(&r, 0.98, 1.02);
				cw_str(&w, code);
				cw_int(&w, TD_SAMPLE_FIRST_YEAR + y);
				cw_str(&w, in->name);
				cw_str(&w, in->category);
				cw_num(&w, q, 2);
				cw_fix(&w, u, in->unit_cost < 10.0 ? 3 : 2);
				cw_end(&w);
			}
		}
	}
	return gen_close(g, &w, "costs.csv");
}

/* ------------------------------------------------------------------ */
/* What was planted, for people (PLANTED.md) and programs (planted.csv). */

static const char *
fx(char *buf, double v, int dec)
{
	fmt_fix(buf, v, dec);
	return buf;
}

static void
period_label(char *buf, size_t len, int y)
{
	int ay = TD_SAMPLE_FIRST_YEAR + y;
	snprintf(buf, len, "%d-%02d", ay, (ay + 1) % 100);
}

static int
write_planted(gen *g)
{
	csvw w;
	int  rv;
	char b1[48], b2[48], b3[48], b4[48], detail[512], yl[16];
	int  ny = g->o.years;
	int  cy, cm;

	if ((rv = gen_open(g, "planted.csv", &w, "kind,code,detail")) != 0) {
		return rv;
	}
	for (int k = 0; k < g->npd; k++) {
		snprintf(detail, sizeof detail,
		         "ela_scale +%s and attendance +%s over what context "
		         "predicts (%s SD of school effects), every year",
		         fx(b1, PD_SDS * ELA_SD_SCHOOL, 1),
		         fx(b2, PD_SDS * ATT_SD_SCHOOL, 1), fx(b3, PD_SDS, 1));
		cw_str(&w, "positive_deviant");
		cw_str(&w, g->s[g->pd[k]].code);
		cw_str(&w, detail);
		cw_end(&w);
	}
	period_label(yl, sizeof yl, 1);
	if (ny >= 2) {
		snprintf(
		    detail, sizeof detail,
		    "coaching from %s: ela_scale +%s SD (SD %s, +%s points) "
		    "on average in participating school-years, "
		    "rising with the school's coaching hours",
		    yl, fx(b1, COACH_EFFECT, 2), fx(b2, g->sd_pre, 2),
		    fx(b3, g->coach_mean_effect, 2));
	} else {
		snprintf(detail, sizeof detail,
		         "coaching: no post period with a single year");
	}
	cw_str(&w, "effective_activity");
	cw_str(&w, "A01");
	cw_str(&w, detail);
	cw_end(&w);
	for (int i = 0; i < g->ns; i++) {
		for (int y = 1; y < ny; y++) {
			double eff = g->effect[(size_t) i * ny + y];
			if (eff <= 0.0) {
				continue;
			}
			double h = 0.0;
			for (int k = g->s[i].edu0;
			     k < g->s[i].edu0 + g->s[i].nedu; k++) {
				h += g->coach_hours[(size_t) k * ny + y];
			}
			period_label(yl, sizeof yl, y);
			snprintf(detail, sizeof detail,
			         "A01 %s: %s coaching hours, ela_scale +%s",
			         yl, fx(b1, h, 1), fx(b2, eff, 2));
			cw_str(&w, "activity_effect");
			cw_str(&w, g->s[i].code);
			cw_str(&w, detail);
			cw_end(&w);
		}
	}
	period_label(yl, sizeof yl, 1);
	snprintf(detail, sizeof detail,
	         "workshop from %s: no effect on any measure", yl);
	cw_str(&w, "null_activity");
	cw_str(&w, "A06");
	cw_str(&w, detail);
	cw_end(&w);
	if (ny >= 2) {
		snprintf(detail, sizeof detail,
		         "network attendance +%s points from %d-09-01 on",
		         fx(b1, ATT_SHIFT, 1), TD_SAMPLE_FIRST_YEAR + 1);
		cw_str(&w, "level_shift");
		cw_str(&w, "attendance");
		cw_str(&w, detail);
		cw_end(&w);
	}
	school_month(TD_SAMPLE_FIRST_YEAR + g->out_year, g->out_month, &cy,
	             &cm);
	snprintf(detail, sizeof detail,
	         "attendance %d-%02d-01 written as %s (true %s)", cy, cm,
	         fx(b1, g->out_written, 1), fx(b2, g->out_true, 1));
	cw_str(&w, "outlier");
	cw_str(&w, g->s[g->out_school].code);
	cw_str(&w, detail);
	cw_end(&w);
	if ((rv = gen_close(g, &w, "planted.csv")) != 0) {
		return rv;
	}

	if ((rv = gen_open(g, "PLANTED.md", &w, NULL)) != 0) {
		return rv;
	}
	FILE *f = w.f;
	fprintf(f,
	        "# Tandem sample network: what was planted\n\n"
	        "Generated by `tandem sample` with seed %llu, %d schools, "
	        "%d academic year(s) from %d-%02d (years start on 1 August; "
	        "`year` in costs.csv and price_index.csv is the calendar year "
	        "the academic year starts in). The same machine-readable list "
	        "is in planted.csv (`kind,code,detail`).\n\n",
	        (unsigned long long) g->o.seed, g->ns, ny,
	        TD_SAMPLE_FIRST_YEAR, (TD_SAMPLE_FIRST_YEAR + 1) % 100);
	fprintf(f,
	        "## The model\n\n"
	        "- `ela_scale` (monthly school mean, Sep-Jun) = 500 "
	        "- 70 (frl_rate - 0.5) + 6 (ln enrollment - ln 600) + locale "
	        "(city -6, suburb +6, town 0, rural -3) + school effect "
	        "(SD %s, truncated at 2 SD) + network year effect (SD 1.5) + "
	        "school-year noise (SD %s) + 1.8 per month since September + "
	        "sampling noise (SD %s/sqrt(n)) + coaching effect. Subgroups: "
	        "`frl` 8 points lower, `ell` 20 points lower, with their own "
	        "n (often below 10 for `ell` in small schools, so suppression "
	        "shows).\n"
	        "- `attendance` (monthly %%) = 94 - 5 (frl_rate - 0.5) "
	        "- 0.3 (ln enrollment - ln 600) + locale (city -1, suburb "
	        "+0.5, town 0, rural -0.3) + school effect (SD %s, truncated) "
	        "+ winter dip + noise; `chronic_absence` follows attendance "
	        "(lower is better); `retention` is yearly, n = teachers.\n"
	        "- Surveys: answers come from latent traits (students: a "
	        "general factor plus one per construct; teachers: one) cut "
	        "into categories, so Cronbach's alpha is about 0.75-0.9; "
	        "reverse-coded items are stored as answered; about 3%% of "
	        "cells are empty (non-response). Respondent ids are stable "
	        "across administrations and years.\n"
	        "- Observations: rubric scores come from each teacher's "
	        "latent skill plus rater bias and noise; 20%% of observations "
	        "are scored by two observers (same `observation` code).\n\n",
	        fx(b1, ELA_SD_SCHOOL, 1), fx(b2, ELA_SD_YEAR, 1),
	        fx(b3, ELA_SD_STUDENT, 0), fx(b4, ATT_SD_SCHOOL, 1));
	fprintf(f,
	        "## Planted effects\n\n"
	        "1. **Positive deviants** (");
	for (int k = 0; k < g->npd; k++) {
		fprintf(f, "%s%s", k ? ", " : "", g->s[g->pd[k]].code);
	}
	fprintf(f,
	        "%s): their school effects are set to +%s SD on both "
	        "`ela_scale` (+%s points) and `attendance` (+%s points) in "
	        "every year, while every other school's effect is truncated "
	        "at 2 SD, so a regression on frl_rate, ln enrollment and "
	        "locale should flag them, and persistently.\n",
	        g->npd == 0 ? "none: fewer than 4 schools" : "",
	        fx(b1, PD_SDS, 1), fx(b2, PD_SDS * ELA_SD_SCHOOL, 1),
	        fx(b3, PD_SDS * ATT_SD_SCHOOL, 1));
	period_label(yl, sizeof yl, 1);
	fprintf(f,
	        "2. **An activity that works**: A01 `coaching`. %d of %d "
	        "schools take part from %s on (more often high-FRL "
	        "schools). In each participating school-year `ela_scale` "
	        "rises by %s x SD x hours / mean hours, where SD = %s is the "
	        "between-school SD of first-year annual means and hours is "
	        "the school's total coaching hours that year (mean %s). On "
	        "average +%s points = +%s SD: a dose-response. Per "
	        "school-year values are the `activity_effect` rows of "
	        "planted.csv.\n",
	        ny >= 2 ? g->n_coach : 0, g->ns, yl, fx(b1, COACH_EFFECT, 2),
	        fx(b2, g->sd_pre, 2), fx(b3, g->mean_h, 1),
	        fx(b4, g->coach_mean_effect, 2), fx(b1, COACH_EFFECT, 2));
	period_label(yl, sizeof yl, 1);
	fprintf(f,
	        "3. **An activity that does not**: A06 `workshop`, %d of %d "
	        "schools from %s on, with real costs and zero effect on every "
	        "measure. The other activities (PLCs, NIC convenings, the "
	        "leadership academy, video observation) have costs and "
	        "participation but no planted effect either.\n",
	        ny >= 2 ? g->n_workshop : 0, g->ns, yl);
	fprintf(f,
	        "4. **A level shift**: network `attendance` is %s points "
	        "higher from %d-09-01 on, so a run chart of the network "
	        "median/mean shows a long run above the first-year centre "
	        "line%s.\n",
	        fx(b1, ATT_SHIFT, 1), TD_SAMPLE_FIRST_YEAR + 1,
	        ny >= 2 ? "" : " (not present: only one year generated)");
	fprintf(f,
	        "5. **A mistyped value**: %s `attendance` for %d-%02d is "
	        "written as %s instead of %s (decimal point slipped); the "
	        "outlier screen should catch it before it moves a chart.\n\n",
	        g->s[g->out_school].code, cy, cm, fx(b1, g->out_written, 1),
	        fx(b2, g->out_true, 1));
	fprintf(f,
	        "## Files\n\n"
	        "districts, schools, educators, measures, activities "
	        "(registry); oneroster/ (the same districts, schools and "
	        "educators as OneRoster 1.1 bulk CSV, plus a few students the "
	        "importer should skip); outcomes; survey_climate + "
	        "responses_climate and survey_teacher + responses_teacher "
	        "(twice a year, October and March) with administrations "
	        "(invited counts for response rates); rubric_practice + "
	        "observations + annotations; participation (educator empty = "
	        "the whole school; then hours are the school's meeting "
	        "hours); costs (nominal dollars of that year) + price_index "
	        "(base 100 in %d).\n",
	        TD_SAMPLE_FIRST_YEAR);
	return gen_close(g, &w, "PLANTED.md");
}

/* ------------------------------------------------------------------ */

void
td_sample_opts_init(td_sample_opts *opts)
{
	opts->seed    = 1;
	opts->schools = 40;
	opts->years   = 3;
}

static int
make_dir(const char *path, char *errmsg)
{
	if (mkdir(path, 0777) != 0 && errno != EEXIST) {
		seterr(errmsg, "cannot create directory %s: %s", path,
		       strerror(errno));
		return TD_EIO;
	}
	return 0;
}

int
td_sample_generate(const td_sample_opts *opts, const char *outdir,
                   char *errmsg)
{
	gen  g;
	int  rv;
	char sub[4096];

	memset(&g, 0, sizeof g);
	if (errmsg != NULL) {
		errmsg[0] = '\0';
	}
	if (opts != NULL) {
		g.o = *opts;
	} else {
		td_sample_opts_init(&g.o);
	}
	if (g.o.schools < 1 || g.o.schools > TD_SAMPLE_MAX_SCHOOLS) {
		seterr(errmsg, "schools %d is outside 1..%d", g.o.schools,
		       TD_SAMPLE_MAX_SCHOOLS);
		return TD_EINVAL;
	}
	if (g.o.years < 1 || g.o.years > TD_SAMPLE_MAX_YEARS) {
		seterr(errmsg, "years %d is outside 1..%d", g.o.years,
		       TD_SAMPLE_MAX_YEARS);
		return TD_EINVAL;
	}
	if (outdir == NULL || outdir[0] == '\0') {
		seterr(errmsg, "output directory is empty");
		return TD_EINVAL;
	}
	int n = snprintf(sub, sizeof sub, "%s/oneroster", outdir);
	if (n < 0 || (size_t) n >= sizeof sub) {
		seterr(errmsg,
		       "output directory name is longer than %zu bytes",
		       sizeof sub - 32);
		return TD_EINVAL;
	}
	if ((rv = make_dir(outdir, errmsg)) != 0
	    || (rv = make_dir(sub, errmsg)) != 0) {
		return rv;
	}

	g.outdir = outdir;
	g.errmsg = errmsg;
	g.ns     = g.o.schools;
	if ((rv = build_registry(&g)) == 0 && (rv = build_plan(&g)) == 0
	    && (rv = write_registry(&g)) == 0 && (rv = write_measures(&g)) == 0
	    && (rv = write_oneroster(&g)) == 0
	    && (rv = write_outcomes(&g)) == 0 && (rv = write_surveys(&g)) == 0
	    && (rv = write_observations(&g)) == 0
	    && (rv = write_activities(&g)) == 0
	    && (rv = write_costs(&g)) == 0) {
		rv = write_planted(&g);
	}
	if (rv == TD_ENOMEM) {
		seterr(errmsg, "out of memory generating %d schools", g.ns);
	}
	free(g.s);
	free(g.e);
	free(g.coach_hours);
	free(g.effect);
	return rv;
}
