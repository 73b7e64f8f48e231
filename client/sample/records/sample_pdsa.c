/* SPDX-License-Identifier: MIT
 * PDSA cycles of the sample network (pdsa.csv): a network cycle that
 * starts with the attendance level shift (so a signal follows it and its
 * prediction is met), a cycle two positive deviants ran together, and a
 * running and an abandoned school cycle. A row is written only when its
 * dates fall inside the generated years.
 */
#include <math.h>
#include <stdio.h>

#include "common.h"
#include "sample_internal.h"

typedef struct pdsa_row {
	const char *code;
	int         school; /* 0 network, 1 and 2 deviants, 3 and 4 others */
	const char *measure, *activity, *idea, *prediction;
	/* NaN = none; else the network's first-year attendance plus this */
	double      predicted;
	int         year; /* academic year index of the start */
	int         m0, d0, m1, d1; /* start and end; m1 0 = open */
	const char *status, *result;
} pdsa_row;

static const pdsa_row rows[] = {
	{ "PDSA-01", 0, "attendance", "A03",
	  "Advisory teachers check in daily with every absent student",
	  "Network attendance at least a point above 2023-24", 1.0, 1, 9, 1, 6,
	  30, "done",
	  "Attendance rose from September and stayed up; adopt and "
	  "spread" },
	{ "PDSA-02", 1, "ela_scale", "",
	  "\"Why\" and \"how\" question stems in every lesson",
	  "Students explain their reasoning more often", NAN, 0, 1, 8, 4, 26,
	  "done", "More students explained their thinking; keep going" },
	{ "PDSA-02", 2, "ela_scale", "",
	  "\"Why\" and \"how\" question stems in every lesson",
	  "Students explain their reasoning more often", NAN, 0, 1, 8, 4, 26,
	  "done", "Adopted by the grade-level team" },
	{ "PDSA-03", 3, "attendance", "",
	  "Text families on the first day of an absence",
	  "Fewer second absences in a row", NAN, 2, 10, 6, 0, 0, "running",
	  "" },
	{ "PDSA-04", 4, "ela_scale", "", "Silent reading block before lunch",
	  "", NAN, 1, 10, 7, 11, 15, "abandoned",
	  "Lost to timetable changes" },
};

const char *
sample_pdsa_signal(void)
{
	return rows[0].code;
}

double
sample_pdsa_predicted(const gen *g)
{
	return g->att_base + rows[0].predicted;
}

/* school_of: the school index of a row's school slot; -1 network, -2 when
 * the network is too small to have that school. */
static int
school_of(const gen *g, int slot)
{
	if (slot == 0) {
		return -1;
	}
	if (slot <= 2) {
		return slot <= g->npd ? g->pd[slot - 1] : -2;
	}
	/* the first schools that are neither deviants nor isolated */
	int seen = 0;
	for (int i = 0; i < g->ns; i++) {
		if (!g->s[i].pd && !g->s[i].iso && ++seen == slot - 2) {
			return i;
		}
	}
	return -2;
}

int
sample_write_pdsa(gen *g)
{
	csvw w;
	int  rv;
	if ((rv = sample_gen_open(g, "pdsa.csv", &w,
	                          "cycle,school,measure,activity,change_idea,"
	                          "prediction,predicted_value,start,end,"
	                          "status,result"))
	    != 0) {
		return rv;
	}
	for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
		const pdsa_row *p  = &rows[k];
		int             si = school_of(g, p->school);
		if (p->year >= g->o.years || si == -2) {
			continue;
		}
		int ay = SAMPLE_FIRST_YEAR + p->year;
		sample_cw_str(&w, p->code);
		sample_cw_str(&w, si >= 0 ? g->s[si].code : NULL);
		sample_cw_str(&w, p->measure);
		sample_cw_str(&w, p->activity);
		sample_cw_str(&w, p->idea);
		sample_cw_str(&w, p->prediction);
		if (isnan(p->predicted)) {
			sample_cw_str(&w, NULL);
		} else {
			sample_cw_fix(&w, g->att_base + p->predicted, 1);
		}
		/* months from August belong to the year's first calendar
		 * year */
		sample_cw_date(&w,
		               common_days_from_civil(p->m0 >= 8 ? ay : ay + 1,
		                                      p->m0, p->d0));
		if (p->m1 == 0) {
			sample_cw_str(&w, NULL);
		} else {
			sample_cw_date(
			    &w,
			    common_days_from_civil(p->m1 >= 8 ? ay : ay + 1,
			                           p->m1, p->d1));
		}
		sample_cw_str(&w, p->status);
		sample_cw_str(&w, p->result);
		sample_cw_end(&w);
	}
	return sample_gen_close(g, &w, "pdsa.csv");
}
