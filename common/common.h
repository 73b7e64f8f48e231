/* SPDX-License-Identifier: MIT
 * Input rules that the client and the server both apply, written once
 * (curl's lib/curlx idea): calendar dates and their year range, what a
 * code may look like, and how a measure is written. Pure C, no dependencies;
 * tandemd's services and the tandem CLI link it, so a rule cannot drift
 * between the two sides.
 */
#ifndef TD_COMMON_H
#define TD_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tandem/wire.h"

/* The years a date or a cost year may name. Wide enough for any school
 * record and any projection; narrow enough that a typo such as 20024 or
 * 0202 is caught. */
#define COMMON_YEAR_MIN 1900
#define COMMON_YEAR_MAX 2200

/* Codes (schools, surveys, measures, respondents...) are 1..TD_MAX_CODE
 * bytes (the limit is part of the wire contract). */
#define COMMON_CODE_MAX TD_MAX_CODE

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
/* common_date_write writes the day days after 1970-01-01 as YYYY-MM-DD
 * (years 0..9999; out has COMMON_DATE_LEN + 1 bytes), without stdio: it
 * runs for every row of some reads. */
void common_date_write(long days, char *out);

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

/* A measure as a user writes it (the CLI's --measure): an outcome code
 * ("ela_scale") or "survey:SURVEY/CONSTRUCT:mean" or
 * "survey:SURVEY/CONSTRUCT:favourable". The wire carries it structured
 * (tandem.v1.MeasureKey); this is the one place the text is read. */
typedef struct common_measure {
	bool survey; /* false: an outcome measure, code in outcome */
	bool favourable; /* survey: the favourable share, not the mean */
	char outcome[COMMON_CODE_MAX + 1];
	char survey_code[COMMON_CODE_MAX + 1];
	char construct[COMMON_CODE_MAX + 1];
} common_measure;

/* common_measure_parse reads s into *m. On failure it returns false and
 * writes a sentence naming the rule into err (errcap bytes). Both codes of
 * a survey measure must be present, valid codes, and the statistic (:mean
 * or :favourable) is required: a code may contain ':', so only a
 * mandatory suffix keeps the last ':' unambiguous. */
bool common_measure_parse(const char *s, common_measure *m, char *err,
                          size_t errcap);

#endif /* TD_COMMON_H */
