/* SPDX-License-Identifier: MIT
 * tandem: the command-line client. Global options, then a command.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static const cli_command commands[] = {
	{ "health", cmd_health,
	  "is the server up and its database answering" },
	{ "methods", cmd_methods, "list every method the server declares" },
	{ "define", cmd_define,
	  "define districts, schools, educators, instruments... from CSV" },
	{ "import", cmd_import,
	  "import districts, schools, educators and memberships "
	  "from OneRoster 1.1/1.2 CSV" },
	{ "submit", cmd_submit,
	  "submit surveys, feedback, outcomes, costs... from CSV" },
	{ "list", cmd_list,
	  "list districts, schools, educators, instruments or PDSA cycles" },
	{ "analyze", cmd_analyze,
	  "run and control charts, comparisons, reliability, ROI..." },
	{ "sample", cmd_sample,
	  "write a sample network's CSV files to try Tandem with" },
	{ "admin", cmd_admin, "API clients and the audit log" },
	{ "report", cmd_report,
	  "write the council's report: one self-contained HTML page" },
	{ "review", cmd_review,
	  "set a submission's review state (has_issues, approved...)" },
	{ "approve", cmd_approval,
	  "approve a measure's month at a level (locks it)" },
	{ "accept", cmd_approval, "accept the approval of the level below" },
	{ "unapprove", cmd_approval, "unapprove a month (unlocks it)" },
	{ "watch", cmd_watch,
	  "follow the server's events (new batches, new signals)" },
	{ "export", cmd_export,
	  "write a stored kind back out as CSV or JSON, in your scope" },
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
	        "  --token-file F   read the bearer token from file F\n"
	        "  --timeout S      per-call deadline in seconds (default "
	        "30)\n"
	        "  --tls-ca FILE    CA certificate (PEM) for tls+tcp:// "
	        "servers\n"
	        "  --format F       table|csv|json (default table)\n"
	        "  --config FILE    settings file (default $TANDEM_CONFIG "
	        "or\n"
	        "                   ~/.config/tandem/config): keys server, "
	        "token-file,\n"
	        "                   tls-ca; the environment and the command "
	        "line win\n"
	        "  --version        print the version and the protocol "
	        "version\n"
	        "  --help           this text; COMMAND --help for a "
	        "command's\n"
	        "\nCommands (each takes --help):\n",
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
cli_call(cli *c, const char *what, const td_method *method,
         const ProtobufCMessage *req, ProtobufCMessage **resp, td_status *st,
         int retries)
{
	int delay_ms = 100;
	for (int attempt = 1;; attempt++) {
		int code = td_call(cli_client(c), method->path, req,
		                   method->reply, resp, st);
		if ((code != TD_CODE_UNAVAILABLE
		     && code != TD_CODE_DEADLINE_EXCEEDED)
		    || attempt > retries) {
			return code;
		}
		cli_progress_end(c);
		fprintf(stderr,
		        "tandem: %s: %s: %s; trying again in %d ms (%d of "
		        "%d)\n",
		        what, td_code_name(code), st->message, delay_ms,
		        attempt, retries);
		struct timespec ts
		    = { delay_ms / 1000, (long) (delay_ms % 1000) * 1000000L };
		while (nanosleep(&ts, &ts) != 0) { }
		delay_ms = delay_ms * 2 > 5000 ? 5000 : delay_ms * 2;
	}
}

int
cli_fail_origin(const char *what, const td_status *st, const cli_origin *o)
{
	fprintf(stderr, "tandem: %s: %s: %s\n", what, td_code_name(st->code),
	        st->message);
	for (size_t i = 0; i < st->n_details; i++) {
		const td_detail *d = &st->details[i];
		const char      *msg
		    = d->message && *d->message ? d->message : d->rule;
		if (o == NULL) {
			if (d->record_index >= 0) {
				fprintf(stderr, "record %lld: ",
				        (long long) d->record_index);
			}
		} else if (d->record_index >= 0
		           && (uint64_t) d->record_index < o->n) {
			fprintf(stderr, "%s:%zu: ", o->file,
			        o->lines[d->record_index]);
		} else if (d->record_index >= 0) {
			fprintf(stderr, "%s: record %lld: ", o->file,
			        (long long) d->record_index);
		} else {
			fprintf(stderr, "%s: ", o->file);
		}
		if (msg == NULL || *msg == '\0') {
			fprintf(stderr, "field %s is invalid\n",
			        d->field ? d->field : "?");
		} else {
			fprintf(stderr, "%s\n", msg);
		}
	}
	if (st->details_omitted > 0) {
		fprintf(stderr, "… and %d more\n", st->details_omitted);
	}
	return 1;
}

int
cli_read_csv(const char *what, const char *path, csvread_table **t)
{
	char err[TD_ERRMSG_MAX];
	if (csvread_file(t, path, err) != TD_OK) {
		fprintf(stderr, "tandem: %s: %s\n", what, err);
		return 1;
	}
	return 0;
}

int
cli_bind(const char *what, const csvread_table *t, csvread_col *cols, size_t n,
         bool warn_extra)
{
	char err[TD_ERRMSG_MAX];
	if (csvread_bind(t, cols, n, err) != TD_OK) {
		fprintf(stderr, "tandem: %s: %s\n", what, err);
		return 1;
	}
	for (size_t j = 0; warn_extra && j < csvread_ncols(t); j++) {
		if (!csvread_is_bound(cols, n, j)) {
			fprintf(
			    stderr,
			    "tandem: %s: %s: ignoring column %zu '%s' (not "
			    "one of this file's columns)\n",
			    what, csvread_name(t), j + 1,
			    csvread_header(t, j));
		}
	}
	return 0;
}

int
cli_parse_count(const char *cmd, const char *opt, const char *arg, long lo,
                long hi, long *out)
{
	long long v;
	if (csvread_parse_int(arg, lo, hi, &v) != TD_OK) {
		return cli_usage_error(cmd,
		                       "%s takes a whole number in %ld..%ld, "
		                       "not '%s'",
		                       opt, lo, hi, arg);
	}
	*out = (long) v;
	return 0;
}

int
cli_option_error(const char *cmd, int opt, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "?";
	if (opt == ':') {
		return cli_usage_error(cmd, "%s needs a value", arg);
	}
	return cli_usage_error(cmd, "unknown option %s", arg);
}

void
cli_progress_end(cli *c)
{
	if (c->progress_shown) {
		fputc('\n', stderr);
		c->progress_shown = false;
	}
}

int
cli_fail(const char *what, td_status *st)
{
	int rv = cli_fail_status(what, st);
	td_status_reset(st);
	return rv;
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
		{ "token-file", required_argument, NULL, 'F' },
		{ "config", required_argument, NULL, 'c' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	cli         c = { 0 };
	int         opt;
	const char *token_file = NULL, *tls_ca = NULL;
	const char *config = getenv("TANDEM_CONFIG");

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
			c.token    = optarg;
			token_file = NULL;
			break;
		case 'F':
			token_file = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'V':
			printf("tandem %s (protocol %d)\n", td_version(),
			       td_protocol_version());
			return 0;
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
			tls_ca = optarg;
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
	/* Lowest first: the config file, the environment, the command
	 * line. */
	if (cli_read_config(&c, config && *config ? config : NULL,
	                    config && *config)
	    != 0) {
		cli_config_free(&c);
		return 2;
	}
	if (tls_ca != NULL) {
		c.tls_ca = tls_ca;
	} else if (getenv("TANDEM_TLS_CA") && *getenv("TANDEM_TLS_CA")) {
		c.tls_ca = getenv("TANDEM_TLS_CA");
	} else {
		c.tls_ca = c.cfg_tls_ca;
	}
	if (c.n_urls == 0 && getenv("TANDEM_SERVER")) {
		c.urls[c.n_urls++] = getenv("TANDEM_SERVER");
	}
	if (c.n_urls == 0) {
		memcpy(c.urls, c.cfg_urls, sizeof(c.urls));
		c.n_urls = c.n_cfg_urls;
	}
	if ((token_file != NULL && cli_read_token_file(&c, token_file) != 0)
	    || (c.token == NULL && c.cfg_token_file != NULL
	        && cli_read_token_file(&c, c.cfg_token_file) != 0)) {
		cli_config_free(&c);
		return 2;
	}
	if (optind >= argc) {
		usage(stderr);
		cli_config_free(&c);
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
			cli_config_free(&c);
			return rv;
		}
	}
	fprintf(stderr, "tandem: unknown command '%s'\n", name);
	usage(stderr);
	cli_config_free(&c);
	return 2;
}
