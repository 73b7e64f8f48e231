/* SPDX-License-Identifier: MIT
 * Registry files of the sample network (districts, schools, educators,
 * measures), its OneRoster folder and the monthly outcomes.
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

int
sample_write_registry(gen *g)
{
	csvw w;
	int  rv;
	char buf[160];

	if ((rv = sample_gen_open(g, "districts.csv", &w, "district,name"))
	    != 0) {
		return rv;
	}
	for (int i = 0; i < g->nd; i++) {
		snprintf(buf, sizeof buf, "%s School District", g->d[i].place);
		sample_cw_str(&w, g->d[i].code);
		sample_cw_str(&w, buf);
		sample_cw_end(&w);
	}
	if ((rv = sample_gen_close(g, &w, "districts.csv")) != 0) {
		return rv;
	}

	if ((rv = sample_gen_open(
	         g, "schools.csv", &w,
	         "district,school,name,frl_rate,enrollment,locale,"
	         "grades"))
	    != 0) {
		return rv;
	}
	static const char *const grades[] = { "K-5", "6-8", "9-12" };
	for (int i = 0; i < g->ns; i++) {
		const school *s = &g->s[i];
		sample_cw_str(&w, g->d[s->district].code);
		sample_cw_str(&w, s->code);
		sample_cw_str(&w, s->name);
		sample_cw_fix(&w, s->frl, 3);
		sample_cw_int(&w, s->enroll);
		sample_cw_str(&w, locale_names[s->locale]);
		sample_cw_str(&w, grades[s->level]);
		sample_cw_end(&w);
	}
	if ((rv = sample_gen_close(g, &w, "schools.csv")) != 0) {
		return rv;
	}

	if ((rv = sample_gen_open(g, "educators.csv", &w,
	                          "educator,school,name,role"))
	    != 0) {
		return rv;
	}
	for (int i = 0; i < g->ne; i++) {
		const educator *e = &g->e[i];
		snprintf(buf, sizeof buf, "%s %s", given_names[e->given].name,
		         family_names[e->family].name);
		sample_cw_str(&w, e->code);
		sample_cw_str(&w, g->s[e->school].code);
		sample_cw_str(&w, buf);
		sample_cw_str(&w, role_names[e->role]);
		sample_cw_end(&w);
	}
	return sample_gen_close(g, &w, "educators.csv");
}

int
sample_write_measures(gen *g)
{
	csvw w;
	int  rv;
	if ((rv
	     = sample_gen_open(g, "measures.csv", &w,
	                       "measure,name,unit,direction,target,frequency"))
	    != 0) {
		return rv;
	}
	/* Attendance carries a target (Making Data Count's assurance): the
	 * network's process sits above it (PLANTED.md). */
	fprintf(w.f,
	        "ela_scale,ELA benchmark scale score (monthly mean),"
	        "scale_score,higher,,monthly\n"
	        "attendance,Average daily attendance (monthly),percent,higher,"
	        "%g,monthly\n"
	        "chronic_absence,Students chronically absent (missing 10%% or "
	        "more of days),percent,lower,,monthly\n"
	        "retention,Teacher retention (share of last year's teachers "
	        "who stayed),percent,higher,,yearly\n",
	        ATT_TARGET);
	return sample_gen_close(g, &w, "measures.csv");
}

int
sample_write_oneroster(gen *g)
{
	csvw w;
	int  rv;
	char buf[160];

	if ((rv = sample_gen_open(g, "oneroster/manifest.csv", &w,
	                          "propertyName,value"))
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
	if ((rv = sample_gen_close(g, &w, "oneroster/manifest.csv")) != 0) {
		return rv;
	}

	/* Bulk files leave status and dateLastModified empty. */
	if ((rv
	     = sample_gen_open(g, "oneroster/orgs.csv", &w,
	                       "sourcedId,status,dateLastModified,name,type,"
	                       "identifier,parentSourcedId"))
	    != 0) {
		return rv;
	}
	for (int i = 0; i < g->nd; i++) {
		snprintf(buf, sizeof buf, "org-%s", g->d[i].code);
		sample_cw_str(&w, buf);
		sample_cw_str(&w, NULL);
		sample_cw_str(&w, NULL);
		snprintf(buf, sizeof buf, "%s School District", g->d[i].place);
		sample_cw_str(&w, buf);
		sample_cw_str(&w, "district");
		sample_cw_str(&w, g->d[i].code);
		sample_cw_str(&w, NULL);
		sample_cw_end(&w);
	}
	for (int i = 0; i < g->ns; i++) {
		const school *s = &g->s[i];
		snprintf(buf, sizeof buf, "org-%s", s->code);
		sample_cw_str(&w, buf);
		sample_cw_str(&w, NULL);
		sample_cw_str(&w, NULL);
		sample_cw_str(&w, s->name);
		sample_cw_str(&w, "school");
		sample_cw_str(&w, s->code);
		snprintf(buf, sizeof buf, "org-%s", g->d[s->district].code);
		sample_cw_str(&w, buf);
		sample_cw_end(&w);
	}
	if ((rv = sample_gen_close(g, &w, "oneroster/orgs.csv")) != 0) {
		return rv;
	}

	if ((rv = sample_gen_open(
	         g, "oneroster/users.csv", &w,
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
		sample_cw_str(&w, buf);
		sample_cw_str(&w, NULL);
		sample_cw_str(&w, NULL);
		sample_cw_str(&w, "true");
		snprintf(buf, sizeof buf, "org-%s", s->code);
		sample_cw_str(&w, buf);
		sample_cw_str(&w,
		              e->role == ROLE_PRINCIPAL || e->role == ROLE_AP
		                  ? "administrator"
		                  : "teacher");
		sample_cw_str(&w, user);
		sample_cw_str(&w, NULL);
		sample_cw_str(&w, given_names[e->given].name);
		sample_cw_str(&w, family_names[e->family].name);
		sample_cw_str(&w, NULL);
		sample_cw_str(&w, e->code);
		snprintf(buf, sizeof buf, "%s@%s.example.org", user, dlow);
		sample_cw_str(&w, buf);
		sample_cw_str(&w, NULL);
		sample_cw_str(&w, NULL);
		sample_cw_str(&w, NULL);
		sample_cw_str(&w, NULL);
		sample_cw_str(&w, NULL);
		sample_cw_end(&w);
	}
	/* A few students, as a real SIS export has them; the importer is
	 * expected to skip them. */
	rng r;
	sample_rng_init(&r, g->o.seed, ST_ONEROSTER, 0);
	int sw = sample_student_width(g);
	for (int i = 0; i < g->ns && i < 4; i++) {
		const school *s = &g->s[i];
		int           lo, span;
		sample_survey_grades(s, &lo, &span);
		for (int k = 1; k <= 3; k++) {
			char id[48];
			int  gi = sample_rng_int(&r, 0, sample_n_given - 1);
			int  fi = sample_rng_int(&r, 0, sample_n_family - 1);
			/* seq 1..3 belong to the oldest cohort present */
			int grade = lo + span - 1;
			sample_student_id(id, sizeof id, s, k, sw);
			snprintf(buf, sizeof buf, "user-%s", id);
			sample_cw_str(&w, buf);
			sample_cw_str(&w, NULL);
			sample_cw_str(&w, NULL);
			sample_cw_str(&w, "true");
			snprintf(buf, sizeof buf, "org-%s", s->code);
			sample_cw_str(&w, buf);
			sample_cw_str(&w, "student");
			snprintf(buf, sizeof buf, "%s%s%d",
			         given_names[gi].ascii, family_names[fi].ascii,
			         k);
			sample_cw_str(&w, buf);
			sample_cw_str(&w, NULL);
			sample_cw_str(&w, given_names[gi].name);
			sample_cw_str(&w, family_names[fi].name);
			sample_cw_str(&w, NULL);
			sample_cw_str(&w, id);
			sample_cw_str(&w, NULL);
			sample_cw_str(&w, NULL);
			sample_cw_str(&w, NULL);
			sample_cw_str(&w, NULL);
			snprintf(buf, sizeof buf, "%02d", grade);
			sample_cw_str(&w, buf);
			sample_cw_str(&w, NULL);
			sample_cw_end(&w);
		}
	}
	return sample_gen_close(g, &w, "oneroster/users.csv");
}

/* sd < 0: no SD given (an empty cell). */
static void
outcome_row(csvw *w, const school *s, const char *measure, long start,
            long end, double value, int dec, int n, const char *subgroup,
            double sd)
{
	sample_cw_str(w, s->code);
	sample_cw_str(w, measure);
	sample_cw_date(w, start);
	sample_cw_date(w, end);
	sample_cw_fix(w, value, dec);
	sample_cw_int(w, n);
	sample_cw_str(w, subgroup);
	if (sd >= 0) {
		sample_cw_fix(w, sd, 1);
	} else {
		sample_cw_str(w, NULL);
	}
	sample_cw_end(w);
}

int
sample_write_outcomes(gen *g)
{
	csvw w;
	int  rv;
	int  ny = g->o.years;
	if ((rv = sample_gen_open(
	         g, "outcomes.csv", &w,
	         "school,measure,period_start,period_end,value,n,"
	         "subgroup,sd"))
	    != 0) {
		return rv;
	}
	/* Network-wide year effects, the same for every school. */
	double base_sum = 0.0, base_n = 0.0;
	rng    r;
	double year_ela[SAMPLE_MAX_YEARS];
	sample_rng_init(&r, g->o.seed, ST_OUTCOMES, 0);
	for (int y = 0; y < ny; y++) {
		year_ela[y] = 1.5 * sample_rng_norm(&r);
	}
	for (int i = 0; i < g->ns; i++) {
		const school *s = &g->s[i];
		sample_rng_init(&r, g->o.seed, ST_OUTCOMES, (uint64_t) i + 1);
		static const double tested[] = { 0.5, 1.0, 0.5 };
		int    n_all = (int) lround(s->enroll * tested[s->level]
		                            * sample_rng_range(&r, 0.9, 0.98));
		double ela0  = sample_ela_context(s) + s->u_ela;
		double att0  = sample_att_context(s) + s->u_att;
		for (int y = 0; y < ny; y++) {
			int    ay = SAMPLE_FIRST_YEAR + y;
			double yr_ela
			    = year_ela[y] + ELA_SD_YEAR * sample_rng_norm(&r);
			double yr_att   = 0.4 * sample_rng_norm(&r);
			double eff      = g->effect[(size_t) i * ny + y];
			double shift    = y >= 1 ? ATT_SHIFT : 0.0;
			int    enrolled = (int) lround(
			       s->enroll * sample_rng_range(&r, 0.97, 1.03));
			for (int mi = 0; mi < 10; mi++) {
				int cy, cm;
				sample_school_month(ay, mi, &cy, &cm);
				long start = common_days_from_civil(cy, cm, 1);
				long end   = common_days_from_civil(
				      cy, cm, sample_days_in_month(cy, cm));
				int n = n_all
				    - sample_rng_int(&r, 0, n_all / 20 + 1);
				double mu = ela0 + yr_ela + 1.8 * mi + eff;
				double v  = mu + 1.2 * sample_rng_norm(&r)
				    + ELA_SD_STUDENT / sqrt(n)
				        * sample_rng_norm(&r);
				outcome_row(&w, s, "ela_scale", start, end, v,
				            1, n, NULL, ELA_SD_STUDENT);
				int nf = (int) lround(n * s->frl);
				if (nf > 0) {
					v = mu - 8.0
					    + ELA_SD_STUDENT / sqrt(nf)
					        * sample_rng_norm(&r);
					outcome_row(&w, s, "ela_scale", start,
					            end, v, 1, nf, "frl",
					            ELA_SD_STUDENT);
				}
				int nl = (int) lround(n * s->ell);
				if (nl > 0) {
					v = mu - 20.0
					    + ELA_SD_STUDENT / sqrt(nl)
					        * sample_rng_norm(&r);
					outcome_row(&w, s, "ela_scale", start,
					            end, v, 1, nl, "ell",
					            ELA_SD_STUDENT);
				}
				double att = att0 + yr_att + att_season[mi]
				    + shift + 0.35 * sample_rng_norm(&r);
				att       = att > 99.5 ? 99.5 : att;
				double ca = 10.0 + 2.4 * (94.0 - att)
				    + 8.0 * (s->frl - 0.5)
				    + 1.2 * sample_rng_norm(&r) + s->ca_shift;
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
				            att_w, 1, enrolled, NULL, -1.0);
				if (y == 0) {
					base_sum += att * enrolled;
					base_n += enrolled;
				}
				outcome_row(&w, s, "chronic_absence", start,
				            end, ca, 1, enrolled, NULL, -1.0);
			}
			int    t = s->teachers;
			double p = 0.87 - 0.10 * (s->frl - 0.5)
			    + 0.03 * sample_rng_norm(&r);
			p        = p < 0.5 ? 0.5 : p > 0.99 ? 0.99 : p;
			int kept = 0;
			for (int k = 0; k < t; k++) {
				kept += sample_rng_bern(&r, p);
			}
			outcome_row(&w, s, "retention",
			            common_days_from_civil(ay, 8, 1),
			            common_days_from_civil(ay + 1, 7, 31),
			            100.0 * kept / t, 1, t, NULL, -1.0);
		}
	}
	g->att_base = base_n > 0 ? base_sum / base_n : 0.0;
	return sample_gen_close(g, &w, "outcomes.csv");
}
