/* SPDX-License-Identifier: MIT
 * The attacker test of disclosure control (issue 14): a small network with
 * planted small cells over several hierarchies and grains at once -- a
 * small school, a small month in a term, small and nearly-everyone
 * subgroups, a small grade, students answering twice in a week. As a
 * council client and as a district client it asks every aggregate the API
 * offers (every level, grain and group), then tries to solve for each
 * hidden cell by subtraction and by least squares over all the answers:
 * a hidden cell is recovered exactly when its unit vector lies in the row
 * space of the sums the attacker knows (the "aggregate = sum of parts"
 * equations of every hierarchy, with the released cells as constants).
 * It must recover no cell, and no hidden part of a shown total, about
 * fewer than min_n people. Admin answers give the truth.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define MIN_N     10
#define MAX_CELLS 2000

static char       conninfo[512];
static char       dir[128];
static h_server   srv;
static td_client *admin, *council, *district;

enum { R_ADMIN, R_COUNCIL, R_DISTRICT, N_ROLES };

typedef struct cell {
	char   level; /* 's', 'd', 'n', or 'c' = a subgroup's complement */
	char   unit[16];
	char   grain;
	char   period[12];
	char   group[8];
	double n; /* true people (admin's n) */
	int    state[N_ROLES]; /* -1 not seen, 0 shown, 1 hidden */
} cell;

static cell   cells[MAX_CELLS];
static size_t n_cells;

static const char *const SCHOOLS[][2] = {
	{ "A1", "D1" }, { "A2", "D1" }, { "A3", "D1" },
	{ "B1", "D2" }, { "B2", "D2" },
};
#define N_SCHOOLS 5

static void
write_file(const char *name, const char *text)
{
	h_write_file(dir, name, text);
}

/* Outcomes, Aug 2024 - Jul 2025. Planted: A2 has 12 students a month but
 * 5 in December (the term); A3 has 7 (a small school); ell is 4 of
 * A1, 3 of B1 and 20 of B2's 25 (whose complement is 5). */
static void
write_outcomes(void)
{
	char  path[256];
	FILE *f;
	snprintf(path, sizeof(path), "%s/outcomes.csv", dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f,
	        "school,measure,period_start,period_end,value,n,subgroup\n");
	static const int all_n[N_SCHOOLS] = { 40, 12, 7, 30, 25 };
	static const int ell_n[N_SCHOOLS] = { 4, 11, 0, 3, 20 };
	for (int s = 0; s < N_SCHOOLS; s++) {
		for (int m = 0; m < 12; m++) {
			int y = m < 5 ? 2024 : 2025, mon = (m + 7) % 12 + 1;
			int n = all_n[s];
			if (s == 1 && mon == 12) {
				n = 5;
			}
			double v = 80 + (s * 3 + m * 7) % 15 + 0.25 * s;
			fprintf(f, "%s,att,%d-%02d-01,%d-%02d-28,%.2f,%d,\n",
			        SCHOOLS[s][0], y, mon, y, mon, v, n);
			if (ell_n[s] > 0) {
				fprintf(f,
				        "%s,att,%d-%02d-01,%d-%02d-28,%.2f,%d,"
				        "ell\n",
				        SCHOOLS[s][0], y, mon, y, mon, v - 6,
				        ell_n[s]);
			}
		}
	}
	fclose(f);
}

static void
respond(FILE *f, const char *school, int count, const char *grade,
        const char *date, int seed)
{
	for (int i = 0; i < count; i++) {
		fprintf(f, "%s,%s-g%s-%03d,%s,%s,%d,%d\n", school, school,
		        grade, i, date, grade, 1 + (i * 7 + seed) % 5,
		        1 + (i * 3 + seed) % 5);
	}
}

/* Survey: A1's grade 4 has 4 students (who answer in September and
 * October); B1's grade 3 has 9 students who answer twice in one week (18
 * responses, 9 people); A3 has none. */
static void
write_responses(void)
{
	char  path[256];
	FILE *f;
	snprintf(path, sizeof(path), "%s/responses.csv", dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "school,respondent,administered_on,grade,q1,q2\n");
	respond(f, "A1", 15, "3", "2024-09-10", 1);
	respond(f, "A1", 4, "4", "2024-09-10", 2);
	respond(f, "A1", 15, "3", "2024-10-08", 3);
	respond(f, "A1", 4, "4", "2024-10-08", 4);
	respond(f, "A2", 12, "3", "2024-09-10", 5);
	respond(f, "A2", 12, "4", "2024-09-24", 6);
	respond(f, "B1", 9, "3", "2024-09-10", 7);
	respond(f, "B1", 9, "3", "2024-09-12", 8);
	respond(f, "B2", 20, "3", "2024-10-08", 9);
	respond(f, "B2", 20, "4", "2024-10-08", 10);
	fclose(f);
}

static td_client *
make_client(const char *role, const char *dist)
{
	char token[H_TOKEN_MAX];
	h_create_client(admin, role, role, NULL, dist, token, NULL);
	return h_client_token(&srv, 60000, token);
}

static int
setup(void **state)
{
	(void) state;
	h_db_create("disclosure", conninfo);
	h_server_start(&srv, conninfo, NULL);
	admin = h_client(&srv, 60000);
	snprintf(dir, sizeof(dir), "/tmp/tdtest-disc-%d", (int) getpid());
	assert_int_equal(h_run("rm -rf %s && mkdir -p %s", dir, dir), 0);
	write_file("districts.csv", "district,name\nD1,One\nD2,Two\n");
	write_file("schools.csv",
	           "district,school,name,frl_rate,enrollment,locale,grades\n"
	           "D1,A1,A1,0.5,400,city,K-5\nD1,A2,A2,0.4,300,city,K-5\n"
	           "D1,A3,A3,0.3,100,rural,K-5\nD2,B1,B1,0.6,350,town,K-5\n"
	           "D2,B2,B2,0.2,500,suburb,K-5\n");
	write_file("measures.csv",
	           "measure,name,unit,direction\natt,Attendance,percent,"
	           "higher\n");
	write_file("survey.csv",
	           "item,construct,min,max,reverse_coded,favourable_at_least,"
	           "text\nq1,c1,1,5,false,4,One\nq2,c1,1,5,false,4,Two\n");
	write_outcomes();
	write_responses();
	const char *steps[] = {
		"define districts %s/districts.csv",
		"define schools %s/schools.csv",
		"define measures %s/measures.csv",
		"define survey --code clim %s/survey.csv",
		"submit outcomes %s/outcomes.csv",
		"submit surveys --survey clim %s/responses.csv",
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char args[300];
		snprintf(args, sizeof(args), steps[i], dir);
		if (h_run("%s/tandem --server %s %s >>%s/load.log 2>&1",
		          h_bin_dir(), srv.url, args, dir)
		    != 0) {
			h_run("tail -20 %s/load.log >&2", dir);
			fail_msg("tandem %s failed", args);
		}
	}
	council  = make_client("council", "");
	district = make_client("district", "D1");
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	td_client_destroy(council);
	td_client_destroy(district);
	td_client_destroy(admin);
	assert_int_equal(h_server_stop(&srv), 0);
	h_run("rm -rf %s", dir);
	return 0;
}

static long
find_cell(char level, const char *unit, char grain, const char *period,
          const char *group)
{
	for (size_t i = 0; i < n_cells; i++) {
		cell *c = &cells[i];
		if (c->level == level && c->grain == grain
		    && strcmp(c->unit, unit) == 0
		    && strcmp(c->period, period) == 0
		    && strcmp(c->group, group) == 0) {
			return (long) i;
		}
	}
	return -1;
}

static long
add_cell(char level, const char *unit, char grain, const char *period,
         const char *group)
{
	long i = find_cell(level, unit, grain, period, group);
	if (i >= 0) {
		return i;
	}
	assert_true(n_cells < MAX_CELLS);
	cell *c = &cells[n_cells];
	memset(c, 0, sizeof(*c));
	c->level = level;
	c->grain = grain;
	snprintf(c->unit, sizeof(c->unit), "%s", unit);
	snprintf(c->period, sizeof(c->period), "%s", period);
	snprintf(c->group, sizeof(c->group), "%s", group);
	for (int r = 0; r < N_ROLES; r++) {
		c->state[r] = -1;
	}
	return (long) n_cells++;
}

/* ask one run chart and record every point it shows or hides; a cell must
 * be in the same state whichever call showed it. Returns the status. */
static int
ask(int role, const char *measure, Tandem__V1__ScopeLevel level,
    const char *code, Tandem__V1__Grain grain, char g, const char *group,
    bool survey)
{
	td_client                  *c[N_ROLES] = { admin, council, district };
	Tandem__V1__SeriesQuery     q   = TANDEM__V1__SERIES_QUERY__INIT;
	Tandem__V1__RunChartRequest req = TANDEM__V1__RUN_CHART_REQUEST__INIT;
	td_measure                  key;
	char                        err[TD_ERRMSG_MAX];
	if (td_measure_parse(&key, measure, err) != TD_OK) {
		fail_msg("measure %s: %s", measure, err);
	}
	q.measure                      = &key.key;
	q.level                        = level;
	q.code                         = (char *) code;
	q.grain                        = grain;
	q.subgroup                     = (char *) (survey ? "" : group);
	q.grade                        = (char *) (survey ? group : "");
	req.query                      = &q;
	Tandem__V1__SeriesResponse *r  = NULL;
	td_status                   st = { 0 };
	int rc = td_analysis_run_chart(c[role], &req, &r, &st);
	td_status_reset(&st);
	if (rc != TD_CODE_OK) {
		return rc;
	}
	char lv     = level == TANDEM__V1__SCOPE_LEVEL__NETWORK ? 'n'
	        : level == TANDEM__V1__SCOPE_LEVEL__DISTRICT
                || level == TANDEM__V1__SCOPE_LEVEL__EACH_DISTRICT
	        ? 'd'
	        : 's';
	int  hidden = 0;
	for (size_t k = 0; k < r->n_series; k++) {
		const Tandem__V1__Series *s = r->series[k];
		for (size_t i = 0; i < s->n_points; i++) {
			const Tandem__V1__Point *p = s->points[i];
			long                     x
			    = add_cell(lv, s->unit, g, p->period_start, group);
			int st_now = p->suppressed ? 1 : 0;
			if (p->suppressed) {
				hidden++;
				/* no value and no exact n */
				assert_true(p->value == 0 && p->n == 0);
				assert_true(
				    strcmp(p->suppression, "primary") == 0
				    || strcmp(p->suppression, "complementary")
				        == 0);
			}
			if (role == R_ADMIN) {
				assert_false(p->suppressed);
				cells[x].n = (double) p->n;
			}
			if (cells[x].state[role] >= 0
			    && cells[x].state[role] != st_now) {
				fail_msg(
				    "%c %s %c %s %s: shown by one call and "
				    "hidden by another",
				    lv, s->unit, g, p->period_start, group);
			}
			cells[x].state[role] = st_now;
		}
	}
	assert_non_null(r->disclosure);
	assert_int_equal(r->disclosure->suppressed, hidden);
	assert_int_equal(r->disclosure->min_n, MIN_N);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return rc;
}

/* ask_all: every level, grain and group the role may ask. */
static void
ask_all(int role, const char *measure, bool survey)
{
	static const struct {
		Tandem__V1__Grain g;
		char              c;
	} grains[] = {
		{ TANDEM__V1__GRAIN__WEEK, 'w' },
		{ TANDEM__V1__GRAIN__MONTH, 'm' },
		{ TANDEM__V1__GRAIN__TERM, 't' },
		{ TANDEM__V1__GRAIN__ACADEMIC_YEAR, 'y' },
	};
	const char *groups_o[] = { "", "ell" }, *groups_s[] = { "", "3", "4" };
	const char *const *groups = survey ? groups_s : groups_o;
	size_t             ng     = survey ? 3 : 2;
	for (size_t gi = survey ? 0 : 1; gi < 4; gi++) {
		for (size_t k = 0; k < ng; k++) {
			Tandem__V1__Grain G  = grains[gi].g;
			char              c  = grains[gi].c;
			const char       *gr = groups[k];
			if (role != R_DISTRICT) {
				ask(role, measure,
				    TANDEM__V1__SCOPE_LEVEL__NETWORK, "", G, c,
				    gr, survey);
				ask(role, measure,
				    TANDEM__V1__SCOPE_LEVEL__EACH_DISTRICT, "",
				    G, c, gr, survey);
				ask(role, measure,
				    TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL, "",
				    G, c, gr, survey);
			}
			ask(role, measure, TANDEM__V1__SCOPE_LEVEL__DISTRICT,
			    "D1", G, c, gr, survey);
			ask(role, measure,
			    TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL, "D1", G, c,
			    gr, survey);
			for (int s = 0; s < 3; s++) {
				ask(role, measure,
				    TANDEM__V1__SCOPE_LEVEL__SCHOOL,
				    SCHOOLS[s][0], G, c, gr, survey);
			}
		}
	}
}

static void
period_parent(const char *p, char to, char *out)
{
	int y, m, d;
	assert_int_equal(sscanf(p, "%d-%d-%d", &y, &m, &d), 3);
	if (to == 't') {
		snprintf(out, 12, "%04d-%02d-01", y, m >= 8 ? 8 : 1);
	} else {
		snprintf(out, 12, "%04d-08-01", m >= 8 ? y : y - 1);
	}
}

static const char *
district_of(const char *school)
{
	for (int s = 0; s < N_SCHOOLS; s++) {
		if (strcmp(SCHOOLS[s][0], school) == 0) {
			return SCHOOLS[s][1];
		}
	}
	return "";
}

/* The attacker's equations: one row per "aggregate = sum of parts" of
 * every hierarchy, over the cells the attacker does not know. */
typedef struct system {
	double *a; /* rows x n_cells */
	size_t  rows, cap;
} system_t;

static double *
new_row(system_t *S)
{
	if (S->rows == S->cap) {
		S->cap = S->cap ? 2 * S->cap : 256;
		S->a   = realloc(S->a, S->cap * n_cells * sizeof(double));
		assert_non_null(S->a);
	}
	double *r = &S->a[S->rows++ * n_cells];
	memset(r, 0, n_cells * sizeof(double));
	return r;
}

static bool
unknown(const cell *c, int role)
{
	return c->level == 'c' || c->state[role] != 0;
}

/* Relations with parent x: parts are the cells whose parent (by the given
 * hierarchy) is x. kind: 'u' unit, 'm'/'w' months/weeks of a term, 't'
 * terms of a year, 'g' groups. Returns the row's part list length. */
static bool
is_part(const cell *x, const cell *c, char kind)
{
	char buf[12];
	if (c->level == 'c') {
		return false;
	}
	switch (kind) {
	case 'u':
		if (c->grain != x->grain || strcmp(c->period, x->period)
		    || strcmp(c->group, x->group)) {
			return false;
		}
		return (x->level == 'n' && c->level == 'd')
		    || (x->level == 'd' && c->level == 's'
		        && strcmp(district_of(c->unit), x->unit) == 0);
	case 'm':
	case 'w':
	case 't':
		if (c->level != x->level || strcmp(c->unit, x->unit)
		    || strcmp(c->group, x->group) || c->grain != kind
		    || x->grain != (kind == 't' ? 'y' : 't')) {
			return false;
		}
		period_parent(c->period, x->grain, buf);
		return strcmp(buf, x->period) == 0;
	default: /* grades partition "all" */
		return c->level == x->level && !strcmp(c->unit, x->unit)
		    && c->grain == x->grain && !strcmp(c->period, x->period)
		    && x->group[0] == '\0' && c->group[0] != '\0';
	}
}

/* rref reduces S in place; returns true when some row equals e_x. */
static void
rref(system_t *S)
{
	size_t r = 0;
	for (size_t c = 0; c < n_cells && r < S->rows; c++) {
		size_t piv  = r;
		double best = 0;
		for (size_t i = r; i < S->rows; i++) {
			double v = fabs(S->a[i * n_cells + c]);
			if (v > best) {
				best = v;
				piv  = i;
			}
		}
		if (best < 1e-9) {
			continue;
		}
		for (size_t j = 0; j < n_cells; j++) {
			double t                = S->a[r * n_cells + j];
			S->a[r * n_cells + j]   = S->a[piv * n_cells + j];
			S->a[piv * n_cells + j] = t;
		}
		double d = S->a[r * n_cells + c];
		for (size_t j = 0; j < n_cells; j++) {
			S->a[r * n_cells + j] /= d;
		}
		for (size_t i = 0; i < S->rows; i++) {
			double f = S->a[i * n_cells + c];
			if (i == r || fabs(f) < 1e-12) {
				continue;
			}
			for (size_t j = 0; j < n_cells; j++) {
				S->a[i * n_cells + j]
				    -= f * S->a[r * n_cells + j];
			}
		}
		r++;
	}
	S->rows = r;
}

/* solve: what can role recover from everything it was shown? */
static void
attack(int role, bool survey, const char *who)
{
	system_t S          = { 0 };
	size_t   base_cells = n_cells;
	/* an overlapping subgroup's complement: a cell nobody is shown
	 * (all cells first: the rows' width is the number of cells) */
	long comp[MAX_CELLS], all_of[MAX_CELLS];
	for (size_t i = 0; i < base_cells; i++) {
		comp[i] = all_of[i] = -1;
		if (!survey && cells[i].group[0] != '\0') {
			all_of[i]
			    = find_cell(cells[i].level, cells[i].unit,
			                cells[i].grain, cells[i].period, "");
		}
		if (all_of[i] >= 0) {
			comp[i] = add_cell('c', cells[i].unit, cells[i].grain,
			                   cells[i].period, "");
			cells[comp[i]].n = cells[all_of[i]].n - cells[i].n;
			cells[comp[i]].state[role] = 1;
		}
	}
	for (size_t i = 0; i < base_cells; i++) {
		if (comp[i] >= 0) {
			double *row  = new_row(&S);
			row[i]       = unknown(&cells[i], role);
			row[comp[i]] = 1;
			row[all_of[i]]
			    = -(double) unknown(&cells[all_of[i]], role);
		}
	}
	const char kinds[]      = { 'u', 'm', 'w', 't', 'g' };
	size_t     small_groups = 0, hidden_small = 0;
	for (size_t x = 0; x < base_cells; x++) {
		for (size_t k = 0; k < sizeof(kinds); k++) {
			if (kinds[k] == 'g' && !survey) {
				continue;
			}
			double *row   = NULL;
			size_t  parts = 0, unknown_parts = 0;
			double  cover = 0;
			for (size_t i = 0; i < base_cells; i++) {
				if (!is_part(&cells[x], &cells[i], kinds[k])) {
					continue;
				}
				if (row == NULL) {
					row = new_row(&S);
				}
				parts++;
				if (unknown(&cells[i], role)) {
					row[i] = 1;
					unknown_parts++;
					/* periods: the same people */
					cover = !strchr("mwt", kinds[k])
					    ? cover + cells[i].n
					    : cells[i].n > cover ? cells[i].n
					                         : cover;
				}
			}
			if (row == NULL) {
				continue;
			}
			row[x] = -(double) unknown(&cells[x], role);
			/* subtraction: a shown total less its shown parts */
			if (!unknown(&cells[x], role) && unknown_parts > 0
			    && cover < MIN_N) {
				small_groups++;
				print_message(
				    "%s recovers %zu hidden part(s) of "
				    "%c %s %c %s %s: %g people\n",
				    who, unknown_parts, cells[x].level,
				    cells[x].unit, cells[x].grain,
				    cells[x].period, cells[x].group, cover);
			}
		}
	}
	if (getenv("TD_DEBUG") != NULL) {
		for (size_t i = 0; i < n_cells; i++) {
			print_message(
			    "%c %s %c %s [%s] n=%g state=%d\n", cells[i].level,
			    cells[i].unit, cells[i].grain, cells[i].period,
			    cells[i].group, cells[i].n, cells[i].state[role]);
		}
	}
	rref(&S);
	size_t recovered = 0;
	for (size_t x = 0; x < n_cells; x++) {
		if (!unknown(&cells[x], role)) {
			continue;
		}
		hidden_small += cells[x].n < MIN_N;
		for (size_t r = 0; r < S.rows; r++) {
			const double *row  = &S.a[r * n_cells];
			bool          only = fabs(row[x] - 1) < 1e-9;
			for (size_t j = 0; only && j < n_cells; j++) {
				only = j == x || fabs(row[j]) < 1e-9;
			}
			if (only && cells[x].n < MIN_N) {
				recovered++;
				print_message("%s solves %c %s %c %s %s (%g "
				              "people)\n",
				              who, cells[x].level,
				              cells[x].unit, cells[x].grain,
				              cells[x].period, cells[x].group,
				              cells[x].n);
			}
		}
	}
	print_message("%s: %zu cells, %zu equations of rank %zu, %zu hidden "
	              "cells of fewer than %d people, %zu recovered\n",
	              who, n_cells, S.rows, S.rows, hidden_small, MIN_N,
	              recovered);
	free(S.a);
	n_cells = base_cells; /* drop the complements */
	for (size_t i = 0; i < n_cells; i++) {
		if (cells[i].level == 'c') {
			cells[i].state[role] = -1;
		}
	}
	assert_true(hidden_small > 0); /* the planted cells are there */
	assert_int_equal(small_groups, 0);
	assert_int_equal(recovered, 0);
}

static void
run(const char *measure, bool survey)
{
	n_cells = 0;
	ask_all(R_ADMIN, measure, survey);
	ask_all(R_COUNCIL, measure, survey);
	ask_all(R_DISTRICT, measure, survey);
	/* the district client asks as much as it may; its answers are a
	 * subset of the council's, with the same cells hidden */
	for (size_t i = 0; i < n_cells; i++) {
		if (cells[i].state[R_DISTRICT] >= 0) {
			assert_int_equal(cells[i].state[R_DISTRICT],
			                 cells[i].state[R_COUNCIL]);
		}
	}
	attack(R_COUNCIL, survey, "council");
	attack(R_DISTRICT, survey, "district D1");
}

static void
outcomes_cannot_be_differenced(void **state)
{
	(void) state;
	run("att", false);
	/* the term: A2's months are 12 but December is 5, so the
	 * term's n is 5 (the smallest month), not the average */
	long t = find_cell('s', "A2", 't', "2024-08-01", "");
	assert_true(t >= 0);
	assert_true(cells[t].n == 5);
	assert_int_equal(cells[t].state[R_COUNCIL], 1);
}

static void
survey_people_are_distinct_and_cannot_be_differenced(void **state)
{
	(void) state;
	run("survey:clim/c1:mean", true);
	/* B1's grade 3: 18 responses from 9 students */
	long w = find_cell('s', "B1", 'w', "2024-09-09", "3");
	assert_true(w >= 0);
	assert_true(cells[w].n == 9);
	assert_int_equal(cells[w].state[R_COUNCIL], 1);
	/* A1's term: 38 responses from 19 students */
	long t = find_cell('s', "A1", 't', "2024-08-01", "");
	assert_true(t >= 0);
	assert_true(cells[t].n == 19);
}

/* point_hidden asks a council run chart of one school by month and says
 * whether the point of `period` is hidden (-1: not in the answer). */
static int
point_hidden(const char *measure, const char *school, const char *period)
{
	Tandem__V1__SeriesQuery     q   = TANDEM__V1__SERIES_QUERY__INIT;
	Tandem__V1__RunChartRequest req = TANDEM__V1__RUN_CHART_REQUEST__INIT;
	td_measure                  key;
	char                        err[TD_ERRMSG_MAX];
	if (td_measure_parse(&key, measure, err) != TD_OK) {
		fail_msg("measure %s: %s", measure, err);
	}
	q.measure                      = &key.key;
	q.level                        = TANDEM__V1__SCOPE_LEVEL__SCHOOL;
	q.code                         = (char *) school;
	q.grain                        = TANDEM__V1__GRAIN__MONTH;
	q.subgroup                     = (char *) "";
	q.grade                        = (char *) "";
	req.query                      = &q;
	Tandem__V1__SeriesResponse *r  = NULL;
	td_status                   st = { 0 };
	assert_int_equal(td_analysis_run_chart(council, &req, &r, &st),
	                 TD_CODE_OK);
	td_status_reset(&st);
	int hidden = -1;
	for (size_t k = 0; k < r->n_series; k++) {
		for (size_t i = 0; i < r->series[k]->n_points; i++) {
			const Tandem__V1__Point *p = r->series[k]->points[i];
			if (strcmp(p->period_start, period) == 0) {
				hidden = p->suppressed ? 1 : 0;
			}
		}
	}
	protobuf_c_message_free_unpacked(&r->base, NULL);
	return hidden;
}

/* submit_late writes A1's n for September 2024 and September 2025 of the
 * measure `late` (every other school 30 students) and submits it. The two
 * months are in different academic years, so neither is part of a total
 * that holds the other. */
static void
submit_late(int a1_2024, int a1_2025, bool correction)
{
	char  path[256];
	FILE *f;
	snprintf(path, sizeof(path), "%s/late.csv", dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f,
	        "school,measure,period_start,period_end,value,n,subgroup\n");
	for (int s = 0; s < N_SCHOOLS; s++) {
		int n24 = s == 0 ? a1_2024 : 30, n25 = s == 0 ? a1_2025 : 30;
		fprintf(f, "%s,late,2024-09-01,2024-09-30,%d,%d,\n",
		        SCHOOLS[s][0], 70 + s, n24);
		fprintf(f, "%s,late,2025-09-01,2025-09-30,%d,%d,\n",
		        SCHOOLS[s][0], 75 + s, n25);
	}
	fclose(f);
	assert_int_equal(h_run("%s/tandem --server %s submit outcomes %s "
	                       "%s/late.csv >>%s/load.log 2>&1",
	                       h_bin_dir(), srv.url,
	                       correction ? "--correction" : "", dir, dir),
	                 0);
}

/* The suppression a call reads is cached until new data: a cell that
 * becomes releasable after more data is released on the next call, and
 * one that becomes suppressible is suppressed on the next call. */
static void
new_data_changes_what_is_hidden_at_once(void **state)
{
	(void) state;
	write_file("late.measures.csv",
	           "measure,name,unit,direction\nlate,On time,percent,"
	           "higher\n");
	assert_int_equal(h_run("%s/tandem --server %s define measures "
	                       "%s/late.measures.csv >>%s/load.log 2>&1",
	                       h_bin_dir(), srv.url, dir, dir),
	                 0);
	submit_late(5, 30, false);
	/* twice each: the second answer comes from the cache */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(point_hidden("late", "A1", "2024-09-01"), 1);
		assert_int_equal(point_hidden("late", "A1", "2025-09-01"), 0);
	}
	/* 2024's 5 students were 25: now releasable; 2025's 30 were 4:
	 * now suppressed */
	submit_late(25, 4, true);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(point_hidden("late", "A1", "2024-09-01"), 0);
		assert_int_equal(point_hidden("late", "A1", "2025-09-01"), 1);
	}
	/* and back again */
	submit_late(6, 30, true);
	assert_int_equal(point_hidden("late", "A1", "2024-09-01"), 1);
	assert_int_equal(point_hidden("late", "A1", "2025-09-01"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(outcomes_cannot_be_differenced),
		cmocka_unit_test(
		    survey_people_are_distinct_and_cannot_be_differenced),
		cmocka_unit_test(new_data_changes_what_is_hidden_at_once),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
