/* SPDX-License-Identifier: MIT
 * tandem: the command-line client. Global options, then a command.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const cli_command commands[] = {
	{ "health", cmd_health,
	  "is the server up and its database answering" },
	{ "methods", cmd_methods, "list every method the server declares" },
};

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: tandem [options] COMMAND [command options]\n"
	        "\n"
	        "Options:\n"
	        "  --server URL     tandemd to talk to (repeatable: calls are "
	        "spread over\n"
	        "                   them; default $TANDEM_SERVER or %s)\n"
	        "  --token T        bearer token (default $TANDEM_TOKEN)\n"
	        "  --timeout S      per-call deadline in seconds (default "
	        "30)\n"
	        "  --tls-ca FILE    CA certificate (PEM) for tls+tcp:// "
	        "servers\n"
	        "  --format F       table|csv|json (default table)\n"
	        "  --help           this text; COMMAND --help for a "
	        "command's\n"
	        "\nCommands:\n",
	        TD_DEFAULT_URL);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		fprintf(f, "  %-12s %s\n", commands[i].name,
		        commands[i].summary);
	}
}

td_client *
cli_client(cli *c)
{
	if (c->client != NULL) {
		return c->client;
	}
	td_client_opts o = { 0 };
	char           err[TD_ERRMSG_MAX];
	o.urls       = c->n_urls ? c->urls : NULL;
	o.n_urls     = c->n_urls;
	o.token      = c->token;
	o.timeout_ms = c->timeout_ms;
	o.tls_ca     = c->tls_ca;
	if (td_client_create(&c->client, &o, err) != TD_OK) {
		fprintf(stderr, "tandem: %s\n", err);
		exit(1);
	}
	return c->client;
}

int
cli_fail_status(const char *what, const td_status *st)
{
	fprintf(stderr, "tandem: %s: %s: %s\n", what, td_code_name(st->code),
	        st->message);
	for (size_t i = 0; i < st->n_details; i++) {
		const td_detail *d = &st->details[i];
		if (d->record_index >= 0) {
			fprintf(stderr, "  record %lld: %s\n",
			        (long long) d->record_index, d->message);
		} else {
			fprintf(stderr, "  %s\n", d->message);
		}
	}
	if (st->details_omitted > 0) {
		fprintf(stderr, "  … and %d more\n", st->details_omitted);
	}
	return 1;
}

int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "tandem %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see tandem %s --help)\n", cmd);
	return 2;
}

bool
cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0
		    || strcmp(argv[i], "-h") == 0) {
			return true;
		}
	}
	return false;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "token", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "tls-ca", required_argument, NULL, 'C' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	cli c = { 0 };
	int opt;

	c.token      = getenv("TANDEM_TOKEN");
	c.timeout_ms = 30000;
	c.progress   = isatty(STDERR_FILENO);
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (c.n_urls == sizeof(c.urls) / sizeof(c.urls[0])) {
				fprintf(stderr,
				        "tandem: at most 8 --server\n");
				return 2;
			}
			c.urls[c.n_urls++] = optarg;
			break;
		case 't':
			c.token = optarg;
			break;
		case 'T': {
			char  *end;
			double s = strtod(optarg, &end);
			if (*end != '\0' || !(s > 0) || s > 86400) {
				fprintf(stderr,
				        "tandem: --timeout takes "
				        "seconds in (0, 86400], not "
				        "'%s'\n",
				        optarg);
				return 2;
			}
			c.timeout_ms = (int) (s * 1000);
			break;
		}
		case 'C':
			c.tls_ca = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "table") == 0) {
				c.format = OUT_TABLE;
			} else if (strcmp(optarg, "csv") == 0) {
				c.format = OUT_CSV;
			} else if (strcmp(optarg, "json") == 0) {
				c.format = OUT_JSON;
			} else {
				fprintf(stderr,
				        "tandem: --format is table, "
				        "csv or json, not '%s'\n",
				        optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (c.n_urls == 0 && getenv("TANDEM_SERVER")) {
		c.urls[c.n_urls++] = getenv("TANDEM_SERVER");
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	const char *name = argv[optind];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) == 0) {
			int    sub_argc = argc - optind;
			char **sub_argv = argv + optind;
			optind          = 0; /* glibc: restart getopt */
			int rv = commands[i].run(&c, sub_argc, sub_argv);
			td_client_destroy(c.client);
			return rv;
		}
	}
	fprintf(stderr, "tandem: unknown command '%s'\n", name);
	usage(stderr);
	return 2;
}
