/* SPDX-License-Identifier: MIT
 * Input rules that the client and the server both apply, written once
 * (curl's lib/curlx idea): calendar dates and their year range, and what
 * a code may look like. Pure C, no dependencies; tandemd's services and
 * the tandem CLI link it, so a rule cannot drift between the two sides.
 */
#ifndef TD_COMMON_H
#define TD_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The years a date or a cost year may name. Wide enough for any school
 * record and any projection; narrow enough that a typo such as 20024 or
 * 0202 is caught. */
#define COMMON_YEAR_MIN 1900
#define COMMON_YEAR_MAX 2200

/* Codes (schools, surveys, measures, respondents...) are 1..64 bytes. */
#define COMMON_CODE_MAX 64

/* Length of a date written YYYY-MM-DD, without the terminating NUL. */
#define COMMON_DATE_LEN 10

/* common_year_valid: y is within COMMON_YEAR_MIN..COMMON_YEAR_MAX. */
bool common_year_valid(long y);

/* common_date_parse: s is exactly YYYY-MM-DD naming a real day (leap
 * years included) in a valid year. On success *days (may be NULL) gets
 * the days since 1970-01-01. */
bool common_date_parse(const char *s, int32_t *days);

/* common_days_from_civil / common_civil_from_days: proleptic Gregorian
 * calendar <-> days since 1970-01-01 (H. Hinnant's algorithms), for any
 * year. */
long common_days_from_civil(int y, int m, int d);
void common_civil_from_days(long days, int *y, int *m, int *d);

/* What is wrong with a code; COMMON_CODE_OK when nothing is. */
typedef enum common_code_rule {
	COMMON_CODE_OK = 0,
	COMMON_CODE_EMPTY, /* "required" */
	COMMON_CODE_TOO_LONG, /* "max_length": over COMMON_CODE_MAX bytes */
	COMMON_CODE_CONTROL, /* "no_control": a control character */
	COMMON_CODE_PADDING, /* "no_padding": leading/trailing space */
} common_code_rule;

/* common_code_check returns the first rule s breaks. */
common_code_rule common_code_check(const char *s);

/* common_code_rule_name: the rule's name as error details carry it
 * ("required", "max_length", "no_control", "no_padding"; "" for OK). */
const char *common_code_rule_name(common_code_rule r);

#endif /* TD_COMMON_H */
