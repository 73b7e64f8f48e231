/* SPDX-License-Identifier: MIT
 * The CLI's table writer: numbers print exactly as printf's "%.*f" prints
 * them (output.c formats most of them itself, for speed), and the text
 * table's alignment.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "output.h"

/* shown: the CSV text of one number cell. */
static void
shown(double v, int d, char *out, size_t cap)
{
	static const char *col[] = { "x" };
	out_table         *t     = out_table_create("t", 1, col);
	char              *buf   = NULL;
	size_t             len   = 0;
	FILE              *f     = open_memstream(&buf, &len);
	assert_non_null(t);
	assert_non_null(f);
	out_num(t, v, d);
	out_print_one(f, OUT_CSV, t);
	fclose(f);
	/* "x\n" then the field and "\n" */
	assert_true(len >= 3 && strncmp(buf, "x\n", 2) == 0);
	snprintf(out, cap, "%.*s", (int) (len - 3), buf + 2);
	free(buf);
	out_table_destroy(t);
}

static void
check(double v, int d)
{
	char want[128], got[128];
	snprintf(want, sizeof(want), "%.*f", d, v);
	shown(v, d, got, sizeof(got));
	if (strcmp(want, got) != 0) {
		fail_msg("%.17g with %d decimals: printf %s, table %s", v, d,
		         want, got);
	}
}

/* Ties and near-ties, where a shortcut would round the wrong way: binary
 * halves (0.125, 2.5: exact ties, printf rounds them to even), decimal
 * "halves" that are not exact (2.675 is 2.67499999...), signs, zeros,
 * and values too large for a 64-bit shortcut. */
static void
test_fixed_matches_printf_on_edges(void **state)
{
	(void) state;
	static const double v[] = {
		0,       -0.0,     0.125,         0.375,
		2.5,     3.5,      -2.5,          2.675,
		1.005,   1.015,    0.045,         -0.0005,
		0.0005,  0.00049,  1e-300,        -1e-300,
		0.5,     1.5,      999.995,       9.995,
		-9.995,  1e15,     1e16,          4.5e15,
		1e22,    1e40,     -1e22,         123456.7890125,
		0.99999, -0.99999, 0.05,          -0.05,
		5e-5,    6e-5,     525.678548547,
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		for (int d = 0; d <= 12; d++) {
			check(v[i], d);
			check(nextafter(v[i], INFINITY), d);
			check(nextafter(v[i], -INFINITY), d);
		}
	}
}

/* Many values of every magnitude a table shows, against printf. */
static void
test_fixed_matches_printf_on_random_values(void **state)
{
	(void) state;
	uint64_t x = 88172645463325252ULL; /* xorshift64, fixed seed */
	for (int i = 0; i < 300000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		double u = (double) (x >> 11) / 9007199254740992.0;
		int    e = (int) (x % 19) - 6; /* 1e-6 .. 1e12 */
		double v = (u - 0.3) * pow(10, e);
		int    d = (int) ((x >> 5) % 10);
		check(v, d);
		/* a value on a decimal grid: many near-ties */
		check(round(v * 1000) / 1000 + 0.0005, 3);
	}
}

/* Integers print as "%lld". */
static void
test_int_matches_printf(void **state)
{
	(void) state;
	static const int64_t v[]
	    = { 0, 1, -1, 9, 10, -10, 1234567890123, INT64_MAX, INT64_MIN };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		static const char *col[] = { "x" };
		out_table         *t     = out_table_create("t", 1, col);
		char              *buf   = NULL, want[40];
		size_t             len   = 0;
		FILE              *f     = open_memstream(&buf, &len);
		assert_non_null(t);
		assert_non_null(f);
		out_int(t, v[i]);
		out_print_one(f, OUT_CSV, t);
		fclose(f);
		snprintf(want, sizeof(want), "x\n%lld\n", (long long) v[i]);
		assert_string_equal(buf, want);
		free(buf);
		out_table_destroy(t);
	}
}

/* The text table: numbers right-aligned, text left-aligned, two spaces
 * between columns, no padding after a last text column. */
static void
test_text_table_alignment(void **state)
{
	(void) state;
	static const char *cols[] = { "school", "n", "value", "note" };
	out_table         *t      = out_table_create("t", 4, cols);
	char              *buf    = NULL;
	size_t             len    = 0;
	FILE              *f      = open_memstream(&buf, &len);
	assert_non_null(t);
	assert_non_null(f);
	out_str(t, "S1");
	out_int(t, 7);
	out_num(t, -1.5, 2);
	out_str(t, "a");
	out_str(t, "S0002");
	out_int(t, 1234);
	out_num(t, 10.25, 2);
	out_null(t, "-");
	out_str(t, "S3");
	out_int(t, 12);
	out_num(t, 0.125, 2);
	out_str(t, "long note");
	out_print_one(f, OUT_TABLE, t);
	fclose(f);
	assert_string_equal(buf,
	                    "school  n     value  note\n"
	                    "------  ----  -----  ---------\n"
	                    "S1         7  -1.50  a\n"
	                    "S0002   1234  10.25  -\n"
	                    "S3        12   0.12  long note\n");
	free(buf);
	out_table_destroy(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_matches_printf_on_edges),
		cmocka_unit_test(test_fixed_matches_printf_on_random_values),
		cmocka_unit_test(test_int_matches_printf),
		cmocka_unit_test(test_text_table_alignment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
