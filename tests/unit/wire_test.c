/* SPDX-License-Identifier: MIT
 * The wire layer both sides share: td_code_from_err is the one map from
 * internal codes to gRPC status codes; every code of errors.h has a row.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tandem/errors.h"
#include "tandem/wire.h"

static const struct {
	int err;
	int code;
} map[] = {
	{ TD_OK, TD_CODE_OK },
	{ TD_EINVAL, TD_CODE_INVALID_ARGUMENT },
	{ TD_ENOMEM, TD_CODE_RESOURCE_EXHAUSTED },
	{ TD_ENOTFOUND, TD_CODE_NOT_FOUND },
	{ TD_EEXIST, TD_CODE_ALREADY_EXISTS },
	{ TD_ERANGE, TD_CODE_INVALID_ARGUMENT },
	{ TD_ETOOBIG, TD_CODE_RESOURCE_EXHAUSTED },
	/* The data cannot support the statistic: a state, not an argument
	 * (this copy used to say INVALID_ARGUMENT, the analysis service's
	 * FAILED_PRECONDITION; the latter is gRPC's meaning). */
	{ TD_ESINGULAR, TD_CODE_FAILED_PRECONDITION },
	{ TD_ETOOFEW, TD_CODE_FAILED_PRECONDITION },
	{ TD_EZEROVAR, TD_CODE_FAILED_PRECONDITION },
	{ TD_EUNAVAIL, TD_CODE_UNAVAILABLE },
	{ TD_ETIMEDOUT, TD_CODE_DEADLINE_EXCEEDED },
	{ TD_EPROTO, TD_CODE_INVALID_ARGUMENT },
	{ TD_EPERM, TD_CODE_PERMISSION_DENIED },
	{ TD_EAUTH, TD_CODE_UNAUTHENTICATED },
	{ TD_EINTERNAL, TD_CODE_INTERNAL },
	{ TD_ENOTIMPL, TD_CODE_UNIMPLEMENTED },
	{ TD_ECANCELED, TD_CODE_CANCELLED },
	{ TD_ESUPPRESSED, TD_CODE_FAILED_PRECONDITION },
	{ TD_EIO, TD_CODE_INTERNAL },
};

static void
every_internal_code_maps_to_its_grpc_code(void **state)
{
	(void) state;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		int got = td_code_from_err(map[i].err);
		if (got != map[i].code) {
			fail_msg("%s (%d) maps to %s, want %s",
			         td_strerror(map[i].err), map[i].err,
			         td_code_name(got), td_code_name(map[i].code));
		}
	}
	/* The table covers errors.h from TD_OK to TD_EIO, in order. */
	assert_int_equal(sizeof(map) / sizeof(map[0]), TD_EIO + 1);
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		assert_int_equal(map[i].err, (int) i);
	}
}

static void
unknown_internal_codes_are_internal(void **state)
{
	(void) state;
	assert_int_equal(td_code_from_err(-1), TD_CODE_INTERNAL);
	assert_int_equal(td_code_from_err(TD_EIO + 100), TD_CODE_INTERNAL);
	assert_string_equal(td_code_name(TD_CODE_FAILED_PRECONDITION),
	                    "FAILED_PRECONDITION");
	assert_string_equal(td_code_name(99), "UNKNOWN");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_internal_code_maps_to_its_grpc_code),
		cmocka_unit_test(unknown_internal_codes_are_internal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
