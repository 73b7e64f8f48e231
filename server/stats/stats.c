/* SPDX-License-Identifier: MIT
 * Start-up of the statistics module.
 */
#include <gsl/gsl_errno.h>

#include "stats.h"

void
stats_init(void)
{
	gsl_set_error_handler_off();
}
