/* SPDX-License-Identifier: MIT
 * The CLI's improvement-work commands: `list pdsa`, and `analyze pdsa`,
 * `analyze discover` and `analyze isolation` (their help texts are here
 * too, so cmd_analyze.c's table only points at them).
 */
#ifndef TD_CLI_IMPROVE_H
#define TD_CLI_IMPROVE_H

#include "cmd_analyze.h"

/* list_pdsa: `tandem list pdsa [--measure M] [--school S]`; argv[0] is
 * "pdsa". Returns the exit status. */
int list_pdsa(cli *c, int argc, char **argv);

int analyze_pdsa(cli *c, const analyze_opts *o);
int analyze_discover(cli *c, const analyze_opts *o);
int analyze_isolation(cli *c, const analyze_opts *o);

extern const char improve_pdsa_help[];
extern const char improve_discover_help[];
extern const char improve_isolation_help[];

#endif /* TD_CLI_IMPROVE_H */
