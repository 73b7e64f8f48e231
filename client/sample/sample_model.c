/* SPDX-License-Identifier: MIT
 * The network model of the sample generator: name and context tables,
 * the registry of districts, schools and educators, and the plan of
 * planted effects that the written files carry.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample_internal.h"

const char *const locale_names[LOC_N] = { "city", "suburb", "town", "rural" };
const char *const role_names[]        = { "teacher", "teacher_leader", "coach",
	                                  "principal", "assistant_principal" };
const char *const act_kinds[ACT_N]
    = { "coaching",          "plc",     "nic_convening", "leadership_academy",
	"video_observation", "workshop" };
const char *const act_names[ACT_N] = {
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
const double att_season[10]
    = { 0.5, 0.3, 0.0, -0.6, -0.3, -0.7, -0.1, 0.1, -0.2, -0.4 };

const name_pair given_names[] = {
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
const name_pair family_names[] = {
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
const int sample_n_given = (int) (sizeof given_names / sizeof given_names[0]);
const int sample_n_family
    = (int) (sizeof family_names / sizeof family_names[0]);

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

int
sample_digits(long v)
{
	int n = 1;
	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

int
sample_cmp_int(const void *a, const void *b)
{
	int x = *(const int *) a, y = *(const int *) b;
	return (x > y) - (x < y);
}

int
sample_is_teaching(int role)
{
	return role == ROLE_TEACHER || role == ROLE_TEACHER_LEADER;
}

int
sample_is_observer(int role)
{
	return role != ROLE_TEACHER;
}

double
sample_ela_context(const school *s)
{
	return 500.0 - 70.0 * (s->frl - 0.5)
	    + 6.0 * (log((double) s->enroll) - log(600.0))
	    + ela_locale[s->locale];
}

double
sample_att_context(const school *s)
{
	return 94.0 - 5.0 * (s->frl - 0.5)
	    - 0.3 * (log((double) s->enroll) - log(600.0))
	    + att_locale[s->locale];
}

/* Surveyed student grades: 3-5, 6-8 or 9-12. */
void
sample_survey_grades(const school *s, int *lo, int *span)
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
void
sample_student_id(char *buf, size_t len, const school *s, int seq, int width)
{
	char prefix[32];
	snprintf(prefix, sizeof prefix, "STU-%s-", s->code);
	sample_fmt_code(buf, len, prefix, width, seq);
}

int
sample_student_width(const gen *g)
{
	int maxc = 0;
	for (int i = 0; i < g->ns; i++) {
		if (g->s[i].cohort > maxc) {
			maxc = g->s[i].cohort;
		}
	}
	int w = sample_digits((long) (g->o.years + 4) * maxc);
	return w < 4 ? 4 : w;
}

/* ------------------------------------------------------------------ */
/* Building the registry and the plan of planted effects. */

int
sample_build_registry(gen *g)
{
	rng r;
	sample_rng_init(&r, g->o.seed, ST_REGISTRY, 0);

	g->nd = sample_rng_int(&r, 4, 6);
	if (g->nd > g->ns) {
		g->nd = g->ns;
	}
	int places[8];
	for (int i = 0; i < 8; i++) {
		places[i] = i;
	}
	for (int i = 7; i > 0; i--) {
		int j     = sample_rng_int(&r, 0, i);
		int t     = places[i];
		places[i] = places[j];
		places[j] = t;
	}
	for (int i = 0; i < g->nd; i++) {
		district *d = &g->d[i];
		snprintf(d->code, sizeof d->code, "D%02d", i + 1);
		d->place    = district_places[places[i]];
		d->locale   = sample_rng_int(&r, 0, LOC_N - 1);
		d->frl_base = sample_rng_range(&r, 0.25, 0.75);
	}

	g->s = calloc((size_t) g->ns, sizeof *g->s);
	if (g->s == NULL) {
		return TD_ENOMEM;
	}
	int sw      = sample_digits(g->ns) < 3 ? 3 : sample_digits(g->ns);
	int combos  = N_FIRST * N_SECOND;
	int off     = sample_rng_int(&r, 0, combos - 1);
	int nedu    = 0;
	int cap_edu = g->ns * 15;
	g->e        = calloc((size_t) cap_edu, sizeof *g->e);
	if (g->e == NULL) {
		return TD_ENOMEM;
	}
	for (int i = 0; i < g->ns; i++) {
		school *s = &g->s[i];
		sample_fmt_code(s->code, sizeof s->code, "S", sw, i + 1);
		/* Districts get contiguous blocks of unequal size, so
		 * `district` reads naturally in schools.csv. */
		s->district = (int) ((long) i * g->nd / g->ns);
		district *d = &g->d[s->district];
		double    u = sample_rng_unif(&r);
		s->level    = u < 0.55 ? LVL_ELEM
		       : u < 0.80      ? LVL_MIDDLE
		                       : LVL_HIGH;
		s->locale   = sample_rng_bern(&r, 0.6)
		      ? d->locale
		      : sample_rng_int(&r, 0, LOC_N - 1);
		double lf   = log(d->frl_base / (1.0 - d->frl_base))
		    + 0.6 * sample_rng_norm(&r);
		double frl = 1.0 / (1.0 + exp(-lf));
		frl        = frl < 0.02 ? 0.02 : frl > 0.98 ? 0.98 : frl;
		s->frl     = round(frl * 1000.0) / 1000.0;
		static const double med[] = { 450.0, 700.0, 1300.0 };
		double en   = med[s->level] * exp(0.38 * sample_rng_norm(&r));
		s->enroll   = (int) lround(en < 150        ? 150
		                               : en > 2500 ? 2500
		                                           : en);
		s->ell      = sample_rng_range(&r, 0.02,
                                          s->locale == LOC_CITY ? 0.35 : 0.18);
		s->u_ela    = ELA_SD_SCHOOL * sample_rng_trunc_norm(&r, 2.0);
		s->u_att    = ATT_SD_SCHOOL * sample_rng_trunc_norm(&r, 2.0);
		s->u_clim   = 0.3 * sample_rng_norm(&r);
		s->u_collab = 0.35 * sample_rng_norm(&r);
		s->teachers = s->enroll / 15 < 8 ? 8 : s->enroll / 15;
		int lo, span;
		sample_survey_grades(s, &lo, &span);
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
		int n   = sample_rng_int(&r, 8, 15);
		s->edu0 = nedu;
		s->nedu = n;
		int k   = 0;
		int roles[15];
		roles[k++] = ROLE_PRINCIPAL;
		if (s->enroll >= 500) {
			roles[k++] = ROLE_AP;
		}
		if (sample_rng_bern(&r, 0.5)) {
			roles[k++] = ROLE_COACH;
		}
		int ntl = sample_rng_int(&r, 1, 2);
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
			e->given  = sample_rng_int(&r, 0, sample_n_given - 1);
			e->family = sample_rng_int(&r, 0, sample_n_family - 1);
			e->skill  = sample_rng_norm(&r);
			e->bias   = 0.12 * sample_rng_norm(&r);
		}
	}
	g->ne = nedu;
	g->ew = sample_digits(nedu) < 4 ? 4 : sample_digits(nedu);
	for (int i = 0; i < g->ne; i++) {
		sample_fmt_code(g->e[i].code, sizeof g->e[i].code, "E", g->ew,
		                i + 1);
	}
	/* Upper bound on observation rows: 3 per teaching educator-year. */
	g->ow = sample_digits((long) g->ne * g->o.years * 3) < 5
	    ? 5
	    : sample_digits((long) g->ne * g->o.years * 3);
	return 0;
}

int
sample_build_plan(gen *g)
{
	rng r;
	int ns = g->ns, ny = g->o.years;
	sample_rng_init(&r, g->o.seed, ST_PLAN, 0);

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
	qsort(big, (size_t) ns, sizeof *big, sample_cmp_int);
	int median_enroll = big[ns / 2];
	free(big);
	g->npd = ns / 4 < 3 ? ns / 4 : 3;
	for (int k = 0; k < g->npd;) {
		int i = sample_rng_int(&r, 0, ns - 1);
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
		s->coaching        = sample_rng_bern(&r, p);
		s->workshop        = sample_rng_bern(&r, 0.5);
		s->video           = sample_rng_bern(&r, 0.3);
		s->coach_intensity = sample_rng_range(&r, 6.0, 30.0);
	}
	/* Isolated schools: no shared activity, no cross-school observation,
	 * no shared PDSA cycle. Chosen without the random stream, from the
	 * last school backwards, among schools that are not deviants, take
	 * up no coaching, workshop or video and are outside the leadership
	 * academy's district, so no other plant moves; only with 8 or more
	 * schools, so a network remains. */
	for (int pass = 0; pass < 2 && ns >= 8 && g->niso < N_ISOLATED;
	     pass++) {
		for (int i = ns - 1; i >= 0 && g->niso < N_ISOLATED; i--) {
			school *s = &g->s[i];
			if (s->pd || s->iso
			    || (pass == 0
			        && (s->coaching || s->workshop || s->video
			            || s->district == 0))) {
				continue;
			}
			s->iso      = 1;
			s->coaching = s->workshop = s->video = 0;
			g->iso[g->niso++]                    = i;
		}
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

	/* Coaching hours per educator-year, from year 2 on; a staggered
	 * roll-out: every fourth school starts a year later when there is
	 * one (STAGGER_EVERY). The random draws are the same either way, so
	 * everything else the seed makes stays put. */
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
		s->coach_start
		    = ny >= 3 && i % STAGGER_EVERY == STAGGER_EVERY - 1 ? 2
		                                                        : 1;
		for (int y = 1; y < ny; y++) {
			double h = 0.0;
			double f = sample_rng_range(&r, 0.85, 1.15);
			for (int k = s->edu0; k < s->edu0 + s->nedu; k++) {
				if (!sample_is_teaching(g->e[k].role)) {
					continue;
				}
				double x = s->coach_intensity * f
				    * sample_rng_range(&r, 0.7, 1.3);
				x = y < s->coach_start ? 0.0
				                       : round(x * 2.0) / 2.0;
				g->coach_hours[(size_t) k * ny + y] = x;
				h += x;
			}
			if (y < s->coach_start) {
				continue;
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
		m += (sample_ela_context(&g->s[i]) + g->s[i].u_ela) / ns;
	}
	for (int i = 0; i < ns; i++) {
		double dlt = sample_ela_context(&g->s[i]) + g->s[i].u_ela - m;
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
		g->out_school = sample_rng_int(&r, 0, ns - 1);
	} while (g->s[g->out_school].pd);
	g->out_year  = 0;
	g->out_month = sample_rng_int(&r, 1, 8);

	/* A CPI-like price index, base 100 in the first year. */
	g->index[0] = 100.0;
	for (int y = 1; y < ny; y++) {
		g->index[y] = g->index[y - 1]
		    * (1.0 + sample_rng_range(&r, 0.02, 0.04));
	}
	for (int y = 0; y < ny; y++) {
		g->index[y] = round(g->index[y] * 10.0) / 10.0;
	}
	return 0;
}

/* size_free: a school the size plant may resize: none of the other plants
 * (deviants, coaching, isolation, the mistyped value) and not yet
 * resized, so their effects and their schools' draws stay as they were. */
static int
size_free(const gen *g, int i)
{
	const school *s = &g->s[i];
	if (s->pd || s->coaching || s->iso || i == g->out_school) {
		return 0;
	}
	for (int k = 0; k < g->nsmall; k++) {
		if (g->small[k] == i) {
			return 0;
		}
	}
	for (int k = 0; k < g->nlarge; k++) {
		if (g->large[k] == i) {
			return 0;
		}
	}
	return 1;
}

int
sample_build_sizes(gen *g)
{
	rng r;
	int ns = g->ns, free_n = 0;
	sample_rng_init(&r, g->o.seed, ST_SIZES, 0);
	g->nsmall = g->nlarge = 0;
	g->funnel_school      = -1;
	for (int i = 0; i < ns; i++) {
		free_n += size_free(g, i);
	}
	int want = ns / 12 < 3 ? ns / 12 : 3;
	if (2 * want > free_n) {
		want = free_n / 2;
	}
	/* Very small schools: a few dozen students; the surveyed cohort
	 * follows (it only shrinks, so student ids keep their width). */
	while (g->nsmall < want) {
		int i = sample_rng_int(&r, 0, ns - 1);
		if (!size_free(g, i)) {
			continue;
		}
		school *s  = &g->s[i];
		s->enroll  = sample_rng_int(&r, SIZE_SMALL_LO, SIZE_SMALL_HI);
		int grades = s->level == LVL_ELEM ? 6
		    : s->level == LVL_MIDDLE      ? 3
		                                  : 4;
		int c      = (s->enroll + grades - 1) / grades;
		s->cohort  = c < s->cohort ? c : s->cohort;
		g->small[g->nsmall++] = i;
	}
	/* Very large schools; the first of them has far more chronic
	 * absence than its attendance predicts: the funnel plot's one real
	 * outlier. */
	while (g->nlarge < want) {
		int i = sample_rng_int(&r, 0, ns - 1);
		if (!size_free(g, i)) {
			continue;
		}
		g->s[i].enroll
		    = sample_rng_int(&r, SIZE_LARGE_LO, SIZE_LARGE_HI);
		g->large[g->nlarge++] = i;
	}
	if (g->nlarge > 0) {
		g->funnel_school                = g->large[0];
		g->s[g->funnel_school].ca_shift = FUNNEL_RISE;
	}
	return 0;
}
