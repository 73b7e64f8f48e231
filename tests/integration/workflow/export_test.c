/* SPDX-License-Identifier: MIT
 * tandem export end to end, the data's way out and back: the sample
 * network exported kind by kind, imported into a fresh database through
 * the CLI, and the analyses of both compared; paging with small pages
 * and writes in between; a large export under the message limit. Who may
 * export what is export_access_test.c.
 */
#include <time.h>

#include "export_util.h"

static h_server copy; /* the fresh database's server (round trip) */

/* Every kind an admin exports, with its options and the file name the
 * sample network uses for the same table (so load_network reads both). */
static const struct {
	const char *args;
	const char *file;
} EXPORTS[] = {
	{ "districts", "districts.csv" },
	{ "schools", "schools.csv" },
	{ "educators", "educators.csv" },
	{ "measures", "measures.csv" },
	{ "survey --survey climate", "survey_climate.csv" },
	{ "survey --survey teacher", "survey_teacher.csv" },
	{ "rubric --rubric practice", "rubric_practice.csv" },
	{ "activities", "activities.csv" },
	{ "price-index", "price_index.csv" },
	{ "outcomes", "outcomes.csv" },
	{ "surveys --survey climate", "responses_climate.csv" },
	{ "surveys --survey teacher", "responses_teacher.csv" },
	{ "feedback", "observations.csv" },
	{ "annotations", "annotations.csv" },
	{ "costs", "costs.csv" },
	{ "participation", "participation.csv" },
	{ "administrations", "administrations.csv" },
	{ "pdsa", "pdsa.csv" },
};
#define N_EXPORTS (sizeof(EXPORTS) / sizeof(EXPORTS[0]))

static void
export_all(const h_server *s, const char *to)
{
	for (size_t i = 0; i < N_EXPORTS; i++) {
		char            args[400];
		struct timespec t0, t1;
		snprintf(args, sizeof(args), "export %s --out %s/%s",
		         EXPORTS[i].args, to, EXPORTS[i].file);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		cli_ok(s, s->token, args);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		/* a figure to read, not a test: the CLI end to end */
		double sec = (double) (t1.tv_sec - t0.tv_sec)
		    + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
		char cmd[400];
		snprintf(cmd, sizeof(cmd), "%s/%s", to, EXPORTS[i].file);
		long long rows = -1;
		FILE     *f    = fopen(cmd, "r");
		for (int c; f != NULL && (c = fgetc(f)) != EOF;) {
			rows += c == '\n';
		}
		if (f != NULL) {
			fclose(f);
		}
		printf("export %-26s %7lld rows %7.3f s %9.0f rows/s\n",
		       EXPORTS[i].args, rows, sec, rows / sec);
	}
}

static int
setup(void **state)
{
	(void) state;
	export_setup("export");
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	if (copy.pid > 0) { /* a failed round trip left it running */
		h_server_stop(&copy);
	}
	export_teardown();
	return 0;
}

/* The analyses compared after a round trip: every kind feeds one. */
static const char *const ANALYSES[] = {
	"run-chart --measure attendance",
	"control-chart --measure attendance --chart i",
	"mdc --measure attendance",
	"run-chart --measure ela_scale --each-school",
	"positive-deviance --measure ela_scale",
	"compare --measure ela_scale --each-district",
	"funnel --measure attendance",
	"reliability --survey climate",
	"reliability --survey teacher",
	"run-chart --measure survey:climate/belonging:mean",
	"compare --measure survey:climate/belonging:mean --each-district",
	"agreement --rubric practice",
	"pdsa --measure attendance",
	"isolation",
	"discover --measure ela_scale",
	"impact --measure ela_scale --activity A01",
	/* arrival times differ; a backfill date after every period makes
	 * them not count, so frequencies and school dates are compared */
	"completeness --measure attendance --backfill-before 2027-01-01",
	"completeness --survey climate --backfill-before 2027-01-01",
	"roi --measure ela_scale --all --pre 2023-09-01..2024-06-30 "
	"--post 2025-09-01..2026-06-30",
};

/* export → fresh database → import through the CLI → the same answers
 * to every analysis, and the same rows when exported again. */
static void
export_round_trips_to_identical_analyses(void **state)
{
	(void) state;
	char out[200], back[200], conn2[512];
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(back, sizeof(back), "%s/back", dir);
	export_all(&srv, out);

	h_db_create("export_copy", conn2);
	h_server_start(&copy, conn2, NULL);
	load_network(&copy, out);

	for (size_t i = 0; i < sizeof(ANALYSES) / sizeof(ANALYSES[0]); i++) {
		char args[400];
		snprintf(args, sizeof(args),
		         "--format json analyze %s >%s/a/%zu.json",
		         ANALYSES[i], dir, i);
		assert_int_equal(h_run("%s/tandem --server %s --token %s %s",
		                       h_bin_dir(), srv.url, srv.token, args),
		                 0);
		snprintf(args, sizeof(args),
		         "--format json analyze %s >%s/b/%zu.json",
		         ANALYSES[i], dir, i);
		assert_int_equal(h_run("%s/tandem --server %s --token %s %s",
		                       h_bin_dir(), copy.url, copy.token,
		                       args),
		                 0);
		/* an answer, not an empty one */
		assert_int_equal(
		    h_run("test $(wc -c <%s/a/%zu.json) -gt 100", dir, i), 0);
		if (h_run("cmp -s %s/a/%zu.json %s/b/%zu.json", dir, i, dir, i)
		    != 0) {
			h_run(
			    "diff %s/a/%zu.json %s/b/%zu.json | head -20 >&2",
			    dir, i, dir, i);
			fail_msg("analyze %s differs after the round trip",
			         ANALYSES[i]);
		}
	}

	/* Exported again from the copy: the same rows (their order follows
	 * each database's internal ids); survey respondents are pseudonyms
	 * of pseudonyms, so those files compare without that column. */
	export_all(&copy, back);
	for (size_t i = 0; i < N_EXPORTS; i++) {
		bool responses  = strncmp(EXPORTS[i].args, "surveys", 7) == 0;
		const char *pre = responses ? "cut -d, -f1,3-" : "cat";
		if (h_run("%s %s/%s | sort >%s/x && %s %s/%s | sort >%s/y && "
		          "cmp -s %s/x %s/y",
		          pre, out, EXPORTS[i].file, dir, pre, back,
		          EXPORTS[i].file, dir, dir, dir)
		    != 0) {
			fail_msg("export %s differs after the round trip",
			         EXPORTS[i].args);
		}
	}
	/* every row once: the export has as many rows as the sample */
	for (size_t i = 0; i < N_EXPORTS; i++) {
		assert_int_equal(h_run("test $(wc -l <%s/%s) -eq $(wc -l "
		                       "<%s/sample/%s)",
		                       out, EXPORTS[i].file, dir,
		                       EXPORTS[i].file),
		                 0);
	}
	/* pseudonymous respondents only: 32 hex digits, never a raw id */
	assert_int_equal(h_run("awk -F, 'NR > 1 && (length($2) != 32 || $2 "
	                       "!~ /^[0-9a-f]+$/) { bad = 1 } END { exit "
	                       "bad }' %s/responses_climate.csv",
	                       out),
	                 0);
	assert_int_not_equal(h_run("cut -d, -f2 %s/sample/responses_climate."
	                           "csv | tail -n +2 | grep -qxFf - "
	                           "%s/responses_climate.csv",
	                           dir, out),
	                     0);
	assert_int_not_equal(
	    h_run("grep -q STU- %s/responses_climate.csv", out), 0);
	assert_int_equal(h_server_stop(&copy), 0);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Small pages with writes between them (new rows, corrections before
 * and after the cursor): every row that was there at the start comes
 * exactly once, and no row twice. */
static void
small_pages_give_every_row_exactly_once(void **state)
{
	(void) state;
	long long                 before = h_sql_int(conninfo,
	                                             "SELECT count(*) FROM "
	                                                             "outcomes");
	Tandem__V1__ExportRequest req    = TANDEM__V1__EXPORT_REQUEST__INIT;
	req.kind                         = "outcomes";
	req.page_size                    = 97;
	size_t cap = (size_t) before + 100, n = 0, pages = 0, added = 0,
	       corrected = 0;
	char **keys      = calloc(cap, sizeof(char *));
	assert_non_null(keys);
	uint8_t *cursor = NULL;
	for (;;) {
		Tandem__V1__ExportPage *p;
		td_status               st;
		assert_int_equal(page(cl, &req, &p, &st), TD_CODE_OK);
		assert_int_equal(p->n_columns, 8);
		assert_true(p->n_rows <= 97);
		for (size_t i = 0; i < p->n_rows; i++) {
			char **c = p->rows[i]->cells;
			assert_true(n < cap);
			keys[n] = malloc(200);
			snprintf(keys[n++], 200, "%s|%s|%s|%s|%s", c[0], c[1],
			         c[6], c[2], c[3]);
			/* the row corrected after the cursor comes corrected
			 */
			if (strcmp(keys[n - 1],
			           "S040|attendance||2026-06-01|2026-06-30")
			    == 0) {
				assert_string_equal(c[4], "96.5");
				corrected++;
			}
		}
		pages++;
		if (pages == 3) {
			/* new rows and a correction while the export runs */
			h_write_file(
			    dir, "more.csv",
			    "school,measure,period_start,period_end,"
			    "value,n\n"
			    "S001,attendance,2019-01-01,2019-01-31,91,"
			    "300\n"
			    "S040,attendance,2019-02-01,2019-02-28,92,"
			    "300\n"
			    "S020,ela_scale,2019-03-01,2019-03-31,401,"
			    "300\n");
			char args[300];
			snprintf(args, sizeof(args),
			         "submit outcomes %s/more.csv", dir);
			cli_ok(&srv, srv.token, args);
			added = 3;
			/* corrections replace rows before and after the
			 * cursor */
			h_write_file(
			    dir, "fix.csv",
			    "school,measure,period_start,period_end,"
			    "value,n\n"
			    "S001,ela_scale,2023-09-01,2023-09-30,476,"
			    "702\n"
			    "S040,attendance,2026-06-01,2026-06-30,"
			    "96.5,884\n");
			snprintf(args, sizeof(args),
			         "submit outcomes --correction %s/fix.csv",
			         dir);
			cli_ok(&srv, srv.token, args);
		}
		if (!turn_page(&req, &cursor, p, &st)) {
			break;
		}
	}
	free(cursor);
	assert_true(pages >= (size_t) before / 97);
	qsort(keys, n, sizeof(char *), cmp_str);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(keys[i - 1], keys[i]) == 0) {
			fail_msg("row %s came twice", keys[i]);
		}
	}
	size_t old = 0;
	for (size_t i = 0; i < n; i++) {
		old += strstr(keys[i], "|2019-") == NULL;
		free(keys[i]);
	}
	free(keys);
	assert_int_equal(corrected, 1);
	/* every row of the start once; the new ones at most once */
	assert_int_equal(old, (size_t) before);
	assert_true(n >= (size_t) before && n <= (size_t) before + added);

	/* the CLI pages the same way: 12,616 responses in pages of 500 */
	char args[300];
	snprintf(args, sizeof(args),
	         "export surveys --survey climate --page-size 500 --out "
	         "%s/p.csv",
	         dir);
	cli_ok(&srv, srv.token, args);
	long long responses
	    = h_sql_int(conninfo,
	                "SELECT count(*) FROM survey_responses r JOIN surveys "
	                "v ON v.id = r.survey_id WHERE v.code = 'climate'");
	assert_int_equal(h_run("test $(tail -n +2 %s/p.csv | sort -u | wc -l) "
	                       "-eq %lld",
	                       dir, responses),
	                 0);
	assert_int_equal(
	    h_run("test $(wc -l <%s/p.csv) -eq %lld", dir, responses + 1), 0);
}

/* Rows far bigger than a message: pages stop at their byte budget, so
 * every reply stays under the 4 MiB frame, and every row arrives. */
static void
large_export_stays_under_the_message_limit(void **state)
{
	(void) state;
	h_sql_exec(conninfo,
	           "INSERT INTO submissions (id, method, payload_sha256, "
	           "records, stored) VALUES ('export-big-notes', 'test', "
	           "'\\x00', 400, 400)");
	h_sql_exec(
	    conninfo,
	    "INSERT INTO observations (observation, observer_id, "
	    "observed_id, rubric_id, school_id, observed_on, scores, "
	    "notes, submission_seq) SELECT 'BIG-' || g, e.id, e.id, "
	    "r.id, e.school_id, '2024-01-15', '{1,2,3,4,1}', "
	    "repeat(md5(g::text), 1900), s.seq FROM "
	    "generate_series(1, 400) g, (SELECT id, school_id FROM "
	    "educators WHERE code = 'E0001') e, (SELECT id FROM rubrics "
	    "WHERE code = 'practice' ORDER BY version DESC LIMIT 1) r, "
	    "(SELECT seq FROM submissions WHERE id = "
	    "'export-big-notes') s");
	long long                 want = h_sql_int(conninfo,
	                                           "SELECT count(*) FROM observations o JOIN "
	                                                           "schools s ON s.id = o.school_id WHERE "
	                                                           "s.code = 'S001'");
	Tandem__V1__ExportRequest req  = TANDEM__V1__EXPORT_REQUEST__INIT;
	req.kind                       = "feedback";
	req.school                     = "S001";
	req.page_size                  = 10000;
	uint8_t  *cur                  = NULL;
	long long rows = 0, big = 0;
	size_t    pages = 0, largest = 0;
	for (;;) {
		Tandem__V1__ExportPage *p;
		td_status               st;
		assert_int_equal(page(cl, &req, &p, &st), TD_CODE_OK);
		size_t size = protobuf_c_message_get_packed_size(&p->base);
		largest     = size > largest ? size : largest;
		assert_true(size < TD_CLIENT_MAX_REQUEST);
		for (size_t i = 0; i < p->n_rows; i++) {
			big += strncmp(p->rows[i]->cells[0], "BIG-", 4) == 0;
			/* the notes column, after the 5 criteria */
			if (strncmp(p->rows[i]->cells[0], "BIG-", 4) == 0) {
				assert_int_equal(strlen(p->rows[i]->cells[11]),
				                 1900 * 32);
			}
		}
		rows += (long long) p->n_rows;
		pages++;
		if (!turn_page(&req, &cur, p, &st)) {
			break;
		}
	}
	free(cur);
	printf("large export: %lld rows (%lld of 60 KiB notes) in %zu pages, "
	       "largest reply %zu bytes\n",
	       rows, big, pages, largest);
	assert_int_equal(rows, want);
	assert_int_equal(big, 400);
	/* 400 x 60 KiB = 23 MiB of notes: several pages, each below 4 MiB */
	assert_true(pages >= 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		/* first: the others add rows the sample does not have */
		cmocka_unit_test(export_round_trips_to_identical_analyses),
		cmocka_unit_test(small_pages_give_every_row_exactly_once),
		cmocka_unit_test(large_export_stays_under_the_message_limit),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
