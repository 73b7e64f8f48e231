/* SPDX-License-Identifier: MIT
 * csvread: the CLI's CSV reader. Quoting, line ends, BOM, line numbers of
 * records that span lines, raw record bytes, header binding, cell values,
 * and the errors a data manager will meet, each with its file and line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvread.h"
#include "output.h"

static csvread_table *
parse_ok(const char *text)
{
	csvread_table *t                  = NULL;
	char           err[TD_ERRMSG_MAX] = "";
	int rv = csvread_parse(&t, "t.csv", text, strlen(text), err);
	if (rv != TD_OK) {
		fail_msg("parse failed: %s", err);
	}
	return t;
}

static int
parse_err(const char *text, char *err)
{
	csvread_table *t = NULL;
	int rv           = csvread_parse(&t, "t.csv", text, strlen(text), err);
	assert_null(t);
	return rv;
}

/* What the CLI's CSV output writes (formula cells neutralised with a
 * leading ') reads back as the value it was; an apostrophe before
 * anything else is data. */
static void
neutralised_formula_cells_read_back_as_written(void **state)
{
	static const char *const values[] = { "=HYPERLINK(\"http://x\",\"y\")",
		                              "+1+cmd|' /C calc'!A0",
		                              "-2+3",
		                              "@SUM(A1)",
		                              "\tx",
		                              "plain",
		                              "'plain",
		                              "it's",
		                              "" };
	size_t                   n        = sizeof(values) / sizeof(values[0]);
	char                    *buf      = NULL;
	size_t                   blen     = 0;
	FILE                    *f        = open_memstream(&buf, &blen);
	assert_non_null(f);
	fputs("id,text\n", f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "r%zu,", i);
		out_csv_field(f, values[i], true);
		fputc('\n', f);
	}
	fclose(f);
	/* written neutralised: no field starts a formula */
	assert_non_null(strstr(buf, "r0,\"'=HYPERLINK("));
	assert_non_null(strstr(buf, "r2,\"'-2+3\""));
	csvread_table *t = parse_ok(buf);
	assert_int_equal(csvread_nrecords(t), n);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(csvread_cell(t, i, 1), values[i]);
	}
	csvread_destroy(t);
	free(buf);
}

static void
quoted_fields_keep_commas_and_doubled_quotes(void **state)
{
	csvread_table *t = parse_ok("item,text\n"
	                            "q1,\"I feel safe, mostly\"\n"
	                            "q2,\"She said \"\"hi\"\"\"\n");
	assert_int_equal(csvread_ncols(t), 2);
	assert_int_equal(csvread_nrecords(t), 2);
	assert_string_equal(csvread_cell(t, 0, 1), "I feel safe, mostly");
	assert_string_equal(csvread_cell(t, 1, 1), "She said \"hi\"");
	csvread_destroy(t);
}

static void
record_spanning_lines_has_the_line_of_its_first_byte(void **state)
{
	csvread_table *t = parse_ok("observation,notes\n"
	                            "OBS-1,\"first line\nsecond line\n"
	                            "third line\"\n"
	                            "OBS-2,short\n");
	assert_int_equal(csvread_nrecords(t), 2);
	assert_int_equal(csvread_header_line(t), 1);
	assert_int_equal(csvread_line(t, 0), 2);
	assert_int_equal(csvread_line(t, 1), 5);
	assert_string_equal(csvread_cell(t, 0, 1),
	                    "first line\nsecond line\nthird line");
	size_t      len;
	const char *raw  = csvread_raw(t, 0, &len);
	const char *want = "OBS-1,\"first line\nsecond line\nthird line\"\n";
	assert_int_equal(len, strlen(want));
	assert_memory_equal(raw, want, len);
	csvread_destroy(t);
}

static void
crlf_line_ends_stay_out_of_fields_but_in_raw_bytes(void **state)
{
	csvread_table *t = parse_ok("a,b\r\n1,2\r\n3,\"x\r\ny\"\r\n4,5\r\n");
	assert_int_equal(csvread_nrecords(t), 3);
	assert_string_equal(csvread_cell(t, 0, 1), "2");
	assert_string_equal(csvread_cell(t, 1, 1), "x\r\ny");
	assert_int_equal(csvread_line(t, 0), 2);
	assert_int_equal(csvread_line(t, 1), 3);
	assert_int_equal(csvread_line(t, 2), 5);
	size_t      len;
	const char *raw = csvread_raw(t, 0, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(raw, "1,2\r\n", 5);
	raw = csvread_header_raw(t, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(raw, "a,b\r\n", 5);
	csvread_destroy(t);
}

static void
lone_cr_line_ends_count_as_lines(void **state)
{
	csvread_table *t = parse_ok("a,b\r1,2\r3,4\r");
	assert_int_equal(csvread_nrecords(t), 2);
	assert_int_equal(csvread_line(t, 1), 3);
	assert_string_equal(csvread_cell(t, 1, 0), "3");
	csvread_destroy(t);
}

static void
utf8_bom_is_dropped_from_the_first_column_name(void **state)
{
	csvread_table *t = parse_ok("\xEF\xBB\xBF"
	                            "school,name\nS1,\xC3\x89"
	                            "cole Nord\n");
	assert_string_equal(csvread_header(t, 0), "school");
	assert_int_equal(csvread_find(t, "school"), 0);
	assert_string_equal(csvread_cell(t, 0, 1),
	                    "\xC3\x89"
	                    "cole Nord");
	csvread_destroy(t);
}

static void
missing_required_column_names_file_and_column(void **state)
{
	csvread_table *t      = parse_ok("school,measure,value\nS1,att,0.9\n");
	csvread_col    cols[] = {
		   { "school", true, 0 },
		   { "measure", true, 0 },
		   { "period_start", true, 0 },
		   { "subgroup", false, 0 },
	};
	char err[TD_ERRMSG_MAX] = "";
	assert_int_equal(csvread_bind(t, cols, 4, err), TD_EINVAL);
	assert_non_null(strstr(err, "t.csv"));
	assert_non_null(strstr(err, "missing required column 'period_start'"));
	assert_non_null(strstr(err, "school, measure, value"));
	csvread_destroy(t);
}

static void
columns_bind_by_name_in_any_order_and_extras_stay_unbound(void **state)
{
	csvread_table *t      = parse_ok("value,extra,School,measure\n"
	                                      "0.9,x,S1,att\n");
	csvread_col    cols[] = {
		   { "school", true, 0 },
		   { "measure", true, 0 },
		   { "value", true, 0 },
		   { "subgroup", false, 0 },
	};
	char err[TD_ERRMSG_MAX] = "";
	assert_int_equal(csvread_bind(t, cols, 4, err), TD_OK);
	assert_int_equal(cols[0].index, 2); /* matched ignoring case */
	assert_int_equal(cols[1].index, 3);
	assert_int_equal(cols[2].index, 0);
	assert_int_equal(cols[3].index, -1);
	assert_false(csvread_is_bound(cols, 4, 1));
	assert_true(csvread_is_bound(cols, 4, 2));
	assert_string_equal(csvread_header(t, 1), "extra");
	assert_string_equal(csvread_cell(t, 0, 1), "x");
	csvread_destroy(t);
}

static void
exact_name_wins_and_ambiguous_case_matches_find_nothing(void **state)
{
	csvread_table *t = parse_ok("Q1,q1,Q2,q2x\n1,2,3,4\n");
	assert_int_equal(csvread_find(t, "q1"), 1);
	assert_int_equal(csvread_find(t, "Q1"), 0);
	assert_int_equal(csvread_find(t, "q2"), 2);
	csvread_destroy(t);
	t = parse_ok("Q1,QQ,qq\n1,2,3\n");
	assert_int_equal(csvread_find(t, "Qq"), -1);
	csvread_destroy(t);
}

static void
empty_cells_are_empty_strings_not_skipped(void **state)
{
	csvread_table *t = parse_ok("school,respondent,q1,q2,q3\n"
	                            "S1,R1,,4,\"\"\n"
	                            "S1,R2,  ,5,1\n");
	assert_int_equal(csvread_nrecords(t), 2);
	assert_string_equal(csvread_cell(t, 0, 2), "");
	assert_string_equal(csvread_cell(t, 0, 3), "4");
	assert_string_equal(csvread_cell(t, 0, 4), "");
	assert_string_equal(csvread_cell(t, 1, 2), "");
	csvread_destroy(t);
}

static void
blank_lines_and_rows_of_bare_commas_are_skipped(void **state)
{
	csvread_table *t = parse_ok("\n  \na,b\n1,2\n\n,\n  ,  \n3,4\n\n");
	assert_int_equal(csvread_header_line(t), 3);
	assert_int_equal(csvread_nrecords(t), 2);
	assert_int_equal(csvread_line(t, 0), 4);
	assert_int_equal(csvread_line(t, 1), 8);
	csvread_destroy(t);
}

static void
last_record_without_line_end_is_read(void **state)
{
	csvread_table *t = parse_ok("a,b\n1,2\n3,4");
	assert_int_equal(csvread_nrecords(t), 2);
	assert_string_equal(csvread_cell(t, 1, 1), "4");
	size_t len;
	assert_memory_equal(csvread_raw(t, 1, &len), "3,4", 3);
	assert_int_equal(len, 3);
	csvread_destroy(t);
}

static void
header_only_file_has_no_records(void **state)
{
	csvread_table *t = parse_ok("a,b\n");
	assert_int_equal(csvread_ncols(t), 2);
	assert_int_equal(csvread_nrecords(t), 0);
	csvread_destroy(t);
}

static void
empty_file_is_an_error_asking_for_a_header(void **state)
{
	char err[TD_ERRMSG_MAX] = "";
	assert_int_equal(parse_err("", err), TD_EINVAL);
	assert_non_null(strstr(err, "t.csv: no header row"));
	assert_int_equal(parse_err("\xEF\xBB\xBF\r\n\n", err), TD_EINVAL);
	assert_non_null(strstr(err, "no header row"));
}

static void
unbalanced_quote_names_the_line_where_the_record_starts(void **state)
{
	char err[TD_ERRMSG_MAX] = "";
	assert_int_equal(
	    parse_err("a,b\n1,2\n3,\"never closed\n4,5\n6,7\n", err),
	    TD_EINVAL);
	assert_non_null(strstr(err, "t.csv:3: unbalanced quote"));
}

static void
quote_inside_an_unquoted_field_is_an_error_with_its_line(void **state)
{
	char err[TD_ERRMSG_MAX] = "";
	assert_int_equal(parse_err("a,b\n1,2\n3,4\"5\n", err), TD_EINVAL);
	assert_non_null(strstr(err, "t.csv:3: misplaced quote"));
	assert_int_equal(parse_err("a,b\n\"1\"x,2\n", err), TD_EINVAL);
	assert_non_null(strstr(err, "t.csv:2: misplaced quote"));
}

static void
wrong_number_of_fields_is_an_error_with_its_line(void **state)
{
	char err[TD_ERRMSG_MAX] = "";
	assert_int_equal(parse_err("a,b,c\n1,2,3\n4,5\n", err), TD_EINVAL);
	assert_string_equal(err,
	                    "t.csv:3: 2 fields, but the header has 3 columns");
	assert_int_equal(parse_err("a,b\n1,2,3\n", err), TD_EINVAL);
	assert_non_null(strstr(err, "t.csv:2: 3 fields"));
}

static void
invalid_utf8_is_an_error_with_its_line(void **state)
{
	char err[TD_ERRMSG_MAX] = "";
	/* "École" in Latin-1, as an old spreadsheet saves it */
	assert_int_equal(parse_err("school,name\nS1,\xC9"
	                           "cole\n",
	                           err),
	                 TD_EINVAL);
	assert_non_null(strstr(err, "t.csv:2: not valid UTF-8"));
}

static void
duplicate_column_name_is_an_error(void **state)
{
	char err[TD_ERRMSG_MAX] = "";
	assert_int_equal(parse_err("school,q1,q2,q1\n", err), TD_EINVAL);
	assert_non_null(strstr(err, "t.csv:1: column 'q1' appears twice"));
}

static void
nul_byte_is_an_error(void **state)
{
	csvread_table    *t                  = NULL;
	char              err[TD_ERRMSG_MAX] = "";
	static const char buf[]              = "a,b\n1,\0\n";
	assert_int_equal(csvread_parse(&t, "t.csv", buf, sizeof(buf) - 1, err),
	                 TD_EINVAL);
	assert_null(t);
	assert_non_null(strstr(err, "NUL"));
}

static void
unreadable_file_is_an_io_error_naming_it(void **state)
{
	csvread_table *t                  = NULL;
	char           err[TD_ERRMSG_MAX] = "";
	assert_int_equal(csvread_file(&t, "/nonexistent/x.csv", err), TD_EIO);
	assert_null(t);
	assert_non_null(strstr(err, "/nonexistent/x.csv"));
}

static void
fixture_file_with_bom_crlf_and_quoted_newline_reads(void **state)
{
	csvread_table *t                  = NULL;
	char           err[TD_ERRMSG_MAX] = "";
	assert_int_equal(
	    csvread_file(&t, TD_FIXTURES "/observations_crlf.csv", err),
	    TD_OK);
	assert_string_equal(csvread_header(t, 0), "observation");
	assert_int_equal(csvread_nrecords(t), 3);
	assert_int_equal(csvread_line(t, 0), 2);
	assert_int_equal(csvread_line(t, 1), 3);
	assert_int_equal(csvread_line(t, 2), 5);
	int notes = csvread_find(t, "notes");
	assert_true(notes >= 0);
	assert_string_equal(csvread_cell(t, 1, (size_t) notes),
	                    "Strong questioning,\r\nweak wrap-up");
	csvread_destroy(t);
}

static void
whole_numbers_parse_and_fractions_do_not(void **state)
{
	long long v = 0;
	assert_int_equal(csvread_parse_int("12", 0, 100, &v), TD_OK);
	assert_int_equal(v, 12);
	assert_int_equal(csvread_parse_int(" -3 ", -5, 5, &v), TD_OK);
	assert_int_equal(v, -3);
	assert_int_equal(csvread_parse_int("+4", 0, 5, &v), TD_OK);
	assert_int_equal(v, 4);
	assert_int_equal(csvread_parse_int("4.0", 0, 5, &v), TD_OK);
	assert_int_equal(v, 4);
	assert_int_equal(csvread_parse_int("3.5", 0, 5, &v), TD_EINVAL);
	assert_int_equal(csvread_parse_int("five", 0, 5, &v), TD_EINVAL);
	assert_int_equal(csvread_parse_int("", 0, 5, &v), TD_EINVAL);
	assert_int_equal(csvread_parse_int("-", 0, 5, &v), TD_EINVAL);
	assert_int_equal(csvread_parse_int("1e3", 0, 5000, &v), TD_EINVAL);
	assert_int_equal(csvread_parse_int("6", 0, 5, &v), TD_ERANGE);
	assert_int_equal(
	    csvread_parse_int("99999999999999999999", 0, INT64_MAX, &v),
	    TD_ERANGE);
}

static void
numbers_parse_but_nan_inf_hex_and_commas_do_not(void **state)
{
	double d = 0;
	assert_int_equal(csvread_parse_num("0.45", &d), TD_OK);
	assert_true(d == 0.45);
	assert_int_equal(csvread_parse_num("-1e3", &d), TD_OK);
	assert_true(d == -1000.0);
	assert_int_equal(csvread_parse_num("nan", &d), TD_EINVAL);
	assert_int_equal(csvread_parse_num("inf", &d), TD_EINVAL);
	assert_int_equal(csvread_parse_num("0x10", &d), TD_EINVAL);
	assert_int_equal(csvread_parse_num("1,5", &d), TD_EINVAL);
	assert_int_equal(csvread_parse_num("1e999", &d), TD_EINVAL);
	assert_int_equal(csvread_parse_num("", &d), TD_EINVAL);
}

static void
booleans_accept_true_false_yes_no_one_zero(void **state)
{
	bool b = false;
	assert_int_equal(csvread_parse_bool("TRUE", &b), TD_OK);
	assert_true(b);
	assert_int_equal(csvread_parse_bool("no", &b), TD_OK);
	assert_false(b);
	assert_int_equal(csvread_parse_bool("1", &b), TD_OK);
	assert_true(b);
	assert_int_equal(csvread_parse_bool(" 0 ", &b), TD_OK);
	assert_false(b);
	assert_int_equal(csvread_parse_bool("maybe", &b), TD_EINVAL);
	assert_int_equal(csvread_parse_bool("", &b), TD_EINVAL);
}

static void
cell_readers_report_file_line_column_and_value(void **state)
{
	csvread_table *t   = parse_ok("school,q1,q2\nS1,3.5,\nS2,4,x\n");
	csvread_errs   e   = { 0 };
	char          *buf = NULL;
	size_t         len = 0;
	long long      v;
	const char    *s;
	e.out = open_memstream(&buf, &len);
	assert_false(csvread_get_int(&e, t, 0, 1, true, 1, 5, 0, &v));
	assert_true(csvread_get_int(&e, t, 0, 2, false, 1, 5, -1, &v));
	assert_int_equal(v, -1); /* empty optional: the default, not 0 */
	assert_false(csvread_get_str(&e, t, 0, 2, true, &s));
	assert_true(csvread_get_str(&e, t, 1, -1, false, &s));
	assert_string_equal(s, "");
	assert_int_equal(csvread_errs_done(&e), 2);
	fclose(e.out);
	assert_string_equal(buf,
	                    "t.csv:2: column q1: '3.5' is not a whole number\n"
	                    "t.csv:2: column q2 is empty\n");
	free(buf);
	csvread_destroy(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quoted_fields_keep_commas_and_doubled_quotes),
		cmocka_unit_test(
		    neutralised_formula_cells_read_back_as_written),
		cmocka_unit_test(
		    record_spanning_lines_has_the_line_of_its_first_byte),
		cmocka_unit_test(
		    crlf_line_ends_stay_out_of_fields_but_in_raw_bytes),
		cmocka_unit_test(lone_cr_line_ends_count_as_lines),
		cmocka_unit_test(
		    utf8_bom_is_dropped_from_the_first_column_name),
		cmocka_unit_test(
		    missing_required_column_names_file_and_column),
		cmocka_unit_test(
		    columns_bind_by_name_in_any_order_and_extras_stay_unbound),
		cmocka_unit_test(
		    exact_name_wins_and_ambiguous_case_matches_find_nothing),
		cmocka_unit_test(empty_cells_are_empty_strings_not_skipped),
		cmocka_unit_test(
		    blank_lines_and_rows_of_bare_commas_are_skipped),
		cmocka_unit_test(last_record_without_line_end_is_read),
		cmocka_unit_test(header_only_file_has_no_records),
		cmocka_unit_test(empty_file_is_an_error_asking_for_a_header),
		cmocka_unit_test(
		    unbalanced_quote_names_the_line_where_the_record_starts),
		cmocka_unit_test(
		    quote_inside_an_unquoted_field_is_an_error_with_its_line),
		cmocka_unit_test(
		    wrong_number_of_fields_is_an_error_with_its_line),
		cmocka_unit_test(invalid_utf8_is_an_error_with_its_line),
		cmocka_unit_test(duplicate_column_name_is_an_error),
		cmocka_unit_test(nul_byte_is_an_error),
		cmocka_unit_test(unreadable_file_is_an_io_error_naming_it),
		cmocka_unit_test(
		    fixture_file_with_bom_crlf_and_quoted_newline_reads),
		cmocka_unit_test(whole_numbers_parse_and_fractions_do_not),
		cmocka_unit_test(
		    numbers_parse_but_nan_inf_hex_and_commas_do_not),
		cmocka_unit_test(booleans_accept_true_false_yes_no_one_zero),
		cmocka_unit_test(
		    cell_readers_report_file_line_column_and_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
