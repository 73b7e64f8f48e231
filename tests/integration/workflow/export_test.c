/* SPDX-License-Identifier: MIT
 * tandem export end to end: the sample network loaded through the real
 * CLI into a real tandemd, every kind exported, imported into a fresh
 * database through the CLI, and the analyses of both compared; paging
 * with small pages and writes in between; who may export what (each role
 * × kind, scope, audit rows); forged and foreign cursors; formula cells;
 * a large export under the message limit.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static char       conninfo[512];
static char       dir[128];
static h_server   srv;
static h_server   copy; /* the fresh database's server (round trip) */
static td_client *cl;

/* Tokens of clients of each role (school S001, district D01). */
static char tok_school[80], tok_district[80], tok_council[80],
    tok_evaluator[80];

static int
cli(const h_server *s, const char *token, const char *args)
{
	return h_run("%s/tandem --server %s --token %s %s >>%s/cli.log 2>&1",
	             h_bin_dir(), s->url, token, args, dir);
}

static void
cli_ok(const h_server *s, const char *token, const char *args)
{
	if (cli(s, token, args) != 0) {
		h_run("tail -20 %s/cli.log >&2", dir);
		fail_msg("tandem %s failed", args);
	}
}

/* load_network defines and submits the sample network's files (or an
 * export's, named the same way) from src into s. */
static void
load_network(const h_server *s, const char *src)
{
	const char *steps[] = {
		"define districts %s/districts.csv",
		"define schools %s/schools.csv",
		"define educators %s/educators.csv",
		"define measures %s/measures.csv",
		"define survey --code climate %s/survey_climate.csv",
		"define survey --code teacher %s/survey_teacher.csv",
		"define rubric --code practice %s/rubric_practice.csv",
		"define activities %s/activities.csv",
		"define price-index %s/price_index.csv",
		"submit outcomes %s/outcomes.csv",
		"submit surveys --survey climate %s/responses_climate.csv",
		"submit surveys --survey teacher %s/responses_teacher.csv",
		"submit feedback %s/observations.csv --annotations "
		"%s/annotations.csv",
		"submit costs %s/costs.csv",
		"submit participation %s/participation.csv",
		"submit administrations %s/administrations.csv",
		"submit pdsa %s/pdsa.csv",
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char args[600];
		snprintf(args, sizeof(args), steps[i], src, src);
		cli_ok(s, s->token, args);
	}
}

static void
make_client(const char *role, const char *school, const char *district,
            char *token)
{
	Tandem__V1__CreateClientRequest req
	    = TANDEM__V1__CREATE_CLIENT_REQUEST__INIT;
	Tandem__V1__CreateClientResponse *r  = NULL;
	td_status                         st = { 0 };
	req.name                             = (char *) role;
	req.role                             = (char *) role;
	req.school                           = (char *) school;
	req.district                         = (char *) district;
	assert_int_equal(td_admin_create_client(cl, &req, &r, &st),
	                 TD_CODE_OK);
	snprintf(token, 80, "%s", r->token);
	protobuf_c_message_free_unpacked(&r->base, NULL);
	td_status_reset(&st);
}

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
	h_db_create("export", conninfo);
	h_server_start(&srv, conninfo, NULL);
	cl = h_client(&srv, 60000);
	snprintf(dir, sizeof(dir), "/tmp/tdtest-export-%d", (int) getpid());
	assert_int_equal(h_run("rm -rf %s && mkdir -p %s/out %s/back %s/a "
	                       "%s/b && %s/tandem sample --seed 1 %s/sample "
	                       ">/dev/null",
	                       dir, dir, dir, dir, dir, h_bin_dir(), dir),
	                 0);
	char sample[200];
	snprintf(sample, sizeof(sample), "%s/sample", dir);
	load_network(&srv, sample);
	make_client("school", "S001", "", tok_school);
	make_client("district", "", "D01", tok_district);
	make_client("council", "", "", tok_council);
	make_client("evaluator", "", "", tok_evaluator);
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	td_client_destroy(cl);
	if (copy.pid > 0) { /* a failed round trip left it running */
		h_server_stop(&copy);
	}
	assert_int_equal(h_server_stop(&srv), 0);
	h_run("rm -rf %s", dir);
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

/* One page through libtandem. */
static int
page(td_client *c, Tandem__V1__ExportRequest *req, Tandem__V1__ExportPage **p,
     td_status *st)
{
	*p = NULL;
	memset(st, 0, sizeof(*st));
	return td_export_page(c, req, p, st);
}

/* turn_page moves req on to the page after p (its cursor copied into
 * *cur, which the caller frees), frees p and st, and says whether there
 * is one. */
static bool
turn_page(Tandem__V1__ExportRequest *req, uint8_t **cur,
          Tandem__V1__ExportPage *p, td_status *st)
{
	free(*cur);
	*cur             = NULL;
	req->cursor.len  = p->next_cursor.len;
	req->cursor.data = NULL;
	if (p->next_cursor.len > 0) {
		*cur = malloc(p->next_cursor.len);
		assert_non_null(*cur);
		memcpy(*cur, p->next_cursor.data, p->next_cursor.len);
		req->cursor.data = *cur;
	}
	protobuf_c_message_free_unpacked(&p->base, NULL);
	td_status_reset(st);
	return req->cursor.len > 0;
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

/* The roles table of the README: who may export which kind. */
static const struct {
	const char *kind;
	const char *code;
	const char *roles; /* S school, D district, C council, E evaluator,
	                    * A admin; '-' refused */
} ROLES[] = {
	{ "districts", "", "SDCEA" },       { "schools", "", "SDCEA" },
	{ "educators", "", "SD--A" },       { "survey", "climate", "SDCEA" },
	{ "rubric", "practice", "SDCEA" },  { "measures", "", "SDCEA" },
	{ "activities", "", "SDCEA" },      { "price-index", "", "SDCEA" },
	{ "surveys", "climate", "SD--A" },  { "feedback", "", "SD--A" },
	{ "annotations", "", "SD--A" },     { "outcomes", "", "SD--A" },
	{ "costs", "", "--CEA" },           { "participation", "", "SD--A" },
	{ "administrations", "", "SDCEA" }, { "pdsa", "", "SDCEA" },
};

static long long
denied_audit_rows(const char *token)
{
	char sql[600];
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM audit_log a JOIN api_clients c ON "
	         "c.id = a.client_id WHERE c.token_sha256 = "
	         "sha256('%s'::bytea) AND a.method = "
	         "'/tandem.v1.Export/Page' AND a.status = "
	         "'PERMISSION_DENIED'",
	         token);
	return h_sql_int(conninfo, sql);
}

static void
each_role_exports_only_its_kinds_with_audit_rows(void **state)
{
	(void) state;
	const char *tokens[] = { tok_school, tok_district, tok_council,
		                 tok_evaluator, srv.token };
	for (int r = 0; r < 5; r++) {
		td_client *c       = h_client_token(&srv, 60000, tokens[r]);
		long long  before  = denied_audit_rows(tokens[r]);
		long long  refused = 0;
		for (size_t k = 0; k < sizeof(ROLES) / sizeof(ROLES[0]); k++) {
			Tandem__V1__ExportRequest req
			    = TANDEM__V1__EXPORT_REQUEST__INIT;
			Tandem__V1__ExportPage *p;
			td_status               st;
			req.kind      = (char *) ROLES[k].kind;
			req.code      = (char *) ROLES[k].code;
			req.page_size = 5;
			int  code     = page(c, &req, &p, &st);
			bool allowed  = ROLES[k].roles[r] != '-';
			if (allowed && code != TD_CODE_OK) {
				fail_msg("role %c: export %s: %s", "SDCEA"[r],
				         ROLES[k].kind, st.message);
			}
			if (!allowed) {
				assert_int_equal(code,
				                 TD_CODE_PERMISSION_DENIED);
				assert_non_null(
				    strstr(st.message, ROLES[k].kind));
				refused++;
			}
			if (p != NULL) {
				protobuf_c_message_free_unpacked(&p->base,
				                                 NULL);
			}
			td_status_reset(&st);
		}
		/* every refusal has its audit row */
		assert_int_equal(denied_audit_rows(tokens[r]) - before,
		                 refused);
		td_client_destroy(c);
	}
}

/* Rows of kind through libtandem for token, all pages; *rows gets the
 * number and each row's column col is checked against allowed (a space
 * separated list, with spaces around). Returns the status code. */
static int
export_rows(const char *token, const char *kind, const char *school,
            const char *district, size_t col, const char *allowed,
            long long *rows, char *message)
{
	td_client                *c   = h_client_token(&srv, 60000, token);
	Tandem__V1__ExportRequest req = TANDEM__V1__EXPORT_REQUEST__INIT;
	uint8_t                  *cur = NULL;
	int                       code;
	req.kind     = (char *) kind;
	req.school   = (char *) school;
	req.district = (char *) district;
	*rows        = 0;
	for (;;) {
		Tandem__V1__ExportPage *p;
		td_status               st;
		if ((code = page(c, &req, &p, &st)) != TD_CODE_OK) {
			snprintf(message, 1024, "%s", st.message);
			td_status_reset(&st);
			break;
		}
		for (size_t i = 0; i < p->n_rows; i++) {
			char want[100];
			snprintf(want, sizeof(want), " %s ",
			         p->rows[i]->cells[col]);
			if (strstr(allowed, want) == NULL) {
				fail_msg("export %s gave a row of %s", kind,
				         p->rows[i]->cells[col]);
			}
		}
		*rows += (long long) p->n_rows;
		if (!turn_page(&req, &cur, p, &st)) {
			break;
		}
	}
	free(cur);
	td_client_destroy(c);
	return code;
}

static void
scope_keeps_schools_and_districts_to_their_own(void **state)
{
	(void) state;
	char      msg[1024], d01[4096];
	long long rows;
	/* a school: its own rows, all of them */
	assert_int_equal(export_rows(tok_school, "outcomes", "", "", 0,
	                             " S001 ", &rows, msg),
	                 TD_CODE_OK);
	assert_int_equal(rows,
	                 h_sql_int(conninfo,
	                           "SELECT count(*) FROM outcomes o JOIN "
	                           "schools s ON s.id = o.school_id WHERE "
	                           "s.code = 'S001'"));
	assert_true(rows > 0);
	/* a district: its schools' rows, all of them */
	snprintf(d01, sizeof(d01), " %s ",
	         h_sql_text(conninfo,
	                    "SELECT string_agg(s.code, ' ') FROM schools s "
	                    "JOIN districts d ON d.id = s.district_id WHERE "
	                    "d.code = 'D01'"));
	assert_int_equal(
	    export_rows(tok_district, "surveys", "", "", 0, d01, &rows, msg),
	    TD_CODE_INVALID_ARGUMENT); /* needs its survey */
	assert_int_equal(
	    export_rows(tok_district, "feedback", "", "", 1, d01, &rows, msg),
	    TD_CODE_OK);
	assert_int_equal(
	    rows,
	    h_sql_int(conninfo,
	              "SELECT count(*) FROM observations o JOIN schools "
	              "s ON s.id = o.school_id JOIN districts d ON d.id "
	              "= s.district_id WHERE d.code = 'D01'"));
	assert_true(rows > 0);
	/* a district narrows to one of its schools */
	assert_int_equal(export_rows(tok_district, "participation", "S001", "",
	                             1, " S001 ", &rows, msg),
	                 TD_CODE_OK);
	/* the school's PDSA cycles: its own and the network's */
	assert_int_equal(
	    export_rows(tok_school, "pdsa", "", "", 1, " S001  ", &rows, msg),
	    TD_CODE_OK);
	/* asking for more is refused, with an audit row each */
	long long before = denied_audit_rows(tok_school);
	assert_int_equal(
	    export_rows(tok_school, "outcomes", "S002", "", 0, "", &rows, msg),
	    TD_CODE_PERMISSION_DENIED);
	assert_non_null(strstr(msg, "S001"));
	assert_int_equal(
	    export_rows(tok_school, "schools", "", "D02", 0, "", &rows, msg),
	    TD_CODE_PERMISSION_DENIED);
	assert_int_equal(denied_audit_rows(tok_school) - before, 2);
	const char *other = h_sql_text(
	    conninfo,
	    "SELECT min(s.code) FROM schools s JOIN districts d ON "
	    "d.id = s.district_id WHERE d.code <> 'D01'");
	char other_s[72];
	snprintf(other_s, sizeof(other_s), "%s", other);
	before = denied_audit_rows(tok_district);
	assert_int_equal(export_rows(tok_district, "outcomes", other_s, "", 0,
	                             "", &rows, msg),
	                 TD_CODE_PERMISSION_DENIED);
	/* an unknown school reads the same as another district's */
	assert_int_equal(export_rows(tok_district, "outcomes", "NO-SUCH", "",
	                             0, "", &rows, msg),
	                 TD_CODE_PERMISSION_DENIED);
	assert_int_equal(export_rows(tok_district, "educators", "", "D02", 0,
	                             "", &rows, msg),
	                 TD_CODE_PERMISSION_DENIED);
	assert_int_equal(denied_audit_rows(tok_district) - before, 3);
	/* every successful page is audited too, with its kind */
	assert_true(h_sql_int(conninfo,
	                      "SELECT count(*) FROM audit_log WHERE method = "
	                      "'/tandem.v1.Export/Page' AND status = 'OK' AND "
	                      "detail LIKE 'export feedback district=D01%'")
	            > 0);
}

/* A first page's cursor, for kind outcomes with page size 5. */
static void
first_cursor(td_client *c, Tandem__V1__ExportRequest *req, uint8_t *buf,
             size_t *len)
{
	Tandem__V1__ExportPage *p;
	td_status               st;
	assert_int_equal(page(c, req, &p, &st), TD_CODE_OK);
	assert_true(p->next_cursor.len > 0 && p->next_cursor.len < 512);
	memcpy(buf, p->next_cursor.data, p->next_cursor.len);
	*len = p->next_cursor.len;
	protobuf_c_message_free_unpacked(&p->base, NULL);
	td_status_reset(&st);
}

static int
with_cursor(td_client *c, Tandem__V1__ExportRequest *req, uint8_t *buf,
            size_t len)
{
	Tandem__V1__ExportPage *p;
	td_status               st;
	req->cursor.data = buf;
	req->cursor.len  = len;
	int code         = page(c, req, &p, &st);
	if (code == TD_CODE_INVALID_ARGUMENT) {
		assert_non_null(strstr(st.message, "cursor"));
	}
	if (p != NULL) {
		protobuf_c_message_free_unpacked(&p->base, NULL);
	}
	td_status_reset(&st);
	req->cursor.data = NULL;
	req->cursor.len  = 0;
	return code;
}

static void
forged_and_foreign_cursors_are_refused(void **state)
{
	(void) state;
	uint8_t                   cur[512], forged[64];
	size_t                    len;
	Tandem__V1__ExportRequest req = TANDEM__V1__EXPORT_REQUEST__INIT;
	req.kind                      = "outcomes";
	req.page_size                 = 5;
	req.school                    = "S001";
	first_cursor(cl, &req, cur, &len);
	/* the control: the same request goes on */
	assert_int_equal(with_cursor(cl, &req, cur, len), TD_CODE_OK);
	/* made up */
	for (size_t i = 0; i < sizeof(forged); i++) {
		forged[i] = (uint8_t) (i * 37 + 1);
	}
	forged[0] = 1;
	assert_int_equal(with_cursor(cl, &req, forged, sizeof(forged)),
	                 TD_CODE_INVALID_ARGUMENT);
	/* altered: each byte flipped in turn */
	for (size_t i = 0; i < len; i++) {
		cur[i] ^= 0x01;
		assert_int_equal(with_cursor(cl, &req, cur, len),
		                 TD_CODE_INVALID_ARGUMENT);
		cur[i] ^= 0x01;
	}
	assert_int_equal(with_cursor(cl, &req, cur, len - 1),
	                 TD_CODE_INVALID_ARGUMENT);
	/* cannot widen: the school's cursor without the school */
	req.school = "";
	assert_int_equal(with_cursor(cl, &req, cur, len),
	                 TD_CODE_INVALID_ARGUMENT);
	/* nor move to other dates or another kind */
	req.school = "S001";
	req.from   = "2023-01-01";
	assert_int_equal(with_cursor(cl, &req, cur, len),
	                 TD_CODE_INVALID_ARGUMENT);
	req.from = "";
	req.kind = "participation";
	assert_int_equal(with_cursor(cl, &req, cur, len),
	                 TD_CODE_INVALID_ARGUMENT);
	req.kind = "outcomes";
	/* foreign: the admin's cursor in the school client's hands, for the
	 * very same request */
	td_client *school = h_client_token(&srv, 60000, tok_school);
	assert_int_equal(with_cursor(school, &req, cur, len),
	                 TD_CODE_INVALID_ARGUMENT);
	/* and the school's own cursor works for the school only */
	uint8_t scur[512];
	size_t  slen;
	first_cursor(school, &req, scur, &slen);
	assert_int_equal(with_cursor(school, &req, scur, slen), TD_CODE_OK);
	assert_int_equal(with_cursor(cl, &req, scur, slen),
	                 TD_CODE_INVALID_ARGUMENT);
	td_client_destroy(school);
}

/* has_line: file (in dir) holds line exactly. */
static void
has_line(const char *file, const char *line)
{
	char want[600];
	snprintf(want, sizeof(want), "%s\n", line);
	h_write_file(dir, "want.txt", want);
	if (h_run("grep -qxFf %s/want.txt %s/%s", dir, dir, file) != 0) {
		h_run("grep SX %s/%s >&2", dir, file);
		fail_msg("%s has no line %s", file, line);
	}
}

/* Text a spreadsheet would run is written as text in CSV (a leading '),
 * numbers are left alone, and JSON carries the value as it is. */
static void
formula_cells_are_neutralised(void **state)
{
	(void) state;
	h_write_file(dir, "evil.csv",
	             "district,school,name,frl_rate,enrollment,locale,grades,"
	             "opened_on\n"
	             "D01,SX1,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",0.5,"
	             "100,city,K-5,2024-08-01\n"
	             "D01,SX2,+1+cmd|' /C calc'!A0,0.25,200,town,6-8,\n"
	             "D01,SX3,@SUM(A1),,,rural,,\n"
	             "D01,SX4,-2+3,,,,,\n");
	char args[400];
	snprintf(args, sizeof(args), "define schools %s/evil.csv", dir);
	cli_ok(&srv, srv.token, args);
	snprintf(args, sizeof(args),
	         "export schools --district D01 --out "
	         "%s/s.csv",
	         dir);
	cli_ok(&srv, srv.token, args);
	has_line("s.csv",
	         "D01,SX1,\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","
	         "0.5,100,city,K-5,2024-08-01,");
	has_line("s.csv",
	         "D01,SX2,\"'+1+cmd|' /C calc'!A0\",0.25,200,town,6-8,,");
	has_line("s.csv", "D01,SX3,\"'@SUM(A1)\",,,rural,,,");
	has_line("s.csv", "D01,SX4,\"'-2+3\",,,,,,");
	/* read back by define, each name is what it was, not '=… */
	snprintf(args, sizeof(args), "define schools %s/s.csv", dir);
	cli_ok(&srv, srv.token, args);
	assert_string_equal(h_sql_text(conninfo,
	                               "SELECT name FROM schools "
	                               "WHERE code = 'SX1'"),
	                    "=HYPERLINK(\"http://x\",\"y\")");
	assert_string_equal(h_sql_text(conninfo,
	                               "SELECT name FROM schools "
	                               "WHERE code = 'SX4'"),
	                    "-2+3");
	/* no cell of the file starts a formula */
	assert_int_not_equal(h_run("grep -qE '(^|,)[=+@-]' %s/s.csv", dir), 0);
	/* JSON is not a spreadsheet: the value as stored, typed */
	snprintf(args, sizeof(args),
	         "export schools --district D01 --format json --out "
	         "%s/s.json",
	         dir);
	cli_ok(&srv, srv.token, args);
	assert_int_equal(
	    h_run(
	        "python3 -c 'import json,sys; a = "
	        "json.load(open(sys.argv[1]));"
	        " r = [x for x in a if x[\"school\"] == \"SX1\"][0];"
	        " assert r[\"name\"].startswith(\"=HYPERLINK\"), r;"
	        " assert r[\"frl_rate\"] == 0.5 and r[\"enrollment\"] == 100;"
	        " s = [x for x in a if x[\"school\"] == \"SX3\"][0];"
	        " assert s[\"frl_rate\"] is None and s[\"grades\"] == \"\", s'"
	        " %s/s.json",
	        dir),
	    0);
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
		cmocka_unit_test(
		    each_role_exports_only_its_kinds_with_audit_rows),
		cmocka_unit_test(
		    scope_keeps_schools_and_districts_to_their_own),
		cmocka_unit_test(forged_and_foreign_cursors_are_refused),
		cmocka_unit_test(formula_cells_are_neutralised),
		cmocka_unit_test(large_export_stays_under_the_message_limit),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
