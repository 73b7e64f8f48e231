/* SPDX-License-Identifier: MIT
 * Field rules of the Registry and Ingest services (codes, dates, enums,
 * values, horizons) as per-record details; the code and date rules
 * themselves are common/'s.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "validate.h"

bool
validate_code(rpc_call *call, int64_t rec, const char *field,
              const char *value)
{
	common_code_rule r = common_code_check(value);
	switch (r) {
	case COMMON_CODE_OK:
		return true;
	case COMMON_CODE_EMPTY:
		rpc_detail(call, rec, field, common_code_rule_name(r),
		           "%s is empty", field);
		break;
	case COMMON_CODE_TOO_LONG:
		rpc_detail(call, rec, field, common_code_rule_name(r),
		           "%s is %zu bytes, over the %d-byte limit for codes",
		           field, strlen(value), COMMON_CODE_MAX);
		break;
	case COMMON_CODE_CONTROL:
		rpc_detail(call, rec, field, common_code_rule_name(r),
		           "%s contains a control character", field);
		break;
	case COMMON_CODE_PADDING:
		rpc_detail(call, rec, field, common_code_rule_name(r),
		           "%s '%s' has leading or trailing spaces", field,
		           value);
		break;
	}
	return false;
}

bool
validate_date(rpc_call *call, int64_t rec, const char *field,
              const char *value, int32_t *days)
{
	if (value[0] == '\0') {
		rpc_detail(call, rec, field, "required", "%s is empty", field);
		return false;
	}
	if (!common_date_parse(value, days)) {
		rpc_detail(call, rec, field, "date",
		           "%s '%s' is not a real date YYYY-MM-DD in %d..%d",
		           field, value, COMMON_YEAR_MIN, COMMON_YEAR_MAX);
		return false;
	}
	return true;
}

bool
validate_enum(rpc_call *call, int64_t rec, const char *field,
              const char *value, const char *const *allowed)
{
	char   list[256];
	size_t used = 0;
	for (const char *const *a = allowed; *a; a++) {
		if (strcmp(*a, value) == 0) {
			return true;
		}
		used += (size_t) snprintf(list + used, sizeof(list) - used,
		                          "%s%s", used ? "|" : "", *a);
		if (used >= sizeof(list)) {
			break;
		}
	}
	rpc_detail(call, rec, field, "enum", "%s '%s' is not one of %s", field,
	           value, list);
	return false;
}

bool
validate_value(rpc_call *call, int64_t rec, const char *field,
               const char *unit, double value)
{
	const char *u = unit ? unit : "";
	if (!isfinite(value)) {
		rpc_detail(call, rec, field, "finite",
		           "%s is not a finite number", field);
		return false;
	}
	if (strcmp(u, "proportion") == 0 && !(value >= 0 && value <= 1)) {
		rpc_detail(call, rec, field, "range",
		           "%s %g is outside 0..1 (the measure is a "
		           "proportion)",
		           field, value);
		return false;
	}
	if (strcmp(u, "percent") == 0 && !(value >= 0 && value <= 100)) {
		rpc_detail(
		    call, rec, field, "range",
		    "%s %g is outside 0..100 (the measure is a percent)",
		    field, value);
		return false;
	}
	if (strcmp(u, "count") == 0
	    && !(value >= 0 && value <= VALIDATE_VALUE_MAX
	         && value == floor(value))) {
		rpc_detail(call, rec, field, "range",
		           "%s %g is not a non-negative whole number (the "
		           "measure is a count)",
		           field, value);
		return false;
	}
	if (strcmp(u, "rate") == 0 && !(value >= 0)) {
		rpc_detail(call, rec, field, "range",
		           "%s %g is negative (the measure is a rate)", field,
		           value);
		return false;
	}
	if (fabs(value) > VALIDATE_VALUE_MAX) {
		rpc_detail(call, rec, field, "range", "%s %g is beyond +-%g",
		           field, value, VALIDATE_VALUE_MAX);
		return false;
	}
	return true;
}

bool
validate_horizon(rpc_call *call, int64_t rec, const char *field,
                 const char *value, int32_t days)
{
	int64_t today = (int64_t) time(NULL) / 86400;
	if (days > today + call->cfg->horizon_days) {
		rpc_detail(call, rec, field, "horizon",
		           "%s %s is more than %d days after today", field,
		           value, call->cfg->horizon_days);
		return false;
	}
	return true;
}
