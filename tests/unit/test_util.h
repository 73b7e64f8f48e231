/* SPDX-License-Identifier: MIT
 * Assertion helpers shared by the unit tests, on top of cmocka: one home
 * for the tolerance rule every statistics test checks its reference
 * values with.
 */
#ifndef TD_TEST_UTIL_H
#define TD_TEST_UTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* assert_rel fails the test unless actual is within tol of expected:
 * relatively (|actual - expected| <= tol * |expected|), or absolutely
 * when expected is 0 (|actual| <= tol). A NaN never passes. */
static inline void
assert_rel(double actual, double expected, double tol)
{
	if (expected == 0.0) {
		if (!(fabs(actual) <= tol)) {
			fail_msg("got %.17g, expected 0", actual);
		}
	} else if (!(fabs(actual - expected) <= tol * fabs(expected))) {
		fail_msg("got %.17g, expected %.17g (rel err %.3g)", actual,
		         expected, fabs(actual - expected) / fabs(expected));
	}
}

#endif /* TD_TEST_UTIL_H */
