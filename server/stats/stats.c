/* SPDX-License-Identifier: MIT
 * Start-up of the statistics module and its error-message helper.
 */
#include <stdarg.h>
#include <stdio.h>

#include <gsl/gsl_errno.h>

#include "stats.h"
#include "tandem/errors.h"

void
stats_init(void)
{
	gsl_set_error_handler_off();
}

void
stats_set_err(char *errmsg, const char *fmt, ...)
{
	va_list ap;

	if (errmsg == NULL) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(errmsg, TD_ERRMSG_MAX, fmt, ap);
	va_end(ap);
}
