/* SPDX-License-Identifier: MIT
 * Start-up of the statistics module.
 */
#include <stdarg.h>
#include <stdio.h>

#include <gsl/gsl_errno.h>
#include <tandem/errors.h>

#include "stats.h"

void
stats_init(void)
{
	gsl_set_error_handler_off();
}

void
stats_set_errmsg(char *errmsg, const char *fmt, ...)
{
	va_list ap;

	if (errmsg == NULL) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(errmsg, TD_ERRMSG_MAX, fmt, ap);
	va_end(ap);
}
