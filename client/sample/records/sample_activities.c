/* SPDX-License-Identifier: MIT
 * Improvement activities of the sample network: activities,
 * participation and their costs by the ingredients method.
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
	sample_cw_str(w, code);
	sample_cw_str(w, s->code);
	sample_cw_str(w, e != NULL ? e->code : NULL);
	sample_cw_date(w, start);
	sample_cw_date(w, end);
	sample_cw_fix(w, hours, 1);
	sample_cw_end(w);
	/* Whole-school rows: hours are the school's meeting hours, attended
	 * by its teachers. */
	ag->educators += e != NULL ? 1 : s->teachers;
	ag->hours += e != NULL ? hours : hours * s->teachers;
}

int
sample_write_activities(gen *g)
{
	csvw w;
	int  rv;
	char code[16];
	if ((rv = sample_gen_open(g, "activities.csv", &w,
	                          "activity,kind,name,district"))
	    != 0) {
		return rv;
	}
	for (int a = 0; a < ACT_N; a++) {
		act_code(code, sizeof code, a);
		sample_cw_str(&w, code);
		sample_cw_str(&w, act_kinds[a]);
		sample_cw_str(&w, act_names[a]);
		sample_cw_str(&w, a == ACT_ACADEMY ? g->d[0].code : NULL);
		sample_cw_end(&w);
	}
	if ((rv = sample_gen_close(g, &w, "activities.csv")) != 0) {
		return rv;
	}

	if ((rv = sample_gen_open(
	         g, "participation.csv", &w,
	         "activity,school,educator,period_start,period_end,"
	         "hours"))
	    != 0) {
		return rv;
	}
	int ny = g->o.years;
	for (int i = 0; i < g->ns; i++) {
		const school *s = &g->s[i];
		rng           r;
		if (s->iso) {
			continue; /* takes part in nothing shared */
		}
		sample_rng_init(&r, g->o.seed, ST_PARTICIPATE,
		                (uint64_t) i + 1);
		for (int y = 0; y < ny; y++) {
			int  ay    = SAMPLE_FIRST_YEAR + y;
			long sep1  = common_days_from_civil(ay, 9, 1);
			long jun30 = common_days_from_civil(ay + 1, 6, 30);
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
			         round(sample_rng_range(&r, 18.0, 36.0) * 2.0)
			             / 2.0);
			touched[ACT_PLC] = 1;
			for (int k = s->edu0; k < s->edu0 + s->nedu; k++) {
				const educator *e = &g->e[k];
				if (e->role == ROLE_PRINCIPAL
				    || (e->role == ROLE_TEACHER_LEADER
				        && g->e[k - 1].role
				            != ROLE_TEACHER_LEADER)) {
					part_row(
					    g, &w, ACT_NIC, y, s, e,
					    common_days_from_civil(ay, 10, 1),
					    common_days_from_civil(ay + 1, 5,
					                           31),
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
						    common_days_from_civil(
						        ay, 8, 1),
						    jun30,
						    (double) sample_rng_int(
						        &r, 24, 48));
						touched[ACT_ACADEMY] = 1;
					}
				}
			}
			if (s->video) {
				for (int k = s->edu0; k < s->edu0 + s->nedu;
				     k++) {
					if (sample_is_teaching(g->e[k].role)) {
						part_row(
						    g, &w, ACT_VIDEO, y, s,
						    &g->e[k], sep1, jun30,
						    round(sample_rng_range(
						              &r, 3.0, 8.0)
						          * 2.0)
						        / 2.0);
						touched[ACT_VIDEO] = 1;
					}
				}
			}
			if (s->workshop && y >= 1) {
				part_row(g, &w, ACT_WORKSHOP, y, s, NULL,
				         common_days_from_civil(ay, 8, 14),
				         common_days_from_civil(ay, 8, 15),
				         sample_rng_bern(&r, 0.5) ? 6.0
				                                  : 12.0);
				touched[ACT_WORKSHOP] = 1;
			}
			for (int a = 0; a < ACT_N; a++) {
				g->act[a][y].schools += touched[a];
			}
		}
	}
	return sample_gen_close(g, &w, "participation.csv");
}

/* A number with up to `dec` decimals and no trailing zeros. */
static void
cw_num(csvw *w, double v, int dec)
{
	char buf[48];
	sample_fmt_fix(buf, v, dec);
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
	sample_cw_sep(w);
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

int
sample_write_costs(gen *g)
{
	csvw w;
	int  rv;
	rng  r;
	char code[16];
	sample_rng_init(&r, g->o.seed, ST_COSTS, 0);

	if ((rv = sample_gen_open(g, "price_index.csv", &w, "year,index"))
	    != 0) {
		return rv;
	}
	for (int y = 0; y < g->o.years; y++) {
		sample_cw_int(&w, SAMPLE_FIRST_YEAR + y);
		sample_cw_fix(&w, g->index[y], 1);
		sample_cw_end(&w);
	}
	if ((rv = sample_gen_close(g, &w, "price_index.csv")) != 0) {
		return rv;
	}

	if ((rv = sample_gen_open(g, "costs.csv", &w,
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
				    * sample_rng_range(&r, 0.98, 1.02);
				sample_cw_str(&w, code);
				sample_cw_int(&w, SAMPLE_FIRST_YEAR + y);
				sample_cw_str(&w, in->name);
				sample_cw_str(&w, in->category);
				cw_num(&w, q, 2);
				sample_cw_fix(&w, u,
				              in->unit_cost < 10.0 ? 3 : 2);
				sample_cw_end(&w);
			}
		}
	}
	return sample_gen_close(g, &w, "costs.csv");
}
