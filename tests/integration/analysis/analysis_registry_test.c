/* SPDX-License-Identifier: MIT
 * Positive deviance and compare read the schools (codes, districts, names,
 * context) from a snapshot tandemd keeps per data version
 * (server/services/analysis/analysis_registry.c): a school defined or
 * changed after an earlier call shows in the next one, through a real
 * tandemd and the CLI.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "tandem/v1/analysis.pb-c.h"

static h_server   srv;
static td_client *cl;
static char       conninfo[512];
static char       dir[128];

static void
cli(const char *fmt, const char *file)
{
	char args[300];
	snprintf(args, sizeof(args), fmt, dir, file);
	if (h_run("%s/tandem --server %s %s >>%s/load.log 2>&1", h_bin_dir(),
	          srv.url, args, dir)
	    != 0) {
		h_run("tail -20 %s/load.log >&2", dir);
		fail_msg("tandem %s failed", args);
	}
}

/* write_outcomes: two academic years (2023-24, 2024-25) of monthly values
 * of measure m for schools first..last of district d, each school's own
 * level, into dir/name. */
static void
write_outcomes(const char *name, char d, int first, int last)
{
	char  path[256];
	FILE *f;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f,
	        "school,measure,period_start,period_end,value,n,subgroup\n");
	for (int s = first; s <= last; s++) {
		for (int m = 0; m < 24; m++) {
			int y = 2023 + (7 + m) / 12, mo = (7 + m) % 12 + 1;
			fprintf(f,
			        "%c%d,m,%04d-%02d-01,%04d-%02d-28,%.1f,%d,\n",
			        d, s, y, mo, y, mo,
			        500.0 + 7 * s + (s * 37 + m * 11) % 13,
			        150 + 20 * s);
		}
	}
	fclose(f);
}

static int
setup(void **state)
{
	(void) state;
	h_db_create("analysis_registry", conninfo);
	h_server_start(&srv, conninfo, NULL);
	cl = h_client(&srv, 60000);
	snprintf(dir, sizeof(dir), "/tmp/tdtest-anreg-%d", (int) getpid());
	assert_int_equal(h_run("rm -rf %s && mkdir -p %s", dir, dir), 0);
	h_write_file(dir, "districts.csv", "district,name\nD1,One\nD2,Two\n");
	char schools[2048] = "district,school,name,frl_rate,enrollment,locale,"
	                     "grades\n";
	static const char *loc[] = { "city", "suburb", "town", "rural" };
	for (int s = 1; s <= 12; s++) {
		size_t l = strlen(schools);
		snprintf(schools + l, sizeof(schools) - l,
		         "D%d,%c%d,School %d,%.2f,%d,%s,K-5\n", s <= 6 ? 1 : 2,
		         s <= 6 ? 'A' : 'B', s, s, 0.05 * s, 150 + 20 * s,
		         loc[s % 4]);
	}
	h_write_file(dir, "schools.csv", schools);
	h_write_file(dir, "measures.csv",
	             "measure,name,unit,direction\nm,Score,scale_score,"
	             "higher\n");
	write_outcomes("a.csv", 'A', 1, 6);
	write_outcomes("b.csv", 'B', 7, 12);
	cli("define districts %s/%s", "districts.csv");
	cli("define schools %s/%s", "schools.csv");
	cli("define measures %s/%s", "measures.csv");
	cli("submit outcomes %s/%s", "a.csv");
	cli("submit outcomes %s/%s", "b.csv");
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	td_client_destroy(cl);
	assert_int_equal(h_server_stop(&srv), 0);
	h_run("rm -rf %s", dir);
	return 0;
}

static Tandem__V1__CompareResponse *
compare_districts(void)
{
	Tandem__V1__SeriesQuery      q   = TANDEM__V1__SERIES_QUERY__INIT;
	Tandem__V1__CompareRequest   req = TANDEM__V1__COMPARE_REQUEST__INIT;
	Tandem__V1__CompareResponse *r   = NULL;
	td_status                    st  = { 0 };
	q.measure                        = h_outcome("m");
	q.level   = TANDEM__V1__SCOPE_LEVEL__EACH_DISTRICT;
	q.grain   = TANDEM__V1__GRAIN__ACADEMIC_YEAR;
	req.query = &q;
	assert_int_equal(td_analysis_compare(cl, &req, &r, &st), TD_CODE_OK);
	td_status_reset(&st);
	return r;
}

static const Tandem__V1__GroupRow *
group(const Tandem__V1__CompareResponse *r, const char *name)
{
	for (size_t i = 0; i < r->n_groups; i++) {
		if (strcmp(r->groups[i]->group, name) == 0) {
			return r->groups[i];
		}
	}
	return NULL;
}

/* A district and its schools defined after a comparison are in the next
 * one, and its schools are counted in it, not in another group. */
static void
compare_sees_a_district_defined_after_a_call(void **state)
{
	(void) state;
	Tandem__V1__CompareResponse *r = compare_districts();
	assert_int_equal(r->n_groups, 2);
	assert_int_equal(group(r, "D1")->schools, 6);
	assert_int_equal(group(r, "D2")->schools, 6);
	protobuf_c_message_free_unpacked(&r->base, NULL);

	h_write_file(dir, "districts3.csv", "district,name\nD3,Three\n");
	h_write_file(dir, "schools3.csv",
	             "district,school,name,frl_rate,enrollment,locale,"
	             "grades\nD3,C13,School 13,0.3,400,city,K-5\n"
	             "D3,C14,School 14,0.4,420,town,K-5\n");
	write_outcomes("c.csv", 'C', 13, 14);
	cli("define districts %s/%s", "districts3.csv");
	cli("define schools %s/%s", "schools3.csv");
	cli("submit outcomes %s/%s", "c.csv");

	r = compare_districts();
	assert_int_equal(r->n_groups, 3);
	assert_non_null(group(r, "D3"));
	assert_int_equal(group(r, "D3")->schools, 2);
	assert_int_equal(group(r, "D1")->schools, 6);
	assert_int_equal(group(r, "D2")->schools, 6);
	protobuf_c_message_free_unpacked(&r->base, NULL);
}

static Tandem__V1__PositiveDevianceResponse *
deviance(void)
{
	Tandem__V1__SeriesQuery             q = TANDEM__V1__SERIES_QUERY__INIT;
	Tandem__V1__PositiveDevianceRequest req
	    = TANDEM__V1__POSITIVE_DEVIANCE_REQUEST__INIT;
	Tandem__V1__PositiveDevianceResponse *r  = NULL;
	td_status                             st = { 0 };
	q.measure                                = h_outcome("m");
	q.level   = TANDEM__V1__SCOPE_LEVEL__EACH_SCHOOL;
	q.grain   = TANDEM__V1__GRAIN__ACADEMIC_YEAR;
	req.query = &q;
	assert_int_equal(td_analysis_positive_deviance(cl, &req, &r, &st),
	                 TD_CODE_OK);
	td_status_reset(&st);
	return r;
}

static const Tandem__V1__DeviantRow *
row(const Tandem__V1__PositiveDevianceResponse *r, const char *school)
{
	for (size_t i = 0; i < r->n_rows; i++) {
		if (strcmp(r->rows[i]->school, school) == 0) {
			return r->rows[i];
		}
	}
	return NULL;
}

/* A school renamed and given another context after a positive-deviance
 * call is named and modelled with the new ones in the next call. */
static void
positive_deviance_sees_a_school_changed_after_a_call(void **state)
{
	(void) state;
	Tandem__V1__PositiveDevianceResponse *r = deviance();
	assert_non_null(row(r, "A1"));
	assert_string_equal(row(r, "A1")->name, "School 1");
	double before = row(r, "A1")->predicted;
	protobuf_c_message_free_unpacked(&r->base, NULL);

	h_write_file(dir, "rename.csv",
	             "district,school,name,frl_rate,enrollment,locale,"
	             "grades\nD1,A1,Alder Primary,0.95,150,rural,K-5\n");
	cli("define schools %s/%s", "rename.csv");

	r = deviance();
	assert_non_null(row(r, "A1"));
	assert_string_equal(row(r, "A1")->name, "Alder Primary");
	/* its covariates changed (frl 0.05 -> 0.95): so did its prediction */
	assert_true(fabs(row(r, "A1")->predicted - before) > 1e-6);
	protobuf_c_message_free_unpacked(&r->base, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(compare_sees_a_district_defined_after_a_call),
		cmocka_unit_test(
		    positive_deviance_sees_a_school_changed_after_a_call),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
