/* SPDX-License-Identifier: MIT
 * Tests of the sample-network generator: reproducibility, the shape of
 * every CSV file (read back with the RFC 4180 reader of sample_util.c,
 * not the generator's writer), value ranges and options. That the
 * planted effects show up: sample_planted_test.c.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sample.h"
#include "sample_util.h"

/* ------------------------------------------------------------------ */

static void
test_same_seed_gives_identical_bytes(void **state)
{
	(void) state;
	char a[64], b[64];
	make_tmpdir(a, sizeof a);
	make_tmpdir(b, sizeof b);
	generate(a, 7, 40, 3);
	generate(b, 7, 40, 3);
	for (size_t i = 0; i < N_FILES; i++) {
		size_t la, lb;
		char  *x = slurp(a, files[i].name, &la);
		char  *y = slurp(b, files[i].name, &lb);
		assert_non_null(x);
		assert_non_null(y);
		assert_int_equal(la, lb);
		assert_memory_equal(x, y, la);
		free(x);
		free(y);
	}
	remove_tree(a);
	remove_tree(b);
}

static void
test_different_seed_gives_different_files(void **state)
{
	(void) state;
	static const char *const which[]
	    = { "schools.csv", "outcomes.csv", "responses_climate.csv",
		"observations.csv" };
	char a[64], b[64];
	make_tmpdir(a, sizeof a);
	make_tmpdir(b, sizeof b);
	generate(a, 1, 40, 3);
	generate(b, 2, 40, 3);
	for (size_t i = 0; i < 4; i++) {
		size_t la, lb;
		char  *x = slurp(a, which[i], &la);
		char  *y = slurp(b, which[i], &lb);
		assert_true(la != lb || memcmp(x, y, la) != 0);
		free(x);
		free(y);
	}
	remove_tree(a);
	remove_tree(b);
}

static void
test_every_file_has_header_and_column_count(void **state)
{
	(void) state;
	char d[64];
	make_tmpdir(d, sizeof d);
	generate(d, 1, 40, 3);
	for (size_t i = 0; i < N_FILES; i++) {
		size_t len;
		table  t;
		char  *buf = slurp(d, files[i].name, &len);
		assert_non_null(buf);
		size_t hl = strlen(files[i].header);
		/* exact header line, no BOM */
		assert_true(len > hl);
		assert_memory_equal(buf, files[i].header, hl);
		assert_int_equal(buf[hl], '\n');
		assert_true(valid_utf8((const unsigned char *) buf, len));
		if (parse_csv(buf, len, &t) != 0) {
			fail_msg("%s is not RFC 4180 CSV", files[i].name);
		}
		assert_true(t.nrow >= 2);
		for (size_t r = 1; r < t.nrow; r++) {
			if (t.ncol[r] != t.ncol[0]) {
				fail_msg(
				    "%s row %zu has %zu columns, header %zu",
				    files[i].name, r + 1, t.ncol[r],
				    t.ncol[0]);
			}
		}
		table_free(&t);
		free(buf);
	}
	size_t len;
	char  *md = slurp(d, "PLANTED.md", &len);
	assert_non_null(md);
	assert_non_null(strstr(md, "Positive deviants"));
	free(md);
	remove_tree(d);
}

static void
test_registry_values_in_range(void **state)
{
	(void) state;
	char  d[64];
	table t;
	make_tmpdir(d, sizeof d);
	generate(d, 3, 40, 3);

	load(d, "districts.csv", &t);
	assert_true(t.nrow - 1 >= 4 && t.nrow - 1 <= 6);
	assert_string_equal(cell(&t, 1, 0), "D01");
	table_free(&t);

	load(d, "schools.csv", &t);
	assert_int_equal(t.nrow - 1, 40);
	assert_string_equal(cell(&t, 1, 1), "S001");
	for (size_t r = 1; r < t.nrow; r++) {
		double frl = atof(cell(&t, r, 3));
		int    en  = atoi(cell(&t, r, 4));
		assert_true(frl >= 0.0 && frl <= 1.0);
		assert_int_equal(strlen(strchr(cell(&t, r, 3), '.') + 1), 3);
		/* 150..2500, but for the very small (40..90) and very
		 * large (3000..4500) schools of the size plant */
		assert_true((en >= 150 && en <= 2500) || (en >= 40 && en <= 90)
		            || (en >= 3000 && en <= 4500));
		const char *loc = cell(&t, r, 5);
		assert_true(
		    strcmp(loc, "city") == 0 || strcmp(loc, "suburb") == 0
		    || strcmp(loc, "town") == 0 || strcmp(loc, "rural") == 0);
		const char *g = cell(&t, r, 6);
		assert_true(strcmp(g, "K-5") == 0 || strcmp(g, "6-8") == 0
		            || strcmp(g, "9-12") == 0);
	}
	table_free(&t);

	/* 8..15 educators per school, every school has a principal */
	load(d, "educators.csv", &t);
	int per[41] = { 0 }, principals[41] = { 0 };
	for (size_t r = 1; r < t.nrow; r++) {
		int s = atoi(cell(&t, r, 1) + 1);
		assert_true(s >= 1 && s <= 40);
		per[s]++;
		principals[s] += strcmp(cell(&t, r, 3), "principal") == 0;
	}
	for (int s = 1; s <= 40; s++) {
		assert_true(per[s] >= 8 && per[s] <= 15);
		assert_int_equal(principals[s], 1);
	}
	assert_string_equal(cell(&t, 1, 0), "E0001");
	table_free(&t);

	/* OneRoster: bulk manifest, orgs for districts and schools, users
	 * for every educator plus a few students */
	load(d, "oneroster/manifest.csv", &t);
	int seen = 0;
	for (size_t r = 1; r < t.nrow; r++) {
		const char *k = cell(&t, r, 0), *v = cell(&t, r, 1);
		seen
		    += strcmp(k, "manifest.version") == 0 && !strcmp(v, "1.0");
		seen += strcmp(k, "oneroster.version") == 0
		    && !strcmp(v, "1.1");
		seen += strcmp(k, "file.orgs") == 0 && !strcmp(v, "bulk");
		seen += strcmp(k, "file.users") == 0 && !strcmp(v, "bulk");
		if (strncmp(k, "file.", 5) == 0 && strcmp(k, "file.orgs")
		    && strcmp(k, "file.users")) {
			assert_string_equal(v, "absent");
		}
	}
	assert_int_equal(seen, 4);
	table_free(&t);
	load(d, "oneroster/users.csv", &t);
	int students = 0, staff = 0;
	for (size_t r = 1; r < t.nrow; r++) {
		students += strcmp(cell(&t, r, 5), "student") == 0;
		staff += strcmp(cell(&t, r, 5), "teacher") == 0
		    || strcmp(cell(&t, r, 5), "administrator") == 0;
	}
	assert_true(students >= 1 && students <= 20);
	int n_edu = 0;
	for (int s = 1; s <= 40; s++) {
		n_edu += per[s];
	}
	assert_int_equal(staff, n_edu);
	table_free(&t);
	load(d, "oneroster/orgs.csv", &t);
	int n_school_orgs = 0;
	for (size_t r = 1; r < t.nrow; r++) {
		n_school_orgs += strcmp(cell(&t, r, 4), "school") == 0;
	}
	assert_int_equal(n_school_orgs, 40);
	table_free(&t);

	/* measures, activities (one per kind), survey instruments */
	load(d, "measures.csv", &t);
	static const char *const need[]
	    = { "ela_scale", "attendance", "chronic_absence", "retention" };
	for (int k = 0; k < 4; k++) {
		int found = 0;
		for (size_t r = 1; r < t.nrow; r++) {
			found |= strcmp(cell(&t, r, 0), need[k]) == 0;
		}
		assert_true(found);
	}
	table_free(&t);
	load(d, "activities.csv", &t);
	static const char *const kinds[]
	    = { "coaching",          "plc",
		"nic_convening",     "leadership_academy",
		"video_observation", "workshop" };
	for (int k = 0; k < 6; k++) {
		int found = 0;
		for (size_t r = 1; r < t.nrow; r++) {
			found |= strcmp(cell(&t, r, 1), kinds[k]) == 0;
		}
		assert_true(found);
	}
	table_free(&t);
	load(d, "survey_climate.csv", &t);
	int rev = 0;
	assert_int_equal(t.nrow - 1, 12);
	for (size_t r = 1; r < t.nrow; r++) {
		rev += strcmp(cell(&t, r, 4), "true") == 0;
		assert_string_equal(cell(&t, r, 5), "4");
	}
	assert_true(rev >= 2 && rev <= 3);
	table_free(&t);
	load(d, "survey_teacher.csv", &t);
	assert_int_equal(t.nrow - 1, 8);
	assert_string_equal(cell(&t, 1, 3), "4");
	table_free(&t);
	remove_tree(d);
}

static void
test_outcome_periods_and_suppressible_subgroups(void **state)
{
	(void) state;
	char  d[64];
	table t;
	make_tmpdir(d, sizeof d);
	generate(d, 1, 40, 3);
	load(d, "outcomes.csv", &t);
	int small = 0, frl = 0, ell = 0, retention = 0;
	for (size_t r = 1; r < t.nrow; r++) {
		const char *m = cell(&t, r, 1), *ps = cell(&t, r, 2),
		           *pe = cell(&t, r, 3), *sg = cell(&t, r, 6);
		int n = atoi(cell(&t, r, 5));
		assert_true(n >= 1);
		if (strcmp(m, "retention") == 0) {
			/* yearly: 1 Aug .. 31 Jul */
			assert_memory_equal(ps + 4, "-08-01", 6);
			assert_memory_equal(pe + 4, "-07-31", 6);
			assert_int_equal(atoi(pe), atoi(ps) + 1);
			retention++;
			continue;
		}
		/* monthly Sep..Jun, first to last day of the month */
		int mon = atoi(ps + 5);
		assert_true(mon >= 9 || mon <= 6);
		assert_memory_equal(ps + 7, "-01", 3);
		assert_memory_equal(pe, ps, 8);
		int last = atoi(pe + 8);
		assert_true(last >= 28 && last <= 31);
		if (mon == 2 && atoi(ps) == 2024) {
			assert_int_equal(last, 29); /* leap year */
		}
		frl += strcmp(sg, "frl") == 0;
		ell += strcmp(sg, "ell") == 0;
		if (*sg != '\0') {
			assert_string_equal(m, "ela_scale");
			small += n < 10;
		}
	}
	assert_int_equal(retention, 40 * 3);
	assert_true(frl > 0 && ell > 0);
	assert_true(small > 0); /* so suppression has something to do */
	table_free(&t);
	remove_tree(d);
}

static void
test_rejects_bad_options(void **state)
{
	(void) state;
	sample_opts o;
	char        err[TD_ERRMSG_MAX];
	char        d[64];
	make_tmpdir(d, sizeof d);

	sample_opts_init(&o);
	o.schools = 0;
	assert_int_equal(sample_generate(&o, d, err), TD_EINVAL);
	assert_non_null(strstr(err, "schools 0"));

	sample_opts_init(&o);
	o.years = SAMPLE_MAX_YEARS + 1;
	assert_int_equal(sample_generate(&o, d, err), TD_EINVAL);
	assert_non_null(strstr(err, "years"));

	sample_opts_init(&o);
	o.schools = SAMPLE_MAX_SCHOOLS + 1;
	assert_int_equal(sample_generate(&o, d, NULL), TD_EINVAL);

	assert_int_equal(sample_generate(&o, "", err), TD_EINVAL);
	assert_int_equal(sample_generate(NULL, NULL, err), TD_EINVAL);

	assert_int_equal(sample_generate(NULL, "/nonexistent/dir/x", err),
	                 TD_EIO);
	assert_non_null(strstr(err, "/nonexistent/dir/x"));
	remove_tree(d);
}

static void
test_tiny_network_works(void **state)
{
	(void) state;
	char  d[64];
	table t;
	make_tmpdir(d, sizeof d);
	generate(d, 5, 1, 1);
	load(d, "schools.csv", &t);
	assert_int_equal(t.nrow, 2);
	table_free(&t);
	load(d, "districts.csv", &t);
	assert_int_equal(t.nrow, 2); /* never more districts than schools */
	table_free(&t);
	load(d, "planted.csv", &t);
	for (size_t r = 1; r < t.nrow; r++) {
		/* no deviants among fewer than 4 schools, no shift in 1 year
		 */
		assert_string_not_equal(cell(&t, r, 0), "positive_deviant");
		assert_string_not_equal(cell(&t, r, 0), "level_shift");
	}
	table_free(&t);
	remove_tree(d);
}

static void
test_defaults_when_opts_null(void **state)
{
	(void) state;
	char  d[64], err[TD_ERRMSG_MAX];
	table t;
	make_tmpdir(d, sizeof d);
	assert_int_equal(sample_generate(NULL, d, err), 0);
	load(d, "schools.csv", &t);
	assert_int_equal(t.nrow - 1, 40);
	table_free(&t);
	load(d, "price_index.csv", &t);
	assert_int_equal(t.nrow - 1, 3);
	assert_string_equal(cell(&t, 1, 0), "2023");
	assert_string_equal(cell(&t, 1, 1), "100.0");
	table_free(&t);
	remove_tree(d);
}

static void
test_large_network_in_seconds(void **state)
{
	(void) state;
	char  d[64];
	table t;
	make_tmpdir(d, sizeof d);
	time_t t0 = time(NULL);
	generate(d, 11, 2000, 2);
	assert_true(time(NULL) - t0 < 60);
	load(d, "schools.csv", &t);
	assert_int_equal(t.nrow - 1, 2000);
	assert_string_equal(cell(&t, 1, 1), "S0001");
	assert_string_equal(cell(&t, 2000, 1), "S2000");
	table_free(&t);
	size_t len;
	char  *obs = slurp(d, "observations.csv", &len);
	assert_non_null(obs);
	assert_true(len > 1000000);
	free(obs);
	remove_tree(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_gives_identical_bytes),
		cmocka_unit_test(test_different_seed_gives_different_files),
		cmocka_unit_test(test_every_file_has_header_and_column_count),
		cmocka_unit_test(test_registry_values_in_range),
		cmocka_unit_test(
		    test_outcome_periods_and_suppressible_subgroups),
		cmocka_unit_test(test_rejects_bad_options),
		cmocka_unit_test(test_tiny_network_works),
		cmocka_unit_test(test_defaults_when_opts_null),
		cmocka_unit_test(test_large_network_in_seconds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
