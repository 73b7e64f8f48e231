/* SPDX-License-Identifier: MIT
 * Measures as users write them: the one reader of the
 * survey:SURVEY/CONSTRUCT:mean|favourable grammar.
 */
#include <stdio.h>
#include <string.h>

#include "common.h"

#define SURVEY_PREFIX "survey:"

/* copy_code copies the n bytes at s into out (COMMON_CODE_MAX + 1) when
 * they make a valid code; else says which rule they break. */
static bool
copy_code(const char *what, const char *s, size_t n, char *out, char *err,
          size_t errcap)
{
	char buf[COMMON_CODE_MAX + 2];
	if (n > COMMON_CODE_MAX) {
		snprintf(err, errcap, "the %s code is %zu bytes, over %d",
		         what, n, COMMON_CODE_MAX);
		return false;
	}
	memcpy(buf, s, n);
	buf[n]             = '\0';
	common_code_rule r = common_code_check(buf);
	if (r != COMMON_CODE_OK) {
		snprintf(err, errcap, "the %s code %s", what,
		         r == COMMON_CODE_EMPTY ? "is missing"
		                                : "is not a valid code");
		return false;
	}
	memcpy(out, buf, n + 1);
	return true;
}

bool
common_measure_parse(const char *s, common_measure *m, char *err,
                     size_t errcap)
{
	const size_t plen = strlen(SURVEY_PREFIX);
	memset(m, 0, sizeof(*m));
	if (s == NULL) {
		s = "";
	}
	if (strncmp(s, SURVEY_PREFIX, plen) != 0) {
		return copy_code("measure", s, strlen(s), m->outcome, err,
		                 errcap);
	}
	const char *sv    = s + plen;
	const char *slash = strchr(sv, '/');
	const char *colon = slash ? strrchr(slash, ':') : NULL;
	if (slash == NULL || colon == NULL) {
		snprintf(err, errcap,
		         "a survey measure is survey:SURVEY/CONSTRUCT:mean "
		         "or survey:SURVEY/CONSTRUCT:favourable");
		return false;
	}
	if (strcmp(colon, ":favourable") == 0) {
		m->favourable = true;
	} else if (strcmp(colon, ":mean") != 0) {
		snprintf(err, errcap,
		         "a survey measure ends in :mean or :favourable, not "
		         "%.40s",
		         colon);
		return false;
	}
	m->survey = true;
	return copy_code("survey", sv, (size_t) (slash - sv), m->survey_code,
	                 err, errcap)
	    && copy_code("construct", slash + 1, (size_t) (colon - slash - 1),
	                 m->construct, err, errcap);
}
