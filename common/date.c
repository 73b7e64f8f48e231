/* SPDX-License-Identifier: MIT
 * Calendar dates: the one YYYY-MM-DD parser and year range of client and
 * server, and the day-number arithmetic under it.
 */
#include <string.h>

#include "common.h"

bool
common_year_valid(long y)
{
	return y >= COMMON_YEAR_MIN && y <= COMMON_YEAR_MAX;
}

long
common_days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	long     era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned) (y - era * 400);
	unsigned doy
	    = (unsigned) ((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long) doe - 719468;
}

void
common_civil_from_days(long z, int *y, int *m, int *d)
{
	z += 719468;
	long     era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned) (z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long     yy  = (long) yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp  = (5 * doy + 2) / 153;
	*d           = (int) (doy - (153 * mp + 2) / 5 + 1);
	*m           = (int) (mp < 10 ? mp + 3 : mp - 9);
	*y           = (int) (yy + (*m <= 2));
}

void
common_date_write(long days, char *out)
{
	int y, m, d;
	common_civil_from_days(days, &y, &m, &d);
	y       = y < 0 ? 0 : y > 9999 ? 9999 : y;
	out[0]  = (char) ('0' + y / 1000);
	out[1]  = (char) ('0' + y / 100 % 10);
	out[2]  = (char) ('0' + y / 10 % 10);
	out[3]  = (char) ('0' + y % 10);
	out[4]  = '-';
	out[5]  = (char) ('0' + m / 10);
	out[6]  = (char) ('0' + m % 10);
	out[7]  = '-';
	out[8]  = (char) ('0' + d / 10);
	out[9]  = (char) ('0' + d % 10);
	out[10] = '\0';
}

static int
digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

bool
common_date_parse(const char *s, int32_t *days)
{
	static const int mdays[]
	    = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (s == NULL || strlen(s) != COMMON_DATE_LEN || s[4] != '-'
	    || s[7] != '-') {
		return false;
	}
	for (int i = 0; i < COMMON_DATE_LEN; i++) {
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) {
			return false;
		}
	}
	int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
	if (!common_year_valid(y) || m < 1 || m > 12 || d < 1) {
		return false;
	}
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[m - 1] + (m == 2 && leap)) {
		return false;
	}
	if (days != NULL) {
		*days = (int32_t) common_days_from_civil(y, m, d);
	}
	return true;
}
