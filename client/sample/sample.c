/* SPDX-License-Identifier: MIT
 * Sample-network generator: a small statistical model of a network of
 * schools (context -> outcomes, latent traits -> survey and rubric scores)
 * written out as the CSV files the `tandem` CLI ingests, with planted
 * effects listed in PLANTED.md / planted.csv so demos and tests can check
 * that the analyses find them. Plain C11 + libc + libm, own PRNG, so the
 * same seed gives the same bytes. This file drives the generation and
 * writes PLANTED.md; the model and each kind of file have their own file.
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

#include "sample_internal.h"

/* ------------------------------------------------------------------ */
/* What was planted, for people (PLANTED.md) and programs (planted.csv). */

static const char *
fx(char *buf, double v, int dec)
{
	sample_fmt_fix(buf, v, dec);
	return buf;
}

static void
period_label(char *buf, size_t len, int y)
{
	int ay = SAMPLE_FIRST_YEAR + y;
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

	if ((rv = sample_gen_open(g, "planted.csv", &w, "kind,code,detail"))
	    != 0) {
		return rv;
	}
	for (int k = 0; k < g->npd; k++) {
		snprintf(detail, sizeof detail,
		         "ela_scale +%s and attendance +%s over what context "
		         "predicts (%s SD of school effects), every year",
		         fx(b1, PD_SDS * ELA_SD_SCHOOL, 1),
		         fx(b2, PD_SDS * ATT_SD_SCHOOL, 1), fx(b3, PD_SDS, 1));
		sample_cw_str(&w, "positive_deviant");
		sample_cw_str(&w, g->s[g->pd[k]].code);
		sample_cw_str(&w, detail);
		sample_cw_end(&w);
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
	sample_cw_str(&w, "effective_activity");
	sample_cw_str(&w, "A01");
	sample_cw_str(&w, detail);
	sample_cw_end(&w);
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
			sample_cw_str(&w, "activity_effect");
			sample_cw_str(&w, g->s[i].code);
			sample_cw_str(&w, detail);
			sample_cw_end(&w);
		}
	}
	period_label(yl, sizeof yl, 1);
	snprintf(detail, sizeof detail,
	         "workshop from %s: no effect on any measure", yl);
	sample_cw_str(&w, "null_activity");
	sample_cw_str(&w, "A06");
	sample_cw_str(&w, detail);
	sample_cw_end(&w);
	if (ny >= 2) {
		snprintf(detail, sizeof detail,
		         "network attendance +%s points from %d-09-01 on",
		         fx(b1, ATT_SHIFT, 1), SAMPLE_FIRST_YEAR + 1);
		sample_cw_str(&w, "level_shift");
		sample_cw_str(&w, "attendance");
		sample_cw_str(&w, detail);
		sample_cw_end(&w);
	}
	snprintf(detail, sizeof detail,
	         "attendance target %s: the network's process passes it "
	         "consistently",
	         fx(b1, ATT_TARGET, 1));
	sample_cw_str(&w, "target");
	sample_cw_str(&w, "attendance");
	sample_cw_str(&w, detail);
	sample_cw_end(&w);
	for (int k = 0; k < g->nsmall + g->nlarge; k++) {
		int i = k < g->nsmall ? g->small[k] : g->large[k - g->nsmall];
		snprintf(detail, sizeof detail, "%s school: enrollment %d",
		         k < g->nsmall ? "very small" : "very large",
		         g->s[i].enroll);
		sample_cw_str(&w,
		              k < g->nsmall ? "small_school" : "large_school");
		sample_cw_str(&w, g->s[i].code);
		sample_cw_str(&w, detail);
		sample_cw_end(&w);
	}
	if (g->funnel_school >= 0) {
		snprintf(detail, sizeof detail,
		         "chronic_absence %s points above what its attendance "
		         "predicts, every year: outside the funnel's 99.8%% "
		         "limits",
		         fx(b1, FUNNEL_RISE, 1));
		sample_cw_str(&w, "funnel_outlier");
		sample_cw_str(&w, g->s[g->funnel_school].code);
		sample_cw_str(&w, detail);
		sample_cw_end(&w);
	}
	for (int i = 0; ny >= 3 && i < g->ns; i++) {
		if (!g->s[i].coaching || g->s[i].coach_start < 2) {
			continue;
		}
		period_label(yl, sizeof yl, g->s[i].coach_start);
		snprintf(detail, sizeof detail,
		         "A01 adopted late, from %s (staggered roll-out)", yl);
		sample_cw_str(&w, "late_adopter");
		sample_cw_str(&w, g->s[i].code);
		sample_cw_str(&w, detail);
		sample_cw_end(&w);
	}
	sample_school_month(SAMPLE_FIRST_YEAR + g->out_year, g->out_month, &cy,
	                    &cm);
	snprintf(detail, sizeof detail,
	         "attendance %d-%02d-01 written as %s (true %s)", cy, cm,
	         fx(b1, g->out_written, 1), fx(b2, g->out_true, 1));
	sample_cw_str(&w, "outlier");
	sample_cw_str(&w, g->s[g->out_school].code);
	sample_cw_str(&w, detail);
	sample_cw_end(&w);
	for (int k = 0; k < g->niso; k++) {
		sample_cw_str(&w, "isolated_school");
		sample_cw_str(&w, g->s[g->iso[k]].code);
		sample_cw_str(&w,
		              "no shared activity, cross-school observation "
		              "or PDSA cycle in any year");
		sample_cw_end(&w);
	}
	if (g->npd > 0) {
		snprintf(
		    detail, sizeof detail,
		    "observations in the positive deviants' schools score "
		    "+%s (latent) on %s",
		    fx(b1, PD_PRACTICE, 1), PD_CRITERION_CODE);
		sample_cw_str(&w, "deviant_practice");
		sample_cw_str(&w, PD_CRITERION_CODE);
		sample_cw_str(&w, detail);
		sample_cw_end(&w);
	}
	if (ny >= 2) {
		snprintf(detail, sizeof detail,
		         "network cycle on attendance from %d-09-01, with the "
		         "level shift: a run-chart signal follows its start",
		         SAMPLE_FIRST_YEAR + 1);
		sample_cw_str(&w, "pdsa_signal");
		sample_cw_str(&w, sample_pdsa_signal());
		sample_cw_str(&w, detail);
		sample_cw_end(&w);
	}
	if ((rv = sample_gen_close(g, &w, "planted.csv")) != 0) {
		return rv;
	}

	if ((rv = sample_gen_open(g, "PLANTED.md", &w, NULL)) != 0) {
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
	        (unsigned long long) g->o.seed, g->ns, ny, SAMPLE_FIRST_YEAR,
	        (SAMPLE_FIRST_YEAR + 1) % 100);
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
	        fx(b1, ATT_SHIFT, 1), SAMPLE_FIRST_YEAR + 1,
	        ny >= 2 ? "" : " (not present: only one year generated)");
	fprintf(f,
	        "5. **A mistyped value**: %s `attendance` for %d-%02d is "
	        "written as %s instead of %s (decimal point slipped); the "
	        "outlier screen should catch it before it moves a chart.\n",
	        g->s[g->out_school].code, cy, cm, fx(b1, g->out_written, 1),
	        fx(b2, g->out_true, 1));
	fprintf(f,
	        "6. **A practice to discover**: observations in the positive "
	        "deviants' schools score +%s (latent) on `%s`, so Positive "
	        "Deviance Inquiry's discover step (`tandem analyze discover`) "
	        "should point the coaches at it.\n",
	        fx(b1, PD_PRACTICE, 1), PD_CRITERION_CODE);
	fprintf(f, "7. **Isolated schools** (");
	for (int k = 0; k < g->niso; k++) {
		fprintf(f, "%s%s", k ? ", " : "", g->s[g->iso[k]].code);
	}
	fprintf(f,
	        "%s): they take part in no activity, observe no one "
	        "elsewhere and share no PDSA cycle, so `tandem analyze "
	        "isolation` flags them; every other school is tied through "
	        "the network's shared activities.\n",
	        g->niso == 0 ? "none: fewer than 8 schools" : "");
	fprintf(f,
	        "8. **PDSA cycles** (pdsa.csv): %s, a network cycle on "
	        "`attendance` starting %d-09-01 with the level shift, so a "
	        "signal follows it and its prediction (%s) is met; a cycle "
	        "two deviant schools ran together; a running and an "
	        "abandoned school cycle.\n",
	        sample_pdsa_signal(), SAMPLE_FIRST_YEAR + 1,
	        fx(b1, sample_pdsa_predicted(g), 1));
	fprintf(f,
	        "9. **A staggered roll-out**: with three years or more, every "
	        "%dth coached school (the `late_adopter` rows of planted.csv) "
	        "starts coaching a year later than the others, so "
	        "`tandem analyze impact --measure ela_scale --activity A01` "
	        "finds two adoption cohorts, a positive ATT and pre-adoption "
	        "event times near 0.\n",
	        STAGGER_EVERY);
	fprintf(f,
	        "10. **A measure with a target**: `attendance` has target %s "
	        "(measures.csv); the network's Making Data Count chart "
	        "consistently passes it (`tandem analyze mdc --measure "
	        "attendance`).\n",
	        fx(b1, ATT_TARGET, 1));
	fprintf(f,
	        "11. **Schools of very different sizes**: %d very small "
	        "schools (%d-%d students) and %d very large ones (%d-%d), "
	        "none of them in another plant (`small_school` and "
	        "`large_school` rows of planted.csv); the large school %s "
	        "has %s points more `chronic_absence` than its attendance "
	        "predicts, so `tandem analyze funnel --measure "
	        "chronic_absence --grain year` puts it, and no other school, "
	        "outside the 99.8%% limits; `attendance` is left as it was "
	        "so the other plants stay.\n\n",
	        g->nsmall, SIZE_SMALL_LO, SIZE_SMALL_HI, g->nlarge,
	        SIZE_LARGE_LO, SIZE_LARGE_HI,
	        g->funnel_school >= 0 ? g->s[g->funnel_school].code : "(none)",
	        fx(b1, FUNNEL_RISE, 1));
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
	        "(base 100 in %d); pdsa (PDSA cycles; school empty = the "
	        "network).\n",
	        SAMPLE_FIRST_YEAR);
	return sample_gen_close(g, &w, "PLANTED.md");
}

/* ------------------------------------------------------------------ */

void
sample_opts_init(sample_opts *opts)
{
	opts->seed    = 1;
	opts->schools = 40;
	opts->years   = 3;
}

static int
make_dir(const char *path, char *errmsg)
{
	if (mkdir(path, 0777) != 0 && errno != EEXIST) {
		sample_seterr(errmsg, "cannot create directory %s: %s", path,
		              strerror(errno));
		return TD_EIO;
	}
	return 0;
}

int
sample_generate(const sample_opts *opts, const char *outdir, char *errmsg)
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
		sample_opts_init(&g.o);
	}
	if (g.o.schools < 1 || g.o.schools > SAMPLE_MAX_SCHOOLS) {
		sample_seterr(errmsg, "schools %d is outside 1..%d",
		              g.o.schools, SAMPLE_MAX_SCHOOLS);
		return TD_EINVAL;
	}
	if (g.o.years < 1 || g.o.years > SAMPLE_MAX_YEARS) {
		sample_seterr(errmsg, "years %d is outside 1..%d", g.o.years,
		              SAMPLE_MAX_YEARS);
		return TD_EINVAL;
	}
	if (outdir == NULL || outdir[0] == '\0') {
		sample_seterr(errmsg, "output directory is empty");
		return TD_EINVAL;
	}
	int n = snprintf(sub, sizeof sub, "%s/oneroster", outdir);
	if (n < 0 || (size_t) n >= sizeof sub) {
		sample_seterr(errmsg,
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
	if ((rv = sample_build_registry(&g)) == 0
	    && (rv = sample_build_plan(&g)) == 0
	    && (rv = sample_build_sizes(&g)) == 0
	    && (rv = sample_write_registry(&g)) == 0
	    && (rv = sample_write_measures(&g)) == 0
	    && (rv = sample_write_oneroster(&g)) == 0
	    && (rv = sample_write_outcomes(&g)) == 0
	    && (rv = sample_write_surveys(&g)) == 0
	    && (rv = sample_write_observations(&g)) == 0
	    && (rv = sample_write_activities(&g)) == 0
	    && (rv = sample_write_costs(&g)) == 0
	    && (rv = sample_write_pdsa(&g)) == 0) {
		rv = write_planted(&g);
	}
	if (rv == TD_ENOMEM) {
		sample_seterr(errmsg, "out of memory generating %d schools",
		              g.ns);
	}
	free(g.s);
	free(g.e);
	free(g.coach_hours);
	free(g.effect);
	return rv;
}
