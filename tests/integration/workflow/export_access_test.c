/* SPDX-License-Identifier: MIT
 * tandem export, who may take what out: each role × kind as the README's
 * table says, with an audit row per refusal; schools and districts kept
 * to their own rows; made-up, altered, foreign and re-filtered cursors
 * refused; formula cells neutralised in CSV and read back as they were.
 */
#include "export_util.h"

static int
setup(void **state)
{
	(void) state;
	export_setup("export_access");
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	export_teardown();
	return 0;
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

/* Refused export calls of token in audit_log; with want >= 0, waits (up to
 * the harness's bound) for that many, since tandemd's audit writer stores a
 * read's row just after the reply. */
static long long
denied_audit_rows(const char *token, long long want)
{
	char sql[600];
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM audit_log a JOIN api_clients c ON "
	         "c.id = a.client_id WHERE c.token_sha256 = "
	         "sha256('%s'::bytea) AND a.method = "
	         "'/tandem.v1.Export/Page' AND a.status = "
	         "'PERMISSION_DENIED'",
	         token);
	return want < 0 ? h_sql_int(conninfo, sql)
	                : h_sql_int_until(conninfo, sql, want);
}

static void
each_role_exports_only_its_kinds_with_audit_rows(void **state)
{
	(void) state;
	const char *tokens[] = { tok_school, tok_district, tok_council,
		                 tok_evaluator, srv.token };
	for (int r = 0; r < 5; r++) {
		td_client *c       = h_client_token(&srv, 60000, tokens[r]);
		long long  before  = denied_audit_rows(tokens[r], -1);
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
		assert_int_equal(denied_audit_rows(tokens[r], before + refused)
		                     - before,
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
	long long before = denied_audit_rows(tok_school, -1);
	assert_int_equal(
	    export_rows(tok_school, "outcomes", "S002", "", 0, "", &rows, msg),
	    TD_CODE_PERMISSION_DENIED);
	assert_non_null(strstr(msg, "S001"));
	assert_int_equal(
	    export_rows(tok_school, "schools", "", "D02", 0, "", &rows, msg),
	    TD_CODE_PERMISSION_DENIED);
	assert_int_equal(denied_audit_rows(tok_school, before + 2) - before,
	                 2);
	const char *other = h_sql_text(
	    conninfo,
	    "SELECT min(s.code) FROM schools s JOIN districts d ON "
	    "d.id = s.district_id WHERE d.code <> 'D01'");
	char other_s[72];
	snprintf(other_s, sizeof(other_s), "%s", other);
	before = denied_audit_rows(tok_district, -1);
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
	assert_int_equal(denied_audit_rows(tok_district, before + 3) - before,
	                 3);
	/* every successful page is audited too, with its kind */
	assert_true(
	    h_sql_int_until(conninfo,
	                    "SELECT (count(*) > 0)::int FROM audit_log "
	                    "WHERE "
	                    "method = '/tandem.v1.Export/Page' AND "
	                    "status = 'OK' AND detail LIKE 'export "
	                    "feedback district=D01%'",
	                    1)
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    each_role_exports_only_its_kinds_with_audit_rows),
		cmocka_unit_test(
		    scope_keeps_schools_and_districts_to_their_own),
		cmocka_unit_test(forged_and_foreign_cursors_are_refused),
		cmocka_unit_test(formula_cells_are_neutralised),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
