/* SPDX-License-Identifier: MIT
 * The MDC icon matrix of every school, kept per school (analysis_icons.c),
 * equals one computed from scratch after every write. Instance A answers
 * the icon matrix under several keys (council and admin, a district, a
 * subgroup, dates, options) before and after each write, so it keeps its
 * rows and reads again only what the change logs and the lattice say
 * changed; the writes go through instance B; after each write a fresh
 * instance F answers the same questions twice: icons only (its first,
 * from-scratch computation) and with every point (the path that keeps
 * nothing), whose rows without their points must be the same bytes. A's
 * packed replies must equal F's byte for byte, and each write must change
 * A's answer (so an instance that did not hear of a write fails here).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static char       conninfo[512];
static char       dir[128];
static h_server   a, b;
static td_client *council_a, *admin_a;
static char       council_token[80];

static void
run_b(const char *fmt, const char *file)
{
	char args[400];
	snprintf(args, sizeof(args), fmt, dir, file);
	if (h_run(
	        "TANDEM_TOKEN=%s %s/tandem --server %s %s >>%s/load.log 2>&1",
	        b.token, h_bin_dir(), b.url, args, dir)
	    != 0) {
		h_run("cat %s/load.log", dir);
		fail_msg("tandem %s failed", args);
	}
}

/* write_b writes a CSV file (header, rows) and runs command on it. */
static void
write_b(const char *command, const char *header, const char *rows)
{
	static int k;
	char       name[32], text[4096];
	snprintf(name, sizeof(name), "w%d.csv", ++k);
	snprintf(text, sizeof(text), "%s\n%s", header, rows);
	h_write_file(dir, name, text);
	char fmt[128];
	snprintf(fmt, sizeof(fmt), "%s %%s/%%s", command);
	run_b(fmt, name);
}

static void
outcomes_b(const char *rows, bool correction)
{
	write_b(
	    correction ? "submit outcomes --correction" : "submit outcomes",
	    "school,measure,period_start,period_end,value,n,subgroup", rows);
}

/* The questions: every school by month, icons only, under several keys. */
typedef struct question {
	bool        admin;
	const char *district, *subgroup, *from, *to;
	int         fix_after;
	bool        no_screen;
} question;

static const question questions[] = {
	{ false, "", "", "", "", 0, false },
	{ true, "", "", "", "", 0, false },
	{ false, "D1", "", "", "", 0, false },
	{ false, "", "ell", "", "", 0, false },
	{ false, "", "", "2023-10-01", "2025-03-31", 0, false },
	{ false, "", "", "", "", 6, true },
};
#define NQ (sizeof(questions) / sizeof(questions[0]))

/* ask appends to out (at *k) the status and packed reply of question
 * qi; with points, the reply with every point, its points then dropped. */
static void
ask(td_client *c, size_t qi, bool points, char *out, size_t cap, size_t *k)
{
	const question *x   = &questions[qi];
	td_measure      key = { 0 };
	char            err[TD_ERRMSG_MAX];
	assert_int_equal(td_measure_parse(&key, "att", err), TD_OK);
	Tandem__V1__SeriesQuery q   = TANDEM__V1__SERIES_QUERY__INIT;
	Tandem__V1__MdcRequest  req = TANDEM__V1__MDC_REQUEST__INIT;
	q.measure                   = &key.key;
	q.level                     = TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL;
	q.code                      = (char *) x->district;
	q.grain                     = TANDEM__V1__GRAIN__MONTH;
	q.subgroup                  = (char *) x->subgroup;
	q.from                      = (char *) x->from;
	q.to                        = (char *) x->to;
	req.query                   = &q;
	req.icons_only              = !points;
	req.fix_after               = x->fix_after;
	req.no_screen               = x->no_screen;
	Tandem__V1__MdcResponse *r  = NULL;
	td_status                st = { 0 };
	int                      rc = td_analysis_mdc(c, &req, &r, &st);
	*k += (size_t) snprintf(out + *k, cap - *k, "[%zu: %d %s]\n", qi, rc,
	                        rc == TD_CODE_OK ? "" : st.message);
	td_status_reset(&st);
	if (r == NULL) {
		return;
	}
	size_t *np = calloc(r->n_series + 1, sizeof(size_t));
	assert_non_null(np);
	for (size_t s = 0; s < r->n_series; s++) {
		np[s]                  = r->series[s]->n_points;
		r->series[s]->n_points = 0; /* the rows without their points */
	}
	size_t len = protobuf_c_message_get_packed_size(&r->base);
	assert_true(*k + 2 * len + 2 < cap);
	uint8_t *buf = malloc(len + 1);
	assert_non_null(buf);
	protobuf_c_message_pack(&r->base, buf);
	for (size_t i = 0; i < len; i++) {
		*k += (size_t) snprintf(out + *k, cap - *k, "%02x", buf[i]);
	}
	*k += (size_t) snprintf(out + *k, cap - *k, "\n");
	free(buf);
	for (size_t s = 0; s < r->n_series; s++) {
		r->series[s]->n_points = np[s]; /* freed by their count */
	}
	free(np);
	protobuf_c_message_free_unpacked(&r->base, NULL);
}

#define CAP (1 << 20)
static char kept[CAP], fresh[CAP], full[CAP], before[CAP];

static void
answers(td_client *council, td_client *admin, bool points, char *out)
{
	size_t k = 0;
	out[0]   = '\0';
	for (size_t qi = 0; qi < NQ; qi++) {
		ask(questions[qi].admin ? admin : council, qi, points, out,
		    CAP, &k);
	}
}

static void
same(const char *what, const char *x, const char *y)
{
	if (strcmp(x, y) != 0) {
		while (*x && *x == *y) {
			x++, y++;
		}
		fail_msg("%s differ at\n%.200s\n--- vs ---\n%.200s", what, x,
		         y);
	}
}

/* kept_equals_fresh: A's kept answers equal a fresh instance's (icons
 * only, and every point with the points dropped). */
static void
kept_equals_fresh(void)
{
	h_server f;
	h_server_start(&f, conninfo, NULL);
	answers(council_a, admin_a, false, kept);
	td_client *council_f = h_client_token(&f, 60000, council_token);
	td_client *admin_f   = h_client(&f, 60000);
	answers(council_f, admin_f, false, fresh);
	answers(council_f, admin_f, true, full);
	td_client_destroy(council_f);
	td_client_destroy(admin_f);
	assert_int_equal(h_server_stop(&f), 0);
	same("kept and fresh icon matrices", kept, fresh);
	same("kept icons and every point's rows", kept, full);
	assert_null(strstr(kept, ": 13 ")); /* no INTERNAL */
}

/* after_write: the write changed A's answer, and A's answer is a fresh
 * one. */
static void
after_write(const char *what)
{
	memcpy(before, kept, CAP);
	kept_equals_fresh();
	if (strcmp(before, kept) == 0) {
		fail_msg("%s: the icon matrix did not change", what);
	}
}

static int
setup(void **state)
{
	(void) state;
	h_db_create("icons", conninfo);
	h_server_start(&a, conninfo, NULL);
	h_server_start(&b, conninfo, NULL);
	snprintf(dir, sizeof(dir), "/tmp/tdtest-icons-%d", (int) getpid());
	assert_int_equal(h_run("rm -rf %s && mkdir -p %s", dir, dir), 0);
	h_write_file(dir, "districts.csv", "district,name\nD1,One\nD2,Two\n");
	h_write_file(dir, "schools.csv",
	             "district,school,name,frl_rate,enrollment,locale,grades\n"
	             "D1,A1,A1,0.5,400,city,K-5\nD1,A2,A2,0.4,300,city,K-5\n"
	             "D1,A3,A3,0.3,100,rural,K-5\nD2,B1,B1,0.2,500,city,K-5\n"
	             "D2,B2,B2,0.6,350,city,K-5\nD2,B3,B3,0.6,350,city,K-5\n");
	h_write_file(dir, "measures.csv",
	             "measure,name,unit,direction,target\natt,Attendance,"
	             "percent,higher,80\n");
	/* Two academic years, 2023-24 and 2024-25; B3 only 8 months (no
	 * icons: fewer than 12 points); ell rows for three schools. */
	char  path[256];
	FILE *f;
	snprintf(path, sizeof(path), "%s/outcomes.csv", dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f,
	        "school,measure,period_start,period_end,value,n,subgroup\n");
	static const char *const school[]
	    = { "A1", "A2", "A3", "B1", "B2", "B3" };
	static const int n[] = { 40, 30, 25, 45, 35, 30 };
	for (int s = 0; s < 6; s++) {
		for (int m = s == 5 ? 16 : 0; m < 24; m++) {
			int y   = 2023 + (m + 7) / 12;
			int mon = (m + 7) % 12 + 1;
			fprintf(f, "%s,att,%d-%02d-01,%d-%02d-28,%.2f,%d,\n",
			        school[s], y, mon, y, mon,
			        70 + (s * 3 + m * 7) % 15 + 0.25 * s
			            + (s == 1 && m >= 14 ? 6 : 0),
			        n[s] + m % 5);
			if (s % 2 == 0) {
				fprintf(f,
				        "%s,att,%d-%02d-01,%d-%02d-28,%.2f,%d,"
				        "ell\n",
				        school[s], y, mon, y, mon,
				        70 + (s + m * 3) % 11 + 0.5,
				        12 + m % 4);
			}
		}
	}
	fclose(f);
	run_b("define districts %s/%s", "districts.csv");
	run_b("define schools %s/%s", "schools.csv");
	run_b("define measures %s/%s", "measures.csv");
	run_b("submit outcomes %s/%s", "outcomes.csv");
	admin_a = h_client(&a, 60000);
	h_create_client(admin_a, "council", "council", NULL, NULL,
	                council_token, NULL);
	council_a = h_client_token(&a, 60000, council_token);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	td_client_destroy(council_a);
	td_client_destroy(admin_a);
	assert_int_equal(h_server_stop(&b), 0);
	assert_int_equal(h_server_stop(&a), 0);
	h_run("rm -rf %s", dir);
	return 0;
}

static void
kept_icon_matrix_equals_a_fresh_one_after_each_write(void **state)
{
	(void) state;
	kept_equals_fresh();
	assert_non_null(strstr(kept, "[0: 0 ]"));

	/* A2's October 2024 becomes 3 people: hidden, and with it a point
	 * of another school of D1 (complementary), whose data did not
	 * change: its row changes through the lattice alone. */
	outcomes_b("A2,att,2024-10-01,2024-10-28,70.00,3,\n", true);
	after_write("a small month");

	/* Large again: everything it hid is released. */
	outcomes_b("A2,att,2024-10-01,2024-10-28,71.00,33,\n", true);
	after_write("the month large again");

	/* A1's latest months far above its process: a special cause. */
	outcomes_b("A1,att,2025-06-01,2025-06-28,99.00,40,\n"
	           "A1,att,2025-07-01,2025-07-28,99.50,41,\n",
	           true);
	after_write("a special cause at the latest point");

	/* B3 reaches 12 points (its icons appear) and a new school B4
	 * takes its place in code order. */
	outcomes_b("B3,att,2024-04-01,2024-04-28,81.00,30,\n"
	           "B3,att,2024-05-01,2024-05-28,82.00,30,\n"
	           "B3,att,2024-06-01,2024-06-28,83.00,30,\n"
	           "B3,att,2024-07-01,2024-07-28,84.00,30,\n",
	           false);
	after_write("a school reaching 12 points");
	write_b("define schools",
	        "district,school,name,frl_rate,enrollment,locale,grades",
	        "D1,A0,A0,0.3,200,city,K-5\n");
	outcomes_b("A0,att,2024-09-01,2024-09-28,90.00,30,\n"
	           "A0,att,2024-10-01,2024-10-28,91.00,30,\n",
	           false);
	after_write("a new school");

	/* A school moved to the other district (every year again). */
	write_b("define schools",
	        "district,school,name,frl_rate,enrollment,locale,grades",
	        "D2,A3,A3,0.3,100,rural,K-5\n");
	after_write("a school moved");

	/* The target moves: every assurance icon again. */
	write_b("define measures", "measure,name,unit,direction,target",
	        "att,Attendance,percent,higher,95\n");
	after_write("a new target");

	/* A write that changes nothing this matrix shows (another
	 * measure) keeps it. */
	write_b("define measures", "measure,name,unit,direction",
	        "other,Other,percent,higher\n");
	outcomes_b("A1,other,2024-10-01,2024-10-28,50.00,30,\n", false);
	memcpy(before, kept, CAP);
	kept_equals_fresh();
	same("the matrix before and after another measure's write", before,
	     kept);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    kept_icon_matrix_equals_a_fresh_one_after_each_write),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
