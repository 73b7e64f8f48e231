/* SPDX-License-Identifier: MIT
 * Calendar arithmetic on top of common/, the CSV writer and the output
 * files of the sample generator: RFC 4180 quoting, numbers formatted by
 * hand so the output does not depend on the locale.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "sample_internal.h"

/* ------------------------------------------------------------------ */
/* Dates as days since 1970-01-01 (H. Hinnant's civil algorithms). */

int
sample_days_in_month(int y, int m)
{
	static const int dim[12]
	    = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return dim[m - 1] + (m == 2 && leap);
}

/* A weekday on or after `day` (school happens Monday to Friday). */
long
sample_weekday_on_or_after(long day)
{
	int wd = (int) ((day + 4) % 7); /* 0 = Sunday; 1970-01-01 was Thu */
	if (wd == 6) {
		return day + 2;
	}
	if (wd == 0) {
		return day + 1;
	}
	return day;
}

/* Month index 0..9 of the school year (Sep..Jun) to calendar y/m. */
void
sample_school_month(int ay, int mi, int *y, int *m)
{
	*m = (8 + mi) % 12 + 1;
	*y = ay + (*m < 8);
}

/* ------------------------------------------------------------------ */
/* Output: RFC 4180 CSV with '\n' line ends. Numbers are formatted by hand
 * so that a setlocale() in the CLI cannot turn 9.5 into "9,5". Write errors
 * are sticky in the FILE and checked once, at close. */

static void
fmt_int(char *buf, long long v)
{
	char               tmp[24];
	int                n = 0;
	unsigned long long u
	    = v < 0 ? 0ULL - (unsigned long long) v : (unsigned long long) v;
	do {
		tmp[n++] = (char) ('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0) {
		*buf++ = '-';
	}
	while (n > 0) {
		*buf++ = tmp[--n];
	}
	*buf = '\0';
}

/* Fixed-point with `dec` decimals (0..6), locale-independent. Values here
 * are small (scores, percentages, dollars), far below 2^53. */
void
sample_fmt_fix(char *buf, double v, int dec)
{
	static const long long p10[]
	    = { 1, 10, 100, 1000, 10000, 100000, 1000000 };
	long long q = llround(v * (double) p10[dec]);
	if (q < 0) {
		*buf++ = '-';
		q      = -q;
	}
	fmt_int(buf, q / p10[dec]);
	if (dec > 0) {
		buf += strlen(buf);
		*buf++      = '.';
		long long f = q % p10[dec];
		for (int i = dec - 1; i >= 0; i--) {
			buf[i] = (char) ('0' + f % 10);
			f /= 10;
		}
		buf[dec] = '\0';
	}
}

/* prefix + v zero-padded to `width` digits, truncated to fit len. */
void
sample_fmt_code(char *buf, size_t len, const char *prefix, int width, long v)
{
	char   num[24];
	size_t o = 0;
	fmt_int(num, v);
	size_t n = strlen(num);
	for (const char *p = prefix; *p != '\0' && o + 1 < len; p++) {
		buf[o++] = *p;
	}
	for (int z = width - (int) n; z > 0 && o + 1 < len; z--) {
		buf[o++] = '0';
	}
	for (size_t i = 0; i < n && o + 1 < len; i++) {
		buf[o++] = num[i];
	}
	buf[o] = '\0';
}

static void
fmt_date(char *buf, long day)
{
	common_date_write(day, buf);
}

void
sample_cw_sep(csvw *w)
{
	if (w->col++ > 0) {
		putc(',', w->f);
	}
}

void
sample_cw_str(csvw *w, const char *s)
{
	sample_cw_sep(w);
	if (s == NULL || *s == '\0') {
		return;
	}
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, w->f);
		return;
	}
	putc('"', w->f);
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '"') {
			putc('"', w->f);
		}
		putc(*p, w->f);
	}
	putc('"', w->f);
}

void
sample_cw_int(csvw *w, long long v)
{
	char buf[24];
	fmt_int(buf, v);
	sample_cw_sep(w);
	fputs(buf, w->f);
}

void
sample_cw_fix(csvw *w, double v, int dec)
{
	char buf[48];
	sample_fmt_fix(buf, v, dec);
	sample_cw_sep(w);
	fputs(buf, w->f);
}

void
sample_cw_date(csvw *w, long day)
{
	char buf[16];
	fmt_date(buf, day);
	sample_cw_sep(w);
	fputs(buf, w->f);
}

void
sample_cw_end(csvw *w)
{
	putc('\n', w->f);
	w->col = 0;
}

/* ------------------------------------------------------------------ */
/* Output files of a generation: opened under g->outdir, write errors
 * checked once at close. */

void
sample_seterr(char *errmsg, const char *fmt, ...)
{
	if (errmsg == NULL) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(errmsg, TD_ERRMSG_MAX, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* Files. */

int
sample_gen_open(gen *g, const char *name, csvw *w, const char *header)
{
	char path[4096];
	int  n = snprintf(path, sizeof path, "%s/%s", g->outdir, name);
	if (n < 0 || (size_t) n >= sizeof path) {
		sample_seterr(g->errmsg,
		              "output path for %s is longer than %zu bytes",
		              name, sizeof path - 1);
		return TD_EINVAL;
	}
	w->f   = fopen(path, "w");
	w->col = 0;
	if (w->f == NULL) {
		sample_seterr(g->errmsg, "cannot create %s: %s", path,
		              strerror(errno));
		return TD_EIO;
	}
	if (header != NULL) {
		fputs(header, w->f);
		putc('\n', w->f);
	}
	return 0;
}

int
sample_gen_close(gen *g, csvw *w, const char *name)
{
	int bad = ferror(w->f);
	if (fclose(w->f) != 0) {
		bad = 1;
	}
	w->f = NULL;
	if (bad) {
		sample_seterr(g->errmsg, "writing %s/%s failed (disk full?)",
		              g->outdir, name);
		return TD_EIO;
	}
	return 0;
}
