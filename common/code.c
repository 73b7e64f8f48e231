/* SPDX-License-Identifier: MIT
 * Codes: what a school, survey, measure or respondent code may look like.
 */
#include <string.h>

#include "common.h"

common_code_rule
common_code_check(const char *s)
{
	size_t n = s == NULL ? 0 : strlen(s);
	if (n == 0) {
		return COMMON_CODE_EMPTY;
	}
	if (n > COMMON_CODE_MAX) {
		return COMMON_CODE_TOO_LONG;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f) {
			return COMMON_CODE_CONTROL;
		}
	}
	if (s[0] == ' ' || s[n - 1] == ' ') {
		return COMMON_CODE_PADDING;
	}
	return COMMON_CODE_OK;
}

const char *
common_code_rule_name(common_code_rule r)
{
	switch (r) {
	case COMMON_CODE_EMPTY:
		return "required";
	case COMMON_CODE_TOO_LONG:
		return "max_length";
	case COMMON_CODE_CONTROL:
		return "no_control";
	case COMMON_CODE_PADDING:
		return "no_padding";
	default:
		return "";
	}
}
