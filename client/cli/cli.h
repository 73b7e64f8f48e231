/* SPDX-License-Identifier: MIT
 * The tandem CLI's shared state and command table. Each command parses its
 * own options (all take --help) and talks to tandemd through libtandem's
 * public API only.
 */
#ifndef TD_CLI_H
#define TD_CLI_H

#include <stdbool.h>

#include "output.h"
#include "tandem/tandem.h"

typedef struct cli {
	const char     *urls[8];
	size_t          n_urls;
	const char     *token;
	int             timeout_ms;
	const char     *tls_ca;
	enum out_format format;
	td_client      *client; /* connected lazily by cli_client */
	bool            progress; /* stderr is a terminal */
} cli;

typedef struct cli_command {
	const char *name;
	int (*run)(cli *c, int argc, char **argv);
	const char *summary;
} cli_command;

/* cli_client connects on first use; exits with a message on failure. */
td_client *cli_client(cli *c);
/* cli_fail_status prints "tandem: CODE: message" and each detail to
 * stderr, and returns the exit status for a failed call (1). */
int cli_fail_status(const char *what, const td_status *st);
/* cli_usage_error prints a usage problem and returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* cli_wants_help: true when argv holds -h or --help. */
bool cli_wants_help(int argc, char **argv);

/* Commands. */
int cmd_health(cli *c, int argc, char **argv);
int cmd_methods(cli *c, int argc, char **argv);

#endif /* TD_CLI_H */
