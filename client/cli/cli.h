/* SPDX-License-Identifier: MIT
 * The tandem CLI's shared state and command table. Each command parses its
 * own options (all take --help) and talks to tandemd through libtandem's
 * public API only.
 */
#ifndef TD_CLI_H
#define TD_CLI_H

#include <stdbool.h>

#include "csvread.h"
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
	bool            progress_shown; /* a "\r…" line is on stderr */
	const char     *cfg_urls[8]; /* from the config file */
	size_t          n_cfg_urls;
	const char     *cfg_token_file;
	const char     *cfg_tls_ca;
	char           *token_buf; /* a token read from a file */
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
/* cli_fail is cli_fail_status that also frees the status's details. */
int cli_fail(const char *what, td_status *st);
/* cli_usage_error prints a usage problem and returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* cli_wants_help: true when argv holds -h or --help. */
bool cli_wants_help(int argc, char **argv);

/* Calls that change nothing twice (ids, upserts) are retried this often
 * on UNAVAILABLE or DEADLINE_EXCEEDED, backing off 100 ms .. 5 s. */
#define CLI_DEFAULT_RETRIES 10
#define CLI_MAX_RETRIES     1000

/* cli_call is td_call with retries: on UNAVAILABLE or DEADLINE_EXCEEDED
 * it says so on stderr and sends the same request again, up to retries
 * times. Only for requests that are safe to repeat. Returns the last
 * code; *resp and st as td_call. */
int cli_call(cli *c, const char *what, const td_method *method,
             const ProtobufCMessage *req, ProtobufCMessage **resp,
             td_status *st, int retries);

/* Where the records of one request came from: record i of the request is
 * line lines[i] of file. */
typedef struct cli_origin {
	const char   *file;
	const size_t *lines;
	size_t        n;
} cli_origin;

/* cli_fail_origin prints "tandem: WHAT: CODE: message", then each detail
 * as "FILE:LINE: message" (o may be NULL: "record N: message"), then
 * "… and N more"; returns 1. */
int cli_fail_origin(const char *what, const td_status *st,
                    const cli_origin *o);

/* cli_read_csv reads path; on failure prints "tandem: WHAT: reason" and
 * returns 1 (*t NULL). */
int cli_read_csv(const char *what, const char *path, csvread_table **t);
/* cli_bind binds cols; on a missing column prints the reason and returns
 * 1. Unbound columns are warned about on stderr ("ignoring column") when
 * warn_extra is set. */
int cli_bind(const char *what, const csvread_table *t, csvread_col *cols,
             size_t n, bool warn_extra);
/* cli_parse_count reads a whole number in lo..hi for option opt, or
 * prints a usage error and returns 2. */
int cli_parse_count(const char *cmd, const char *opt, const char *arg, long lo,
                    long hi, long *out);
/* cli_option_error reports what getopt_long (with opterr = 0 and an
 * optstring starting with ':') returned for argv: an unknown option or
 * one missing its value. Returns 2. */
int cli_option_error(const char *cmd, int opt, char **argv);
/* cli_progress_end ends a progress line on stderr, if one is shown. */
void cli_progress_end(cli *c);

/* cli_read_config reads the CLI's config file (path, or when NULL
 * $XDG_CONFIG_HOME/tandem/config or ~/.config/tandem/config if it exists):
 * keys server (repeatable), token-file and tls-ca. Returns 0, or 1 after
 * saying FILE:LINE: why on stderr. */
int cli_read_config(cli *c, const char *path, bool must_exist);
/* cli_config_free frees what cli_read_config and cli_read_token_file
 * allocated. */
void cli_config_free(cli *c);
/* cli_read_token_file sets c->token from the first line of path; 1 and a
 * message on failure. */
int cli_read_token_file(cli *c, const char *path);

/* Commands. */
int cmd_health(cli *c, int argc, char **argv);
int cmd_methods(cli *c, int argc, char **argv);
int cmd_define(cli *c, int argc, char **argv);
int cmd_import(cli *c, int argc, char **argv);
int cmd_submit(cli *c, int argc, char **argv);
int cmd_list(cli *c, int argc, char **argv);
int cmd_sample(cli *c, int argc, char **argv);
int cmd_analyze(cli *c, int argc, char **argv);
int cmd_admin(cli *c, int argc, char **argv);
int cmd_report(cli *c, int argc, char **argv);
int cmd_watch(cli *c, int argc, char **argv);
int cmd_review(cli *c, int argc, char **argv);
int cmd_export(cli *c, int argc, char **argv);
/* approve, accept and unapprove: argv[0] says which. */
int cmd_approval(cli *c, int argc, char **argv);
/* cli_list_review: list submissions [--state S] | approvals [--measure M
 * | --survey S] (for cmd_list). */
int cli_list_review(cli *c, const char *what, const char *state,
                    const char *measure, const char *survey);

#endif /* TD_CLI_H */
